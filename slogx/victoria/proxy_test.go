package victoria_test

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// fault is what the proxy does with one request.
type fault int

const (
	pass          fault = iota // forward and relay the answer
	tooMany                    // 429 with Retry-After, not forwarded
	unavailable                // 503, not forwarded
	unavailableRA              // 503 with Retry-After, not forwarded
	slowForwarded              // forward, then answer too late: the answer is lost, the rows stored
	resetBefore                // reset the connection without forwarding
	resetAfter                 // forward, then reset: the answer is lost, the rows stored
	badRequest                 // 400, not forwarded
)

var faultNames = map[fault]string{
	pass: "pass", tooMany: "429", unavailable: "503", unavailableRA: "503+Retry-After",
	slowForwarded: "slow", resetBefore: "reset-before", resetAfter: "reset-after", badRequest: "400",
}

// proxy sits between a handler and a real VictoriaLogs and misbehaves on
// schedule. It records what it did and when, so a test can check the
// handler's reaction from the outside.
type proxy struct {
	t          testing.TB
	target     string
	srv        *httptest.Server
	client     *http.Client
	retryAfter time.Duration // for tooMany and unavailableRA
	slowFor    time.Duration // upper bound of a slow answer

	mu       sync.Mutex
	plan     map[int]fault // request number (from 0) → fault; absent means pass
	log      []proxyEvent
	lostRows int // rows stored by forwarded requests whose answer was lost
}

type proxyEvent struct {
	n        int
	fault    fault
	arrived  time.Time
	answered time.Time // when the answer (or reset) left the proxy
	header   http.Header
	uri      string
	rows     int
}

func newProxy(t testing.TB, target string, plan map[int]fault) *proxy {
	t.Helper()
	return startProxy(t, target, plan, false)
}

// newTLSProxy is newProxy serving https, with a certificate that
// p.srv.Certificate() returns.
func newTLSProxy(t testing.TB, target string, plan map[int]fault) *proxy {
	t.Helper()
	return startProxy(t, target, plan, true)
}

func startProxy(t testing.TB, target string, plan map[int]fault, useTLS bool) *proxy {
	t.Helper()
	p := &proxy{
		t: t, target: target, plan: plan,
		retryAfter: time.Second,
		slowFor:    10 * time.Second,
		client:     &http.Client{Transport: &http.Transport{Proxy: nil}},
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	// Handshake failures and resets are the point of some tests.
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	t.Cleanup(func() {
		p.srv.CloseClientConnections()
		p.srv.Close()
		p.client.CloseIdleConnections()
	})
	return p
}

func (p *proxy) URL() string { return p.srv.URL }

func (p *proxy) events() []proxyEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxyEvent(nil), p.log...)
}

func (p *proxy) lost() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lostRows
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	p.mu.Lock()
	n := len(p.log)
	f := p.plan[n]
	p.log = append(p.log, proxyEvent{n: n, fault: f, arrived: arrived, header: r.Header.Clone(), uri: r.URL.RequestURI(), rows: p.countRows(r, body)})
	p.mu.Unlock()
	answered := func() {
		p.mu.Lock()
		p.log[n].answered = time.Now()
		p.mu.Unlock()
	}
	lost := func() {
		p.mu.Lock()
		p.lostRows += p.log[n].rows
		p.mu.Unlock()
	}

	switch f {
	case tooMany, unavailableRA:
		w.Header().Set("Retry-After", "1")
		answered()
		if f == tooMany {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		} else {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	case unavailable:
		answered()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	case badRequest:
		answered()
		http.Error(w, "no such thing", http.StatusBadRequest)
	case resetBefore:
		answered()
		reset(w)
	case pass, slowForwarded, resetAfter:
		status, respBody, err := p.forward(r, body)
		if err != nil {
			p.t.Errorf("proxy: forwarding request %d: %v", n, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		switch f {
		case slowForwarded:
			lost()
			// Hold the answer until the client gives up on it.
			select {
			case <-r.Context().Done():
			case <-time.After(p.slowFor):
				p.t.Errorf("proxy: the client waited %v for a slow answer; RequestTimeout was not applied", p.slowFor)
			}
			answered()
			return
		case resetAfter:
			lost()
			answered()
			reset(w)
			return
		}
		answered()
		w.WriteHeader(status)
		w.Write(respBody)
	}
}

func (p *proxy) forward(r *http.Request, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// countRows counts the lines of a request body, decompressing it.
func (p *proxy) countRows(r *http.Request, body []byte) int {
	switch r.Header.Get("Content-Encoding") {
	case "zstd":
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			p.t.Errorf("proxy: %v", err)
			return 0
		}
		defer d.Close()
		raw, err := d.DecodeAll(body, nil)
		if err != nil {
			p.t.Errorf("proxy: bad zstd body: %v", err)
		}
		body = raw
	case "":
	default:
		p.t.Errorf("proxy: unexpected Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	return bytes.Count(body, []byte("\n"))
}

// reset closes the client's connection with a TCP RST.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}
