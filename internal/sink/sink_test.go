package sink

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestConfigDefaultsAndErrors(t *testing.T) {
	c, err := Config{Endpoints: []string{"http://127.0.0.1:1"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.BatchSize != 1000 || c.MaxBatchBytes != 1<<20 || c.FlushInterval != time.Second ||
		c.QueueSize != 100_000 || c.QueueBytes != 64<<20 || c.RequestTimeout != 10*time.Second ||
		c.Retry != (Retry{100 * time.Millisecond, 5 * time.Second, time.Minute, 30 * time.Second}) ||
		c.Overflow != Backpressure || c.BlockTimeout != 5*time.Second || c.DropReportInterval != 10*time.Second ||
		c.CloseTimeout != 5*time.Second || c.Fallback == nil || c.ContentType == "" || c.MaxInFlight != 2 {
		t.Errorf("defaults = %+v", c)
	}
	c, _ = Config{Endpoints: []string{"http://h"}, Retry: Retry{MinBackoff: 20 * time.Second}}.withDefaults()
	if c.Retry.MaxBackoff != 20*time.Second {
		t.Errorf("MaxBackoff defaults to %v with MinBackoff 20s; want it raised to 20s", c.Retry.MaxBackoff)
	}

	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no endpoints"},
		{Config{Endpoints: []string{"ftp://h"}}, "scheme must be http or https"},
		{Config{Endpoints: []string{"http://"}}, "no host"},
		{Config{Endpoints: []string{"http://h"}, BatchSize: -1}, "BatchSize is -1"},
		{Config{Endpoints: []string{"http://h"}, FlushInterval: -time.Second}, "FlushInterval is -1s"},
		{Config{Endpoints: []string{"http://h"}, QueueSize: 10, BatchSize: 1000}, "BatchSize 1000 is larger than QueueSize 10"},
		{Config{Endpoints: []string{"http://h"}, QueueSize: MaxQueueSize + 1}, "QueueSize is 4194305"},
		{Config{Endpoints: []string{"http://h"}, QueueBytes: 1000, MaxBatchBytes: 1 << 20}, "MaxBatchBytes 1048576 is larger than QueueBytes 1000"},
		{Config{Endpoints: []string{"http://h"}, Retry: Retry{MinBackoff: 2 * time.Second, MaxBackoff: time.Second}}, "MinBackoff 2s is larger"},
		{Config{Endpoints: []string{"http://h"}, Compression: 7}, "unknown Compression 7"},
		{Config{Endpoints: []string{"http://h"}, Overflow: -1}, "unknown Overflow -1"},
		{Config{Endpoints: []string{"http://h"}, MaxInFlight: -1}, "MaxInFlight is -1"},
		{Config{Endpoints: []string{"http://h"}, MaxInFlight: MaxMaxInFlight + 1}, "MaxInFlight is 17; at most 16"},
	} {
		_, err := New(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error = %v, want one containing %q", tt.cfg, err, tt.want)
		}
	}
}

// TestBatchingByCount: full batches go as soon as they are full, the rest
// on Flush, in order, and nothing twice.
func TestBatchingByCount(t *testing.T) {
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 100
	cfg.FlushInterval = time.Hour // only fullness and Flush send
	s := mustNew(t, cfg)
	for i := range 250 {
		if err := s.Enqueue(line(i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, "two full batches", func() bool { return len(e.requests()) == 2 })
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	var sizes []int
	var all []string
	for _, r := range reqs {
		sizes = append(sizes, len(r.lines))
		all = append(all, r.lines...)
	}
	if !slices.Equal(sizes, []int{100, 100, 50}) {
		t.Errorf("batch sizes = %v, want [100 100 50]", sizes)
	}
	for i, l := range all {
		if l+"\n" != string(line(i)) {
			t.Fatalf("line %d = %q, want %q", i, l, line(i))
		}
	}
	st := s.Stats()
	if st.Accepted != 250 || st.Delivered != 250 || st.Batches != 3 || st.Queued != 0 {
		t.Errorf("stats = %+v", st)
	}
	if want := uint64(250 * len(line(100))); st.Bytes < want-uint64(100*len("10")) || st.Bytes > want {
		t.Errorf("Bytes = %d, want about %d", st.Bytes, want)
	}
}

func TestBatchingByBytes(t *testing.T) {
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	cfg.MaxBatchBytes = 1000
	cfg.FlushInterval = time.Hour
	s := mustNew(t, cfg)
	rec := []byte(strings.Repeat("x", 99) + "\n") // 100 bytes
	for range 25 {
		s.Enqueue(rec)
	}
	big := []byte(strings.Repeat("y", 2999) + "\n") // over MaxBatchBytes: sent alone
	s.Enqueue(big)
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range e.requests() {
		sizes = append(sizes, len(r.lines))
	}
	// Two requests may be in flight at once, so they may arrive in either
	// order; each batch is what it must be.
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{1, 5, 10, 10}) {
		t.Errorf("batch sizes = %v, want 1, 5, 10 and 10 in any order", sizes)
	}
}

// TestFlushIntervalSendsPartialBatch: a lone record goes out by itself
// after FlushInterval, without Flush.
func TestFlushIntervalSendsPartialBatch(t *testing.T) {
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	cfg.FlushInterval = 50 * time.Millisecond
	start := time.Now() // the interval timer starts in New
	s := mustNew(t, cfg)
	s.Enqueue(line(1))
	eventually(t, 10*time.Second, "the interval flush", func() bool { return len(e.requests()) == 1 })
	if d := e.requests()[0].at.Sub(start); d < 50*time.Millisecond {
		t.Errorf("a partial batch went out after %v, before the 50ms interval", d)
	}
}

func TestCompression(t *testing.T) {
	for _, c := range []Compression{Zstd, Gzip, None} {
		t.Run(c.String(), func(t *testing.T) {
			e := newEndpointServer(t)
			cfg := testConfig(nil, e.URL())
			cfg.Compression = c
			cfg.ContentType = "application/x-test"
			cfg.Prepare = func(req *fasthttp.Request, endpoint string) {
				req.Header.Set("X-Endpoint", endpoint)
			}
			s := mustNew(t, cfg)
			var want []string
			for i := range 3000 { // several batches, so encoders are reused
				s.Enqueue(line(i))
				want = append(want, strings.TrimSuffix(string(line(i)), "\n"))
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			reqs := e.requests()
			var got []string
			for _, r := range reqs {
				got = append(got, r.lines...)
				wantEnc := c.String()
				if c == None {
					wantEnc = ""
				}
				if r.encoding != wantEnc {
					t.Errorf("Content-Encoding = %q, want %q", r.encoding, wantEnc)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/x-test" {
					t.Errorf("Content-Type = %q", ct)
				}
				if h := r.header.Get("X-Endpoint"); h != e.URL() {
					t.Errorf("Prepare saw endpoint %q, want %q", h, e.URL())
				}
				if r.url != "/ingest?x=1" {
					t.Errorf("request URI = %q", r.url)
				}
			}
			// Batches sent ahead may arrive out of order; lines are
			// compared as a set (line(i) is unique).
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("received %d lines, want %d identical ones", len(got), len(want))
			}
			st := s.Stats()
			if c != None && st.WireBytes*4 > st.Bytes {
				t.Errorf("%s: %d bytes on the wire for %d: not compressed", c, st.WireBytes, st.Bytes)
			}
		})
	}
}

// TestRetryableStatuses: 408, 429, 500, 503 and network errors are retried
// until delivered; nothing is lost or duplicated beyond the retried batch.
func TestRetryableStatuses(t *testing.T) {
	e := newEndpointServer(t)
	statuses := []int{408, 429, 500, 503, 502}
	e.setAnswer(func(n int, _ *http.Request) (int, http.Header) {
		if n < len(statuses) {
			return statuses[n], nil
		}
		return 200, nil
	})
	s := mustNew(t, testConfig(nil, e.URL()))
	s.Enqueue(line(7))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests()); n != len(statuses)+1 {
		t.Errorf("%d requests, want %d", n, len(statuses)+1)
	}
	st := s.Stats()
	if st.Delivered != 1 || st.Retried != uint64(len(statuses)) || st.Batches != 1 {
		t.Errorf("stats = %+v", st)
	}
	var se *statusError
	if !errors.As(st.LastError, &se) || se.status != 502 || !strings.Contains(se.body, "answer 502") {
		t.Errorf("LastError = %v, want the 502 with its body", st.LastError)
	}
}

// TestRejectedNotRetried: a 400 drops the batch at once, counts it, and
// copies it to the fallback after a summary line.
func TestRejectedNotRetried(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(n int, _ *http.Request) (int, http.Header) {
		if n == 0 {
			return 400, nil
		}
		return 204, nil
	})
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.FlushInterval = time.Hour
	s := mustNew(t, cfg)
	for i := range 3 {
		s.Enqueue(line(i))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Enqueue(line(3))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (the rejected batch is not retried)", n)
	}
	st := s.Stats()
	if st.DroppedRejected != 3 || st.Delivered != 1 || st.Retried != 0 {
		t.Errorf("stats = %+v", st)
	}
	recs, sums := fallbackRecords(fb.String())
	if len(recs) != 3 || len(sums) != 1 || !strings.Contains(sums[0], "3 records rejected by") || !strings.Contains(sums[0], "status 400") {
		t.Errorf("fallback: records %q, summaries %q", recs, sums)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "3 rejected by the server") {
		t.Errorf("Close = %v, want a summary of the rejected records", err)
	}
	checkInvariant(t, s.Stats())
}

// TestRetryAfter: the endpoint is not asked again before Retry-After, in
// seconds or as an HTTP date.
func TestRetryAfter(t *testing.T) {
	for _, form := range []string{"seconds", "date"} {
		t.Run(form, func(t *testing.T) {
			t.Parallel()
			e := newEndpointServer(t)
			e.setAnswer(func(n int, _ *http.Request) (int, http.Header) {
				if n > 0 {
					return 204, nil
				}
				v := "1"
				if form == "date" {
					// HTTP dates have whole seconds: 2 s ahead is 1 to 2 s.
					v = time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
				}
				return 429, http.Header{"Retry-After": {v}}
			})
			s := mustNew(t, testConfig(nil, e.URL()))
			s.Enqueue(line(1))
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			reqs := e.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if gap := reqs[1].at.Sub(reqs[0].at); gap < time.Second-10*time.Millisecond {
				t.Errorf("retried after %v, before Retry-After", gap)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"3", 3 * time.Second}, {"120", 2 * time.Minute}, {"-1", 0}, {"1.5", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter([]byte(tt.in), now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	r := Retry{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	for fails, full := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		4: 800 * time.Millisecond, 5: time.Second, 60: time.Second, 1000: time.Second,
	} {
		lo, hi := full, time.Duration(0)
		for range 200 {
			d := backoff(r, fails)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < full/2 || hi > full {
			t.Errorf("backoff(%d) in [%v, %v], want within [%v, %v]", fails, lo, hi, full/2, full)
		}
		if hi-lo < full/4 {
			t.Errorf("backoff(%d) in [%v, %v]: too little jitter", fails, lo, hi)
		}
	}
}

// TestEndpointRotation: batches alternate over healthy endpoints; a failing
// one is skipped, tried again after its backoff, and used again once it
// recovers.
func TestEndpointRotation(t *testing.T) {
	good, bad := newEndpointServer(t), newEndpointServer(t)
	var badHealthy atomic.Bool
	bad.setAnswer(func(int, *http.Request) (int, http.Header) {
		if badHealthy.Load() {
			return 204, nil
		}
		return 503, nil
	})
	cfg := testConfig(nil, bad.URL(), good.URL())
	cfg.BatchSize = 10
	cfg.Retry = Retry{MinBackoff: 30 * time.Millisecond, MaxBackoff: 30 * time.Millisecond, Budget: time.Minute}
	s := mustNew(t, cfg)
	send := func(n int) {
		for i := range n {
			s.Enqueue(line(i))
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Batch after batch, until the failing endpoint has been tried again
	// after its backoff a few times.
	eventually(t, 10*time.Second, "the failing endpoint to be retried after its backoff", func() bool {
		send(10)
		return len(bad.requests()) >= 3
	})
	badTries := len(bad.requests())
	st := s.Stats()
	if st.Delivered != st.Accepted || int(st.Batches) != len(good.requests()) {
		t.Errorf("stats %+v, good endpoint got %d requests", st, len(good.requests()))
	}
	if st.Retried != uint64(badTries) {
		t.Errorf("Retried = %d, want one per failed attempt (%d)", st.Retried, badTries)
	}

	badHealthy.Store(true)
	before := len(bad.requests())
	eventually(t, 10*time.Second, "the recovered endpoint to get batches again", func() bool {
		send(10)
		return len(bad.requests()) > before+1
	})
	if n := len(good.requests()); n < 2 {
		t.Errorf("good endpoint got %d requests", n)
	}
}

// TestBudgetExhaustedSpills: a batch no endpoint takes within the budget is
// written to the fallback, and the sender moves on.
func TestBudgetExhaustedSpills(t *testing.T) {
	e := newEndpointServer(t)
	var down atomic.Bool
	down.Store(true)
	e.setAnswer(func(int, *http.Request) (int, http.Header) {
		if down.Load() {
			return 503, nil
		}
		return 204, nil
	})
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.Retry.Budget = 150 * time.Millisecond
	s := mustNew(t, cfg)
	for i := range 5 {
		s.Enqueue(line(i))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Spilled != 5 || st.Delivered != 0 || st.Retried != uint64(len(e.requests())-1) {
		t.Errorf("stats = %+v after %d requests", st, len(e.requests()))
	}
	if st.LastError == nil || !strings.Contains(st.LastError.Error(), "retry budget 150ms exhausted") || !strings.Contains(st.LastError.Error(), "status 503") {
		t.Errorf("LastError = %v", st.LastError)
	}
	recs, sums := fallbackRecords(fb.String())
	if len(recs) != 5 || len(sums) != 1 || !strings.Contains(sums[0], "5 records could not be delivered (retry budget") {
		t.Errorf("fallback: %d records, summaries %q", len(recs), sums)
	}
	down.Store(false)
	s.Enqueue(line(9))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Delivered != 1 {
		t.Errorf("after recovery: %+v", st)
	}
}

// TestCloseTimeoutSpills: with the endpoint hanging, Close returns within
// CloseTimeout (plus the time to write the fallback) and spills the queue.
func TestCloseTimeoutSpills(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.CloseTimeout = 300 * time.Millisecond
	cfg.BatchSize = 10
	s := mustNew(t, cfg)
	for i := range 95 {
		s.Enqueue(line(i))
	}
	// The first batches, up to MaxInFlight of them, are sent and held.
	eventually(t, 10*time.Second, "the first requests", func() bool { return len(e.requests()) == DefaultMaxInFlight })
	start := time.Now()
	err := s.Close()
	took := time.Since(start)
	if took > cfg.CloseTimeout+time.Second {
		t.Errorf("Close took %v with CloseTimeout %v", took, cfg.CloseTimeout)
	}
	if err == nil || !strings.Contains(err.Error(), "95 of 95 records not delivered") || !strings.Contains(err.Error(), "95 written to the fallback") {
		t.Errorf("Close = %v", err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	recs, sums := fallbackRecords(fb.String())
	if st.Spilled != 95 || len(recs) != 95 {
		t.Errorf("spilled %d, fallback holds %d records; want 95", st.Spilled, len(recs))
	}
	for _, sum := range sums {
		if !strings.Contains(sum, "close timeout 300ms passed") {
			t.Errorf("summary %q", sum)
		}
	}
	slices.Sort(recs)
	for i := range 95 {
		if _, ok := slices.BinarySearch(recs, strings.TrimSuffix(string(line(i)), "\n")); !ok {
			t.Errorf("line %d missing from the fallback", i)
		}
	}
}

// TestQueueFull: with the endpoint stuck, records beyond QueueSize are
// dropped at once, counted, and reported.
func TestQueueFull(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.MaxInFlight = 1 // one batch out of the queue at a time: the arithmetic below is exact
	cfg.QueueSize, cfg.BatchSize = 20, 5
	cfg.FlushInterval = time.Hour // batches go when full, not half-full
	cfg.Overflow = DropNewest
	s := mustNew(t, cfg)
	for i := range 5 {
		s.Enqueue(line(i))
	}
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })
	// The in-flight batch has left the queue: 20 more fit, then no more.
	for i := range 20 {
		if err := s.Enqueue(line(100 + i)); err != nil {
			t.Fatalf("record %d of 20: %v", i, err)
		}
	}
	start := time.Now()
	for i := range 3 {
		if err := s.Enqueue(line(200 + i)); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Enqueue on a full queue = %v, want ErrQueueFull", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("dropping took %v; it must not wait", d)
	}
	st := s.Stats()
	if st.DroppedQueueFull != 3 || st.Queued != 20 {
		t.Errorf("stats = %+v", st)
	}
	e.release()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Delivered != 25 {
		t.Errorf("delivered %d, want 25", st.Delivered)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "3 dropped, queue full") {
		t.Errorf("Close = %v", err)
	}
	checkInvariant(t, s.Stats())
}

func TestQueueBytesBound(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.MaxInFlight = 1 // one batch out of the queue at a time: the arithmetic below is exact
	cfg.QueueBytes, cfg.MaxBatchBytes, cfg.BatchSize = 4096, 1024, 1
	cfg.FlushInterval = time.Hour
	s := mustNew(t, cfg)
	rec := []byte(strings.Repeat("z", 1000) + "\n") // held in a 1 KiB buffer
	s.Enqueue(rec)
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })
	for i := range 4 {
		if err := s.Enqueue(rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := s.Enqueue(rec); !errors.Is(err, ErrQueueFull) {
		t.Errorf("fifth KiB in a 4 KiB queue: %v, want ErrQueueFull", err)
	}
	if err := s.Enqueue(make([]byte, 5000)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a record larger than QueueBytes: %v, want ErrTooLarge", err)
	}
	e.release()
	s.Close()
	st := s.Stats()
	checkInvariant(t, st)
	if st.DroppedQueueFull != 1 || st.DroppedTooLarge != 1 || st.Delivered != 5 {
		t.Errorf("stats = %+v", st)
	}
}

// TestBlockOverflow: with Overflow Block a producer waits for room, and
// drops only after BlockTimeout.
func TestBlockOverflow(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.MaxInFlight = 1 // one batch out of the queue at a time: the arithmetic below is exact
	cfg.QueueSize, cfg.BatchSize = 2, 2
	cfg.Overflow, cfg.BlockTimeout = Block, 150*time.Millisecond
	cfg.FlushInterval = time.Hour
	s := mustNew(t, cfg)
	s.Enqueue(line(0))
	s.Enqueue(line(1))
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })
	s.Enqueue(line(2))
	s.Enqueue(line(3))

	start := time.Now()
	if err := s.Enqueue(line(4)); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Enqueue with the queue stuck = %v, want ErrQueueFull after BlockTimeout", err)
	}
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("gave up after %v, before BlockTimeout", d)
	}

	done := make(chan error)
	go func() { done <- s.Enqueue(line(5)) }()
	e.release() // the sender takes the next batch out of the queue: room
	if err := <-done; err != nil {
		t.Errorf("blocked Enqueue = %v, want nil once room was made", err)
	}
	s.Close()
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != 5 || st.DroppedQueueFull != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// TestEnqueueAfterClose: the record goes to the fallback, is counted, and
// the caller learns it.
func TestEnqueueAfterClose(t *testing.T) {
	e := newEndpointServer(t)
	fb := &lockedBuffer{}
	s := mustNew(t, testConfig(fb, e.URL()))
	s.Enqueue(line(1))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Enqueue(line(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
	if got := fb.String(); got != string(line(2)) {
		t.Errorf("fallback = %q, want the late record", got)
	}
	if err := s.Flush(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v", err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != 1 || st.Spilled != 1 {
		t.Errorf("stats = %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want the first result (nil)", err)
	}
}

// TestFlushHonoursContext: Flush gives up when ctx ends and the records
// are still delivered later.
func TestFlushHonoursContext(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	s := mustNew(t, testConfig(nil, e.URL()))
	s.Enqueue(line(1))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Flush = %v, want DeadlineExceeded", err)
	}
	e.release()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Delivered != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// TestConcurrentEnqueueAndClose races many producers against Close: every
// record must end up delivered, spilled (during or after Close) or dropped,
// and the fallback and the endpoint must hold exactly the records the
// counters say.
func TestConcurrentEnqueueAndClose(t *testing.T) {
	e := newEndpointServer(t)
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.QueueSize, cfg.BatchSize = 512, 64
	cfg.CloseTimeout = 200 * time.Millisecond
	s := mustNew(t, cfg)

	const producers, each = 8, 2000
	var wg sync.WaitGroup
	var errs [4]atomic.Uint64 // nil, queue full, closed, other
	started := make(chan struct{})
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-started
			for i := range each {
				switch err := s.Enqueue(line(p*each + i)); {
				case err == nil:
					errs[0].Add(1)
				case errors.Is(err, ErrQueueFull):
					errs[1].Add(1)
				case errors.Is(err, ErrClosed):
					errs[2].Add(1)
				default:
					errs[3].Add(1)
				}
			}
		}()
	}
	close(started)
	eventually(t, 10*time.Second, "some deliveries", func() bool { return s.Stats().Delivered > 0 })
	s.Close()
	wg.Wait()

	st := s.Stats()
	checkInvariant(t, st)
	if st.Accepted != producers*each {
		t.Errorf("accepted %d, want %d", st.Accepted, producers*each)
	}
	if errs[3].Load() != 0 || errs[1].Load() != st.DroppedQueueFull {
		t.Errorf("Enqueue errors: %d queue full, %d other; stats %+v", errs[1].Load(), errs[3].Load(), st)
	}
	received := e.linesOf(func(int) bool { return true })
	recs, _ := fallbackRecords(fb.String())
	// A request cut at the close deadline may have reached the server, which
	// recorded it, while its records were spilled: at least once, so those
	// few may be in both places; nothing is twice in either, and the
	// endpoint holds what was delivered plus those.
	seen, inFallback, got := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, l := range recs {
		if inFallback[l] {
			t.Fatalf("record %q spilled twice", l)
		}
		inFallback[l], seen[l] = true, true
	}
	both := 0
	for _, l := range received {
		if got[l] {
			t.Fatalf("record %q received twice", l)
		}
		if inFallback[l] {
			both++
		}
		got[l], seen[l] = true, true
	}
	if uint64(len(received)-both) != st.Delivered || uint64(len(recs)) != st.Spilled {
		t.Errorf("endpoint holds %d records (%d also spilled; delivered %d), fallback %d (spilled %d)", len(received), both, st.Delivered, len(recs), st.Spilled)
	}
	if limit := DefaultMaxInFlight * cfg.BatchSize; both > limit {
		t.Errorf("%d records both received and spilled; at most the %d of the requests cut at the deadline may be", both, limit)
	}
	if st.Spilled == 0 {
		t.Logf("note: Close finished before any record had to be spilled: %+v", st)
	}
	if uint64(len(seen))+st.DroppedQueueFull != producers*each {
		t.Errorf("%d distinct records arrived or spilled, %d dropped: %d lost", len(seen), st.DroppedQueueFull,
			producers*each-uint64(len(seen))-st.DroppedQueueFull)
	}
}

// TestFallbackWriteErrorIsReported: a failing fallback does not hide the
// loss: it shows in LastError.
func TestFallbackWriteErrorIsReported(t *testing.T) {
	cfg := testConfig(failingWriter{}, "http://127.0.0.1:1")
	s := mustNew(t, cfg)
	s.Close()
	s.Enqueue(line(1))
	st := s.Stats()
	if st.LastError == nil || !strings.Contains(st.LastError.Error(), "writing to the fallback") {
		t.Errorf("LastError = %v", st.LastError)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestSizeClasses(t *testing.T) {
	for _, tt := range []struct{ n, cap int }{
		{0, 64}, {1, 64}, {64, 64}, {65, 128}, {1000, 1024}, {1024, 1024}, {1025, 2048}, {16384, 16384}, {16385, 16385},
	} {
		b := getRec(tt.n)
		if cap(*b) != tt.cap || len(*b) != 0 {
			t.Errorf("getRec(%d): len %d cap %d, want 0, %d", tt.n, len(*b), cap(*b), tt.cap)
		}
		putRec(b)
	}
}

// TestFlushWaitsForItsOwnRecords: Flush returns when the records queued
// before it are resolved, not when as many other records have been
// resolved (e.g. dropped on a full queue meanwhile).
func TestFlushWaitsForItsOwnRecords(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.MaxInFlight = 1 // one batch out of the queue at a time: the arithmetic below is exact
	cfg.QueueSize, cfg.BatchSize, cfg.FlushInterval = 10, 5, time.Hour
	s := mustNew(t, cfg)
	for i := range 5 {
		s.Enqueue(line(i))
	}
	eventually(t, 10*time.Second, "the first batch in flight", func() bool { return len(e.requests()) == 1 })
	for i := range 10 {
		s.Enqueue(line(10 + i))
	}
	flushed := make(chan Stats)
	go func() {
		if err := s.Flush(context.Background()); err != nil {
			t.Error(err)
		}
		flushed <- s.Stats()
	}()
	for i := range 100 {
		if err := s.Enqueue(line(100 + i)); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("Enqueue = %v, want ErrQueueFull", err)
		}
	}
	e.release()
	if st := <-flushed; st.Delivered != 15 {
		t.Errorf("Flush returned with %d records delivered, want all 15 queued before it (%+v)", st.Delivered, st)
	}
}
