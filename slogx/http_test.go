package slogx_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

// syncBuffer collects the output of handlers that several server
// goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slogx.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// serve starts a real server on 127.0.0.1 for h, silent about the panics
// the tests provoke.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func accessRecords(recs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, r := range recs {
		if r["msg"] == "http request" {
			out = append(out, r)
		}
	}
	return out
}

func TestHTTPRequestIDInEveryRecordOfItsRequest(t *testing.T) {
	var out syncBuffer
	logger := debugLogger(&out)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		logger.DebugContext(ctx, "loading order", "order_id", r.PathValue("id"))
		// A logger inside a group, and work on another goroutine with the
		// request's context: the id still lands at the root of each record.
		done := make(chan struct{})
		go func() {
			defer close(done)
			logger.WithGroup("db").InfoContext(ctx, "query", "rows", 1)
		}()
		<-done
		logger.With("shard", 3).WarnContext(ctx, "slow shard")
		fmt.Fprint(w, "ok")
	})
	srv := serve(t, slogx.HTTP(mux, &slogx.HTTPOptions{Logger: logger}))

	const requests = 40
	ids := make([]string, requests)
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			resp := get(t, fmt.Sprintf("%s/orders/%d", srv.URL, 9000+i), nil)
			ids[i] = resp.Header.Get("X-Request-ID")
		})
	}
	wg.Wait()

	byID := map[string][]string{}
	for _, r := range out.records(t) {
		id, _ := r["request_id"].(string)
		byID[id] = append(byID[id], r["msg"].(string))
	}
	if len(byID) != requests {
		t.Fatalf("records carry %d distinct request ids, want %d: %v", len(byID), requests, byID)
	}
	for _, id := range ids {
		if len(id) != 32 {
			t.Errorf("generated id %q: want 32 hex digits", id)
		}
		got := strings.Join(byID[id], ",")
		// The access record comes last: it is written when the handler returns.
		if got != "loading order,query,slow shard,http request" {
			t.Errorf("records of request %s: %s", id, got)
		}
	}
}

func TestHTTPAccessRecord(t *testing.T) {
	var out syncBuffer
	logger := debugLogger(&out)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{id}/avatar", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello")
		io.WriteString(w, ", world")
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
	})
	srv := serve(t, slogx.HTTP(mux, &slogx.HTTPOptions{Logger: logger}))

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/users/7f3a9c/avatar?token=abc", strings.NewReader("x"))
	req.Header.Set("User-Agent", "checkout-svc/2.4.1 (+https://example.com)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get(t, srv.URL+"/empty", nil)
	get(t, srv.URL+"/hints", nil)
	get(t, srv.URL+"/fail", nil)
	get(t, srv.URL+"/no/such/page", nil)

	recs := accessRecords(out.records(t))
	if len(recs) != 5 {
		t.Fatalf("got %d access records, want 5", len(recs))
	}
	r := recs[0]
	want := map[string]any{
		"level": "INFO", "method": "POST", "route": "POST /users/{id}/avatar",
		"path": "/users/7f3a9c/avatar", "status": 201.0, "bytes": 12.0,
		"user_agent": "checkout-svc/2.4.1 (+https://example.com)",
	}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %v, want %v", k, r[k], v)
		}
	}
	if ra, _ := r["remote_addr"].(string); !strings.HasPrefix(ra, "127.0.0.1:") {
		t.Errorf("remote_addr = %v", r["remote_addr"])
	}
	if d, _ := r["duration"].(float64); d <= 0 {
		t.Errorf("duration = %v, want > 0", r["duration"])
	}
	if strings.Contains(fmt.Sprint(r), "token=abc") {
		t.Errorf("the query string was logged: %v", r)
	}
	check := func(r map[string]any, status float64, level string) {
		t.Helper()
		if r["status"] != status || r["level"] != level {
			t.Errorf("%v: status %v level %v, want %v %v", r["path"], r["status"], r["level"], status, level)
		}
	}
	check(recs[1], 200, "INFO")
	if recs[1]["bytes"] != 0.0 {
		t.Errorf("bytes of an empty response = %v", recs[1]["bytes"])
	}
	check(recs[2], 202, "INFO") // the final status, not the 103
	check(recs[3], 503, "ERROR")
	check(recs[4], 404, "INFO")
	if _, ok := recs[4]["route"]; ok {
		t.Errorf("route logged for a request no pattern matched: %v", recs[4]["route"])
	}
}

// oneRequest serves one request with header through HTTP to a handler that
// logs once, and returns the id the response names and the two records
// (the handler's and the access record), each checked to be valid JSON.
func oneRequest(t *testing.T, header http.Header) (string, []map[string]any) {
	t.Helper()
	var out syncBuffer
	logger := debugLogger(&out)
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "work")
	}), &slogx.HTTPOptions{Logger: logger})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header = header
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	recs := out.records(t)
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	return rec.Header().Get("X-Request-ID"), recs
}

func TestHTTPIncomingID(t *testing.T) {
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	valid := "00-" + trace + "-00f067aa0ba902b7-01"
	tests := []struct {
		name              string
		header            http.Header
		wantID, wantTrace string // wantID "" means: a generated one
	}{
		{"request id", http.Header{"X-Request-Id": {"req-7f3a9c01:retry/2"}}, "req-7f3a9c01:retry/2", ""},
		{"traceparent", http.Header{"Traceparent": {valid}}, trace, trace},
		{"both", http.Header{"X-Request-Id": {"edge-1"}, "Traceparent": {valid}}, "edge-1", trace},
		{"future version with more fields", http.Header{"Traceparent": {"01-" + trace + "-00f067aa0ba902b7-01-extra"}}, trace, trace},
		{"uppercase traceparent", http.Header{"Traceparent": {strings.ToUpper(valid)}}, "", ""},
		{"zero trace id", http.Header{"Traceparent": {"00-" + strings.Repeat("0", 32) + "-00f067aa0ba902b7-01"}}, "", ""},
		{"zero parent id", http.Header{"Traceparent": {"00-" + trace + "-0000000000000000-01"}}, "", ""},
		{"version ff", http.Header{"Traceparent": {"ff-" + trace + "-00f067aa0ba902b7-01"}}, "", ""},
		{"version 00 too long", http.Header{"Traceparent": {valid + "-x"}}, "", ""},
		{"short", http.Header{"Traceparent": {"00-4bf92f35-01"}}, "", ""},
		{"id of only bad bytes", http.Header{"X-Request-Id": {`"<>"`}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, recs := oneRequest(t, tt.header)
			if tt.wantID != "" && id != tt.wantID {
				t.Errorf("response id %q, want %q", id, tt.wantID)
			}
			if tt.wantID == "" && (len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "") {
				t.Errorf("response id %q, want a generated one", id)
			}
			for _, r := range recs {
				if r["request_id"] != id {
					t.Errorf("record %v: request_id %v, want %q", r["msg"], r["request_id"], id)
				}
				got, _ := r["trace_id"].(string)
				if got != tt.wantTrace {
					t.Errorf("record %v: trace_id %q, want %q", r["msg"], got, tt.wantTrace)
				}
			}
		})
	}
}

func TestHTTPAbsurdIncomingID(t *testing.T) {
	absurd := []string{
		strings.Repeat("7f3a9c01", 10<<10/8), // 10 KB
		"abc\r\nlevel=ERROR msg=forged\x00\x1b[31m",
		`id","level":"ERROR","msg":"forged`,
		`\"'` + "`" + `<script>alert(1)</script>`,
		"id\u2028with\u00e9unicode\xff",
		strings.Repeat(`"`, 10<<10) + "tail",
	}
	for _, in := range absurd {
		id, recs := oneRequest(t, http.Header{"X-Request-Id": {in}})
		if id == "" || len(id) > slogx.MaxRequestIDLen {
			t.Errorf("id of %d bytes from %.40q", len(id), in)
		}
		if strings.ContainsFunc(id, func(r rune) bool {
			return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+=@~", r)
		}) {
			t.Errorf("id %q keeps unsafe bytes", id)
		}
		for _, r := range recs {
			if r["request_id"] != id || r["level"] != "INFO" {
				t.Errorf("%.40q: record %v", in, r)
			}
		}
	}
}

func TestHTTPCustomIDOptions(t *testing.T) {
	var out syncBuffer
	logger := debugLogger(&out)
	var n atomic.Int64
	h := slogx.HTTP(http.NotFoundHandler(), &slogx.HTTPOptions{
		Logger:          logger,
		RequestIDHeader: "X-Correlation-ID",
		NewRequestID:    func() string { return fmt.Sprintf("gen-%d", n.Add(1)) },
		Message:         "access",
		Level: func(status int) slog.Level {
			if status >= 400 {
				return slog.LevelWarn
			}
			return slog.LevelDebug
		},
	})
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("X-Request-ID", "ignored")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Correlation-ID"); got != "gen-1" {
		t.Errorf("X-Correlation-ID = %q, want gen-1", got)
	}
	recs := out.records(t)
	if len(recs) != 1 || recs[0]["msg"] != "access" || recs[0]["level"] != "WARN" || recs[0]["request_id"] != "gen-1" {
		t.Errorf("records %v", recs)
	}
}

func TestHTTPPanic(t *testing.T) {
	var out syncBuffer
	logger := debugLogger(&out)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /before", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		var orders []string
		_ = orders[len(r.URL.Path)] // index out of range
	})
	mux.HandleFunc("GET /after", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(errors.New("lost the database mid-stream"))
	})
	mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	srv := serve(t, slogx.HTTP(mux, &slogx.HTTPOptions{Logger: logger}))

	resp := get(t, srv.URL+"/before", nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("panic before writing: status %d, want 500", resp.StatusCode)
	}
	// After the header went out the response cannot become a 500: the
	// client must see it cut, not a short body that looks complete.
	r2, err := http.Get(srv.URL + "/after")
	if err == nil {
		_, err = io.ReadAll(r2.Body)
		r2.Body.Close()
	}
	if err == nil {
		t.Error("panic after writing: the client read a complete response")
	}
	if _, err := http.Get(srv.URL + "/abort"); err == nil {
		t.Error("ErrAbortHandler: the client got a response")
	}
	get(t, srv.URL+"/before", nil) // the server still serves

	recs := out.records(t)
	var panics, access []map[string]any
	for _, r := range recs {
		switch r["msg"] {
		case "panic serving request":
			panics = append(panics, r)
		case "http request":
			access = append(access, r)
		}
	}
	if len(panics) != 3 || len(access) != 4 {
		t.Fatalf("got %d panic and %d access records, want 3 and 4:\n%v", len(panics), len(access), recs)
	}
	for _, p := range panics {
		if p["level"] != "ERROR" || p["request_id"] == nil {
			t.Errorf("panic record %v", p)
		}
		stack, _ := p["stack"].(string)
		if !strings.Contains(stack, "TestHTTPPanic") || !strings.Contains(stack, "http_test.go") {
			t.Errorf("panic record's stack does not name the handler:\n%s", stack)
		}
	}
	if panics[0]["panic"] != "runtime error: index out of range [7] with length 0" || panics[1]["panic"] != "lost the database mid-stream" {
		t.Errorf("panic values %v, %v", panics[0]["panic"], panics[1]["panic"])
	}
	wantAccess := []struct {
		path    string
		status  float64
		aborted bool
	}{{"/before", 500, false}, {"/after", 200, true}, {"/abort", 0, true}, {"/before", 500, false}}
	for i, w := range wantAccess {
		a := access[i]
		if a["path"] != w.path || a["status"] != w.status || a["level"] != "ERROR" || (a["aborted"] == true) != w.aborted {
			t.Errorf("access record %d: %v, want %+v at ERROR", i, a, w)
		}
		// /abort logs no panic record: the others pair up in order.
		if j := map[int]int{0: 0, 1: 1, 3: 2}; i != 2 && a["request_id"] != panics[j[i]]["request_id"] {
			t.Errorf("access record %d has request_id %v, its panic record %v", i, a["request_id"], panics[j[i]]["request_id"])
		}
	}
}

func TestHTTPSkip(t *testing.T) {
	var out syncBuffer
	logger := debugLogger(&out)
	var scopes atomic.Int64
	ran := 0
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		skipped := r.URL.Path == "/health" || r.URL.Path == "/metrics"
		if skipped && len(slogx.ContextAttrs(r.Context())) != 0 {
			t.Errorf("a skipped request got context attributes")
		}
	}), &slogx.HTTPOptions{
		Logger: logger,
		Skip:   []string{"/health", "/metrics"},
		Scope: func(ctx context.Context) (context.Context, func()) {
			scopes.Add(1)
			return ctx, func() {}
		},
	})
	for _, p := range []string{"/health", "/metrics", "/health/", "/healthz", "/Health"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		skipped := p == "/health" || p == "/metrics"
		if got := rec.Header().Get("X-Request-ID") == ""; got != skipped {
			t.Errorf("%s: skipped %v, want %v", p, got, skipped)
		}
	}
	if ran != 5 {
		t.Errorf("next ran %d times, want 5", ran)
	}
	recs := accessRecords(out.records(t))
	if len(recs) != 3 || scopes.Load() != 3 {
		t.Fatalf("%d access records and %d scopes, want 3 and 3", len(recs), scopes.Load())
	}
	for i, p := range []string{"/health/", "/healthz", "/Health"} {
		if recs[i]["path"] != p {
			t.Errorf("access record %d for %v, want %s", i, recs[i]["path"], p)
		}
	}
}

// TestHTTPBreachScopePerRequest runs concurrent requests through a breach
// handler with a scope per request: only the failing requests write their
// DEBUG lead-up, each its own and in order, and the others write nothing.
func TestHTTPBreachScopePerRequest(t *testing.T) {
	var out syncBuffer
	target := slogx.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})
	bh, err := breach.New(target, &breach.Options{FlushLevel: slog.LevelError})
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	logger := slog.New(bh)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /charge/{n}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		n := r.PathValue("n")
		for step := range 3 {
			logger.DebugContext(ctx, "charge step", "n", n, "step", step)
		}
		if strings.HasSuffix(n, "7") {
			http.Error(w, "card declined by issuer", http.StatusBadGateway)
		}
	})
	var ended atomic.Int64
	srv := serve(t, slogx.HTTP(mux, &slogx.HTTPOptions{
		Logger: logger,
		Scope: func(ctx context.Context) (context.Context, func()) {
			ctx, end := breach.NewScope(ctx)
			return ctx, func() { end(); ended.Add(1) }
		},
	}))

	const requests = 30
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() { get(t, fmt.Sprintf("%s/charge/%d", srv.URL, 100+i), nil) })
	}
	wg.Wait()
	if ended.Load() != requests {
		t.Errorf("%d scopes ended, want %d", ended.Load(), requests)
	}

	byID := map[string][]map[string]any{}
	for _, r := range out.records(t) {
		id := r["request_id"].(string)
		byID[id] = append(byID[id], r)
	}
	if len(byID) != 3 { // 107, 117, 127
		t.Fatalf("%d requests wrote records, want the 3 that failed", len(byID))
	}
	for id, recs := range byID {
		if len(recs) != 4 {
			t.Fatalf("request %s wrote %d records, want 3 DEBUG steps and the access record", id, len(recs))
		}
		n := recs[0]["n"]
		for step, r := range recs[:3] {
			if r["msg"] != "charge step" || r["step"] != float64(step) || r["n"] != n || r["level"] != "DEBUG" {
				t.Errorf("request %s record %d: %v", id, step, r)
			}
		}
		if a := recs[3]; a["msg"] != "http request" || a["status"] != 502.0 || a["path"] != fmt.Sprintf("/charge/%v", n) {
			t.Errorf("request %s access record: %v", id, a)
		}
	}
	if s := bh.Stats(); s.Discarded != (requests-3)*4 {
		t.Errorf("breach discarded %d records, want %d (the lead-up and access record of each good request)", s.Discarded, (requests-3)*4)
	}
}

func TestHTTPWriterKeepsFlusher(t *testing.T) {
	var out syncBuffer
	release := make(chan struct{})
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "event: tick\n\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "event: done\n\n")
	}), &slogx.HTTPOptions{Logger: debugLogger(&out)})
	srv := serve(t, h)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	close(release)
	if err != nil || line != "event: tick\n" {
		t.Fatalf("first event before the handler finished: %q, %v", line, err)
	}
}

func TestHTTPWriterKeepsHijacker(t *testing.T) {
	var out syncBuffer
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello")
		buf.Flush()
	}), &slogx.HTTPOptions{Logger: debugLogger(&out)})
	srv := serve(t, h)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	got, _ := io.ReadAll(conn)
	if !bytes.HasSuffix(got, []byte("hello")) {
		t.Fatalf("hijacked connection sent %q", got)
	}
	// The handler closed the connection before returning, so the access
	// record may still be on its way.
	var recs []map[string]any
	for deadline := time.Now().Add(10 * time.Second); len(recs) == 0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		recs = accessRecords(out.records(t))
	}
	if len(recs) != 1 || recs[0]["hijacked"] != true || recs[0]["level"] != "INFO" {
		t.Errorf("access record of a hijacked request: %v", recs)
	}

	// A writer that cannot hijack (HTTP/2's, or a recorder) says so.
	h = slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack on a recorder: %v, want ErrNotSupported", err)
		}
	}), &slogx.HTTPOptions{Logger: debugLogger(io.Discard)})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

// readerFromWriter is a ResponseWriter with its own ReadFrom, to see that
// the wrapper uses it.
type readerFromWriter struct {
	*httptest.ResponseRecorder
	used bool
}

func (w *readerFromWriter) ReadFrom(r io.Reader) (int64, error) {
	w.used = true
	return io.Copy(w.ResponseRecorder, r)
}

func TestHTTPWriterKeepsReaderFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.csv")
	body := strings.Repeat("2026-12-01,7f3a9c01,checkout,200,0.041\n", 4000)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			t.Error(err)
		}
	}), &slogx.HTTPOptions{Logger: debugLogger(&out)})

	w := &readerFromWriter{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/report.csv", nil))
	if !w.used || w.Body.String() != body {
		t.Errorf("ReadFrom used %v, body of %d bytes, want %d", w.used, w.Body.Len(), len(body))
	}
	// Through a real server (sendfile), and through a writer without
	// ReadFrom: the byte count is right either way.
	resp, err := http.Get(serve(t, h).URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != body {
		t.Errorf("served %d bytes, want %d", len(got), len(body))
	}
	for _, r := range accessRecords(out.records(t)) {
		if r["bytes"] != float64(len(body)) {
			t.Errorf("bytes = %v, want %d", r["bytes"], len(body))
		}
	}
}

func TestHTTPWriterResponseController(t *testing.T) {
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through the wrapper: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush through the wrapper: %v", err)
		}
	}), &slogx.HTTPOptions{Logger: debugLogger(io.Discard)})
	get(t, serve(t, h).URL, nil)
}

func TestHTTPDefaultLogger(t *testing.T) {
	var out syncBuffer
	old := slog.Default()
	defer slog.SetDefault(old)
	h := slogx.HTTP(http.NotFoundHandler(), nil)
	// Set after HTTP: the default logger is looked up per request.
	slog.SetDefault(debugLogger(&out))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if recs := accessRecords(out.records(t)); len(recs) != 1 || recs[0]["status"] != 404.0 {
		t.Errorf("records %v", recs)
	}
}
