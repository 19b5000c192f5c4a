package sink

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestRetryAfterIsCapped: a Retry-After of a day (a misconfigured proxy, a
// maintenance page) takes the endpoint out for MaxRetryAfter at most, not
// for the day; before, one such answer sent every later batch to the
// fallback.
func TestRetryAfterIsCapped(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(n int, _ *http.Request) (int, http.Header) {
		if n == 0 {
			return 503, http.Header{"Retry-After": {"86400"}}
		}
		return 204, nil
	})
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.Retry.MaxRetryAfter = 300 * time.Millisecond
	s := mustNew(t, cfg)
	for i := range 10 {
		s.Enqueue(realLine(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the refused one and its retry", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 300*time.Millisecond-10*time.Millisecond {
		t.Errorf("retried after %v, before the capped Retry-After of 300ms", gap)
	}
	st := s.Stats()
	if st.Delivered != 10 || st.Spilled != 0 || fb.String() != "" {
		t.Errorf("stats = %+v, fallback %q", st, fb.String())
	}
}

// TestRetryAfterDefaultCap: with the defaults a day-long Retry-After still
// leaves the batch within its retry budget instead of spilling it at once.
func TestRetryAfterDefaultCap(t *testing.T) {
	e := newEndpointServer(t)
	e.setAnswer(func(int, *http.Request) (int, http.Header) {
		return 503, http.Header{"Retry-After": {"86400"}}
	})
	fb := &lockedBuffer{}
	cfg := testConfig(fb, e.URL())
	cfg.Retry = Retry{} // every default
	cfg.CloseTimeout = 100 * time.Millisecond
	s := mustNew(t, cfg)
	s.Enqueue(realLine(1))
	eventually(t, 10*time.Second, "the first request", func() bool { return len(e.requests()) == 1 })
	time.Sleep(200 * time.Millisecond) // the old code spilled within microseconds
	if st := s.Stats(); st.Spilled != 0 || fb.String() != "" {
		t.Errorf("after one Retry-After of a day the batch was given up: %+v", st)
	}
}

// TestRetryAfterWait: the wait is the asked-for time up to the cap, plus a
// jitter of up to a tenth, so that clients told the same time spread out.
func TestRetryAfterWait(t *testing.T) {
	r := Retry{MaxRetryAfter: 30 * time.Second}
	for _, tt := range []struct{ ra, base time.Duration }{
		{2 * time.Second, 2 * time.Second},
		{30 * time.Second, 30 * time.Second},
		{24 * time.Hour, 30 * time.Second},
		{time.Duration(1<<63 - 1), 30 * time.Second},
	} {
		lo, hi := time.Duration(1<<63-1), time.Duration(0)
		for range 300 {
			d := retryAfterWait(r, tt.ra)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < tt.base || hi > tt.base+tt.base/10 {
			t.Errorf("retryAfterWait(%v) in [%v, %v], want within [%v, %v]", tt.ra, lo, hi, tt.base, tt.base+tt.base/10)
		}
		if hi-lo < tt.base/40 {
			t.Errorf("retryAfterWait(%v) in [%v, %v]: too little jitter", tt.ra, lo, hi)
		}
	}
}
