package slogx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
)

// Flusher is implemented by handlers that buffer records: Flush delivers what
// is buffered, or gives up when ctx is done.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Flush flushes h if it implements [Flusher]; otherwise it does nothing.
func Flush(ctx context.Context, h slog.Handler) error {
	if f, ok := h.(Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}

// Close closes h if it implements [io.Closer]; otherwise it does nothing.
func Close(h slog.Handler) error {
	if c, ok := h.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// A Middleware wraps a handler in another one: redaction, buffering,
// enrichment. The returned handler passes records on to next.
//
// A middleware's handler flushes and closes only its own state; [Pipe] calls
// Flush and Close on every stage in order, so no stage has to forward them.
type Middleware func(next slog.Handler) slog.Handler

// Pipe returns h wrapped in mws. The first middleware is the outermost: it
// sees a record first.
//
//	slogx.Pipe(sink, redact.Middleware(nil), breach.Middleware(nil))
//
// sends each record through redact, then breach, then sink.
//
// The returned handler's Flush and Close call Flush and Close on every stage
// that has them, outermost first, so that a stage's buffered records reach
// the stages below it before those are flushed or closed.
//
// Pipe panics if h is nil (untyped, or a nil pointer such as the
// *victoria.Handler of a New whose error was ignored), if a middleware is
// nil, or if one returns a nil handler, as [slog.New] panics on a nil
// handler: a pipeline with a hole in it would otherwise panic at the first
// log call, or drop every record without a word.
func Pipe(h slog.Handler, mws ...Middleware) slog.Handler {
	mustHandler("Pipe", "the handler", h)
	if len(mws) == 0 {
		return h
	}
	stages := make([]slog.Handler, len(mws)+1)
	stages[len(mws)] = h
	for i := len(mws) - 1; i >= 0; i-- {
		if mws[i] == nil {
			panic(fmt.Sprintf("slogx: Pipe: middleware %d is nil", i))
		}
		h = mws[i](h)
		mustHandler("Pipe", fmt.Sprintf("the handler middleware %d returned", i), h)
		stages[i] = h
	}
	return &pipe{head: h, stages: stages}
}

type pipe struct {
	head   slog.Handler
	stages []slog.Handler // outermost first; shared by derived pipes
}

func (p *pipe) Enabled(ctx context.Context, l slog.Level) bool { return p.head.Enabled(ctx, l) }

func (p *pipe) Handle(ctx context.Context, r slog.Record) error { return p.head.Handle(ctx, r) }

func (p *pipe) WithAttrs(as []slog.Attr) slog.Handler {
	return &pipe{head: p.head.WithAttrs(as), stages: p.stages}
}

func (p *pipe) WithGroup(name string) slog.Handler {
	if name == "" {
		return p
	}
	return &pipe{head: p.head.WithGroup(name), stages: p.stages}
}

// Flush flushes every stage that buffers, outermost first.
func (p *pipe) Flush(ctx context.Context) error {
	var errs []error
	for _, s := range p.stages {
		if err := Flush(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every stage that has Close, outermost first.
func (p *pipe) Close() error {
	var errs []error
	for _, s := range p.stages {
		if err := Close(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Fanout returns a handler that sends each record to every handler in hs that
// is enabled for its level.
//
// Each child gets its own clone of the record, so a child that keeps or
// modifies it cannot disturb the others. A child that returns an error or
// panics does not stop the others: Handle returns their errors joined, a
// panic turned into an error. Flush and Close reach every child that has
// them.
//
// Fanout panics if a child is nil, untyped or a nil pointer (say the
// *victoria.Handler of a New whose error was ignored), as [slog.New] panics
// on a nil handler: such a child would panic at the first log call, or, if
// skipped, lose every record meant for it without a word.
func Fanout(hs ...slog.Handler) slog.Handler {
	for i, h := range hs {
		mustHandler("Fanout", fmt.Sprintf("handler %d", i), h)
	}
	return &fanout{children: append([]slog.Handler(nil), hs...)}
}

// mustHandler panics, naming what and where, if h is nil or a nil pointer,
// map, slice, func or channel: a value whose methods would dereference nil.
func mustHandler(fn, what string, h slog.Handler) {
	if h == nil {
		panic(fmt.Sprintf("slogx: %s: %s is nil", fn, what))
	}
	switch v := reflect.ValueOf(h); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		if v.IsNil() {
			panic(fmt.Sprintf("slogx: %s: %s is a nil %T", fn, what, h))
		}
	}
}

type fanout struct {
	children []slog.Handler
}

func (f *fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f.children {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f *fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range f.children {
		if !h.Enabled(ctx, r.Level) {
			continue
		}
		if err := handleSafely(ctx, h, r.Clone()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func handleSafely(ctx context.Context, h slog.Handler, r slog.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("slogx: handler %T panicked: %v", h, p)
		}
	}()
	return h.Handle(ctx, r)
}

func (f *fanout) WithAttrs(as []slog.Attr) slog.Handler {
	children := make([]slog.Handler, len(f.children))
	for i, h := range f.children {
		// Each child owns the slice it is given (slog.Handler contract).
		children[i] = h.WithAttrs(append([]slog.Attr(nil), as...))
	}
	return &fanout{children: children}
}

func (f *fanout) WithGroup(name string) slog.Handler {
	if name == "" {
		return f
	}
	children := make([]slog.Handler, len(f.children))
	for i, h := range f.children {
		children[i] = h.WithGroup(name)
	}
	return &fanout{children: children}
}

// Flush flushes every child that buffers and returns their errors joined.
func (f *fanout) Flush(ctx context.Context) error {
	var errs []error
	for _, h := range f.children {
		if err := Flush(ctx, h); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every child that has Close and returns their errors joined.
func (f *fanout) Close() error {
	var errs []error
	for _, h := range f.children {
		if err := Close(h); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
