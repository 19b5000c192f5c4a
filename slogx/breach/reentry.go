package breach

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"

	"go.slogx.dev/internal/reentry"
)

// A target may log through the same logger while breach writes to it: a
// sink reporting a failed delivery, a writer that logs. Writing such a
// record at once would recurse (a target that logs on every write never
// returns) or wait for a lock its own goroutine holds (a flush holds the
// flush lock while it writes). So a record logged from inside a call that
// a breach handler makes to its target, on the same goroutine, is
// buffered, whatever its level: it is written by a later flush, or
// evicted or discarded and counted like any other buffered record.
//
// Only records that would be written at once are looked at, and that
// costs nothing while no goroutine is inside a target: inTarget counts the
// calls in progress, in every breach handler. Otherwise the logging
// goroutine looks for the call on its own stack, by a return address in
// the one function that calls a target. A Go program has no cheaper way to
// tell one goroutine from another.

// inTarget counts the goroutines inside callTarget.
var inTarget atomic.Int64

// targetCode spans the code of callTarget: a return address inside it, on
// a goroutine's stack, is a call to a target in progress.
var targetCode = reentry.CodeRange(callTarget)

// callTarget is the only place a breach handler calls a target's Handle.
//
//go:noinline
func callTarget(ctx context.Context, h slog.Handler, r slog.Record) error {
	inTarget.Add(1)
	defer inTarget.Add(-1)
	return h.Handle(ctx, r)
}

// reentrant reports whether the calling goroutine is inside a breach
// handler's call to its target.
func reentrant() bool {
	return inTarget.Load() != 0 && targetCode.OnStack()
}

// errReentrant is returned by Flush and Close called from inside a
// target: the flush in progress holds what they need.
var errReentrant = errors.New("breach: Flush or Close called from inside the target while the handler writes to it; nothing was done")
