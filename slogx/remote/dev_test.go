package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/remote"
)

// TestDevelopmentMode: no Endpoint, no key; every record is one JSON line
// on the fallback, at once, with the program's fields, whatever the Format;
// nothing runs in the background.
func TestDevelopmentMode(t *testing.T) {
	for _, f := range []remote.Format{remote.NDJSON, remote.Datadog, remote.Loki, remote.ElasticBulk, remote.OTLP} {
		t.Run(f.String(), func(t *testing.T) {
			h, fb := newHandler(t, remote.Options{Format: f, Service: "checkout", Environment: "dev", Host: "laptop-3"})
			logger := slog.New(h).With("tenant", "acme")
			for i := range 3 {
				r := record(i)
				h.WithAttrs([]slog.Attr{slog.String("tenant", "acme")}).Handle(context.Background(), r)
				// Each record is written by Handle itself: no flush needed.
				if got := bytes.Count(fb.Bytes(), []byte("\n")); got != i+1 {
					t.Fatalf("after %d records, %d lines on the fallback", i+1, got)
				}
			}
			logger.Info("kept here", slogx.LocalOnly())
			goleak.VerifyNone(t) // development mode starts no goroutine
			lines := bytes.Split(bytes.TrimSpace(fb.Bytes()), []byte("\n"))
			for i, l := range lines {
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					t.Fatalf("line %d: %v: %s", i, err, l)
				}
				for k, want := range map[string]any{
					"msg": "payment authorised for order after 3-D Secure challenge ok", "level": "INFO",
					"service": "checkout", "environment": "dev", "host": "laptop-3", "tenant": "acme", "id": float64(i),
					"time": "2026-12-01T18:30:15." + []string{"123456789", "124456789", "125456789"}[i] + "Z",
				} {
					if m[k] != want {
						t.Errorf("line %d: %s = %v, want %v", i, k, m[k], want)
					}
				}
			}
			if err := h.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			st := h.Stats()
			if st.Accepted != 3 || st.Delivered != 3 || st.Local != 1 {
				t.Errorf("stats %+v: want 3 accepted and delivered, 1 local", st)
			}
			checkAccounting(t, st)
			if err := h.Flush(context.Background()); !errors.Is(err, remote.ErrClosed) {
				t.Errorf("Flush after Close: %v, want ErrClosed", err)
			}
		})
	}
}

// TestDevelopmentModeChecksOptions: options that would fail in production
// fail in development too.
func TestDevelopmentModeChecksOptions(t *testing.T) {
	_, err := remote.New(remote.Options{BatchSize: -5, Format: remote.Loki, Labels: []string{"1bad"}})
	if err == nil {
		t.Fatal("New accepted BatchSize -5 and a bad label")
	}
	for _, want := range []string{"BatchSize", "1bad"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// TestDevelopmentModeFailingWriter: a fallback that fails loses records;
// they are counted, the reason is kept, and Close says so.
func TestDevelopmentModeFailingWriter(t *testing.T) {
	h, err := remote.New(remote.Options{Fallback: errWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	slog.New(h).Info("lost")
	err = h.Close()
	st := h.Stats()
	if st.Delivered != 0 || st.Spilled != 1 || !errors.Is(st.LastError, errDiskFull) {
		t.Errorf("stats %+v: want the record spilled and the write error kept", st)
	}
	if err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("Close: %v, want the lost record reported", err)
	}
	checkAccounting(t, st)
}

// TestDevelopmentModeConcurrent: lines written from many goroutines never
// interleave.
func TestDevelopmentModeConcurrent(t *testing.T) {
	h, fb := newHandler(t, remote.Options{Service: "checkout"})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			l := slog.New(h).With("g", g)
			for i := range 500 {
				l.Info(strings.Repeat("x", 10+i%300), "i", i)
			}
		})
	}
	wg.Wait()
	lines := bytes.Split(bytes.TrimSpace(fb.Bytes()), []byte("\n"))
	if len(lines) != 4000 {
		t.Fatalf("%d lines, want 4000", len(lines))
	}
	for _, l := range lines {
		if !json.Valid(l) {
			t.Fatalf("interleaved line: %q", head(l, 200))
		}
	}
}

// TestDevelopmentModeTruncates: the line limit applies in development
// too, so a developer sees what production would send.
func TestDevelopmentModeTruncates(t *testing.T) {
	h, fb := newHandler(t, remote.Options{MaxRecordBytes: 1024})
	slog.New(h).Info(strings.Repeat("é", 2000), "id", 7)
	line := bytes.TrimSpace(fb.Bytes())
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	if len(line)+1 > 1024 || m[remote.TruncatedKey] == nil || m["id"] != float64(7) {
		t.Errorf("%d-byte line, %s=%v: want at most 1024 bytes, marked, id kept", len(line)+1, remote.TruncatedKey, m[remote.TruncatedKey])
	}
	if st := h.Stats(); st.Truncated != 1 || st.Delivered != 1 {
		t.Errorf("stats %+v", st)
	}
}
