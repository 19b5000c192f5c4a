// Package ringbuf provides [Ring], the one bounded queue every slogx buffer
// uses: the record queues of the sinks and the breach buffer's window of
// recent context.
//
// # Why a ring
//
// A log call must never wait for the network, for a slow consumer or for
// another logging goroutine. A buffered channel is bounded but makes a
// full-channel producer choose between blocking and a select, and it cannot
// drop its oldest element; a slice behind a mutex serialises every producer.
// [Ring] is a fixed array of slots that producers and consumers claim with
// atomic operations, so a push or pop is a few atomic instructions and no
// goroutine is ever parked.
//
// # Algorithm
//
// The ring is Dmitry Vyukov's bounded MPMC queue. Two counters, head (next
// position to consume) and tail (next position to produce), only ever grow;
// position pos lives in slot pos mod Cap. Each slot carries a sequence number
// that says whose turn it is:
//
//   - seq == pos: the slot is free for the producer of pos;
//   - seq == pos+1: it holds the element of pos, ready for its consumer;
//   - after consuming, the consumer stores seq = pos+Cap, handing the slot to
//     the producer one lap ahead.
//
// A producer reads tail, checks the slot's seq, claims the position by a
// compare-and-swap on tail, writes the element and then stores seq: that
// store is what publishes the element. A consumer does the same on head and
// releases the slot with its own store. Producers contend only on tail and
// consumers only on head, which sit on separate cache lines; a slot is only
// ever written by the one goroutine whose turn it is.
//
// [Ring.Drain] claims a whole run of ready elements with one compare-and-swap
// on head, so a consumer pays one contended operation per batch rather than
// per element.
//
// # Policies
//
// [RejectWhenFull]: [Ring.Push] fails at once when the ring is full and the
// caller counts the drop. Sinks use it.
//
// [EvictOldest]: [Ring.Push] makes room by removing the oldest element; the
// newest context wins, and [Ring.PushEvict] returns the evicted element for
// a caller that accounts for it. Eviction needs no lock: when the ring is full, the slot at the tail is the
// slot of the oldest element, so the producer claims that element through
// head, as a consumer would, and stores its own element into the same slot
// before advancing tail. Evicting and storing are one step, so a producer
// evicts at most one element per push and no other producer can steal the
// room it made.
//
// [Ring.TryPush] never evicts, whatever the policy, for callers that want to
// know whether there was room; [Ring.TryPushFunc] does the same for an
// element written in place once its slot is claimed.
//
// The breach buffer decides what to evict by what a record holds, not by
// its place, so it pushes with TryPushFunc (stamping each record once its
// slot is claimed) and evicts as the ring's only consumer, holding a lock:
// [Ring.Peek] shows it the oldest element and [Ring.Discard] drops it.
//
// # Guarantees
//
//   - No element is lost or duplicated: every element pushed is returned
//     exactly once, by [Ring.TryPop], [Ring.Drain] or as the evicted element
//     of [Ring.PushEvict] (an element evicted by [Ring.Push] is dropped).
//   - FIFO per producer: elements pushed by one goroutine are consumed in the
//     order it pushed them, as seen by each consumer. Elements from different
//     producers are ordered by the moment their push claimed a position.
//   - Every operation takes effect at a single point (the compare-and-swap
//     that claims its position) and all operations agree on one order of
//     positions. The ring is not strictly linearizable, though: an element is
//     visible only once its producer has stored it, so a pop that runs while a
//     push is between claiming and publishing reports empty even if later
//     elements are ready, and a push reports full while a pop is between
//     claiming and releasing the slot it needs.
//   - [Ring.Len] is a snapshot under concurrency, exact when quiescent.
//   - A popped slot is zeroed and an evicted one overwritten, so the ring
//     never keeps an element that has left it, or whatever that element
//     points to, alive.
//   - The synchronisation is by sync/atomic operations, which the Go memory
//     model makes sequentially consistent: writing an element happens before
//     the store of its seq, which happens before the consumer that observes
//     that seq reads the element. The race detector understands this.
//
// # Progress
//
// No method takes a lock or parks a goroutine, and TryPush, TryPop and Drain
// always return promptly. As with every queue of this design, a goroutine
// that is descheduled between claiming a position and publishing it holds
// back that one slot: meanwhile consumers see the ring as empty at that
// position and producers see it as full one lap later. [Ring.PushEvict] must
// succeed, so when the oldest element is in that state it yields to the
// scheduler and retries until the other goroutine finishes.
//
// # Performance
//
// The ring allocates only in [New]. Capacity is rounded up to a power of two
// so that a position maps to its slot by masking instead of dividing. A push
// costs a compare-and-swap on tail and an atomic store to publish; a pop costs
// a compare-and-swap on head and an atomic store to hand the slot back.
// [Ring.Drain] shares one compare-and-swap across a batch, but every element
// still needs its own store, so a consumer draining a full ring does more
// atomic work per element than one that copies out a slice under a mutex.
// What the ring buys is that no producer ever waits behind another goroutine
// holding a lock. The benchmarks in ring_bench_test.go compare it with a
// buffered channel and a mutex-guarded slice on the same workloads.
package ringbuf
