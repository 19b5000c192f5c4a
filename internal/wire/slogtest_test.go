package wire

import (
	"log/slog"
	"testing"
	"testing/slogtest"
)

// TestSlogtest runs the standard handler conformance suite over every
// format: a handler that encodes with the format's Encoder and a result
// decoded from the framed body, so WithAttrs, WithGroup, empty groups,
// inlined groups and LogValuers are checked through the real bytes.
func TestSlogtest(t *testing.T) {
	for _, k := range allKinds {
		t.Run(k.String(), func(t *testing.T) {
			f := mustNew(t, k, Options{})
			var h recorder
			slogtest.Run(t, func(*testing.T) slog.Handler {
				h = newRecorder(f)
				return h
			}, func(t *testing.T) map[string]any {
				es := decode(t, f, h.body())
				if len(es) != 1 {
					t.Fatalf("%d records in the body, want 1", len(es))
				}
				return es[0].Fields
			})
		})
	}
}
