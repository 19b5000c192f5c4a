//go:build !race

package sink

import (
	"context"
	"runtime/debug"
	"testing"
	"time"
)

// TestEnqueueDoesNotAllocate: once the buffer pools are warm, queueing a
// record allocates nothing. (The race detector allocates, hence the build
// tag.)
func TestEnqueueDoesNotAllocate(t *testing.T) {
	// A garbage collection empties sync.Pools; the sender refills them only
	// as batches go out, so a collection between warming and counting would
	// show up as allocations that a running program spreads thinly over a
	// GC cycle. Counting with the collector off measures Handle itself.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	// The sender stays asleep while allocations are counted: no batch is
	// full and the interval is long.
	cfg.BatchSize, cfg.FlushInterval = 10_000, time.Hour
	s := mustNew(t, cfg)
	rec := []byte(`{"time":"2026-11-21T09:30:15.123456789Z","level":"INFO","msg":"request served","user":"alice@example","status":503}` + "\n")
	// Warm the pools: the sender returns these buffers after batching.
	for range 2000 {
		s.Enqueue(rec)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := s.Enqueue(rec); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Enqueue allocates %.2f times per record, want 0", allocs)
	}
}
