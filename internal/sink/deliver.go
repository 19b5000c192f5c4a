package sink

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/wire"
)

// endpoint is one URL and its health, as the sender sees it.
type endpoint struct {
	url       string
	target    target
	conns     []*conn   // the keep-alive connection of each lane, nil when none is open
	downUntil time.Time // skipped until then
	fails     int       // consecutive failures
}

// pick returns the first endpoint that is up, starting at the round-robin
// position, or nil if all are down.
func (snd *sender) pick(now time.Time) *endpoint {
	j := snd.peek(now)
	if j < 0 {
		return nil
	}
	snd.next = (j + 1) % len(snd.endpoints)
	return snd.endpoints[j]
}

// peek returns the index of the endpoint pick would return, or -1, without
// moving the round-robin position.
func (snd *sender) peek(now time.Time) int {
	n := len(snd.endpoints)
	for i := range n {
		j := (snd.next + i) % n
		if !now.Before(snd.endpoints[j].downUntil) {
			return j
		}
	}
	return -1
}

// holdOff keeps e down until t at least. A wait is never shortened: with
// requests in flight, an answer resolved later may be older than the one
// that asked for the longer wait (a Retry-After).
func (e *endpoint) holdOff(t time.Time) {
	if t.After(e.downUntil) {
		e.downUntil = t
	}
}

// heed takes in the answers to the batches in flight that have already
// arrived and holds their endpoints off for the Retry-After they ask for,
// before the batch at hand is sent again: they are resolved later, oldest
// first, but a wait a server asked for must hold back every request to it.
// The Retry-After is applied once, here; the resolution backs off as for
// an answer without one. A 401 or 403 stops the sending at once.
func (snd *sender) heed(now time.Time) {
	for _, b := range snd.flight {
		if !snd.arrived(b) {
			continue
		}
		a := &b.first
		if a.err != nil || a.status/100 == 2 {
			continue
		}
		if a.retryAfter > 0 {
			// Only an answer the format retries holds the endpoint off,
			// as it would when resolved.
			v := &snd.heedVerdict
			snd.s.cfg.Format.Judge(a.status, a.answer, b.size(), v)
			if v.Action == wire.Retry {
				b.e.holdOff(now.Add(retryAfterWait(snd.s.cfg.Retry, a.retryAfter)))
				a.retryAfter = 0
			}
		}
		if (a.status == fasthttp.StatusUnauthorized || a.status == fasthttp.StatusForbidden) && snd.refused == nil {
			// Nothing more is sent; the refusal is reported in full when
			// its batch is resolved.
			snd.refused = &statusError{url: b.e.target.display, status: a.status}
		}
	}
}

// earliestUp returns when the first endpoint comes back up.
func (snd *sender) earliestUp() time.Time {
	t := snd.endpoints[0].downUntil
	for _, e := range snd.endpoints[1:] {
		if e.downUntil.Before(t) {
			t = e.downUntil
		}
	}
	return t
}

// backoff returns the wait after the fails-th consecutive failure:
// MinBackoff doubled per further failure up to MaxBackoff, less a random
// jitter of up to half of it.
func backoff(r Retry, fails int) time.Duration {
	d := r.MaxBackoff
	if shift := fails - 1; shift < 62 {
		if b := r.MinBackoff << shift; b > 0 && b < d && b>>shift == r.MinBackoff {
			d = b
		}
	}
	if half := d / 2; half > 0 {
		d -= rand.N(half + 1)
	}
	return d
}

// retryAfterWait is the wait a Retry-After of ra asks for, capped at
// r.MaxRetryAfter so that one answer cannot disable an endpoint for a day,
// plus a random jitter of up to a tenth, so that clients told the same time
// do not all come back in the same instant.
func retryAfterWait(r Retry, ra time.Duration) time.Duration {
	d := min(ra, r.MaxRetryAfter)
	if tenth := d / 10; tenth > 0 {
		d += rand.N(tenth + 1)
	}
	return d
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// as a duration from now. It returns 0 if v is empty or malformed.
func parseRetryAfter(v []byte, now time.Time) time.Duration {
	if len(v) == 0 {
		return 0
	}
	if secs, err := strconv.ParseUint(string(v), 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(string(v)); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// part is a run of the batch's record numbers, snd.order[lo:hi], sent as
// one request.
type part struct {
	lo, hi int
	again  bool // its records were sent before: its first request is a retry
}

// deliver sends the batch of n records built last: as one request or, when
// an answer says so, as several (the halves of a batch refused as too
// large, the items of a partial success to send again). Every record ends
// delivered, rejected, or spilled to the fallback when the retry budget or
// the close deadline runs out.
func (snd *sender) deliver(n int) {
	b := snd.b
	snd.allRecords(n)
	b.parts = append(b.parts[:0], part{lo: 0, hi: n})
	budgetEnd := time.Now().Add(snd.s.cfg.Retry.Budget)
	for len(b.parts) > 0 {
		p := b.parts[len(b.parts)-1]
		b.parts = b.parts[:len(b.parts)-1]
		snd.deliverPart(p, budgetEnd, nil)
	}
}

// frame makes b.body, the request body that carries the records of snd.b
// numbered in idx, framed by the Format and compressed.
func (snd *sender) frame(idx []int) {
	b := snd.b
	views := snd.views[:0]
	for _, i := range idx {
		views = append(views, snd.record(i))
	}
	b.raw = snd.s.cfg.Format.AppendBody(b.raw[:0], views)
	clear(views)
	snd.views = views[:0]
	b.body, b.encoding = snd.comp.compress(&b.out, b.raw)
}

// deliverPart sends one part of snd.b until an endpoint answers it for
// good, or the retry budget or the close deadline runs out. If first is
// not nil, the part is the whole batch, already sent ahead with b.body, and
// first is the outcome of that request.
func (snd *sender) deliverPart(p part, budgetEnd time.Time, first *attempt) {
	s, b := snd.s, snd.b
	idx := b.order[p.lo:p.hi]
	n := len(idx)
	if snd.refused != nil && first == nil {
		snd.reject(idx, 0, snd.refused, "")
		return
	}
	closed := "close timeout " + s.cfg.CloseTimeout.String() + " passed"
	exhausted := "retry budget " + s.cfg.Retry.Budget.String() + " exhausted"
	if p.again && time.Now().After(budgetEnd) {
		// Items a server keeps asking for again share the batch's budget.
		snd.spill(idx, exhausted)
		return
	}
	if first == nil {
		snd.frame(idx)
	}
	body, encoding := b.body, b.encoding
	for attempt := 0; ; {
		var (
			e          *endpoint
			status     int
			retryAfter time.Duration
			answer     []byte
			err        error
		)
		if first != nil {
			// The request sent ahead counts as this part's first attempt.
			e = b.e
			status, retryAfter, answer, err = first.status, first.retryAfter, first.answer, first.err
			first = nil
			attempt++
		} else {
			if snd.refused != nil {
				// Refused while this batch was in flight, by the answer to
				// an older one: the key will not become valid by itself.
				snd.reject(idx, 0, snd.refused, "")
				return
			}
			snd.checkClosing()
			now := time.Now()
			if snd.closing && !now.Before(s.deadline) {
				snd.spill(idx, closed)
				return
			}
			snd.heed(now)
			e = snd.pick(now)
			if e == nil {
				if snd.park(idx) {
					return
				}
				up := snd.earliestUp()
				switch {
				case up.After(budgetEnd):
					snd.spill(idx, exhausted)
					return
				case snd.closing && up.After(s.deadline):
					snd.spill(idx, closed)
					return
				}
				snd.reportDrops(now, false)
				// Wake at least every second to report drops while waiting.
				snd.sleep(min(up.Sub(now), time.Second))
				continue
			}
			if attempt > 0 || p.again {
				s.retried.Add(1)
			}
			attempt++
			reqDeadline := now.Add(s.cfg.RequestTimeout)
			if snd.closing && s.deadline.Before(reqDeadline) {
				reqDeadline = s.deadline
			}
			status, retryAfter, answer, err = snd.post(e, body, encoding, reqDeadline)
		}
		v := &snd.verdict
		if err == nil {
			s.cfg.Format.Judge(status, answer, n, v)
			if status/100 != 2 {
				err = &statusError{url: e.target.display, status: status, body: s.cfg.scrub(v.Message)}
			}
		} else {
			v.Action = wire.Retry // no answer: a network error or a timeout
		}
		switch v.Action {
		case wire.Delivered:
			snd.delivered(e, p, n, len(body))
			return
		case wire.Retry:
			e.fails++
			wait := backoff(s.cfg.Retry, e.fails)
			if retryAfter > 0 {
				wait = retryAfterWait(s.cfg.Retry, retryAfter)
			}
			e.holdOff(time.Now().Add(wait))
			snd.lastReqErr = err
			s.setLastError(err)
			snd.noteFailure()
			if time.Now().After(budgetEnd) {
				snd.spill(idx, exhausted)
				return
			}
		case wire.Split:
			// Too large for the server: each half on its own, the first
			// half first (the stack pops the last part pushed).
			mid := p.lo + n/2
			b.parts = append(b.parts, part{lo: mid, hi: p.hi, again: true}, part{lo: p.lo, hi: mid, again: true})
			return
		default:
			snd.noteSuccess() // the endpoint answered: it is not failing
			snd.reject(idx, status, err, e.target.display)
			return
		}
	}
}

// delivered accounts for a 2xx answer to part p of n records: stored,
// refused for good (copied to the fallback), or to be sent again.
func (snd *sender) delivered(e *endpoint, p part, n, wireBytes int) {
	s := snd.s
	v := &snd.verdict
	idx := snd.b.order[p.lo:p.hi]
	e.fails = 0
	snd.lastReqErr = nil
	snd.noteSuccess()
	s.batches.Add(1)
	s.bytes.Add(uint64(len(snd.b.raw)))
	s.wireBytes.Add(uint64(wireBytes))
	resend := 0
	for _, j := range v.Resend {
		if j >= 0 && j < n {
			resend++
		}
	}
	refused := min(v.Refused, n-resend)
	s.delivered.Add(uint64(n - refused - resend))
	if refused > 0 {
		err := fmt.Errorf("POST %s: %d of %d records refused: %s", e.target.display, refused, n, s.cfg.scrub(v.Message))
		s.setLastError(err)
		s.dropRejected.Add(uint64(refused))
		if len(v.RefusedItems) == 0 {
			// The protocol gives a count, not the items (OTLP).
			s.writeFallback(summaryLine(s.cfg.Name+": "+err.Error(), nil), nil)
		} else {
			which := snd.which[:0]
			for _, j := range v.RefusedItems {
				if j >= 0 && j < n {
					which = append(which, idx[j])
				}
			}
			snd.copyToFallback(fmt.Sprintf("%d records refused by %s; they follow", len(which), e.target.display), err, which)
			snd.which = which[:0]
		}
	}
	if resend == 0 {
		return
	}
	// The records to send again move to the front of the part, in order
	// (Resend is ascending, so each is read before it can be overwritten),
	// and go next, after a backoff: items fail like this when the server
	// is overloaded.
	k := 0
	for _, j := range v.Resend {
		if j >= 0 && j < n {
			idx[k] = idx[j]
			k++
		}
	}
	e.fails++
	e.holdOff(time.Now().Add(backoff(s.cfg.Retry, e.fails)))
	snd.b.parts = append(snd.b.parts, part{lo: p.lo, hi: p.lo + k, again: true})
}

// reject drops the records numbered in idx for good: the server refused
// them with status (0: not sent, the credentials were refused before). The
// records are copied to the fallback; the status and the server's message
// are reported in full the first time a status is seen, and briefly after,
// so that a refused key is reported once, not once per batch. After a 401
// or a 403 nothing more is sent: the key will not become valid by itself,
// and every later batch would be refused the same way.
func (snd *sender) reject(idx []int, status int, err error, where string) {
	s := snd.s
	n := len(idx)
	s.dropRejected.Add(uint64(n))
	switch {
	case status == 0:
		snd.copyToFallback(fmt.Sprintf("%d records not sent: the server refused the credentials (reported above); they follow", n), nil, idx)
		return
	case snd.reported[status]:
		snd.copyToFallback(fmt.Sprintf("%d records rejected by %s with the same status as before; they follow", n, where), nil, idx)
	default:
		snd.reported[status] = true
		snd.lastReqErr = err
		s.setLastError(err)
		msg := fmt.Sprintf("%d records rejected by %s; they follow", n, where)
		if status == fasthttp.StatusUnauthorized || status == fasthttp.StatusForbidden {
			msg = fmt.Sprintf("%d records rejected by %s, which refused the credentials: nothing more is sent; these and every later record go to the fallback", n, where)
		}
		snd.copyToFallback(msg, err, idx)
	}
	if status == fasthttp.StatusUnauthorized || status == fasthttp.StatusForbidden {
		snd.refused = err
	}
}

// checkClosing notices Close without blocking.
func (snd *sender) checkClosing() {
	if !snd.closing && snd.s.Closed() {
		snd.closing = true
	}
}

// sleep waits for d, or until Close is called (the caller then re-plans with
// the close deadline).
func (snd *sender) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	snd.timer.Reset(d)
	if snd.closing {
		<-snd.timer.C
		return
	}
	select {
	case <-snd.timer.C:
	case <-snd.s.closeCh:
		snd.timer.Stop()
	}
}

// statusError is a non-2xx answer.
type statusError struct {
	url    string
	status int
	body   string
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("POST %s: status %d", e.url, e.status)
	}
	return fmt.Sprintf("POST %s: status %d: %s", e.url, e.status, e.body)
}

// post sends one request to e and returns the status, Retry-After and the
// answer's body (valid until the next post), or the network error.
// It goes over the lane of the batch at hand.
func (snd *sender) post(e *endpoint, body []byte, encoding string, deadline time.Time) (int, time.Duration, []byte, error) {
	req, lane := &snd.req, snd.b.lane
	defer req.SetBodyRaw(nil) // do not keep the batch body reachable
	snd.prepare(e, body, encoding)
	if err := snd.send(e, lane, req, deadline); err != nil {
		return 0, 0, nil, requestError(&e.target, err)
	}
	a := snd.receive(e, lane, &snd.b.resp)
	return a.status, a.retryAfter, a.answer, a.err
}

// prepare makes snd.req the request that carries body to e.
func (snd *sender) prepare(e *endpoint, body []byte, encoding string) {
	s, req := snd.s, &snd.req
	req.Reset()
	req.SetRequestURI(e.url)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetUserAgent("slogx")
	req.Header.SetContentType(s.cfg.ContentType)
	if encoding != "" {
		req.Header.Set(fasthttp.HeaderContentEncoding, encoding)
	}
	req.SetBodyRaw(body)
	if s.cfg.Prepare != nil {
		s.cfg.Prepare(req, e.url)
	}
}

// receive reads the answer to the request sent on e's connection of lane
// into resp, and returns the status, Retry-After and the answer's body
// (valid until resp is used again), or the network error.
func (snd *sender) receive(e *endpoint, lane int, resp *fasthttp.Response) attempt {
	return answerOf(e, resp, snd.readAnswer(e, lane, resp))
}

// answerOf is the attempt that read resp from e, or failed with err.
func answerOf(e *endpoint, resp *fasthttp.Response, err error) attempt {
	if err != nil {
		return attempt{err: requestError(&e.target, err)}
	}
	a := attempt{status: resp.StatusCode(), answer: resp.Body()}
	if a.status/100 != 2 {
		a.retryAfter = parseRetryAfter(resp.Header.Peek(fasthttp.HeaderRetryAfter), time.Now())
	}
	return a
}
