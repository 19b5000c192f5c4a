package slogx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"go.slogx.dev/slogx"
)

// compare writes r through slog.JSONHandler and slogx.JSONHandler built
// with the same options and chain and reports the first difference.
func compare(t *testing.T, opts *slog.HandlerOptions, steps []step, r slog.Record) {
	t.Helper()
	var want, got bytes.Buffer
	hs := applyChain(slog.NewJSONHandler(&want, opts), steps)
	hx := applyChain(slogx.NewJSONHandler(&got, opts), steps)
	ctx := context.Background()
	if hs.Enabled(ctx, r.Level) != hx.Enabled(ctx, r.Level) {
		t.Fatalf("Enabled(%v) differs: slog %v, slogx %v", r.Level, hs.Enabled(ctx, r.Level), hx.Enabled(ctx, r.Level))
	}
	errS := hs.Handle(ctx, r.Clone())
	errX := hx.Handle(ctx, r.Clone())
	if (errS == nil) != (errX == nil) {
		t.Fatalf("errors differ: slog %v, slogx %v", errS, errX)
	}
	if w, g := normalize(want.Bytes()), normalize(got.Bytes()); w != g {
		t.Fatalf("output differs\nslog:  %q\nslogx: %q", w, g)
	}
}

// TestDifferential compares the two handlers on a seeded corpus: 10,000
// records, each written with every option set through its own random
// With/WithGroup chain.
func TestDifferential(t *testing.T) {
	const records = 10_000
	g := &gen{src: newPRNG(20261121)}
	compared := 0
	for i := range records {
		r := g.record()
		for _, os := range optionSets {
			steps := g.chain()
			ok := t.Run("", func(t *testing.T) { compare(t, os.opts, steps, r) })
			if !ok {
				t.Fatalf("record %d, options %s: see above", i, os.name)
			}
			compared++
		}
	}
	t.Logf("%d records × %d option sets compared, zero differing bytes", records, len(optionSets))
	if compared != records*len(optionSets) {
		t.Fatalf("compared %d, want %d", compared, records*len(optionSets))
	}
}

// FuzzJSONHandler lets the fuzzer drive the generator: the input bytes
// choose the record, its values, the options and the chain.
func FuzzJSONHandler(f *testing.F) {
	for _, s := range []string{"", "\x00", "hello\xffworld", "\u2028<>&", strings.Repeat("\x07\x13", 40)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{src: &bytesSource{b: data}}
		os := optionSets[g.intn(len(optionSets))]
		steps := g.chain()
		compare(t, os.opts, steps, g.record())
	})
}

// TestEdgeCases pins the behaviours the issue lists, one by one, so that a
// failure names the case.
func TestEdgeCases(t *testing.T) {
	tm := time.Date(2026, 11, 21, 9, 30, 15, 123400000, time.FixedZone("x", -7*3600))
	cases := map[string][]slog.Attr{
		"html":         {slog.String("s", "<a href=\"x\">&</a>")},
		"control":      {slog.String("s", "\x00\x1f\t\n\r\x7f")},
		"separators":   {slog.String("s", "a\u2028b\u2029c")},
		"invalid-utf8": {slog.String("bad\xffkey", "bad\xc3value")},
		"numbers":      {slog.Int("i", -42), slog.Uint64("u", 1<<63), slog.Float64("f", 1e21), slog.Float64("g", 1e-7), slog.Float64("h", 0.5)},
		"nan-inf":      {slog.Float64("nan", nanValue()), slog.Any("inf", infValue())},
		"duration":     {slog.Duration("d", 1500*time.Millisecond)},
		"times":        {slog.Time("zero", time.Time{}), slog.Time("t", tm), slog.Time("y", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), slog.Time("neg", time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC))},
		"errors":       {slog.Any("nil", error(nil)), slog.Any("e", fmt.Errorf("boom")), slog.Any("m", jsonError{7}), slog.Any("np", (*ptrError)(nil)), slog.Any("p", panicError{})},
		"valuers":      {slog.Any("v", valuer{slog.AnyValue(valuer{slog.IntValue(3)})}), slog.Any("loop", loopValuer{}), slog.Any("panic", panicValuer{})},
		"marshalers":   {slog.Any("m", marshaler{"x"}), slog.Any("bad", badMarshaler{}), slog.Any("inv", invalidMarshaler{}), slog.Any("p", panicMarshaler{})},
		"any":          {slog.Any("b", []byte("bytes")), slog.Any("m", map[string]int{"z": 1, "a": 2}), slog.Any("s", point{X: 1}), slog.Any("nil", nil)},
		"groups":       {slog.Group("empty"), slog.Group("", slog.Int("inlined", 1)), slog.Group("g", slog.Group("h", slog.Int("deep", 2)))},
		"empty-attrs":  {{}, slog.Group("g", slog.Attr{}), slog.Int("after", 1)},
		"local-only":   {slogx.LocalOnly(), slog.Int("kept", 1)},
	}
	for name, as := range cases {
		t.Run(name, func(t *testing.T) {
			for _, os := range optionSets {
				r := slog.NewRecord(tm, slog.LevelInfo, "m", 0)
				r.AddAttrs(as...)
				compare(t, os.opts, nil, r)
				compare(t, os.opts, []step{{group: "g"}, {attrs: as}, {group: "h"}}, r)
			}
		})
	}
	t.Run("badkey", func(t *testing.T) {
		r := slog.NewRecord(tm, slog.LevelInfo, "m", 0)
		args := []any{"k", 1, 2, "dangling"} // !BADKEY on purpose
		r.Add(args...)
		compare(t, nil, nil, r)
	})
}

func nanValue() float64 { var z float64; return z / z }
func infValue() float64 { var z float64; return 1 / z }

func TestSlogtest(t *testing.T) {
	var buf bytes.Buffer
	newHandler := func(t *testing.T) slog.Handler {
		buf.Reset()
		return slogx.NewJSONHandler(&buf, nil)
	}
	result := func(t *testing.T) map[string]any { return parseLines(t, buf.Bytes())[0] }
	slogtest.Run(t, newHandler, result)
}

func parseLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var ms []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", line, err)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		ms = append(ms, map[string]any{})
	}
	return ms
}

func TestContextAttrsAtRoot(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	ctx := slogx.NewContext(context.Background(), slog.String("request_id", "r-1"))
	ctx = slogx.NewContext(ctx, slog.String("trace", "t-9"))
	l.WithGroup("http").With("method", "GET").InfoContext(ctx, "served", "status", 200)
	want := `{"level":"INFO","msg":"served","request_id":"r-1","trace":"t-9","http":{"method":"GET","status":200}}` + "\n"
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
}

func TestContextAttrsReplaceAttrSeesRoot(t *testing.T) {
	var buf bytes.Buffer
	var seen [][]string
	rep := func(gs []string, a slog.Attr) slog.Attr {
		if a.Key == "rid" || a.Key == "inner" {
			seen = append(seen, append([]string(nil), gs...))
		}
		return dropTime(gs, a)
	}
	l := slog.New(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: rep}))
	ctx := slogx.NewContext(context.Background(), slog.String("rid", "1"), slog.Group("cg", slog.Int("inner", 2)))
	l.WithGroup("g").InfoContext(ctx, "m", "a", 1)
	want := `{"level":"INFO","msg":"m","rid":"1","cg":{"inner":2},"g":{"a":1}}` + "\n"
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
	if fmt.Sprint(seen) != "[[] [cg]]" {
		t.Fatalf("ReplaceAttr saw groups %v, want [[] [cg]]", seen)
	}
}

func TestLocalOnlyPrintedWithoutMarker(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	l.Info("secret-ish", slogx.LocalOnly(), "k", "v")
	l.With(slogx.LocalOnly()).Info("bound")
	l.InfoContext(slogx.NewContext(context.Background(), slogx.LocalOnly()), "ctx")
	want := `{"level":"INFO","msg":"secret-ish","k":"v"}
{"level":"INFO","msg":"bound"}
{"level":"INFO","msg":"ctx"}
`
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	if slogx.IsLocal(context.Background(), r) {
		t.Fatal("plain record reported local")
	}
	r.AddAttrs(slogx.LocalOnly())
	if !slogx.IsLocal(context.Background(), r) {
		t.Fatal("record with marker not reported local")
	}
}

// TestOneWritePerRecord checks that derived handlers share the writer's
// mutex: concurrent records never interleave within a Write.
func TestOneWritePerRecord(t *testing.T) {
	w := &countingWriter{}
	h := slogx.NewJSONHandler(w, nil)
	loggers := []*slog.Logger{slog.New(h), slog.New(h.WithAttrs([]slog.Attr{slog.Int("a", 1)})), slog.New(h.WithGroup("g"))}
	var wg sync.WaitGroup
	for _, l := range loggers {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 500 {
					l.Info("m", "i", i)
				}
			}()
		}
	}
	wg.Wait()
	if w.writes != 12*500 || w.overlaps != 0 {
		t.Fatalf("writes=%d overlaps=%d, want %d and 0", w.writes, w.overlaps, 12*500)
	}
	for _, line := range strings.Split(strings.TrimSpace(w.buf.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("invalid line %q", line)
		}
	}
}

type countingWriter struct {
	active   int32
	writes   int
	overlaps int
	buf      bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	// Not synchronised on purpose: the handler's mutex must do it, and the
	// race detector reports it if it does not.
	w.active++
	if w.active > 1 {
		w.overlaps++
	}
	w.writes++
	w.buf.Write(p)
	w.active--
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	h := slogx.NewJSONHandler(failWriter{}, nil)
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)); err != io.ErrShortWrite {
		t.Fatalf("Handle error = %v, want io.ErrShortWrite", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

func dropTime(gs []string, a slog.Attr) slog.Attr {
	if len(gs) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
