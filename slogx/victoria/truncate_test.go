package victoria_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// lineLen is the length, newline included, of the line slog.JSONHandler
// (and so the handler) writes for r through a handler with attrs.
func lineLen(t testing.TB, r slog.Record, attrs ...slog.Attr) int {
	t.Helper()
	var buf bytes.Buffer
	if err := slog.NewJSONHandler(&buf, nil).WithAttrs(attrs).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// recordOfLen returns a record whose line is exactly n bytes.
func recordOfLen(t testing.TB, n int, id string, attrs ...slog.Attr) slog.Record {
	t.Helper()
	mk := func(k int) slog.Record {
		r := slog.NewRecord(time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC), slog.LevelInfo, strings.Repeat("m", k), 0)
		r.AddAttrs(slog.String("id", id))
		return r
	}
	base := lineLen(t, mk(0), attrs...)
	r := mk(n - base)
	if got := lineLen(t, r, attrs...); got != n {
		t.Fatalf("built a %d-byte line, want %d", got, n)
	}
	return r
}

// TestLineLimitAgainstServer checks MaxLineBytes's default against the real
// server's -insert.maxLineSizeBytes: a line of exactly 256 KiB is sent as
// it is and stored; one byte more is shortened, marked and stored, where
// the server would have dropped the original.
func TestLineLimitAgainstServer(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), FlushInterval: 20 * time.Millisecond})
	const limit = 256 << 10
	ctx := context.Background()
	for _, c := range []struct {
		id string
		n  int
	}{{"at", limit}, {"over", limit + 1}} {
		if err := h.Handle(ctx, recordOfLen(t, c.n, c.id)); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
	}
	flush(t, h)
	if got := vltest.WaitCount(t, srv.URL(), "*", 2, waitTimeout); got != 2 {
		t.Fatalf("stored %d rows, want 2", got)
	}
	at := vltest.Query(t, srv.URL(), "id:=at")[0]
	if at["_msg"] != recordOfLen(t, limit, "at").Message || at[victoria.TruncatedKey] != "" {
		t.Errorf("the record at the limit was changed: %d-byte message, truncated=%q", len(at["_msg"]), at[victoria.TruncatedKey])
	}
	over := vltest.Query(t, srv.URL(), "id:=over")[0]
	if over[victoria.TruncatedKey] != strconv.Itoa(limit+1) || !strings.HasSuffix(over["_msg"], "…") || len(over["_msg"]) > limit {
		t.Errorf("the record over the limit: truncated=%q, message of %d bytes ending %q",
			over[victoria.TruncatedKey], len(over["_msg"]), over["_msg"][max(0, len(over["_msg"])-8):])
	}
	st := h.Stats()
	if st.Truncated != 1 || st.Delivered != 2 {
		t.Errorf("stats = %+v", st)
	}

	// Why: the server itself drops that line, acknowledging the request.
	var raw bytes.Buffer
	if err := slog.NewJSONHandler(&raw, nil).Handle(ctx, recordOfLen(t, limit+1, "raw")); err != nil {
		t.Fatal(err)
	}
	vltest.Insert(t, srv.URL(), raw.Bytes(), url.Values{"_msg_field": {"msg"}, "_time_field": {"time"}}, nil)
	slog.New(h).Info("after", "id", "after")
	flush(t, h)
	if got := vltest.WaitCount(t, srv.URL(), "*", 3, waitTimeout); got != 3 || vltest.Count(t, srv.URL(), "id:=raw") != 0 {
		t.Errorf("the server stored a %d-byte line; MaxLineBytes's default is too low", limit+1)
	}
}

// TestTruncationStages drives each stage of shortening through a handler
// closed beforehand, so the lines land in the fallback exactly as they
// would have been sent.
func TestTruncationStages(t *testing.T) {
	const limit = 2048
	big := strings.Repeat("é", 3000)    // 6000 bytes, two per rune
	quotes := strings.Repeat(`"`, 3000) // escaping doubles it
	for _, tt := range []struct {
		name  string
		log   func(*slog.Logger)
		check func(t *testing.T, m map[string]any)
	}{
		{"long message", func(l *slog.Logger) { l.Info(big, "k", "v") }, func(t *testing.T, m map[string]any) {
			msg := m["msg"].(string)
			if !strings.HasSuffix(msg, "…") || !utf8.ValidString(msg) || !strings.HasPrefix(big, strings.TrimSuffix(msg, "…")) {
				t.Errorf("message not cut cleanly: %q...", msg[:20])
			}
			if m["k"] != "v" || m["with"] != "w" {
				t.Errorf("attributes lost though the message alone was the problem: %v", m)
			}
		}},
		{"escaping", func(l *slog.Logger) { l.Info(quotes) }, func(t *testing.T, m map[string]any) {
			if msg := m["msg"].(string); !strings.HasSuffix(msg, "…") || strings.Trim(msg, `"…`) != "" {
				t.Errorf("message = %q", msg)
			}
		}},
		{"long attribute", func(l *slog.Logger) { l.Info("short", "blob", big) }, func(t *testing.T, m map[string]any) {
			if m["msg"] != "short" || m["blob"] != nil || m["with"] != "w" {
				t.Errorf("want the message and WithAttrs kept, the record's own attributes dropped: %v", m)
			}
		}},
		{"long With attribute", func(l *slog.Logger) { l.With("huge", big).Info("short", "k", "v") }, func(t *testing.T, m map[string]any) {
			if m["msg"] != "short" || m["huge"] != nil || m["k"] != nil || m["with"] != nil || m["level"] != "INFO" || m["time"] == nil {
				t.Errorf("want only the built-in fields: %v", m)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fb := &lockedBuffer{}
			h, err := victoria.New(victoria.Options{URL: closedPortURL(t), MaxLineBytes: limit, Fallback: fb})
			if err != nil {
				t.Fatal(err)
			}
			h.Close()
			tt.log(slog.New(h.WithAttrs([]slog.Attr{slog.String("with", "w")})))
			b := fb.Bytes()
			if len(b) > limit || !bytes.HasSuffix(b, []byte("\n")) || bytes.Count(b, []byte("\n")) != 1 {
				t.Fatalf("%d bytes, want one line of at most %d", len(b), limit)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if size, ok := m[victoria.TruncatedKey].(float64); !ok || size <= limit {
				t.Errorf("%s = %v, want the original size", victoria.TruncatedKey, m[victoria.TruncatedKey])
			}
			tt.check(t, m)
			if st := h.Stats(); st.Truncated != 1 || st.Spilled != 1 {
				t.Errorf("stats = %+v", st)
			}
		})
	}
}

// TestTooLargeEvenTruncated: when even the built-in fields do not fit, the
// record is dropped and counted, never sent broken.
func TestTooLargeEvenTruncated(t *testing.T) {
	fb := &lockedBuffer{}
	h, err := victoria.New(victoria.Options{
		URL: closedPortURL(t), MaxLineBytes: 1024, Fallback: fb,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.LevelKey {
				a.Value = slog.StringValue(strings.Repeat("L", 2000)) // a level no line can hold
			}
			return a
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	err = h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0))
	if err != victoria.ErrTooLarge {
		t.Errorf("Handle = %v, want ErrTooLarge", err)
	}
	st := h.Stats()
	checkAccounting(t, st)
	if st.Dropped.TooLarge != 1 || st.LastError == nil || !strings.Contains(st.LastError.Error(), "does not fit MaxLineBytes 1024") {
		t.Errorf("stats = %+v", st)
	}
	if len(fb.Bytes()) != 0 {
		t.Errorf("a broken line reached the fallback: %q", fb.Bytes())
	}
}

// TestTruncationEndsWhateverReplaceAttrDoes: a ReplaceAttr that changes the
// message (a suffix on every non-empty message, or a message that grows
// with what it is given) cannot make a log call spin: truncation tries a
// bounded number of encodings per stage, then drops the record as too large
// and counts it. Before, the first case looped for ever in fitMessage.
func TestTruncationEndsWhateverReplaceAttrDoes(t *testing.T) {
	suffix := " [req=7f3a9c2e-51b4-4d8e-9a61-0c2f5e8b7d13 build=2026.11.3-rc1+g4e1f0a9]"
	for _, tt := range []struct {
		name    string
		replace func(groups []string, a slog.Attr) slog.Attr
		fits    bool // a truncated record gets through, or none can
	}{
		{"suffix on non-empty messages", func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.MessageKey && a.Value.String() != "" {
				a.Value = slog.StringValue(a.Value.String() + suffix)
			}
			return a
		}, true},
		{"message doubled", func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.MessageKey {
				a.Value = slog.StringValue(strings.Repeat(a.Value.String(), 2))
			}
			return a
		}, true},
		{"message replaced by a huge one", func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.MessageKey && a.Value.String() != "" {
				a.Value = slog.StringValue(strings.Repeat("stack frame 0x7ffd5e8c3a10 ", 200))
			}
			return a
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fb := &lockedBuffer{}
			h, err := victoria.New(victoria.Options{URL: closedPortURL(t), MaxLineBytes: 1024, Fallback: fb, ReplaceAttr: tt.replace, CloseTimeout: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			// Attributes that nearly fill the line, leaving less room than
			// the suffix needs.
			r := slog.NewRecord(time.Date(2026, 11, 21, 9, 30, 15, 0, time.UTC), slog.LevelError, strings.Repeat("upstream returned 502 Bad Gateway; retrying ", 40), 0)
			r.AddAttrs(slog.String("body", strings.Repeat(`{"order_id":"ord_8f14e45fceea","sku":"SKU-20931"}`, 18)))
			done := make(chan error, 1)
			go func() { done <- h.Handle(context.Background(), r) }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Handle did not return: truncation spins")
			}
			h.Close()
			st := h.Stats()
			checkAccounting(t, st)
			if tt.fits {
				if err != nil || st.Truncated != 1 {
					t.Errorf("Handle = %v, stats %+v; want the record truncated", err, st)
				}
				lines := bytes.SplitAfter(fb.Bytes(), []byte("\n"))
				for _, line := range lines {
					if bytes.Contains(line, []byte(`"truncated":`)) && len(line) > 1024 {
						t.Errorf("a %d-byte line for a 1024-byte limit", len(line))
					}
				}
				if !bytes.Contains(fb.Bytes(), []byte(`"truncated":`)) {
					t.Errorf("the truncated record is not in the fallback: %s", fb.Bytes())
				}
			} else if err != victoria.ErrTooLarge || st.Dropped.TooLarge != 1 {
				t.Errorf("Handle = %v, stats %+v; want the record dropped as too large", err, st)
			}
		})
	}
}
