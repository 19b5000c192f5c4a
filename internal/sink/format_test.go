package sink

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/internal/wire"
)

// scriptFormat is the NDJSON format with a Take and a Judge a test decides.
type scriptFormat struct {
	ndjsonFormat
	take  func(records [][]byte, maxBytes, maxRecords int) int
	judge func(status int, n int, v *wire.Verdict) // amends the NDJSON verdict
}

func (f scriptFormat) Take(records [][]byte, maxBytes, maxRecords int) int {
	if f.take != nil {
		return f.take(records, maxBytes, maxRecords)
	}
	return f.ndjsonFormat.Take(records, maxBytes, maxRecords)
}

func (f scriptFormat) Judge(status int, body []byte, n int, v *wire.Verdict) {
	f.ndjsonFormat.Judge(status, body, n, v)
	if f.judge != nil {
		f.judge(status, n, v)
	}
}

func flushAndClose(t testing.TB, s *Sink) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	s.Close()
	st := s.Stats()
	checkInvariant(t, st)
	return st
}

// TestFormatTakingNothing: a Format that takes no record still sends each
// one, alone, rather than stalling the queue.
func TestFormatTakingNothing(t *testing.T) {
	ep := newEndpointServer(t)
	cfg := testConfig(&lockedBuffer{}, ep.URL())
	cfg.Format = scriptFormat{ndjsonFormat: defaultFormat().(ndjsonFormat), take: func([][]byte, int, int) int { return 0 }}
	s := mustNew(t, cfg)
	for i := range 20 {
		s.Enqueue(line(i))
	}
	st := flushAndClose(t, s)
	if st.Delivered != 20 {
		t.Errorf("stats %+v: want all 20 delivered", st)
	}
	for _, r := range ep.requests() {
		if len(r.lines) != 1 {
			t.Fatalf("a request of %d records; a Format that takes none gets one per request", len(r.lines))
		}
	}
}

// TestResendForeverEndsAtBudget: a server that asks for every item again,
// forever, does not keep the sender busy past the retry budget.
func TestResendForeverEndsAtBudget(t *testing.T) {
	ep := newEndpointServer(t)
	fb := &lockedBuffer{}
	cfg := testConfig(fb, ep.URL())
	cfg.Retry.Budget = 300 * time.Millisecond
	cfg.Format = scriptFormat{ndjsonFormat: defaultFormat().(ndjsonFormat), judge: func(status, n int, v *wire.Verdict) {
		for i := range n {
			v.Resend = append(v.Resend, i)
		}
	}}
	s := mustNew(t, cfg)
	for i := range 10 {
		s.Enqueue(line(i))
	}
	start := time.Now()
	st := flushAndClose(t, s)
	if st.Delivered != 0 || st.Spilled != 10 || st.Retried == 0 {
		t.Errorf("stats %+v: want all 10 spilled after retries", st)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v for a 300 ms budget", d)
	}
	records, _ := fallbackRecords(fb.String())
	if len(records) != 10 {
		t.Errorf("%d records on the fallback, want 10", len(records))
	}
}

// TestRefusedByCount: a protocol that counts refused records without
// naming them (OTLP partial success) drops that many, reports it, and
// counts the rest delivered.
func TestRefusedByCount(t *testing.T) {
	ep := newEndpointServer(t)
	fb := &lockedBuffer{}
	cfg := testConfig(fb, ep.URL())
	cfg.BatchSize = 10
	cfg.Format = scriptFormat{ndjsonFormat: defaultFormat().(ndjsonFormat), judge: func(status, n int, v *wire.Verdict) {
		v.Refused, v.Message = 3, "3 log records had an invalid trace id"
	}}
	s := mustNew(t, cfg)
	for i := range 10 {
		s.Enqueue(line(i))
	}
	st := flushAndClose(t, s)
	if st.Delivered != 7 || st.DroppedRejected != 3 {
		t.Errorf("stats %+v: want 7 delivered, 3 rejected", st)
	}
	if !strings.Contains(fb.String(), "invalid trace id") {
		t.Errorf("the refusal is not reported on the fallback: %s", fb.String())
	}
}

// TestCredentialsRefusedStopSending: after a 401 the sink sends nothing
// more; every later record is rejected at once and copied to the
// fallback, and the status is reported once.
func TestCredentialsRefusedStopSending(t *testing.T) {
	ep := newEndpointServer(t)
	ep.setAnswer(func(int, *http.Request) (int, http.Header) { return http.StatusUnauthorized, nil })
	fb := &lockedBuffer{}
	s := mustNew(t, testConfig(fb, ep.URL()))
	for round := range 3 {
		for i := range 5 {
			s.Enqueue(line(round*5 + i))
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	st := flushAndClose(t, s)
	if n := len(ep.requests()); n != 1 {
		t.Errorf("%d requests; a 401 must stop sending", n)
	}
	if st.DroppedRejected != 15 || st.Retried != 0 {
		t.Errorf("stats %+v: want all 15 rejected", st)
	}
	if n := strings.Count(fb.String(), "status 401"); n != 1 {
		t.Errorf("the 401 is reported %d times, want once:\n%s", n, fb.String())
	}
	records, _ := fallbackRecords(fb.String())
	if len(records) != 15 {
		t.Errorf("%d records on the fallback, want 15", len(records))
	}
}

// TestFramingCountsAgainstMaxBatchBytes: the brackets and commas of a JSON
// array count, so no body is larger than MaxBatchBytes.
func TestFramingCountsAgainstMaxBatchBytes(t *testing.T) {
	f, err := wire.New(wire.JSONArray, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var largest atomic.Int64
	ep := newEndpointServer(t)
	cfg := testConfig(&lockedBuffer{}, ep.URL())
	cfg.Compression = None
	cfg.MaxBatchBytes = 1000
	cfg.Format = arrayFormat{f}
	ep.setAnswer(func(_ int, r *http.Request) (int, http.Header) {
		if n := r.ContentLength; n > largest.Load() {
			largest.Store(n)
		}
		return http.StatusOK, nil
	})
	s := mustNew(t, cfg)
	rec := []byte(`{"msg":"` + strings.Repeat("x", 90) + `"}`) // 100 bytes, no newline
	for range 95 {
		s.Enqueue(rec)
	}
	st := flushAndClose(t, s)
	if st.Delivered != 95 {
		t.Errorf("stats %+v", st)
	}
	if l := largest.Load(); l > 1000 || l < 900 {
		t.Errorf("largest body %d bytes; want at most MaxBatchBytes 1000 with the framing, and near it", l)
	}
}

type arrayFormat struct{ *wire.Format }

func (arrayFormat) AppendFallback(dst, record []byte) []byte {
	return append(append(dst, record...), '\n')
}
