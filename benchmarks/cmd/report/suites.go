package main

import (
	"fmt"
	"io"
)

// suite is one package's benchmarks in the report. scripts/bench-report.sh
// reads this table (report -suites, report -tables), so the report and the
// runs cannot disagree about what is measured.
type suite struct {
	File  string // NAME of NAME.txt
	Pkg   string // package, relative to the repository root
	Bench string // -test.bench pattern
	// Benchtime, if set, replaces BENCH_TIME for this suite.
	Benchtime string
	// Tables are benchstat's views of the results, each written to
	// TABLE.benchstat.
	Tables []table
	Title  string
	Desc   string
}

type table struct {
	Name   string
	Col    string // benchstat -col, or "" for none
	Filter string // benchstat -filter, or "" for all
}

const loggersFile = "loggers"

var suites = []suite{
	{
		File: loggersFile, Pkg: "./benchmarks", Bench: ".",
		Tables: []table{
			{"loggers-slog", "/handler", ".name:Logger"},
			{"loggers-native", "/logger", ".name:Native"},
		},
	},
	{
		File: "slogx", Pkg: "./slogx", Bench: "Handler",
		Tables: []table{{"slogx", "/handler", ""}},
		Title:  "slogx.JSONHandler vs slog.JSONHandler",
		Desc: "Handle called directly (no slog.Logger), writing to io.Discard: a record with 5 attributes (string, int, " +
			"duration, time, error), with 10, with 5 more bound by With, and the 5-attribute record from goroutines on " +
			"every P (`b.RunParallel`). `go test -bench Handler ./slogx`.",
	},
	{
		File: "breach", Pkg: "./slogx/breach", Bench: ".",
		Tables: []table{
			{"breach", "", "-.name:Logger"},
			{"breach-logger", "/handler", ".name:Logger"},
		},
		Title: "breach",
		Desc: "Buffering a 5-attribute record without a flush, alone and from goroutines on both cores; the same with the " +
			"buffer full (every record evicts the oldest); records in a request scope; a scope's lifecycle; and writing " +
			"a flush of 1000 buffered records into slogx.JSONHandler(io.Discard). The second table is a log call through " +
			"slog.Logger with the window full (every record evicts), beside a handler that does nothing: breach's own " +
			"cost is the difference. `go test -bench . ./slogx/breach`.",
	},
	{
		File: "redact", Pkg: "./slogx/redact", Bench: "^Benchmark(Handle|Overhead|Logger)$",
		Tables: []table{
			{"redact", "/handler", ".name:(Handle OR Overhead)"},
			{"redact-logger", "/redact", ".name:Logger"},
		},
		Title: "redact",
		Desc: "A record with nothing sensitive (5 attributes), one with three secrets, and 1 KB of prose, through redact " +
			"in front of slogx.JSONHandler(io.Discard) (`redact`), the bare handler (`bare`), and the common approach, a " +
			"ReplaceAttr running the same regular expressions (`replaceattr`); `Overhead` is redact alone in front of a " +
			"handler that does nothing. The second table is a log call through slog.Logger with redact on and off, in " +
			"front of slogx.JSONHandler (`sink=json`) and of a handler that does nothing (`sink=nop`), for the realistic " +
			"clean record (60-character message, 50-character id, int, duration, time, error), the 5-attribute record " +
			"and a record with three secrets: redact's own cost is on less off. " +
			"`go test -bench '^Benchmark(Handle|Overhead|Logger)$' ./slogx/redact`.",
	},
	{
		File: "victoria", Pkg: "./slogx/victoria", Bench: "^BenchmarkHandle(Spool)?$",
		// A count, not a time: the timer stops while each chunk of 1000
		// records is delivered, so a time-based benchtime would run many
		// times longer than it says (about 20 s a round for 300ms).
		Benchtime: "150000x",
		Tables:    []table{{"victoria", "/handler", ""}},
		Title:     "victoria Handle",
		Desc: "The cost of Handle on the logging goroutine, against slogx.JSONHandler to io.Discard, for the 5-attribute " +
			"record and with 5 more bound by With; between timed chunks of 1000 records the sender delivers them to a " +
			"real VictoriaLogs, so none is dropped. `HandleSpool` is the same with an on-disk spool configured " +
			"(nothing is spooled while the server is healthy), in the order victoria, spool, spool, victoria; " +
			"benchstat names the second of each `#01`. `go test -bench '^BenchmarkHandle(Spool)?$' ./slogx/victoria`.",
	},
	{
		File: "remote", Pkg: "./slogx/remote", Bench: "^Benchmark(Handle|Logger)$",
		// A count, as for victoria: the timer stops while each chunk of
		// 1000 records is delivered to an in-process server.
		Benchtime: "50000x",
		Tables: []table{
			{"remote", "/format", ".name:Handle"},
			{"remote-logger", "/format", ".name:Logger"},
		},
		Title: "remote Handle, per wire format",
		Desc: "The cost of Handle on the logging goroutine for the 5-attribute record in each wire format, beside " +
			"slogx.JSONHandler to io.Discard; then a log call through slog.Logger per format beside a handler that " +
			"does nothing. Between timed chunks of 1000 records the sender delivers them to an in-process server. " +
			"`go test -bench '^Benchmark(Handle|Logger)$' ./slogx/remote`.",
	},
	{
		File: "ringbuf", Pkg: "./internal/ringbuf", Bench: ".",
		Tables: []table{{"ringbuf", "/impl", ""}},
		Title:  "internal/ringbuf vs a buffered channel and a mutex-guarded slice",
		Desc: "Push and pop on one goroutine (`serial`), and producers on every P with one consumer draining " +
			"(`parallel`). `go test -bench . ./internal/ringbuf`.",
	},
}

// listSuites prints "FILE PKG BENCH BENCHTIME" per suite, for the
// script; "-" for the default benchtime.
func listSuites(w io.Writer) {
	for _, s := range suites {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.File, s.Pkg, s.Bench, dash(s.Benchtime))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// listTables prints "FILE TABLE COL FILTER" per table, "-" for none.
func listTables(w io.Writer) {
	for _, s := range suites {
		for _, t := range s.Tables {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.File, t.Name, dash(t.Col), dash(t.Filter))
		}
	}
}

func (s suite) tables() []string {
	var names []string
	for _, t := range s.Tables {
		names = append(names, t.Name)
	}
	return names
}
