package sink

import (
	"errors"
	"testing"
	"time"
)

// TestOversizedBuffersDoNotShrinkTheQueue: a record handed over in a buffer
// that grew for an earlier, larger record takes the room of its own size,
// not of the buffer. Before, one large record made every later buffer
// large, and a 1 MiB queue held one record.
func TestOversizedBuffersDoNotShrinkTheQueue(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.QueueBytes = 1 << 20
	cfg.BatchSize, cfg.FlushInterval = 1, time.Hour
	cfg.Overflow = DropNewest
	s := mustNew(t, cfg)
	s.Enqueue(realLine(0))
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })

	for i := 1; i <= 1000; i++ {
		b := s.Buffer(1 << 20) // as a face asks after one 1 MiB record
		*b = append(*b, realLine(i)...)
		if err := s.EnqueueOwned(b); err != nil {
			t.Fatalf("record %d of 1000 small records after a large one: %v (stats %+v)", i, err, s.Stats())
		}
	}
	// 1000 records of ~220 bytes hold 256 KiB of pooled buffers at most.
	e.release()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != 1001 {
		t.Errorf("delivered %d of 1001: %+v", st.Delivered, st)
	}
}

// TestTooLargeCountsWhatTheQueueCounts: whether a record is too large is
// judged by the room it takes in the queue. A record that fits an empty
// queue is queued even if its buffer is larger than the queue (it is moved
// to one that fits); before, such a record passed the length check, failed
// every reservation, and with Block waited BlockTimeout on an empty queue.
func TestTooLargeCountsWhatTheQueueCounts(t *testing.T) {
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	cfg.QueueBytes, cfg.MaxBatchBytes = 64<<10, 64<<10
	cfg.Overflow, cfg.BlockTimeout = Block, 5*time.Second
	s := mustNew(t, cfg)

	rec := make([]byte, 0, 100<<10) // a 100 KiB buffer holding 40 KiB
	for len(rec) < 40<<10 {
		rec = append(rec, realLine(len(rec))...)
	}
	start := time.Now()
	if err := s.EnqueueOwned(&rec); err != nil {
		t.Fatalf("a 40 KiB record in a 64 KiB empty queue: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("queueing into an empty queue took %v", d)
	}
	big := make([]byte, 65<<10)
	if err := s.Enqueue(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 65 KiB record in a 64 KiB queue: %v, want ErrTooLarge", err)
	}
	if err := s.Close(); err == nil {
		t.Error("Close = nil; want the too-large record reported")
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != 1 || st.DroppedTooLarge != 1 || st.DroppedQueueFull != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestBufferHandsOutPooledSizes: Buffer never hands out more than the
// largest pooled size, whatever it is asked for; a larger record grows it.
func TestBufferHandsOutPooledSizes(t *testing.T) {
	e := newEndpointServer(t)
	s := mustNew(t, testConfig(nil, e.URL()))
	for _, n := range []int{0, 1, 200, maxPooledRec, maxPooledRec + 1, 70 << 20} {
		b := s.Buffer(n)
		if c := cap(*b); c > maxPooledRec || c < min(n, maxPooledRec) {
			t.Errorf("Buffer(%d) has capacity %d", n, c)
		}
		s.Release(b)
	}
}
