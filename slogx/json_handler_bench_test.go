package slogx_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// The handlers compared, by the name benchstat groups them under:
//
//	go test -bench Handler -count 10 ./slogx | benchstat -col /handler -
var benchHandlers = []struct {
	name string
	new  func(io.Writer) slog.Handler
}{
	{"slog", func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
	{"slogx", func(w io.Writer) slog.Handler { return slogx.NewJSONHandler(w, nil) }},
}

var (
	benchTime = time.Date(2026, 11, 21, 9, 30, 15, 123456789, time.UTC)
	errBench  = errors.New("connection reset by peer")
)

// attrs5 is the record the issue names: string, int, duration, time, error.
func attrs5() []slog.Attr {
	return []slog.Attr{
		slog.String("user", "alice@example"),
		slog.Int("status", 503),
		slog.Duration("elapsed", 1234567*time.Nanosecond),
		slog.Time("deadline", benchTime.Add(time.Second)),
		slog.Any("err", errBench),
	}
}

// realistic is what a service logs when a call fails, the benchmarks
// module's realistic record: a 60-character message (see realisticMsg), a
// 50-character request id of hex and digit runs (a trace id and a
// microsecond stamp), a byte count, a duration with sub-millisecond digits,
// a deadline and a dial error.
func realistic() []slog.Attr {
	return []slog.Attr{
		slog.String("request_id", "7c9e6679f4a54e1b2d3c8a90b1f2e3d4-17324567890123456"),
		slog.Int("bytes", 48213),
		slog.Duration("elapsed", 3000412871*time.Nanosecond),
		slog.Time("deadline", benchTime.Add(2500*time.Millisecond)),
		slog.Any("err", errDial),
	}
}

const realisticMsg = "retrying charge: upstream payment gateway timed out after 3s"

var errDial = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

func attrs10() []slog.Attr {
	return append(attrs5(),
		slog.String("method", "GET"),
		slog.String("path", "/api/v1/orders/42"),
		slog.Int64("bytes", 123456),
		slog.Bool("cached", false),
		slog.Float64("ratio", 0.8125),
	)
}

func benchRecord(as []slog.Attr) slog.Record {
	return benchRecordMsg("request served", as)
}

func benchRecordMsg(msg string, as []slog.Attr) slog.Record {
	r := slog.NewRecord(benchTime, slog.LevelInfo, msg, 0)
	r.AddAttrs(as...)
	return r
}

func BenchmarkHandler(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name   string
		record slog.Record
		derive func(slog.Handler) slog.Handler
	}{
		{"attrs5", benchRecord(attrs5()), nil},
		{"attrs10", benchRecord(attrs10()), nil},
		{"realistic", benchRecordMsg(realisticMsg, realistic()), nil},
		{"with5", benchRecord(attrs5()), func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{
				slog.String("service", "checkout"), slog.String("version", "1.4.2"),
				slog.Int("pid", 4242), slog.String("host", "web-7"), slog.Bool("canary", false),
			})
		}},
	}
	for _, c := range cases {
		for _, bh := range benchHandlers {
			h := bh.new(io.Discard)
			if c.derive != nil {
				h = c.derive(h)
			}
			b.Run("case="+c.name+"/handler="+bh.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := h.Handle(ctx, c.record); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	for _, bh := range benchHandlers {
		h := bh.new(io.Discard)
		r := benchRecord(attrs5())
		b.Run("case=parallel/handler="+bh.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := h.Handle(ctx, r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
