//go:build !race

package slogx_test

import (
	"context"
	"io"
	"testing"

	"go.slogx.dev/slogx"
)

// TestStackZeroAllocsBelowLevel holds Stack to its promise: a record below
// its level costs no allocation.
func TestStackZeroAllocsBelowLevel(t *testing.T) {
	h := slogx.Stack(nil)(slogx.NewJSONHandler(io.Discard, nil))
	r := benchRecord(attrs5())
	if n := testing.AllocsPerRun(1000, func() { _ = h.Handle(context.Background(), r) }); n != 0 {
		t.Errorf("%.1f allocs per record below the level, want 0", n)
	}
}
