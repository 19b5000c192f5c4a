package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

func TestNothingWrittenUntilTrigger(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	ctx := context.Background()
	for i := range 10 {
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint("debug ", i)))
		mustHandle(t, h, ctx, rec(slog.LevelInfo, fmt.Sprint("info ", i)))
	}
	if got := target.all(); len(got) != 0 {
		t.Fatalf("target got %d records before any trigger, want 0", len(got))
	}
	if st := h.Stats(); st.Buffered != 20 {
		t.Errorf("Stats().Buffered = %d, want 20", st.Buffered)
	}
}

func TestTriggerFlushesLeadUpInOrder(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil) // FlushLevel WARN
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, ctx, rec(slog.LevelInfo, "b"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "c"))
	mustHandle(t, h, ctx, rec(slog.LevelWarn, "trouble"))
	if got, want := target.msgs(), []string{"a", "b", "c", "trouble"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	st := h.Stats()
	if st.Flushed != 3 || st.Triggers != 1 || st.Buffered != 0 {
		t.Errorf("Stats() = %+v, want Flushed 3, Triggers 1, Buffered 0", st)
	}
}

func TestRearmsAfterTrigger(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, ctx, rec(slog.LevelError, "first"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "b"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "c"))
	if got, want := target.msgs(), []string{"a", "first"}; !slices.Equal(got, want) {
		t.Fatalf("after one trigger, written %q, want %q (later records buffered again)", got, want)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "second"))
	if got, want := target.msgs(), []string{"a", "first", "b", "c", "second"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestFlushLevelOption(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{FlushLevel: slog.LevelError})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, ctx, rec(slog.LevelWarn, "warn"))
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("WARN below FlushLevel ERROR wrote %q", got)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "err"))
	if got, want := target.msgs(), []string{"a", "warn", "err"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestFlushLevelIsDynamic(t *testing.T) {
	var lv slog.LevelVar
	lv.Set(slog.LevelError)
	target := newRecorder()
	h := mustNew(target, &Options{FlushLevel: &lv})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelWarn, "w1"))
	lv.Set(slog.LevelWarn)
	mustHandle(t, h, ctx, rec(slog.LevelWarn, "w2"))
	if got, want := target.msgs(), []string{"w1", "w2"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestLevelDiscardsBelow(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{Level: slog.LevelInfo})
	ctx := context.Background()
	if h.Enabled(ctx, slog.LevelDebug) {
		t.Error("Enabled(DEBUG) = true below Level INFO")
	}
	if !h.Enabled(ctx, slog.LevelInfo) {
		t.Error("Enabled(INFO) = false at Level INFO")
	}
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "dropped"))
	mustHandle(t, h, ctx, rec(slog.LevelInfo, "kept"))
	if st := h.Stats(); st.Buffered != 1 {
		t.Errorf("Buffered = %d, want 1 (DEBUG discarded)", st.Buffered)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"kept", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestEnabledHonoursTarget(t *testing.T) {
	target := newRecorder()
	target.level = slog.LevelInfo
	h := mustNew(target, nil)
	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled(DEBUG) = true although the target drops DEBUG")
	}
	if !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Enabled(INFO) = false although target and Level accept it")
	}
}

func TestCapacityIsExact(t *testing.T) {
	// 3 and 1000 are not powers of two: the ring rounds up, the buffer must not.
	for _, capacity := range []int{1, 3, 5, 1000} {
		t.Run(fmt.Sprint(capacity), func(t *testing.T) {
			target := newRecorder()
			h := mustNew(target, &Options{Capacity: capacity})
			ctx := context.Background()
			const n = 2500
			for i := range n {
				mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint(i)))
				if b := h.Stats().Buffered; b > capacity {
					t.Fatalf("after %d records Buffered = %d > Capacity %d", i+1, b, capacity)
				}
			}
			for i := range h.c.shared.shards {
				if r := h.c.shared.shards[i].ring.Load(); r != nil && r.Cap() <= capacity {
					t.Fatalf("shard %d: ring Cap() = %d, want room beyond Capacity %d", i, r.Cap(), capacity)
				}
			}
			st := h.Stats()
			if st.Buffered != capacity || st.Evicted != uint64(n-capacity) {
				t.Fatalf("Stats() = %+v, want Buffered %d, Evicted %d", st, capacity, n-capacity)
			}
			mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
			var want []string
			for i := n - capacity; i < n; i++ {
				want = append(want, fmt.Sprint(i))
			}
			want = append(want, "boom")
			if got := target.msgs(); !slices.Equal(got, want) {
				t.Fatalf("flushed %d records %q..., want the last %d", len(got), got[:min(3, len(got))], capacity)
			}
		})
	}
}

func TestMaxBytesEvicts(t *testing.T) {
	target := newRecorder()
	big := strings.Repeat("x", 1000)
	// Room for about three records of this size.
	limit := 3 * (int(entrySize) + len(big) + len("v") + len("m0"))
	h := mustNew(target, &Options{MaxBytes: limit})
	ctx := context.Background()
	for i := range 10 {
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint("m", i), "v", big))
	}
	st := h.Stats()
	if st.Buffered != 3 || st.Evicted != 7 {
		t.Fatalf("Stats() = %+v, want Buffered 3, Evicted 7 (MaxBytes reached before Capacity)", st)
	}
	if b := h.c.shared.bytes(); b > int64(limit) {
		t.Errorf("buffer holds %d bytes > MaxBytes %d", b, limit)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"m7", "m8", "m9", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	if b := h.c.shared.bytes(); b != 0 {
		t.Errorf("after the flush the buffer accounts %d bytes, want 0", b)
	}
}

func TestMaxBytesKeepsNewestOversizedRecord(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{MaxBytes: 100})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "small"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "huge", "v", strings.Repeat("y", 10_000)))
	if st := h.Stats(); st.Buffered != 1 || st.Evicted != 1 {
		t.Fatalf("Stats() = %+v, want the huge record alone (Buffered 1, Evicted 1)", st)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"huge", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestRecordSizeCountsWhatIsKept(t *testing.T) {
	small := rec(slog.LevelDebug, "m", "k", "v")
	large := rec(slog.LevelDebug, "m", "k", strings.Repeat("v", 500))
	grouped := rec(slog.LevelDebug, "m", slog.Group("g", slog.String("k", strings.Repeat("v", 500))))
	many := rec(slog.LevelDebug, "m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7)
	var es, el, eg, em entry
	ctx := context.Background()
	es.capture(ctx, &small, nil)
	el.capture(ctx, &large, nil)
	eg.capture(ctx, &grouped, nil)
	em.capture(ctx, &many, nil)
	if es.size < entrySize {
		t.Errorf("size %d < fixed entry size %d", es.size, entrySize)
	}
	if el.size-es.size != 499 {
		t.Errorf("a 500-byte value adds %d bytes over a 1-byte one, want 499", el.size-es.size)
	}
	if eg.size < el.size {
		t.Errorf("a string inside a group is not counted: %d < %d", eg.size, el.size)
	}
	if em.size < entrySize+2*attrSize {
		t.Errorf("attributes beyond the inline five are not counted: size %d", em.size)
	}
}

func TestCustomTrigger(t *testing.T) {
	target := newRecorder()
	status500 := func(_ context.Context, r slog.Record) bool {
		hit := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "status" && a.Value.Kind() == slog.KindInt64 && a.Value.Int64() >= 500 {
				hit = true
				return false
			}
			return true
		})
		return hit
	}
	h := mustNew(target, &Options{Trigger: status500})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "lookup"))
	mustHandle(t, h, ctx, rec(slog.LevelInfo, "request", "status", 200))
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("status 200 triggered: %q", got)
	}
	mustHandle(t, h, ctx, rec(slog.LevelInfo, "request", "status", 503))
	if got, want := target.msgs(), []string{"lookup", "request", "request"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	if st := h.Stats(); st.Triggers != 1 {
		t.Errorf("Triggers = %d, want 1", st.Triggers)
	}
}

func TestTriggerSeesContext(t *testing.T) {
	type key struct{}
	target := newRecorder()
	h := mustNew(target, &Options{Trigger: func(ctx context.Context, _ slog.Record) bool {
		return ctx.Value(key{}) != nil
	}})
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "a"))
	mustHandle(t, h, context.WithValue(context.Background(), key{}, 1), rec(slog.LevelDebug, "b"))
	if got, want := target.msgs(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestPanickingTriggerFlushes(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{Trigger: func(context.Context, slog.Record) bool { panic("bad trigger") }})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a")) // the panic must not escape Handle
	if got, want := target.msgs(), []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q (a panicking Trigger counts as true)", got, want)
	}
}

func TestPassThroughLevel(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{PassThroughLevel: slog.LevelInfo, FlushLevel: slog.LevelError})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "d1"))
	mustHandle(t, h, ctx, rec(slog.LevelInfo, "i1"))
	mustHandle(t, h, ctx, rec(slog.LevelWarn, "w1"))
	if got, want := target.msgs(), []string{"i1", "w1"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q (INFO and WARN at once, DEBUG held)", got, want)
	}
	if st := h.Stats(); st.Buffered != 1 || st.Flushed != 0 || st.Triggers != 0 {
		t.Fatalf("Stats() = %+v: pass-through must not flush", st)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "e1"))
	if got, want := target.msgs(), []string{"i1", "w1", "d1", "e1"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestPassThroughAfterTrigger(t *testing.T) {
	clk := newFakeClock()
	target := newRecorder()
	h := mustNew(target, &Options{PassThroughAfterTrigger: time.Minute, clock: clk})
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "before"))
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	clk.Advance(30 * time.Second)
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "during"))
	if got, want := target.msgs(), []string{"before", "boom", "during"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q (pass-through for a minute)", got, want)
	}
	clk.Advance(31 * time.Second)
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "after"))
	if got := target.msgs(); len(got) != 3 {
		t.Fatalf("written %q: a minute after the trigger records must be buffered again", got)
	}
	if st := h.Stats(); st.Buffered != 1 {
		t.Errorf("Buffered = %d, want 1", st.Buffered)
	}
	// A trigger within the window restarts it.
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom2"))
	clk.Advance(50 * time.Second)
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom3"))
	clk.Advance(50 * time.Second)
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "still passing"))
	if got, want := target.msgs(), []string{"before", "boom", "during", "after", "boom2", "boom3", "still passing"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestWithAttrsAndGroupsFlushThroughDerivedTarget(t *testing.T) {
	var out jsonLines
	target := slogx.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: dropTime})
	h := mustNew(target, nil)
	l := slog.New(h)
	l.Debug("root", "a", 1)
	l.With("svc", "api").WithGroup("req").Debug("derived", "id", 7)
	l.WithGroup("g").With("k", "v").WithGroup("h").Info("nested", "x", true)
	if out.String() != "" {
		t.Fatalf("written before a trigger: %s", out.String())
	}
	l.With("svc", "api").Error("boom")
	want := `{"level":"DEBUG","msg":"root","a":1}
{"level":"DEBUG","msg":"derived","svc":"api","req":{"id":7}}
{"level":"INFO","msg":"nested","g":{"k":"v","h":{"x":true}}}
{"level":"ERROR","msg":"boom","svc":"api"}
`
	if got := out.String(); got != want {
		t.Fatalf("flushed:\n%s\nwant:\n%s", got, want)
	}
}

func TestDerivedTargetCreatedOncePerDerivation(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	d := h.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
	if n := target.st.derives.Load(); n != 2 {
		t.Fatalf("target derived %d times by WithAttrs+WithGroup, want 2", n)
	}
	ctx := context.Background()
	for i := range 100 {
		mustHandle(t, d, ctx, rec(slog.LevelDebug, fmt.Sprint(i)))
	}
	mustHandle(t, d, ctx, rec(slog.LevelError, "boom"))
	if n := target.st.derives.Load(); n != 2 {
		t.Fatalf("target derived %d times after logging and a flush, want still 2", n)
	}
	for _, w := range target.all() {
		if w.prefix != "a=1 g." {
			t.Fatalf("record %q written through target %q, want %q", w.r.Message, w.prefix, "a=1 g.")
		}
	}
	if h.WithAttrs(nil) != h || h.WithGroup("") != h {
		t.Error("WithAttrs(nil) and WithGroup(\"\") must return the handler itself")
	}
}

// counter is a LogValuer whose value changes after logging.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) LogValue() slog.Value {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slog.IntValue(c.n)
}

// racy is a LogValuer that reads a field without a lock: resolving it after
// the caller changed the field is a data race the race detector reports.
type racy struct{ name string }

func (r *racy) LogValue() slog.Value { return slog.StringValue(r.name) }

// nested returns a group holding another LogValuer.
type nested struct{ inner *racy }

func (n nested) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("inner", n.inner), slog.Int("depth", 1))
}

func TestLogValuersResolvedWhenBuffered(t *testing.T) {
	var out jsonLines
	target := slogx.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: dropTime})
	h := mustNew(target, nil)
	l := slog.New(h)

	c := &counter{n: 1}
	top := &racy{name: "before"}
	deep := &racy{name: "deep-before"}
	l.Debug("values", "count", c, "top", top, slog.Group("g", slog.Any("n", nested{inner: deep})))

	// Change everything after the log call, as another goroutine of the
	// caller would; the flush must show the values of the log call.
	done := make(chan struct{})
	go func() {
		c.mu.Lock()
		c.n = 2
		c.mu.Unlock()
		top.name = "after"
		deep.name = "deep-after"
		close(done)
	}()
	<-done
	l.Error("boom")
	want := `{"level":"DEBUG","msg":"values","count":1,"top":"before","g":{"n":{"inner":"deep-before","depth":1}}}
{"level":"ERROR","msg":"boom"}
`
	if got := out.String(); got != want {
		t.Fatalf("flushed:\n%s\nwant:\n%s", got, want)
	}
}

func TestResolveManyAttrsAndPanics(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	ctx := context.Background()
	r := rec(slog.LevelDebug, "many", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", &racy{name: "sixth"}, "p", panicky{})
	mustHandle(t, h, ctx, r)
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	got := target.all()[0]
	if got.r.NumAttrs() != 7 {
		t.Fatalf("flushed record has %d attrs, want 7", got.r.NumAttrs())
	}
	if v, _ := got.attr("f"); v.Kind() != slog.KindString || v.String() != "sixth" {
		t.Errorf("attr f = %v (%v), want resolved string sixth", v, v.Kind())
	}
	if v, _ := got.attr("p"); v.Kind() != slog.KindAny || !strings.Contains(fmt.Sprint(v.Any()), "panicked") {
		t.Errorf("a panicking LogValuer buffered as %v, want slog's panic error value", v)
	}
}

type panicky struct{}

func (panicky) LogValue() slog.Value { panic("no value") }

// selfish returns itself inside a group forever.
type selfish struct{}

func (selfish) LogValue() slog.Value { return slog.GroupValue(slog.Any("again", selfish{})) }

func TestSelfReferentialLogValuerDoesNotOverflow(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "loop", "v", selfish{}))
	if st := h.Stats(); st.Buffered != 1 {
		t.Fatalf("Buffered = %d, want 1", st.Buffered)
	}
}

func TestContextAttrsKeptForFlush(t *testing.T) {
	var out jsonLines
	target := slogx.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: dropTime})
	l := slog.New(mustNew(target, nil))
	ctx := slogx.NewContext(context.Background(), slog.String("request_id", "r-1"))
	l.DebugContext(ctx, "one")
	l.DebugContext(ctx, "two")
	l.DebugContext(context.Background(), "unscoped")
	l.WithGroup("g").DebugContext(slogx.NewContext(ctx, slog.Int("user", 7)), "three", "k", "v")
	l.Error("boom")
	want := `{"level":"DEBUG","msg":"one","request_id":"r-1"}
{"level":"DEBUG","msg":"two","request_id":"r-1"}
{"level":"DEBUG","msg":"unscoped"}
{"level":"DEBUG","msg":"three","request_id":"r-1","user":7,"g":{"k":"v"}}
{"level":"ERROR","msg":"boom"}
`
	if got := out.String(); got != want {
		t.Fatalf("flushed:\n%s\nwant:\n%s", got, want)
	}
}

func TestLocalOnlyKeptForFlush(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	local := slogx.NewContext(bg, slogx.LocalOnly())
	localWithAttrs := slogx.NewContext(bg, slog.String("id", "x"), slogx.LocalOnly())
	mustHandle(t, h, local, rec(slog.LevelDebug, "ctx-local"))
	mustHandle(t, h, bg, rec(slog.LevelDebug, "plain"))
	mustHandle(t, h, bg, rec(slog.LevelDebug, "record-local", slogx.LocalOnly()))
	mustHandle(t, h, localWithAttrs, rec(slog.LevelDebug, "local-with-attrs"))
	mustHandle(t, h, bg, rec(slog.LevelError, "boom"))
	want := map[string]bool{"ctx-local": true, "plain": false, "record-local": true, "local-with-attrs": true, "boom": false}
	got := target.all()
	if len(got) != len(want) {
		t.Fatalf("written %d records, want %d", len(got), len(want))
	}
	for _, w := range got {
		if w.local != want[w.r.Message] {
			t.Errorf("%q: slogx.IsLocal at flush = %v, want %v", w.r.Message, w.local, want[w.r.Message])
		}
		if w.r.Message == "local-with-attrs" && (len(w.ctxAttrs) != 1 || w.ctxAttrs[0].Key != "id") {
			t.Errorf("local-with-attrs: context attrs at flush = %v, want [id=x]", w.ctxAttrs)
		}
	}
}

func TestCallerContextNotRetained(t *testing.T) {
	type payload struct{ _ [1 << 10]byte }
	type key struct{}
	target := newRecorder()
	h := mustNew(target, nil)
	collected := make(chan struct{})
	func() {
		p := &payload{}
		ctx := context.WithValue(slogx.NewContext(context.Background(), slog.String("id", "1")), key{}, p)
		runtime.AddCleanup(p, func(ch chan struct{}) { close(ch) }, collected)
		mustHandle(t, h, ctx, rec(slog.LevelDebug, "buffered"))
	}()
	if !gcUntil(collected) {
		t.Fatal("the log call's context is still reachable from the buffer")
	}
	if st := h.Stats(); st.Buffered != 1 {
		t.Fatalf("Buffered = %d, want 1", st.Buffered)
	}
}

func TestFlushedRecordsNotRetained(t *testing.T) {
	type payload struct{ _ [1 << 10]byte }
	target := newRecorder()
	h := mustNew(target, nil)
	collected := make(chan struct{})
	func() {
		p := &payload{}
		runtime.AddCleanup(p, func(ch chan struct{}) { close(ch) }, collected)
		mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "holds p", "p", p))
	}()
	mustHandle(t, h, context.Background(), rec(slog.LevelError, "boom"))
	target.reset() // the recorder's own copy
	if !gcUntil(collected) {
		t.Fatal("a flushed record is still reachable from the handler")
	}
	runtime.KeepAlive(h)
}

func TestTargetErrorsReported(t *testing.T) {
	target := newRecorder()
	bad := errors.New("disk full")
	target.st.handle = func(_ context.Context, r slog.Record) error {
		if strings.HasPrefix(r.Message, "bad") {
			return bad
		}
		return nil
	}
	h := mustNew(target, nil)
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "bad1"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "ok"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "bad2"))
	err := h.Handle(ctx, rec(slog.LevelError, "boom"))
	if !errors.Is(err, bad) || !strings.Contains(err.Error(), "2 of 3") {
		t.Fatalf("Handle(trigger) = %v, want the target's error, 2 of 3 failed", err)
	}
	if got, want := target.msgs(), []string{"ok", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	if st := h.Stats(); st.Failed != 2 || st.Flushed != 3 {
		t.Errorf("Stats() = %+v, want Failed 2, Flushed 3", st)
	}
}

func TestTargetPanicDoesNotLoseBatch(t *testing.T) {
	target := newRecorder()
	target.st.handle = func(_ context.Context, r slog.Record) error {
		if r.Message == "explode" {
			panic("target bug")
		}
		return nil
	}
	h := mustNew(target, nil)
	ctx := context.Background()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "explode"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "b"))
	err := h.Handle(ctx, rec(slog.LevelError, "boom"))
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("Handle(trigger) = %v, want an error about the panic", err)
	}
	if got, want := target.msgs(), []string{"a", "b", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	// The flush lock was released: the handler keeps working.
	mustHandle(t, h, ctx, rec(slog.LevelError, "again"))
}

func TestNilContext(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	// slog passes on whatever context it is given, nil included.
	mustHandle(t, h, nil, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, nil, rec(slog.LevelError, "b"))
	if got, want := target.msgs(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}
