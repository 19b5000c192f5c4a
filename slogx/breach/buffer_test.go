package breach

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests drive a buffer directly, placing each record in a chosen
// shard, so that records logged in order are spread over shards the way
// goroutines moving between Ps spread them.

// bufEntry returns a captured record whose message is msg.
func bufEntry(msg string, args ...any) *entry {
	r := slog.NewRecord(time.Time{}, slog.LevelDebug, msg, 0)
	r.Add(args...)
	var e entry
	e.capture(context.Background(), &r, nil)
	return &e
}

func msgsOf(batch []entry) []string {
	var out []string
	for i := range batch {
		out = append(out, batch[i].rec.Message)
	}
	return out
}

// spread pushes n records named m0, m1, ... into b, each into a shard
// picked by place.
func spread(b *buffer, n int, place func(i int) int) {
	for i := range n {
		b.pushTo(&b.shards[place(i)], bufEntry(fmt.Sprint("m", i)), nil)
	}
}

func lastNames(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprint("m", i))
	}
	return out
}

func TestShardedWindowIsExact(t *testing.T) {
	places := map[string]func(i int) int{
		"round robin":  func(i int) int { return i % 4 },
		"runs of 7":    func(i int) int { return i / 7 % 4 },
		"random":       func(int) int { return rand.IntN(4) },
		"all in one":   func(int) int { return 2 },
		"mostly one":   func(i int) int { return min(i%50, 3) },
		"half and off": func(i int) int { return (i / 500) % 2 },
	}
	for name, place := range places {
		for _, capacity := range []int{1, 3, 100, 1000} {
			t.Run(fmt.Sprint(name, "/", capacity), func(t *testing.T) {
				const n = 2500
				// Without counting first, the flush itself must drop what
				// pushes have not evicted yet.
				b := newBuffer(capacity, DefaultMaxBytes, 4)
				spread(b, n, place)
				if got, want := msgsOf(b.drainSettled(nil)), lastNames(n-capacity, n); !slices.Equal(got, want) {
					t.Fatalf("drained %d records %q..., want the last %d in order", len(got), got[:min(3, len(got))], capacity)
				}
				if got := b.evictedCount(); got != n-uint64(capacity) {
					t.Fatalf("evicted %d, want %d", got, n-capacity)
				}

				b = newBuffer(capacity, DefaultMaxBytes, 4)
				spread(b, n, place)
				if got, _ := b.held(); got != capacity {
					t.Fatalf("held() = %d, want %d", got, capacity)
				}
				if got := b.evictedCount(); got != n-uint64(capacity) {
					t.Fatalf("evicted %d, want %d", got, n-capacity)
				}
				batch := b.drainSettled(nil)
				if got, want := msgsOf(batch), lastNames(n-capacity, n); !slices.Equal(got, want) {
					t.Fatalf("drained %d records %q..., want the last %d in order", len(got), got[:min(3, len(got))], capacity)
				}
				if b.len() != 0 || b.bytes() != 0 {
					t.Fatalf("after the drain len() = %d, bytes() = %d, want 0, 0", b.len(), b.bytes())
				}
			})
		}
	}
}

func TestShardedMaxBytesIsExact(t *testing.T) {
	big := strings.Repeat("x", 1000)
	one := bufEntry("m0", "v", big).size
	b := newBuffer(1000, 3*one, 4)
	for i := range 10 {
		b.pushTo(&b.shards[i%4], bufEntry(fmt.Sprint("m", i), "v", big), nil)
	}
	if got, _ := b.held(); got != 3 {
		t.Fatalf("held() = %d, want 3", got)
	}
	if got := b.bytes(); got != 3*one {
		t.Fatalf("bytes() = %d, want %d", got, 3*one)
	}
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m7", "m8", "m9"}; !slices.Equal(got, want) {
		t.Fatalf("drained %q, want %q", got, want)
	}
}

// TestShardedLazyEvictionIsBounded checks that records out of the window do
// not stay in a shard no push writes to: every sweepEvery records a push
// evicts from every shard.
func TestShardedLazyEvictionIsBounded(t *testing.T) {
	const capacity = 100
	b := newBuffer(capacity, DefaultMaxBytes, 4)
	spread(b, capacity, func(int) int { return 0 })
	// Shard 0 is now idle; its records leave the window one by one.
	spread(b, capacity, func(int) int { return 1 })
	r0 := b.shards[0].ring.Load()
	if n := r0.Len(); n > sweepEvery {
		t.Fatalf("idle shard still holds %d records out of the window, more than one sweep's worth (%d)", n, sweepEvery)
	}
	if got, _ := b.held(); got != capacity {
		t.Fatalf("held() = %d, want %d", got, capacity)
	}
	if r0.Len() != 0 {
		t.Fatalf("after held() the idle shard holds %d records, all out of the window", r0.Len())
	}
}

func TestWindowCarriesRecordsStampedAfterTheLook(t *testing.T) {
	b := newBuffer(10, DefaultMaxBytes, 2)
	spread(b, 6, func(i int) int { return i % 2 })
	// A flush that looked after m3 was stamped but drained m4 and m5 too.
	deadline := time.Now().Add(time.Second)
	batch := b.shards[0].drainSettled(nil, deadline)
	batch = b.shards[1].drainSettled(batch, deadline)
	batch = b.window(batch, 0, 4)
	if got, want := msgsOf(batch), lastNames(0, 4); !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q: only what was stamped when it looked", got, want)
	}
	if got, _ := b.held(); got != 2 {
		t.Fatalf("held() = %d, want the 2 carried records", got)
	}
	if got, want := b.bytes(), 2*bufEntry("m4").size; got != want {
		t.Fatalf("bytes() = %d, want %d for the carried records", got, want)
	}
	spread(b, 1, func(int) int { return 1 }) // m0 again, stamped 7
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m4", "m5", "m0"}; !slices.Equal(got, want) {
		t.Fatalf("next flush wrote %q, want %q: the carried records first", got, want)
	}
	spread(b, 2, func(int) int { return 0 })
	if got := b.discard(); got != 2 {
		t.Fatalf("discard() = %d, want 2", got)
	}
}

func TestPermute(t *testing.T) {
	for n := range 40 {
		batch := make([]entry, n)
		for i := range batch {
			batch[i].seq = uint64(rand.IntN(1000))
		}
		want := slices.Clone(batch)
		slices.SortStableFunc(want, bySeq)
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(x, y int32) int { return bySeq(batch[x], batch[y]) })
		permute(batch, order)
		for i := range batch {
			if batch[i].seq != want[i].seq {
				t.Fatalf("n=%d: permuted seqs differ from sorted at %d", n, i)
			}
		}
	}
}

// lateFront fills sh's ring the way a push preempted between its claim and
// its stamps leaves it: a, stamped last, at the front, behind it m1, m2, ...
// stamped by the pushes that filled the ring meanwhile. It returns how many
// those were.
func lateFront(t *testing.T, b *buffer, sh *shard) (others int) {
	t.Helper()
	r := b.ringOf(sh)
	others = r.Cap() - 1
	if !r.TryPushFunc(stampedFill(b, bufEntry("a"), func() {
		for i := range others {
			b.pushTo(sh, bufEntry(fmt.Sprint("m", i+1)), nil)
		}
	}, nil)) {
		t.Fatal("push a")
	}
	return others
}

// stampedFill mirrors pushTo's fill, with a hook between taking the byte
// offset and the seq (between) or before both (before).
func stampedFill(b *buffer, e *entry, before, between func()) func(*entry) {
	size := uint64(e.size)
	return func(dst *entry) {
		*dst = *e
		if before != nil {
			before()
		}
		dst.start = b.total.Add(size) - size
		if between != nil {
			between()
		}
		dst.seq = b.clock.Add(1)
		dst.nest = b.total.Load() - dst.start - size
	}
}

// Byte offsets and log order can disagree: a push preempted between its
// byte stamp and its seq stamp (e) sees an older record (z) take both in
// between. Measured on the total alone, the bytes from e to the newest
// would count z and evict e although it is in the window.
func TestOverlappingStampsKeepTheByteWindow(t *testing.T) {
	z, e, n := bufEntry("z"), bufEntry("e"), bufEntry("n")
	b := newBuffer(100, 2*z.size, 2) // window by bytes: the newest 2 records
	r0 := b.ringOf(&b.shards[0])
	if !r0.TryPushFunc(stampedFill(b, e, nil, func() { b.pushTo(&b.shards[1], z, nil) })) {
		t.Fatal("push e")
	}
	if e0, _ := r0.Peek(); e0.seq != 2 {
		t.Fatalf("e stamped %d, want 2: the test did not interleave as meant", e0.seq)
	}
	b.pushTo(&b.shards[0], n, nil) // seq 3: the window in log order is e, n
	// z, out of the window, may be evicted by a sweep; e must not be.
	if got := b.evictedCount(); got > 1 {
		t.Fatalf("%d records evicted by the push of n, want at most z", got)
	}
	got := msgsOf(b.drainSettled(nil))
	if want := []string{"e", "n"}; !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q (evicted %d)", got, want, b.evictedCount())
	}
}

// A ring's order is the order pushes claimed their places, not log order: a
// push preempted between its claim and its stamps ends up at the front with
// the newest stamp, while the other pushes fill the ring behind it. Making
// room must not drop it.
func TestMakeRoomKeepsALateStampedRecord(t *testing.T) {
	const capacity = 4
	b := newBuffer(capacity, DefaultMaxBytes, 1)
	sh := &b.shards[0]
	others := lateFront(t, b, sh)
	b.pushTo(sh, bufEntry("x"), nil) // ring full: makeRoom
	got := msgsOf(b.drainSettled(nil))
	want := []string{fmt.Sprint("m", others-1), fmt.Sprint("m", others), "a", "x"}
	if !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q: a was the second newest record", got, want)
	}
}

// A flush drains shards one after another; a push stamped after the flush
// looked may evict, from a shard not drained yet, a record stamped before
// the look. The flush must then not write the older records of a shard it
// had drained: there would be a hole. This is drainSettled's body, with the
// pushes it races with placed between its steps.
func TestFlushHasNoHoleWhenAnUndrainedShardEvicts(t *testing.T) {
	b := newBuffer(3, DefaultMaxBytes, 2)
	b.pushTo(&b.shards[0], bufEntry("m8"), nil)
	b.pushTo(&b.shards[1], bufEntry("m9"), nil) // e.g. the trigger's goroutine
	b.pushTo(&b.shards[0], bufEntry("m10"), nil)
	look := b.clock.Load() // the flush looks: 3
	deadline := time.Now().Add(time.Second)
	batch := b.shards[0].drainSettled(nil, deadline) // m8, m10
	b.pushTo(&b.shards[1], bufEntry("m11"), nil)
	b.pushTo(&b.shards[1], bufEntry("m12"), nil) // evicts m9 from shard 1
	batch = b.shards[1].drainSettled(batch, deadline)
	batch = b.window(batch, 0, look)
	got := msgsOf(batch)
	// When m12 evicted m9 the window was m10, m11, m12; of those, only
	// m10 was stamped when the flush looked.
	if want := []string{"m10"}; !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q", got, want)
	}
	if got := msgsOf(b.drainSettled(nil)); !slices.Equal(got, []string{"m11", "m12"}) {
		t.Fatalf("next flush wrote %q, want m11, m12", got)
	}
}

// TestStatsAccountingWithConcurrentFlushes checks that, with loggers and
// flushes racing, every record is accounted for once they stop.
func TestStatsAccountingWithConcurrentFlushes(t *testing.T) {
	const capacity, goroutines, perG = 4, 2, 20000
	h := mustNew(newRecorder(), &Options{Capacity: capacity})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				logSeq(h, context.Background(), slog.LevelDebug, g, i)
			}
		})
	}
	stop := make(chan struct{})
	var fw sync.WaitGroup
	fw.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = h.Flush(context.Background())
			}
		}
	})
	wg.Wait()
	close(stop)
	fw.Wait()
	st := h.Stats()
	if sum := uint64(st.Buffered) + st.Evicted + st.Flushed; sum != goroutines*perG {
		_ = h.Flush(context.Background())
		st2 := h.Stats()
		t.Logf("after one more Flush: Buffered %d + Evicted %d + Flushed %d = %d",
			st2.Buffered, st2.Evicted, st2.Flushed, uint64(st2.Buffered)+st2.Evicted+st2.Flushed)
		t.Fatalf("Buffered %d + Evicted %d + Flushed %d = %d, want %d logged",
			st.Buffered, st.Evicted, st.Flushed, sum, goroutines*perG)
	}
}

// TestStatsCountsCarriedRecords: records a flush carried to the next one
// are held, and those of them that fall out of the window are evicted, so
// Stats accounts for every record logged.
func TestStatsCountsCarriedRecords(t *testing.T) {
	const capacity = 10
	b := newBuffer(capacity, DefaultMaxBytes, 1)
	spread(b, 5, func(int) int { return 0 })
	look := b.clock.Load()
	// Stamped after the flush looked, while it holds the shard's lock:
	// the pushes cannot evict.
	b.shards[0].mu.Lock()
	spread(b, 20, func(int) int { return 0 })
	b.shards[0].mu.Unlock()
	flushed := b.window(b.shards[0].drainSettled(nil, time.Now()), 0, look)
	if len(flushed) != 5 {
		t.Fatalf("flushed %d records, want the 5 stamped before it looked", len(flushed))
	}
	held, excess := b.held()
	if held != capacity || uint64(held)+excess+b.evictedCount()+uint64(len(flushed)) != 25 {
		t.Fatalf("held %d + excess %d + evicted %d + flushed %d, want held %d and 25 in all",
			held, excess, b.evictedCount(), len(flushed), capacity)
	}
}

// TestFlushStopsAtAMissingRecord: a push that stalls past the flush's wait
// leaves a gap in log order. The flush writes up to the gap and carries
// the rest, and the next flush writes the stalled record first.
func TestFlushStopsAtAMissingRecord(t *testing.T) {
	b := newBuffer(100, DefaultMaxBytes, 2)
	spread(b, 5, func(i int) int { return i % 2 })
	batch := b.drainSettled(nil)
	if got := msgsOf(batch); !slices.Equal(got, lastNames(0, 5)) {
		t.Fatalf("flushed %q", got)
	}
	spread(b, 5, func(i int) int { return i % 2 }) // m0..m4 again, stamped 6..10
	// Take out seq 7 (the second record, in shard 1), as if its push had
	// not stored it yet when the flush gave up waiting.
	sh := &b.shards[1]
	r := sh.ring.Load()
	stalled, _ := r.TryPop()
	sh.removed.Add(stalled.size)
	if stalled.seq != 7 {
		t.Fatalf("took seq %d, want 7", stalled.seq)
	}
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m0"}; !slices.Equal(got, want) {
		t.Fatalf("flush with seq 7 missing wrote %q, want %q: only what precedes the gap", got, want)
	}
	// Its push stores it at last, with the stamp it took before.
	r.TryPushFunc(func(dst *entry) { *dst = stalled })
	sh.removed.Add(-stalled.size)
	if got, want := msgsOf(b.drainSettled(nil)), lastNames(1, 5); !slices.Equal(got, want) {
		t.Fatalf("next flush wrote %q, want %q: the late record, then what was carried", got, want)
	}
	if b.len() != 0 || b.bytes() != 0 {
		t.Fatalf("len() = %d, bytes() = %d after everything was flushed", b.len(), b.bytes())
	}
}

// TestStatsCountsRecordsBehindALateOne: records out of the window that sit
// behind a late-stamped record at the front of a ring cannot be evicted yet;
// Stats counts them as evicted, not buffered, so that the window holds at
// most Capacity and every record is accounted for.
func TestStatsCountsRecordsBehindALateOne(t *testing.T) {
	const capacity = 3
	b := newBuffer(capacity, DefaultMaxBytes, 1)
	sh := &b.shards[0]
	r := b.ringOf(sh)
	// a claims the front and is preempted before stamping; m0..m4 follow.
	if !r.TryPushFunc(stampedFill(b, bufEntry("a"), func() { spread(b, 5, func(int) int { return 0 }) }, nil)) {
		t.Fatal("push a")
	}
	held, excess := b.held()
	if held != capacity || excess != 3 || b.evictedCount() != 0 {
		t.Fatalf("held %d, excess %d, evicted %d; want %d, 3, 0", held, excess, b.evictedCount(), capacity)
	}
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m3", "m4", "a"}; !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q", got, want)
	}
}

// TestCloseDiscardsWhileAScopeTriggers: Close without FlushOnClose discards
// the scopes' buffers while their triggers may be flushing them; both move
// on what the next flush continues from, so they must not overlap (-race
// reports it if they do).
func TestCloseDiscardsWhileAScopeTriggers(t *testing.T) {
	h := mustNew(newRecorder(), &Options{ScopeCapacity: 8})
	ctx, end := NewScope(context.Background())
	defer end()
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			_ = h.Handle(ctx, rec(slog.LevelDebug, fmt.Sprint("d", i)))
			if i%3 == 0 {
				_ = h.Handle(ctx, rec(slog.LevelError, "boom"))
			}
		}
	})
	wg.Go(func() {
		for range 2000 {
			h.c.discardAll() // what Close does, once, at any time
		}
	})
	wg.Wait()
}

// TestCarryStaysWithinAWindowWhileAGapLasts: a gap in log order (a push
// stalled past the flush's wait) makes every flush carry what follows it;
// the carry must still hold no more than a window.
func TestCarryStaysWithinAWindowWhileAGapLasts(t *testing.T) {
	const capacity = 10
	b := newBuffer(capacity, DefaultMaxBytes, 2)
	spread(b, 4, func(i int) int { return i % 2 })
	// seq 2 (first record of shard 1) is "in flight": out of the ring.
	sh := &b.shards[1]
	stalled, _ := sh.ring.Load().TryPop()
	sh.removed.Add(stalled.size)
	for range 1000 {
		spread(b, 5, func(i int) int { return 0 }) // fewer than capacity: no ring eviction
		b.drainSettled(nil)
	}
	if n := len(b.carry); n > capacity {
		t.Fatalf("carry holds %d records (%d bytes) for a window of %d", n, b.carryBytes, capacity)
	}
}

// TestMakeRoomProgressesWhenAllStampsOverlap: outside measures bytes from a
// lower bound (start+nest). When every record of a full single-shard ring
// overlapped the others' stamps, that bound finds none out of the window;
// a push must still make progress (with one shard nothing else moves the
// clock). The overlap is built with stampedFill's between hook, nested.
func TestMakeRoomProgressesWhenAllStampsOverlap(t *testing.T) {
	s := bufEntry("m").size
	b := newBuffer(100, 2*s, 1)
	sh := &b.shards[0]
	r := b.ringOf(sh)
	depth := r.Cap()
	var nest func(i int)
	nest = func(i int) {
		if i == depth {
			return
		}
		if !r.TryPushFunc(stampedFill(b, bufEntry("m"), nil, func() { nest(i + 1) })) {
			t.Fatalf("push %d", i)
		}
	}
	nest(0)
	if r.Len() != r.Cap() {
		t.Fatalf("ring holds %d of %d", r.Len(), r.Cap())
	}
	done := make(chan struct{})
	go func() {
		b.pushTo(sh, bufEntry("x"), nil)
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(2 * time.Second):
	}
	// Unstick it so that the package's leak check passes, then fail.
	sh.mu.Lock()
	n := len(r.Drain(nil, 0))
	sh.mu.Unlock()
	<-done
	t.Fatalf("pushTo into a full ring of %d overlapping records spun for 2s (drained %d to release it)", depth, n)
}

// TestShardedStress logs from goroutines that each store into a random
// shard of eight, as goroutines moving between Ps do, while another
// goroutine flushes and counts. Every goroutine's records must come out in
// the order it logged them, each at most once, every flush must hold at
// most a window, and once all is flushed every record must be accounted
// for as flushed or evicted.
func TestShardedStress(t *testing.T) {
	const goroutines, perG = 6, 3000
	for _, tc := range []struct {
		name     string
		capacity int
		maxBytes int64
	}{
		{"by count", 50, DefaultMaxBytes},
		{"by bytes", 1000, 40 * entrySize},
		{"roomy", goroutines * perG, DefaultMaxBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuffer(tc.capacity, tc.maxBytes, 8)
			var (
				mu      sync.Mutex // what flushMu is to a handler
				flushed []entry
				wg      sync.WaitGroup
			)
			flush := func() {
				mu.Lock()
				defer mu.Unlock()
				batch := b.drainSettled(nil)
				if len(batch) > tc.capacity {
					t.Errorf("a flush wrote %d records, more than Capacity %d", len(batch), tc.capacity)
				}
				flushed = append(flushed, batch...)
			}
			for g := range goroutines {
				wg.Go(func() {
					for i := range perG {
						r := slog.NewRecord(time.Time{}, slog.LevelDebug, "m", 0)
						r.AddAttrs(slog.Int("g", g), slog.Int("seq", i))
						var e entry
						e.capture(context.Background(), &r, nil)
						b.pushTo(&b.shards[rand.IntN(len(b.shards))], &e, nil)
					}
				})
			}
			stop := make(chan struct{})
			var side sync.WaitGroup
			side.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						flush()
						b.held()
					}
				}
			})
			wg.Wait()
			close(stop)
			side.Wait()
			flush()

			last := make([]int64, goroutines)
			for i := range last {
				last[i] = -1
			}
			for i := range flushed {
				var g, seq int64
				flushed[i].rec.Attrs(func(a slog.Attr) bool {
					switch a.Key {
					case "g":
						g = a.Value.Int64()
					case "seq":
						seq = a.Value.Int64()
					}
					return true
				})
				if seq <= last[g] {
					t.Fatalf("goroutine %d: seq %d written after seq %d", g, seq, last[g])
				}
				last[g] = seq
			}
			if n, _ := b.held(); n != 0 || b.len() != 0 {
				t.Fatalf("after the last flush held %d, len %d", n, b.len())
			}
			if got := uint64(len(flushed)) + b.evictedCount(); got != goroutines*perG {
				t.Fatalf("flushed %d + evicted %d = %d, want %d", len(flushed), b.evictedCount(), got, goroutines*perG)
			}
			if tc.name == "roomy" && len(flushed) != goroutines*perG {
				t.Fatalf("flushed %d of %d with room for all", len(flushed), goroutines*perG)
			}
		})
	}
}

// drainSettledWithHook runs b.drainSettled and calls hook once, where the
// flush has taken the carry and drained no shard yet (the carry lock is
// free there and no shard lock is held, so a push's makeRoom can run).
func drainSettledWithHook(b *buffer, dst []entry, hook func()) []entry {
	called := false
	testHook = func(point string) {
		if point == "flush:took-carry" && !called {
			called = true
			hook()
		}
	}
	defer func() { testHook = nil }()
	return b.drainSettled(dst)
}

// TestFlushFindsARecordSetAsideWhileItDrains: a is the newest record
// (claimed early, stamped late) at the front of a full ring; a's goroutine
// then triggers. While the flush is between taking the carry and draining
// the shard, another push finds the ring full and makeRoom sets a aside in
// the carry. The flush must still write a, logged before its trigger.
func TestFlushFindsARecordSetAsideWhileItDrains(t *testing.T) {
	const capacity = 4
	b := newBuffer(capacity, DefaultMaxBytes, 1)
	sh := &b.shards[0]
	others := lateFront(t, b, sh)
	// a's goroutine logs its trigger: the flush looks at seq 16 (a).
	got := msgsOf(drainSettledWithHook(b, nil, func() {
		b.pushTo(sh, bufEntry("x"), nil) // ring full: makeRoom moves a to the carry
	}))
	want := []string{fmt.Sprint("m", others-2), fmt.Sprint("m", others-1), fmt.Sprint("m", others), "a"}
	if !slices.Equal(got, want) {
		t.Errorf("trigger flush wrote %q, want the window at its look %q", got, want)
	}
	if got := msgsOf(b.drainSettled(nil)); !slices.Equal(got, []string{"x"}) {
		t.Errorf("next flush wrote %q, want x", got)
	}
}

// TestDiscardRacingAPushKeepsItsRecord: Close discards the shared buffer
// while goroutines go on logging. A record stored in a shard already
// emptied (r) is older than one discarded from a shard emptied later (s);
// r is still buffered and in the window, so the next trigger writes it.
// This replays discard's steps, with the pushes between shard 0 and 1.
func TestDiscardRacingAPushKeepsItsRecord(t *testing.T) {
	b := newBuffer(100, DefaultMaxBytes, 2)
	b.pushTo(&b.shards[0], bufEntry("old0"), nil)
	b.pushTo(&b.shards[1], bufEntry("old1"), nil)
	b.settle()
	n := 0
	drop := func(sh *shard) {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		n += b.discardRing(sh, sh.ring.Load())
	}
	drop(&b.shards[0])
	b.pushTo(&b.shards[0], bufEntry("r"), nil) // G logs r (seq 3) after shard 0 was discarded
	b.pushTo(&b.shards[1], bufEntry("s"), nil) // seq 4, before shard 1 is discarded
	drop(&b.shards[1])
	// (the carry is empty) G then triggers.
	got := msgsOf(b.drainSettled(nil))
	if want := []string{"r"}; !slices.Equal(got, want) {
		t.Errorf("G's trigger after Close wrote %q, want %q: r is buffered and in the window (discarded %d, evicted %d)",
			got, want, n, b.evictedCount())
	}
}

// TestRunBeforeAGapIsTrimmedToTheWindow: with a record missing (a push
// stalled past the wait), the run a flush writes before the gap must be
// trimmed to the window as of its look, counting the missing record and
// those carried after it, which are newer.
func TestRunBeforeAGapIsTrimmedToTheWindow(t *testing.T) {
	b := newBuffer(3, DefaultMaxBytes, 2)
	b.shards[0].mu.Lock()                                            // lazy eviction: the pushes skip it, as when the lock is busy
	spread(b, 5, func(i int) int { return []int{0, 0, 0, 1, 0}[i] }) // seq 4 alone in shard 1
	b.shards[0].mu.Unlock()
	sh := &b.shards[1]
	stalled, _ := sh.ring.Load().TryPop() // seq 4 "not stored yet"
	sh.removed.Add(stalled.size)
	got := msgsOf(b.drainSettled(nil)) // looks at 5: the window is seq 3, 4, 5
	if want := []string{"m2"}; !slices.Equal(got, want) {
		t.Errorf("flush with seq 4 missing wrote %q, want %q (seq 1, 2 are out of the window at look 5)", got, want)
	}
}

// TestFlushAfterADiscardLeavesLaterRecords: after a discard (Close without
// FlushOnClose, or a pooled scope buffer) a flush may look before anything
// new is logged, and drain a record a racing push stamped after the look.
// Skipping the discarded seqs must not take that record into the run: it
// goes to the next flush.
func TestFlushAfterADiscardLeavesLaterRecords(t *testing.T) {
	b := newBuffer(100, DefaultMaxBytes, 1)
	spread(b, 3, func(int) int { return 0 }) // the old scope's records, seq 1..3
	if n := b.discard(); n != 3 {            // the scope ends: discarded = 3, done = 0
		t.Fatalf("discard() = %d", n)
	}
	// The new scope's trigger looks at 3; another goroutine of the same
	// request logs "late" (seq 4) before the flush drains the shard.
	got := msgsOf(drainSettledWithHook(b, nil, func() {
		b.pushTo(&b.shards[0], bufEntry("late"), nil)
	}))
	if len(got) != 0 {
		t.Logf("first flush wrote %q (stamped after its look)", got)
	}
	next := msgsOf(b.drainSettled(nil))
	if !slices.Contains(append(got, next...), "late") {
		t.Fatalf("late (the newest record, in the window) was never written: first flush %q, next flush %q; done=%d evicted=%d",
			got, next, b.done, b.evictedCount())
	}
}

// TestStatsDoesNotCountARecordBelowAnEviction: a record whose byte measure
// is hidden by overlapping stamps, but older than one already evicted, is
// out of the window; Stats must not count it as buffered.
func TestStatsDoesNotCountARecordBelowAnEviction(t *testing.T) {
	big := fmt.Sprint(make([]byte, 4000))
	s := bufEntry("m", "v", big).size
	b := newBuffer(100, 2*s, 2)
	x := bufEntry("m", "v", big)
	size := uint64(x.size)
	r0 := b.ringOf(&b.shards[0])
	// x takes start and seq 1, then is preempted before reading the total
	// again: y, w1, w2 are logged meanwhile and y (seq 2) is evicted.
	r0.TryPushFunc(func(dst *entry) {
		*dst = *x
		dst.start = b.total.Add(size) - size
		dst.seq = b.clock.Add(1)
		for range 3 {
			b.pushTo(&b.shards[1], bufEntry("m", "v", big), nil)
		}
		dst.nest = b.total.Load() - dst.start - size
	})
	if g := b.goneSeq(); g < 2 {
		t.Fatalf("gone = %d, want y (2) evicted", g)
	}
	held, _ := b.held()
	if held != 2 || b.bytes() > 2*s {
		t.Errorf("held() = %d, bytes() = %d with gone = %d: the window is w1, w2 (%d bytes); x (seq 1) is below gone",
			held, b.bytes(), b.goneSeq(), 2*s)
	}
	if got := len(b.drainSettled(nil)); got != 2 {
		t.Errorf("flush wrote %d", got)
	}
}
