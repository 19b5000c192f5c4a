package remote_test

import (
	"log/slog"
	"testing"
	"testing/slogtest"

	"go.slogx.dev/slogx/remote"
)

// TestSlogtest runs testing/slogtest on each format: what the service
// decodes from the wire, mapped back from the format's own key names to
// slog's, must be what slog's handler rules say.
func TestSlogtest(t *testing.T) {
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			var svc *service
			var h *remote.Handler
			slogtest.Run(t, func(t *testing.T) slog.Handler {
				svc = newService(t, f)
				h, _ = newHandler(t, remote.Options{Endpoint: svc.URL(), Format: f})
				return h
			}, func(t *testing.T) map[string]any {
				flush(t, h)
				_, stored := svc.snapshot()
				if len(stored) != 1 {
					t.Fatalf("%d records stored, want 1", len(stored))
				}
				return slogShape(f, stored[0].fields)
			})
		})
	}
}

// slogShape renames a format's built-in keys to slog's.
func slogShape(f remote.Format, m map[string]any) map[string]any {
	rename := func(from, to string) {
		if v, ok := m[from]; ok {
			delete(m, from)
			m[to] = v
		}
	}
	switch f {
	case remote.Datadog:
		rename("message", slog.MessageKey)
		rename("status", slog.LevelKey)
		rename("timestamp", slog.TimeKey)
		delete(m, "ddsource")
	case remote.ElasticBulk:
		rename("message", slog.MessageKey)
		rename("log.level", slog.LevelKey)
		rename("@timestamp", slog.TimeKey)
	case remote.Loki:
		delete(m, "loki_ts")
	case remote.OTLP:
		rename("otlp.body", slog.MessageKey)
		rename("severity_text", slog.LevelKey)
		if v, ok := m["time_unix_nano"]; ok && v != uint64(0) {
			m[slog.TimeKey] = v
		}
		for _, k := range []string{"time_unix_nano", "observed_time_unix_nano", "severity_number"} {
			delete(m, k)
		}
	}
	return m
}
