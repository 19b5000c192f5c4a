//go:build !race

package breach

import (
	"context"
	"log/slog"
	"testing"

	"go.slogx.dev/slogx"
)

// Buffering allocates nothing: a promise the benchmarks measure and this
// test keeps. (The race detector allocates, hence the build tag.)
func TestBufferingDoesNotAllocate(t *testing.T) {
	r := benchRecord()
	bg := context.Background()
	scoped, end := NewScope(slogx.NewContext(bg, slog.String("request_id", "r-1")))
	defer end()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		opts *Options
	}{
		{"shared", bg, nil},
		{"shared, evicting", bg, &Options{Capacity: 10}},
		{"shared, evicting by bytes", bg, &Options{MaxBytes: 2000}},
		{"scoped", scoped, &Options{ScopeCapacity: 10}},
		{"PassThroughAfterTrigger set, not triggered", bg, &Options{PassThroughAfterTrigger: 1 << 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mustNew(benchTarget(), tc.opts)
			_ = h.Handle(tc.ctx, r) // a scope takes its buffer on first use
			if n := testing.AllocsPerRun(1000, func() { _ = h.Handle(tc.ctx, r) }); n != 0 {
				t.Fatalf("buffering a record allocates %v times", n)
			}
			if h.Stats().Buffered == 0 {
				t.Fatal("nothing buffered")
			}
		})
	}
}
