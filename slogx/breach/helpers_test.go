package breach

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/ringbuf"
	"go.slogx.dev/slogx"
)

// written is one record as a recorder target received it.
type written struct {
	r        slog.Record
	prefix   string      // the WithAttrs/WithGroup chain of the target that got it
	ctxAttrs []slog.Attr // slogx context attributes of the ctx it came with
	local    bool        // slogx.IsLocal(ctx, r)
}

func (w written) attr(key string) (slog.Value, bool) {
	var v slog.Value
	found := false
	w.r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, found = a.Value, true
			return false
		}
		return true
	})
	return v, found
}

// recorder is a target that keeps what it is given. Derived recorders share
// the log and describe their chain in prefix.
type recorder struct {
	st     *recState
	prefix string
	level  slog.Level
}

type recState struct {
	mu       sync.Mutex
	recs     []written
	derives  atomic.Int64 // WithAttrs/WithGroup calls
	inside   atomic.Int64 // Handle calls in progress
	overlaps atomic.Int64 // Handle calls that began while another was in progress
	// handle, if set, runs first in Handle; its error is returned.
	handle func(context.Context, slog.Record) error
}

func newRecorder() *recorder {
	return &recorder{st: &recState{}, level: slog.LevelDebug}
}

func (h *recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *recorder) Handle(ctx context.Context, r slog.Record) error {
	if h.st.inside.Add(1) > 1 {
		h.st.overlaps.Add(1)
	}
	defer h.st.inside.Add(-1)
	if h.st.handle != nil {
		if err := h.st.handle(ctx, r); err != nil {
			return err
		}
	}
	as, _ := ctxattrs.From(ctx)
	h.st.mu.Lock()
	h.st.recs = append(h.st.recs, written{r: r.Clone(), prefix: h.prefix, ctxAttrs: as, local: slogx.IsLocal(ctx, r)})
	h.st.mu.Unlock()
	return nil
}

func (h *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	h.st.derives.Add(1)
	h2 := *h
	for _, a := range as {
		h2.prefix += a.String() + " "
	}
	return &h2
}

func (h *recorder) WithGroup(name string) slog.Handler {
	h.st.derives.Add(1)
	h2 := *h
	h2.prefix += name + "."
	return &h2
}

func (h *recorder) all() []written {
	h.st.mu.Lock()
	defer h.st.mu.Unlock()
	return append([]written(nil), h.st.recs...)
}

func (h *recorder) msgs() []string {
	var ms []string
	for _, w := range h.all() {
		ms = append(ms, w.r.Message)
	}
	return ms
}

func (h *recorder) reset() {
	h.st.mu.Lock()
	h.st.recs = nil
	h.st.mu.Unlock()
}

// jsonLines is a concurrency-safe writer for JSON handlers whose lines the
// tests decode.
type jsonLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *jsonLines) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *jsonLines) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// dropTime removes the time so that output is deterministic.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// fakeClock drives PassThroughAfterTrigger and Heartbeat in tests.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) NewTicker(d time.Duration) ticker {
	t := &fakeTicker{d: d, ch: make(chan time.Time), stopped: make(chan struct{})}
	c.mu.Lock()
	c.tickers = append(c.tickers, t)
	c.mu.Unlock()
	return t
}

func (c *fakeClock) ticker(t *testing.T) *fakeTicker {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tickers) != 1 {
		t.Fatalf("%d tickers started, want 1", len(c.tickers))
	}
	return c.tickers[0]
}

// fakeTicker delivers a tick only when the test sends one; the channel is
// unbuffered, so a send returns once the handler has taken the tick.
type fakeTicker struct {
	d       time.Duration
	ch      chan time.Time
	once    sync.Once
	stopped chan struct{}
}

func (t *fakeTicker) C() <-chan time.Time { return t.ch }
func (t *fakeTicker) Stop()               { t.once.Do(func() { close(t.stopped) }) }

func rec(level slog.Level, msg string, args ...any) slog.Record {
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.Add(args...)
	return r
}

func mustHandle(t *testing.T, h slog.Handler, ctx context.Context, r slog.Record) {
	t.Helper()
	if err := h.Handle(ctx, r); err != nil {
		t.Fatalf("Handle(%q): %v", r.Message, err)
	}
}

// gcUntil runs the garbage collector until ch is closed by a cleanup, or
// gives up after about a second.
func gcUntil(ch <-chan struct{}) bool {
	for range 100 {
		runtime.GC()
		select {
		case <-ch:
			return true
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// drainAll empties every shard of b, and the carry, without waiting for
// pushes in progress or putting records in order, as the benchmarks do in
// place of a flush.
func (b *buffer) drainAll(dst []entry) []entry {
	b.carryMu.Lock()
	dst = append(dst, b.carry...)
	clear(b.carry)
	b.carry, b.carryBytes = b.carry[:0], 0
	b.carryMu.Unlock()
	b.eachLocked(func(sh *shard, r *ringbuf.Ring[entry]) {
		n := len(dst)
		dst = r.Drain(dst, 0)
		var size int64
		for i := n; i < len(dst); i++ {
			size += dst[i].size
		}
		sh.removed.Add(size)
	})
	return dst
}

// mustNew is New for tests whose options are valid; a test of bad options
// calls New.
func mustNew(target slog.Handler, opts *Options) *Handler {
	h, err := New(target, opts)
	if err != nil {
		panic(err)
	}
	return h
}
