package sink

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// endpoint is one URL and its health, as the sender sees it.
type endpoint struct {
	url       string
	target    target
	conn      *conn     // the keep-alive connection, nil when none is open
	downUntil time.Time // skipped until then
	fails     int       // consecutive failures
}

// pick returns the first endpoint that is up, starting at the round-robin
// position, or nil if all are down.
func (snd *sender) pick(now time.Time) *endpoint {
	n := len(snd.endpoints)
	for i := range n {
		j := (snd.next + i) % n
		if e := snd.endpoints[j]; !now.Before(e.downUntil) {
			snd.next = (j + 1) % n
			return e
		}
	}
	return nil
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

// retryable reports whether a status means "try again later" rather than
// "this batch is wrong".
func retryable(status int) bool {
	return status == fasthttp.StatusRequestTimeout || status == fasthttp.StatusTooManyRequests || status >= 500
}

// deliver sends the batch of n records in snd.raw until an endpoint accepts
// or rejects it, the retry budget runs out, or the close deadline passes;
// in the last two cases the batch is spilled to the fallback.
func (snd *sender) deliver(n int) {
	s := snd.s
	body, encoding := snd.comp.compress(snd.raw)
	start := time.Now()
	budgetEnd := start.Add(s.cfg.Retry.Budget)
	for attempt := 0; ; {
		snd.checkClosing()
		now := time.Now()
		if snd.closing && !now.Before(s.deadline) {
			snd.spill(n, "close timeout "+s.cfg.CloseTimeout.String()+" passed")
			return
		}
		e := snd.pick(now)
		if e == nil {
			if snd.park(n) {
				return
			}
			up := snd.earliestUp()
			switch {
			case up.After(budgetEnd):
				snd.spill(n, "retry budget "+s.cfg.Retry.Budget.String()+" exhausted")
				return
			case snd.closing && up.After(s.deadline):
				snd.spill(n, "close timeout "+s.cfg.CloseTimeout.String()+" passed")
				return
			}
			snd.reportDrops(now, false)
			// Wake at least every second to report drops while waiting.
			snd.sleep(min(up.Sub(now), time.Second))
			continue
		}
		if attempt > 0 {
			s.retried.Add(1)
		}
		attempt++
		reqDeadline := now.Add(s.cfg.RequestTimeout)
		if snd.closing && s.deadline.Before(reqDeadline) {
			reqDeadline = s.deadline
		}
		status, retryAfter, err := snd.post(e, body, encoding, reqDeadline)
		switch {
		case err == nil && status/100 == 2:
			e.fails = 0
			snd.lastReqErr = nil
			snd.noteSuccess()
			s.batches.Add(1)
			s.bytes.Add(uint64(len(snd.raw)))
			s.wireBytes.Add(uint64(len(body)))
			s.delivered.Add(uint64(n))
			return
		case status == 0 || retryable(status): // status 0: no answer (network error, timeout)
			e.fails++
			wait := backoff(s.cfg.Retry, e.fails)
			if retryAfter > 0 {
				wait = retryAfterWait(s.cfg.Retry, retryAfter)
			}
			e.downUntil = time.Now().Add(wait)
			snd.lastReqErr = err
			s.setLastError(err)
			snd.noteFailure()
			if time.Now().After(budgetEnd) {
				snd.spill(n, "retry budget "+s.cfg.Retry.Budget.String()+" exhausted")
				return
			}
		default:
			snd.noteSuccess() // the endpoint answers: it is not failing
			snd.lastReqErr = err
			s.setLastError(err)
			s.dropRejected.Add(uint64(n))
			snd.copyToFallback(fmt.Sprintf("%d records rejected by %s; they follow", n, e.target.display), err)
			return
		}
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

// post sends one request to e and returns the status and Retry-After, or
// the network error. A non-2xx status is also returned as a *statusError.
func (snd *sender) post(e *endpoint, body []byte, encoding string, deadline time.Time) (int, time.Duration, error) {
	s := snd.s
	req, resp := &snd.req, &snd.resp
	req.Reset()
	resp.Reset()
	defer req.SetBodyRaw(nil) // do not keep the batch body reachable
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
	if err := snd.roundTrip(e, req, resp, deadline); err != nil {
		return 0, 0, requestError(&e.target, err)
	}
	status := resp.StatusCode()
	if status/100 == 2 {
		return status, 0, nil
	}
	msg := resp.Body()
	if len(msg) > 512 {
		msg = msg[:512]
	}
	return status, parseRetryAfter(resp.Header.Peek(fasthttp.HeaderRetryAfter), time.Now()),
		&statusError{url: e.target.display, status: status, body: s.cfg.scrub(string(trimSpace(msg)))}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
