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

	// count is the number of records in the ring plus the pushes that have
	// reserved room but not yet stored their record. Keeping it at or below
	// capacity is what makes Capacity exact although the ring rounds up to a
	// power of two. bytes is the approximate size of the same records.
	count atomic.Int64
	bytes atomic.Int64

	// passUntil is the reading of the handler's clock (nanoseconds since
	// New) until which records pass straight through; 0 when not passing.
	passUntil atomic.Int64
}

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
func (b *buffer) push(e *entry, st *counters) {
	if b.count.Add(1) > b.capacity {
		// Full: take over the place of the oldest record. Several pushes may
		// be over at once; each evicts one, so together they make exactly
		// the room they need.
		for b.count.Load() > b.capacity {
			if old, ok := b.ring.TryPop(); ok {
				b.bytes.Add(-old.size)
				b.count.Add(-1)
				st.evicted.Add(1)
				break
			}
			// The oldest record is still being stored or drained.
			runtime.Gosched()
		}
	}
	if b.bytes.Add(e.size) > b.maxBytes {
		b.shrink(st)
	}
	// count never exceeds capacity <= Cap, so the ring has room: TryPush can
	// only fail while a pop of the slot it needs is still in progress.
	for !b.ring.TryPush(*e) {
		runtime.Gosched()
	}
}

// shrink evicts the oldest records until the byte bound holds again. The
// record being pushed is not in the ring yet, so it is never evicted here:
// the newest context is the one worth keeping.
func (b *buffer) shrink(st *counters) {
	for b.bytes.Load() > b.maxBytes {
		old, ok := b.ring.TryPop()
		if !ok {
			return // empty, or the oldest is in flight: the bound is approximate
		}
		b.bytes.Add(-old.size)
		b.count.Add(-1)
		st.evicted.Add(1)
	}
}

// drain moves every ready record, oldest first, to the end of dst.
func (b *buffer) drain(dst []entry) []entry {
	n0 := len(dst)
	dst = b.ring.Drain(dst, 0)
	var size int64
	for i := n0; i < len(dst); i++ {
		size += dst[i].size
	}
	b.bytes.Add(-size)
	b.count.Add(-int64(len(dst) - n0))
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
		b.bytes.Add(-old.size)
		b.count.Add(-1)
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
	e.size = size
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
