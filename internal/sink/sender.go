package sink

import (
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
	"go.slogx.dev/internal/wire"
)

// sender is the state of the one goroutine that batches and sends. Nothing
// in it is shared, so it needs no locks.
//
// Up to MaxInFlight requests are in flight at once, each carrying one batch
// on its own keep-alive connection to its endpoint (its lane): while the
// server works on one batch the sender frames, compresses and sends the
// next, and reads the answers oldest first. Only a batch whose endpoint is
// healthy is sent that way; anything else (a retry, a split, a spool
// replay, Close) first settles every batch in flight and then goes one
// request at a time.
type sender struct {
	s           *Sink
	pending     []*[]byte // drained from the ring, not yet in a batch
	views       [][]byte  // scratch: records as the Format sees them
	b           *batch    // the batch being built or resolved
	lanes       []*batch  // one per request that may be in flight
	flight      []*batch  // batches whose request is sent and not yet resolved, oldest first
	fb          []byte    // scratch: records rendered for the fallback
	which       []int     // scratch: record numbers refused within a delivered part
	verdict     wire.Verdict
	heedVerdict wire.Verdict // scratch: how an answer still in flight will be judged
	refused     error        // a 401 or 403: nothing more is sent
	reported    map[int]bool // statuses whose rejection was reported in full
	comp        *compressor
	endpoints   []*endpoint
	next        int // endpoint to try first for the next batch (round robin)
	timer       *time.Timer
	closing     bool  // Close was called; s.deadline is valid
	lastReqErr  error // the latest failed request, for spill summaries
	taken       uint64
	waiters     []flushWaiter
	poll        *time.Timer // re-checks waiters whose records are still being pushed
	req         fasthttp.Request

	started    time.Time
	reportedAt time.Time // when drops were last reported; zero if never
	dropsSeen  [3]uint64 // drops counted then: queue full, too large, reentrant

	// The spool's side (spool.go).
	spBatch     spool.Batch
	parkRecs    [][]byte // scratch: records on their way to the spool
	replay      replayState
	replayTimer *time.Timer // wakes the sender when the spool's backlog may be tried
}

// batch is one batch of records, what was sent for it, and its lane: the
// index of the connection it uses on every endpoint.
type batch struct {
	lane  int
	recs  []byte // its records, back to back
	ends  []int  // where each of them ends in recs
	order []int  // record numbers, rearranged as parts of the batch are resent
	parts []part // parts of the batch still to send (a stack)
	raw   []byte // a request body before compression
	out   []byte // a request body after compression
	resp  fasthttp.Response

	// A batch sent ahead (see sender): its first request and, once read,
	// the answer to it. While reading is set, a goroutine reads the answer
	// into resp, sets keep and readErr, and then signals done; the sender
	// touches none of them until it has received from done.
	inFlight  bool
	e         *endpoint
	body      []byte
	encoding  string
	budgetEnd time.Time
	reading   bool
	done      chan struct{}
	keep      bool
	readErr   error
	first     attempt
}

// size is the number of records in b.
func (b *batch) size() int { return len(b.ends) }

// attempt is the outcome of one request: an answer, or the error that
// stood in for one.
type attempt struct {
	status     int
	retryAfter time.Duration
	answer     []byte
	err        error
}

func newSender(s *Sink) (*sender, error) {
	comp, err := newCompressor(s.cfg.Compression, s.cfg.MaxBatchBytes)
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
	snd.b = snd.lane(0)
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
		if len(snd.waiters) > 0 && len(snd.flight) == 0 {
			// Only reached when a waiter's records are claimed in the ring
			// but not yet published by their producer: a matter of
			// nanoseconds, so look again very soon.
			snd.poll.Reset(100 * time.Microsecond)
			poll = snd.poll.C
		}
		replay := snd.replayDue()
		var answer <-chan struct{}
		if len(snd.flight) > 0 && snd.flight[0].reading {
			answer = snd.flight[0].done
		}
		select {
		case <-answer:
			snd.took(snd.flight[0])
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
		// Nothing more to send now: resolve the batches whose answers are
		// in; the others wake the sender when theirs come.
		snd.finishAnswered()
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
// and resolved, or all of them when the sender exits. Batches are resolved
// in the order they were taken, so the records resolved are those taken
// less those of the batches still in flight.
func (snd *sender) releaseWaiters(all bool) {
	resolved := snd.taken
	for _, b := range snd.flight {
		resolved -= uint64(b.size())
	}
	kept := snd.waiters[:0]
	for _, w := range snd.waiters {
		if all || resolved >= w.mark {
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
	e := snd.aheadTo()
	if e == nil {
		snd.settle() // older batches first
	}
	s.batchOut.Store(true) // its records are older than any Enqueue now: see spoolDirect
	snd.b = snd.freeLane()
	snd.build(k)
	if e != nil {
		snd.sendAhead(k, e)
		if len(snd.flight) >= s.cfg.MaxInFlight {
			snd.finish(snd.flight[0])
		}
	} else {
		snd.deliver(k)
		snd.trim(snd.b)
	}
	s.batchOut.Store(len(snd.flight) > 0)
	return true
}

// trim drops b's buffers if a batch larger than any the limits make (one
// record over MaxBatchBytes, sent alone) grew them: such a record must not
// pin its size in memory, once per lane, for the rest of the process.
func (snd *sender) trim(b *batch) {
	limit := 2 * snd.s.cfg.MaxBatchBytes
	if cap(b.recs) > limit {
		b.recs = nil
	}
	if cap(b.raw) > limit {
		b.raw = nil
	}
	if cap(b.out) > limit {
		b.out = nil
	}
	b.body = nil
}

// aheadTo returns the endpoint to send the next batch to without waiting
// for the answers in flight, or nil if it must go one request at a time:
// with MaxInFlight 1, after Close, after the credentials were refused, or
// unless the endpoint next in turn is up and its last request succeeded.
func (snd *sender) aheadTo() *endpoint {
	s := snd.s
	snd.checkClosing()
	if s.cfg.MaxInFlight < 2 || snd.closing {
		return nil
	}
	// Answers already in come first: one that asks to wait (a 429, a 503)
	// must hold back the next request, not arrive after it was sent.
	snd.finishAnswered()
	// Resolving them may take a while (a retry, a slow fallback): Close may
	// have come, even its deadline and its cut, meanwhile. A request sent
	// ahead now would get the full RequestTimeout on a connection the cut
	// has already passed by.
	snd.checkClosing()
	if snd.closing || snd.refused != nil || s.failing.Load() {
		return nil
	}
	// An answer already in behind one still awaited cannot be resolved yet
	// (batches resolve oldest first), but if it is not a success (a 429 or
	// 503 asking to wait, a refusal) the next request must not go before
	// it is acted on: one request at a time, which settles them in order.
	for _, b := range snd.flight {
		if snd.arrived(b) && (b.first.err != nil || b.first.status/100 != 2) {
			return nil
		}
	}
	// The endpoint next in turn, which a request one at a time would try
	// too; the round-robin position moves only if it is taken.
	j := snd.peek(time.Now())
	if j < 0 || snd.endpoints[j].fails != 0 {
		return nil
	}
	return snd.pick(time.Now())
}

// lane returns lane i's batch, made on first use.
func (snd *sender) lane(i int) *batch {
	for len(snd.lanes) <= i {
		snd.lanes = append(snd.lanes, &batch{lane: len(snd.lanes)})
	}
	return snd.lanes[i]
}

// freeLane returns a batch that is not in flight. There is one while fewer
// than MaxInFlight are, which sendOne keeps so.
func (snd *sender) freeLane() *batch {
	for i := 0; ; i++ {
		if b := snd.lane(i); !b.inFlight {
			return b
		}
	}
}

// sendAhead frames and compresses the batch of n records built last and
// sends it to e, leaving its answer to be read by finish.
func (snd *sender) sendAhead(n int, e *endpoint) {
	s, b := snd.s, snd.b
	snd.frame(snd.allRecords(n))
	now := time.Now()
	b.inFlight, b.e, b.first = true, e, attempt{}
	b.budgetEnd = now.Add(s.cfg.Retry.Budget)
	snd.prepare(e, b.body, b.encoding)
	err := snd.send(e, b.lane, &snd.req, now.Add(s.cfg.RequestTimeout))
	snd.req.SetBodyRaw(nil) // do not keep the batch body reachable
	snd.flight = append(snd.flight, b)
	if err != nil {
		// Not even written (a refused connection, a reset): what follows
		// is a retry with backoff, one request at a time, as without
		// sending ahead, rather than more batches taken from the queue
		// for an endpoint that is not there.
		b.first.err = requestError(&e.target, err)
		snd.settle()
		return
	}
	if b.done == nil {
		b.done = make(chan struct{}, 1)
	}
	b.reading = true
	c := e.conns[b.lane]
	go func() {
		b.keep, b.readErr = readResponse(c, &b.resp)
		b.done <- struct{}{}
	}()
}

// took accounts for the answer to b's request, once its reader has
// signalled done.
func (snd *sender) took(b *batch) {
	b.reading = false
	if !b.keep {
		snd.closeConn(b.e, b.lane)
	}
	b.first = answerOf(b.e, &b.resp, b.readErr)
	b.readErr = nil
}

// arrived reports whether the answer to b's request is in, taking it in
// if its reader has just signalled; it does not wait.
func (snd *sender) arrived(b *batch) bool {
	if b.reading {
		select {
		case <-b.done:
			snd.took(b)
		default:
			return false
		}
	}
	return true
}

// collect waits for the answer to b's request, if it is not in yet.
func (snd *sender) collect(b *batch) {
	if b.reading {
		<-b.done
		snd.took(b)
	}
}

// finishAnswered resolves the batches in flight whose answers are in,
// oldest first, up to the first still awaited: batches resolve in the
// order they were taken, which Flush relies on.
func (snd *sender) finishAnswered() {
	for len(snd.flight) > 0 {
		b := snd.flight[0]
		if !snd.arrived(b) {
			return
		}
		snd.finish(b)
	}
	snd.s.batchOut.Store(false)
}

// finish resolves b, a batch in flight: its answer read, then delivered,
// retried, split or rejected as deliver would.
func (snd *sender) finish(b *batch) {
	i := slices.Index(snd.flight, b)
	snd.flight = slices.Delete(snd.flight, i, i+1)
	snd.collect(b)
	prev := snd.b
	snd.b = b
	b.parts = append(b.parts[:0], part{lo: 0, hi: b.size()})
	first := &b.first
	for len(b.parts) > 0 {
		p := b.parts[len(b.parts)-1]
		b.parts = b.parts[:len(b.parts)-1]
		snd.deliverPart(p, b.budgetEnd, first)
		first = nil
	}
	b.inFlight = false
	b.first = attempt{}
	snd.trim(b)
	snd.b = prev
}

// settle resolves every batch in flight, oldest first.
func (snd *sender) settle() {
	for len(snd.flight) > 0 {
		snd.finish(snd.flight[0])
	}
	snd.s.batchOut.Store(false)
}

// build copies the first k pending records into snd.b (their ends in
// snd.b.ends) and gives their buffers and their room in the queue back.
func (snd *sender) build(k int) {
	s := snd.s
	recs, ends := snd.b.recs[:0], snd.b.ends[:0]
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
	snd.b.recs, snd.b.ends = recs, ends
	snd.taken += uint64(k)
	s.taken.Store(snd.taken) // before the word is lowered: see Stats
	s.res.sub(release)
	if s.stalled.Load() {
		s.stalled.Store(false)
	}
	s.room.broadcast() // room for waiting producers
}

// record returns the i-th record of the batch at hand.
func (snd *sender) record(i int) []byte {
	b := snd.b
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.recs[start:b.ends[i]]
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
		for lane := range e.conns {
			snd.closeConn(e, lane)
		}
	}
}

// shutdown runs after Close: it sends everything queued until the close
// deadline, then spills whatever is left.
func (snd *sender) shutdown() {
	s := snd.s
	snd.closing = true
	defer s.room.broadcast()
	snd.settle()
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
		snd.b = snd.freeLane()
		snd.build(n)
		snd.spill(snd.allRecords(n), "close timeout "+s.cfg.CloseTimeout.String()+" passed")
		snd.trim(snd.b)
	}
}
