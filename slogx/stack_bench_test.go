package slogx_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.slogx.dev/slogx"
)

// BenchmarkStack measures the stage through slog.Logger, beside the same
// logger without it, at a level below the stage's (the common case, which
// must cost next to nothing) and at one that captures a stack:
//
//	go test -run '^$' -bench Stack -count 10 ./slogx | benchstat -col /stage -
func BenchmarkStack(b *testing.B) {
	ctx := context.Background()
	attrs := attrs5()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelError} {
		for _, stage := range []string{"none", "stack"} {
			b.Run("level="+level.String()+"/stage="+stage, func(b *testing.B) {
				h := slog.Handler(slogx.NewJSONHandler(io.Discard, nil))
				if stage == "stack" {
					h = slogx.Pipe(h, slogx.Stack(nil))
				}
				logger := slog.New(h)
				b.ReportAllocs()
				for b.Loop() {
					logger.LogAttrs(ctx, level, "charge declined by issuer for order ord_7f3a9c01", attrs...)
				}
			})
		}
	}
}
