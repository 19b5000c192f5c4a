package sink

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestInFlightAtMost: with the server holding every request, exactly
// MaxInFlight requests are out at once, never more, and everything is
// delivered once they are answered.
func TestInFlightAtMost(t *testing.T) {
	for _, m := range []int{1, 2, 4} {
		t.Run(strings.Repeat("I", m), func(t *testing.T) {
			e := newEndpointServer(t)
			e.holdRequests()
			cfg := testConfig(nil, e.URL())
			cfg.BatchSize = 10
			cfg.MaxInFlight = m
			s := mustNew(t, cfg)
			const n = 100 // ten batches
			for i := range n {
				s.Enqueue(line(i))
			}
			eventually(t, 10*time.Second, "the first requests", func() bool { return len(e.requests()) == m })
			time.Sleep(100 * time.Millisecond)
			if got := len(e.requests()); got != m {
				t.Fatalf("%d requests out at once with MaxInFlight %d", got, m)
			}
			e.release()
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range e.requests() {
				got = append(got, r.lines...)
			}
			checkOnce(t, got, n)
			st := s.Stats()
			if st.Delivered != n || st.Retried != 0 {
				t.Errorf("delivered %d, retried %d; want %d, 0; last error %v", st.Delivered, st.Retried, n, st.LastError)
			}
			checkInvariant(t, st)
		})
	}
}

// TestFlushWaitsForRequestsInFlight: Flush returns only once the batches
// sent ahead are answered, not when they have been sent.
func TestFlushWaitsForRequestsInFlight(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 10
	s := mustNew(t, cfg)
	for i := range 20 {
		s.Enqueue(line(i))
	}
	eventually(t, 10*time.Second, "two requests in flight", func() bool { return len(e.requests()) == 2 })
	done := make(chan error, 1)
	go func() { done <- s.Flush(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Flush returned (%v) while both requests were unanswered", err)
	case <-time.After(200 * time.Millisecond):
	}
	e.release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Flush did not return after the answers")
	}
	if st := s.Stats(); st.Delivered != 20 {
		t.Errorf("delivered %d after Flush, want 20", st.Delivered)
	}
}

// TestInFlightFailures: when some of the requests sent ahead fail (5xx,
// 429 with Retry-After, a refused body), each batch is resolved on its
// own: a failed one is sent again, the others are not, and the accounting
// holds. The server answers at random delays so answers come back in any
// order.
func TestInFlightFailures(t *testing.T) {
	e := newEndpointServer(t)
	fb := &lockedBuffer{}
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
		switch n % 7 {
		case 1:
			return 503, nil
		case 3:
			return 429, http.Header{"Retry-After": {"0"}}
		case 5:
			if n < 40 {
				return 400, nil // refused for good: to the fallback
			}
		}
		return 204, nil
	})
	cfg := testConfig(fb, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	s := mustNew(t, cfg)
	const n = 2000
	for i := range n {
		s.Enqueue(line(i))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered+st.DroppedRejected != n || st.DroppedRejected == 0 || st.Retried == 0 {
		t.Fatalf("delivered %d, rejected %d, retried %d of %d", st.Delivered, st.DroppedRejected, st.Retried, n)
	}
	// Every record was stored once (by a 2xx) or refused once and written
	// to the fallback, never both and never twice.
	stored := e.linesOf(func(i int) bool {
		switch i % 7 {
		case 1, 3:
			return false
		case 5:
			return i >= 40
		}
		return true
	})
	recs, _ := fallbackRecords(fb.String())
	checkOnce(t, append(stored, recs...), n)
	if uint64(len(recs)) != st.DroppedRejected {
		t.Errorf("fallback holds %d records, DroppedRejected is %d", len(recs), st.DroppedRejected)
	}
}

// TestInFlightManyProducers: eight goroutines log while the server answers
// at random delays and several requests are in flight: every record
// arrives exactly once and Flush accounts for all of them.
func TestInFlightManyProducers(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(int, *http.Request) (int, http.Header) {
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
		return 204, nil
	})
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 50
	cfg.MaxInFlight = MaxMaxInFlight
	s := mustNew(t, cfg)
	const producers, each = 8, 2500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if err := s.Enqueue(line(p*each + i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range e.requests() {
		got = append(got, r.lines...)
	}
	checkOnce(t, got, producers*each)
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != producers*each {
		t.Errorf("delivered %d of %d", st.Delivered, producers*each)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkOnce fails unless got holds line(0) to line(n-1), each once.
func checkOnce(t *testing.T, got []string, n int) {
	t.Helper()
	want := make([]string, n)
	for i := range n {
		want[i] = strings.TrimSuffix(string(line(i)), "\n")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		dup := 0
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				dup++
			}
		}
		t.Errorf("%d records arrived (%d duplicates); want %d, each once", len(got), dup, n)
	}
}

// TestInFlightChaos: many requests in flight against a server that resets
// connections before and after storing, closes them after answering,
// answers 503 or bytes that are not HTTP, and is slow now and then. Every record is stored at least
// once, Delivered counts each once, and the accounting holds.
func TestInFlightChaos(t *testing.T) {
	var mu sync.Mutex
	stored := map[string]int{}
	var faults [6]int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		raw, err := decode(r.Header.Get("Content-Encoding"), body)
		if err != nil {
			t.Errorf("cannot decode: %v", err)
			return
		}
		store := func() {
			mu.Lock()
			for _, l := range splitLines(raw) {
				stored[l]++
			}
			mu.Unlock()
		}
		reset := func() {
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
		}
		k := rand.IntN(12)
		if k < len(faults) {
			mu.Lock()
			faults[k]++
			mu.Unlock()
		}
		switch k {
		case 0: // reset before storing
			reset()
		case 1: // stored, but the answer is lost
			store()
			reset()
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 3:
			store()
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusNoContent)
		case 4:
			time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
			store()
			w.WriteHeader(http.StatusNoContent)
		case 5: // an answer that is not HTTP at all, on a connection left open
			if c, bw, err := http.NewResponseController(w).Hijack(); err == nil {
				bw.WriteString("\x00\xffgarbage, not a status line\r\n\r\n{]")
				bw.Flush()
				time.Sleep(10 * time.Millisecond)
				c.Close()
			}
		default:
			store()
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(nil, srv.URL)
	cfg.BatchSize = 20
	cfg.MaxInFlight = 8
	s := mustNew(t, cfg)
	const producers, each = 4, 1500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				s.Enqueue(line(p*each + i))
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != producers*each {
		t.Errorf("delivered %d of %d: %+v", st.Delivered, producers*each, st)
	}
	mu.Lock()
	defer mu.Unlock()
	missing := 0
	for i := range producers * each {
		if stored[strings.TrimSuffix(string(line(i)), "\n")] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d records never stored", missing)
	}
	t.Logf("faults: %d resets before, %d after storing, %d 503s, %d closes, %d slow, %d garbage; retried %d", faults[0], faults[1], faults[2], faults[3], faults[4], faults[5], st.Retried)
	if faults[0] == 0 || faults[1] == 0 || st.Retried == 0 {
		t.Errorf("the chaos did not happen: faults %v, retried %d", faults, st.Retried)
	}
}

// TestCloseWithRequestsInFlight: with every request of MaxMaxInFlight held
// by the server, Close keeps its bound, every record goes to the fallback,
// and nothing the sink started runs once Close has returned (goleak with
// its default options, as a user's own test would run it).
func TestCloseWithRequestsInFlight(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = MaxMaxInFlight
	cfg.CloseTimeout = 300 * time.Millisecond
	cfg.RequestTimeout = time.Minute // Close, not the request timeout, must end them
	before := goleak.IgnoreCurrent()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := 10*MaxMaxInFlight + 25
	for i := range n {
		s.Enqueue(line(i))
	}
	eventually(t, 10*time.Second, "every request in flight", func() bool { return len(e.requests()) == MaxMaxInFlight })
	start := time.Now()
	err = s.Close()
	if took := time.Since(start); took > cfg.CloseTimeout+time.Second {
		t.Errorf("Close took %v with CloseTimeout %v", took, cfg.CloseTimeout)
	}
	goleak.VerifyNone(t, before)
	if err == nil {
		t.Error("Close = nil with nothing delivered")
	}
	st := s.Stats()
	checkInvariant(t, st)
	recs, _ := fallbackRecords(fb.String())
	if st.Spilled != uint64(n) || len(recs) != n {
		t.Errorf("spilled %d, fallback holds %d; want %d", st.Spilled, len(recs), n)
	}
}

// TestHugeRecordDoesNotPinMemory: a record far over MaxBatchBytes goes
// alone, and the buffers it grew (the batch, its body) are let go once it
// is delivered, on whichever lane carried it.
func TestHugeRecordDoesNotPinMemory(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	for _, c := range []Compression{Zstd, None} {
		t.Run(c.String(), func(t *testing.T) {
			cfg := testConfig(nil, srv.URL)
			cfg.Compression = c
			s := mustNew(t, cfg)
			// Batches in flight first, so that lanes other than the first
			// are in use too.
			for i := range 3000 {
				s.Enqueue(line(i))
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			heap := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			before := heap()
			huge := []byte(`{"msg":"` + strings.Repeat("0123456789abcdef", 1<<19) + `"}` + "\n") // 8 MiB
			if err := s.Enqueue(huge); err != nil {
				t.Fatal(err)
			}
			huge = nil
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := heap()
			if st := s.Stats(); st.Delivered != 3001 {
				t.Fatalf("delivered %d of 3001", st.Delivered)
			}
			if grew := int64(after) - int64(before); grew > 4<<20 {
				t.Errorf("the heap kept %d KiB after an 8 MiB record was delivered", grew>>10)
			}
		})
	}
}

// TestInFlightDayLongRetryAfter: a 429 asking for a day, answered to a
// batch sent ahead while an older one is still out, holds the endpoint off
// for MaxRetryAfter (plus its jitter), not a day: everything is delivered
// soon after, and nothing goes to the endpoint before that wait.
func TestInFlightDayLongRetryAfter(t *testing.T) {
	e := newEndpointServer(t)
	var toldAt atomic.Int64
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		switch n {
		case 0:
			time.Sleep(200 * time.Millisecond)
		case 1:
			toldAt.Store(time.Now().UnixNano())
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"86400"}}
		}
		return http.StatusNoContent, nil
	})
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	cfg.Retry.MaxRetryAfter = 300 * time.Millisecond
	s := mustNew(t, cfg)
	for i := range 30 {
		s.Enqueue(line(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after a Retry-After of a day: %v", err)
	}
	st := s.Stats()
	checkInvariant(t, st)
	if st.Delivered != 30 {
		t.Errorf("delivered %d of 30", st.Delivered)
	}
	// Requests 0 to 2 are the three batches, sent at once; what follows
	// (the 429's batch again) must wait.
	told := time.Unix(0, toldAt.Load())
	for i, r := range e.requests() {
		if i > 2 && r.at.After(told) && r.at.Sub(told) < 250*time.Millisecond {
			t.Errorf("request %d came %v after a 429 held the endpoint off for %v", i, r.at.Sub(told), cfg.Retry.MaxRetryAfter)
		}
	}
}
