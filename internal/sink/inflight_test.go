package sink

import (
	"context"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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
