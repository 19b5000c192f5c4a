package sink

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// endpointServer is a generic HTTP endpoint on 127.0.0.1 that records what
// it receives. The sink knows nothing of VictoriaLogs, so its own tests use
// a plain server whose answers they control; slogx/victoria tests the real
// thing.
type endpointServer struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	reqs     []received
	answer   func(n int, r *http.Request) (status int, header http.Header) // n counts from 0
	hold     chan struct{}                                                 // if set, requests wait for it to close
	released bool
}

type received struct {
	at       time.Time
	lines    []string
	encoding string
	header   http.Header
	url      string
}

func newEndpointServer(t testing.TB) *endpointServer {
	t.Helper()
	e := &endpointServer{t: t}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(func() {
		e.release()
		e.srv.CloseClientConnections()
		e.srv.Close()
	})
	return e
}

func (e *endpointServer) URL() string { return e.srv.URL + "/ingest?x=1" }

// setAnswer sets the status (and headers) of the n-th request, counting
// from 0; nil answers 204.
func (e *endpointServer) setAnswer(f func(n int, r *http.Request) (int, http.Header)) {
	e.mu.Lock()
	e.answer = f
	e.mu.Unlock()
}

// holdRequests makes requests block until release.
func (e *endpointServer) holdRequests() {
	e.mu.Lock()
	e.hold = make(chan struct{})
	e.released = false
	e.mu.Unlock()
}

func (e *endpointServer) release() {
	e.mu.Lock()
	if e.hold != nil && !e.released {
		close(e.hold)
		e.released = true
	}
	e.mu.Unlock()
}

func (e *endpointServer) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	enc := r.Header.Get("Content-Encoding")
	raw, err := decode(enc, body)
	if err != nil {
		e.t.Errorf("endpoint: cannot decode %q body: %v", enc, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	n := len(e.reqs)
	e.reqs = append(e.reqs, received{at: at, lines: splitLines(raw), encoding: enc, header: r.Header.Clone(), url: r.URL.String()})
	answer, hold := e.answer, e.hold
	e.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusNoContent
	if answer != nil {
		var h http.Header
		status, h = answer(n, r)
		for k, vs := range h {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(status)
	if status/100 != 2 {
		fmt.Fprintf(w, "answer %d to request %d\n", status, n)
	}
}

func decode(enc string, body []byte) ([]byte, error) {
	switch enc {
	case "":
		return body, nil
	case "zstd":
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(body, nil)
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("unknown encoding %q", enc)
}

func splitLines(b []byte) []string {
	s := string(b)
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		return []string{"!unterminated: " + s}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (e *endpointServer) requests() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.reqs...)
}

// acceptedLines returns the lines of the requests answered 2xx, in order;
// answer must be deterministic in n for this to be right.
func (e *endpointServer) linesOf(pred func(n int) bool) []string {
	var out []string
	for n, r := range e.requests() {
		if pred(n) {
			out = append(out, r.lines...)
		}
	}
	return out
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lockedBuffer is a goroutine-safe fallback writer.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fallbackRecords returns the non-summary lines written to a fallback.
func fallbackRecords(s string) (records, summaries []string) {
	for _, l := range splitLines([]byte(s)) {
		if strings.Contains(l, `"level":"WARN","msg":"test: `) {
			summaries = append(summaries, l)
		} else {
			records = append(records, l)
		}
	}
	return records, summaries
}

// testConfig is a Config for endpoints with quick timings.
func testConfig(fb io.Writer, endpoints ...string) Config {
	return Config{
		Name:            "test",
		Endpoints:       endpoints,
		FlushInterval:   20 * time.Millisecond,
		RequestTimeout:  2 * time.Second,
		Retry:           Retry{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Budget: 30 * time.Second},
		CloseTimeout:    5 * time.Second,
		IdleConnTimeout: 100 * time.Millisecond,
		Fallback:        fb,
	}
}

func mustNew(t testing.TB, cfg Config) *Sink {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func line(i int) []byte { return fmt.Appendf(nil, `{"msg":"line %d"}`+"\n", i) }

func checkInvariant(t testing.TB, st Stats) {
	t.Helper()
	got := st.Delivered + st.DroppedQueueFull + st.DroppedRejected + st.DroppedTooLarge + st.DroppedReentrant + st.Spilled
	if got != st.Accepted {
		t.Errorf("accepted %d != delivered %d + dropped %d/%d/%d/%d + spilled %d", st.Accepted,
			st.Delivered, st.DroppedQueueFull, st.DroppedRejected, st.DroppedTooLarge, st.DroppedReentrant, st.Spilled)
	}
}

// realLine is a record as a service logs it: a 60-character message, a
// UUID and a trace id with hex and digit runs.
func realLine(i int) []byte {
	return fmt.Appendf(nil, `{"time":"2026-11-21T09:30:15.%09dZ","level":"INFO","msg":"GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served","trace_id":"4bf92f3577b34da6a3ce929d0e0e%04x","status":200,"i":%d}`+"\n", i%1_000_000_000, i%0x10000, i)
}
