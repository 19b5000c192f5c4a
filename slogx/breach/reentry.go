package breach

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync/atomic"
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
// Telling such a record apart costs nothing while no goroutine is inside
// a target: inTarget counts the calls in progress, in every breach
// handler. Otherwise the logging goroutine looks for the call on its own
// stack, by the return address of the one place that calls a target.

// inTarget counts the goroutines inside callTarget.
var inTarget atomic.Int64

// targetReturnPC is the return address of the target call in callTarget,
// as it appears in a stack trace; found once by calling callTarget.
var targetReturnPC = func() uintptr {
	var p pcProbe
	_ = callTarget(context.Background(), &p, slog.Record{})
	return p.pc
}()

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
	if inTarget.Load() == 0 {
		return false
	}
	var pcs [32]uintptr
	for skip := 2; ; skip += len(pcs) {
		n := runtime.Callers(skip, pcs[:])
		for _, pc := range pcs[:n] {
			if pc == targetReturnPC {
				return true
			}
		}
		if n < len(pcs) {
			return false
		}
	}
}

// errReentrant is returned by Flush and Close called from inside a
// target: the flush in progress holds what they need.
var errReentrant = errors.New("breach: Flush or Close called from inside the target while the handler writes to it; nothing was done")

// pcProbe is a handler that notes the return address in its caller.
type pcProbe struct{ pc uintptr }

func (p *pcProbe) Handle(context.Context, slog.Record) error {
	var pcs [1]uintptr
	if runtime.Callers(2, pcs[:]) == 1 {
		p.pc = pcs[0]
	}
	return nil
}

func (p *pcProbe) Enabled(context.Context, slog.Level) bool { return true }
func (p *pcProbe) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p *pcProbe) WithGroup(string) slog.Handler            { return p }
