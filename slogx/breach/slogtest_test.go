package breach

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"testing/slogtest"

	"go.slogx.dev/slogx"
)

// parseLines decodes one JSON object per line.
func parseLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var ms []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("bad JSON %q: %v", line, err)
		}
		ms = append(ms, m)
	}
	return ms
}

// TestSlogtestFlushEverything runs the standard handler conformance suite
// with FlushLevel DEBUG: every record is a trigger and is written at once,
// through slogx.JSONHandler.
func TestSlogtestFlushEverything(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t,
		func(*testing.T) slog.Handler {
			buf.Reset()
			return mustNew(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
				&Options{FlushLevel: slog.LevelDebug})
		},
		func(t *testing.T) map[string]any {
			ms := parseLines(t, buf.Bytes())
			if len(ms) != 1 {
				t.Fatalf("want 1 record written at once, got %d", len(ms))
			}
			return ms[0]
		})
}

// TestSlogtestBuffered runs the suite on the buffered path: every record is
// held, then written by Flush, so cloning, LogValuer resolution and the
// derived targets all take part.
func TestSlogtestBuffered(t *testing.T) {
	var (
		buf bytes.Buffer
		h   *Handler
	)
	slogtest.Run(t,
		func(*testing.T) slog.Handler {
			buf.Reset()
			h = mustNew(slogx.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
				&Options{FlushLevel: slog.LevelError + 100})
			return h
		},
		func(t *testing.T) map[string]any {
			if buf.Len() != 0 {
				t.Fatalf("written before Flush: %s", buf.Bytes())
			}
			if err := h.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			ms := parseLines(t, buf.Bytes())
			if len(ms) != 1 {
				t.Fatalf("want 1 record after Flush, got %d", len(ms))
			}
			return ms[0]
		})
}
