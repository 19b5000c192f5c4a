package breach

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// benchRecord is the record the benchmarks buffer: five attributes of the
// kinds a service logs most (string, int, duration, time, error).
func benchRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelDebug, "fetched user profile", 0)
	r.AddAttrs(
		slog.String("user", "u-1234"),
		slog.Int("attempt", 3),
		slog.Duration("elapsed", 1500*time.Millisecond),
		slog.Time("deadline", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)),
		slog.Any("err", errors.New("connection reset by peer")),
	)
	return r
}

func benchTarget() slog.Handler {
	return slogx.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})
}

// drainEvery is how often the no-eviction benchmarks empty the buffer, as a
// trigger would, so that they measure buffering and not eviction. The drain
// is inside the timing, amortized over drainEvery records.
const drainEvery = 512

// BenchmarkBuffer measures Handle for a record that is buffered: no trigger,
// no eviction.
func BenchmarkBuffer(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	ctx := context.Background()
	var batch []entry
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = h.Handle(ctx, r)
		if i++; i == drainEvery {
			i = 0
			batch = h.c.shared.drainAll(batch[:0])
			clear(batch)
		}
	}
	noEvictions(b, h, 0)
}

// noEvictions fails a benchmark that meant to measure buffering alone, if
// more than allowed records were evicted.
func noEvictions(b *testing.B, h *Handler, allowed uint64) {
	b.Helper()
	if n := h.Stats().Evicted; n > allowed {
		b.Fatalf("%d records evicted: this benchmark must not reach the eviction path", n)
	}
}

// evictions fails a benchmark that meant to measure eviction but did not.
func evictions(b *testing.B, h *Handler) {
	b.Helper()
	if n := h.Stats().Evicted; n < uint64(b.N) {
		b.Fatalf("%d records evicted for %d logged: the eviction path was not measured", n, b.N)
	}
}

// BenchmarkBufferParallel is BenchmarkBuffer with every P logging at once
// into the same buffer.
func BenchmarkBufferParallel(b *testing.B) {
	// Each goroutine drains after its share of drainEvery.
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	ctx := context.Background()
	every := drainEvery / runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var batch []entry
		i := 0
		for pb.Next() {
			_ = h.Handle(ctx, r)
			if i++; i == every {
				i = 0
				// A drain stops at a record the other goroutine is still
				// storing; go on until most of the buffer is free.
				for h.c.shared.len() > every {
					batch = h.c.shared.drainAll(batch[:0])
					clear(batch)
				}
			}
		}
	})
	// A goroutine descheduled in the middle of a push (this machine's
	// cores are shared) holds up the drains of its shard; records pile up
	// behind it, and those a whole window older than the newest are then
	// evicted, as they should be. That happens in a few runs out of ten,
	// for about a hundred records out of millions: a guard against
	// measuring the eviction path, not a test of it.
	noEvictions(b, h, uint64(b.N)/100)
}

// BenchmarkBufferEvict measures the steady state of a quiet service: the
// buffer is full, so every record evicts the oldest one.
func BenchmarkBufferEvict(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	ctx := context.Background()
	for range DefaultCapacity {
		_ = h.Handle(ctx, r)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Handle(ctx, r)
	}
	evictions(b, h)
}

// BenchmarkBufferEvictParallel is BenchmarkBufferEvict with every P
// logging at once.
func BenchmarkBufferEvictParallel(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	ctx := context.Background()
	for range DefaultCapacity {
		_ = h.Handle(ctx, r)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = h.Handle(ctx, r)
		}
	})
	evictions(b, h)
}

// BenchmarkBufferScoped measures buffering into a request's scope, with
// context attributes, the usual shape of an HTTP service.
func BenchmarkBufferScoped(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	ctx, end := NewScope(slogx.NewContext(context.Background(), slog.String("request_id", "r-1")))
	defer end()
	var batch []entry
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = h.Handle(ctx, r)
		if i++; i == DefaultScopeCapacity {
			i = 0
			batch = h.c.scopeBuffer(scopeFrom(ctx)).drainAll(batch[:0])
			clear(batch)
		}
	}
	noEvictions(b, h, 0)
}

// BenchmarkScopeLifecycle measures what a request pays for its scope: start
// it, buffer one record in it (which takes a buffer from the pool), end it.
func BenchmarkScopeLifecycle(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	bg := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ctx, end := NewScope(bg)
		_ = h.Handle(ctx, r)
		end()
	}
	if st := h.Stats(); st.Scopes != 0 || st.DroppedScopes != 0 {
		b.Fatalf("Stats() = %+v", st)
	}
}

// BenchmarkFlush1000 measures a trigger that writes a full buffer of 1000
// records, and then itself, to slogx.JSONHandler on io.Discard. Refilling
// the buffer is not timed.
func BenchmarkFlush1000(b *testing.B) {
	h := mustNew(benchTarget(), nil)
	r := benchRecord()
	trig := slog.NewRecord(time.Now(), slog.LevelError, "request failed", 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for range DefaultCapacity {
			_ = h.Handle(ctx, r)
		}
		b.StartTimer()
		_ = h.Handle(ctx, trig)
	}
	if got := h.Stats().Flushed; got < DefaultCapacity {
		b.Fatalf("flushed %d records, want at least %d", got, DefaultCapacity)
	}
}
