package breach

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

func TestScopeFlushesOnlyItsOwnLeadUp(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	a, endA := NewScope(bg)
	defer endA()
	b, endB := NewScope(bg)
	defer endB()
	mustHandle(t, h, a, rec(slog.LevelDebug, "a1"))
	mustHandle(t, h, b, rec(slog.LevelDebug, "b1"))
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared1"))
	mustHandle(t, h, a, rec(slog.LevelDebug, "a2"))
	mustHandle(t, h, a, rec(slog.LevelError, "a failed"))
	if got, want := target.msgs(), []string{"a1", "a2", "a failed"}; !slices.Equal(got, want) {
		t.Fatalf("scope a's trigger wrote %q, want %q", got, want)
	}
	if st := h.Stats(); st.Buffered != 2 || st.Scopes != 2 {
		t.Fatalf("Stats() = %+v, want b1 and shared1 still buffered, 2 scopes", st)
	}
	target.reset()
	mustHandle(t, h, bg, rec(slog.LevelError, "background failed"))
	if got, want := target.msgs(), []string{"shared1", "background failed"}; !slices.Equal(got, want) {
		t.Fatalf("an unscoped trigger wrote %q, want %q", got, want)
	}
	// A scope whose context is collected ends (see NewScope): b must live
	// until the Stats above have counted it.
	runtime.KeepAlive(b)
}

func TestScopeEndDiscards(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	ctx, end := NewScope(context.Background())
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "a"))
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "b"))
	if st := h.Stats(); st.Scopes != 1 || st.Buffered != 2 {
		t.Fatalf("Stats() = %+v, want 1 scope holding 2", st)
	}
	end()
	end() // idempotent
	st := h.Stats()
	if st.Scopes != 0 || st.Buffered != 0 || st.Discarded != 2 {
		t.Fatalf("after end, Stats() = %+v, want Scopes 0, Buffered 0, Discarded 2", st)
	}
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("ending a scope wrote %q", got)
	}
}

func TestForgottenScopeEndsWhenUnreachable(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{MaxScopes: 1})
	func() {
		ctx, _ := NewScope(context.Background()) // end is never called
		mustHandle(t, h, ctx, rec(slog.LevelDebug, "forgotten"))
	}()
	if st := h.Stats(); st.Scopes != 1 {
		t.Fatalf("Scopes = %d, want 1", st.Scopes)
	}
	ended := make(chan struct{})
	go func() {
		for h.Stats().Scopes != 0 {
			runtime.Gosched()
		}
		close(ended)
	}()
	if !gcUntil(ended) {
		t.Fatal("a scope whose context is unreachable still holds its buffer")
	}
	if st := h.Stats(); st.Discarded != 1 || st.Buffered != 0 {
		t.Fatalf("Stats() = %+v, want the forgotten record discarded", st)
	}
	// The bound is free again for a new scope.
	ctx, end := NewScope(context.Background())
	defer end()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "next"))
	if st := h.Stats(); st.Scopes != 1 || st.DroppedScopes != 0 {
		t.Fatalf("Stats() = %+v, want the new scope to get a buffer", st)
	}
}

func TestScopeContextBehavesLikeItsParent(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	ctx, end := NewScope(parent)
	defer end()
	if ctx.Value(key{}) != "v" {
		t.Error("the scoped context lost its parent's values")
	}
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	cancel()
	<-child.Done() // cancellation passes through the scope
	if ctx.Err() != context.Canceled || child.Err() != context.Canceled {
		t.Errorf("Err() = %v, %v, want context.Canceled", ctx.Err(), child.Err())
	}
	if scopeFrom(child) == nil || scopeFrom(child) != scopeFrom(ctx) {
		t.Error("a context derived from a scoped one is not in the scope")
	}
}

func TestScopeWithoutRecordsTakesNoBuffer(t *testing.T) {
	h := mustNew(newRecorder(), nil)
	_, end := NewScope(context.Background())
	defer end()
	if st := h.Stats(); st.Scopes != 0 {
		t.Fatalf("Scopes = %d before any record, want 0", st.Scopes)
	}
}

func TestScopeAfterEndIsUnscoped(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	ctx, end := NewScope(bg)
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "in scope"))
	end()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "late")) // a goroutine that outlived the request
	mustHandle(t, h, bg, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"late", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestTriggerAfterScopeEndFlushesShared(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	ctx, end := NewScope(bg)
	end()
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared"))
	mustHandle(t, h, ctx, rec(slog.LevelError, "late failure"))
	if got, want := target.msgs(), []string{"shared", "late failure"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestTriggerAsFirstRecordOfScope(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	bg := context.Background()
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared"))
	ctx, end := NewScope(bg)
	defer end()
	mustHandle(t, h, ctx, rec(slog.LevelError, "first thing"))
	if got, want := target.msgs(), []string{"first thing"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q (the shared buffer is not the scope's lead-up)", got, want)
	}
}

func TestMaxScopesFallsBackToShared(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{MaxScopes: 2})
	bg := context.Background()
	var ends []func()
	defer func() {
		for _, end := range ends {
			end()
		}
	}()
	var ctxs []context.Context
	for range 4 {
		ctx, end := NewScope(bg)
		ctxs = append(ctxs, ctx)
		ends = append(ends, end)
	}
	for i, ctx := range ctxs {
		for j := range 3 {
			mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprintf("s%d-%d", i, j)))
		}
	}
	st := h.Stats()
	if st.Scopes != 2 || st.DroppedScopes != 2 {
		t.Fatalf("Stats() = %+v, want 2 live scopes and 2 dropped (counted once each)", st)
	}
	if got := int64(h.c.shared.len()); got != 6 {
		t.Fatalf("shared buffer holds %d, want the 6 records of the dropped scopes", got)
	}
	// A dropped scope's trigger flushes the shared buffer, where its lead-up is.
	mustHandle(t, h, ctxs[3], rec(slog.LevelError, "s3 failed"))
	if got, want := target.msgs(), []string{"s2-0", "s2-1", "s2-2", "s3-0", "s3-1", "s3-2", "s3 failed"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
	// Ending a live scope makes room for a new one.
	ends[0]()
	ctx, end := NewScope(bg)
	ends = append(ends, end)
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "new"))
	if st := h.Stats(); st.Scopes != 2 || st.DroppedScopes != 2 {
		t.Fatalf("Stats() = %+v, want the new scope live and no new drop", st)
	}
}

func TestScopeCapacityAndMaxBytes(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{ScopeCapacity: 3, Capacity: 50})
	ctx, end := NewScope(context.Background())
	defer end()
	for i := range 10 {
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint(i)))
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"7", "8", "9", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}

	target = newRecorder()
	big := strings.Repeat("z", 2000)
	h = mustNew(target, &Options{ScopeMaxBytes: 2 * (int(entrySize) + len(big) + 3)})
	ctx2, end2 := NewScope(context.Background())
	defer end2()
	for i := range 5 {
		mustHandle(t, h, ctx2, rec(slog.LevelDebug, fmt.Sprint(i), "v", big))
	}
	mustHandle(t, h, ctx2, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"3", "4", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestReusedScopeBufferStartsEmpty(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{MaxScopes: 1, PassThroughAfterTrigger: time.Hour, clock: newFakeClock()})
	bg := context.Background()
	for i := range 20 {
		ctx, end := NewScope(bg)
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint("old ", i)))
		if i == 0 {
			// Leave the buffer passing through when the scope ends.
			mustHandle(t, h, ctx, rec(slog.LevelError, "boom 0"))
		}
		end()
	}
	target.reset()
	ctx, end := NewScope(bg)
	defer end()
	mustHandle(t, h, ctx, rec(slog.LevelDebug, "new"))
	if got := target.msgs(); len(got) != 0 {
		t.Fatalf("a new scope passed through %q: pass-through state leaked from an ended scope", got)
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if got, want := target.msgs(), []string{"new", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q: no record of an ended scope may leak into a new one", got, want)
	}
	if st := h.Stats(); st.DroppedScopes != 0 {
		t.Errorf("DroppedScopes = %d, want 0 (scopes ended in turn)", st.DroppedScopes)
	}
}

func TestNestedScopeIsSeparate(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, nil)
	outer, endOuter := NewScope(context.Background())
	defer endOuter()
	inner, endInner := NewScope(outer)
	defer endInner()
	mustHandle(t, h, outer, rec(slog.LevelDebug, "outer"))
	mustHandle(t, h, inner, rec(slog.LevelDebug, "inner"))
	mustHandle(t, h, inner, rec(slog.LevelError, "inner failed"))
	if got, want := target.msgs(), []string{"inner", "inner failed"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q", got, want)
	}
}

func TestScopeServesEveryHandler(t *testing.T) {
	t1, t2 := newRecorder(), newRecorder()
	h1, h2 := mustNew(t1, nil), mustNew(t2, nil)
	ctx, end := NewScope(context.Background())
	mustHandle(t, h1, ctx, rec(slog.LevelDebug, "one"))
	mustHandle(t, h2, ctx, rec(slog.LevelDebug, "two"))
	mustHandle(t, h2, ctx, rec(slog.LevelError, "boom"))
	if got := t1.msgs(); len(got) != 0 {
		t.Fatalf("h2's trigger wrote %q to h1's target", got)
	}
	if got, want := t2.msgs(), []string{"two", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("h2 wrote %q, want %q", got, want)
	}
	end()
	if s1, s2 := h1.Stats(), h2.Stats(); s1.Scopes != 0 || s2.Scopes != 0 || s1.Discarded != 1 {
		t.Fatalf("after end: h1 %+v, h2 %+v", s1, s2)
	}
}

func TestScopePassThroughAfterTrigger(t *testing.T) {
	clk := newFakeClock()
	target := newRecorder()
	h := mustNew(target, &Options{PassThroughAfterTrigger: time.Minute, clock: clk})
	bg := context.Background()
	a, endA := NewScope(bg)
	defer endA()
	b, endB := NewScope(bg)
	defer endB()
	mustHandle(t, h, a, rec(slog.LevelError, "a failed"))
	mustHandle(t, h, a, rec(slog.LevelDebug, "a after"))
	mustHandle(t, h, b, rec(slog.LevelDebug, "b quiet"))
	mustHandle(t, h, bg, rec(slog.LevelDebug, "shared quiet"))
	if got, want := target.msgs(), []string{"a failed", "a after"}; !slices.Equal(got, want) {
		t.Fatalf("written %q, want %q (only scope a passes through)", got, want)
	}
	clk.Advance(2 * time.Minute)
	mustHandle(t, h, a, rec(slog.LevelDebug, "a later"))
	if got := target.msgs(); len(got) != 2 {
		t.Fatalf("written %q: scope a should buffer again after the window", got)
	}
}

func TestHTTPScopesEachRequest(t *testing.T) {
	var out jsonLines
	target := slogx.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: dropTime})
	h := mustNew(target, nil)
	l := slog.New(h)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := slogx.NewContext(r.Context(), slog.String("path", r.URL.Path))
		l.DebugContext(ctx, "start")
		if r.URL.Path == "/fail" {
			l.ErrorContext(ctx, "failed")
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		l.DebugContext(ctx, "done")
	})
	srv := HTTP(app)
	for _, path := range []string{"/ok", "/fail", "/ok"} {
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	want := `{"level":"DEBUG","msg":"start","path":"/fail"}
{"level":"ERROR","msg":"failed","path":"/fail"}
`
	if got := out.String(); got != want {
		t.Fatalf("written:\n%s\nwant:\n%s", got, want)
	}
	st := h.Stats()
	if st.Scopes != 0 || st.Buffered != 0 || st.Discarded != 4 {
		t.Fatalf("Stats() = %+v, want every request's scope ended and its 2 records discarded", st)
	}
}

func TestHTTPEndsScopeOnPanic(t *testing.T) {
	h := mustNew(newRecorder(), nil)
	l := slog.New(h)
	srv := HTTP(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		l.DebugContext(r.Context(), "about to panic")
		panic(http.ErrAbortHandler)
	}))
	func() {
		defer func() { _ = recover() }()
		srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	if st := h.Stats(); st.Scopes != 0 || st.Discarded != 1 {
		t.Fatalf("Stats() = %+v, want the scope ended", st)
	}
}
