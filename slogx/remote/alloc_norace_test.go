//go:build !race

package remote_test

import (
	"context"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestHandleDoesNotAllocate: once the buffer pools are warm, Handle
// allocates nothing, in every format, directly or through derived handlers,
// with or without a BeforeSend hook that edits the record. (The race
// detector allocates, hence the build tag.)
func TestHandleDoesNotAllocate(t *testing.T) {
	// A collection empties sync.Pools, which the sender refills only as
	// batches go out; with the collector off, Handle itself is measured.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	ctx := context.Background()
	for _, f := range allFormats {
		for _, hook := range []bool{false, true} {
			name := f.String()
			if hook {
				name += "/BeforeSend"
			}
			t.Run(name, func(t *testing.T) {
				opts := benchOptions(acceptAll(t, f), f)
				// No batch fills while counting (a flush before each count; the
				// largest batch ElasticBulk allows).
				opts.BatchSize = 2000
				if hook {
					opts.BeforeSend = func(_ context.Context, r *slog.Record) bool {
						r.Message = "request served (checked)"
						return r.Level >= slog.LevelInfo
					}
				}
				h, _ := newHandler(t, opts)
				r := benchRecord()
				derived := h.WithAttrs(attrs5()).WithGroup("g")
				for range 2000 { // warm the pools: the sender returns these buffers
					h.Handle(ctx, r)
					derived.Handle(ctx, r)
				}
				flush(t, h)
				for name, hh := range map[string]slog.Handler{"root": h, "derived": derived} {
					flush(t, h)
					allocs := testing.AllocsPerRun(1000, func() {
						if err := hh.Handle(ctx, r); err != nil {
							t.Fatal(err)
						}
					})
					if allocs != 0 {
						t.Errorf("%s: Handle allocates %.2f times per record, want 0", name, allocs)
					}
				}
				flush(t, h)
				if st := h.Stats(); st.Delivered != st.Accepted {
					t.Errorf("not every record delivered: %+v", st)
				}
			})
		}
	}
}
