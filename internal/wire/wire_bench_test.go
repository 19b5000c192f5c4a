package wire

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
)

// benchRecord is a typical service log record: a 60-character message,
// an id, a route, a status, a latency, an error and a small group, logged
// through a handler with attributes bound inside a group and context
// attributes carrying trace ids.
func benchSetup(b *testing.B, k Kind) (*Format, *Encoder, slog.Record, []slog.Attr) {
	o := Options{Service: "checkout", Environment: "prod-eu1", Version: "v2.14.3", Host: "ip-10-0-3-7", Labels: labelsFor(k, "environment", "tenant")}
	f := mustNew(b, k, o)
	enc := f.Encoder().WithAttrs([]slog.Attr{slog.String("pod", "api-7d9f8b6c5-x2v4q")}).WithGroup("req").
		WithAttrs([]slog.Attr{slog.String("method", "POST")})
	r := slog.NewRecord(time.Now(), slog.LevelInfo, message60, 0)
	r.AddAttrs(slog.String("request_id", reqID), slog.String("route", "/v1/orders/{id}"), slog.Int("status", 200),
		slog.Duration("latency", 1500*time.Microsecond), slog.Any("err", errString("context deadline exceeded")),
		slog.Group("db", slog.String("table", "orders"), slog.Int("rows", 3)))
	ctx := ctxattrs.With(context.Background(), slog.String("tenant", "acme"), slog.String(TraceIDKey, traceHex), slog.String(SpanIDKey, spanHex))
	ca, _ := ctxattrs.From(ctx)
	return f, enc, r, ca
}

// BenchmarkEncode is the cost a format adds to each log call.
func BenchmarkEncode(b *testing.B) {
	for _, k := range allKinds {
		b.Run(k.String(), func(b *testing.B) {
			_, enc, r, ca := benchSetup(b, k)
			buf := make([]byte, 0, 4096)
			buf, _ = enc.AppendRecord(buf, &r, ca)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = enc.AppendRecord(buf[:0], &r, ca)
			}
		})
	}
}

// BenchmarkAppendBody is the sender's cost of framing 1000 records.
func BenchmarkAppendBody(b *testing.B) {
	for _, k := range allKinds {
		b.Run(k.String(), func(b *testing.B) {
			f, enc, r, ca := benchSetup(b, k)
			recs := make([][]byte, 1000)
			for i := range recs {
				recs[i], _ = enc.AppendRecord(nil, &r, ca)
			}
			body := f.AppendBody(nil, recs)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				body = f.AppendBody(body[:0], recs)
			}
		})
	}
}

// BenchmarkJudgeElastic is the cost of reading a 1000-item _bulk answer,
// without errors (the common case) and with some.
func BenchmarkJudgeElastic(b *testing.B) {
	f := mustNew(b, ElasticBulk, Options{})
	ok := make([]int, 1000)
	for i := range ok {
		ok[i] = 201
	}
	bad := append([]int(nil), ok...)
	for i := 0; i < len(bad); i += 50 {
		bad[i] = 429
	}
	for _, c := range []struct {
		name string
		body []byte
	}{{"no errors", bulkResponse(false, ok...)}, {"2% rejected", bulkResponse(true, bad...)}} {
		b.Run(c.name, func(b *testing.B) {
			var v Verdict
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				f.Judge(200, c.body, 1000, &v)
			}
		})
	}
}
