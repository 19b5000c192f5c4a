package breach_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

// removeTime drops the time so that the output is deterministic.
func removeTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExampleNew() {
	// The target writes DEBUG too: breach decides what reaches it.
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	h, err := breach.New(target, nil)
	if err != nil {
		panic(err) // only bad options fail; nil options never do
	}
	logger := slog.New(h)

	logger.Debug("cache miss", "key", "user:42")
	logger.Info("querying database", "table", "users")
	fmt.Println("-- all is well, nothing written --")

	logger.Warn("query failed", "err", errors.New("connection refused"))
	// Output:
	// -- all is well, nothing written --
	// {"level":"DEBUG","msg":"cache miss","key":"user:42"}
	// {"level":"INFO","msg":"querying database","table":"users"}
	// {"level":"WARN","msg":"query failed","err":"connection refused"}
}

func ExampleMiddleware() {
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	pipe := slogx.Pipe(target, breach.Middleware(&breach.Options{
		FlushLevel:       slog.LevelError,
		PassThroughLevel: slog.LevelInfo, // INFO and WARN are written at once
	}))
	defer slogx.Close(pipe)
	logger := slog.New(pipe)

	logger.Debug("retrying", "attempt", 1)
	logger.Info("server started", "port", 8080)
	logger.Debug("retrying", "attempt", 2)
	logger.Error("giving up")
	// Output:
	// {"level":"INFO","msg":"server started","port":8080}
	// {"level":"DEBUG","msg":"retrying","attempt":1}
	// {"level":"DEBUG","msg":"retrying","attempt":2}
	// {"level":"ERROR","msg":"giving up"}
}

func ExampleOptions_trigger() {
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	// Flush on any record with a status of 500 or more, whatever its level.
	serverError := func(_ context.Context, r slog.Record) bool {
		failed := false
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "status" && a.Value.Kind() == slog.KindInt64 && a.Value.Int64() >= 500 {
				failed = true
			}
			return !failed
		})
		return failed
	}
	h, err := breach.New(target, &breach.Options{Trigger: serverError})
	if err != nil {
		panic(err)
	}
	logger := slog.New(h)

	logger.Debug("decoded body", "bytes", 512)
	logger.Info("request", "status", 200)
	logger.Debug("decoded body", "bytes", 0)
	logger.Info("request", "status", 502)
	// Output:
	// {"level":"DEBUG","msg":"decoded body","bytes":512}
	// {"level":"INFO","msg":"request","status":200}
	// {"level":"DEBUG","msg":"decoded body","bytes":0}
	// {"level":"INFO","msg":"request","status":502}
}

func ExampleHandler_Stats() {
	target := slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: removeTime})
	h, err := breach.New(target, &breach.Options{Capacity: 2})
	if err != nil {
		panic(err)
	}
	logger := slog.New(h)
	for i := range 5 {
		logger.Debug("tick", "n", i)
	}
	st := h.Stats()
	fmt.Printf("buffered %d, evicted %d\n", st.Buffered, st.Evicted)
	// Output:
	// buffered 2, evicted 3
}

func ExampleNew_badOptions() {
	target := slogx.NewJSONHandler(os.Stdout, nil)
	_, err := breach.New(target, &breach.Options{Capacity: -1, Heartbeat: 1})
	fmt.Println(err)
	// Output:
	// breach: bad options: Capacity is -1; it must not be negative (0 means the default, 1000)
	// Heartbeat is 1ns; it must be at least 1ms (0 means off)
}
