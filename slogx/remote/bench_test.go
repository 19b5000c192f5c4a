package remote_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/remote"
)

var allFormats = []remote.Format{remote.NDJSON, remote.JSONArray, remote.Datadog, remote.Loki, remote.ElasticBulk, remote.OTLP}

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

// acceptAll is an intake that takes every request as its format's success
// answer, as fast as it can: for measuring the handler, not the server.
func acceptAll(t testing.TB, f remote.Format) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch f {
		case remote.Loki:
			w.WriteHeader(http.StatusNoContent)
		case remote.Datadog:
			w.WriteHeader(http.StatusAccepted)
		case remote.ElasticBulk:
			io.WriteString(w, `{"took":1,"errors":false,"items":[]}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/intake"
}

// benchChunk records are timed between two deliveries; see
// slogx/victoria's BenchmarkHandle for why.
const benchChunk = 1000

// benchOptions: the batch is just above the chunk and the interval long,
// so the sender sleeps while a chunk is timed.
func benchOptions(url string, f remote.Format) remote.Options {
	return remote.Options{
		Endpoint: url, APIKey: bearerKey, Format: f,
		Service: "checkout", Environment: "prod", Version: "1.4.2", Host: "web-7",
		BatchSize: benchChunk + 24, FlushInterval: time.Hour,
	}
}

// BenchmarkHandle measures Handle on the logging goroutine, per format,
// beside slogx.JSONHandler writing to io.Discard:
//
//	go test -run '^$' -bench 'Handle$' -count 10 ./slogx/remote | benchstat -col /format -
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	b.Run("format=slogx-json", func(b *testing.B) {
		h := slogx.NewJSONHandler(io.Discard, nil)
		r := benchRecord()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if i > 0 && i%benchChunk == 0 {
				b.StopTimer() // as for the sinks, so both pay the same
				b.StartTimer()
			}
			h.Handle(ctx, r)
		}
	})
	for _, f := range allFormats {
		b.Run("format="+f.String(), func(b *testing.B) {
			h, err := remote.New(benchOptions(acceptAll(b, f), f))
			if err != nil {
				b.Fatal(err)
			}
			r := benchRecord()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%benchChunk == 0 {
					b.StopTimer()
					if err := h.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := h.Close(); err != nil {
				b.Fatal(err)
			}
			if st := h.Stats(); st.Delivered != uint64(b.N) {
				b.Fatalf("%d of %d records delivered: %+v", st.Delivered, b.N, st)
			}
		})
	}
}

// BenchmarkLogger measures a log call through slog.Logger per format, and
// through a Logger whose handler does nothing, in the same run: a
// handler's own cost is the difference.
//
//	go test -run '^$' -bench 'Logger$' -count 10 ./slogx/remote | benchstat -col /format -
func BenchmarkLogger(b *testing.B) {
	ctx := context.Background()
	attrs := attrs5()
	run := func(b *testing.B, h slog.Handler, flush func() error) {
		logger := slog.New(h)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if i > 0 && i%benchChunk == 0 && flush != nil {
				b.StopTimer()
				if err := flush(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			logger.LogAttrs(ctx, slog.LevelInfo, "request served", attrs...)
		}
	}
	b.Run("format=noop", func(b *testing.B) { run(b, noopHandler{}, nil) })
	for _, f := range allFormats {
		b.Run("format="+f.String(), func(b *testing.B) {
			h, err := remote.New(benchOptions(acceptAll(b, f), f))
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			run(b, h, func() error { return h.Flush(ctx) })
		})
	}
}

type noopHandler struct{}

func (noopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (noopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h noopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h noopHandler) WithGroup(string) slog.Handler           { return h }
