package sink

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The sender speaks HTTP/1.1 itself, over keep-alive connections that it
// owns (one per endpoint and lane, see sender), rather than through a
// fasthttp.Client: a Client starts cleaner goroutines that sleep for up to
// its idle timeout and so outlive Close. Requests and responses are still
// fasthttp's, written and read over bufio on the connection; deadlines on
// the connection bound each request. The sender writes every request; the
// answer to one sent ahead is read by a goroutine of its own, which ends
// with the read (by the request's deadline at the latest, or when Close
// cuts the connection) and which the sender waits for before it resolves
// the batch, so none outlives Close.

// maxResponseBody bounds the answer body that is read (and quoted, cut
// shorter, in errors); a longer one fails the request.
const maxResponseBody = 1 << 20

// target is where one endpoint's requests go.
type target struct {
	addr       string // host:port to dial
	tls        bool
	serverName string
	display    string // the URL without user info or query, for messages
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, err
	}
	t := target{tls: u.Scheme == "https", serverName: u.Hostname(), display: displayURL(u)}
	port := u.Port()
	if port == "" {
		port = "80"
		if t.tls {
			port = "443"
		}
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	return t, nil
}

// conn is a keep-alive connection to one endpoint.
type conn struct {
	nc       net.Conn // what requests are written to: raw, or TLS over raw
	raw      net.Conn // the TCP connection, which Close's cut closes
	br       *bufio.Reader
	bw       *bufio.Writer
	lastUsed time.Time
}

// dial opens a connection to t, finishing the TLS handshake by deadline.
func (snd *sender) dial(t *target, deadline time.Time) (*conn, error) {
	d := net.Dialer{Deadline: deadline}
	raw, err := d.Dial("tcp", t.addr)
	if err != nil {
		return nil, err
	}
	// Close's cut closes the TCP connection itself, handshake included:
	// closing a TLS connection first writes an alert, which would wait
	// behind a write that is stuck.
	snd.s.conns.add(raw)
	nc := raw
	if t.tls {
		tc := tls.Client(nc, snd.tlsConfig(t))
		// A deadline on the connection, not a context: HandshakeContext
		// would start a goroutine to watch the context.
		nc.SetDeadline(deadline)
		if err := tc.Handshake(); err != nil {
			snd.s.conns.remove(raw)
			raw.Close()
			return nil, err
		}
		nc = tc
	}
	return &conn{nc: nc, raw: raw, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096)}, nil
}

func (snd *sender) tlsConfig(t *target) *tls.Config {
	var cfg *tls.Config
	if c := snd.s.cfg.TLSConfig; c != nil {
		cfg = c.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = t.serverName
	}
	return cfg
}

// closeConn closes e's connection of lane, if any. It closes the TCP
// connection without TLS's closing alert: a write of that alert to a server
// that has stopped reading would wait, and HTTP/1.1 frames its messages
// anyway.
func (snd *sender) closeConn(e *endpoint, lane int) {
	if lane < len(e.conns) && e.conns[lane] != nil {
		snd.s.conns.remove(e.conns[lane].raw)
		e.conns[lane].raw.Close()
		e.conns[lane] = nil
	}
}

// send writes req to e over its keep-alive connection of lane or a new
// one; the answer is read by readAnswer, by deadline. A failed request is
// not repeated here, even on a connection that was idle: the server may
// have read it, and every retry is the sender's, with backoff and
// accounting. A connection idle for longer than IdleConnTimeout, which is
// shorter than servers' own idle timeouts, is replaced before use rather
// than risked.
func (snd *sender) send(e *endpoint, lane int, req *fasthttp.Request, deadline time.Time) error {
	for len(e.conns) <= lane {
		e.conns = append(e.conns, nil)
	}
	if c := e.conns[lane]; c != nil && time.Since(c.lastUsed) > snd.s.cfg.IdleConnTimeout {
		snd.closeConn(e, lane)
	}
	if e.conns[lane] == nil {
		c, err := snd.dial(&e.target, deadline)
		if err != nil {
			return err
		}
		e.conns[lane] = c
	}
	c := e.conns[lane]
	c.nc.SetDeadline(deadline)
	err := req.Write(c.bw)
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		snd.closeConn(e, lane)
	}
	return err
}

// readAnswer reads the answer to the request send wrote on e's connection
// of lane, within that request's deadline.
func (snd *sender) readAnswer(e *endpoint, lane int, resp *fasthttp.Response) error {
	keep, err := readResponse(e.conns[lane], resp)
	if !keep {
		snd.closeConn(e, lane)
	}
	return err
}

// readResponse reads one answer from c into resp and reports whether c may
// carry another request. It touches nothing but c and resp, so the reader
// of a batch sent ahead runs it on its own goroutine.
func readResponse(c *conn, resp *fasthttp.Response) (keep bool, err error) {
	resp.Reset()
	if err := resp.ReadLimitBody(c.br, maxResponseBody); err != nil {
		return false, err
	}
	if resp.ConnectionClose() {
		return false, nil
	}
	c.lastUsed = time.Now()
	return true, nil
}

// requestError describes a failed request without the URL's credentials.
func requestError(t *target, err error) error {
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("POST %s: no answer within the request timeout: %w", t.display, err)
	}
	return fmt.Errorf("POST %s: %w", t.display, err)
}

// connSet holds the sender's open connections, so that Close can cut a
// request that is stuck at the close deadline.
type connSet struct {
	mu  sync.Mutex
	m   map[net.Conn]struct{}
	cut bool // closeAll ran: a connection added later is closed at once
}

// add registers c; after the cut it closes c instead, so that a request
// started on it fails at once rather than outlive Close (one sent ahead
// whose Prepare hook returned only after the cut, say).
func (cs *connSet) add(c net.Conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.cut {
		c.Close()
		return
	}
	if cs.m == nil {
		cs.m = map[net.Conn]struct{}{}
	}
	cs.m[c] = struct{}{}
}

func (cs *connSet) remove(c net.Conn) {
	cs.mu.Lock()
	delete(cs.m, c)
	cs.mu.Unlock()
}

// closeAll closes every connection; a request on one fails at once.
func (cs *connSet) closeAll() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.cut = true
	for c := range cs.m {
		c.Close()
	}
}

// displayURL is u as messages show it: no user info and no query, either
// of which may hold a credential.
func displayURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

// RedactURL returns raw, a URL that may not even parse, fit to be shown in
// a message: the password of its user info (or, without a password, the
// whole user info, which may be a token) and every query value are replaced
// by "xxxxx".
func RedactURL(raw string) string {
	rest, scheme := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	// The user info ends at the last '@' before the path; a '@' later on may
	// be part of a password that has an unescaped '/'. Mask up to the last
	// '@' of all, then: hiding too much beats showing a secret.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		user, _, hasPass := strings.Cut(rest[:at], ":")
		if hasPass && !strings.ContainsAny(user, "/?#") {
			rest = user + ":xxxxx" + rest[at:]
		} else {
			rest = "xxxxx" + rest[at:]
		}
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		frag := ""
		query := rest[q+1:]
		if h := strings.IndexByte(query, '#'); h >= 0 {
			query, frag = query[:h], query[h:]
		}
		parts := strings.Split(query, "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=xxxxx"
			}
		}
		rest = rest[:q+1] + strings.Join(parts, "&") + frag
	}
	return scheme + rest
}

// URLError describes why raw is not a usable URL without quoting a
// credential. url.Parse's own message quotes the URL, and parts of it (a
// password with an unescaped '/' reads as a port), so when raw has user
// info or a query the message only names the kind of problem.
func URLError(raw string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	shown := RedactURL(raw)
	if shown != raw {
		return fmt.Errorf("%q: cannot be parsed (the parser's message is withheld, as it may quote a credential; percent-encode any '/', '@', ':', '?' or '#' in the user info)", shown)
	}
	return fmt.Errorf("%q: %w", shown, err)
}
