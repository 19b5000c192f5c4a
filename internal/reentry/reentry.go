// Package reentry tells whether the calling goroutine is inside a given
// function: how a handler notices a record logged from inside its own call
// to user code (a breach target, a BeforeSend hook) and breaks the cycle
// instead of recursing or waiting on a lock its own goroutine holds.
//
// Go gives a goroutine no cheap identity, so the test is a walk of the
// caller's own stack for a return address inside the function. Callers keep
// it off the hot path with a counter of calls in progress: while it is zero,
// no goroutine can be inside, and nothing is walked.
package reentry

import (
	"reflect"
	"runtime"
)

// Range is the span of addresses of one function's code.
type Range struct{ lo, hi uintptr }

// CodeRange returns the range of fn's code, which must be a top-level
// function (not a closure or a method value), found once at init. A range
// rather than the one call's address, because a profile-guided build may
// split a call by its target's type.
func CodeRange(fn any) Range {
	lo := reflect.ValueOf(fn).Pointer()
	hi := lo
	for {
		f := runtime.FuncForPC(hi + 1)
		if f == nil || f.Entry() != lo {
			return Range{lo, hi}
		}
		hi++
	}
}

// OnStack reports whether a call of the function r spans is in progress on
// the calling goroutine.
func (r Range) OnStack() bool {
	var pcs [32]uintptr
	for skip := 2; ; skip += len(pcs) {
		n := runtime.Callers(skip, pcs[:])
		for _, pc := range pcs[:n] {
			// A return address points after the call instruction, so it is
			// above the entry and at most at the last byte.
			if pc > r.lo && pc <= r.hi {
				return true
			}
		}
		if n < len(pcs) {
			return false
		}
	}
}
