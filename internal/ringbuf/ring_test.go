package ringbuf

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"weak"
)

func TestNewRoundsCapacity(t *testing.T) {
	for _, tt := range []struct{ in, want int }{
		{1, 2}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {63, 64}, {64, 64}, {65, 128}, {1000, 1024},
	} {
		for _, p := range []Policy{RejectWhenFull, EvictOldest} {
			r := New[int](tt.in, p)
			if got := r.Cap(); got != tt.want {
				t.Errorf("New(%d, %d).Cap() = %d, want %d", tt.in, p, got, tt.want)
			}
			// The rounded capacity is usable, not just reported.
			for i := range tt.want {
				if !r.TryPush(i) {
					t.Fatalf("New(%d, %d): TryPush #%d failed below Cap", tt.in, p, i)
				}
			}
			if r.TryPush(-1) {
				t.Fatalf("New(%d, %d): TryPush succeeded beyond Cap", tt.in, p)
			}
		}
	}
}

func TestNewPanicsOnBadArguments(t *testing.T) {
	for _, tt := range []struct {
		name     string
		capacity int
		policy   Policy
		want     string
	}{
		{"zero capacity", 0, RejectWhenFull, "capacity must be positive, got 0"},
		{"negative capacity", -3, EvictOldest, "capacity must be positive, got -3"},
		{"huge capacity", maxCapacity + 1, RejectWhenFull, "too large"},
		{"unknown policy", 8, Policy(2), "unknown policy 2"},
		{"negative policy", 8, Policy(-1), "unknown policy -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.HasPrefix(msg, "ringbuf: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %q, want one starting %q and containing %q", msg, "ringbuf: ", tt.want)
				}
			}()
			New[int](tt.capacity, tt.policy)
		})
	}
}

func TestFIFOAndLen(t *testing.T) {
	r := New[string](4, RejectWhenFull)
	if v, ok := r.TryPop(); ok || v != "" {
		t.Fatalf("TryPop on new ring = %q, %v; want \"\", false", v, ok)
	}
	for i, s := range []string{"a", "b", "c", "d"} {
		if r.Len() != i {
			t.Fatalf("Len = %d, want %d", r.Len(), i)
		}
		if !r.Push(s) {
			t.Fatalf("Push(%q) = false on a ring with room", s)
		}
	}
	if r.Len() != 4 {
		t.Fatalf("Len of full ring = %d, want 4", r.Len())
	}
	for i, want := range []string{"a", "b", "c", "d"} {
		v, ok := r.TryPop()
		if !ok || v != want {
			t.Fatalf("TryPop #%d = %q, %v; want %q, true", i, v, ok, want)
		}
	}
	if r.Len() != 0 {
		t.Fatalf("Len after popping everything = %d, want 0", r.Len())
	}
}

func TestRejectWhenFull(t *testing.T) {
	r := New[int](4, RejectWhenFull)
	for i := range 4 {
		r.Push(i)
	}
	if r.Push(4) {
		t.Error("Push on a full RejectWhenFull ring = true, want false")
	}
	if r.TryPush(4) {
		t.Error("TryPush on a full ring = true, want false")
	}
	if got := r.Drain(nil, 0); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("contents after rejected pushes = %v, want [0 1 2 3]", got)
	}
}

func TestEvictOldest(t *testing.T) {
	r := New[int](4, EvictOldest)
	for i := range 4 {
		r.Push(i)
	}
	if r.TryPush(99) {
		t.Error("TryPush on a full EvictOldest ring = true, want false: TryPush never evicts")
	}
	if !r.Push(4) || !r.Push(5) {
		t.Error("Push on a full EvictOldest ring = false, want true")
	}
	if r.Len() != 4 {
		t.Errorf("Len = %d, want 4", r.Len())
	}
	if got := r.Drain(nil, 0); !slices.Equal(got, []int{2, 3, 4, 5}) {
		t.Errorf("contents = %v, want the newest four [2 3 4 5]", got)
	}
}

func TestPushEvictReturnsOldest(t *testing.T) {
	// PushEvict evicts whatever the policy: the policy only steers Push.
	for _, p := range []Policy{RejectWhenFull, EvictOldest} {
		r := New[int](4, p)
		for i := range 4 {
			if ev, ok := r.PushEvict(i); ok {
				t.Fatalf("policy %d: PushEvict(%d) with room evicted %d", p, i, ev)
			}
		}
		for i := 4; i < 10; i++ {
			ev, ok := r.PushEvict(i)
			if !ok || ev != i-4 {
				t.Fatalf("policy %d: PushEvict(%d) = %d, %v; want %d, true", p, i, ev, ok, i-4)
			}
		}
		r.TryPop() // 6
		if ev, ok := r.PushEvict(10); ok {
			t.Fatalf("policy %d: PushEvict after a pop evicted %d", p, ev)
		}
		if got := r.Drain(nil, 0); !slices.Equal(got, []int{7, 8, 9, 10}) {
			t.Errorf("policy %d: contents = %v, want [7 8 9 10]", p, got)
		}
	}
}

func TestDrain(t *testing.T) {
	r := New[int](8, RejectWhenFull)
	if got := r.Drain(nil, 0); got != nil {
		t.Errorf("Drain of an empty ring into nil = %v, want nil", got)
	}
	prefix := []int{-1}
	if got := r.Drain(prefix, 5); !slices.Equal(got, prefix) {
		t.Errorf("Drain of an empty ring = %v, want dst unchanged", got)
	}
	for i := range 6 {
		r.Push(i)
	}
	got := r.Drain(prefix, 2)
	if !slices.Equal(got, []int{-1, 0, 1}) {
		t.Fatalf("Drain(max=2) = %v, want [-1 0 1]", got)
	}
	if r.Len() != 4 {
		t.Fatalf("Len after draining 2 of 6 = %d, want 4", r.Len())
	}
	got = r.Drain(got[:0], 100) // max beyond what is there: everything there
	if !slices.Equal(got, []int{2, 3, 4, 5}) {
		t.Fatalf("Drain(max=100) = %v, want [2 3 4 5]", got)
	}
	for i := range 8 {
		r.Push(10 + i)
	}
	got = r.Drain(nil, -1) // max <= 0: everything, across the wrap point
	if !slices.Equal(got, []int{10, 11, 12, 13, 14, 15, 16, 17}) {
		t.Fatalf("Drain(max=-1) = %v, want [10 ... 17]", got)
	}
	if r.Len() != 0 {
		t.Fatalf("Len after draining all = %d, want 0", r.Len())
	}
}

// TestDrainStopsAtUnpublished checks that Drain never hands out a slot whose
// producer has claimed it but not yet stored the element, the state a
// preempted producer leaves behind.
func TestDrainStopsAtUnpublished(t *testing.T) {
	r := New[int](4, RejectWhenFull)
	r.Push(1)
	r.tail.Add(1) // a producer claimed position 1 and was preempted
	c := &r.cells[1]
	if got := r.Drain(nil, 0); !slices.Equal(got, []int{1}) {
		t.Fatalf("Drain = %v, want [1]: it must stop before the unpublished slot", got)
	}
	if _, ok := r.TryPop(); ok {
		t.Fatal("TryPop returned an unpublished slot")
	}
	if ev, ok := r.PushEvict(2); ok {
		t.Fatalf("PushEvict evicted %d from a ring with room", ev)
	}
	c.val = 7 // the producer resumes and publishes
	c.seq.Store(2)
	if got := r.Drain(nil, 0); !slices.Equal(got, []int{7, 2}) {
		t.Fatalf("Drain after publishing = %v, want [7 2]", got)
	}
}

// TestAgainstModel runs a long random sequence of operations on small rings,
// wrapping many times, and compares every result with a plain slice queue.
// Single-goroutine, so Len must be exact.
func TestAgainstModel(t *testing.T) {
	for _, capacity := range []int{2, 4, 8} {
		for _, p := range []Policy{RejectWhenFull, EvictOldest} {
			t.Run(fmt.Sprintf("cap=%d/policy=%d", capacity, p), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(capacity), uint64(p)))
				r := New[int](capacity, p)
				var model []int
				next := 0
				for step := range 50_000 {
					switch op := rng.IntN(5); op {
					case 0: // Push
						ok := r.Push(next)
						want := true
						switch {
						case len(model) < capacity:
							model = append(model, next)
						case p == EvictOldest:
							model = append(model[1:], next)
						default:
							want = false
						}
						if ok != want {
							t.Fatalf("step %d: Push = %v, want %v", step, ok, want)
						}
					case 1: // TryPush
						ok := r.TryPush(next)
						want := len(model) < capacity
						if want {
							model = append(model, next)
						}
						if ok != want {
							t.Fatalf("step %d: TryPush = %v, want %v", step, ok, want)
						}
					case 2: // PushEvict
						ev, ok := r.PushEvict(next)
						if len(model) == capacity {
							if !ok || ev != model[0] {
								t.Fatalf("step %d: PushEvict = %d, %v; want %d, true", step, ev, ok, model[0])
							}
							model = model[1:]
						} else if ok {
							t.Fatalf("step %d: PushEvict evicted %d with room", step, ev)
						}
						model = append(model, next)
					case 3: // TryPop
						v, ok := r.TryPop()
						if len(model) == 0 {
							if ok {
								t.Fatalf("step %d: TryPop on empty = %d, true", step, v)
							}
						} else {
							if !ok || v != model[0] {
								t.Fatalf("step %d: TryPop = %d, %v; want %d, true", step, v, ok, model[0])
							}
							model = model[1:]
						}
					case 4: // Drain
						limit := rng.IntN(capacity+2) - 1
						got := r.Drain(nil, limit)
						n := len(model)
						if limit > 0 {
							n = min(n, limit)
						}
						if !slices.Equal(got, model[:n]) {
							t.Fatalf("step %d: Drain(max=%d) = %v, want %v", step, limit, got, model[:n])
						}
						model = model[n:]
					}
					next++
					if r.Len() != len(model) {
						t.Fatalf("step %d: Len = %d, want %d", step, r.Len(), len(model))
					}
				}
				if next/capacity < 1000 {
					t.Fatalf("only %d laps; the test should wrap many times", next/capacity)
				}
			})
		}
	}
}

// TestSlotsAreZeroed inspects the slots after each way an element can leave
// the ring: only positions in [head, tail) may hold a value.
func TestSlotsAreZeroed(t *testing.T) {
	check := func(t *testing.T, r *Ring[*int], when string) {
		t.Helper()
		head, tail := r.head.Load(), r.tail.Load()
		for pos := tail - uint64(r.Cap()); pos != tail; pos++ {
			live := pos >= head
			if held := r.cells[pos&r.mask].val != nil; held != live {
				t.Fatalf("after %s: slot of position %d holds a value = %v, want %v", when, pos, held, live)
			}
		}
	}
	r := New[*int](4, EvictOldest)
	for i := range 4 {
		r.Push(new(i))
	}
	check(t, r, "filling")
	r.TryPop()
	check(t, r, "TryPop")
	r.Drain(nil, 2)
	check(t, r, "Drain")
	r.Push(new(4))
	r.Push(new(5))
	r.Push(new(6)) // evicts
	check(t, r, "Push evicting")
	r.PushEvict(new(7))
	check(t, r, "PushEvict")
	r.Drain(nil, 0)
	check(t, r, "draining all")
}

// TestDoesNotRetain is the user-visible side of zeroing: once an element has
// left the ring, the ring does not keep it alive.
func TestDoesNotRetain(t *testing.T) {
	// Big enough to get its own allocation rather than share a tiny block.
	type payload struct{ _ [1 << 10]byte }
	for _, tt := range []struct {
		name   string
		remove func(r *Ring[*payload])
	}{
		{"TryPop", func(r *Ring[*payload]) { r.TryPop() }},
		{"Drain", func(r *Ring[*payload]) { r.Drain(nil, 1) }},
		{"PushEvict", func(r *Ring[*payload]) { r.PushEvict(&payload{}) }},
		{"Push evicting", func(r *Ring[*payload]) { r.Push(&payload{}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := New[*payload](2, EvictOldest)
			wp := func() weak.Pointer[payload] {
				p := &payload{}
				r.Push(p)
				return weak.Make(p)
			}()
			r.Push(&payload{}) // fill, so that the evicting cases evict p
			tt.remove(r)
			runtime.GC()
			if wp.Value() != nil {
				t.Fatal("element still reachable after it left the ring")
			}
			runtime.KeepAlive(r)
		})
	}
}

// item tags a value with its producer and that producer's sequence number,
// so that consumers can check loss, duplication and per-producer order.
type item struct {
	producer int
	seq      int
}

// orderChecker checks, for one consumer, that each producer's sequence
// numbers strictly increase.
type orderChecker struct{ last []int }

func newOrderChecker(producers int) *orderChecker {
	c := &orderChecker{last: make([]int, producers)}
	for i := range c.last {
		c.last[i] = -1
	}
	return c
}

func (c *orderChecker) see(v item) error {
	if v.seq <= c.last[v.producer] {
		return fmt.Errorf("producer %d: seq %d after %d", v.producer, v.seq, c.last[v.producer])
	}
	c.last[v.producer] = v.seq
	return nil
}

// checkExactlyOnce checks that the collected items are exactly the
// producers × perProducer items pushed, each once.
func checkExactlyOnce(t *testing.T, collected [][]item, producers, perProducer int) {
	t.Helper()
	seen := make([][]int, producers)
	for p := range seen {
		seen[p] = make([]int, perProducer)
	}
	total := 0
	for _, items := range collected {
		for _, v := range items {
			if v.producer < 0 || v.producer >= producers || v.seq < 0 || v.seq >= perProducer {
				t.Fatalf("item %+v was never pushed", v)
			}
			seen[v.producer][v.seq]++
			total++
		}
	}
	for p := range seen {
		for s, n := range seen[p] {
			if n != 1 {
				t.Fatalf("item {producer %d seq %d} came out %d times, want 1", p, s, n)
			}
		}
	}
	if total != producers*perProducer {
		t.Fatalf("got %d items, want %d", total, producers*perProducer)
	}
}

func TestConcurrentRejectWhenFull(t *testing.T) {
	const producers, perProducer = 8, 20_000
	for _, consumers := range []int{1, 8} {
		t.Run(fmt.Sprintf("producers=%d/consumers=%d", producers, consumers), func(t *testing.T) {
			r := New[item](64, RejectWhenFull)
			var wg sync.WaitGroup
			for p := range producers {
				wg.Go(func() {
					for s := 0; s < perProducer; {
						if r.Push(item{p, s}) {
							s++
						} else {
							runtime.Gosched() // full: let a consumer run
						}
					}
				})
			}
			var consumed atomic.Int64
			collected := make([][]item, consumers)
			errs := make([]error, consumers)
			for c := range consumers {
				// Half the consumers pop one at a time, half drain in
				// batches, so both paths race each other and the producers.
				useDrain := c%2 == 1
				wg.Go(func() {
					order := newOrderChecker(producers)
					var batch []item
					for consumed.Load() < producers*perProducer {
						if useDrain {
							batch = r.Drain(batch[:0], 5)
						} else if v, ok := r.TryPop(); ok {
							batch = append(batch[:0], v)
						} else {
							batch = batch[:0]
						}
						if len(batch) == 0 {
							runtime.Gosched()
							continue
						}
						consumed.Add(int64(len(batch)))
						for _, v := range batch {
							if err := order.see(v); err != nil && errs[c] == nil {
								errs[c] = err
							}
						}
						collected[c] = append(collected[c], batch...)
					}
				})
			}
			wg.Wait()
			for c, err := range errs {
				if err != nil {
					t.Errorf("consumer %d saw a producer's items out of order: %v", c, err)
				}
			}
			checkExactlyOnce(t, collected, producers, perProducer)
			if r.Len() != 0 {
				t.Errorf("Len after everything was consumed = %d, want 0", r.Len())
			}
		})
	}
}

func TestConcurrentEvictOldest(t *testing.T) {
	const producers, perProducer = 8, 20_000
	// With no consumers every push past the first 64 evicts, so producers
	// contend with each other on head as well as tail.
	for _, consumers := range []int{0, 2, 8} {
		t.Run(fmt.Sprintf("producers=%d/consumers=%d", producers, consumers), func(t *testing.T) {
			r := New[item](64, EvictOldest)
			var producersDone atomic.Bool
			var producing, consuming sync.WaitGroup
			// Slots 0..producers-1 hold what each producer evicted, the
			// rest what each consumer popped.
			collected := make([][]item, producers+consumers)
			errs := make([]error, producers+consumers)
			for p := range producers {
				producing.Go(func() {
					// An evicting producer consumes too: the elements it
					// evicts must also keep each producer's order.
					order := newOrderChecker(producers)
					for s := range perProducer {
						ev, ok := r.PushEvict(item{p, s})
						if !ok {
							continue
						}
						if err := order.see(ev); err != nil && errs[p] == nil {
							errs[p] = err
						}
						collected[p] = append(collected[p], ev)
					}
				})
			}
			for c := producers; c < producers+consumers; c++ {
				consuming.Go(func() {
					order := newOrderChecker(producers)
					var batch []item
					for !producersDone.Load() {
						if n := r.Len(); n < 0 || n > r.Cap() {
							errs[c] = fmt.Errorf("Len = %d outside [0, %d]", n, r.Cap())
						}
						if batch = r.Drain(batch[:0], 7); len(batch) == 0 {
							runtime.Gosched()
							continue
						}
						for _, v := range batch {
							if err := order.see(v); err != nil && errs[c] == nil {
								errs[c] = err
							}
						}
						collected[c] = append(collected[c], batch...)
					}
				})
			}
			producing.Wait()
			producersDone.Store(true)
			consuming.Wait()

			rest := r.Drain(nil, 0)
			if consumers == 0 && len(rest) != r.Cap() {
				t.Errorf("ring holds %d items after the producers finished, want it full (%d)", len(rest), r.Cap())
			}
			order := newOrderChecker(producers)
			for _, v := range rest {
				if err := order.see(v); err != nil {
					t.Errorf("remaining items out of order: %v", err)
					break
				}
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("goroutine %d: %v", i, err)
				}
			}
			checkExactlyOnce(t, append(collected, rest), producers, perProducer)
		})
	}
}

func TestTryPushFunc(t *testing.T) {
	r := New[[2]int](4, RejectWhenFull)
	for i := range 4 {
		if !r.TryPushFunc(func(v *[2]int) { v[0], v[1] = i, i*10 }) {
			t.Fatalf("TryPushFunc #%d failed below Cap", i)
		}
	}
	called := false
	if r.TryPushFunc(func(*[2]int) { called = true }) {
		t.Fatal("TryPushFunc succeeded on a full ring")
	}
	if called {
		t.Fatal("TryPushFunc called fill on a full ring")
	}
	got := r.Drain(nil, 0)
	want := [][2]int{{0, 0}, {1, 10}, {2, 20}, {3, 30}}
	if !slices.Equal(got, want) {
		t.Fatalf("drained %v, want %v", got, want)
	}
}

// TestTryPushFuncStampsArePrefix checks the property TryPushFunc documents:
// when producers stamp elements inside fill from one counter, a single
// consumer that drains what was claimed when it looked has, by then, seen
// every stamp handed out before it looked.
func TestTryPushFuncStampsArePrefix(t *testing.T) {
	const producers, perProducer = 4, 20_000
	r := New[uint64](256, RejectWhenFull)
	var stamp atomic.Uint64
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for n := 0; n < perProducer; {
				if r.TryPushFunc(func(v *uint64) { *v = stamp.Add(1) }) {
					n++
				} else {
					runtime.Gosched()
				}
			}
		})
	}
	seen := make([]bool, producers*perProducer+1)
	var batch []uint64
	total := 0
	missing := uint64(0) // the first stamp found missing; the consumer goes on so producers finish
	for total < producers*perProducer {
		before := stamp.Load()
		need := r.Len() // claimed and not consumed: we are the only consumer
		for got := 0; got < need; {
			batch = r.Drain(batch[:0], 0)
			if len(batch) == 0 {
				runtime.Gosched()
			}
			for _, s := range batch {
				seen[s] = true
			}
			got += len(batch)
			total += len(batch)
		}
		for s := uint64(1); s <= before && missing == 0; s++ {
			if !seen[s] {
				missing = s
			}
		}
	}
	wg.Wait()
	if missing != 0 {
		t.Fatalf("stamp %d was handed out before the consumer looked, but was not among what it drained", missing)
	}
}

func TestPeekAndDiscard(t *testing.T) {
	r := New[*int](4, RejectWhenFull)
	if _, ok := r.Peek(); ok {
		t.Fatal("Peek on an empty ring reported an element")
	}
	if r.Discard() {
		t.Fatal("Discard on an empty ring reported an element")
	}
	for i := range 3 {
		r.TryPush(new(i))
	}
	p, ok := r.Peek()
	if !ok || **p != 0 {
		t.Fatalf("Peek = %v, %v, want the oldest element 0", p, ok)
	}
	if r.Len() != 3 {
		t.Fatalf("Len after Peek = %d, want 3: Peek must not remove", r.Len())
	}
	if !r.Discard() {
		t.Fatal("Discard reported no element")
	}
	if p, ok := r.Peek(); !ok || **p != 1 {
		t.Fatalf("Peek after Discard = %v, %v, want 1", p, ok)
	}
	// The discarded slot no longer holds its element.
	if head := r.head.Load(); r.cells[(head-1)&r.mask].val != nil {
		t.Fatal("Discard left the element in its slot")
	}
	if v, ok := r.TryPop(); !ok || *v != 1 {
		t.Fatalf("TryPop after Discard = %v, %v, want 1", v, ok)
	}
	if r.Len() != 1 {
		t.Fatalf("Len = %d, want 1", r.Len())
	}
}
