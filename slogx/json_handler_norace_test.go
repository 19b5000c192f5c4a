//go:build !race

package slogx_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// TestZeroAllocs holds JSONHandler to its promise: no allocation per record
// for ordinary values, with and without With attributes and groups, and with
// context attributes. (The race detector allocates, hence the build tag.)
func TestZeroAllocs(t *testing.T) {
	ctx := slogx.NewContext(context.Background(), slog.String("request_id", "r-1"))
	h := slogx.NewJSONHandler(io.Discard, nil)
	cases := map[string]struct {
		h slog.Handler
		r slog.Record
	}{
		"attrs5":    {h, benchRecord(attrs5())},
		"attrs10":   {h, benchRecord(attrs10())},
		"realistic": {h, benchRecordMsg(realisticMsg, realistic())},
		"with":      {h.WithAttrs(attrs5()).WithGroup("g"), benchRecord(attrs5())},
	}
	for name, c := range cases {
		if n := testing.AllocsPerRun(1000, func() { _ = c.h.Handle(ctx, c.r) }); n != 0 {
			t.Errorf("%s: %.1f allocs per record, want 0", name, n)
		}
	}
	// Every record in a second of its own, and its deadline in another,
	// so that the encoder formats each second afresh rather than from the
	// last one it formatted.
	as, now := realistic(), benchTime
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(time.Second)
		as[3] = slog.Time("deadline", now.Add(-time.Hour))
		r := slog.NewRecord(now, slog.LevelInfo, realisticMsg, 0)
		r.AddAttrs(as...)
		_ = h.Handle(ctx, r)
	}); n != 0 {
		t.Errorf("new seconds: %.1f allocs per record, want 0", n)
	}
}
