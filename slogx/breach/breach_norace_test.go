//go:build !race

package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"go.slogx.dev/slogx"
)

// Buffering allocates nothing: a promise the benchmarks measure and this
// test keeps. (The race detector allocates, hence the build tag.)
func TestBufferingDoesNotAllocate(t *testing.T) {
	r := benchRecord()
	bg := context.Background()
	scoped, end := NewScope(slogx.NewContext(bg, slog.String("request_id", "r-1")))
	defer end()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		opts *Options
	}{
		{"shared", bg, nil},
		{"shared, evicting", bg, &Options{Capacity: 10}},
		{"shared, evicting by bytes", bg, &Options{MaxBytes: 2000}},
		{"scoped", scoped, &Options{ScopeCapacity: 10}},
		{"PassThroughAfterTrigger set, not triggered", bg, &Options{PassThroughAfterTrigger: 1 << 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mustNew(benchTarget(), tc.opts)
			_ = h.Handle(tc.ctx, r) // a scope takes its buffer on first use
			if n := testing.AllocsPerRun(1000, func() { _ = h.Handle(tc.ctx, r) }); n != 0 {
				t.Fatalf("buffering a record allocates %v times", n)
			}
			if h.Stats().Buffered == 0 {
				t.Fatal("nothing buffered")
			}
		})
	}
}

// Through slog.Logger, into a full window (every record evicts the
// oldest), a realistic record allocates nothing in breach: LogAttrs itself
// allocates nothing, so any allocation here would be breach's. Values of
// kind Any are sized without allocating, by type switch or reflect.
func TestLoggingThroughLoggerDoesNotAllocate(t *testing.T) {
	errReset := errors.New("read tcp 10.0.3.17:52114->10.0.9.2:5432: read: connection reset by peer")
	wrapped := fmt.Errorf("GET https://api.example.com/v2/orders/7f3a9c2e: %w", errReset)
	body := []byte(`{"order_id":"7f3a9c2e-55b1-4d0e-9a61-0c8e2f1b6d47","amount":1999,"currency":"EUR"}`)
	type upload struct {
		Name string
		Body []byte
	}
	// Boxing a []byte allocates at the call site, in the caller: the
	// attributes are made once.
	bodyAttr := slog.Any("body", body)
	upAttr := slog.Any("upload", &upload{Name: "avatar.png", Body: body})
	h := mustNew(benchTarget(), &Options{Capacity: 100})
	logger := slog.New(h)
	ctx := context.Background()
	i := 0
	log := func() {
		i++
		logRealistic(logger, ctx, i, wrapped)
		logger.LogAttrs(ctx, slog.LevelDebug, "received upload", bodyAttr, upAttr)
	}
	for range 300 {
		log()
	}
	if n := testing.AllocsPerRun(1000, log); n != 0 {
		t.Fatalf("logging through slog.Logger into breach allocates %v times per call", n)
	}
	if st := h.Stats(); st.Evicted == 0 || st.Buffered != 100 {
		t.Fatalf("Stats() = %+v: the window was not full", st)
	}
}
