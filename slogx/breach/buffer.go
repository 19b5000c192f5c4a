package breach

import (
	"cmp"
	"context"
	"log/slog"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/ringbuf"
)

// entry is one buffered record with everything needed to write it later as
// if it had been written at log time. The rings hold entries by value, so
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

	// seq is the record's place in log order: the buffer's clock after its
	// push. start is the buffer's byte total before its push, and nest the
	// bytes other pushes added to the total while it took both stamps.
	// They are stamped when the record is stored (see buffer.pushTo).
	seq   uint64
	start uint64
	nest  uint64
}

// The limits that keep the byte and record counts far from overflowing.
const (
	// maxBytesLimit caps MaxBytes and ScopeMaxBytes, and maxRecordSize the
	// size charged for one record.
	maxBytesLimit = 1 << 40
	maxRecordSize = 1 << 32
)

// testHook, if set by a test, runs at named points of pushes, flushes,
// settles and discards, where the calling goroutine holds no lock, so that
// the test can pause it there and interleave it with others (see
// sched_test.go). It is nil otherwise: each point costs a nil check.
var testHook func(point string)

// buffer is one window of recent records: the shared one, or one scope's.
//
// The window is defined by log order, not by where records are stored: a
// record is in it while fewer than capacity records were logged after it,
// and the bytes of the records from it to the newest are at most maxBytes
// (the newest record is always in it). Records that fall out of the window
// are evicted. Every record is stamped, as it is stored, with its place in
// log order (seq) from the clock counter and its byte offset (start) from
// the total counter; those two words are all that concurrent pushes write
// in common.
//
// The records themselves are stored in shards, one ring each. The shared
// buffer has a shard per P, up to maxShards, and a push stores into the
// shard of the P it runs on: goroutines logging at the same time on
// different cores write to different memory, which on the same ring would
// bounce every slot and both ring indexes between their caches. A push
// that finds its shard's ring full of records in the window stores into
// the next shard, and its P uses that one from then on, so that the rings
// need hold only about two windows between them (shardRing). A scope's
// buffer, written by one request, has one shard.
//
// Eviction is lazy. After storing a record a push evicts the oldest records
// of its own shard that have fallen out of the window; every sweepEvery-th
// push does so for every shard; Stats settles the whole buffer before it
// counts; a flush drops what is out of the window before it writes. Only
// records at the front of a ring can be evicted, and a ring's order is the
// order in which pushes claimed their places, which overlapping pushes can
// make differ slightly from log order. So what a shard holds beyond the
// window is the records of the last few pushes, and what a flush writes is
// exactly the window (see drainSettled).
type buffer struct {
	// Written by every push, and kept on a line of their own.
	clock atomic.Uint64 // records ever stored; the newest record's seq
	total atomic.Uint64 // bytes ever stored, by the records' size estimates
	_     [cacheLinePad - 16]byte

	// Read-only after newBuffer.
	shards   []shard
	capacity int64 // exact bound of the window
	maxBytes int64
	ringCap  int            // each shard's ring holds at least this many (see shardRing)
	pick     sync.Pool      // *atomic.Int32, a P's shard, cached per P; unused with one shard
	indexes  []atomic.Int32 // what pick hands out, allocated once
	next     atomic.Uint32

	// swept is the byte total at the last sweep: large records sweep
	// sooner than every sweepEvery records, so that what other shards
	// still hold beyond the window stays under maxBytes/sweepFraction.
	swept atomic.Uint64

	// passUntil is the reading of the handler's clock (nanoseconds since
	// New) until which records pass straight through; 0 when not passing.
	passUntil atomic.Int64

	// evicted counts records evicted from the carry or by a flush; the
	// shards count those evicted from their rings. gone is the highest seq
	// evicted from the carry (the shards keep their own).
	evicted atomic.Uint64
	gone    atomic.Uint64

	// carry holds records out of the rings that the next flush writes: a
	// flush's records stamped after it looked or after a gap (see
	// drainSettled), and records makeRoom set aside. It never holds more
	// than a window (trimCarry). carryBytes is their size. carryMu guards
	// both.
	carryMu    sync.Mutex
	carry      []entry
	carryBytes int64

	// done is the highest seq up to which every record has been written,
	// evicted or discarded; discarded is the highest seq discarded. A
	// flush continues from done, and takes a seq missing at or below
	// discarded for one discarded. Flushes and discard update them; they
	// are serialized by the core's flushMu, or for a scope by its end.
	done      uint64
	discarded uint64
	order     []int32 // scratch of drainSettled
}

// shard is one ring of a buffer, with what is counted per ring. Pushes
// store into the ring without a lock; whoever takes records out (the
// pushing goroutine evicting, a sweep, a flush) holds mu, so that it may
// look at the oldest record before taking it. Pushes only ever TryLock mu:
// they skip evicting rather than wait.
type shard struct {
	mu   sync.Mutex
	ring atomic.Pointer[ringbuf.Ring[entry]] // allocated on first use

	// What was taken out of ring, guarded by mu: a push evicting takes the
	// lock anyway, and readers (flushes, Stats) are rare, so plain
	// counters spare the hot path three atomic writes.
	removed guarded[int64]  // bytes evicted or drained from ring
	evicted guarded[uint64] // records evicted from ring
	gone    guarded[uint64] // the highest seq evicted from ring

	// floor and floorStart are the stamps of the oldest record when the
	// ring was last looked at under mu. A push whose window cannot reach
	// them skips the lock and the look. They are hints: the look decides.
	floor      atomic.Uint64
	floorStart atomic.Uint64
	index      int // in buffer.shards
	_          [cacheLinePad - 64]byte
}

const (
	// cacheLinePad separates data that different cores write; 128 bytes
	// because amd64 prefetches lines in pairs.
	cacheLinePad = 128

	// maxShards caps the shards of the shared buffer: past a few cores,
	// several Ps sharing a shard contend little.
	maxShards = 8

	// ringSlack is room in each ring beyond the window, for the record
	// being pushed and for records whose pushes overlap.
	ringSlack = 8

	// sweepEvery is how often, in records, a push evicts from every shard
	// rather than only its own.
	sweepEvery = 64

	// sweepFraction is how far, as a fraction of maxBytes, the byte total
	// may advance between sweeps.
	sweepFraction = 8
)

// guarded is a counter read and written only with its shard's lock held.
type guarded[T int64 | uint64] struct{ v T }

func (g *guarded[T]) Add(d T) T  { g.v += d; return g.v }
func (g *guarded[T]) Load() T    { return g.v }
func (g *guarded[T]) Store(v T)  { g.v = v }
func (g *guarded[T]) Swap(v T) T { old := g.v; g.v = v; return old }

// newBuffer returns a buffer for a window of capacity records and maxBytes
// bytes, stored in the given number of shards.
func newBuffer(capacity int, maxBytes int64, shards int) *buffer {
	b := &buffer{
		shards:   make([]shard, max(shards, 1)),
		capacity: int64(capacity),
		maxBytes: maxBytes,
		ringCap:  shardRing(capacity, maxBytes, max(shards, 1)),
	}
	for i := range b.shards {
		b.shards[i].index = i
	}
	if len(b.shards) > 1 {
		b.indexes = make([]atomic.Int32, len(b.shards))
		for i := range b.indexes {
			b.indexes[i].Store(int32(i))
		}
		b.pick.New = func() any {
			return &b.indexes[(b.next.Add(1)-1)%uint32(len(b.indexes))]
		}
	}
	return b
}

// shardRing returns the capacity of each of n shards' rings for a window
// of capacity records and maxBytes bytes, slack included. A window never
// holds more records than fit in maxBytes at the smallest size a record is
// charged, plus the newest one. One or two shards each hold the whole
// window. More hold about twice the window between them (a power of two
// each, as the ring rounds up to one): a push that finds its shard's ring
// full of records in the window stores into the next shard (see pushTo),
// so memory follows the window, not window × shards.
func shardRing(capacity int, maxBytes int64, n int) int {
	window := int(min(int64(capacity), maxBytes/entrySize+1))
	if n <= 2 {
		return window + ringSlack
	}
	want := (2*window+n-1)/n + ringSlack
	if down := 1 << (bits.Len(uint(want)) - 1); down >= (window+n-1)/n+ringSlack {
		return down
	}
	return want
}

// sharedShards is the number of shards of a handler's shared buffer.
func sharedShards() int { return min(runtime.GOMAXPROCS(0), maxShards) }

// push stores e as the newest record and evicts what falls out of the
// window. It never blocks on a lock; it yields only while every ring is
// full and another goroutine is taking records out of one, or is still
// storing the record at its front.
//
// It stores into the shard the calling goroutine's P used last, which is
// likely still in this core's cache; a push that moves on to the next
// shard moves the P's choice with it.
func (b *buffer) push(e *entry) {
	if len(b.shards) == 1 {
		b.pushTo(&b.shards[0], e, nil)
		return
	}
	i := b.pick.Get().(*atomic.Int32)
	b.pushTo(&b.shards[i.Load()], e, i)
	b.pick.Put(i)
}

// ringOf returns sh's ring, creating it on first use.
func (b *buffer) ringOf(sh *shard) *ringbuf.Ring[entry] {
	if r := sh.ring.Load(); r != nil {
		return r
	}
	r := ringbuf.New[entry](b.ringCap, ringbuf.RejectWhenFull)
	if sh.ring.CompareAndSwap(nil, r) {
		return r
	}
	return sh.ring.Load()
}

func (b *buffer) pushTo(sh *shard, e *entry, pref *atomic.Int32) {
	r := b.ringOf(sh)
	size := uint64(e.size)
	var seq, end uint64
	// The stamps are taken once the place is claimed, so that a flush that
	// waits for the places claimed when it looked has every record stamped
	// before then (see ringbuf.Ring.TryPushFunc). The byte offset comes
	// first and the total is read again after the seq: a record older than
	// this one that added its bytes after it must have done so in between,
	// so nest covers it (see outside).
	fill := func(dst *entry) {
		*dst = *e
		if testHook != nil {
			testHook("push:before-start")
		}
		dst.start = b.total.Add(size) - size
		if testHook != nil {
			testHook("push:after-start")
		}
		dst.seq = b.clock.Add(1)
		if testHook != nil {
			testHook("push:after-seq")
		}
		dst.nest = b.total.Load() - dst.start - size
		seq, end = dst.seq, dst.start+size
	}
	for moved := 0; !r.TryPushFunc(fill); {
		if b.makeRoom(sh, r, moved < len(b.shards)-1) {
			continue
		}
		// The ring is full of records in the window: the next shard's
		// oldest records are older, or it has room.
		moved++
		sh = &b.shards[(sh.index+1)%len(b.shards)]
		r = b.ringOf(sh)
		if pref != nil {
			pref.Store(int32(sh.index))
		}
	}
	if testHook != nil {
		testHook("push:stored")
	}
	// Unsigned differences: a floor above the record's own stamps (pushes
	// overlapped) wraps around and takes the look, which sorts it out.
	if seq-sh.floor.Load() >= uint64(b.capacity) || end-sh.floorStart.Load() > uint64(b.maxBytes) {
		if sh.mu.TryLock() {
			b.evictOld(sh, r, seq, end)
			sh.mu.Unlock()
		}
	}
	if len(b.shards) > 1 && (seq%sweepEvery == 0 || end-b.swept.Load() > uint64(b.maxBytes/sweepFraction)) {
		b.swept.Store(end)
		b.sweep(seq, end)
	}
}

// makeRoom makes room in a full ring for a push that could not claim a
// place: each call evicts, frees a place, or yields to the goroutine that
// holds up progress, and then returns true for the push to try again. It
// evicts what is out of the window. If what is left is in the window, and
// the push may move on (another shard has not been tried), it returns
// false. Otherwise the record at the front is in the window: that happens
// when a push claimed the front place and was preempted before stamping
// it, so that its record is among the newest, and those out of the window
// are behind it, or when every ring is full of the window. makeRoom then
// sets it aside in the carry, which flushes and Stats treat as part of the
// buffer.
func (b *buffer) makeRoom(sh *shard, r *ringbuf.Ring[entry], mayMove bool) bool {
	if !sh.mu.TryLock() {
		if mayMove {
			return false // a flush or an eviction is taking records out
		}
		runtime.Gosched()
		return true
	}
	defer sh.mu.Unlock()
	if b.evictOld(sh, r, b.clock.Load(), b.total.Load()) > 0 || r.Len() < r.Cap() {
		return true
	}
	if mayMove {
		return false
	}
	front, ok := r.Peek()
	if !ok {
		runtime.Gosched() // the record at the front is still being stored
		return true
	}
	if !b.carryMu.TryLock() {
		runtime.Gosched() // a flush or Stats is at the carry
		return true
	}
	b.carry = append(b.carry, *front)
	b.carryBytes += front.size
	b.trimCarry()
	b.carryMu.Unlock()
	sh.removed.Add(front.size)
	r.Discard()
	return true
}

// outside reports whether e has fallen out of the window that ends with
// the record stamped seq, whose bytes end at end. The bytes from e to that
// record are at least the smallest size a record is charged for each of
// them, and at least what the total grew by since e, less what overlapping
// pushes added while e took its stamps: that covers every older record
// that added its bytes after e (it took both stamps in between). The total
// may also hold the bytes of pushes that have not taken their seq yet;
// they are about to be newer than the window's end, so outside says no
// more than the window will say once they have: records logged while a
// flush drains may push older ones out before it writes.
func (b *buffer) outside(e *entry, seq, end uint64) bool {
	if e.seq >= seq {
		return false // not older than the record the window ends with
	}
	n := seq - e.seq // records after e, up to the window's end
	if n >= uint64(b.capacity) || int64(n+1)*entrySize > b.maxBytes {
		return true
	}
	from := e.start + e.nest
	return end > from && end-from > uint64(b.maxBytes)
}

// evictOld evicts the records at the front of sh's ring while they are out
// of the window that ends with the record stamped seq, and returns how
// many it evicted. Must be called with sh.mu held.
func (b *buffer) evictOld(sh *shard, r *ringbuf.Ring[entry], seq, end uint64) int {
	return b.evictOldBelow(sh, r, seq, end, 0)
}

// evictOldBelow is evictOld that also evicts records stamped at or below
// gone, which are out of the window whatever their bytes say.
func (b *buffer) evictOldBelow(sh *shard, r *ringbuf.Ring[entry], seq, end, gone uint64) int {
	n := 0
	for {
		old, ok := r.Peek()
		if !ok {
			return n
		}
		if old.seq > gone && !b.outside(old, seq, end) {
			// After an eviction the floor stays lower than the front,
			// which only makes the next push look: in a full window, as
			// it should. Storing it costs two atomic writes per push.
			if n == 0 {
				sh.floor.Store(old.seq)
				sh.floorStart.Store(old.start)
			}
			return n
		}
		b.evictedFrom(sh, old)
		r.Discard()
		n++
	}
}

// evictedFrom counts e as evicted from sh's ring. Must be called with
// sh.mu held.
func (b *buffer) evictedFrom(sh *shard, e *entry) {
	sh.removed.Add(e.size)
	sh.evicted.Add(1)
	if e.seq > sh.gone.Load() {
		sh.gone.Store(e.seq)
	}
}

// sweep evicts from every shard what is out of the window that ends with
// the record stamped seq. It skips shards whose lock is taken, as a push
// must not wait.
func (b *buffer) sweep(seq, end uint64) {
	for i := range b.shards {
		sh := &b.shards[i]
		r := sh.ring.Load()
		if r != nil && sh.mu.TryLock() {
			b.evictOld(sh, r, seq, end)
			sh.mu.Unlock()
		}
	}
}

// settle evicts from every shard and from the carry what is out of the
// current window, so that len and bytes count the window.
func (b *buffer) settle() {
	seq, end, gone := b.clock.Load(), b.total.Load(), b.goneSeq()
	b.eachLocked(func(sh *shard, r *ringbuf.Ring[entry]) { b.evictOldBelow(sh, r, seq, end, gone) })
	b.carryMu.Lock()
	b.trimCarry()
	n := 0
	for n < len(b.carry) && (b.carry[n].seq <= gone || b.outside(&b.carry[n], seq, end)) {
		n++
	}
	b.evictCarry(n)
	b.carryMu.Unlock()
}

// trimCarry puts the carry in log order and evicts what is out of the
// window among its own records: records elsewhere can only push them
// further out. So the carry never holds more than a window. Must be called
// with carryMu held.
func (b *buffer) trimCarry() {
	if !slices.IsSortedFunc(b.carry, bySeq) {
		slices.SortFunc(b.carry, bySeq)
	}
	i := len(b.carry)
	var bytes int64
	for i > 0 {
		e := &b.carry[i-1]
		if int64(len(b.carry)-i) == b.capacity || (i < len(b.carry) && bytes+e.size > b.maxBytes) {
			break
		}
		bytes += e.size
		i--
	}
	b.evictCarry(i)
}

// evictCarry evicts the oldest n records of the sorted carry. Must be
// called with carryMu held.
func (b *buffer) evictCarry(n int) {
	if n == 0 {
		return
	}
	for i := range n {
		b.carryBytes -= b.carry[i].size
	}
	b.gone.Store(max(b.gone.Load(), b.carry[n-1].seq))
	b.evicted.Add(uint64(n))
	k := copy(b.carry, b.carry[n:])
	clear(b.carry[k:])
	b.carry = b.carry[:k]
}

// eachLocked calls fn for every shard that has a ring, holding its lock.
func (b *buffer) eachLocked(fn func(*shard, *ringbuf.Ring[entry])) {
	for i := range b.shards {
		if i > 0 && testHook != nil {
			testHook("each:between-shards") // settle and discard
		}
		sh := &b.shards[i]
		if r := sh.ring.Load(); r != nil {
			sh.mu.Lock()
			fn(sh, r)
			sh.mu.Unlock()
		}
	}
}

// held settles the buffer and returns how many records it holds, up to
// capacity, and how many beyond: those are out of the window, behind
// records that are not, and count as evicted. Pushes in progress count
// once they have claimed their place.
func (b *buffer) held() (buffered int, excess uint64) {
	b.settle()
	n := b.len()
	return min(n, int(b.capacity)), uint64(max(n-int(b.capacity), 0))
}

// len returns the number of records held, counting pushes in progress and
// records out of the window that nothing has evicted yet (see settle).
func (b *buffer) len() int {
	n := 0
	for i := range b.shards {
		if r := b.shards[i].ring.Load(); r != nil {
			n += r.Len()
		}
	}
	b.carryMu.Lock()
	n += len(b.carry)
	b.carryMu.Unlock()
	return n
}

// bytes returns the approximate size of the records held, with the same
// caveats as len.
func (b *buffer) bytes() int64 {
	n := int64(b.total.Load())
	b.eachShard(func(sh *shard) { n -= sh.removed.Load() })
	b.carryMu.Lock()
	n += b.carryBytes
	b.carryMu.Unlock()
	return n
}

// eachShard calls fn for every shard, holding its lock.
func (b *buffer) eachShard(fn func(*shard)) {
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.Lock()
		fn(sh)
		sh.mu.Unlock()
	}
}

// evictedCount returns the records evicted so far.
func (b *buffer) evictedCount() uint64 {
	n := b.evicted.Load()
	b.eachShard(func(sh *shard) { n += sh.evicted.Load() })
	return n
}

// takeEvicted returns the records evicted so far and resets the count.
func (b *buffer) takeEvicted() uint64 {
	n := b.evicted.Swap(0)
	b.eachShard(func(sh *shard) { n += sh.evicted.Swap(0) })
	return n
}

// goneSeq returns the highest seq evicted anywhere in b: every record up to it
// is out of the window, as the window only moves forward.
func (b *buffer) goneSeq() uint64 {
	g := b.gone.Load()
	b.eachShard(func(sh *shard) { g = max(g, sh.gone.Load()) })
	return g
}

// drainSettled moves to the end of dst, oldest first, the records of the
// window stamped before it looked, for a flush. Must be called with the
// core's flushMu held.
//
// What it moves continues what earlier flushes wrote without a gap, so a
// record is never written after one logged later, even by another flush:
//
//   - it waits, in each shard, for the records whose push had already
//     claimed a place in the ring when it looked, so that a record logged
//     before the trigger, by any goroutine, is in this flush even if its
//     push was still storing it (a ring hands out records in order and
//     stops at one not yet stored). Records are stamped after they claim
//     their place, so that covers every record stamped before it looked.
//     The wait is bounded by settleTimeout;
//   - it drops what was out of the window by the time it finished
//     draining: a push may have evicted from a shard it had not drained
//     yet, and then everything older is out too;
//   - it moves records only up to the first one missing (a push that
//     stalled past the timeout), and carries what it drained beyond that,
//     or was stamped after it looked, to the next flush.
func (b *buffer) drainSettled(dst []entry) []entry {
	n0 := len(dst)
	look := b.clock.Load()
	if testHook != nil {
		testHook("flush:looked")
	}
	dst = b.takeCarry(dst)
	if testHook != nil {
		testHook("flush:took-carry")
	}
	deadline := time.Now().Add(settleTimeout)
	for i := range b.shards {
		if i > 0 && testHook != nil {
			testHook("flush:between-shards")
		}
		dst = b.shards[i].drainSettled(dst, deadline)
	}
	if testHook != nil {
		testHook("flush:drained")
	}
	// A push may have set a record aside (makeRoom) from a shard not
	// drained yet: it is in the carry now.
	dst = b.takeCarry(dst)
	if testHook != nil {
		testHook("flush:before-window")
	}
	return b.window(dst, n0, look)
}

// takeCarry moves the carry to the end of dst.
func (b *buffer) takeCarry(dst []entry) []entry {
	b.carryMu.Lock()
	defer b.carryMu.Unlock()
	dst = append(dst, b.carry...)
	clear(b.carry)
	b.carry, b.carryBytes = b.carry[:0], 0
	return dst
}

func (sh *shard) drainSettled(dst []entry, deadline time.Time) []entry {
	r := sh.ring.Load()
	if r == nil {
		return dst
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n0 := len(dst)
	dst = r.Drain(dst, 0)
	need := r.Len() // claimed before now and not stored yet; nobody else takes records out
	for got, idle := 0, 0; got < need; {
		n := len(dst)
		dst = r.Drain(dst, 0)
		if len(dst) > n {
			got += len(dst) - n
			idle = 0
			continue
		}
		// Such a push is a few instructions from done, but its goroutine
		// may have been preempted or parked to assist the garbage
		// collector: yield, then sleep, until the deadline.
		idle++
		if idle <= settleSpins {
			runtime.Gosched()
			continue
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(min(time.Duration(idle-settleSpins)*time.Microsecond, time.Millisecond))
	}
	var size int64
	for i := n0; i < len(dst); i++ {
		size += dst[i].size
	}
	sh.removed.Add(size)
	return dst
}

const (
	// settleSpins is how many times a flush yields, waiting for a push in
	// progress, before it sleeps.
	settleSpins = 64
	// settleTimeout bounds a flush's wait for pushes in progress.
	settleTimeout = time.Second
)

// window puts the drained records dst[n0:] in log order and keeps those
// drainSettled moves (see there), evicting what is out of the window and
// carrying the rest.
func (b *buffer) window(dst []entry, n0 int, look uint64) []entry {
	batch := dst[n0:]
	if !slices.IsSortedFunc(batch, bySeq) {
		// Sort positions, then move each record once: records are large.
		order := b.order[:0]
		for i := range batch {
			order = append(order, int32(i))
		}
		slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(batch[x].seq, batch[y].seq) })
		permute(batch, order)
		b.order = order[:0]
	}

	// Out of the window already: evicted by a push since it looked, or
	// older than what earlier flushes wrote (a push that stalled past
	// their wait).
	floor := max(b.done, b.goneSeq())
	lo, _ := slices.BinarySearchFunc(batch, floor+1, func(e entry, seq uint64) int { return cmp.Compare(e.seq, seq) })
	// The run without a gap that continues what was written or evicted,
	// up to what was stamped when it looked. A seq missing at or below
	// what was discarded was discarded.
	hi, next := lo, floor+1
	for hi < len(batch) {
		s := batch[hi].seq
		if s != next && next <= b.discarded {
			next = min(s, b.discarded+1)
		}
		if s != next || next > look {
			break
		}
		hi++
		next++
	}
	b.done = next - 1
	// What comes after the run in log order, up to look, counts against
	// the window too: the records carried, and at least the smallest size
	// for each one missing.
	var after int64
	known := uint64(0)
	for j := hi; j < len(batch) && batch[j].seq <= look; j++ {
		after += batch[j].size
		known++
	}
	if last := next - 1; look > last {
		after += int64(look-last-known) * entrySize
	}
	if hi < len(batch) {
		b.carryMu.Lock()
		for _, e := range batch[hi:] {
			b.carryBytes += e.size
		}
		b.carry = append(b.carry, batch[hi:]...)
		b.trimCarry()
		b.carryMu.Unlock()
	}
	// The window of the run, as of look: the newest records, up to
	// capacity and maxBytes (the newest always).
	i := hi
	bytes := after
	for i > lo {
		e := &batch[i-1]
		if look-e.seq >= uint64(b.capacity) || (e.seq != look && bytes+e.size > b.maxBytes) {
			break
		}
		bytes += e.size
		i--
	}
	b.evicted.Add(uint64(i))
	n := copy(batch, batch[i:hi])
	clear(batch[n:])
	return dst[:n0+n]
}

func bySeq(x, y entry) int { return cmp.Compare(x.seq, y.seq) }

// permute reorders batch so that batch[k] is the record that was at
// order[k], following each cycle of the permutation with one spare record.
// It consumes order.
func permute(batch []entry, order []int32) {
	for i := range order {
		if order[i] < 0 {
			continue
		}
		spare := batch[i]
		j := i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				batch[j] = spare
				break
			}
			batch[j] = batch[k]
			j = k
		}
	}
}

// discard drops every record held and returns how many were in the
// window; those out of it are counted as evicted. Like drainSettled it
// must not run at the same time as a flush of b.
func (b *buffer) discard() int {
	b.settle()
	n := 0
	b.eachLocked(func(sh *shard, r *ringbuf.Ring[entry]) { n += b.discardRing(sh, r) })
	b.carryMu.Lock()
	n += len(b.carry)
	for i := range b.carry {
		b.discarded = max(b.discarded, b.carry[i].seq)
	}
	clear(b.carry)
	b.carry, b.carryBytes = b.carry[:0], 0
	b.carryMu.Unlock()
	return n
}

// discardRing drops the records of sh's ring, raising b.discarded, and
// returns how many there were. Must be called with sh.mu held.
func (b *buffer) discardRing(sh *shard, r *ringbuf.Ring[entry]) int {
	n := 0
	for {
		old, ok := r.Peek()
		if !ok {
			return n
		}
		sh.removed.Add(old.size)
		b.discarded = max(b.discarded, old.seq)
		r.Discard()
		n++
	}
}

// capture fills e with a copy of r that is safe to keep: its LogValuers are
// resolved, so a flush shows the values as they were at log time and the
// caller may change its data afterwards. A record without LogValuers is
// copied as is, which for five attributes or fewer allocates nothing. r is
// a pointer only to spare copies of a large struct; it is not kept.
func (e *entry) capture(ctx context.Context, r *slog.Record, target slog.Handler) {
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
		e.rec = resolveRecord(*r)
		size = recordSize(e.rec)
	} else {
		e.rec = r.Clone()
		if n > recordFront {
			size += int64(n-recordFront) * attrSize
		}
	}
	e.size = min(size, maxRecordSize)
	e.target = target
	e.ctxAttrs, e.local = ctxattrs.From(ctx)
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
