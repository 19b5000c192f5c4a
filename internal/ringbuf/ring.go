package ringbuf

import (
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync/atomic"
)

// Policy decides what [Ring.Push] does when the ring is full.
type Policy int

const (
	// RejectWhenFull makes [Ring.Push] return false when the ring is full. Sinks
	// use it: the logging goroutine learns at once that the record did not fit
	// and counts the drop; nothing blocks.
	RejectWhenFull Policy = iota

	// EvictOldest makes [Ring.Push] remove the oldest element to make room, so
	// Push always succeeds: the newest element wins.
	EvictOldest
)

// cacheLinePad is the distance kept between fields that different goroutines
// write. It is 128 rather than 64 bytes because amd64's spatial prefetcher
// pulls lines in pairs and several arm64 cores have 128-byte lines; the cost
// is a few hundred bytes per ring.
const cacheLinePad = 128

// maxCapacity keeps the rounding in [New] from overflowing int.
const maxCapacity = 1 << (bits.UintSize - 2)

// cell is one slot. Its seq says whose turn it is, relative to a position pos
// that maps to this cell (pos & mask):
//
//   - seq == pos: free, waiting for the producer of pos;
//   - seq == pos+1: holds the element of pos, waiting for its consumer;
//   - the consumer hands the cell to the producer of pos+cap by storing
//     seq = pos+cap.
//
// Storing seq is what publishes or releases val, so val is only ever touched
// by the one goroutine whose turn it is.
type cell[T any] struct {
	seq atomic.Uint64
	val T
}

// Ring is a bounded multi-producer multi-consumer FIFO queue. Any number of
// goroutines may call any of its methods at the same time. Create one with
// [New]; the zero value is not usable.
type Ring[T any] struct {
	// Read-only after New, read by everyone: kept away from head and tail so
	// that their writes do not evict it from other cores' caches.
	cells  []cell[T]
	mask   uint64
	policy Policy

	_    [cacheLinePad]byte
	head atomic.Uint64 // next position to consume; written by consumers and evicting producers
	_    [cacheLinePad - 8]byte
	tail atomic.Uint64 // next position to produce; written by producers
	_    [cacheLinePad - 8]byte
}

// New returns an empty ring that holds at least capacity elements and applies
// policy when [Ring.Push] finds it full.
//
// The capacity is rounded up to a power of two, and to at least 2, because
// positions map to slots by masking and the slot protocol needs two distinct
// turns per lap; [Ring.Cap] reports the real capacity. New panics if capacity
// is not positive or policy is not one of the declared constants: callers
// validate their options before building a ring, so a bad value here is a
// programming error.
func New[T any](capacity int, policy Policy) *Ring[T] {
	if capacity <= 0 {
		panic(fmt.Sprintf("ringbuf: capacity must be positive, got %d", capacity))
	}
	if capacity > maxCapacity {
		panic(fmt.Sprintf("ringbuf: capacity %d is too large", capacity))
	}
	if policy != RejectWhenFull && policy != EvictOldest {
		panic(fmt.Sprintf("ringbuf: unknown policy %d", int(policy)))
	}
	n := max(2, 1<<bits.Len(uint(capacity-1)))
	r := &Ring[T]{cells: make([]cell[T], n), mask: uint64(n - 1), policy: policy}
	for i := range r.cells {
		r.cells[i].seq.Store(uint64(i))
	}
	return r
}

// Cap returns the number of elements the ring holds when full: the capacity
// given to [New], rounded up to a power of two.
func (r *Ring[T]) Cap() int { return len(r.cells) }

// Len returns the number of elements in the ring. While other goroutines push
// and pop it is a snapshot that may already be stale, and it counts elements
// whose push or pop is still in progress; it is always between 0 and [Ring.Cap].
// When no operation is in progress it is exact.
func (r *Ring[T]) Len() int {
	// Head first: tail only grows, so tail loaded later is never behind it.
	head := r.head.Load()
	tail := r.tail.Load()
	return int(min(tail-head, uint64(len(r.cells))))
}

// Push adds v at the tail according to the ring's [Policy]. With
// [RejectWhenFull] it returns false, and leaves the ring unchanged, when the
// ring is full. With [EvictOldest] it always returns true, removing the oldest
// element if needed; use [Ring.PushEvict] to learn which element that was.
func (r *Ring[T]) Push(v T) bool {
	if r.policy == EvictOldest {
		r.PushEvict(v)
		return true
	}
	return r.TryPush(v)
}

// TryPush adds v at the tail if there is room and reports whether it did. It
// never evicts, whatever the ring's policy.
//
// A slot that a consumer has claimed but not yet released still counts as
// full, so TryPush may fail for the short time a concurrent pop is in
// progress.
func (r *Ring[T]) TryPush(v T) bool {
	c, pos, ok := r.claimTail()
	if !ok {
		return false
	}
	c.val = v
	c.seq.Store(pos + 1) // publish
	return true
}

// claimTail claims the slot at the tail for its producer and returns it
// with its position, or reports false when the ring is full. The caller
// writes the element and publishes it by storing seq = pos+1.
func (r *Ring[T]) claimTail() (c *cell[T], pos uint64, ok bool) {
	for {
		pos = r.tail.Load()
		c = &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				return c, pos, true
			}
		case d < 0:
			// The slot still belongs to the element one lap behind.
			return nil, 0, false
		}
		// Another producer took pos first: try the next position.
	}
}

// TryPushFunc is TryPush for an element that fill writes in place: it
// claims the slot at the tail, calls fill with a pointer to it and then
// publishes it. Whatever fill does therefore happens after every push that
// claimed an earlier slot has claimed it, which lets a caller stamp the
// element with a sequence number taken inside fill: a consumer that has seen
// a slot claimed knows its element's stamp is not older than any stamp
// already handed out when it looked.
//
// The slot is in flight while fill runs; consumers wait for it, so fill must
// be short and must not panic. It returns false, without calling fill, when
// the ring is full.
func (r *Ring[T]) TryPushFunc(fill func(*T)) bool {
	c, pos, ok := r.claimTail()
	if !ok {
		return false
	}
	fill(&c.val)
	c.seq.Store(pos + 1) // publish
	return true
}

// PushEvict adds v at the tail. If the ring is full it removes the oldest
// element to make room and returns it with ok true, so the caller can account
// for it (its size, a drop counter); otherwise it returns the zero value and
// false. Every element ever pushed is either popped, drained or returned here
// exactly once.
//
// Eviction replaces the oldest element in place: when the ring is full the
// slot at the tail is the slot of the oldest element, so the producer claims
// that element as a consumer would and reuses the slot in the same step.
// Evicting and storing are therefore one operation; no other producer can take
// the room that was just made. If the oldest element is still being written by
// its producer, or is being popped, PushEvict yields and retries.
func (r *Ring[T]) PushEvict(v T) (evicted T, ok bool) {
	size := uint64(len(r.cells))
	for {
		pos := r.tail.Load()
		c := &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - pos); {
		case d == 0:
			if r.tail.CompareAndSwap(pos, pos+1) {
				c.val = v
				c.seq.Store(pos + 1)
				return evicted, false
			}
			continue
		case d > 0:
			continue // another producer took pos
		case seq == pos-size+1:
			// Full: the slot holds the published, unconsumed element of
			// pos-size, the oldest one (head can never lag tail by more than
			// size). Claim it exactly as a consumer would.
			if r.head.CompareAndSwap(pos-size, pos-size+1) {
				// The slot is ours and its seq is not pos, so no producer can
				// claim pos: tail stays pos until we move it.
				evicted = c.val
				c.val = v
				r.tail.Store(pos + 1)
				c.seq.Store(pos + 1)
				return evicted, true
			}
		}
		// The oldest element's producer has not published it yet, or a
		// consumer is popping it. Either finishes without our help; yield
		// so that it can, even on one P.
		runtime.Gosched()
	}
}

// TryPop removes and returns the oldest element, or reports false if there is
// none ready.
//
// An element whose push is still in progress is not ready, and because the
// order is FIFO nothing behind it is either: TryPop may report empty for the
// short time a concurrent push is in progress.
func (r *Ring[T]) TryPop() (v T, ok bool) {
	for {
		pos := r.head.Load()
		c := &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - (pos + 1)); {
		case d == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				return r.release(c, pos), true
			}
		case d < 0:
			return v, false
		}
		// Another consumer took pos first: try the next position.
	}
}

// Peek returns a pointer to the oldest element, or false if there is none
// ready. It is for a ring with a single consumer at a time, such as one whose
// consumers hold a lock: the element stays in the ring, and the pointer is
// valid only until the caller itself pops, discards or drains it. With
// concurrent consumers the element could be taken and its slot refilled
// while the caller reads it.
func (r *Ring[T]) Peek() (*T, bool) {
	pos := r.head.Load()
	c := &r.cells[pos&r.mask]
	if c.seq.Load() != pos+1 {
		return nil, false
	}
	return &c.val, true
}

// Discard removes the oldest element without copying it out and reports
// whether there was one ready. It is TryPop for a caller that has no use for
// the element, typically after looking at it with [Ring.Peek].
func (r *Ring[T]) Discard() bool {
	for {
		pos := r.head.Load()
		c := &r.cells[pos&r.mask]
		seq := c.seq.Load()
		switch d := int64(seq - (pos + 1)); {
		case d == 0:
			if r.head.CompareAndSwap(pos, pos+1) {
				var zero T
				c.val = zero
				c.seq.Store(pos + uint64(len(r.cells)))
				return true
			}
		case d < 0:
			return false
		}
	}
}

// Drain removes up to max elements, oldest first, appends them to dst and
// returns the extended slice. If max <= 0 it removes everything ready, up to
// [Ring.Cap] elements, so a consumer racing busy producers still returns.
//
// Drain claims a run of ready elements with one compare-and-swap rather than
// one per element, which is what makes it cheaper than a loop of
// [Ring.TryPop]. Like TryPop it stops at an element whose push is in progress.
func (r *Ring[T]) Drain(dst []T, max int) []T {
	if max <= 0 {
		max = len(r.cells)
	}
	for n := 0; n < max; {
		first, k := r.claim(min(max-n, len(r.cells)))
		if k == 0 {
			break
		}
		dst = slices.Grow(dst, k)
		for pos := first; pos < first+uint64(k); pos++ {
			dst = append(dst, r.release(&r.cells[pos&r.mask], pos))
		}
		n += k
	}
	return dst
}

// claim moves head past a run of up to limit published elements and returns
// the run's first position and length; the caller then owns those slots. It
// returns k == 0 when the oldest element is not ready.
func (r *Ring[T]) claim(limit int) (first uint64, k int) {
	for {
		pos := r.head.Load()
		seq := r.cells[pos&r.mask].seq.Load()
		if d := int64(seq - (pos + 1)); d < 0 {
			return pos, 0
		} else if d > 0 {
			continue // another consumer took pos
		}
		n := uint64(1)
		for n < uint64(limit) && r.cells[(pos+n)&r.mask].seq.Load() == pos+n+1 {
			n++
		}
		// If any of these slots was consumed (and even refilled) since we
		// looked, head has moved past pos and this fails: head never
		// repeats a value, so there is no ABA.
		if r.head.CompareAndSwap(pos, pos+n) {
			return pos, int(n)
		}
	}
}

// release takes the element out of a claimed slot at position pos and hands
// the slot to the producer one lap ahead. The slot is zeroed first so that
// the ring does not keep the element, and whatever it points to, alive.
func (r *Ring[T]) release(c *cell[T], pos uint64) T {
	v := c.val
	var zero T
	c.val = zero
	c.seq.Store(pos + uint64(len(r.cells)))
	return v
}
