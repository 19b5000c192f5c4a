package slogx

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// StackOptions configure [Stack]. The zero value, like a nil *StackOptions,
// gives the defaults documented on each field.
type StackOptions struct {
	// Level is the lowest level whose records get a stack. Default
	// [slog.LevelError]: as zap's AddStacktrace(ErrorLevel), the records
	// someone will debug, and rare enough that capturing costs nothing
	// noticeable.
	Level slog.Leveler

	// Key is the attribute's key. Default "stack".
	Key string

	// MaxFrames bounds the frames written, counted from the log call
	// outwards. Default 32: deep enough for any handler chain a program
	// has, short enough that a deep recursion cannot blow up a record.
	MaxFrames int
}

// Stack returns a middleware that adds the stack of the goroutine that
// logs to each record at or above [StackOptions.Level], as one string
// attribute: a line with the function, then a tab-indented line with
// file:line, per frame, innermost first, as runtime/debug.Stack prints them.
// Frames of log/slog, log and slogx's own packages are left out, so the
// first frame is the log call.
//
// The stack is that of the goroutine that calls Handle, so put Stack in
// front of anything that hands records to other goroutines or holds them
// back (first in [Pipe]). Records below the level pass through untouched,
// at the cost of a level comparison. A record that already has an attribute
// with the key (as the panic record of [HTTP] has) keeps it and gets none,
// and so does a record slogx logs itself (the access record of [HTTP]),
// whose stack would show only net/http.
// The attribute joins the record's own
// attributes, so it is inside any group opened with WithGroup.
func Stack(opts *StackOptions) Middleware {
	c := stackConfig{level: slog.LevelError, key: "stack", maxFrames: 32}
	if opts != nil {
		if opts.Level != nil {
			c.level = opts.Level
		}
		if opts.Key != "" {
			c.key = opts.Key
		}
		if opts.MaxFrames > 0 {
			c.maxFrames = min(opts.MaxFrames, maxStackFrames)
		}
	}
	return func(next slog.Handler) slog.Handler { return &stackHandler{next: next, c: c} }
}

// maxStackFrames caps MaxFrames: runtime.Callers fills a buffer of this
// size, and no reader goes through more frames than this.
const maxStackFrames = 1024

type stackConfig struct {
	level     slog.Leveler
	key       string
	maxFrames int
}

type stackHandler struct {
	next slog.Handler
	c    stackConfig
}

func (h *stackHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *stackHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &stackHandler{next: h.next.WithAttrs(as), c: h.c}
}

func (h *stackHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &stackHandler{next: h.next.WithGroup(name), c: h.c}
}

func (h *stackHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.c.level.Level() || hasKey(r, h.c.key) || loggedByOwn(r.PC) {
		return h.next.Handle(ctx, r)
	}
	// The record may be shared with the caller's other handlers: add to a
	// copy.
	r = r.Clone()
	r.AddAttrs(slog.String(h.c.key, captureStack(h.c.maxFrames)))
	return h.next.Handle(ctx, r)
}

// loggedByOwn reports whether slogx itself logged the record (the access
// record of HTTP): below its own frames there is only net/http's.
func loggedByOwn(pc uintptr) bool {
	if pc == 0 {
		return false
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return ownFrame(f.Function)
}

// hasKey reports whether r has a top-level attribute key already (a panic
// record that carries the panicking goroutine's stack): a second one would
// repeat the key in the output.
func hasKey(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

var pcPool = sync.Pool{New: func() any { return new([maxStackFrames]uintptr) }}

// captureStack formats the calling goroutine's stack without the frames of
// the logging machinery.
func captureStack(maxFrames int) string {
	pcs := pcPool.Get().(*[maxStackFrames]uintptr)
	defer pcPool.Put(pcs)
	// Skip runtime.Callers and captureStack; the rest of the machinery is
	// skipped by package below, as its depth depends on the pipeline.
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	var b strings.Builder
	written, skipping := 0, true
	for written < maxFrames {
		f, more := frames.Next()
		if skipping && ownFrame(f.Function) {
			if !more {
				break
			}
			continue
		}
		skipping = false
		if f.Function != "" {
			b.WriteString(f.Function)
			b.WriteString("\n\t")
			b.WriteString(f.File)
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(f.Line))
			b.WriteByte('\n')
			written++
		}
		if !more {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ownFrame reports whether fn belongs to the logging machinery a stack
// should not show: log/slog, log (whose Printf reaches slog after
// slog.SetDefault) and slogx's packages. Packages whose path merely starts
// the same way (go.slogx.dev/slogx_test, log/slogger) are not.
func ownFrame(fn string) bool {
	pkg := funcPackage(fn)
	for _, own := range []string{"log/slog", "log", "go.slogx.dev/slogx", "go.slogx.dev/internal"} {
		if pkg == own || strings.HasPrefix(pkg, own+"/") {
			return true
		}
	}
	return false
}

// funcPackage returns the import path of a function name as
// runtime.Frame.Function gives it ("go.slogx.dev/slogx.(*pipe).Handle").
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/') + 1
	if dot := strings.IndexByte(fn[slash:], '.'); dot >= 0 {
		return fn[:slash+dot]
	}
	return fn
}
