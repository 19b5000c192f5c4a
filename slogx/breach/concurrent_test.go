package breach

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"go.slogx.dev/slogx"
)

// Records in these tests carry the logging goroutine ("g") and a sequence
// number ("seq") that grows with every record that goroutine logs, so the
// checks can tell log order from write order.

func logSeq(h slog.Handler, ctx context.Context, level slog.Level, g, seq int) {
	r := rec(level, "m", "g", g, "seq", seq)
	if err := h.Handle(ctx, r); err != nil {
		panic(err)
	}
}

func gSeq(t *testing.T, w written) (g, seq int) {
	t.Helper()
	gv, ok1 := w.attr("g")
	sv, ok2 := w.attr("seq")
	if !ok1 || !ok2 {
		t.Fatalf("record without g/seq: %v", w.r)
	}
	return int(gv.Int64()), int(sv.Int64())
}

// checkLogOrder fails unless every goroutine's records were written in the
// order it logged them, each at most once. It returns how many records of
// each goroutine were written.
func checkLogOrder(t *testing.T, ws []written, goroutines int) []int {
	t.Helper()
	last := make([]int, goroutines)
	for i := range last {
		last[i] = -1
	}
	count := make([]int, goroutines)
	for i, w := range ws {
		g, seq := gSeq(t, w)
		if seq <= last[g] {
			t.Fatalf("write %d: goroutine %d seq %d after seq %d: not in log order (or written twice)", i, g, seq, last[g])
		}
		last[g] = seq
		count[g]++
	}
	return count
}

func TestConcurrentLoggersShared(t *testing.T) {
	const goroutines, perG = 8, 500
	for _, capacity := range []int{goroutines * perG, 100} {
		t.Run(fmt.Sprint("capacity ", capacity), func(t *testing.T) {
			target := newRecorder()
			h := mustNew(target, &Options{Capacity: capacity})
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range perG {
						logSeq(h, context.Background(), slog.LevelDebug, g, i)
						if i%100 == 0 {
							_ = h.Stats() // readers race with writers
						}
					}
				})
			}
			wg.Wait()
			if b := h.Stats().Buffered; b > capacity {
				t.Fatalf("Buffered %d > Capacity %d", b, capacity)
			}
			if err := h.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			ws := target.all()
			checkLogOrder(t, ws, goroutines)
			st := h.Stats()
			if st.Flushed+st.Evicted != goroutines*perG || st.Buffered != 0 {
				t.Fatalf("Stats() = %+v: flushed + evicted must be every record", st)
			}
			if capacity >= goroutines*perG && len(ws) != goroutines*perG {
				t.Fatalf("wrote %d records, want all %d", len(ws), goroutines*perG)
			}
			if capacity < goroutines*perG && len(ws) != capacity {
				t.Fatalf("wrote %d records, want the last %d", len(ws), capacity)
			}
		})
	}
}

func TestConcurrentTriggersShared(t *testing.T) {
	const goroutines, perG, every = 6, 600, 37
	for _, capacity := range []int{goroutines * perG, 50} {
		t.Run(fmt.Sprint("capacity ", capacity), func(t *testing.T) {
			target := newRecorder()
			h := mustNew(target, &Options{Capacity: capacity})
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range perG {
						level := slog.LevelDebug
						if i%every == every-1 {
							level = slog.LevelError
						}
						logSeq(h, context.Background(), level, g, i)
					}
				})
			}
			wg.Wait()
			if err := h.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := target.st.overlaps.Load(); n != 0 {
				t.Fatalf("the target was called %d times while another flush was writing: batches interleaved", n)
			}
			ws := target.all()
			counts := checkLogOrder(t, ws, goroutines)
			st := h.Stats()
			triggers := goroutines * (perG / every)
			if st.Triggers != uint64(triggers) {
				t.Fatalf("Triggers = %d, want %d", st.Triggers, triggers)
			}
			debug := goroutines*perG - triggers
			if st.Flushed+st.Evicted != uint64(debug) {
				t.Fatalf("Stats() = %+v: flushed + evicted = %d, want %d buffered records", st, st.Flushed+st.Evicted, debug)
			}
			total := 0
			for _, c := range counts {
				total += c
			}
			if total != int(st.Flushed)+triggers {
				t.Fatalf("wrote %d records, want %d flushed + %d triggers", total, st.Flushed, triggers)
			}
			if capacity >= goroutines*perG && total != goroutines*perG {
				t.Fatalf("wrote %d records without eviction, want all %d", total, goroutines*perG)
			}
		})
	}
}

// TestConcurrentScopesIsolation runs many requests at once, each in its own
// scope, each failing now and then, and checks that every flush holds
// exactly the lead-up of the request that failed: no record of another
// request, none lost, in log order.
func TestConcurrentScopesIsolation(t *testing.T) {
	const workers, requests, perReq = 8, 40, 30
	target := newRecorder()
	h := mustNew(target, &Options{MaxScopes: workers, ScopeCapacity: perReq})
	l := slog.New(h)
	bg := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range requests {
				id := fmt.Sprintf("w%d-r%d", w, r)
				ctx, end := NewScope(slogx.NewContext(bg, slog.String("request_id", id)))
				fails := r%3 == 0
				for i := range perReq {
					l.DebugContext(ctx, "step", "seq", i)
				}
				if fails {
					l.ErrorContext(ctx, "failed", "seq", perReq)
				}
				// Unscoped background work interleaves with requests.
				l.Debug("background", "seq", r)
				end()
			}
		})
	}
	wg.Wait()
	if n := target.st.overlaps.Load(); n != 0 {
		t.Fatalf("flushes interleaved %d times", n)
	}
	st := h.Stats()
	if st.DroppedScopes != 0 || st.Scopes != 0 {
		t.Fatalf("Stats() = %+v, want no dropped and no live scopes", st)
	}

	// The output is a run of batches, each ended by its trigger.
	ws := target.all()
	var batch []written
	flushes := 0
	for _, w := range ws {
		if w.r.Level < slog.LevelError {
			batch = append(batch, w)
			continue
		}
		flushes++
		id := requestID(t, w)
		if len(batch) != perReq {
			t.Fatalf("request %s flushed %d records, want its %d", id, len(batch), perReq)
		}
		for i, b := range batch {
			if got := requestID(t, b); got != id {
				t.Fatalf("request %s's flush holds a record of %q", id, got)
			}
			if v, _ := b.attr("seq"); v.Int64() != int64(i) {
				t.Fatalf("request %s's flush: record %d has seq %d", id, i, v.Int64())
			}
		}
		batch = batch[:0]
	}
	if len(batch) != 0 {
		t.Fatalf("%d records written outside a flush", len(batch))
	}
	if want := workers * ((requests + 2) / 3); flushes != want {
		t.Fatalf("%d flushes, want %d", flushes, want)
	}
	if want := uint64(workers * (requests - flushes/workers) * perReq); st.Discarded != want {
		t.Errorf("Discarded = %d, want %d (the records of the requests that did not fail)", st.Discarded, want)
	}
}

func requestID(t *testing.T, w written) string {
	t.Helper()
	for _, a := range w.ctxAttrs {
		if a.Key == "request_id" {
			return a.Value.String()
		}
	}
	t.Fatalf("record %q without request_id in its context", w.r.Message)
	return ""
}

// TestConcurrentTriggersInOneScope has several goroutines of one request
// log and fail at once.
func TestConcurrentTriggersInOneScope(t *testing.T) {
	const goroutines, perG, every = 4, 400, 25
	target := newRecorder()
	h := mustNew(target, &Options{ScopeCapacity: goroutines * perG, ScopeMaxBytes: 1 << 30})
	ctx, end := NewScope(context.Background())
	defer end()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				level := slog.LevelDebug
				if i%every == every-1 {
					level = slog.LevelError
				}
				logSeq(h, ctx, level, g, i)
			}
		})
	}
	wg.Wait()
	if err := h.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := target.st.overlaps.Load(); n != 0 {
		t.Fatalf("flushes interleaved %d times", n)
	}
	counts := checkLogOrder(t, target.all(), goroutines)
	for g, c := range counts {
		if c != perG {
			t.Fatalf("goroutine %d: %d of its %d records written", g, c, perG)
		}
	}
}

// TestConcurrentEverything mixes every entry point under the race detector:
// scoped and unscoped logging, triggers, pass-through, Flush, Stats, derived
// handlers, scopes ending while records and flushes are in flight, Close.
func TestConcurrentEverything(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{Capacity: 64, ScopeCapacity: 8, MaxScopes: 3, PassThroughLevel: slog.LevelInfo})
	derived := h.WithAttrs([]slog.Attr{slog.String("svc", "x")}).WithGroup("g")
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for r := range 200 {
				ctx, end := NewScope(context.Background())
				var hh slog.Handler = h
				if r%2 == 0 {
					hh = derived
				}
				for i := range 5 {
					logSeq(hh, ctx, slog.LevelDebug, w, r*10+i)
				}
				switch r % 7 {
				case 0:
					logSeq(hh, ctx, slog.LevelError, w, r*10+5)
				case 1:
					logSeq(hh, ctx, slog.LevelInfo, w, r*10+5)
				case 2:
					_ = h.Flush(context.Background())
				case 3:
					logSeq(hh, context.Background(), slog.LevelWarn, w, r*10+5)
				}
				if r%2 == 0 {
					end()
				} else {
					// End the scope from another goroutine while this one
					// goes on logging with its context.
					done := make(chan struct{})
					go func() { end(); close(done) }()
					logSeq(hh, ctx, slog.LevelDebug, w, r*10+6)
					<-done
				}
				_ = h.Stats()
			}
		})
	}
	wg.Wait()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	st := h.Stats()
	if st.Scopes != 0 || st.Buffered != 0 {
		t.Fatalf("after Close, Stats() = %+v", st)
	}
	// Pass-through records overtake older buffered ones by design, so log
	// order is not expected here; writing a record twice is never right.
	seen := make(map[[2]int]bool)
	for _, w := range target.all() {
		g, seq := gSeq(t, w)
		if seen[[2]int{g, seq}] {
			t.Fatalf("goroutine %d seq %d written twice", g, seq)
		}
		seen[[2]int{g, seq}] = true
	}
}
