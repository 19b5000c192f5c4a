package victoria_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// TestFaults puts a misbehaving proxy in front of a real VictoriaLogs: 429
// with Retry-After, 503 with and without it, an answer slower than
// RequestTimeout, and connection resets before and after the server stored
// the batch. Every record must be stored, duplicated only where an answer
// was lost, with Retry-After honoured and the accounting exact.
//
// With one request at a time, the request after a fault is the same batch
// again, after the wait the fault asks for. With requests in flight (the
// default), batches sent ahead may come between, but no request sent after
// a Retry-After answer arrives before the wait is over.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, inFlight := range []int{1, 0} {
		name := "one at a time"
		if inFlight == 0 {
			name = "default MaxInFlight"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testFaults(t, inFlight)
		})
	}
}

func testFaults(t *testing.T, maxInFlight int) {
	srv := vltest.Start(t)
	plan := map[int]fault{
		1: tooMany, 3: unavailable, 5: slowForwarded, 7: resetBefore,
		9: resetAfter, 11: unavailableRA, 12: unavailable, 14: resetBefore,
	}
	p := newProxy(t, srv.URL(), plan)
	const requestTimeout = 500 * time.Millisecond
	h, _ := newHandler(t, victoria.Options{
		URL:            p.URL(),
		BatchSize:      100,
		FlushInterval:  20 * time.Millisecond,
		RequestTimeout: requestTimeout,
		MaxInFlight:    maxInFlight,
		// MaxBackoff well above Retry-After, MinBackoff well below: the
		// gap after a 429 tells whether Retry-After was used.
		Retry: victoria.RetryPolicy{MinBackoff: 20 * time.Millisecond, MaxBackoff: 5 * time.Second},
	})
	logger := slog.New(h)
	const n = 2500
	for i := range n {
		logger.Info("fault tolerant", "id", i)
	}
	flush(t, h)
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := h.Stats()
	checkAllDelivered(t, st, n)

	events := p.events()
	faults := 0
	for i, e := range events {
		t.Logf("request %2d: %-15s %3d rows, answered after %v", e.n, faultNames[e.fault], e.rows, e.answered.Sub(e.arrived).Round(time.Millisecond))
		if e.fault == pass {
			continue
		}
		faults++
		if e.fault == slowForwarded {
			if wait := e.answered.Sub(e.arrived); wait < requestTimeout-50*time.Millisecond || wait > requestTimeout+2*time.Second {
				t.Errorf("the client gave up on a slow answer after %v, RequestTimeout is %v", wait, requestTimeout)
			}
		}
		if maxInFlight != 1 {
			if e.fault != tooMany && e.fault != unavailableRA {
				continue
			}
			// A batch sent ahead may have left before the answer came
			// back; a request sent well after it must wait.
			for _, f := range events {
				if since := f.arrived.Sub(e.answered); since > 200*time.Millisecond && since < p.retryAfter {
					t.Errorf("request %d arrived %v after the %s of request %d with Retry-After %v", f.n, since, faultNames[e.fault], e.n, p.retryAfter)
				}
			}
			continue
		}
		if i+1 >= len(events) {
			t.Fatalf("no request after the %s of request %d", faultNames[e.fault], e.n)
		}
		next := events[i+1]
		if next.rows != e.rows {
			t.Errorf("request %d after a %s carried %d rows, want the same batch of %d", next.n, faultNames[e.fault], next.rows, e.rows)
		}
		gap := next.arrived.Sub(e.answered)
		switch e.fault {
		case tooMany, unavailableRA:
			if gap < p.retryAfter {
				t.Errorf("retried %v after a %s with Retry-After %v", gap, faultNames[e.fault], p.retryAfter)
			}
			if gap > p.retryAfter+2*time.Second {
				t.Errorf("retried %v after a %s with Retry-After %v: far later than asked", gap, faultNames[e.fault], p.retryAfter)
			}
		}
	}
	if faults != len(plan) {
		t.Fatalf("%d faults injected, want %d: too few requests (%d)", faults, len(plan), len(events))
	}
	if st.Retried != uint64(faults) {
		t.Errorf("Stats.Retried = %d, want %d (one per fault)", st.Retried, faults)
	}
	if st.LastError == nil {
		t.Error("Stats.LastError is nil after failures")
	}

	// Stored: every record once, plus the batches whose answer was lost.
	want := n + p.lost()
	if got := vltest.WaitCount(t, srv.URL(), "*", want, waitTimeout); got != want {
		t.Fatalf("stored %d rows, want %d (%d records + %d duplicated by lost answers)", got, want, n, p.lost())
	}
	if got := queryNumber(t, srv.URL(), "* | stats count_uniq(id) n"); got != n {
		t.Errorf("distinct ids = %d, want %d", got, n)
	}
	if p.lost() == 0 || p.lost() > 2*100 {
		t.Errorf("%d rows duplicated; want at most the two batches whose answers were lost", p.lost())
	}
}

// TestRequestsOnTheWire checks the request the handler sends: path,
// parameters, content type and encoding, tenant and auth headers.
func TestRequestsOnTheWire(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	p := newProxy(t, srv.URL(), nil)
	h, _ := newHandler(t, victoria.Options{
		URL:          strings.Replace(p.URL(), "http://", "http://ops:s3cret@", 1) + "/",
		StreamFields: []string{"service", "host"},
		ExtraFields:  map[string]string{"env": "test", "dc": "eu-1"},
		IgnoreFields: []string{"secret"},
		AccountID:    12,
		ProjectID:    34,
		Headers:      map[string]string{"X-Scope": "logs"},
	})
	slog.New(h).Info("on the wire", "service", "api", "host", "h1", "secret", "xyz")
	flush(t, h)
	events := p.events()
	if len(events) != 1 {
		t.Fatalf("%d requests, want 1", len(events))
	}
	e := events[0]
	u, err := url.Parse(e.uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/insert/jsonline" {
		t.Errorf("path = %q", u.Path)
	}
	for k, v := range map[string]string{
		"_msg_field": "msg", "_time_field": "time", "_stream_fields": "service,host",
		"extra_fields": "dc=eu-1,env=test", "ignore_fields": "secret",
	} {
		if got := u.Query().Get(k); got != v {
			t.Errorf("query %s = %q, want %q", k, got, v)
		}
	}
	for k, v := range map[string]string{
		"Content-Type": "application/stream+json", "Content-Encoding": "zstd",
		"Accountid": "12", "Projectid": "34", "Authorization": "Basic b3BzOnMzY3JldA==", "X-Scope": "logs",
	} {
		if got := e.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}

	// And the server read them as meant.
	tenant := vltest.Tenant{AccountID: 12, ProjectID: 34}
	if got := vltest.WaitCount(t, srv.URL(), "*", 1, waitTimeout, tenant); got != 1 {
		t.Fatalf("stored %d rows in tenant %s, want 1", got, tenant)
	}
	row := vltest.Query(t, srv.URL(), "*", tenant)[0]
	for k, v := range map[string]string{"_stream": `{host="h1",service="api"}`, "env": "test", "dc": "eu-1", "_msg": "on the wire", "secret": ""} {
		if row[k] != v {
			t.Errorf("stored %s = %q, want %q", k, row[k], v)
		}
	}
}

// TestRejectedBatch: a 400 is not retried; the batch is counted as
// rejected and copied to the fallback, and later batches go through.
func TestRejectedBatch(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	p := newProxy(t, srv.URL(), map[int]fault{0: badRequest})
	h, fb := newHandler(t, victoria.Options{URL: p.URL(), FlushInterval: time.Hour})
	logger := slog.New(h)
	for i := range 3 {
		logger.Info("refused", "id", i)
	}
	flush(t, h)
	logger.Info("accepted", "id", 3)
	flush(t, h)
	err := h.Close()
	if err == nil || !strings.Contains(err.Error(), "3 of 4 records not delivered: 3 rejected by the server") || !strings.Contains(err.Error(), "status 400") {
		t.Errorf("Close = %v", err)
	}
	st := h.Stats()
	checkAccounting(t, st)
	if st.Dropped.Rejected != 3 || st.Delivered != 1 || st.Retried != 0 || len(p.events()) != 2 {
		t.Errorf("stats %+v after %d requests", st, len(p.events()))
	}
	recs, sums := splitFallback(t, fb.Bytes())
	if len(recs) != 3 || len(sums) != 1 || !strings.Contains(sums[0], "3 records rejected") {
		t.Errorf("fallback: %d records, summaries %q", len(recs), sums)
	}
	for i, r := range recs {
		if r["msg"] != "refused" || r["id"] != float64(i) {
			t.Errorf("fallback record %d = %v", i, r)
		}
	}
	if got := vltest.WaitCount(t, srv.URL(), "*", 1, waitTimeout); got != 1 {
		t.Errorf("stored %d rows, want only the accepted one", got)
	}
}

// TestFlushWaitsThroughRetries: Flush returns only once the batch is in,
// even when that takes retries.
func TestFlushWaitsThroughRetries(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	p := newProxy(t, srv.URL(), map[int]fault{0: unavailable, 1: resetBefore})
	h, _ := newHandler(t, victoria.Options{URL: p.URL(), Retry: victoria.RetryPolicy{MinBackoff: 10 * time.Millisecond}})
	slog.New(h).Info("eventually")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Delivered != 1 || st.Retried != 2 {
		t.Errorf("after Flush: %+v", st)
	}
	if n := vltest.Count(t, srv.URL(), "*"); n != 1 {
		t.Errorf("right after Flush the server holds %d rows, want 1", n)
	}
}

// TestTLS: an https URL is reached with Options.TLSConfig, here through a
// TLS-terminating proxy with its own certificate, with a bearer token.
func TestTLS(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	p := newTLSProxy(t, srv.URL(), nil)
	roots := x509.NewCertPool()
	roots.AddCert(p.srv.Certificate())
	h, _ := newHandler(t, victoria.Options{
		URL:         p.URL(),
		TLSConfig:   &tls.Config{RootCAs: roots},
		BearerToken: "t0ken",
	})
	slog.New(h).Info("over tls")
	flush(t, h)
	if got := vltest.WaitCount(t, srv.URL(), "*", 1, waitTimeout); got != 1 {
		t.Fatalf("stored %d rows, want 1", got)
	}
	if e := p.events(); len(e) != 1 || e[0].header.Get("Authorization") != "Bearer t0ken" {
		t.Errorf("requests: %+v", e)
	}

	// Without the proxy's certificate the handshake fails: nothing is
	// sent in the clear, and the failure is visible.
	// The first attempt is awaited before Close: on a loaded machine a
	// handshake may outlast a short CloseTimeout, and the cut would then
	// be the last error instead.
	h2, _ := newHandler(t, victoria.Options{URL: p.URL(), FlushInterval: 10 * time.Millisecond, CloseTimeout: 200 * time.Millisecond})
	slog.New(h2).Info("untrusted")
	for deadline := time.Now().Add(waitTimeout); h2.Stats().LastError == nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if err := h2.Stats().LastError; err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("LastError with an untrusted certificate = %v", err)
	}
	if err := h2.Close(); err == nil {
		t.Error("Close = nil with the record undelivered")
	}
}
