package sink

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// loggingFallback is a Fallback writer that logs each write back through
// the sink it serves, as a Fallback built on the program's own logger does.
type loggingFallback struct {
	buf  lockedBuffer
	sink func() *Sink
	errs chan error
}

func (f *loggingFallback) Write(p []byte) (int, error) {
	n, err := f.buf.Write(p)
	rec := realLine(-len(p))
	select {
	case f.errs <- f.sink().Enqueue(rec):
	default:
	}
	return n, err
}

// within runs f and fails the test if it does not return in d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v: deadlock", what, d)
	}
}

// TestFallbackLoggingBackAfterClose: a record logged after Close goes to
// the Fallback; if the Fallback logs through the same sink while being
// written to, that record is dropped and counted (ErrReentrant) rather
// than written, which would recurse without end. Before, the second write
// waited for the lock its own goroutine held.
func TestFallbackLoggingBackAfterClose(t *testing.T) {
	e := newEndpointServer(t)
	var s *Sink
	fb := &loggingFallback{sink: func() *Sink { return s }, errs: make(chan error, 100)}
	s = mustNew(t, testConfig(fb, e.URL()))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var err error
	within(t, 10*time.Second, "Enqueue after Close", func() { err = s.Enqueue(realLine(1)) })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
	if inner := <-fb.errs; !errors.Is(inner, ErrReentrant) {
		t.Errorf("the fallback's own record: %v, want ErrReentrant", inner)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Spilled != 1 || st.DroppedReentrant != 1 || fb.buf.String() != string(realLine(1)) {
		t.Errorf("stats = %+v, fallback %q", st, fb.buf.String())
	}
}

// TestFallbackLoggingBackWhileSending: the sender writes rejected batches
// to the Fallback; records the Fallback logs back meanwhile are dropped at
// once and counted, never queued (they would be rejected and logged back
// for ever) and never waiting for room (the sender that would make it is
// inside that write), even with Overflow Block and a long BlockTimeout.
// Before, each waited BlockTimeout.
func TestFallbackLoggingBackWhileSending(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(int, *http.Request) (int, http.Header) { return 400, nil })
	e.holdRequests()
	var s *Sink
	fb := &loggingFallback{sink: func() *Sink { return s }, errs: make(chan error, 1000)}
	cfg := testConfig(fb, e.URL())
	cfg.QueueSize, cfg.BatchSize, cfg.FlushInterval = 2, 2, time.Hour
	cfg.Overflow, cfg.BlockTimeout = Block, time.Minute
	s = mustNew(t, cfg)
	s.Enqueue(realLine(0))
	s.Enqueue(realLine(1))
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })
	s.Enqueue(realLine(2))
	s.Enqueue(realLine(3)) // the queue is full when the fallback logs
	e.release()
	eventually(t, 20*time.Second, "both batches rejected", func() bool { return s.Stats().DroppedRejected == 4 })
	within(t, 20*time.Second, "Close", func() { s.Close() })
	st := s.Stats()
	checkInvariant(t, st)
	// Each rejection writes a summary and the records: two writes, two
	// records logged back, each dropped at once; so does each report of
	// those drops (one at once, one at Close), at most one per interval.
	// Queued, they would be rejected in turn and log more, for ever.
	if st.DroppedRejected != 4 || st.DroppedReentrant != 4+st.DropReports || st.DropReports > 2 || st.Accepted != 4+st.DroppedReentrant {
		t.Errorf("stats = %+v; want the fallback's own records dropped as reentrant", st)
	}
	for range 4 {
		if err := <-fb.errs; !errors.Is(err, ErrReentrant) {
			t.Errorf("a record the fallback logged: %v, want ErrReentrant", err)
		}
	}
}
