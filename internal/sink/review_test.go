package sink

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
)

// gatedWriter is a fallback whose first Write signals entered and then
// waits for gate: a slow disk or pipe behind the fallback.
type gatedWriter struct {
	lockedBuffer
	once    sync.Once
	entered chan struct{}
	gate    chan struct{}
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.entered)
		<-w.gate
	})
	return w.lockedBuffer.Write(p)
}

// TestReviewCloseWhileAheadResolvesAnswer: aheadTo notices Close before it
// resolves the answers already in; when resolving one takes past the close
// deadline (here a slow fallback write for a 400), it must not then send
// the next batch ahead with the full RequestTimeout on a connection dialed
// after Close's cut: Close would wait for that request's timeout. (The
// second batch is answered 204, so the endpoint still looks healthy.)
func TestReviewCloseWhileAheadResolvesAnswer(t *testing.T) {
	stop := make(chan struct{})
	answered0 := make(chan struct{})
	var nreq atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch nreq.Add(1) {
		case 1:
			w.WriteHeader(http.StatusBadRequest)
			w.(http.Flusher).Flush()
			close(answered0)
			return
		case 2:
			w.WriteHeader(http.StatusNoContent)
			return
		}
		select { // every later request is held
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.CloseClientConnections(); srv.Close() })

	fb := &gatedWriter{entered: make(chan struct{}), gate: make(chan struct{})}
	allIn := make(chan struct{})
	var prepared atomic.Int32
	cfg := testConfig(fb, srv.URL)
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	cfg.CloseTimeout = 100 * time.Millisecond
	cfg.RequestTimeout = 10 * time.Second
	cfg.Prepare = func(req *fasthttp.Request, _ string) {
		switch prepared.Add(1) {
		case 1:
			<-allIn // the three batches are queued before the first is sent
		case 2:
			<-answered0 // the answer to the first is in before the third batch
			time.Sleep(50 * time.Millisecond)
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		s.Enqueue(line(i))
	}
	close(allIn)
	select {
	case <-fb.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the 400 was never written to the fallback")
	}
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		s.Close()
		closed <- time.Since(start)
	}()
	hold := cfg.CloseTimeout + 300*time.Millisecond // the fallback's own slowness
	time.Sleep(hold)
	close(fb.gate)
	var took time.Duration
	select {
	case took = <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close never returned")
	}
	if limit := hold + time.Second; took > limit {
		t.Errorf("Close took %v with CloseTimeout %v and the fallback held %v (requests sent: %d)", took, cfg.CloseTimeout, hold, nreq.Load())
	}
	checkInvariant(t, s.Stats())
}

// TestReviewRetryAfterReceivedBehindSlowerAnswer: with three requests in
// flight, a 429 with Retry-After that has arrived must hold back the next
// request to that endpoint even while an older request is still
// unanswered: the answer is in, only its resolution waits for the older
// batch.
func TestReviewRetryAfterReceivedBehindSlowerAnswer(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		switch n {
		case 0:
			time.Sleep(time.Second) // slow, but fine
		case 1:
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
		}
		return http.StatusNoContent, nil
	})
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	s := mustNew(t, cfg)
	enqueue := func(from int) {
		for i := from; i < from+10; i++ {
			s.Enqueue(line(i))
		}
	}
	enqueue(0)
	eventually(t, 5*time.Second, "the first request", func() bool { return len(e.requests()) == 1 })
	enqueue(10)
	eventually(t, 5*time.Second, "the second request", func() bool { return len(e.requests()) == 2 })
	// Its 429 is in, with time to spare on a loaded machine, while the
	// first is still unanswered.
	time.Sleep(400 * time.Millisecond)
	enqueue(20)
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	checkHeldOff(t, reqs, reqs[1].at)
	var got []string
	for i, r := range reqs {
		if i != 1 {
			got = append(got, r.lines...)
		}
	}
	checkOnce(t, got, 30)
	checkInvariant(t, s.Stats())
}

// TestReviewRetryBehindReceived429: the oldest batch in flight fails with a
// plain 503 (a short backoff) after a newer one was answered 429 with
// Retry-After: the 429 has arrived, so the retry of the older batch must
// wait for it too.
func TestReviewRetryBehindReceived429(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		switch n {
		case 0:
			time.Sleep(300 * time.Millisecond)
			return http.StatusServiceUnavailable, nil
		case 1:
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
		}
		return http.StatusNoContent, nil
	})
	cfg := testConfig(nil, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	s := mustNew(t, cfg)
	for i := range 20 {
		s.Enqueue(line(i))
	}
	eventually(t, 5*time.Second, "two requests", func() bool { return len(e.requests()) >= 2 })
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	checkHeldOff(t, reqs, reqs[1].at)
	checkInvariant(t, s.Stats())
}

// TestReviewStaleBackoffShortensRetryAfter: with a spool, the oldest batch
// in flight is answered 429 with Retry-After and parked; the next one,
// answered 503 without Retry-After, is resolved after it and its short
// backoff must not cut the endpoint's Retry-After short: the spool's
// replay would go to the endpoint long before the 2s it asked for.
func TestReviewStaleBackoffShortensRetryAfter(t *testing.T) {
	e := newEndpointServer(t)
	var toldAt atomic.Int64
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		switch n {
		case 0:
			time.Sleep(100 * time.Millisecond)
			toldAt.Store(time.Now().UnixNano())
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}
		case 1:
			return http.StatusServiceUnavailable, nil
		}
		return http.StatusNoContent, nil
	})
	cfg := testConfig(&lockedBuffer{}, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 2
	cfg.Spool = &spool.Options{Dir: t.TempDir()}
	s := mustNew(t, cfg)
	for i := range 20 {
		s.Enqueue(line(i))
	}
	eventually(t, 10*time.Second, "the batches delivered", func() bool { return s.Stats().Delivered == 20 })
	checkHeldOff(t, e.requests(), time.Unix(0, toldAt.Load()))
}

// TestReviewRetryAfterReceived401: a newer batch's 401 has arrived while
// the oldest batch in flight is still unanswered; when that one fails with
// a 503, its retry must not be sent: after a 401 nothing more is.
func TestReviewRetryAfterReceived401(t *testing.T) {
	e := newEndpointServer(t)
	fb := &lockedBuffer{}
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		switch n {
		case 0:
			time.Sleep(200 * time.Millisecond)
			return http.StatusServiceUnavailable, nil
		case 1:
			return http.StatusUnauthorized, nil
		}
		return http.StatusNoContent, nil
	})
	cfg := testConfig(fb, e.URL())
	cfg.BatchSize = 10
	cfg.MaxInFlight = 3
	s := mustNew(t, cfg)
	for i := range 30 {
		s.Enqueue(line(i))
	}
	eventually(t, 5*time.Second, "two requests", func() bool { return len(e.requests()) >= 2 })
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Only the three batches went, each once: the third may have been
	// sent ahead before the 401 was in, but nothing was sent again.
	reqs := e.requests()
	sent := map[string]bool{}
	for i, r := range reqs {
		for _, l := range r.lines {
			if sent[l] {
				t.Errorf("request %d sent %s again after the 401", i, l)
				break
			}
			sent[l] = true
		}
	}
	if len(reqs) > 3 {
		t.Errorf("%d requests; after the 401 (request 1) only the third batch, sent ahead, may have gone", len(reqs))
	}
	st := s.Stats()
	checkInvariant(t, st)
	recs, _ := fallbackRecords(fb.String())
	if st.Delivered+uint64(len(recs)) != 30 {
		t.Errorf("delivered %d, fallback holds %d; want 30 in all", st.Delivered, len(recs))
	}
}

// TestReviewHeldScenarios: scenarios of the review that held on the code
// as it was (kept as regression tests).
func TestReviewHeldScenarios(t *testing.T) {
	t.Run("413 split of batches sent ahead", func(t *testing.T) {
		e := newEndpointServer(t)
		e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
			if n%5 == 0 && n < 40 {
				return http.StatusRequestEntityTooLarge, nil
			}
			return http.StatusNoContent, nil
		})
		cfg := testConfig(nil, e.URL())
		cfg.BatchSize = 8
		cfg.MaxInFlight = 4
		s := mustNew(t, cfg)
		for i := range 400 {
			s.Enqueue(line(i))
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, e.linesOf(func(n int) bool { return !(n%5 == 0 && n < 40) }), 400)
		checkInvariant(t, s.Stats())
	})
	t.Run("Connection close on every answer", func(t *testing.T) {
		e := newEndpointServer(t)
		e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
			return http.StatusNoContent, http.Header{"Connection": {"close"}}
		})
		cfg := testConfig(nil, e.URL())
		cfg.BatchSize = 5
		cfg.MaxInFlight = 4
		s := mustNew(t, cfg)
		for i := range 500 {
			s.Enqueue(line(i))
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, e.linesOf(func(int) bool { return true }), 500)
		if st := s.Stats(); st.Retried != 0 || st.Delivered != 500 {
			t.Errorf("%+v", st)
		}
	})
	t.Run("MaxInFlight 16 BatchSize 1", func(t *testing.T) {
		e := newEndpointServer(t)
		cfg := testConfig(nil, e.URL())
		cfg.BatchSize = 1
		cfg.MaxInFlight = MaxMaxInFlight
		s := mustNew(t, cfg)
		for i := range 2000 {
			s.Enqueue(line(i))
			if i%300 == 0 {
				if err := s.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				if st := s.Stats(); st.Delivered != uint64(i+1) {
					t.Fatalf("Flush returned with %d of %d delivered", st.Delivered, i+1)
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, e.linesOf(func(int) bool { return true }), 2000)
	})
	t.Run("two endpoints one refusing connections", func(t *testing.T) {
		e := newEndpointServer(t)
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL
		dead.Close()
		cfg := testConfig(nil, deadURL, e.URL())
		cfg.BatchSize = 10
		cfg.MaxInFlight = 4
		s := mustNew(t, cfg)
		for i := range 1000 {
			s.Enqueue(line(i))
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, e.linesOf(func(int) bool { return true }), 1000)
		checkInvariant(t, s.Stats())
	})
	t.Run("spool keeps order when the server goes away with batches in flight", func(t *testing.T) {
		e := newEndpointServer(t)
		var down atomic.Bool
		e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
			if down.Load() {
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusNoContent, nil
		})
		e.holdRequests()
		cfg := testConfig(&lockedBuffer{}, e.URL())
		cfg.BatchSize = 10
		cfg.MaxInFlight = 4
		cfg.Spool = &spool.Options{Dir: t.TempDir()}
		s := mustNew(t, cfg)
		for i := range 40 {
			s.Enqueue(line(i))
		}
		eventually(t, 5*time.Second, "four in flight", func() bool { return len(e.requests()) == 4 })
		down.Store(true)
		e.release()
		for i := 40; i < 100; i++ {
			s.Enqueue(line(i))
		}
		eventually(t, 5*time.Second, "everything spooled", func() bool { return s.Stats().Spool.Records == 100 })
		down.Store(false)
		eventually(t, 10*time.Second, "everything delivered", func() bool { return s.Stats().Delivered == 100 })
		var got []string
		for _, r := range e.requests() {
			if len(r.lines) > 0 && r.at.After(e.requests()[3].at) {
				got = append(got, r.lines...)
			}
		}
		// The replay after the outage is in order; so are the 503'd
		// requests, but they hold the same lines again: look at the last
		// 100 lines received.
		got = got[len(got)-100:]
		for i, l := range got {
			if want := strings.TrimSuffix(string(line(i)), "\n"); l != want {
				t.Fatalf("line %d of the replay is %s, want %s", i, l, want)
			}
		}
	})
}

// TestReviewCloseWhilePrepareBlocks: the Prepare hook of a batch sent ahead
// is slow (it fetches a token, say) and returns after Close's cut; the
// request then dials a new connection, which the cut never saw: Close
// waits for that request's whole RequestTimeout.
func TestReviewCloseWhilePrepareBlocks(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	inPrepare, resume := make(chan struct{}), make(chan struct{})
	var prepared atomic.Int32
	cfg := testConfig(&lockedBuffer{}, e.URL())
	cfg.BatchSize = 10
	cfg.CloseTimeout = 100 * time.Millisecond
	cfg.RequestTimeout = 10 * time.Second
	cfg.Prepare = func(req *fasthttp.Request, _ string) {
		if prepared.Add(1) == 2 {
			close(inPrepare)
			<-resume
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		s.Enqueue(line(i))
	}
	<-inPrepare
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		s.Close()
		closed <- time.Since(start)
	}()
	time.Sleep(cfg.CloseTimeout + 200*time.Millisecond)
	close(resume)
	select {
	case took := <-closed:
		if took > 2*time.Second {
			t.Errorf("Close took %v with CloseTimeout %v", took, cfg.CloseTimeout)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close never returned")
	}
	checkInvariant(t, s.Stats())
}

// TestReviewHeldClose: Close scenarios of the review that held.
func TestReviewHeldClose(t *testing.T) {
	t.Run("spool with requests held at Close", func(t *testing.T) {
		e := newEndpointServer(t)
		e.holdRequests()
		cfg := testConfig(&lockedBuffer{}, e.URL())
		cfg.BatchSize = 10
		cfg.MaxInFlight = 8
		cfg.CloseTimeout = 200 * time.Millisecond
		cfg.RequestTimeout = time.Minute
		cfg.Spool = &spool.Options{Dir: t.TempDir()}
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			s.Enqueue(line(i))
		}
		eventually(t, 5*time.Second, "eight in flight", func() bool { return len(e.requests()) == 8 })
		start := time.Now()
		s.Close()
		if took := time.Since(start); took > time.Second {
			t.Errorf("Close took %v", took)
		}
		st := s.Stats()
		if st.Delivered != 0 || st.Spool.Written != 200 {
			t.Errorf("delivered %d, spooled %d of 200", st.Delivered, st.Spool.Written)
		}
	})
	t.Run("Flush with 503s and many in flight", func(t *testing.T) {
		e := newEndpointServer(t)
		var mu sync.Mutex
		e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
			mu.Lock()
			defer mu.Unlock()
			if n%4 == 1 {
				return http.StatusServiceUnavailable, nil
			}
			return http.StatusNoContent, nil
		})
		cfg := testConfig(nil, e.URL())
		cfg.BatchSize = 3
		cfg.MaxInFlight = 8
		s := mustNew(t, cfg)
		for round := range 20 {
			for i := range 25 {
				s.Enqueue(line(round*25 + i))
			}
			if err := s.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.Delivered != uint64(round+1)*25 {
				t.Fatalf("Flush returned with %d of %d delivered", st.Delivered, (round+1)*25)
			}
		}
	})
}

// checkHeldOff fails if a request after the first two (the batches sent
// before the 429 of request 1 could be known) came before the 2 s its
// Retry-After asked for, counted from told, less 50 ms of slack.
func checkHeldOff(t *testing.T, reqs []received, told time.Time) {
	t.Helper()
	for i := 2; i < len(reqs); i++ {
		if early := told.Add(2 * time.Second).Sub(reqs[i].at); early > 50*time.Millisecond {
			t.Errorf("request %d came %v after a 429 asking for 2s, which had arrived before it was sent", i, reqs[i].at.Sub(told))
		}
	}
}
