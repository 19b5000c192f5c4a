package sink

import (
	"errors"
	"fmt"
	"time"

	"go.slogx.dev/internal/spool"
)

// The spool (Config.Spool) keeps what cannot be sent now on disk instead
// of dropping it:
//
//   - A batch the sender cannot deliver because every endpoint is failing
//     (or whose retry budget or the close deadline ran out) is appended to
//     the spool instead of being retried in memory or spilled; so is what
//     is still queued at the close deadline.
//   - While every endpoint is failing, Enqueue writes a record straight to
//     the spool when nothing is queued or batched ahead of it (so records
//     keep their order), and queues it otherwise; the sender moves the queue
//     to disk at once. A record that finds the queue full goes to the spool
//     rather than being dropped, ahead of the queued records it overtook:
//     the spool holds records in the order they reached it, which is the
//     order they were logged except around such an overflow.
//   - The sender replays the spool oldest first, one batch after each
//     batch from the queue, so new records keep flowing while the backlog
//     drains at full speed. A replayed batch that cannot be delivered stays
//     on disk and is tried again later; it is acknowledged (and then
//     deleted) once the server answers 2xx, or rejects it for good.
//
// A disk that fails (full, read-only) makes the sink behave as without a
// spool until the spool's rest is over; the error is in Stats.LastError and
// the spool's figures.

// SpoolStats are a sink's spool figures; all zero without a spool.
//
// Records are in the spool from the moment they are written to it until
// they are delivered or rejected; those of an earlier run count as
// Recovered.
type SpoolStats struct {
	// Records and Bytes are what the spool holds now: records not yet
	// delivered (including a batch being replayed) and the bytes of its
	// files.
	Records int
	Bytes   int64
	// Written counts the records this process wrote to the spool.
	Written uint64
	// Recovered counts the records found in the spool at New, left by an
	// earlier run (a crash, or an outage that outlasted it).
	Recovered uint64
	// Replayed counts the records read back from the spool and delivered
	// (they are also in Delivered).
	Replayed uint64
	// Dropped counts the records deleted from the spool unsent to keep it
	// within MaxBytes, oldest first.
	Dropped uint64
	// Torn counts damaged stretches skipped when reading the spool (a frame
	// cut short by a crash, flipped bits): never sent, counted here.
	Torn uint64
	// Failed counts records the spool could not take because its disk
	// failed; they were handled as without a spool.
	Failed uint64
	// Err is the spool's latest disk error, nil if none.
	Err error
}

func openSpool(cfg Config) (*spool.Spool, error) {
	if cfg.Spool == nil {
		return nil, nil
	}
	sp, err := spool.Open(*cfg.Spool)
	if err != nil {
		// The face names itself in front of what New returns.
		return nil, err
	}
	return sp, nil
}

// spoolDirect writes a record straight to the spool while every endpoint
// is failing and nothing is queued ahead of it. It reports whether it did;
// if not, the record takes the usual path. b is released if it did.
func (s *Sink) spoolDirect(b *[]byte) bool {
	if w := s.res.load(); resCount(w) != 0 || w&resClosed != 0 || s.batchOut.Load() {
		return false // older records are queued or batched; the sender moves them to disk
	}
	return s.spoolOne(b)
}

// spoolOne appends one record to the spool and releases b, or reports false.
func (s *Sink) spoolOne(b *[]byte) bool {
	if err := s.sp.Append(*b); err != nil {
		// While the spool rests after a disk failure every call is refused
		// at once; the failure itself was reported when it happened, and a
		// log call should not pay for reporting it again.
		if !errors.Is(err, spool.ErrUnavailable) {
			s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
		}
		return false
	}
	putRec(b)
	s.spooledDirect.Add(1)
	return true
}

// replayState is about the batch being delivered, if it came from the
// spool.
type replayState struct {
	on                  bool // the batch being delivered was read from the spool
	n                   int
	delivered, rejected uint64 // the counters before it
	rewind              bool   // nothing of it was resolved: it goes back whole
}

// park takes records of the batch being delivered (numbered in idx) that
// cannot be delivered now. With a spool they go there: a batch read from
// the spool that is still whole goes back where it was (Rewind, keeping
// its place); anything else is appended. If the disk takes only part, the
// rest is spilled. It reports false, having done nothing, if there is no
// spool or it took nothing.
func (snd *sender) park(idx []int) bool {
	s := snd.s
	if s.sp == nil {
		return false
	}
	r := &snd.replay
	if r.on && len(idx) == r.n && s.delivered.Load() == r.delivered && s.dropRejected.Load() == r.rejected {
		r.rewind = true
		return true
	}
	recs := snd.parkRecs[:0]
	for _, i := range idx {
		recs = append(recs, snd.record(i))
	}
	k, err := s.sp.AppendBatch(recs)
	clear(recs)
	snd.parkRecs = recs[:0]
	if !r.on {
		s.spooledMoved.Add(uint64(k))
	}
	if err == nil {
		return true
	}
	s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
	if k == 0 {
		return false
	}
	// The disk failed part way: the records it took are safe, the rest go
	// to the fallback now rather than wait.
	snd.spillNow(idx[k:], "the spool failed: "+err.Error())
	return true
}

// replayOne sends the next batch from the spool, if there is one and an
// endpoint is up. It reports whether the batch was resolved: delivered,
// rejected for good, or (the parts that failed again) appended anew.
func (snd *sender) replayOne() bool {
	s := snd.s
	if s.sp == nil || snd.closing || s.sp.Unread() == 0 || !snd.anyUp(time.Now()) {
		return false
	}
	// A replayed batch goes one request at a time, after the batches in
	// flight: its rewind and acknowledgement assume no other is out.
	snd.settle()
	b := &snd.spBatch
	n, err := s.sp.Read(b, s.cfg.BatchSize, s.cfg.MaxBatchBytes)
	if err != nil {
		s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
	}
	if n == 0 {
		return false
	}
	// The format may take fewer per request (its framing, its limits):
	// read again just that many.
	if k := min(max(s.cfg.Format.Take(b.Records, s.cfg.MaxBatchBytes, s.cfg.BatchSize), 1), n); k < n {
		s.sp.Rewind(b)
		if n, err = s.sp.Read(b, k, s.cfg.MaxBatchBytes); n == 0 {
			if err != nil {
				s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
			}
			return false
		}
	}
	s.spInFlight.Store(int64(n))
	snd.b = snd.freeLane()
	recs, ends := snd.b.recs[:0], snd.b.ends[:0]
	for _, rec := range b.Records {
		recs = append(recs, rec...)
		ends = append(ends, len(recs))
	}
	snd.b.recs, snd.b.ends = recs, ends
	r := &snd.replay
	*r = replayState{on: true, n: n, delivered: s.delivered.Load(), rejected: s.dropRejected.Load()}
	snd.deliver(n)
	snd.trim(snd.b)
	r.on = false
	if r.rewind {
		// Not delivered: back to the spool, where it waits its turn again
		// (and is counted if MaxBytes deletes it meanwhile).
		s.sp.Rewind(b)
		s.spInFlight.Store(0)
		return false
	}
	s.replayed.Add(s.delivered.Load() - r.delivered)
	if err := s.sp.Ack(b); err != nil {
		// The records will be sent again after a restart: at least once.
		s.setLastError(fmt.Errorf("%s: %w", s.cfg.Name, err))
	}
	s.spInFlight.Store(0)
	return true
}

// minReplayWait spaces the sender's wake-ups for a backlog it could not
// send, so that a spool it cannot read (a disk error) does not spin it.
const minReplayWait = 10 * time.Millisecond

// replayDue arms the replay timer for when the spool's backlog may next be
// tried, the moment the first endpoint is up again, and returns its
// channel; nil if there is no backlog. Without it, a backlog would wait for
// the next FlushInterval tick after the server came back.
func (snd *sender) replayDue() <-chan time.Time {
	s := snd.s
	if s.sp == nil || s.sp.Unread() == 0 {
		return nil
	}
	snd.replayTimer.Reset(max(time.Until(snd.earliestUp()), minReplayWait))
	return snd.replayTimer.C
}

// anyUp reports whether some endpoint may be tried now.
func (snd *sender) anyUp(now time.Time) bool {
	for _, e := range snd.endpoints {
		if !now.Before(e.downUntil) {
			return true
		}
	}
	return false
}

// spoolStats returns the spool's figures.
func (s *Sink) spoolStats() SpoolStats {
	if s.sp == nil {
		return SpoolStats{}
	}
	st := s.sp.Stats()
	return SpoolStats{
		Records:   st.Records + int(s.spInFlight.Load()),
		Bytes:     st.Bytes,
		Written:   st.Written,
		Recovered: st.Recovered,
		Replayed:  s.replayed.Load(),
		Dropped:   st.Dropped,
		Torn:      st.Torn,
		Failed:    st.Failed,
		Err:       st.Err,
	}
}
