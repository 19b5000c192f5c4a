package breach

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/ringbuf"
)

// entry is one buffered record with everything needed to write it later as
// if it had been written at log time. The ring holds entries by value, so
// buffering allocates nothing of its own.
type entry struct {
	rec slog.Record // cloned, LogValuers resolved

	// target is the target handler derived with exactly the attributes and
	// groups of the Handler that buffered the record. It is created once by
	// WithAttrs/WithGroup; storing it is copying an interface value.
	target slog.Handler

	// ctxAttrs and local are what the log call's context carried (see
	// slogx.NewContext). The slice is immutable, so keeping its header is
	// enough; the context itself is not kept alive.
	ctxAttrs []slog.Attr
	local    bool

	size int64 // approximate bytes, for MaxBytes
}

// Sizes used by the byte accounting. They describe what a buffered record
// keeps alive; they are estimates, not a measurement of the heap.
const (
	entrySize = int64(unsafe.Sizeof(entry{}))
	attrSize  = int64(unsafe.Sizeof(slog.Attr{}))
	// anySize is charged for a value of kind Any (an error, a struct): what
	// it points to cannot be measured cheaply.
	anySize = 16
	// recordFront is how many attributes a slog.Record stores inline; the
	// rest live in a separate slice that the record keeps alive.
	recordFront = 5
	// maxResolveDepth bounds the recursion into groups, so that a LogValuer
	// that returns itself inside a group cannot overflow the stack at log
	// time. Deeper values stay unresolved and the target resolves them.
	maxResolveDepth = 32
)

// buffer is one window of recent records: the shared one, or one scope's.
type buffer struct {
	ring *ringbuf.Ring[entry]

	capacity int64 // exact bound; the ring's own capacity may be larger
	maxBytes int64

	// state is the number of records in the buffer, counting pushes that
	// have reserved room but not yet stored their record, and their
	// approximate size in bytes, packed into one word so that a push pays a
	// single atomic operation for both (see oneRecord). Keeping the count at
	// or below capacity is what makes Capacity exact although the ring
	// rounds up to a power of two.
	state atomic.Uint64

	// evicted counts this buffer's evictions; it sits beside state, which
	// every push writes anyway, rather than on a line of its own.
	evicted atomic.Uint64

	// passUntil is the reading of the handler's clock (nanoseconds since
	// New) until which records pass straight through; 0 when not passing.
	passUntil atomic.Int64
}

// The layout of buffer.state: bytes in the low bytesBits bits, the record
// count above them. Neither field can go negative (every subtraction undoes
// an earlier addition), so they never borrow from each other; the caps on
// Capacity and MaxBytes keep them from overflowing.
const (
	bytesBits = 42
	bytesMask = 1<<bytesBits - 1
	oneRecord = 1 << bytesBits

	// maxBytesLimit caps MaxBytes and ScopeMaxBytes, and maxRecordSize the
	// size charged for one record, well inside bytesBits.
	maxBytesLimit = 1 << 40
	maxRecordSize = 1 << 32
)

func stateCount(s uint64) int64 { return int64(s >> bytesBits) }
func stateBytes(s uint64) int64 { return int64(s & bytesMask) }

// len returns the number of records held, counting pushes in progress.
func (b *buffer) len() int { return int(stateCount(b.state.Load())) }

// bytes returns the approximate size of the records held.
func (b *buffer) bytes() int64 { return stateBytes(b.state.Load()) }

func newBuffer(capacity int, maxBytes int64) *buffer {
	return &buffer{
		ring:     ringbuf.New[entry](capacity, ringbuf.RejectWhenFull),
		capacity: int64(capacity),
		maxBytes: maxBytes,
	}
}

// push stores e as the newest record, evicting the oldest records while the
// buffer is over its capacity or its byte bound. It never blocks on a lock;
// it yields only while another goroutine is halfway through a push or pop of
// the slot it needs.
func (b *buffer) push(e *entry) {
	s := b.state.Add(oneRecord + uint64(e.size)) // reserve room for e
	if stateCount(s) > b.capacity || stateBytes(s) > b.maxBytes {
		b.makeRoom(s)
	}
	// The count never exceeds capacity <= Cap, so the ring has room: TryPush
	// can only fail while a pop of the slot it needs is still in progress.
	for !b.ring.TryPush(*e) {
		runtime.Gosched()
	}
}

// makeRoom evicts for a push whose reservation left the buffer in state s,
// over a bound. The record being pushed is not in the ring yet, so it is
// never evicted here: the newest context is the one worth keeping.
func (b *buffer) makeRoom(s uint64) {
	// Over capacity: evict exactly one record, the room this push needs.
	// Several pushes may be over at once; each evicts one, so together they
	// make exactly the room they need, and none if a drain made it first.
	for stateCount(s) > b.capacity {
		if old, ok := b.ring.TryPop(); ok {
			s = b.evict(old)
			break
		}
		// The oldest record is still being stored or drained.
		runtime.Gosched()
		s = b.state.Load()
	}
	// Over the byte bound: evict the oldest until it holds. This is
	// approximate under concurrency, as the bound is.
	for stateBytes(s) > b.maxBytes {
		old, ok := b.ring.TryPop()
		if !ok {
			return // empty but for this push, or the oldest is in flight
		}
		s = b.evict(old)
	}
}

func (b *buffer) evict(old entry) uint64 {
	b.evicted.Add(1)
	return b.state.Add(-(oneRecord + uint64(old.size)))
}

// drain moves every ready record, oldest first, to the end of dst.
func (b *buffer) drain(dst []entry) []entry {
	n0 := len(dst)
	dst = b.ring.Drain(dst, 0)
	if n := len(dst) - n0; n > 0 {
		var size uint64
		for i := n0; i < len(dst); i++ {
			size += uint64(dst[i].size)
		}
		b.state.Add(-(uint64(n)*oneRecord + size))
	}
	return dst
}

// drainSettled is drain for a flush: it also waits for the records whose
// push had already claimed a place in the ring when it looked, so that a
// record logged before the trigger, by any goroutine, is in this flush even
// if another goroutine's push ahead of it was still being stored. (The ring
// hands out elements in order and stops at one not yet stored.) Records
// that arrive while it waits come along too; they are part of the lead-up.
//
// Such a push is a few instructions from done, but its goroutine may have
// been preempted or parked to assist the garbage collector, so the wait is
// a yield, then a sleep; it gives up after settleTimeout, leaving the late
// records to the next flush rather than blocking the caller longer.
func (b *buffer) drainSettled(dst []entry) []entry {
	dst = b.drain(dst)
	need := b.ring.Len() // claimed before now and not drained
	var deadline time.Time
	for got, idle := 0, 0; got < need; {
		n := len(dst)
		dst = b.drain(dst)
		if len(dst) > n {
			got += len(dst) - n
			idle, deadline = 0, time.Time{}
			continue
		}
		if b.ring.Len() == 0 {
			break // evicting pushes took what was left
		}
		idle++
		if idle <= settleSpins {
			runtime.Gosched()
			continue
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(settleTimeout)
		} else if now.After(deadline) {
			break
		}
		time.Sleep(min(time.Duration(idle-settleSpins)*time.Microsecond, time.Millisecond))
	}
	return dst
}

const (
	// settleSpins is how many times drainSettled yields before it sleeps.
	settleSpins = 64
	// settleTimeout bounds the sleeping part of drainSettled's wait.
	settleTimeout = time.Second
)

// discard drops every ready record and returns how many there were.
func (b *buffer) discard() int {
	n := 0
	for {
		old, ok := b.ring.TryPop()
		if !ok {
			return n
		}
		b.state.Add(-(oneRecord + uint64(old.size)))
		n++
	}
}

// capture fills e with a copy of r that is safe to keep: its LogValuers are
// resolved, so a flush shows the values as they were at log time and the
// caller may change its data afterwards. A record without LogValuers is
// copied as is, which for five attributes or fewer allocates nothing.
func (e *entry) capture(ctx context.Context, r slog.Record, target slog.Handler) {
	size := entrySize + int64(len(r.Message))
	resolve := false
	n := 0
	r.Attrs(func(a slog.Attr) bool {
		s, res := attrCost(a, 0)
		size += s
		resolve = resolve || res
		n++
		return true
	})
	if resolve {
		r = resolveRecord(r)
		size = recordSize(r)
	} else {
		r = r.Clone()
		if n > recordFront {
			size += int64(n-recordFront) * attrSize
		}
	}
	e.rec = r
	e.size = min(size, maxRecordSize)
	e.target = target
	e.ctxAttrs, e.local = ctxattrs.From(ctx)
}

// attrCost returns the approximate bytes a kept attribute holds beyond its
// slot, and whether it holds a LogValuer that must be resolved.
func attrCost(a slog.Attr, depth int) (size int64, resolve bool) {
	size = int64(len(a.Key))
	switch a.Value.Kind() {
	case slog.KindString:
		size += int64(len(a.Value.String()))
	case slog.KindAny:
		size += anySize
	case slog.KindLogValuer:
		// The local-only marker must reach the target unresolved: it is
		// how the target learns that the record stays on the host.
		resolve = !ctxattrs.IsLocalOnly(a)
	case slog.KindGroup:
		g := a.Value.Group()
		size += int64(len(g)) * attrSize
		if depth >= maxResolveDepth {
			return size, false
		}
		for _, ga := range g {
			s, res := attrCost(ga, depth+1)
			size += s
			resolve = resolve || res
		}
	}
	return size, resolve
}

func recordSize(r slog.Record) int64 {
	size := entrySize + int64(len(r.Message))
	n := 0
	r.Attrs(func(a slog.Attr) bool {
		s, _ := attrCost(a, 0)
		size += s
		n++
		return true
	})
	if n > recordFront {
		size += int64(n-recordFront) * attrSize
	}
	return size
}

// resolveRecord returns a copy of r whose attributes are resolved, at any
// depth of groups.
func resolveRecord(r slog.Record) slog.Record {
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	as := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		as = append(as, resolveAttr(a, 0))
		return true
	})
	nr.AddAttrs(as...)
	return nr
}

func resolveAttr(a slog.Attr, depth int) slog.Attr {
	if ctxattrs.IsLocalOnly(a) {
		return a
	}
	a.Value = a.Value.Resolve() // recovers a panicking LogValue into an error value
	if a.Value.Kind() != slog.KindGroup || depth >= maxResolveDepth {
		return a
	}
	g := a.Value.Group()
	needs := false
	for _, ga := range g {
		if _, res := attrCost(ga, depth+1); res {
			needs = true
			break
		}
	}
	if !needs {
		return a
	}
	ng := make([]slog.Attr, len(g))
	for i, ga := range g {
		ng[i] = resolveAttr(ga, depth+1)
	}
	a.Value = slog.GroupValue(ng...)
	return a
}
