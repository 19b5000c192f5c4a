package breach

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// noop is the baseline handler: what a log call costs through slog.Logger
// with no handler work at all. A handler's own cost is its time here less
// noop's, in the same run.
type noop struct{}

func (noop) Enabled(context.Context, slog.Level) bool  { return true }
func (noop) Handle(context.Context, slog.Record) error { return nil }
func (h noop) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h noop) WithGroup(string) slog.Handler           { return h }

// BenchmarkLogger measures a realistic five-attribute DEBUG record logged
// through slog.Logger into a breach handler whose window is full (the
// steady state of a quiet service: every record evicts the oldest), beside
// the no-op handler. Compare the two with
//
//	benchstat -col /handler
//
// on interleaved runs (scripts/bench.sh). case=attrs uses LogAttrs, which
// allocates nothing itself; case=args uses key-value pairs, as most code
// does, whose boxing slog pays for either handler.
func BenchmarkLogger(b *testing.B) {
	errReset := errors.New("read tcp 10.0.3.17:52114->10.0.9.2:5432: read: connection reset by peer")
	deadline := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	handlers := []struct {
		name string
		new  func() slog.Handler
	}{
		{"noop", func() slog.Handler { return noop{} }},
		{"breach", func() slog.Handler {
			h := mustNew(benchTarget(), nil)
			for range 2 * DefaultCapacity {
				_ = h.Handle(context.Background(), benchRecord())
			}
			return h
		}},
	}
	for _, c := range []struct {
		name string
		log  func(*slog.Logger, context.Context, int)
	}{
		{"attrs", func(l *slog.Logger, ctx context.Context, i int) {
			l.LogAttrs(ctx, slog.LevelDebug, "fetched user profile from the accounts service cache",
				slog.String("user_id", "u-7f3a9c2e55b1"),
				slog.Int("attempt", i&7),
				slog.Duration("elapsed", time.Duration(i)*time.Microsecond),
				slog.Time("deadline", deadline),
				slog.Any("err", errReset),
			)
		}},
		{"args", func(l *slog.Logger, ctx context.Context, i int) {
			l.DebugContext(ctx, "fetched user profile from the accounts service cache",
				"user_id", "u-7f3a9c2e55b1",
				"attempt", i&7,
				"elapsed", time.Duration(i)*time.Microsecond,
				"deadline", deadline,
				"err", errReset,
			)
		}},
	} {
		for _, bh := range handlers {
			b.Run("case="+c.name+"/handler="+bh.name, func(b *testing.B) {
				h := bh.new()
				l := slog.New(h)
				ctx := context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					c.log(l, ctx, i)
					i++
				}
				if bh, ok := h.(*Handler); ok {
					evictions(b, bh)
				}
			})
		}
	}
}
