package remote_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/slogx/remote"
)

// TestUnreachableSpillsReadableLines: with nothing listening, Close gives
// up at CloseTimeout and every record goes to the fallback as one JSON line
// a person or a script can read, in every format (OTLP's protobuf record
// base64-encoded, whole), after a summary line; the accounting holds.
func TestUnreachableSpillsReadableLines(t *testing.T) {
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			h, fb := newHandler(t, remote.Options{
				Endpoint: "http://127.0.0.1:1/intake", Format: f, APIKey: bearerKey,
				CloseTimeout: 300 * time.Millisecond,
			})
			for i := range 5 {
				h.Handle(context.Background(), record(i))
			}
			err := h.Close()
			if err == nil {
				t.Fatal("Close reported nothing undelivered")
			}
			checkNoSecret(t, "Close", []byte(err.Error()))
			checkNoSecret(t, "the fallback", fb.Bytes())
			st := h.Stats()
			if st.Spilled != 5 {
				t.Errorf("stats %+v: want 5 spilled", st)
			}
			checkAccounting(t, st)
			var records int
			for l := range bytes.SplitSeq(bytes.TrimSpace(fb.Bytes()), []byte("\n")) {
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					t.Fatalf("not a JSON line: %v: %q", err, head(l, 200))
				}
				if m["level"] == "WARN" && strings.HasPrefix(m["msg"].(string), "remote:") {
					continue // a summary line
				}
				records++
				if f == remote.OTLP {
					p, err := base64.StdEncoding.DecodeString(m["otlp_log_record"].(string))
					if err != nil {
						t.Fatal(err)
					}
					if lr, err := pbLogRecord(p); err != nil || lr["otlp.body"] != "payment authorised for order after 3-D Secure challenge ok" {
						t.Errorf("the OTLP record does not decode whole: %v %v", lr, err)
					}
				} else if !bytes.Contains(l, []byte("payment authorised")) || !bytes.Contains(l, []byte("req_8c1f0e7a9b2d4c6e")) {
					t.Errorf("the record is not all there: %s", l)
				}
			}
			if records != 5 {
				t.Errorf("%d records on the fallback, want 5:\n%s", records, head(fb.Bytes(), 1500))
			}
		})
	}
}
