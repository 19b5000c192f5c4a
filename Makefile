# The commands a newcomer needs: `make test` runs everything CI runs.
# Tools (staticcheck) and the VictoriaLogs server the integration tests run
# against are built on first use into the git-ignored .cache/ folder.

GO       ?= go
FUZZTIME ?= 30s
# New inputs are minimised before they join the corpus, for up to a minute
# by default; a short cap keeps the fuzz pass fuzzing.
FUZZMIN  ?= 2s
# Benchmark repetitions; benchstat wants at least 6 to report a median with
# a confidence interval.
COUNT    ?= 10
BENCHOUT := .cache/bench

.PHONY: test vet staticcheck victorialogs unit fuzz bench demo

test: vet staticcheck victorialogs unit fuzz

vet:
	$(GO) vet ./...

staticcheck:
	scripts/staticcheck.sh ./...

# Built before the tests so that parallel test packages find it ready.
victorialogs:
	scripts/victorialogs.sh >/dev/null

unit:
	$(GO) test -race -count=1 ./...

# Each fuzz target runs for FUZZTIME over its seed corpus in testdata/fuzz.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzJSONHandler$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) ./slogx/
	$(GO) test -run '^$$' -fuzz '^FuzzRedactJSON$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) ./slogx/redact/
	$(GO) test -run '^$$' -fuzz '^FuzzFormats$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) ./internal/wire/

# Benchmarks run as one test binary per package, alternating -count=1 runs
# COUNT times, so that load on a shared machine falls on both sides of each
# comparison alike; benchstat then compares them.
bench:
	scripts/bench.sh $(COUNT)

# End-to-end throughput against a real VictoriaLogs: records from
# slog.Logger to rows stored, as records/s, beside a raw pre-encoded NDJSON
# POST loop against the same server build in the same run. Built only with
# the e2e tag, so `go test ./...` never runs it. E2E_RECORDS and E2E_ROUNDS
# size the run. bench-e2e-remote does the same for each of remote's wire
# formats, beside a raw loop that POSTs the same format.
E2E_RECORDS ?= 1000000
E2E_ROUNDS  ?= 3
E2E_REMOTE_RECORDS ?= 500000

.PHONY: bench-e2e bench-e2e-remote
bench-e2e: victorialogs
	$(GO) test -tags e2e -count=1 -run '^TestE2EThroughput$$' -v ./slogx/victoria/ -args -e2e.records=$(E2E_RECORDS) -e2e.rounds=$(E2E_ROUNDS)

bench-e2e-remote: victorialogs
	$(GO) test -tags e2e -count=1 -run '^TestE2EThroughput$$' -v ./slogx/remote/ -args -e2e.records=$(E2E_REMOTE_RECORDS) -e2e.rounds=$(E2E_ROUNDS)

# The demo: a checkout service wired with slogx, a few hundred requests,
# and a report checked against a real VictoriaLogs that the demo starts and
# stops (built into .cache/ on first use). ARGS=-sink=stdout needs no
# server; ARGS=-keep keeps the server up for its UI until Ctrl-C.
ARGS ?=
demo:
	@$(GO) build -o .cache/bin/demo ./examples/demo
	@case " $(ARGS) " in \
	*" -sink=stdout "*|*" --sink=stdout "*) .cache/bin/demo $(ARGS) ;; \
	*) .cache/bin/demo -victorialogs="$$(scripts/victorialogs.sh)" $(ARGS) ;; \
	esac

# docs/benchmarks.md and docs/bench.svg: slogx beside slog, phuslu/log, zap
# and zerolog (benchmarks/, a module of its own), shipping to a real
# VictoriaLogs beside the OpenTelemetry SDK, and the library's own suites.
# Under five minutes on two cores at the defaults; run it on a quiet machine.
# BENCH_NOTE, if set, is printed at the top of the report.
BENCH_COUNT  ?= 6
BENCH_TIME   ?= 200ms
SHIP_RECORDS ?= 300000
BENCH_NOTE   ?=

.PHONY: bench-report
bench-report:
	BENCH_COUNT=$(BENCH_COUNT) BENCH_TIME=$(BENCH_TIME) SHIP_RECORDS=$(SHIP_RECORDS) BENCH_NOTE="$(BENCH_NOTE)" scripts/bench-report.sh
