// Command report turns the runs of `make bench-report` (scripts/bench-report.sh)
// into docs/benchmarks.md and the chart docs/bench.svg.
//
// It reads, from -dir, each suite's raw `go test -bench` output (NAME.txt)
// and benchstat's table of it (NAME.benchstat), and the shipping results of
// cmd/ship (-ship). Own costs are computed here from the raw lines: a
// handler's median time through slog.Logger less the no-op handler's.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Result is cmd/ship's result for one shipper (the JSON it writes).
type shipResult struct {
	Name     string
	Config   string
	Sent     int
	Stored   int
	LogSec   float64
	TotalSec float64
	StoredPS float64
	Reported []string
	Lost     uint64
	Error    string
}

// meta is what the report says about the run.
type meta struct {
	Date, CPU, Nproc, GoVersion, Load string
	Count                             int
	Benchtime                         string
	Took                              string // how long the run took until the report
	Note                              string
	Versions                          []string // "module version" of what is compared
}

func main() {
	var m meta
	dir := flag.String("dir", "", "folder with the suites' NAME.txt and NAME.benchstat")
	ship := flag.String("ship", "", "cmd/ship's JSON results")
	versions := flag.String("versions", "", "a file of \"module version\" lines: the versions of what is compared")
	mdPath := flag.String("md", "", "write the report here")
	svgPath := flag.String("svg", "", "write the chart here")
	flag.StringVar(&m.Date, "date", "", "when the run started (UTC)")
	flag.StringVar(&m.CPU, "cpu", "", "CPU model")
	flag.StringVar(&m.Nproc, "nproc", "", "processors available")
	flag.StringVar(&m.GoVersion, "go", "", "go version")
	flag.StringVar(&m.Load, "load", "", "load averages when the run started")
	flag.IntVar(&m.Count, "count", 0, "rounds run")
	flag.StringVar(&m.Benchtime, "benchtime", "", "-test.benchtime of the runs")
	flag.StringVar(&m.Note, "note", "", "a note on the run, printed at the top")
	flag.StringVar(&m.Took, "took", "", "how long the run took, e.g. \"212 s\"")
	suitesOnly := flag.Bool("suites", false, "print the suites to run (FILE PKG BENCH BENCHTIME, tab-separated) and exit")
	tablesOnly := flag.Bool("tables", false, "print benchstat's tables (FILE TABLE COL FILTER, tab-separated) and exit")
	flag.Parse()
	switch {
	case *suitesOnly:
		listSuites(os.Stdout)
		return
	case *tablesOnly:
		listTables(os.Stdout)
		return
	}
	if *dir == "" || *mdPath == "" || *svgPath == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *versions != "" {
		b, err := os.ReadFile(*versions)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				m.Versions = append(m.Versions, l)
			}
		}
	}
	if err := run(*dir, *ship, *mdPath, *svgPath, m); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(dir, shipPath, mdPath, svgPath string, m meta) error {
	in := inputs{meta: m, benchstat: map[string]string{}}
	for _, s := range suites {
		f, err := os.Open(filepath.Join(dir, s.File+".txt"))
		if err != nil {
			return err
		}
		smp, err := parseBench(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %v", s.File, err)
		}
		if len(smp) == 0 {
			return fmt.Errorf("%s.txt has no benchmark results", s.File)
		}
		if s.File == loggersFile {
			in.loggers = smp
		}
		for _, t := range s.tables() {
			b, err := os.ReadFile(filepath.Join(dir, t+".benchstat"))
			if err != nil {
				return err
			}
			in.benchstat[t] = string(b)
		}
	}
	if shipPath != "" {
		b, err := os.ReadFile(shipPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &in.ship); err != nil {
			return fmt.Errorf("%s: %v", shipPath, err)
		}
	}
	var md, svg bytes.Buffer
	bars, err := writeMarkdown(&md, in)
	if err != nil {
		return err
	}
	footer := fmt.Sprintf("%s · %s CPUs, %s · %s · make bench-report", m.Date, m.Nproc, m.CPU, m.GoVersion)
	if m.Note != "" {
		footer += " · " + m.Note
	}
	if err := writeSVG(&svg, "Own cost per record, 5-attribute record (lower is better)", footer, bars); err != nil {
		return err
	}
	if err := os.WriteFile(mdPath, md.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(svgPath, svg.Bytes(), 0o644)
}
