package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/slogx"
)

// Handler is a [slog.Handler] that holds records back in a bounded buffer
// and writes them to its target only when trouble happens: a record at or
// above [Options.FlushLevel], or one that [Options.Trigger] picks, makes it
// write the buffered lead-up, oldest first, and then that record.
//
// Handlers derived with WithAttrs and WithGroup share the buffers, the
// counters and the lifecycle of the handler they come from. All methods may
// be called concurrently.
type Handler struct {
	c *core
	// target is the target derived with exactly this handler's attributes
	// and groups, once, when the handler is derived.
	target slog.Handler
}

// core is the state shared by a handler and everything derived from it.
type core struct {
	cfg    config
	root   slog.Handler // the target as given to New, for the heartbeat
	shared *buffer
	start  time.Time // clock reading at New; pass-through deadlines count from it

	// flushMu orders writes to the target. A flush (drain, write the batch,
	// write the trigger) holds it exclusively, so two flushes never
	// interleave and each drains only after the previous one is written.
	// Direct writes (pass-through, heartbeat) hold it shared, so they never
	// land inside a batch. Logging into a buffer never takes it.
	flushMu sync.RWMutex
	batch   []entry // reused by flushes; guarded by flushMu

	scopesMu sync.Mutex
	live     map[*scope]*buffer // scopes holding a buffer of this handler
	pool     sync.Pool          // *buffer, for scopes

	stats counters

	closeOnce sync.Once
	stop      chan struct{} // closed by Close; nil without heartbeat
	done      chan struct{} // closed when the heartbeat goroutine returns
}

type counters struct {
	evicted       atomic.Uint64 // by scope buffers since released, added under scopesMu
	flushed       atomic.Uint64
	triggers      atomic.Uint64
	discarded     atomic.Uint64
	abandoned     atomic.Uint64
	failed        atomic.Uint64
	droppedScopes atomic.Uint64
	reentrant     atomic.Uint64
}

// New returns a [Handler] that buffers records for target, configured by
// opts; a nil opts means the defaults documented on [Options].
//
// A bad option, or a nil target, is reported here with every problem found
// (see [Options]), rather than at log time. If [Options.Heartbeat] is set,
// New starts a goroutine that only [Handler.Close] stops.
func New(target slog.Handler, opts *Options) (*Handler, error) {
	cfg, err := newConfig(opts)
	if isNil(target) {
		err = errors.Join(fmt.Errorf("breach: the target handler is nil (%T)", target), err)
	}
	if err != nil {
		return nil, err
	}
	c := &core{
		cfg:    cfg,
		root:   target,
		shared: newBuffer(cfg.capacity, cfg.maxBytes, sharedShards()),
		start:  cfg.clock.Now(),
		live:   make(map[*scope]*buffer),
	}
	if cfg.heartbeat > 0 {
		c.stop = make(chan struct{})
		c.done = make(chan struct{})
		go c.heartbeatLoop(cfg.clock.NewTicker(cfg.heartbeat))
	}
	return &Handler{c: c, target: target}, nil
}

// isNil reports whether h is nil or a nil pointer, whose methods would
// dereference nil at log time.
func isNil(h slog.Handler) bool {
	if h == nil {
		return true
	}
	v := reflect.ValueOf(h)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// Middleware returns a [slogx.Middleware] that puts a [Handler] configured
// by opts in front of the next stage:
//
//	slogx.Pipe(sink, breach.Middleware(&breach.Options{FlushLevel: slog.LevelError}))
//
// A middleware cannot return an error, so Middleware checks opts at once
// and panics with [New]'s error if they are bad, as [regexp.MustCompile]
// does: the mistake shows when the pipeline is built, never at log time.
// Call New to get the error instead. The returned middleware panics if next
// is nil, as [slog.New] does.
//
// Each call of the returned middleware builds a separate Handler. The
// handler flushes and closes only itself; [slogx.Pipe] reaches the stages
// below it.
func Middleware(opts *Options) slogx.Middleware {
	if _, err := newConfig(opts); err != nil {
		panic(err.Error())
	}
	return func(next slog.Handler) slog.Handler {
		h, err := New(next, opts)
		if err != nil {
			panic(err.Error())
		}
		return h
	}
}

// Enabled reports whether a record at level would be kept: it is at or
// above [Options.Level] and the target is enabled for it.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.c.cfg.level.Level() && h.target.Enabled(ctx, level)
}

// WithAttrs returns a handler that shares h's buffers and writes records
// through the target derived with attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &Handler{c: h.c, target: h.target.WithAttrs(attrs)}
}

// WithGroup returns a handler that shares h's buffers and writes records
// through the target derived with the group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &Handler{c: h.c, target: h.target.WithGroup(name)}
}

// Handle decides what happens to r, in this order:
//
//   - below [Options.Level]: discarded;
//   - a trigger ([Options.FlushLevel] or [Options.Trigger]): the buffer of
//     r's scope (see [NewScope]), or the shared buffer, is written to the
//     target oldest first, then r;
//   - at or above [Options.PassThroughLevel], or within
//     [Options.PassThroughAfterTrigger] of its buffer's last trigger:
//     written to the target at once;
//   - otherwise: buffered, evicting the oldest record if the buffer is full.
//
// A record written at once goes ahead of older records still buffered; a
// later flush writes those after it. Handle returns the target's errors for
// what it wrote; buffering itself cannot fail.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.c
	if r.Level < c.cfg.level.Level() {
		return nil
	}
	s := scopeFrom(ctx)
	// Logged by the target while a breach handler writes to it: buffered,
	// never written at once (see reentry.go).
	inside := reentrant()
	if inside {
		c.stats.reentrant.Add(1)
	} else {
		if r.Level >= c.cfg.flushLevel.Level() || c.customTrigger(ctx, r) {
			return h.trigger(ctx, r, s)
		}
		if c.cfg.passLevel != nil && r.Level >= c.cfg.passLevel.Level() {
			return h.direct(ctx, r)
		}
	}
	if s != nil {
		if b := c.scopeBuffer(s); b != nil {
			// The read lock keeps the scope from ending, and its buffer from
			// going to another scope, while the record goes in.
			s.mu.RLock()
			if !s.ended {
				pass := !inside && c.passing(b)
				if !pass {
					h.buffer(ctx, &r, b)
				}
				s.mu.RUnlock()
				if pass {
					return h.direct(ctx, r)
				}
				return nil
			}
			s.mu.RUnlock()
		}
	}
	if !inside && c.passing(c.shared) {
		return h.direct(ctx, r)
	}
	h.buffer(ctx, &r, c.shared)
	return nil
}

func (h *Handler) buffer(ctx context.Context, r *slog.Record, b *buffer) {
	var e entry
	e.capture(ctx, r, h.target)
	b.push(&e)
}

// direct writes r to the target now, outside any flush.
func (h *Handler) direct(ctx context.Context, r slog.Record) error {
	h.c.flushMu.RLock()
	defer h.c.flushMu.RUnlock()
	return callTarget(ctx, h.target, r)
}

// trigger writes the lead-up of r, then r. The flush lock is taken before
// draining, so records are written in the order they were buffered even
// when triggers race; the target is never called with a scope lock held.
func (h *Handler) trigger(ctx context.Context, r slog.Record, s *scope) error {
	c := h.c
	c.stats.triggers.Add(1)
	var b *buffer // the scope's buffer; nil means the shared one
	if s != nil {
		b = c.scopeBuffer(s)
	}

	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	batch := c.batch[:0]
	scoped := false
	if b != nil {
		s.mu.RLock()
		if !s.ended {
			batch = b.drainSettled(batch)
			scoped = true
		}
		s.mu.RUnlock()
	}
	if !scoped {
		batch = c.shared.drainSettled(batch)
	}
	// A trigger is often a cancelled request: its context must not cut
	// its own lead-up short.
	berr := c.writeBatch(context.Background(), batch)
	clear(batch) // keep no records alive between flushes
	c.batch = batch[:0]
	err := callTarget(ctx, h.target, r)

	if c.cfg.passAfter > 0 {
		until := c.elapsed() + int64(c.cfg.passAfter)
		if scoped {
			s.mu.RLock()
			if !s.ended {
				b.passUntil.Store(until)
			}
			s.mu.RUnlock()
		} else {
			c.shared.passUntil.Store(until)
		}
	}
	return errors.Join(berr, err)
}

// customTrigger asks Options.Trigger; a panic counts as a trigger.
func (c *core) customTrigger(ctx context.Context, r slog.Record) (t bool) {
	if c.cfg.trigger == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			t = true
		}
	}()
	return c.cfg.trigger(ctx, r.Clone())
}

// passing reports whether b is within PassThroughAfterTrigger of its last
// trigger. The clock is read only while a deadline is set.
func (c *core) passing(b *buffer) bool {
	if c.cfg.passAfter == 0 {
		return false
	}
	until := b.passUntil.Load()
	if until == 0 {
		return false
	}
	if c.elapsed() < until {
		return true
	}
	b.passUntil.CompareAndSwap(until, 0)
	return false
}

func (c *core) elapsed() int64 { return int64(c.cfg.clock.Now().Sub(c.start)) }

// writeBatch writes buffered records through the targets they were logged
// with, each with a context that carries its context attributes again. It
// stops when ctx is done; what is left is counted as abandoned. Must be
// called with flushMu held.
func (c *core) writeBatch(ctx context.Context, batch []entry) error {
	var (
		first   error
		failed  int
		rctx    = context.Background()
		last    *slog.Attr // identity of the context attributes rctx carries
		lastLen int
		lastLoc bool
	)
	for i := range batch {
		if err := ctx.Err(); err != nil {
			c.stats.abandoned.Add(uint64(len(batch) - i))
			return errors.Join(err, batchError(first, failed, i))
		}
		e := &batch[i]
		// Records of one request share one attribute slice: build a context
		// once per run of them rather than once per record.
		if p := unsafe.SliceData(e.ctxAttrs); p != last || len(e.ctxAttrs) != lastLen || e.local != lastLoc {
			rctx = flushContext(e.ctxAttrs, e.local)
			last, lastLen, lastLoc = p, len(e.ctxAttrs), e.local
		}
		if err := handleSafely(rctx, e.target, e.rec); err != nil {
			c.stats.failed.Add(1)
			failed++
			if first == nil {
				first = err
			}
		}
		c.stats.flushed.Add(1)
	}
	return batchError(first, failed, len(batch))
}

func batchError(first error, failed, n int) error {
	if failed == 0 {
		return nil
	}
	return fmt.Errorf("breach: the target failed %d of %d buffered records, the first with: %w", failed, n, first)
}

// flushContext returns a context that carries what a record's log context
// carried: its slogx context attributes and the local-only marker.
func flushContext(attrs []slog.Attr, local bool) context.Context {
	ctx := context.Background()
	if len(attrs) > 0 {
		ctx = ctxattrs.With(ctx, attrs...)
	}
	if local {
		ctx = ctxattrs.With(ctx, ctxattrs.LocalOnly())
	}
	return ctx
}

// handleSafely keeps one bad record (a panicking target or value) from
// losing the rest of a batch.
func handleSafely(ctx context.Context, h slog.Handler, r slog.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("breach: target %T panicked: %v", h, p)
		}
	}()
	return callTarget(ctx, h, r)
}
