package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"go.slogx.dev/slogx"
)

func TestFlushWritesSharedAndScopes(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	sctx, end := NewScope(bg)
	defer end()
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared1"))
	mustHandle(t, h, sctx, rec(slog.LevelDebug, "scoped1"))
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared2"))
	if err := h.Flush(bg); err != nil {
		t.Fatal(err)
	}
	if got, want := target.msgs(), []string{"shared1", "shared2", "scoped1"}; !slices.Equal(got, want) {
		t.Fatalf("Flush wrote %q, want %q", got, want)
	}
	st := h.Stats()
	if st.Buffered != 0 || st.Flushed != 3 || st.Triggers != 0 || st.Scopes != 1 {
		t.Fatalf("Stats() = %+v, want Buffered 0, Flushed 3, Triggers 0, Scopes 1 (still live)", st)
	}
	// The scope keeps buffering after a Flush.
	mustHandle(t, h, sctx, rec(slog.LevelDebug, "scoped2"))
	if st := h.Stats(); st.Buffered != 1 {
		t.Fatalf("Buffered = %d after Flush, want 1", st.Buffered)
	}
}

func TestFlushGivesUpWhenContextEnds(t *testing.T) {
	target := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	target.st.handle = func(context.Context, slog.Record) error {
		if n.Add(1) == 2 {
			cancel() // the caller's deadline passes while the flush writes
		}
		return nil
	}
	h := mustNew(target, nil)
	for i := range 5 {
		mustHandle(t, h, context.Background(), rec(slog.LevelDebug, fmt.Sprint(i)))
	}
	err := h.Flush(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush = %v, want context.Canceled", err)
	}
	if got, want := target.msgs(), []string{"0", "1"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	st := h.Stats()
	if st.Flushed != 2 || st.Abandoned != 3 {
		t.Fatalf("Stats() = %+v, want Flushed 2, Abandoned 3", st)
	}
	if uint64(st.Buffered)+st.Flushed+st.Abandoned+st.Evicted+st.Discarded != 5 {
		t.Fatalf("Stats() = %+v do not account for the 5 records", st)
	}
}

func TestFlushWithDoneContextKeepsBuffer(t *testing.T) {
	h := mustNew(newRecorder(), nil)
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush = %v, want context.Canceled", err)
	}
	if st := h.Stats(); st.Buffered != 1 || st.Abandoned != 0 {
		t.Fatalf("Stats() = %+v, want the record still buffered", st)
	}
}

func TestTriggerIgnoresCancelledContext(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "lead-up"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a failing request is often a cancelled one
	mustHandle(t, h, ctx, rec(slog.LevelError, "cancelled"))
	if got, want := target.msgs(), []string{"lead-up", "cancelled"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestCloseDiscardsByDefault(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	sctx, end := NewScope(bg)
	defer end()
	mustHandle(t, h, bg, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, sctx, rec(slog.LevelDebug, "b"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("Close without FlushOnClose wrote %q", got)
	}
	if st := h.Stats(); st.Buffered != 0 || st.Discarded != 2 {
		t.Fatalf("Stats() = %+v, want Buffered 0, Discarded 2", st)
	}
	// Still usable after Close.
	mustHandle(t, h, bg, rec(slog.LevelDebug, "c"))
	mustHandle(t, h, bg, rec(slog.LevelError, "d"))
	if got, want := target.msgs(), []string{"c", "d"}; !slices.Equal(got, want) {
		t.Fatalf("after Close, written %q, want %q", got, want)
	}
}

func TestFlushOnClose(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{FlushOnClose: true})
	bg := context.Background()
	sctx, end := NewScope(bg)
	defer end()
	mustHandle(t, h, bg, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, sctx, rec(slog.LevelDebug, "b"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := target.msgs(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("Close wrote %q, want %q", got, want)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if got := target.msgs(); len(got) != 2 {
		t.Fatalf("second Close wrote again: %q", got)
	}
}

// lifecycleTarget counts the Flush and Close calls it gets.
type lifecycleTarget struct {
	*recorder
	flushes, closes atomic.Int64
}

func (l *lifecycleTarget) Flush(context.Context) error { l.flushes.Add(1); return nil }
func (l *lifecycleTarget) Close() error                { l.closes.Add(1); return nil }

func TestFlushAndCloseDoNotReachTarget(t *testing.T) {
	target := &lifecycleTarget{recorder: newRecorder()}
	h := mustNew(target, &Options{FlushOnClose: true})
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "a"))
	if err := h.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if f, c := target.flushes.Load(), target.closes.Load(); f != 0 || c != 0 {
		t.Fatalf("breach called the target's Flush %d and Close %d times; Pipe does that", f, c)
	}
}

func TestMiddlewareInPipe(t *testing.T) {
	target := &lifecycleTarget{recorder: newRecorder()}
	clk := newFakeClock()
	p := slogx.Pipe(target, Middleware(&Options{FlushLevel: slog.LevelError, Heartbeat: time.Second, clock: clk}))
	l := slog.New(p)
	l.Debug("a")
	l.Warn("b")
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("written %q before an ERROR", got)
	}
	if err := slogx.Flush(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got, want := target.msgs(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("Pipe's Flush wrote %q, want %q", got, want)
	}
	if f := target.flushes.Load(); f != 1 {
		t.Errorf("target flushed %d times by the pipe, want 1 (once, by Pipe, not by breach)", f)
	}
	// Closing the pipe closes breach, which stops its heartbeat goroutine
	// (goleak checks), and the target once.
	if err := slogx.Close(p); err != nil {
		t.Fatal(err)
	}
	if c := target.closes.Load(); c != 1 {
		t.Errorf("target closed %d times, want 1", c)
	}
	select {
	case <-clk.ticker(t).stopped:
	default:
		t.Error("the heartbeat ticker was not stopped by Close")
	}
}

func TestHeartbeat(t *testing.T) {
	clk := newFakeClock()
	target := newRecorder()
	h := mustNew(target, &Options{Heartbeat: 30 * time.Second, clock: clk})
	tk := clk.ticker(t)
	if tk.d != 30*time.Second {
		t.Fatalf("ticker interval %v, want 30s", tk.d)
	}
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "quiet"))
	t1 := clk.Now().Add(30 * time.Second)
	t2 := t1.Add(30 * time.Second)
	tk.ch <- t1
	tk.ch <- t2 // taken only once the first beat is written
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	got := target.all()
	if len(got) != 2 {
		t.Fatalf("written %d records, want 2 heartbeats", len(got))
	}
	for i, w := range got {
		if w.r.Message != heartbeatMessage || w.r.Level != slog.LevelInfo {
			t.Fatalf("record %d = %v %q, want INFO %q", i, w.r.Level, w.r.Message, heartbeatMessage)
		}
		if v, ok := w.attr("buffered"); !ok || v.Int64() != 1 {
			t.Errorf("heartbeat buffered = %v, want 1", v)
		}
	}
	if !got[0].r.Time.Equal(t1) || !got[1].r.Time.Equal(t2) {
		t.Errorf("heartbeat times %v, %v, want the ticks %v, %v", got[0].r.Time, got[1].r.Time, t1, t2)
	}
	select {
	case <-tk.stopped:
	default:
		t.Error("Close did not stop the ticker")
	}
	if st := h.Stats(); st.Flushed != 0 || st.Triggers != 0 {
		t.Errorf("a heartbeat flushed the buffer: %+v", st)
	}
}

func TestHeartbeatRespectsTargetLevel(t *testing.T) {
	clk := newFakeClock()
	target := newRecorder()
	target.level = slog.LevelWarn
	h := mustNew(target, &Options{Heartbeat: time.Second, clock: clk})
	clk.ticker(t).ch <- clk.Now()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("heartbeat written to a WARN target: %q", got)
	}
}

func TestNoHeartbeatByDefault(t *testing.T) {
	clk := newFakeClock()
	h := mustNew(newRecorder(), &Options{clock: clk})
	defer h.Close()
	if n := len(clk.tickers); n != 0 {
		t.Fatalf("%d tickers started without Heartbeat", n)
	}
}

func TestRealClockHeartbeat(t *testing.T) {
	// The real ticker path: one beat, whenever it comes, then Close.
	target := newRecorder()
	got := make(chan struct{}, 1)
	target.st.handle = func(context.Context, slog.Record) error {
		select {
		case got <- struct{}{}:
		default:
		}
		return nil
	}
	h := mustNew(target, &Options{Heartbeat: time.Millisecond})
	<-got
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if ms := target.msgs(); len(ms) == 0 || ms[0] != heartbeatMessage {
		t.Fatalf("written %q, want heartbeats", ms)
	}
}

// What a user's own test does: start a handler with everything that runs
// in the background, use it, Close it, and check with goleak's default
// options that nothing it started is still running.
func TestNothingRunsAfterClose(t *testing.T) {
	target := newRecorder()
	beat := make(chan struct{}, 1)
	target.st.handle = func(_ context.Context, r slog.Record) error {
		if r.Message == heartbeatMessage {
			select {
			case beat <- struct{}{}:
			default:
			}
		}
		return nil
	}
	h := mustNew(target, &Options{Heartbeat: time.Millisecond, FlushOnClose: true, PassThroughAfterTrigger: time.Second})
	logger := slog.New(h)
	ctx, end := NewScope(context.Background())
	logger.DebugContext(ctx, "loaded cart", "items", 3)
	logger.ErrorContext(ctx, "payment declined", "code", "card_declined")
	logger.Debug("cache miss", "key", "sku:7f3a9c2e")
	end()
	<-beat
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t)
}
