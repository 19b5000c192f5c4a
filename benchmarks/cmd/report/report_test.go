package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.slogx.dev/benchmarks"
)

const rawRun = `goos: linux
goarch: amd64
pkg: go.slogx.dev/victoria
cpu: Intel(R) Xeon(R) Processor
BenchmarkHandle/case=attrs5/handler=victoria-2   	 4035417	       289.6 ns/op	       0 B/op	       0 allocs/op
BenchmarkHandleRatio-2   	 1000000	         0 ns/op	      1.190 victoria/json	       244.0 json-ns/record
BenchmarkNoSuffix	100	12.5 ns/op
--- BENCH: BenchmarkHandle
    victoria_bench_test.go:12: a log line
PASS
ok  	go.slogx.dev/slogx/victoria	21.3s
BenchmarkHandle/case=attrs5/handler=victoria-2   	 4035417	       301.0 ns/op	       8 B/op	       0 allocs/op
`

func TestParseBench(t *testing.T) {
	s, err := parseBench(strings.NewReader(rawRun))
	if err != nil {
		t.Fatal(err)
	}
	v := s["BenchmarkHandle/case=attrs5/handler=victoria"]
	if got := v["ns/op"]; len(got) != 2 || got[0] != 289.6 || got[1] != 301 {
		t.Errorf("ns/op in run order: got %v, want [289.6 301]", got)
	}
	if got := v["B/op"]; len(got) != 2 || got[1] != 8 {
		t.Errorf("B/op: got %v", got)
	}
	if got := s["BenchmarkHandleRatio"]["victoria/json"]; len(got) != 1 || got[0] != 1.19 {
		t.Errorf("custom metric: got %v", got)
	}
	if got := s["BenchmarkNoSuffix"]["ns/op"]; len(got) != 1 || got[0] != 12.5 {
		t.Errorf("a name without -GOMAXPROCS: got %v", got)
	}
	if len(s) != 3 {
		t.Errorf("%d benchmarks, want 3: %v", len(s), s)
	}
	if _, err := parseBench(strings.NewReader("BenchmarkX-2 10 12.5 ns/op 3\n")); err == nil {
		t.Error("a value without a unit was accepted")
	}
	if _, err := parseBench(strings.NewReader("BenchmarkX-2 10 fast ns/op\n")); err == nil {
		t.Error("a value that is no number was accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), c.in...)
		if got := median(in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		if fmt.Sprint(in) != fmt.Sprint(c.in) {
			t.Errorf("median reordered its input: %v", in)
		}
	}
}

func TestOwn(t *testing.T) {
	s := samples{
		"h":   {"ns/op": {500, 700, 600}},
		"nop": {"ns/op": {200, 250, 300}},
	}
	c, err := own(s, "h", "nop")
	if err != nil {
		t.Fatal(err)
	}
	// Medians 600 and 250; rounds 300, 450, 300.
	if c.Median != 350 || c.Lo != 300 || c.Hi != 450 || c.Rounds != 3 {
		t.Errorf("got %+v, want median 350, range 300–450 over 3 rounds", c)
	}
	if _, err := own(s, "h", "missing"); err == nil {
		t.Error("no error without the no-op's results")
	}
	if _, err := own(s, "missing", "nop"); err == nil {
		t.Error("no error without the handler's results")
	}
}

func TestJudge(t *testing.T) {
	c := func(med, lo, hi float64) ownCost {
		return ownCost{Median: med, Lo: lo, Hi: hi, PerRound: []float64{lo, med, hi}}
	}
	for _, tc := range []struct {
		name  string
		costs map[string]ownCost
		want  []string
		not   []string
	}{
		{"both hold", map[string]ownCost{"slogx": c(100, 95, 105), "phuslu": c(150, 140, 160), "slog": c(400, 390, 410)},
			[]string{"Below phuslu/log's: **yes**", "0.33× slog.JSONHandler's: **yes**, 0.25×"}, []string{"overlap", "settle"}},
		{"neither", map[string]ownCost{"slogx": c(160, 150, 170), "phuslu": c(150, 140, 155), "slog": c(400, 390, 410)},
			[]string{"Below phuslu/log's: **no**", "not below phuslu's", "**no**, 0.40×", "overlap"}, nil},
		{"equal is not below", map[string]ownCost{"slogx": c(150, 150, 150), "phuslu": c(150, 150, 150), "slog": c(1000, 1000, 1000)},
			[]string{"Below phuslu/log's: **no**", "**yes**, 0.15×"}, nil},
		{"just over a third", map[string]ownCost{"slogx": c(34, 34, 34), "phuslu": c(50, 50, 50), "slog": c(100, 100, 100)},
			[]string{"**no**, 0.34×"}, []string{"settle"}},
		{"rounds disagree", map[string]ownCost{"slogx": c(30, 20, 60), "phuslu": c(50, 50, 50), "slog": c(100, 100, 100)},
			[]string{"**yes**, 0.30×", "ranged from 0.20× to 0.60×, so this run does not settle it"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judge(tc.costs)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, nil},
		{"one two three", 7, []string{"one two", "three"}},
		{"a verylongword b", 4, []string{"a", "verylongword", "b"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"µµµ µµµ", 7, []string{"µµµ µµµ"}},
	} {
		if got := wrap(c.in, c.n); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestSVG(t *testing.T) {
	bars := []bar{
		{"slogx <fast> & \"x\"", 120, slogxBar},
		{"slog", 480, ownBar},
		{"zero", 0, ownBar},
		{"zap (native)", 700, nativeBar},
	}
	var b bytes.Buffer
	if err := writeSVG(&b, "Title & <more>", "footer", bars); err != nil {
		t.Fatal(err)
	}
	texts := wellFormed(t, b.Bytes())
	for _, want := range []string{"Title & <more>", `slogx <fast> & "x"`, "120 ns", "480 ns", "700 ns", "0.00 ns", "native API, whole call"} {
		if !texts[want] {
			t.Errorf("no text %q in the chart", want)
		}
	}
	if texts["slog.Logger itself"] {
		t.Error("legend names a kind of bar the chart does not have")
	}
	// The longest bar is the full width; the others in proportion.
	widths := rectWidths(t, b.Bytes())
	if len(widths) < 4 || widths[3] <= widths[1] || math.Abs(widths[1]/widths[3]-480.0/700) > 0.01 || widths[2] != 0 {
		t.Errorf("bar widths %v not in proportion to 120, 480, 0, 700", widths)
	}
	if err := writeSVG(io.Discard, "t", "f", []bar{{"bad", math.NaN(), ownBar}}); err == nil {
		t.Error("a NaN bar was drawn")
	}
}

// wellFormed parses an SVG document and returns its text nodes.
func wellFormed(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	texts := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return texts
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if cd, ok := tok.(xml.CharData); ok {
			texts[strings.TrimSpace(string(cd))] = true
		}
	}
}

// rectWidths returns the widths of the bars (rects of height 22), in order.
func rectWidths(t *testing.T, doc []byte) []float64 {
	t.Helper()
	var ws []float64
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err != nil {
			return ws
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "rect" {
			continue
		}
		var w, h float64
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "width":
				fmt.Sscan(a.Value, &w)
			case "height":
				fmt.Sscan(a.Value, &h)
			}
		}
		if h == 22 {
			ws = append(ws, w)
		}
	}
}

// TestRun writes a report from synthetic runs of every suite and checks
// what a reader relies on: the verdict for the 5-attribute record computed
// from the raw lines, each suite's benchstat table, the shipping results,
// and a chart.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Handlers at nop+own; two rounds, the second 10 ns slower overall.
	ownNS := map[string]float64{"slogx": 100, "slog": 400, "phuslu": 130, "zap": 900, "zerolog": 250}
	var raw strings.Builder
	for round := range 2 {
		for _, r := range benchmarks.Records {
			for _, h := range benchmarks.Handlers {
				ns := 300 + ownNS[h.Name] + float64(10*round)
				fmt.Fprintf(&raw, "%s-2 \t1000\t%.1f ns/op\t0 B/op\t0 allocs/op\n", loggerKey(r.Name, h.Name), ns)
			}
			for _, n := range benchmarks.Natives {
				fmt.Fprintf(&raw, "%s-2 \t1000\t%.1f ns/op\t1 B/op\t0 allocs/op\n", nativeKey(r.Name, n.Name), 350.0)
			}
		}
	}
	for _, s := range suites {
		body := raw.String()
		if s.File != loggersFile {
			body = "BenchmarkSomething-2\t10\t5 ns/op\n"
		}
		write(s.File+".txt", body)
		for _, tb := range s.Tables {
			write(tb.Name+".benchstat", "benchstat table of "+tb.Name+"\n")
		}
	}
	write("ship.json", `[{"Name":"slogx victoria","Config":"defaults","Sent":300000,"Stored":176660,"LogSec":0.46,"TotalSec":0.69,"StoredPS":256028,"Reported":["Close: 123340 dropped | queue full"],"Lost":123000}]`)
	md, svg := filepath.Join(dir, "benchmarks.md"), filepath.Join(dir, "bench.svg")
	m := meta{Date: "2026-12-01 18:00 UTC", CPU: "Test CPU", Nproc: "2", GoVersion: "go1.26.8", Count: 2, Benchtime: "100x", Note: "noisy development run", Took: "212 s",
		Versions: []string{"github.com/phuslu/log v1.0.121", "go.uber.org/zap v1.28.0"}}
	if err := run(dir, filepath.Join(dir, "ship.json"), md, svg, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"on 2026-12-01 18:00 UTC, in 212 s.", "**noisy development run**", "Compared: `github.com/phuslu/log v1.0.121`, `go.uber.org/zap v1.28.0`.", "2 CPUs", "Test CPU", "go1.26.8",
		"| **slogx.JSONHandler** | 405 ns | 100 ns (100 ns – 100 ns) | 0.25× |",
		"Below phuslu/log's: **yes**", "**yes**, 0.25×",
		"benchstat table of loggers-slog", "benchstat table of loggers-native",
		"benchstat table of slogx", "benchstat table of breach", "benchstat table of redact",
		"benchstat table of victoria", "benchstat table of ringbuf",
		"| slogx victoria | 300000 | 176660 | 123000 | 340 | 256028 | 0.46 s | 0.69 s |", `Close: 123340 dropped \| queue full`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	sb, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if texts := wellFormed(t, sb); !texts["slogx.JSONHandler"] || !texts["100 ns"] {
		t.Errorf("chart lacks slogx's bar of 100 ns: %v", texts)
	}

	// A suite without results must fail the report, not print an empty table.
	write("ringbuf.txt", "PASS\n")
	if err := run(dir, "", md, svg, m); err == nil {
		t.Error("a suite without results made a report")
	}
}
