package remote_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/slogx/remote"
)

// An outage of the service with a spool, in every format: the records go
// to disk, come back framed by the format like any others (the service
// checks the framing of every request with its own decoder), and each is
// stored once.
func TestSpoolOutageEveryFormat(t *testing.T) {
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			t.Parallel()
			svc := newService(t, f)
			var down atomic.Bool
			down.Store(true)
			svc.onRequest(func(*request) answer {
				if down.Load() {
					return answer{status: 503}
				}
				return answer{}
			})
			h, _ := newHandler(t, remote.Options{
				Endpoint:  svc.URL(),
				Format:    f,
				BatchSize: 100,
				QueueSize: 200,
				Spool:     &remote.Spool{Dir: t.TempDir()},
				Retry:     remote.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
			})
			const n = 1000
			for i := range n {
				if err := h.Handle(context.Background(), record(i)); err != nil {
					t.Fatalf("Handle %d: %v", i, err)
				}
			}
			waitFor(t, "the records on disk", func() bool {
				st := h.Stats()
				return st.Queued == 0 && st.Spool.Records == n
			})
			down.Store(false)
			waitFor(t, "delivery", func() bool { return h.Stats().Delivered == n })
			if err := h.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			st := h.Stats()
			if st.Spool.Replayed != n || st.Spool.Records != 0 || st.Dropped.Total() != 0 || st.Spilled != 0 {
				t.Errorf("stats %+v", st)
			}
			if st.Accepted+st.Spool.Recovered != st.Delivered+st.Dropped.Total()+st.Spool.Dropped+st.Spilled+uint64(st.Spool.Records) {
				t.Errorf("accounting: %+v", st)
			}
			_, stored := svc.snapshot()
			checkStoredOnce(t, stored, n)
		})
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
