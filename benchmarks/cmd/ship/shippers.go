package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"go.slogx.dev/slogx/remote"
	"go.slogx.dev/slogx/victoria"
)

// A shipper sends records to a VictoriaLogs at base. finish flushes and
// closes it and returns what it reported about records it did not deliver:
// its messages, and the number of records they add up to.
type shipper struct {
	Name   string
	Config string // how it is set up, for the report
	start  func(base string) (h slog.Handler, finish func() ([]string, uint64), err error)
}

var shippers = []shipper{
	{
		Name:   "slogx victoria",
		Config: "victoria.Options{URL} (defaults: zstd, batches of 1000, queue of 100,000, Backpressure); Fallback counted instead of printed",
		start: func(base string) (slog.Handler, func() ([]string, uint64), error) {
			fb := new(lineCounter)
			h, err := victoria.New(victoria.Options{URL: base, Fallback: fb})
			if err != nil {
				return nil, nil, err
			}
			return h, func() ([]string, uint64) {
				err := h.Close()
				return sinkReport(err, h.Stats(), fb)
			}, nil
		},
	},
	{
		Name:   "slogx remote (OTLP)",
		Config: "remote.Options{Endpoint: .../insert/opentelemetry/v1/logs, Format: remote.OTLP} (defaults: gzip, batches of 1000, queue of 100,000, Backpressure); Fallback counted instead of printed",
		start: func(base string) (slog.Handler, func() ([]string, uint64), error) {
			fb := new(lineCounter)
			h, err := remote.New(remote.Options{Endpoint: base + "/insert/opentelemetry/v1/logs", Format: remote.OTLP, Fallback: fb})
			if err != nil {
				return nil, nil, err
			}
			return h, func() ([]string, uint64) {
				err := h.Close()
				return sinkReport(err, h.Stats(), fb)
			}, nil
		},
	},
	{
		Name:   "OpenTelemetry SDK",
		Config: "otelslog → sdk/log BatchProcessor → otlploghttp, all at their defaults (queue 2048, batches of 512, every 1 s, no compression)",
		start: func(base string) (slog.Handler, func() ([]string, uint64), error) {
			var errs reports
			warns := &otelLog{}
			otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { errs.add(err.Error()) }))
			// The SDK reports dropped records only through its internal
			// logger at V(1), which its default logger does not print.
			otel.SetLogger(logr.New(warns))
			ctx := context.Background()
			exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(base+"/insert/opentelemetry/v1/logs"))
			if err != nil {
				return nil, nil, err
			}
			lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
			h := otelslog.NewHandler("go.slogx.dev/benchmarks", otelslog.WithLoggerProvider(lp))
			return h, func() ([]string, uint64) {
				// Bounded so that a stuck exporter cannot stall the report.
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				err := lp.Shutdown(ctx)
				return []string{
					fmt.Sprintf("Shutdown: %v", orNone(err)),
					"otel.SetErrorHandler: " + errs.summary(),
					"internal logger (warnings at V(1), not printed by default): " + warns.summary(),
				}, warns.dropped.Load()
			}, nil
		},
	},
}

// sinkReport is what a slogx sink reported: Close's error, its Stats
// (victoria's and remote's are one type), and the lines written to its
// fallback. Records not delivered are those dropped and those spilled to
// the fallback.
func sinkReport(err error, st victoria.Stats, fb *lineCounter) ([]string, uint64) {
	d := st.Dropped
	return []string{
		fmt.Sprintf("Close: %v", orNone(err)),
		fmt.Sprintf("Stats: accepted %d, delivered %d, dropped %d (queue full %d, rejected %d, too large %d), spilled %d, retried %d requests",
			st.Accepted, st.Delivered, d.Total(), d.QueueFull, d.Rejected, d.TooLarge, st.Spilled, st.Retried),
		fmt.Sprintf("Fallback: %d line(s) written", fb.lines()),
	}, d.Total() + st.Spilled
}

func orNone(err error) any {
	if err == nil {
		return "nil"
	}
	return err
}

// lineCounter counts the lines written to it.
type lineCounter struct {
	mu sync.Mutex
	n  int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range p {
		if b == '\n' {
			c.n++
		}
	}
	return len(p), nil
}

func (c *lineCounter) lines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// reports keeps the count of messages and the first few.
type reports struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (r *reports) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if len(r.first) < 3 {
		if len(s) > 300 {
			s = s[:300] + "…"
		}
		r.first = append(r.first, s)
	}
}

func (r *reports) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return "nothing"
	}
	return fmt.Sprintf("%d messages, first: %q", r.n, r.first)
}

// otelLog is the SDK's internal logger during a run: it adds up the
// records its "dropped log records" warnings name, and keeps the other
// messages as reports.
type otelLog struct {
	dropped atomic.Uint64
	drops   atomic.Int64
	other   reports
}

func (*otelLog) Init(logr.RuntimeInfo)  {}
func (*otelLog) Enabled(level int) bool { return level <= 1 }

func (l *otelLog) Info(level int, msg string, kv ...any) {
	if msg == "dropped log records" {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == "dropped" {
				if n, ok := kv[i+1].(uint64); ok {
					l.dropped.Add(n)
					l.drops.Add(1)
					return
				}
			}
		}
	}
	l.other.add(fmt.Sprint(msg, kv))
}

func (l *otelLog) Error(err error, msg string, kv ...any) {
	l.other.add(fmt.Sprint(msg, ": ", err, kv))
}

func (l *otelLog) WithValues(...any) logr.LogSink { return l }
func (l *otelLog) WithName(string) logr.LogSink   { return l }

func (l *otelLog) summary() string {
	s := fmt.Sprintf("%d records in %d \"dropped log records\" warnings", l.dropped.Load(), l.drops.Load())
	if o := l.other.summary(); o != "nothing" {
		s += "; other: " + o
	}
	return s
}
