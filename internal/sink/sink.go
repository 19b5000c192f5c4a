package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.slogx.dev/internal/ringbuf"
	"go.slogx.dev/internal/spool"
)

// Errors returned by [Sink.Enqueue]. The record they refer to is counted in
// [Stats] (or, for ErrClosed, written to the fallback), never lost silently.
var (
	ErrQueueFull = errors.New("slogx: record dropped: queue full")
	ErrTooLarge  = errors.New("slogx: record dropped: too large")
	ErrClosed    = errors.New("slogx: sink closed; record written to the fallback")
	// ErrReentrant: the Fallback writer logged through the sink's own
	// handler while the sink was writing to it. Queueing or writing that
	// record would feed the fallback back into itself without end, so it is
	// dropped and counted.
	ErrReentrant = errors.New("slogx: record dropped: logged by the fallback writer while being written to")
)

// Stats are the sink's counters. Between calls of Stats they only grow,
// except Queued and Spool's Records and Bytes. Under concurrent logging the
// fields are read one by one, so the identity below holds exactly only once
// the sink is closed.
//
//	Accepted + Spool.Recovered == Delivered + DroppedQueueFull + DroppedRejected + DroppedTooLarge + DroppedReentrant + Spool.Dropped + Spilled + Spool.Records
type Stats struct {
	Accepted  uint64 // records passed to Enqueue or DropTooLarge
	Delivered uint64 // records in batches an endpoint answered 2xx
	Retried   uint64 // requests that repeated an earlier attempt of the same batch

	DroppedQueueFull uint64 // records refused because the queue was full
	DroppedRejected  uint64 // records in batches the server refused (4xx other than 408, 429)
	DroppedTooLarge  uint64 // records too large to send
	DroppedReentrant uint64 // records the Fallback writer logged into the sink while being written to

	Spilled   uint64 // records written to the fallback writer instead
	Truncated uint64 // records shortened to fit (counted by the face, delivered as usual)
	Local     uint64 // host-local records the face did not enqueue; not in Accepted

	Batches   uint64 // requests answered 2xx
	Bytes     uint64 // uncompressed body bytes in those requests
	WireBytes uint64 // body bytes on the wire, after compression

	Queued int // records waiting now, including a batch being built

	Spool SpoolStats // the spool's figures; zero without one

	LastError   error     // the latest failure: request error, status, spill
	LastErrorAt time.Time // when LastError happened
	LastDropAt  time.Time // when a record was last dropped; zero if none was
	DropReports uint64    // summary lines about drops written to the fallback
}

// Sink queues encoded records and ships them in batches. All methods are
// safe for concurrent use.
type Sink struct {
	cfg  Config
	ring *ringbuf.Ring[*[]byte]
	res  reservation

	// Limits in the units of the reservation word.
	queueSize, queueBytes int
	wakeCount, wakeBytes  int

	wake     chan struct{}      // cap 1: a full batch is waiting
	flushReq chan chan struct{} // Flush asks the sender for a mark
	closeCh  chan struct{}      // closed by Close
	done     chan struct{}      // closed when the sender has exited
	room     notifier           // room made in the queue, for waiting producers

	// For Backpressure: failing is set while every endpoint is failing,
	// stalled when a producer waited BlockTimeout without the sender making
	// room. Either makes producers drop at once instead of waiting; the
	// sender clears them when it makes progress again.
	failing, stalled atomic.Bool

	sp                          *spool.Spool  // nil: memory only
	spooledDirect, spooledMoved atomic.Uint64 // records Enqueue, or the sender, wrote to the spool
	replayed                    atomic.Uint64 // records read back from the spool and delivered
	spInFlight                  atomic.Int64  // records of the spool batch being replayed
	batchOut                    atomic.Bool   // the sender holds a batch from the queue

	closeOnce sync.Once
	closeErr  error
	deadline  time.Time // set by Close before closeCh is closed

	// Counters. There is no "accepted" counter on the hot path: Accepted
	// is derived (see Stats), which saves Enqueue an atomic add.
	taken                                atomic.Uint64 // records the sender moved from the queue into batches
	delivered, retried                   atomic.Uint64
	dropFull, dropRejected, dropTooLarge atomic.Uint64
	dropReentrant                        atomic.Uint64 // logged by the Fallback writer while the sink wrote to it
	spilled, spilledLate                 atomic.Uint64 // spilledLate: after Close, never queued
	truncated, local                     atomic.Uint64
	batches, bytes, wireBytes            atomic.Uint64
	lastDrop                             atomic.Int64 // unix nanoseconds of the latest drop
	dropReports                          atomic.Uint64

	errMu     sync.Mutex
	lastErr   error
	lastErrAt time.Time

	fbMu    sync.Mutex   // serialises writes to cfg.Fallback
	fbOwner atomic.Int64 // id of the goroutine writing to cfg.Fallback, 0 if none

	conns connSet // the sender's open connections, so Close can cut a stuck request

	snd *sender // owned by the sender goroutine
}

// New validates cfg, fills in defaults and starts the sender goroutine.
func New(cfg Config) (*Sink, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{
		cfg:        cfg,
		ring:       ringbuf.New[*[]byte](cfg.QueueSize, ringbuf.RejectWhenFull),
		queueSize:  cfg.QueueSize,
		queueBytes: cfg.QueueBytes,
		wakeCount:  cfg.BatchSize,
		wakeBytes:  cfg.MaxBatchBytes,
		wake:       make(chan struct{}, 1),
		flushReq:   make(chan chan struct{}),
		closeCh:    make(chan struct{}),
		done:       make(chan struct{}),
	}
	if s.sp, err = openSpool(cfg); err != nil {
		return nil, err
	}
	s.snd, err = newSender(s)
	if err != nil {
		if s.sp != nil {
			s.sp.Close()
		}
		return nil, err
	}
	go s.snd.run()
	return s, nil
}

// Enqueue queues one encoded record (one line, newline included) for
// sending. It copies line, so the caller may reuse it at once. It never
// waits on the network; when the queue is full, Config.Overflow decides
// whether it waits for room, for at most BlockTimeout.
//
// It returns nil if the record was queued, ErrQueueFull or ErrTooLarge if it
// was dropped and counted, and ErrClosed after Close, when the record has
// been written to the fallback instead.
func (s *Sink) Enqueue(line []byte) error {
	b := getRec(len(line))
	*b = append(*b, line...)
	return s.EnqueueOwned(b)
}

// Buffer returns an empty pooled buffer with room for about n bytes, for a
// face to encode one record straight into and hand to [Sink.EnqueueOwned]:
// one pooled buffer and no copy per record instead of two and a copy. A
// buffer asked for more than the largest pooled size gets that size; the
// encoding grows it as needed.
func (s *Sink) Buffer(n int) *[]byte { return getRec(min(n, maxPooledRec)) }

// Release returns a buffer from [Sink.Buffer] that is not being queued.
func (s *Sink) Release(b *[]byte) { putRec(b) }

// EnqueueOwned is [Sink.Enqueue] for a buffer from [Sink.Buffer] holding one
// encoded record. The sink owns b from the call on, whatever the result.
//
// The queue's byte bound counts the capacity of the buffer a record holds,
// which is what it retains; a buffer much larger than its record (one that
// grew for an earlier, larger record) is first swapped for one that fits,
// so a record is never refused, nor the queue filled, for room it does not
// use.
func (s *Sink) EnqueueOwned(b *[]byte) error {
	if o := s.fbOwner.Load(); o != 0 && o == goid() {
		return s.dropReentrantRecord(b)
	}
	if !snug(b) {
		b = refit(b)
	}
	if cap(*b) > s.queueBytes {
		return s.enqueueHuge(b)
	}
	if s.sp != nil && s.failing.Load() && s.spoolDirect(b) {
		return nil
	}
	delta := resDelta(cap(*b))
	if s.tryReserve(b, delta) {
		return nil
	}
	return s.enqueueSlow(b, delta)
}

// enqueueHuge handles a record whose buffer is larger than QueueBytes: it
// is copied to a buffer of its exact size if that fits, else dropped as too
// large.
func (s *Sink) enqueueHuge(b *[]byte) error {
	if len(*b) > s.queueBytes {
		putRec(b)
		s.dropTooLarge.Add(1)
		s.noteDrop()
		return ErrTooLarge
	}
	exact := make([]byte, len(*b))
	copy(exact, *b)
	putRec(b)
	b = &exact
	delta := resDelta(cap(*b))
	if s.tryReserve(b, delta) {
		return nil
	}
	return s.enqueueSlow(b, delta)
}

// tryReserve reserves room for b and pushes it. It reports false, with
// nothing reserved, if the queue was full or closed.
func (s *Sink) tryReserve(b *[]byte, delta uint64) bool {
	w := s.res.add(delta)
	if w&resClosed != 0 || resCount(w) > s.queueSize || resBytes(w) > s.queueBytes {
		s.res.sub(delta)
		return false
	}
	if !s.ring.TryPush(b) {
		// The reservation keeps the ring from filling (QueueSize <= Cap and
		// a slot is released before its reservation), so this is a
		// transient state of a concurrent pop: count it as a full queue.
		s.res.sub(delta)
		return false
	}
	if resCount(w) >= s.wakeCount || resBytes(w) >= s.wakeBytes {
		s.kick()
	}
	return true
}

// enqueueSlow handles a full queue (or a closed sink).
func (s *Sink) enqueueSlow(b *[]byte, delta uint64) error {
	if s.res.load()&resClosed != 0 {
		return s.spillLate(b)
	}
	if s.mayWait() {
		timer := time.NewTimer(s.cfg.BlockTimeout)
		defer timer.Stop()
		for {
			ch := s.room.wait()
			if s.tryReserve(b, delta) {
				return nil
			}
			if s.res.load()&resClosed != 0 {
				return s.spillLate(b)
			}
			if s.cfg.Overflow == Backpressure && (s.failing.Load() || s.stalled.Load()) {
				break
			}
			timedOut := false
			select {
			case <-ch:
				continue
			case <-timer.C:
				timedOut = true
			case <-s.closeCh:
				continue
			}
			if s.tryReserve(b, delta) { // one last chance at the deadline
				return nil
			}
			if timedOut && s.cfg.Overflow == Backpressure {
				// The sender made no room for BlockTimeout: a request hangs.
				// Later calls drop at once until it makes progress again.
				s.stalled.Store(true)
			}
			break
		}
	}
	if s.sp != nil && s.spoolOne(b) {
		return nil
	}
	putRec(b)
	s.dropFull.Add(1)
	s.noteDrop()
	return ErrQueueFull
}

// mayWait reports whether a producer that found the queue full should wait
// for room.
func (s *Sink) mayWait() bool {
	switch s.cfg.Overflow {
	case Backpressure:
		if s.failing.Load() || s.stalled.Load() {
			return false
		}
	case Block:
	default:
		return false
	}
	return true
}

// dropReentrantRecord drops a record that the Fallback writer logged
// through this sink while the sink was writing to it (see writeFallback).
func (s *Sink) dropReentrantRecord(b *[]byte) error {
	putRec(b)
	s.dropReentrant.Add(1)
	s.noteDrop()
	return ErrReentrant
}

// noteDrop records when a record was last dropped, for Stats.LastDropAt.
func (s *Sink) noteDrop() { s.lastDrop.Store(time.Now().UnixNano()) }

// spillLate writes a record that arrived after Close to the fallback.
func (s *Sink) spillLate(b *[]byte) error {
	if !s.writeFallback(nil, *b) {
		return s.dropReentrantRecord(b)
	}
	putRec(b)
	s.spilledLate.Add(1)
	return ErrClosed
}

// DropTooLarge counts a record the face could not make small enough to
// send. It is accepted and dropped at once.
func (s *Sink) DropTooLarge(err error) {
	s.dropTooLarge.Add(1)
	s.noteDrop()
	s.setLastError(err)
}

// CountTruncated counts a record the face shortened before enqueueing it.
func (s *Sink) CountTruncated() { s.truncated.Add(1) }

// CountLocal counts a host-local record the face did not enqueue.
func (s *Sink) CountLocal() { s.local.Add(1) }

// kick wakes the sender if it is not already due to wake.
func (s *Sink) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Flush sends every record queued before the call and waits until each
// is resolved: delivered, or dropped or spilled and counted, or written to
// the spool (which is not waited for: an outage may outlast any Flush). It
// returns
// ctx.Err() if ctx ends first (the records stay queued and are sent later),
// and ErrClosed if the sink is closed first.
//
// The sender, which takes records out of the queue in order, answers the
// request with a mark: the number of records it has taken so far plus those
// queued now. Flush returns once it has taken and resolved that many.
func (s *Sink) Flush(ctx context.Context) error {
	if s.Closed() {
		return ErrClosed
	}
	w := make(chan struct{})
	select {
	case s.flushReq <- w:
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-w:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		// The sender answers every request it took before it exits.
		select {
		case <-w:
			return nil
		default:
			return ErrClosed
		}
	}
}

// Close stops accepting records, sends what is queued, and returns once the
// sender has exited: within CloseTimeout, plus at most the time to write
// what is left to the fallback. Records not delivered by then are written to
// the fallback. Close returns an error that summarises every record
// accepted over the sink's life but not delivered, or nil if there is none.
// Later calls return the same result.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.deadline = time.Now().Add(s.cfg.CloseTimeout)
		s.res.close()
		close(s.closeCh)
		// A request started before Close may have up to RequestTimeout
		// left; at the close deadline its connection is closed under it, so
		// Close keeps its bound. The sender closes its connections as it
		// exits, and Close waits for the cut too: after Close returns,
		// nothing the sink started still runs.
		cutDone := make(chan struct{})
		cut := time.AfterFunc(s.cfg.CloseTimeout, func() {
			s.conns.closeAll()
			close(cutDone)
		})
		<-s.done
		if !cut.Stop() {
			<-cutDone
		}
		if s.sp != nil {
			if err := s.sp.Close(); err != nil {
				s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
			}
		}
		s.closeErr = s.summary()
	})
	return s.closeErr
}

// summary describes what was not delivered, or returns nil.
func (s *Sink) summary() error {
	st := s.Stats()
	total := st.Accepted + st.Spool.Recovered
	if total == st.Delivered {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d records not delivered:", s.cfg.Name, total-st.Delivered, total)
	for _, c := range []struct {
		n    uint64
		what string
	}{
		{st.DroppedQueueFull, "dropped, queue full"},
		{st.DroppedRejected, "rejected by the server"},
		{st.DroppedTooLarge, "dropped, too large"},
		{st.DroppedReentrant, "dropped, logged by the fallback writer into itself"},
		{st.Spool.Dropped, "dropped from the spool to keep its MaxBytes"},
		{st.Spilled, "written to the fallback"},
		{uint64(st.Spool.Records), "kept in the spool for the next run"},
	} {
		if c.n > 0 {
			fmt.Fprintf(&b, " %d %s;", c.n, c.what)
		}
	}
	if st.LastError != nil {
		fmt.Fprintf(&b, " last error: %v", st.LastError)
	}
	return errors.New(strings.TrimSuffix(b.String(), ";"))
}

// Stats returns the current counters.
func (s *Sink) Stats() Stats {
	// Every accepted record is counted once: queued (in the reservation
	// word until batched), taken into a batch, dropped before queueing, or
	// spilled after Close without queueing. taken is raised before the
	// word is lowered, so a concurrent reading may count a record twice but
	// never misses one.
	queued := resCount(s.res.load())
	late := s.spilledLate.Load()
	st := Stats{
		Delivered:        s.delivered.Load(),
		Retried:          s.retried.Load(),
		DroppedQueueFull: s.dropFull.Load(),
		DroppedRejected:  s.dropRejected.Load(),
		DroppedTooLarge:  s.dropTooLarge.Load(),
		DroppedReentrant: s.dropReentrant.Load(),
		Spilled:          s.spilled.Load() + late,
		Truncated:        s.truncated.Load(),
		Local:            s.local.Load(),
		Batches:          s.batches.Load(),
		Bytes:            s.bytes.Load(),
		WireBytes:        s.wireBytes.Load(),
		Queued:           queued,
		DropReports:      s.dropReports.Load(),
		Spool:            s.spoolStats(),
	}
	st.Accepted = s.taken.Load() + uint64(queued) + st.DroppedQueueFull + st.DroppedTooLarge + st.DroppedReentrant + late + s.spooledDirect.Load()
	if ns := s.lastDrop.Load(); ns != 0 {
		st.LastDropAt = time.Unix(0, ns)
	}
	s.errMu.Lock()
	st.LastError, st.LastErrorAt = s.lastErr, s.lastErrAt
	s.errMu.Unlock()
	return st
}

func (s *Sink) setLastError(err error) {
	s.errMu.Lock()
	s.lastErr, s.lastErrAt = err, time.Now()
	s.errMu.Unlock()
}

// Closed reports whether Close has been called.
func (s *Sink) Closed() bool {
	select {
	case <-s.closeCh:
		return true
	default:
		return false
	}
}
