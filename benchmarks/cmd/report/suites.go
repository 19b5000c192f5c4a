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
		Tables: []table{{"breach", "", ""}},
		Title:  "breach",
		Desc: "Buffering a 5-attribute record without a flush, alone and from goroutines on both cores; the same with the " +
			"buffer full (every record evicts the oldest); records in a request scope; a scope's lifecycle; and writing " +
			"a flush of 1000 buffered records into slogx.JSONHandler(io.Discard). `go test -bench . ./slogx/breach`.",
	},
	{
		File: "redact", Pkg: "./slogx/redact", Bench: "Handle|Overhead",
		Tables: []table{{"redact", "/handler", ""}},
		Title:  "redact",
		Desc: "A record with nothing sensitive (5 attributes), one with three secrets, and 1 KB of prose, through redact " +
			"in front of slogx.JSONHandler(io.Discard) (`redact`), the bare handler (`bare`), and the common approach, a " +
			"ReplaceAttr running the same regular expressions (`replaceattr`); `Overhead` is redact alone in front of a " +
			"handler that does nothing. `go test -bench 'Handle|Overhead' ./slogx/redact`.",
	},
	{
		File: "victoria", Pkg: "./slogx/victoria", Bench: "^BenchmarkHandle$",
		// A count, not a time: the timer stops while each chunk of 1000
		// records is delivered, so a time-based benchtime would run many
		// times longer than it says (about 20 s a round for 300ms).
		Benchtime: "150000x",
		Tables:    []table{{"victoria", "/handler", ""}},
		Title:     "victoria Handle",
		Desc: "The cost of Handle on the logging goroutine, against slogx.JSONHandler to io.Discard, for the 5-attribute " +
			"record and with 5 more bound by With; between timed chunks of 1000 records the sender delivers them to a " +
			"real VictoriaLogs, so none is dropped. `go test -bench '^BenchmarkHandle$' ./slogx/victoria`.",
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
