package remote_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.slogx.dev/slogx/remote"
)

// TestLongRecordsTruncated: a record longer than MaxRecordBytes (here a
// 300 KiB message, a JSON body logged whole) is shortened in every format
// and still arrives: valid, marked, its message cut with an ellipsis, and
// small enough for the provider.
func TestLongRecordsTruncated(t *testing.T) {
	body := `{"items":[` + strings.Repeat(`{"sku":"A-4242","qty":1,"note":"gift \"wrap\""},`, 6500) + `{}]}`
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			svc := newService(t, f)
			h, _ := newHandler(t, remote.Options{Endpoint: svc.URL(), Format: f})
			r := record(1)
			r.Message = body
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			h.Close()
			reqs, stored := svc.snapshot()
			if len(stored) != 1 {
				t.Fatalf("%d records stored", len(stored))
			}
			m := slogShape(f, stored[0].fields)
			msg, _ := m[slog.MessageKey].(string)
			if !strings.HasPrefix(msg, `{"items":[{"sku":"A-4242"`) || !strings.HasSuffix(msg, "…") {
				t.Errorf("message %.60q…%q: want the start of the body, cut with an ellipsis", msg, msg[max(0, len(msg)-10):])
			}
			if m[remote.TruncatedKey] == nil || m["request_id"] != "req_8c1f0e7a9b2d4c6e" {
				t.Errorf("want the record marked %q and its attributes kept: %v", remote.TruncatedKey, m[remote.TruncatedKey])
			}
			if n := len(reqs[0].body); n > 256<<10+200 {
				t.Errorf("a %d-byte body for one record cut to 256 KiB", n)
			}
			st := h.Stats()
			if st.Truncated != 1 || st.Delivered != 1 {
				t.Errorf("stats %+v", st)
			}
			checkAccounting(t, st)
		})
	}
}
