package breach

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	for _, opts := range []*Options{nil, {}} {
		c, err := newConfig(opts)
		if err != nil {
			t.Fatalf("zero options rejected: %v", err)
		}
		if c.capacity != 1000 || c.maxBytes != 8<<20 {
			t.Errorf("capacity %d, maxBytes %d, want 1000, 8 MiB", c.capacity, c.maxBytes)
		}
		if c.level.Level() != slog.LevelDebug || c.flushLevel.Level() != slog.LevelWarn {
			t.Errorf("level %v, flushLevel %v, want DEBUG, WARN", c.level, c.flushLevel)
		}
		if c.passLevel != nil || c.passAfter != 0 || c.flushOnClose || c.heartbeat != 0 || c.trigger != nil {
			t.Errorf("optional behaviour on by default: %+v", c)
		}
		if c.scopeCapacity != DefaultScopeCapacity || c.scopeMaxBytes != DefaultScopeMaxBytes || c.maxScopes != DefaultMaxScopes {
			t.Errorf("scope defaults %d, %d, %d", c.scopeCapacity, c.scopeMaxBytes, c.maxScopes)
		}
		if _, ok := c.clock.(realClock); !ok {
			t.Errorf("clock %T, want the real one", c.clock)
		}
	}
	h := mustNew(newRecorder(), nil)
	if got := h.c.shared.capacity; got != DefaultCapacity {
		t.Errorf("New(nil opts) buffer capacity %d, want %d", got, DefaultCapacity)
	}
}

// Bad options are rejected by New with every problem listed, as
// victoria.New does, rather than silently replaced by a default the user
// never chose.
func TestBadOptionsAreRejected(t *testing.T) {
	h, err := New(newRecorder(), &Options{
		Capacity:                -5,
		MaxBytes:                -1,
		PassThroughAfterTrigger: -time.Second,
		Heartbeat:               -time.Second,
		ScopeCapacity:           math.MaxInt,
		ScopeMaxBytes:           -1,
		MaxScopes:               1 << 20,
	})
	if h != nil || err == nil {
		t.Fatalf("New = %v, %v; want nil and an error", h, err)
	}
	msg := err.Error()
	for _, want := range []string{
		"breach: bad options: ",
		"Capacity is -5; it must not be negative",
		"MaxBytes is -1; it must not be negative",
		"PassThroughAfterTrigger is -1s; it must not be negative",
		"Heartbeat is -1s; it must not be negative",
		fmt.Sprintf("ScopeCapacity is %d; it must be at most %d", math.MaxInt, maxRecords),
		"ScopeMaxBytes is -1",
		fmt.Sprintf("MaxScopes is %d; it must be at most %d", 1<<20, maxScopes),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.HasPrefix(msg, "breach: bad options: breach") {
		t.Errorf("error %q repeats its prefix", msg)
	}

	// A bare 1 meant as a second must not flood the target.
	if _, err := New(newRecorder(), &Options{Heartbeat: 1}); err == nil || !strings.Contains(err.Error(), "Heartbeat is 1ns; it must be at least 1ms") {
		t.Errorf("Heartbeat 1ns: error %v", err)
	}
	if _, err := New(newRecorder(), &Options{MaxBytes: math.MaxInt}); err == nil && bytesLimit < math.MaxInt {
		t.Errorf("MaxBytes MaxInt accepted above the %d cap", bytesLimit)
	}
}

// The largest and smallest values New accepts work at log time.
func TestExtremeOptionsWork(t *testing.T) {
	target := newRecorder()
	h, err := New(target, &Options{Capacity: 1, MaxBytes: 1, ScopeCapacity: 1, ScopeMaxBytes: 1, MaxScopes: 1,
		Heartbeat: time.Millisecond, PassThroughAfterTrigger: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, end := NewScope(context.Background())
	defer end()
	for i := range 3000 {
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint(i)))
		mustHandle(t, h, context.Background(), rec(slog.LevelDebug, fmt.Sprint(i)))
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	var got []string
	for _, w := range target.all() {
		if w.r.Message != heartbeatMessage {
			got = append(got, w.r.Message)
		}
	}
	if want := []string{"2999", "boom"}; !slices.Equal(got, want) {
		t.Fatalf("scope flush wrote %q, want %q", got, want)
	}
	if _, err := New(target, &Options{Capacity: maxRecords, ScopeCapacity: maxRecords, MaxScopes: maxScopes, MaxBytes: bytesLimit}); err != nil {
		t.Fatalf("the caps themselves are rejected: %v", err)
	}
}

func TestNewRejectsNilTarget(t *testing.T) {
	var typed *recorder
	for _, target := range []slog.Handler{nil, typed} {
		h, err := New(target, &Options{Capacity: -1})
		if h != nil || err == nil || !strings.Contains(err.Error(), "target handler is nil") || !strings.Contains(err.Error(), "Capacity is -1") {
			t.Errorf("New(%T) = %v, %v; want an error naming the nil target and the bad option", target, h, err)
		}
	}
}

// Middleware cannot return an error: it panics with New's error when the
// pipeline is built, never at log time.
func TestMiddlewarePanicsOnBadOptions(t *testing.T) {
	panicMsg := func(f func()) (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		f()
		return ""
	}
	if msg := panicMsg(func() { Middleware(&Options{MaxScopes: -2}) }); !strings.Contains(msg, "breach: bad options: MaxScopes is -2") {
		t.Errorf("Middleware(bad) panicked with %q", msg)
	}
	if msg := panicMsg(func() { Middleware(nil)(nil) }); !strings.Contains(msg, "target handler is nil") {
		t.Errorf("Middleware(nil)(nil) panicked with %q", msg)
	}
}
