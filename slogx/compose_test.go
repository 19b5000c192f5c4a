package slogx_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"go.slogx.dev/slogx"
)

func TestSlogtestFanout(t *testing.T) {
	var a, b bytes.Buffer
	newHandler := func(t *testing.T) slog.Handler {
		a.Reset()
		b.Reset()
		return slogx.Fanout(slogx.NewJSONHandler(&a, nil), slogx.NewJSONHandler(&b, nil))
	}
	result := func(t *testing.T) map[string]any {
		if a.String() != b.String() {
			t.Fatalf("children wrote different output:\n%s\n%s", a.String(), b.String())
		}
		return parseLines(t, a.Bytes())[0]
	}
	slogtest.Run(t, newHandler, result)
}

// addAttr is a middleware that adds an attribute to every record, the
// simplest thing a real middleware does.
func addAttr(a slog.Attr) slogx.Middleware {
	return func(next slog.Handler) slog.Handler { return &attrAdder{next: next, a: a} }
}

type attrAdder struct {
	next slog.Handler
	a    slog.Attr
}

func (h *attrAdder) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }
func (h *attrAdder) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(h.a)
	return h.next.Handle(ctx, r)
}
func (h *attrAdder) WithAttrs(as []slog.Attr) slog.Handler {
	return &attrAdder{next: h.next.WithAttrs(as), a: h.a}
}
func (h *attrAdder) WithGroup(name string) slog.Handler {
	return &attrAdder{next: h.next.WithGroup(name), a: h.a}
}

// passThrough is a middleware that changes nothing.
func passThrough(next slog.Handler) slog.Handler { return &attrAdder{next: next} }

func TestSlogtestPipe(t *testing.T) {
	var buf bytes.Buffer
	newHandler := func(t *testing.T) slog.Handler {
		buf.Reset()
		return slogx.Pipe(slogx.NewJSONHandler(&buf, nil), passThrough, passThrough)
	}
	slogtest.Run(t, newHandler, func(t *testing.T) map[string]any { return parseLines(t, buf.Bytes())[0] })
}

func TestPipeOrder(t *testing.T) {
	var buf bytes.Buffer
	// The first middleware is the outermost: it sees the record first, so its
	// attribute is added first.
	h := slogx.Pipe(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}),
		addAttr(slog.Int("first", 1)), addAttr(slog.Int("second", 2)))
	slog.New(h).Info("m")
	if want := `{"level":"INFO","msg":"m","first":1,"second":2}` + "\n"; buf.String() != want {
		t.Fatalf("got %s want %s", buf.String(), want)
	}
	if got := slogx.Pipe(slog.DiscardHandler); got != slog.DiscardHandler {
		t.Fatal("Pipe without middlewares should return the handler itself")
	}
}

// recorder is a handler with Flush and Close that logs the calls it gets.
type recorder struct {
	name  string
	calls *[]string
	level slog.Level
	err   error
	panic bool
	recs  *[]slog.Record
}

func (h *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	if h.panic {
		panic("boom in " + h.name)
	}
	if h.recs != nil {
		*h.recs = append(*h.recs, r)
	}
	*h.calls = append(*h.calls, h.name+".Handle")
	return h.err
}
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recorder) WithGroup(string) slog.Handler      { return h }
func (h *recorder) Flush(context.Context) error {
	*h.calls = append(*h.calls, h.name+".Flush")
	return h.err
}
func (h *recorder) Close() error {
	*h.calls = append(*h.calls, h.name+".Close")
	return h.err
}

func (h *recorder) asMiddleware() slogx.Middleware {
	return func(next slog.Handler) slog.Handler {
		return &struct{ *recorder }{h} // a stage that does not call next is fine for this test
	}
}

func TestPipeFlushCloseEveryStageOutermostFirst(t *testing.T) {
	var calls []string
	sink := &recorder{name: "sink", calls: &calls}
	outer := &recorder{name: "outer", calls: &calls}
	inner := &recorder{name: "inner", calls: &calls}
	h := slogx.Pipe(sink, outer.asMiddleware(), inner.asMiddleware())
	h = h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g") // derived pipes keep the stages
	if err := slogx.Flush(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if err := slogx.Close(h); err != nil {
		t.Fatal(err)
	}
	want := "outer.Flush inner.Flush sink.Flush outer.Close inner.Close sink.Close"
	if got := strings.Join(calls, " "); got != want {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

func TestFanoutIsolatesChildren(t *testing.T) {
	var calls []string
	var recsA, recsC []slog.Record
	a := &recorder{name: "a", calls: &calls, recs: &recsA}
	b := &recorder{name: "b", calls: &calls, panic: true}
	c := &recorder{name: "c", calls: &calls, err: errors.New("c failed"), recs: &recsC}
	warnOnly := &recorder{name: "warn", calls: &calls, level: slog.LevelWarn}
	h := slogx.Fanout(a, b, c, warnOnly)

	r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("k", 1))
	err := h.Handle(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "c failed") || !strings.Contains(err.Error(), "panicked: boom in b") {
		t.Fatalf("error %v should join c's error and b's panic", err)
	}
	if got := strings.Join(calls, " "); got != "a.Handle c.Handle" {
		t.Fatalf("calls %q: a and c must still run, warn must be skipped", got)
	}
	// Each child has its own clone: a change by one is not seen by another.
	recsA[0].AddAttrs(slog.String("added-by-a", "x"))
	if recsC[0].NumAttrs() != 1 {
		t.Fatalf("child c sees %d attrs; the record was shared", recsC[0].NumAttrs())
	}

	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("Enabled(DEBUG) must be false: no child takes DEBUG")
	}
	if !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Fatal("Enabled(INFO) must be true: a child takes INFO")
	}
	if slogx.Fanout(warnOnly).Enabled(context.Background(), slog.LevelInfo) {
		t.Fatal("Enabled must be false when no child is enabled")
	}
	calls = nil
	if err := slogx.Close(h); err == nil || !strings.Contains(err.Error(), "c failed") {
		t.Fatalf("Close error %v, want c's", err)
	}
	if got := strings.Join(calls, " "); got != "a.Close b.Close c.Close warn.Close" {
		t.Fatalf("Close reached %q", got)
	}
	calls = nil
	_ = slogx.Flush(context.Background(), h)
	if got := strings.Join(calls, " "); got != "a.Flush b.Flush c.Flush warn.Flush" {
		t.Fatalf("Flush reached %q", got)
	}
}

func TestFanoutWithAttrsGivesEachChildItsOwnSlice(t *testing.T) {
	var a, b bytes.Buffer
	opts := &slog.HandlerOptions{ReplaceAttr: func(gs []string, at slog.Attr) slog.Attr {
		if at.Key == "k" {
			at.Value = slog.StringValue("replaced")
		}
		return dropTime(gs, at)
	}}
	h := slogx.Fanout(slogx.NewJSONHandler(&a, opts), slogx.NewJSONHandler(&b, nil))
	slog.New(h).With("k", "v").WithGroup("g").Info("m", "x", 1)
	if !strings.Contains(a.String(), `"k":"replaced"`) || !strings.Contains(b.String(), `"k":"v"`) {
		t.Fatalf("a=%s b=%s", a.String(), b.String())
	}
}
