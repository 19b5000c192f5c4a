#!/usr/bin/env bash
# Runs every benchmark the report shows and writes docs/benchmarks.md and
# docs/bench.svg (make bench-report).
#
#   BENCH_COUNT   rounds (default 6: benchstat's least for a median with a
#                 confidence interval)
#   BENCH_TIME    -test.benchtime of each run (default 200ms, which keeps the
#                 whole report under five minutes on two cores); a suite
#                 may set its own (report -suites)
#   SHIP_RECORDS  records in the shipping burst (default 300000)
#   BENCH_NOTE    a note printed at the top of the report, e.g. that the
#                 machine was busy
#
# Why this way: the machines are small and shared. Each package's test
# binary is built once and run with -test.count 1; a round runs every suite
# once, and the rounds repeat, so load that comes and goes falls on all
# sides of every comparison alike (as scripts/bench.sh does per package).
# What runs, and how benchstat views it, is listed by the report program
# itself (report -suites, report -tables), so the two cannot disagree.
set -euo pipefail

count=${BENCH_COUNT:-6}
benchtime=${BENCH_TIME:-200ms}
records=${SHIP_RECORDS:-300000}
note=${BENCH_NOTE:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out="$root/.cache/bench-report"
cd "$root"

if ((count < 6)); then
	echo "bench-report: note: BENCH_COUNT=$count is below 6; benchstat reports no confidence interval then" >&2
fi

start=$SECONDS
date=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
rm -rf "$out"
mkdir -p "$out"

benchstat() { go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$@"; }

vl=$(scripts/victorialogs.sh)
# vltest (the victoria benchmarks) uses this binary instead of asking the
# script again.
export SLOGX_VICTORIALOGS="$vl"

(cd benchmarks && go build -o "$out/report" ./cmd/report && go build -o "$out/ship" ./cmd/ship)

# The versions of what is compared, for the report.
(cd benchmarks && go list -m -f '{{.Path}} {{.Version}}' github.com/phuslu/log go.uber.org/zap go.uber.org/zap/exp \
	github.com/rs/zerolog go.opentelemetry.io/contrib/bridges/otelslog go.opentelemetry.io/otel/sdk/log \
	go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp) >"$out/versions.txt"
vmversion=$(sed -n 's#^require github.com/VictoriaMetrics/VictoriaMetrics \(v[^ ]*\).*#\1#p' testdata/victorialogs/go.mod)
echo "VictoriaLogs from github.com/VictoriaMetrics/VictoriaMetrics ${vmversion:-?}" >>"$out/versions.txt"

files=() pkgs=() benches=() times=()
while IFS=$'\t' read -r file pkg bench btime; do
	[[ $btime == - ]] && btime=$benchtime
	files+=("$file") pkgs+=("$pkg") benches+=("$bench") times+=("$btime")
done < <("$out/report" -suites)

echo "bench-report: building ${#files[@]} test binaries" >&2
for i in "${!files[@]}"; do
	if [[ ${pkgs[i]} == ./benchmarks ]]; then
		(cd benchmarks && go test -c -o "$out/${files[i]}.test" .)
	else
		go test -c -o "$out/${files[i]}.test" "${pkgs[i]}"
	fi
done

for ((round = 1; round <= count; round++)); do
	echo "bench-report: round $round of $count ($((SECONDS - start)) s so far)" >&2
	for i in "${!files[@]}"; do
		(cd "${pkgs[i]}" && "$out/${files[i]}.test" -test.run '^$' -test.bench "${benches[i]}" \
			-test.benchmem -test.count 1 -test.benchtime "${times[i]}") >>"$out/${files[i]}.txt"
	done
done

echo "bench-report: shipping $records records ($((SECONDS - start)) s so far)" >&2
"$out/ship" -victorialogs "$vl" -records "$records" -out "$out/ship.json"

while IFS=$'\t' read -r file table col filter; do
	args=()
	[[ $col != - ]] && args+=(-col "$col")
	[[ $filter != - ]] && args+=(-filter "$filter")
	benchstat "${args[@]}" "$out/$file.txt" >"$out/$table.benchstat"
done < <("$out/report" -tables)

mkdir -p docs
"$out/report" -dir "$out" -ship "$out/ship.json" -versions "$out/versions.txt" -md docs/benchmarks.md -svg docs/bench.svg \
	-date "$date" -cpu "${cpu:-unknown}" -nproc "$(nproc)" -go "$(go version | cut -d' ' -f3-)" -load "$load" \
	-count "$count" -benchtime "$benchtime" -note "$note" -took "$((SECONDS - start)) s"
echo "bench-report: wrote docs/benchmarks.md and docs/bench.svg in $((SECONDS - start)) s" >&2
