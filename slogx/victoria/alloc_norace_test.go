//go:build !race

package victoria_test

import (
	"context"
	"log/slog"
	"runtime/debug"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// TestHandleDoesNotAllocate: once the buffer pools are warm, Handle
// allocates nothing, directly or through derived handlers. (The race
// detector allocates, hence the build tag.)
func TestHandleDoesNotAllocate(t *testing.T) {
	// A garbage collection empties sync.Pools; the sender refills them only
	// as batches go out, so a collection between warming and counting would
	// show up as allocations that a running program spreads thinly over a
	// GC cycle. Counting with the collector off measures Handle itself.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	srv := vltest.Start(t)
	// No batch fills and the interval is long, so the sender sleeps while
	// allocations are counted.
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), BatchSize: 10_000, FlushInterval: time.Hour})
	ctx := context.Background()
	r := benchRecord()
	derived := h.WithAttrs(attrs5()).WithGroup("g")
	for range 2000 { // warm the pools: the sender returns these buffers
		h.Handle(ctx, r)
		derived.Handle(ctx, r)
	}
	flush(t, h)
	for name, hh := range map[string]interface {
		Handle(context.Context, slog.Record) error
	}{"root": h, "derived": derived} {
		allocs := testing.AllocsPerRun(1000, func() {
			if err := hh.Handle(ctx, r); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Handle allocates %.2f times per record, want 0", name, allocs)
		}
	}
}
