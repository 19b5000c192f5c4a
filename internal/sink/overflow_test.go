package sink

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestBackpressureAbsorbsABurst: with the default overflow policy a burst
// far larger than the queue, into a healthy but slow endpoint, is delivered
// whole: producers wait for room instead of dropping. Before, the default
// dropped what did not fit.
func TestBackpressureAbsorbsABurst(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(int, *http.Request) (int, http.Header) {
		time.Sleep(2 * time.Millisecond) // slower than the producer
		return 204, nil
	})
	cfg := testConfig(nil, e.URL())
	cfg.QueueSize = 100 // BatchSize follows: 100
	s := mustNew(t, cfg)
	const n = 5000
	for i := range n {
		if err := s.Enqueue(realLine(i)); err != nil {
			t.Fatalf("record %d: %v (stats %+v)", i, err, s.Stats())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != n {
		t.Errorf("delivered %d of %d: %+v", st.Delivered, n, st)
	}
	if got := len(e.linesOf(func(int) bool { return true })); got != n {
		t.Errorf("the endpoint received %d records, want %d", got, n)
	}
}

// TestBackpressureNeverWaitsWhileFailing: once every endpoint has failed, a
// full queue drops at once, however long BlockTimeout is.
func TestBackpressureNeverWaitsWhileFailing(t *testing.T) {
	a, b := newEndpointServer(t), newEndpointServer(t)
	for _, e := range []*endpointServer{a, b} {
		e.setAnswer(func(int, *http.Request) (int, http.Header) { return 503, nil })
	}
	cfg := testConfig(&lockedBuffer{}, a.URL(), b.URL())
	cfg.QueueSize = 10
	cfg.BlockTimeout = 30 * time.Second // a wait would be unmistakable
	cfg.CloseTimeout = 100 * time.Millisecond
	s := mustNew(t, cfg)
	for i := range 10 {
		s.Enqueue(realLine(i))
	}
	eventually(t, 10*time.Second, "both endpoints to fail", func() bool { return len(a.requests()) > 0 && len(b.requests()) > 0 })
	for i := range 10 { // refill what the sender took into its batch
		s.Enqueue(realLine(10 + i))
	}
	var worst time.Duration
	for i := range 1000 {
		start := time.Now()
		err := s.Enqueue(realLine(100 + i))
		worst = max(worst, time.Since(start))
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatal(err)
		}
	}
	if worst > 10*time.Second {
		t.Errorf("a log call waited %v while every endpoint was failing", worst)
	}
	if st := s.Stats(); st.DroppedQueueFull < 900 {
		t.Errorf("stats = %+v; want the records beyond the queue dropped", st)
	}
	s.Close()
	checkInvariant(t, s.Stats())
}

// TestBackpressureStall: when the sender makes no room for BlockTimeout (a
// request hangs), the waiting call drops its record and later calls drop
// at once, without waiting, until a request succeeds; then calls wait for
// room again.
func TestBackpressureStall(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.QueueSize, cfg.FlushInterval = 10, time.Hour
	cfg.BlockTimeout = 300 * time.Millisecond
	s := mustNew(t, cfg)
	// A batch for every request that may be in flight, each held by the
	// server, then a full queue behind them.
	next := 0
	for k := range DefaultMaxInFlight {
		for range 10 {
			s.Enqueue(realLine(next))
			next++
		}
		eventually(t, 10*time.Second, "a batch in flight", func() bool { return len(e.requests()) == k+1 })
	}
	for range 10 {
		if err := s.Enqueue(realLine(next)); err != nil {
			t.Fatal(err)
		}
		next++
	}
	start := time.Now()
	if err := s.Enqueue(realLine(next)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("Enqueue into a stuck queue = %v, want ErrQueueFull", err)
	}
	if d := time.Since(start); d < 290*time.Millisecond {
		t.Errorf("gave up after %v, before BlockTimeout", d)
	}
	start = time.Now()
	for i := range 100 {
		if err := s.Enqueue(realLine(21 + i)); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Enqueue after a stall = %v, want ErrQueueFull", err)
		}
	}
	// 100 calls that each waited would take 30 s.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("100 calls after the stall took %v: they must not wait", d)
	}
	e.release()
	eventually(t, 10*time.Second, "the next batch", func() bool { return s.Stats().Delivered >= 10 })
	// Delivering again: a full queue waits for room, and gets it.
	for i := range 100 {
		if err := s.Enqueue(realLine(200 + i)); err != nil {
			t.Fatalf("record %d after recovery: %v", i, err)
		}
	}
	if err := s.Close(); err == nil {
		t.Error("Close = nil; want the drops reported")
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.DroppedQueueFull != 101 || st.Delivered != uint64(next)+100 {
		t.Errorf("stats = %+v", st)
	}
}

var dropLineRE = regexp.MustCompile(`"msg":"test: dropped (\d+) records in the last [0-9.]+ s: queue full"`)

// TestDropsReportedWhileTheyHappen: while records are dropped, a summary
// line goes to the fallback at most once per DropReportInterval, the
// first at once; Stats counts the lines and says when the last drop was.
func TestDropsReportedWhileTheyHappen(t *testing.T) {
	fb := &lockedBuffer{}
	cfg := testConfig(fb, "http://127.0.0.1:1") // nothing listens there
	cfg.QueueSize = 10
	cfg.DropReportInterval = 300 * time.Millisecond
	cfg.CloseTimeout = 100 * time.Millisecond
	s := mustNew(t, cfg)
	start := time.Now()
	for i := 0; time.Since(start) < 1500*time.Millisecond; i++ {
		s.Enqueue(realLine(i))
		time.Sleep(100 * time.Microsecond)
	}
	elapsed := time.Since(start)
	st := s.Stats()
	lines := dropLineRE.FindAllStringSubmatch(fb.String(), -1)
	if len(lines) < 2 {
		t.Fatalf("%d drop reports in %v of drops, want them while drops happen; fallback:\n%s", len(lines), elapsed, fb.String())
	}
	if max := int(elapsed/cfg.DropReportInterval) + 2; len(lines) > max {
		t.Errorf("%d drop reports in %v, want at most one per %v", len(lines), elapsed, cfg.DropReportInterval)
	}
	if st.DropReports != uint64(len(lines)) || st.LastDropAt.Before(start) {
		t.Errorf("stats = %+v after %d reports", st, len(lines))
	}
	s.Close()
	st = s.Stats()
	lines = dropLineRE.FindAllStringSubmatch(fb.String(), -1)
	var reported uint64
	for _, l := range lines {
		n, _ := strconv.ParseUint(l[1], 10, 64)
		reported += n
	}
	if reported != st.DroppedQueueFull {
		t.Errorf("reports sum to %d drops, Stats says %d", reported, st.DroppedQueueFull)
	}
	checkInvariant(t, st)
}
