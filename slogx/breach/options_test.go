package breach

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	for _, opts := range []*Options{nil, {}} {
		c := newConfig(opts)
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
	h := New(newRecorder(), nil)
	if got := h.c.shared.capacity; got != DefaultCapacity {
		t.Errorf("New(nil opts) buffer capacity %d, want %d", got, DefaultCapacity)
	}
}

func TestBadOptionsAreRepaired(t *testing.T) {
	c := newConfig(&Options{
		Capacity:                -5,
		MaxBytes:                -1,
		PassThroughAfterTrigger: -time.Second,
		Heartbeat:               -time.Second,
		ScopeCapacity:           -1,
		ScopeMaxBytes:           -1,
		MaxScopes:               -1,
	})
	if c.capacity != DefaultCapacity || c.maxBytes != DefaultMaxBytes {
		t.Errorf("negative sizes: capacity %d, maxBytes %d, want the defaults", c.capacity, c.maxBytes)
	}
	if c.passAfter != 0 || c.heartbeat != 0 {
		t.Errorf("negative durations: passAfter %v, heartbeat %v, want 0 (off)", c.passAfter, c.heartbeat)
	}
	if c.scopeCapacity != DefaultScopeCapacity || c.scopeMaxBytes != DefaultScopeMaxBytes || c.maxScopes != DefaultMaxScopes {
		t.Errorf("negative scope options not defaulted: %+v", c)
	}
	c = newConfig(&Options{Capacity: math.MaxInt, ScopeCapacity: math.MaxInt, MaxScopes: math.MaxInt, MaxBytes: math.MaxInt, ScopeMaxBytes: math.MaxInt})
	if c.capacity != maxRecords || c.scopeCapacity != maxRecords || c.maxScopes != maxScopes {
		t.Errorf("huge counts: %d, %d, %d, want the caps", c.capacity, c.scopeCapacity, c.maxScopes)
	}
	if c.maxBytes != int64(bytesLimit) || c.scopeMaxBytes != int64(bytesLimit) {
		t.Errorf("huge sizes: %d, %d, want %d", c.maxBytes, c.scopeMaxBytes, bytesLimit)
	}
}

func TestBadOptionsNeverPanicAtLogTime(t *testing.T) {
	target := newRecorder()
	h := New(target, &Options{Capacity: -1, MaxBytes: -1, ScopeCapacity: -3, ScopeMaxBytes: -3, MaxScopes: -3,
		Heartbeat: -1, PassThroughAfterTrigger: -1})
	defer h.Close()
	ctx, end := NewScope(context.Background())
	defer end()
	for i := range 3000 {
		mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint(i)))
		mustHandle(t, h, context.Background(), rec(slog.LevelDebug, fmt.Sprint(i)))
	}
	mustHandle(t, h, ctx, rec(slog.LevelError, "boom"))
	if n := len(target.all()); n != DefaultScopeCapacity+1 {
		t.Fatalf("scope flush wrote %d records, want %d", n, DefaultScopeCapacity+1)
	}
}

func TestNewNilTargetPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(nil, nil) did not panic")
		}
	}()
	New(nil, nil)
}
