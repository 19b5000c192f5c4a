package sink

import (
	"fmt"
	"runtime"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
	"go.slogx.dev/internal/wire"
)

// sender is the state of the one goroutine that batches and sends. Nothing
// in it is shared, so it needs no locks.
type sender struct {
	s          *Sink
	pending    []*[]byte // drained from the ring, not yet in a batch
	views      [][]byte  // scratch: records as the Format sees them
	recs       []byte    // the records of the batch being delivered, back to back
	ends       []int     // where each of them ends in recs
	order      []int     // record numbers, rearranged as parts of the batch are resent
	parts      []part    // parts of the batch still to send (a stack)
	raw        []byte    // a request body before compression
	fb         []byte    // scratch: records rendered for the fallback
	which      []int     // scratch: record numbers refused within a delivered part
	verdict    wire.Verdict
	refused    error        // a 401 or 403: nothing more is sent
	reported   map[int]bool // statuses whose rejection was reported in full
	comp       *compressor
	endpoints  []*endpoint
	next       int // endpoint to try first for the next batch (round robin)
	timer      *time.Timer
	closing    bool  // Close was called; s.deadline is valid
	lastReqErr error // the latest failed request, for spill summaries
	taken      uint64
	waiters    []flushWaiter
	poll       *time.Timer // re-checks waiters whose records are still being pushed
	req        fasthttp.Request
	resp       fasthttp.Response

	started    time.Time
	reportedAt time.Time // when drops were last reported; zero if never
	dropsSeen  [3]uint64 // drops counted then: queue full, too large, reentrant

	// The spool's side (spool.go).
	spBatch     spool.Batch
	parkRecs    [][]byte // scratch: records on their way to the spool
	replay      replayState
	replayTimer *time.Timer // wakes the sender when the spool's backlog may be tried
}

func newSender(s *Sink) (*sender, error) {
	comp, err := newCompressor(s.cfg.Compression)
	if err != nil {
		return nil, err
	}
	snd := &sender{
		s:        s,
		pending:  make([]*[]byte, 0, s.cfg.BatchSize),
		comp:     comp,
		timer:    time.NewTimer(time.Hour),
		poll:     time.NewTimer(time.Hour),
		started:  time.Now(),
		reported: map[int]bool{},
	}
	snd.timer.Stop()
	snd.poll.Stop()
	snd.replayTimer = time.NewTimer(time.Hour)
	snd.replayTimer.Stop()
	for _, e := range s.cfg.Endpoints {
		t, err := parseTarget(e)
		if err != nil {
			return nil, fmt.Errorf("endpoint %w", URLError(e, err))
		}
		snd.endpoints = append(snd.endpoints, &endpoint{url: e, target: t})
	}
	return snd, nil
}

// flushWaiter is a Flush call waiting for the sender to have taken mark
// records.
type flushWaiter struct {
	mark uint64
	ch   chan struct{}
}

func (snd *sender) run() {
	s := snd.s
	defer close(s.done)
	defer snd.comp.close()
	defer snd.closeConns()
	defer snd.releaseWaiters(true)
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	// Drops are looked for at least every second, and reported at most once
	// per DropReportInterval.
	report := time.NewTicker(max(min(s.cfg.DropReportInterval, time.Second), 10*time.Millisecond))
	defer report.Stop()
	for {
		force := false
		var poll <-chan time.Time
		if len(snd.waiters) > 0 {
			// Only reached when a waiter's records are claimed in the ring
			// but not yet published by their producer: a matter of
			// nanoseconds, so look again very soon.
			snd.poll.Reset(100 * time.Microsecond)
			poll = snd.poll.C
		}
		replay := snd.replayDue()
		select {
		case <-s.wake:
		case <-tick.C:
			force = true
		case ch := <-s.flushReq:
			// Everything queued now is ahead of this mark, including
			// records whose push is in progress (Len counts claimed
			// slots). Records a producer is still deciding about are
			// concurrent with the Flush and need not be waited for.
			mark := snd.taken + uint64(len(snd.pending)) + uint64(s.ring.Len())
			snd.waiters = append(snd.waiters, flushWaiter{mark: mark, ch: ch})
		case <-poll:
		case <-replay:
		case <-report.C:
		case <-s.closeCh:
			snd.shutdown()
			snd.reportDrops(time.Now(), true)
			return
		}
		snd.reportDrops(time.Now(), false)
		if poll != nil {
			snd.poll.Stop()
		}
		if replay != nil {
			snd.replayTimer.Stop()
		}
		// While every endpoint fails, the queue goes to the spool at once,
		// not a full batch at a time.
		force = force || len(snd.waiters) > 0 || (s.sp != nil && s.failing.Load())
		for snd.step(force) {
			snd.releaseWaiters(false)
			if s.Closed() {
				break
			}
		}
		snd.releaseWaiters(false)
	}
}

// step sends a batch from the queue and one from the spool, if there are
// any, and reports whether either was sent. Taking turns lets a backlog on
// disk drain at full speed while new records keep flowing.
func (snd *sender) step(force bool) bool {
	sent := snd.sendOne(force)
	replayed := snd.replayOne()
	return sent || replayed
}

// releaseWaiters answers the Flush calls whose records have all been taken
// and resolved (a batch is resolved before the next one is taken), or all
// of them when the sender exits.
func (snd *sender) releaseWaiters(all bool) {
	kept := snd.waiters[:0]
	for _, w := range snd.waiters {
		if all || snd.taken >= w.mark {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(snd.waiters[len(kept):])
	snd.waiters = kept
}

// sendOne builds and delivers one batch. Unless force is set it sends only a
// full batch (BatchSize records or MaxBatchBytes bytes). It reports whether
// it sent one.
func (snd *sender) sendOne(force bool) bool {
	s := snd.s
	if n := s.cfg.BatchSize - len(snd.pending); n > 0 {
		snd.pending = s.ring.Drain(snd.pending, n)
	}
	if len(snd.pending) == 0 {
		return false
	}
	// How many pending records make one batch, framing included, within
	// the format's limits: at least one, whatever its size.
	views := snd.views[:0]
	for _, b := range snd.pending {
		views = append(views, *b)
	}
	// At least one record leaves the queue, whatever the Format says, so
	// the sender cannot stall on a record no batch would take.
	k := min(max(s.cfg.Format.Take(views, s.cfg.MaxBatchBytes, s.cfg.BatchSize), 1), len(views))
	clear(views)
	snd.views = views[:0]
	size := 0
	for _, b := range snd.pending[:k] {
		size += len(*b)
	}
	full := k == s.cfg.BatchSize || k < len(snd.pending) || size >= s.cfg.MaxBatchBytes
	if !force && !full {
		return false
	}
	s.batchOut.Store(true) // its records are older than any Enqueue now: see spoolDirect
	snd.build(k)
	snd.deliver(k)
	s.batchOut.Store(false)
	return true
}

// build copies the first k pending records into snd.recs (their ends in
// snd.ends) and gives their buffers and their room in the queue back.
func (snd *sender) build(k int) {
	s := snd.s
	recs, ends := snd.recs[:0], snd.ends[:0]
	var release uint64
	for i, b := range snd.pending[:k] {
		recs = append(recs, *b...)
		ends = append(ends, len(recs))
		release += resDelta(cap(*b))
		putRec(b)
		snd.pending[i] = nil
	}
	n := copy(snd.pending, snd.pending[k:])
	clear(snd.pending[n:])
	snd.pending = snd.pending[:n]
	snd.recs, snd.ends = recs, ends
	snd.taken += uint64(k)
	s.taken.Store(snd.taken) // before the word is lowered: see Stats
	s.res.sub(release)
	if s.stalled.Load() {
		s.stalled.Store(false)
	}
	s.room.broadcast() // room for waiting producers
}

// record returns the i-th record of the batch built last.
func (snd *sender) record(i int) []byte {
	start := 0
	if i > 0 {
		start = snd.ends[i-1]
	}
	return snd.recs[start:snd.ends[i]]
}

// noteFailure records a failed request: once every endpoint has failed
// since its last success, producers stop waiting for room (Backpressure).
func (snd *sender) noteFailure() {
	for _, e := range snd.endpoints {
		if e.fails == 0 {
			return
		}
	}
	if !snd.s.failing.Load() {
		snd.s.failing.Store(true)
		snd.s.room.broadcast() // waiting producers drop now
	}
}

// noteSuccess records a delivered batch: producers may wait for room again.
func (snd *sender) noteSuccess() {
	s := snd.s
	if s.failing.Load() {
		s.failing.Store(false)
	}
	if s.stalled.Load() {
		s.stalled.Store(false)
	}
}

func (snd *sender) closeConns() {
	for _, e := range snd.endpoints {
		snd.closeConn(e)
	}
}

// shutdown runs after Close: it sends everything queued until the close
// deadline, then spills whatever is left.
func (snd *sender) shutdown() {
	s := snd.s
	snd.closing = true
	defer s.room.broadcast()
	for spins := 0; ; {
		if time.Now().After(s.deadline) {
			snd.spillRest()
			return
		}
		if snd.sendOne(true) {
			spins = 0
			continue
		}
		// The ring is empty. A producer that reserved room before Close set
		// the flag may still be between its reservation and its push; wait
		// for it, since its record is ours to deliver.
		if resCount(s.res.load()) == 0 {
			return
		}
		spins++
		if spins < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// spillRest writes every record still queued to the fallback.
func (snd *sender) spillRest() {
	s := snd.s
	for resCount(s.res.load()) > 0 {
		snd.pending = s.ring.Drain(snd.pending, s.cfg.BatchSize-len(snd.pending))
		if len(snd.pending) == 0 {
			runtime.Gosched() // a producer between reserving and pushing
			continue
		}
		n := len(snd.pending)
		snd.build(n)
		snd.spill(snd.allRecords(n), "close timeout "+s.cfg.CloseTimeout.String()+" passed")
	}
}
