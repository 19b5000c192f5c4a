package slogx_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"go.slogx.dev/slogx"
)

// Drop the time so that the examples' output is the same every run.
func withoutTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleNewJSONHandler() {
	logger := slog.New(slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}))
	logger.Info("order placed", "id", 42, slog.Group("customer", "tier", "gold"))
	// Output:
	// {"level":"INFO","msg":"order placed","id":42,"customer":{"tier":"gold"}}
}

func ExampleNewContext() {
	logger := slog.New(slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}))
	// A request ID stored once in the context lands at the root of every
	// record logged with it, even from a logger inside a group.
	ctx := slogx.NewContext(context.Background(), slog.String("request_id", "8f14e4"))
	logger.WithGroup("db").InfoContext(ctx, "query", "rows", 3)
	// Output:
	// {"level":"INFO","msg":"query","request_id":"8f14e4","db":{"rows":3}}
}

func ExampleLocalOnly() {
	local := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime})
	logger := slog.New(local)
	// Printed here, never sent by a sink; the marker itself is not printed.
	logger.Info("cache warmed", slogx.LocalOnly(), "entries", 1200)
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	r.AddAttrs(slogx.LocalOnly())
	slog.New(local).Info("is local", "value", slogx.IsLocal(context.Background(), r))
	// Output:
	// {"level":"INFO","msg":"cache warmed","entries":1200}
	// {"level":"INFO","msg":"is local","value":true}
}

func ExampleFanout() {
	opts := &slog.HandlerOptions{ReplaceAttr: withoutTime}
	errorsOnly := &slog.HandlerOptions{Level: slog.LevelError, ReplaceAttr: func(g []string, a slog.Attr) slog.Attr {
		if a.Key == slog.MessageKey {
			a.Value = slog.StringValue("ALERT: " + a.Value.String())
		}
		return withoutTime(g, a)
	}}
	logger := slog.New(slogx.Fanout(
		slogx.NewJSONHandler(os.Stdout, opts),
		slogx.NewJSONHandler(os.Stdout, errorsOnly),
	))
	logger.Info("started")
	logger.Error("disk full", "free", 0)
	// Output:
	// {"level":"INFO","msg":"started"}
	// {"level":"ERROR","msg":"disk full","free":0}
	// {"level":"ERROR","msg":"ALERT: disk full","free":0}
}

func ExamplePipe() {
	// A middleware is any func(slog.Handler) slog.Handler.
	service := func(next slog.Handler) slog.Handler {
		return next.WithAttrs([]slog.Attr{slog.String("service", "checkout")})
	}
	h := slogx.Pipe(slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: withoutTime}), service)
	defer slogx.Close(h) // closes every stage that has Close, outermost first
	slog.New(h).Warn("slow request", "ms", 950)
	// Output:
	// {"level":"WARN","msg":"slow request","service":"checkout","ms":950}
}
