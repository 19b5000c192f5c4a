package victoria_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/victoria"
)

// The record of slogx/json_handler_bench_test.go: string, int, duration,
// time, error.
var (
	benchTime = time.Date(2026, 11, 21, 9, 30, 15, 123456789, time.UTC)
	errBench  = errors.New("connection reset by peer")
)

func attrs5() []slog.Attr {
	return []slog.Attr{
		slog.String("user", "alice@example"),
		slog.Int("status", 503),
		slog.Duration("elapsed", 1234567*time.Nanosecond),
		slog.Time("deadline", benchTime.Add(time.Second)),
		slog.Any("err", errBench),
	}
}

func benchRecord() slog.Record {
	r := slog.NewRecord(benchTime, slog.LevelInfo, "request served", 0)
	r.AddAttrs(attrs5()...)
	return r
}

// benchChunk is how many records are timed between two deliveries: the
// default BatchSize. While a chunk is timed the sender sleeps (the batch
// size is just above the chunk and the interval is long), so the time
// measured is exactly what Handle costs the logging goroutine, with the
// record buffers cycling as they do in a running program. Between chunks
// the timer stops and the chunk is delivered to the real server, so every
// record is sent and none is dropped (a drop would be cheaper and flatter
// the result).
const benchChunk = 1000

// BenchmarkHandle compares the cost of Handle on the logging goroutine
// with slogx.JSONHandler writing to io.Discard, for the same record:
//
//	go test -run '^$' -bench Handle -count 10 ./slogx/victoria | benchstat -col /handler -
func BenchmarkHandle(b *testing.B) {
	srv := vltest.Start(b)
	ctx := context.Background()
	with5 := []slog.Attr{
		slog.String("service", "checkout"), slog.String("version", "1.4.2"),
		slog.Int("pid", 4242), slog.String("host", "web-7"), slog.Bool("canary", false),
	}
	for _, c := range []struct {
		name  string
		attrs []slog.Attr
	}{{"attrs5", nil}, {"with5", with5}} {
		b.Run("case="+c.name+"/handler=slogx-json", func(b *testing.B) {
			var h slog.Handler = slogx.NewJSONHandler(io.Discard, nil)
			if c.attrs != nil {
				h = h.WithAttrs(c.attrs)
			}
			r := benchRecord()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%benchChunk == 0 {
					b.StopTimer() // as for victoria, so both pay the same
					b.StartTimer()
				}
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("case="+c.name+"/handler=victoria", func(b *testing.B) {
			vh, err := victoria.New(victoria.Options{
				URL:           srv.URL(),
				BatchSize:     benchChunk + 24,
				FlushInterval: time.Hour,
			})
			if err != nil {
				b.Fatal(err)
			}
			var h slog.Handler = vh
			if c.attrs != nil {
				h = h.WithAttrs(c.attrs)
			}
			r := benchRecord()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%benchChunk == 0 {
					b.StopTimer()
					if err := vh.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := vh.Close(); err != nil {
				b.Fatal(err)
			}
			if st := vh.Stats(); st.Delivered != uint64(b.N) {
				b.Fatalf("%d of %d records delivered: %+v", st.Delivered, b.N, st)
			}
		})
	}
}

// BenchmarkHandleRatio measures the same thing as BenchmarkHandle, but
// interleaved: each round times a chunk through slogx.JSONHandler and a
// chunk through the victoria handler, in alternating order, and the median
// of the per-round ratios is reported. On a shared machine, load that comes
// and goes falls on both sides of each round alike, which separate
// sub-benchmarks cannot promise. The order alternates because whichever
// side runs right after a delivery finds its caches cooled by the sender.
func BenchmarkHandleRatio(b *testing.B) {
	srv := vltest.Start(b)
	ctx := context.Background()
	vh, err := victoria.New(victoria.Options{URL: srv.URL(), BatchSize: benchChunk + 24, FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer vh.Close()
	jh := slogx.NewJSONHandler(io.Discard, nil)
	r := benchRecord()
	timeChunk := func(h slog.Handler) float64 {
		t0 := time.Now()
		for range benchChunk {
			h.Handle(ctx, r)
		}
		return float64(time.Since(t0)) / benchChunk
	}
	var ratios, jsonNs, victoriaNs []float64
	b.ResetTimer()
	for round := 0; round*benchChunk < b.N; round++ {
		var j, v float64
		if round%2 == 0 {
			j, v = timeChunk(jh), timeChunk(vh)
		} else {
			v, j = timeChunk(vh), timeChunk(jh)
		}
		b.StopTimer()
		if err := vh.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		ratios, jsonNs, victoriaNs = append(ratios, v/j), append(jsonNs, j), append(victoriaNs, v)
	}
	b.StopTimer()
	if st := vh.Stats(); st.Dropped.Total() != 0 || st.Delivered != st.Accepted {
		b.Fatalf("not every record was delivered: %+v", st)
	}
	b.ReportMetric(median(ratios), "victoria/json")
	b.ReportMetric(median(jsonNs), "json-ns/record")
	b.ReportMetric(median(victoriaNs), "victoria-ns/record")
	b.ReportMetric(0, "ns/op") // a round's wall time says nothing here
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
