package redact

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// BenchmarkLogger measures what a program pays through slog.Logger, which
// is where redact's cost is felt: the record is built by the Logger, so
// the figures include what Logger adds for every handler alike. Each
// record goes to two sinks, slogx.JSONHandler (sink=json) and a handler
// that does nothing (sink=nop, so that redact's own cost is not hidden in
// the encoder's), with redact in front (redact=on) or not (redact=off).
// redact's cost is on less off, per record and sink, in the same run:
//
//	go test -c -o /tmp/redact.test ./slogx/redact/
//	cd slogx/redact && for i in $(seq 10); do /tmp/redact.test -test.run '^$' \
//	    -test.bench '^BenchmarkLogger$' -test.benchmem -test.count 1; done > /tmp/logger.txt
//	benchstat -col /redact /tmp/logger.txt
func BenchmarkLogger(b *testing.B) {
	ctx := context.Background()
	for _, rec := range loggerRecords {
		for _, sink := range []struct {
			name string
			h    slog.Handler
		}{
			{"json", slogx.NewJSONHandler(io.Discard, nil)},
			{"nop", nopHandler{}},
		} {
			for _, on := range []bool{false, true} {
				h, name := sink.h, "off"
				if on {
					h, name = New(sink.h, nil), "on"
				}
				l := slog.New(h)
				b.Run("record="+rec.name+"/sink="+sink.name+"/redact="+name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						l.LogAttrs(ctx, slog.LevelInfo, rec.msg, rec.attrs...)
					}
				})
			}
		}
	}
}

// loggerRecords are the records BenchmarkLogger logs, shaped like
// production ones.
var loggerRecords = []struct {
	name  string
	msg   string
	attrs []slog.Attr
}{
	// A 60-byte message, a 50-byte id of hex and digit runs, an int, a
	// duration, a time and an error: nothing to redact, but digit runs and
	// letters that start vendor prefixes everywhere.
	{"realistic", "payment authorization completed for merchant account in 342ms", []slog.Attr{
		slog.String("request_id", "req_7f3a9c2e41b8d6f0a5e3c7b9d1f4a8e2c6b0d9f3a7e1c5b8"),
		slog.Int("attempt", 3),
		slog.Duration("elapsed", 342*time.Millisecond+117*time.Microsecond),
		slog.Time("deadline", time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)),
		slog.Any("err", errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")),
	}},
	// Five attributes of the common kinds, nothing sensitive.
	{"clean5", "request handled", []slog.Attr{
		slog.String("path", "/api/v1/orders"),
		slog.Int("status", 200),
		slog.Duration("latency", 1234567*time.Nanosecond),
		slog.Time("started", time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)),
		slog.Any("err", errors.New("connection reset by peer")),
	}},
	// Three secrets: an address in the message, a GitHub token in a
	// header dump, a password by its key.
	{"secrets3", "payment from alice@example.com declined", []slog.Attr{
		slog.String("upstream", "GET /repos/acme/api Authorization: token ghp_R4nd0mT0k3nV4lu3F0rB3nchm4rk1ngX9y"),
		slog.String("password", "hunter2"),
		slog.Int("status", 402),
		slog.Duration("latency", 1234567*time.Nanosecond),
		slog.Any("err", errors.New("card declined")),
	}},
}
