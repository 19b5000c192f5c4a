package remote_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/slogx/remote"
)

// logN logs n records with ids from 0 and flushes.
func logN(t testing.TB, h *remote.Handler, n int) {
	t.Helper()
	for i := range n {
		if err := h.Handle(context.Background(), record(i)); err != nil {
			t.Fatalf("Handle %d: %v", i, err)
		}
	}
	flush(t, h)
}

// storedIDs counts how often each id was stored.
func storedIDs(items []item) map[int]int {
	m := map[int]int{}
	for _, it := range items {
		m[it.id()]++
	}
	return m
}

// checkStoredOnce checks that ids 0..n-1 were stored exactly once each,
// except those in missing, which were not stored at all.
func checkStoredOnce(t testing.TB, items []item, n int, missing ...int) {
	t.Helper()
	ids := storedIDs(items)
	for i := range n {
		want := 1
		for _, m := range missing {
			if m == i {
				want = 0
			}
		}
		if ids[i] != want {
			t.Errorf("id %d stored %d times, want %d", i, ids[i], want)
			return
		}
	}
	if len(items) != n-len(missing) {
		t.Errorf("%d records stored, want %d", len(items), n-len(missing))
	}
}

// fastRetry keeps retry tests short; the policy itself is under test.
func fastRetry(url string, f remote.Format) remote.Options {
	return remote.Options{
		Endpoint: url, Format: f, APIKey: bearerKey,
		Retry: remote.RetryPolicy{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Budget: 30 * time.Second},
	}
}

// TestAuth: the key travels as a bearer token or in the header named, in
// every format, and every request is framed as the format says.
func TestAuth(t *testing.T) {
	for _, f := range allFormats {
		for _, custom := range []bool{false, true} {
			name := f.String() + "/bearer"
			if custom {
				name = f.String() + "/DD-API-KEY"
			}
			t.Run(name, func(t *testing.T) {
				svc := newService(t, f)
				opts := remote.Options{Endpoint: svc.URL(), Format: f, BatchSize: 100}
				if custom {
					svc.authName, svc.authValue = "DD-API-KEY", ddKey
					opts.APIKey, opts.AuthHeader = ddKey, "DD-API-KEY"
				} else {
					svc.authName, svc.authValue = "Authorization", "Bearer "+bearerKey
					opts.APIKey = bearerKey
				}
				h, _ := newHandler(t, opts)
				logN(t, h, 1000)
				if err := h.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				reqs, stored := svc.snapshot()
				checkStoredOnce(t, stored, 1000)
				if len(reqs) < 10 {
					t.Errorf("%d requests for 1000 records in batches of 100", len(reqs))
				}
				for _, r := range reqs {
					if custom && r.header.Get("Authorization") != "" {
						t.Errorf("request %d carries Authorization too", r.n)
					}
					if r.header.Get("Content-Encoding") != "gzip" {
						t.Errorf("request %d: Content-Encoding %q, want the default gzip", r.n, r.header.Get("Content-Encoding"))
					}
				}
				st := h.Stats()
				if st.Delivered != 1000 || st.Accepted != 1000 {
					t.Errorf("stats %+v", st)
				}
				checkAccounting(t, st)
			})
		}
	}
}

// TestAuthRefused: 401 and 403 are not retried, and are reported once,
// with the status and the server's message, even when the server echoes
// the key; sending stops, and the records go to the fallback, counted.
func TestAuthRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			svc := newService(t, remote.Datadog)
			svc.onRequest(func(*request) answer {
				return answer{status: status, body: `{"errors":["API key ` + ddKey + ` is invalid for this organisation"]}`}
			})
			h, fb := newHandler(t, remote.Options{
				Endpoint: svc.URL(), Format: remote.Datadog, APIKey: ddKey, AuthHeader: "DD-API-KEY", BatchSize: 100,
			})
			for round := range 3 {
				for i := range 100 {
					h.Handle(context.Background(), record(round*100+i))
				}
				flush(t, h)
			}
			closeErr := h.Close()
			reqs, stored := svc.snapshot()
			if len(reqs) != 1 || len(stored) != 0 {
				t.Errorf("%d requests, %d stored: want the first refusal to stop sending", len(reqs), len(stored))
			}
			st := h.Stats()
			if st.Dropped.Rejected != 300 || st.Delivered != 0 || st.Retried != 0 {
				t.Errorf("stats %+v: want all 300 rejected, none retried", st)
			}
			checkAccounting(t, st)
			out := fb.Bytes()
			for _, where := range []struct {
				name string
				text []byte
			}{{"fallback", out}, {"LastError", []byte(fmt.Sprint(st.LastError))}, {"Close", []byte(fmt.Sprint(closeErr))}} {
				checkNoSecret(t, where.name, where.text)
			}
			reports := bytes.Count(out, []byte(fmt.Sprintf("status %d", status)))
			if reports != 1 {
				t.Errorf("the status is reported %d times on the fallback, want once:\n%s", reports, head(out, 2000))
			}
			if !strings.Contains(fmt.Sprint(st.LastError), "is invalid for this organisation") || !strings.Contains(fmt.Sprint(st.LastError), fmt.Sprint(status)) {
				t.Errorf("LastError %v: want the status and the server's message", st.LastError)
			}
			if n := bytes.Count(out, []byte(`"message":"payment authorised`)); n != 300 {
				t.Errorf("%d records on the fallback, want 300", n)
			}
		})
	}
}

// TestTooLargeSplits: a 413 halves the batch until the halves fit; every
// record is stored once.
func TestTooLargeSplits(t *testing.T) {
	for _, f := range []remote.Format{remote.NDJSON, remote.Loki, remote.OTLP} {
		t.Run(f.String(), func(t *testing.T) {
			svc := newService(t, f)
			svc.onRequest(func(r *request) answer {
				if len(r.items) > 150 {
					return answer{status: http.StatusRequestEntityTooLarge, body: "request body too large"}
				}
				return answer{}
			})
			h, _ := newHandler(t, fastRetry(svc.URL(), f))
			logN(t, h, 1000)
			h.Close()
			reqs, stored := svc.snapshot()
			checkStoredOnce(t, stored, 1000)
			refused := 0
			for _, r := range reqs {
				if len(r.items) > 150 {
					refused++
				}
			}
			// 1000 -> 2x500 -> 4x250 -> 8x125: 1 + 2 + 4 refusals.
			if refused != 7 {
				t.Errorf("%d requests refused as too large, want 7 (halving from 1000)", refused)
			}
			st := h.Stats()
			if st.Delivered != 1000 || st.Dropped.Total() != 0 || st.Spilled != 0 {
				t.Errorf("stats %+v", st)
			}
			checkAccounting(t, st)
		})
	}
}

// TestTooLargeSingleRecord: a record the server refuses as too large even
// alone is rejected and counted, not split forever.
func TestTooLargeSingleRecord(t *testing.T) {
	svc := newService(t, remote.NDJSON)
	svc.onRequest(func(r *request) answer {
		for _, it := range r.items {
			if it.id() == 3 {
				return answer{status: http.StatusRequestEntityTooLarge}
			}
		}
		return answer{}
	})
	h, _ := newHandler(t, fastRetry(svc.URL(), remote.NDJSON))
	logN(t, h, 8)
	h.Close()
	_, stored := svc.snapshot()
	checkStoredOnce(t, stored, 8, 3)
	st := h.Stats()
	if st.Delivered != 7 || st.Dropped.Rejected != 1 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

// TestRetryAfter: a 429 with Retry-After is obeyed: the next attempt comes
// no sooner than the server asked.
func TestRetryAfter(t *testing.T) {
	svc := newService(t, remote.Datadog)
	svc.onRequest(func(r *request) answer {
		if r.n == 1 {
			return answer{status: http.StatusTooManyRequests, retryAfter: "2", body: `{"errors":["rate limited"]}`}
		}
		return answer{}
	})
	h, _ := newHandler(t, fastRetry(svc.URL(), remote.Datadog))
	logN(t, h, 50)
	h.Close()
	reqs, stored := svc.snapshot()
	checkStoredOnce(t, stored, 50)
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if gap := reqs[1].at.Sub(reqs[0].at); gap < 2*time.Second {
		t.Errorf("retried %v after a 429 with Retry-After: 2", gap)
	}
	st := h.Stats()
	if st.Retried != 1 || st.Delivered != 50 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

// TestServerErrorsBackOff: 5xx answers are retried with growing waits.
func TestServerErrorsBackOff(t *testing.T) {
	svc := newService(t, remote.OTLP)
	svc.onRequest(func(r *request) answer {
		if r.n <= 4 {
			return answer{status: http.StatusServiceUnavailable, body: "upstream connect error"}
		}
		return answer{}
	})
	opts := fastRetry(svc.URL(), remote.OTLP)
	opts.Retry.MinBackoff, opts.Retry.MaxBackoff = 100*time.Millisecond, 2*time.Second
	h, _ := newHandler(t, opts)
	logN(t, h, 20)
	h.Close()
	reqs, stored := svc.snapshot()
	checkStoredOnce(t, stored, 20)
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5", len(reqs))
	}
	// Backoff 100, 200, 400, 800 ms less up to half of jitter.
	for i, least := range []time.Duration{50, 100, 200, 400} {
		if gap := reqs[i+1].at.Sub(reqs[i].at); gap < least*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one, want at least %v", i+2, gap, least*time.Millisecond)
		}
	}
	st := h.Stats()
	if st.Retried != 4 || st.Delivered != 20 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

// TestElasticItemErrors: a bulk answer with some items failing resends
// those items only (429 and 5xx), and rejects, counts and copies to the
// fallback those refused for good.
func TestElasticItemErrors(t *testing.T) {
	svc := newService(t, remote.ElasticBulk)
	var second atomic.Pointer[request]
	svc.onRequest(func(r *request) answer {
		switch r.n {
		case 1:
			// Items by position: 3 and 7 overloaded, 5 a mapping error, 9 a
			// node that left.
			return answer{esItems: map[int]int{3: 429, 5: 400, 7: 429, 9: 503}}
		case 2:
			second.Store(r)
		}
		return answer{}
	})
	h, fb := newHandler(t, fastRetry(svc.URL(), remote.ElasticBulk))
	logN(t, h, 20)
	h.Close()
	reqs, stored := svc.snapshot()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	var resent []int
	for _, it := range second.Load().items {
		resent = append(resent, it.id())
	}
	if fmt.Sprint(resent) != "[3 7 9]" {
		t.Errorf("resent ids %v, want [3 7 9]", resent)
	}
	checkStoredOnce(t, stored, 20, 5)
	st := h.Stats()
	if st.Delivered != 19 || st.Dropped.Rejected != 1 || st.Retried != 1 {
		t.Errorf("stats %+v: want 19 delivered, 1 rejected, 1 retry", st)
	}
	checkAccounting(t, st)
	if !bytes.Contains(fb.Bytes(), []byte(`"id":5`)) || bytes.Contains(fb.Bytes(), []byte(`"id":3,`)) {
		t.Errorf("the fallback should hold the refused record and only it:\n%s", head(fb.Bytes(), 1500))
	}
}

// TestSlowAnswers: an answer slower than RequestTimeout is retried; the
// batch may then be stored twice (at least once), never lost.
func TestSlowAnswers(t *testing.T) {
	svc := newService(t, remote.JSONArray)
	svc.onRequest(func(r *request) answer {
		if r.n == 1 {
			return answer{delay: 1500 * time.Millisecond}
		}
		return answer{}
	})
	opts := fastRetry(svc.URL(), remote.JSONArray)
	opts.RequestTimeout = 300 * time.Millisecond
	h, _ := newHandler(t, opts)
	logN(t, h, 100)
	h.Close()
	_, stored := svc.snapshot()
	ids := storedIDs(stored)
	for i := range 100 {
		if ids[i] < 1 || ids[i] > 2 {
			t.Fatalf("id %d stored %d times, want once or twice", i, ids[i])
		}
	}
	st := h.Stats()
	if st.Delivered != 100 || st.Retried < 1 {
		t.Errorf("stats %+v", st)
	}
	checkAccounting(t, st)
}

// TestConnectionResets: a connection dropped without an answer is retried
// and every record stored once (the service drops before storing).
func TestConnectionResets(t *testing.T) {
	svc := newService(t, remote.Loki)
	svc.onRequest(func(r *request) answer { return answer{reset: r.n <= 2} })
	h, _ := newHandler(t, fastRetry(svc.URL(), remote.Loki))
	logN(t, h, 300)
	h.Close()
	reqs, stored := svc.snapshot()
	checkStoredOnce(t, stored, 300)
	st := h.Stats()
	if st.Delivered != 300 || st.Retried < 2 || len(reqs) < 3 {
		t.Errorf("%d requests, stats %+v", len(reqs), st)
	}
	checkAccounting(t, st)
}

// TestCompressionChoices: gzip by default, zstd or nothing when chosen;
// the service reads each.
func TestCompressionChoices(t *testing.T) {
	for c, want := range map[remote.Compression]string{0: "gzip", remote.Gzip: "gzip", remote.Zstd: "zstd", remote.NoCompression: ""} {
		svc := newService(t, remote.NDJSON)
		h, _ := newHandler(t, remote.Options{Endpoint: svc.URL(), Compression: c})
		logN(t, h, 10)
		h.Close()
		reqs, stored := svc.snapshot()
		checkStoredOnce(t, stored, 10)
		for _, r := range reqs {
			if got := r.header.Get("Content-Encoding"); got != want {
				t.Errorf("Compression %v: Content-Encoding %q, want %q", c, got, want)
			}
		}
	}
}
