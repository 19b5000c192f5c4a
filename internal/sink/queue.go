package sink

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// The reservation word packs everything a producer must check into one
// atomic add, so admitting a record costs one contended operation:
//
//	bit 63      closed: set by Close; a producer that sees it spills instead
//	bits 40-62  records reserved (queued, or drained but not yet batched)
//	bits 0-39   bytes of buffer capacity those records hold
//
// A producer adds (1 record, its bytes) and backs the add out if the result
// is over a bound or closed. Because the flag and the counts share a word,
// every producer's add is ordered before or after Close's: before, and its
// record is counted in the word and will be found in the ring; after, and it
// sees the flag. The sender subtracts a batch's records once their bytes are
// copied into the batch body.
//
// Overshoot by concurrent producers that will back out is bounded by
// their number times MaxQueueBytes (record sizes are at most QueueBytes), which
// the 40 bits leave room for many times over.
const (
	resBytesBits = 40
	resBytesMask = 1<<resBytesBits - 1
	resCountUnit = 1 << resBytesBits
	resCountMask = (1<<23 - 1) << resBytesBits
	resClosed    = 1 << 63
)

type reservation struct {
	word atomic.Uint64
}

func resDelta(bufCap int) uint64 { return resCountUnit | uint64(bufCap) }

func resCount(w uint64) int { return int((w & resCountMask) >> resBytesBits) }

func resBytes(w uint64) int { return int(w & resBytesMask) }

// add reserves room for one buffer of capacity bufCap and returns the new
// word.
func (r *reservation) add(delta uint64) uint64 { return r.word.Add(delta) }

// sub releases what add reserved.
func (r *reservation) sub(delta uint64) { r.word.Add(^(delta - 1)) }

func (r *reservation) close() { r.word.Or(resClosed) }

func (r *reservation) load() uint64 { return r.word.Load() }

// Record buffers come from pools by size class, powers of two from 64 bytes
// to 16 KiB, so a queued record holds at most twice its size. Larger records
// get a buffer of their own that is not pooled: one huge record must not pin
// its memory (slog's rule, and ndjson's).
const (
	minClassBits = 6
	maxClassBits = 14
	numClasses   = maxClassBits - minClassBits + 1
	maxPooledRec = 1 << maxClassBits
)

var recPools [numClasses]sync.Pool

func classOf(n int) int {
	if n <= 1<<minClassBits {
		return 0
	}
	return bits.Len(uint(n-1)) - minClassBits
}

// getRec returns an empty buffer with room for n bytes.
func getRec(n int) *[]byte {
	if n > maxPooledRec {
		b := make([]byte, 0, n)
		return &b
	}
	c := classOf(n)
	if v := recPools[c].Get(); v != nil {
		b := v.(*[]byte)
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, 1<<(c+minClassBits))
	return &b
}

// snug reports whether b's capacity is what a buffer for its length would
// get: its size class, or, above the pooled sizes, at most a quarter more
// than its length (what append's growth leaves).
func snug(b *[]byte) bool {
	n, c := len(*b), cap(*b)
	if n <= maxPooledRec {
		return c <= 1<<(classOf(n)+minClassBits)
	}
	return c-n <= n>>2
}

// refit moves the record in b to a buffer of its own size and releases b.
func refit(b *[]byte) *[]byte {
	var nb *[]byte
	if n := len(*b); n <= maxPooledRec {
		nb = getRec(n)
	} else {
		s := make([]byte, 0, n)
		nb = &s
	}
	*nb = append(*nb, *b...)
	putRec(b)
	return nb
}

// putRec returns b to its pool.
func putRec(b *[]byte) {
	n := cap(*b)
	if n > maxPooledRec || n&(n-1) != 0 || n < 1<<minClassBits {
		return
	}
	recPools[classOf(n)].Put(b)
}

// notifier wakes every producer blocked on a full queue (Overflow Block)
// when the sender makes room. A waiter takes the channel, re-checks its
// condition, then waits; broadcast closes the channel, so no wake-up is
// lost in between.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
	n.mu.Unlock()
}

// goid returns the id of the calling goroutine. Only the rare paths that must
// tell whether they run inside the sink's own write to the Fallback writer
// ask: that writer may log through the sink's handler.
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) {
		return -1
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
