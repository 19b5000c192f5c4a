//go:build !race

package wire

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
)

// TestEncodeAllocs pins the promise that encoding a record allocates
// nothing, for every format, with what handlers really carry: attributes
// bound by WithAttrs inside a group, context attributes with trace ids,
// strings, numbers, durations, times, errors and nested groups, and Loki
// labels from each source. The race detector allocates, hence the build
// tag.
func TestEncodeAllocs(t *testing.T) {
	ctx := ctxattrs.With(context.Background(), slog.String("tenant", "acme"), slog.String(TraceIDKey, traceHex), slog.String(SpanIDKey, spanHex))
	ctxAttrs, _ := ctxattrs.From(ctx)
	errRefused := errString("dial tcp 10.0.3.7:5432: connect: connection refused")
	for _, k := range allKinds {
		o := Options{Service: "checkout", Environment: "prod-eu1", Version: "v2.14.3", Host: "ip-10-0-3-7", Labels: labelsFor(k, "environment", "tenant", "route")}
		f := mustNew(t, k, o)
		enc := f.Encoder().WithAttrs([]slog.Attr{slog.String("pod", "api-7d9f8b6c5-x2v4q")}).WithGroup("req").
			WithAttrs([]slog.Attr{slog.String("method", "POST")})
		r := slog.NewRecord(time.Now(), slog.LevelWarn+1, message60, 0)
		r.AddAttrs(slog.String("request_id", reqID), slog.String("route", "/v1/orders/{id}"), slog.Int("status", 502),
			slog.Duration("latency", 1500*time.Millisecond), slog.Time("deadline", time.Now()), slog.Float64("ratio", 0.25),
			slog.Bool("cached", false), slog.Any("err", errRefused),
			slog.Group("db", slog.String("dsn", dsn), slog.Int("pool", 40)))
		buf := make([]byte, 0, 8192)
		n := testing.AllocsPerRun(200, func() {
			buf, _ = enc.AppendRecord(buf[:0], &r, ctxAttrs)
		})
		if n != 0 {
			t.Errorf("%v: %v allocs per record, want 0", k, n)
		}
		// Framing into a reused buffer allocates nothing either.
		recs := [][]byte{buf, buf, buf}
		body := make([]byte, 0, 64<<10)
		if n := testing.AllocsPerRun(100, func() { body = f.AppendBody(body[:0], recs) }); n != 0 {
			t.Errorf("%v: %v allocs per body, want 0", k, n)
		}
	}
}
