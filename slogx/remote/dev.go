package remote

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.slogx.dev/internal/sink"
)

// devQueue is development mode's queue: each record is written at once, as
// a JSON line, to the Fallback writer, and counts as delivered, since that
// is where it was meant to go. Nothing is sent and no goroutine runs.
type devQueue struct {
	mu sync.Mutex // serialises writes, as slog.JSONHandler does
	w  io.Writer

	closed                                   atomic.Bool
	delivered, spilled, local, trunc, tooBig atomic.Uint64
	bytes                                    atomic.Uint64

	errMu     sync.Mutex
	lastErr   error
	lastErrAt time.Time
}

// Records are at most MaxRecordBytes long; buffers that grew past 16 KiB
// are not kept, so one huge record does not pin its memory.
var devBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (q *devQueue) Buffer(int) *[]byte {
	b := devBufs.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

func (q *devQueue) Release(b *[]byte) {
	if cap(*b) <= 16<<10 {
		devBufs.Put(b)
	}
}

func (q *devQueue) EnqueueOwned(b *[]byte) error {
	defer q.Release(b)
	q.mu.Lock()
	_, err := q.w.Write(*b)
	q.mu.Unlock()
	if err != nil {
		// Nowhere else to put it: count it as written to the fallback, as
		// the sink does when its fallback fails, and say why.
		q.spilled.Add(1)
		q.setLastError(fmt.Errorf("remote: development mode: writing to the fallback: %w (%d bytes lost)", err, len(*b)))
		return nil
	}
	q.delivered.Add(1)
	q.bytes.Add(uint64(len(*b)))
	return nil
}

func (q *devQueue) DropTooLarge(err error) {
	q.tooBig.Add(1)
	q.setLastError(err)
}

func (q *devQueue) CountTruncated() { q.trunc.Add(1) }
func (q *devQueue) CountLocal()     { q.local.Add(1) }

func (q *devQueue) setLastError(err error) {
	q.errMu.Lock()
	q.lastErr, q.lastErrAt = err, time.Now()
	q.errMu.Unlock()
}

// Flush has nothing to wait for: every record was written by Handle.
func (q *devQueue) Flush(context.Context) error {
	if q.closed.Load() {
		return sink.ErrClosed
	}
	return nil
}

// Close marks the queue closed; records logged later are still written,
// since the fallback is where they go anyway. It reports the records that
// could not be written.
func (q *devQueue) Close() error {
	q.closed.Store(true)
	st := q.Stats()
	if st.Accepted == st.Delivered {
		return nil
	}
	return fmt.Errorf("remote: development mode: %d of %d records not written (%d too large, %d failed writes); last error: %v",
		st.Accepted-st.Delivered, st.Accepted, st.DroppedTooLarge, st.Spilled, st.LastError)
}

func (q *devQueue) Stats() sink.Stats {
	st := sink.Stats{
		Delivered:       q.delivered.Load(),
		Spilled:         q.spilled.Load(),
		DroppedTooLarge: q.tooBig.Load(),
		Truncated:       q.trunc.Load(),
		Local:           q.local.Load(),
		Bytes:           q.bytes.Load(),
	}
	st.Accepted = st.Delivered + st.Spilled + st.DroppedTooLarge
	q.errMu.Lock()
	st.LastError, st.LastErrorAt = q.lastErr, q.lastErrAt
	q.errMu.Unlock()
	return st
}
