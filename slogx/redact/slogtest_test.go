package redact

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"testing/slogtest"

	"go.slogx.dev/slogx"
)

// redact is an ordinary slog.Handler: in front of slogx.JSONHandler, with
// every detector on, it passes the standard handler tests, alone and as a
// slogx.Middleware.
func TestSlogtest(t *testing.T) {
	for name, wrap := range map[string]func(slog.Handler) slog.Handler{
		"New":        func(h slog.Handler) slog.Handler { return New(h, nil) },
		"Middleware": func(h slog.Handler) slog.Handler { return slogx.Pipe(h, Middleware(nil)) },
		"HashKey":    func(h slog.Handler) slog.Handler { return New(h, &Options{HashKey: []byte("k")}) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			slogtest.Run(t, func(*testing.T) slog.Handler {
				buf.Reset()
				return wrap(slogx.NewJSONHandler(&buf, nil))
			}, func(t *testing.T) map[string]any {
				var m map[string]any
				if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
					t.Fatalf("%v: %q", err, buf.String())
				}
				return m
			})
		})
	}
}
