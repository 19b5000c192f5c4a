package sink

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.slogx.dev/internal/ndjson"
)

// spill writes the records of the batch numbered in idx to the fallback,
// preceded by a summary line, and counts them as spilled; with a spool, it
// parks them there instead.
func (snd *sender) spill(idx []int, reason string) {
	if snd.park(idx) {
		return
	}
	snd.spillNow(idx, reason)
}

// spillNow is spill without the spool.
func (snd *sender) spillNow(idx []int, reason string) {
	s := snd.s
	n := len(idx)
	snd.copyToFallback(fmt.Sprintf("%d records could not be delivered (%s); they follow", n, reason), snd.lastReqErr, idx)
	err := fmt.Errorf("%s: %d records written to the fallback (%s)", s.cfg.Name, n, reason)
	if snd.lastReqErr != nil {
		err = fmt.Errorf("%w; last request error: %w", err, snd.lastReqErr)
	}
	s.setLastError(err)
	s.spilled.Add(uint64(n))
}

// copyToFallback writes a summary line and the records of the batch
// numbered in idx, each as the Format renders it, to the fallback. The
// summary is itself an NDJSON line, so the fallback stays machine-readable.
func (snd *sender) copyToFallback(summary string, cause error, idx []int) {
	s := snd.s
	line := summaryLine(s.cfg.Name+": "+summary, cause)
	fb := snd.fb[:0]
	for _, i := range idx {
		fb = s.cfg.Format.AppendFallback(fb, snd.record(i))
	}
	s.writeFallback(line, fb)
	if cap(fb) > 4<<20 {
		fb = nil // one huge batch must not pin its memory
	}
	snd.fb = fb[:0]
}

// allRecords returns the numbers of the first n records of the batch.
func (snd *sender) allRecords(n int) []int {
	b := snd.b
	b.order = b.order[:0]
	for i := range n {
		b.order = append(b.order, i)
	}
	return b.order
}

// reportDrops writes a summary line to the fallback when records were
// dropped since the last one, at most once per DropReportInterval (the
// first at once), so that drops are seen while they happen and not only
// in Close's error. final reports whatever is left, at exit.
func (snd *sender) reportDrops(now time.Time, final bool) {
	s := snd.s
	if !final && !snd.reportedAt.IsZero() && now.Sub(snd.reportedAt) < s.cfg.DropReportInterval {
		return
	}
	full, large, re := s.dropFull.Load(), s.dropTooLarge.Load(), s.dropReentrant.Load()
	dFull, dLarge, dRe := full-snd.dropsSeen[0], large-snd.dropsSeen[1], re-snd.dropsSeen[2]
	total := dFull + dLarge + dRe
	if total == 0 {
		return
	}
	since := snd.reportedAt
	if since.IsZero() {
		since = snd.started
	}
	var reasons []string
	for _, r := range []struct {
		n    uint64
		what string
	}{{dFull, "queue full"}, {dLarge, "too large"}, {dRe, "logged by the fallback writer into itself"}} {
		switch {
		case r.n == 0:
		case r.n == total:
			reasons = append(reasons, r.what)
		default:
			reasons = append(reasons, strconv.FormatUint(r.n, 10)+" "+r.what)
		}
	}
	msg := fmt.Sprintf("%s: dropped %d records in the last %s: %s", s.cfg.Name, total,
		roundForHumans(now.Sub(since)), strings.Join(reasons, ", "))
	s.writeFallback(summaryLine(msg, nil), nil)
	snd.dropsSeen = [3]uint64{full, large, re}
	snd.reportedAt = now
	s.dropReports.Add(1)
}

// roundForHumans shows d to a tenth of a second, in seconds.
func roundForHumans(d time.Duration) string {
	return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + " s"
}

func summaryLine(msg string, lastErr error) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"time":"`...)
	b, _ = ndjson.AppendRFC3339Nano(b, time.Now())
	b = append(b, `","level":"WARN","msg":"`...)
	b = ndjson.AppendEscaped(b, msg)
	b = append(b, '"')
	if lastErr != nil {
		b = append(b, `,"last_error":"`...)
		b = ndjson.AppendEscaped(b, lastErr.Error())
		b = append(b, '"')
	}
	return append(b, "}\n"...)
}

// writeFallback writes head and body to the fallback under its lock. A
// failing fallback is recorded as the last error: there is nowhere else to
// put the records.
//
// The Fallback writer may log through this sink's own handler. A record
// it logs while being written to (on the goroutine that writes to it) is
// dropped and counted as reentrant by EnqueueOwned: queued, it could be
// rejected or spilled and come back here, and a fallback that logs on
// every write would feed itself for ever; after Close it would come back
// here on the goroutine that holds the lock, and deadlock. The check here
// reports false, writing nothing, for a caller that got past that one.
func (s *Sink) writeFallback(head, body []byte) bool {
	id := goid()
	if s.fbOwner.Load() == id {
		return false
	}
	s.fbMu.Lock()
	s.fbOwner.Store(id)
	defer func() {
		s.fbOwner.Store(0)
		s.fbMu.Unlock()
	}()
	var err error
	if len(head) > 0 {
		_, err = s.cfg.Fallback.Write(head)
	}
	if err == nil && len(body) > 0 {
		_, err = s.cfg.Fallback.Write(body)
	}
	if err != nil {
		s.setLastError(fmt.Errorf("%s: writing to the fallback: %w (%s bytes lost)", s.cfg.Name, err, strconv.Itoa(len(body))))
	}
	return true
}
