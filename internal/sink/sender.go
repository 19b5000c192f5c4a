package sink

import (
	"runtime"
	"time"
)

// sender is the state of the one goroutine that batches and sends. Nothing
// in it is shared, so it needs no locks.
type sender struct {
	s          *Sink
	pending    []*[]byte // drained from the ring, not yet in a batch
	raw        []byte    // the batch body before compression
	comp       *compressor
	endpoints  []*endpoint
	next       int // endpoint to try first for the next batch (round robin)
	timer      *time.Timer
	closing    bool  // Close was called; s.deadline is valid
	lastReqErr error // the latest failed request, for spill summaries
}

func newSender(s *Sink) (*sender, error) {
	comp, err := newCompressor(s.cfg.Compression)
	if err != nil {
		return nil, err
	}
	snd := &sender{
		s:       s,
		pending: make([]*[]byte, 0, s.cfg.BatchSize),
		comp:    comp,
		timer:   time.NewTimer(time.Hour),
	}
	snd.timer.Stop()
	for _, e := range s.cfg.Endpoints {
		snd.endpoints = append(snd.endpoints, &endpoint{url: e})
	}
	return snd, nil
}

func (snd *sender) run() {
	s := snd.s
	defer close(s.done)
	defer snd.comp.close()
	tick := time.NewTicker(s.cfg.FlushInterval)
	defer tick.Stop()
	for {
		force := false
		select {
		case <-s.wake:
		case <-tick.C:
			force = true
		case <-s.closeCh:
			snd.shutdown()
			return
		}
		for snd.sendOne(force || s.flushing.Load() > 0) {
			if s.Closed() {
				break
			}
		}
	}
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
	// How many pending records fit in one batch: at least one, whatever its
	// size.
	k, size := 0, 0
	for _, b := range snd.pending {
		if k > 0 && size+len(*b) > s.cfg.MaxBatchBytes {
			break
		}
		size += len(*b)
		k++
	}
	full := k == s.cfg.BatchSize || k < len(snd.pending) || size >= s.cfg.MaxBatchBytes
	if !force && !full {
		return false
	}
	snd.build(k)
	snd.deliver(k)
	return true
}

// build copies the first k pending records into snd.raw and gives their
// buffers and their room in the queue back.
func (snd *sender) build(k int) {
	s := snd.s
	raw := snd.raw[:0]
	var release uint64
	for i, b := range snd.pending[:k] {
		raw = append(raw, *b...)
		release += resDelta(cap(*b))
		putRec(b)
		snd.pending[i] = nil
	}
	n := copy(snd.pending, snd.pending[k:])
	clear(snd.pending[n:])
	snd.pending = snd.pending[:n]
	snd.raw = raw
	s.res.sub(release)
	s.progress.broadcast() // room for blocked producers
}

// shutdown runs after Close: it sends everything queued until the close
// deadline, then spills whatever is left.
func (snd *sender) shutdown() {
	s := snd.s
	snd.closing = true
	defer s.progress.broadcast()
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
		snd.spill(n, "close timeout "+s.cfg.CloseTimeout.String()+" passed")
	}
}
