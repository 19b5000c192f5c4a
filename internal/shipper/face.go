// Package shipper is the slog-facing half that slogx/victoria and
// slogx/remote share: Handle (level, host-local records, a BeforeSend hook,
// encoding once into a buffer of the sink's pool, shortening long lines),
// WithAttrs and WithGroup, Stats, and the option types and checks both
// expose. A face keeps only what is its own: endpoint URLs and query
// parameters, and a wire format's encoder, framing and response rules.
package shipper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/reentry"
	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/wire"
)

// Queue is where a face's encoded records go: a *sink.Sink, or in
// development mode a writer.
type Queue interface {
	Buffer(n int) *[]byte
	Release(b *[]byte)
	EnqueueOwned(b *[]byte) error
	DropTooLarge(err error)
	CountTruncated()
	CountLocal()
	Flush(ctx context.Context) error
	Close() error
	Stats() sink.Stats
}

// Config configures a [Face].
type Config struct {
	// Name prefixes errors, e.g. "victoria".
	Name  string
	Queue Queue
	// Encoder is the root encoder of the face's wire format: no
	// attributes, no groups. One concrete type for every format keeps
	// Handle's calls direct, so the record stays on the stack.
	Encoder *wire.Encoder
	// Level is the minimum level; nil means slog.LevelInfo.
	Level slog.Leveler
	// MaxLine is the longest encoded record sent as it is, and LimitName
	// the option that sets it, for errors ("MaxLineBytes").
	MaxLine   int
	LimitName string
	// BeforeSend, if set, sees every record before it is encoded.
	BeforeSend func(ctx context.Context, r *slog.Record) bool
}

// Face is the shared Handle path. A face's Handler holds one by value and
// forwards to it; Faces derived with WithAttrs and WithGroup share a core.
type Face struct {
	enc *wire.Encoder
	c   *core
}

// core is what derived faces share.
type core struct {
	Config
	// sizeHint is the room asked of the sink's pool, a power of two, so
	// that encoding rarely outgrows its buffer: a buffer that grows is an
	// allocation, and its odd capacity is not pooled again. It rises at
	// once to fit a larger record and halves with each record under a
	// quarter of it, so that records of mixed sizes share one size class
	// while one large record does not size every later buffer (the sink
	// caps what it hands out at its largest pooled size anyway).
	sizeHint atomic.Int64

	filtered, hookPanics, hookReentrant atomic.Uint64
	errMu                               sync.Mutex
	hookErr                             error
	hookErrAt                           time.Time
}

// New returns the root face for cfg.
func New(cfg Config) Face {
	if cfg.Level == nil {
		cfg.Level = slog.LevelInfo
	}
	return Face{enc: cfg.Encoder, c: &core{Config: cfg}}
}

// Enabled reports whether level is at or above the configured level.
func (f Face) Enabled(level slog.Level) bool { return level >= f.c.Level.Level() }

// WithAttrs returns a face whose records carry as, encoded once here.
func (f Face) WithAttrs(as []slog.Attr) Face { return Face{enc: f.enc.WithAttrs(as), c: f.c} }

// WithGroup returns a face that puts later attributes in group name.
func (f Face) WithGroup(name string) Face { return Face{enc: f.enc.WithGroup(name), c: f.c} }

// recordPool holds the records handed to BeforeSend: a record on the heap
// that is reused, so the hook costs no allocation per record.
var recordPool = sync.Pool{New: func() any { return new(slog.Record) }}

// Handle filters, encodes and queues r. r is passed by pointer so that the
// 300-byte record is not copied on the way; it is not modified or kept.
func (f Face) Handle(ctx context.Context, r *slog.Record) error {
	c := f.c
	ctxAttrs, local := ctxattrs.From(ctx)
	if local || f.enc.Local() {
		c.Queue.CountLocal()
		return nil
	}
	if c.BeforeSend != nil {
		if inHook.Load() != 0 && hookCode.OnStack() {
			// Logged from inside a BeforeSend: running the hook again
			// would recurse without end, and sending the record without
			// it would skip what the hook is there to do.
			c.hookReentrant.Add(1)
			return ErrHookReentrant
		}
		hr := recordPool.Get().(*slog.Record)
		// Clone: the hook may add attributes, which must not write into an
		// array the caller's record shares.
		*hr = r.Clone()
		keep, panicked := callHook(f, ctx, hr)
		rec := *hr
		*hr = slog.Record{}
		recordPool.Put(hr)
		if panicked || !keep {
			return nil
		}
		return f.handle(&rec, ctxAttrs)
	}
	return f.handle(r, ctxAttrs)
}

// ErrHookReentrant is what Handle returns for a record logged from inside
// a BeforeSend hook through the handler that runs it. The record is not
// sent; it is counted in Stats.HookReentrant.
var ErrHookReentrant = errors.New("record logged from inside BeforeSend through the same handler; not sent")

// inHook counts the goroutines inside callHook, so that telling whether a
// log call comes from inside a hook costs nothing while none runs.
var inHook atomic.Int64

// hookCode spans the code of callHook; see [reentry].
var hookCode = reentry.CodeRange(callHook)

// callHook runs BeforeSend, recovering and counting a panic. It is the one
// place the hook is called, so that a call in progress can be found on the
// stack.
//
//go:noinline
func callHook(f Face, ctx context.Context, r *slog.Record) (keep, panicked bool) {
	inHook.Add(1)
	defer inHook.Add(-1)
	defer func() {
		if p := recover(); p != nil {
			keep, panicked = false, true
			f.c.hookPanics.Add(1)
			f.c.errMu.Lock()
			// The panic value is the program's, not ours; it is reported by
			// type only, since it may hold anything, secrets included.
			f.c.hookErr = fmt.Errorf("%s: BeforeSend panicked (%T); the record was not sent", f.c.Name, p)
			f.c.hookErrAt = time.Now()
			f.c.errMu.Unlock()
		}
	}()
	keep = f.c.BeforeSend(ctx, r)
	if !keep {
		f.c.filtered.Add(1)
	}
	return keep, false
}

func (f Face) handle(r *slog.Record, ctxAttrs []slog.Attr) error {
	c := f.c
	// Encode straight into a buffer of the sink's pool and hand it over: one
	// pooled buffer and no copy per record.
	buf := c.Queue.Buffer(int(c.sizeHint.Load()))
	var local bool
	*buf, local = f.enc.AppendRecord(*buf, r, ctxAttrs)
	if local {
		c.Queue.Release(buf)
		c.Queue.CountLocal()
		return nil
	}
	switch n, hint := int64(len(*buf)), c.sizeHint.Load(); {
	case n > hint:
		c.sizeHint.Store(int64(1) << bits.Len64(uint64(n-1)))
	case n < hint/4:
		c.sizeHint.Store(hint / 2)
	}
	if len(*buf) > c.MaxLine {
		return f.handleLong(buf, r, ctxAttrs)
	}
	return c.Queue.EnqueueOwned(buf)
}

// Flush, Close and Stats act on the queue every derived face shares.
func (f Face) Flush(ctx context.Context) error { return f.c.Queue.Flush(ctx) }

// Close closes the queue.
func (f Face) Close() error { return f.c.Queue.Close() }

// Stats returns the shared counters.
func (f Face) Stats() Stats {
	st := statsFrom(f.c.Queue.Stats())
	st.Filtered = f.c.filtered.Load()
	st.HookPanics = f.c.hookPanics.Load()
	st.HookReentrant = f.c.hookReentrant.Load()
	f.c.errMu.Lock()
	if f.c.hookErr != nil && f.c.hookErrAt.After(st.LastErrorAt) {
		st.LastError, st.LastErrorAt = f.c.hookErr, f.c.hookErrAt
	}
	f.c.errMu.Unlock()
	return st
}
