package sink

import (
	"fmt"
	"strconv"
	"time"

	"go.slogx.dev/internal/ndjson"
)

// spill writes the batch in snd.raw (n records) to the fallback, preceded
// by a summary line, and counts it as spilled.
func (snd *sender) spill(n int, reason string) {
	if snd.park(n) {
		return
	}
	snd.spillNow(n, reason)
}

// spillNow is spill without the spool.
func (snd *sender) spillNow(n int, reason string) {
	s := snd.s
	snd.copyToFallback(fmt.Sprintf("%d records could not be delivered (%s); they follow", n, reason), snd.lastReqErr)
	err := fmt.Errorf("%s: %d records written to the fallback (%s)", s.cfg.Name, n, reason)
	if snd.lastReqErr != nil {
		err = fmt.Errorf("%w; last request error: %w", err, snd.lastReqErr)
	}
	s.setLastError(err)
	s.spilled.Add(uint64(n))
}

// copyToFallback writes a summary line and the records in snd.raw to the
// fallback. The summary is itself an NDJSON line, so the fallback stays
// machine-readable.
func (snd *sender) copyToFallback(summary string, cause error) {
	s := snd.s
	line := summaryLine(s.cfg.Name+": "+summary, cause)
	s.writeFallback(line, snd.raw)
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
func (s *Sink) writeFallback(head, body []byte) {
	s.fbMu.Lock()
	defer s.fbMu.Unlock()
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
}
