package victoria

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.slogx.dev/internal/shipper"
	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/wire"
)

// Errors returned by [Handler.Handle]. Each one refers to a record that was
// counted in [Stats] or written to the fallback, never lost silently.
// [slog.Logger] ignores them; they are for code that calls Handle directly.
var (
	// ErrQueueFull: the queue was full and the record was dropped.
	ErrQueueFull = sink.ErrQueueFull
	// ErrTooLarge: the record could not be shortened below MaxLineBytes.
	ErrTooLarge = sink.ErrTooLarge
	// ErrClosed: the handler is closed; the record went to the fallback.
	ErrClosed = sink.ErrClosed
	// ErrReentrant: after Close, Options.Fallback logged through this
	// handler while being written to; see [Drops].Reentrant.
	ErrReentrant = sink.ErrReentrant
)

// Handler is a [slog.Handler] that ships records to VictoriaLogs. Create one
// with [New]; it and every handler derived from it with WithAttrs or
// WithGroup share one queue and one sender, so Flush, Close and Stats on
// any of them act on all.
type Handler struct {
	f shipper.Face
}

// New returns a handler for opts and starts its sender. A bad option is
// reported here, with every problem found, rather than at log time.
func New(opts Options) (*Handler, error) {
	cfg, err := opts.config()
	if err != nil {
		// Report the sink's objections too, so one run shows every
		// problem; a placeholder stands in for endpoints that failed here.
		sc := cfg.sink
		if len(sc.Endpoints) == 0 {
			sc.Endpoints = []string{defaultURL}
		}
		return nil, fmt.Errorf("victoria: bad options: %w", errors.Join(err, sc.Validate()))
	}
	// slog's key names: the requests say _msg_field=msg&_time_field=time.
	format, err := wire.New(wire.NDJSON, wire.Options{AddSource: opts.AddSource, ReplaceAttr: opts.ReplaceAttr})
	if err != nil {
		return nil, fmt.Errorf("victoria: bad options: %w", err)
	}
	s, err := sink.New(cfg.sink)
	if err != nil {
		return nil, fmt.Errorf("victoria: bad options: %w", err)
	}
	return &Handler{f: shipper.New(shipper.Config{
		Name:      "victoria",
		Queue:     s,
		Encoder:   format.Encoder(),
		Level:     opts.Level,
		MaxLine:   cfg.maxLine,
		LimitName: "MaxLineBytes",
	})}, nil
}

// Enabled reports whether the handler handles records at the given level:
// those at or above Options.Level (default [slog.LevelInfo]).
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool { return h.f.Enabled(level) }

// WithAttrs returns a handler whose records carry attrs, encoded once here.
// If attrs holds [go.slogx.dev/slogx.LocalOnly], no record of the new handler is sent.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{f: h.f.WithAttrs(attrs)}
}

// WithGroup returns a handler that puts later attributes in group name;
// VictoriaLogs stores them as fields "name.key".
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{f: h.f.WithGroup(name)}
}

// Handle encodes r and queues it for sending; it never waits on the
// network itself. Host-local records ([go.slogx.dev/slogx.LocalOnly] on the record, its context
// or the handler) are counted in Stats.Local and not sent.
//
// It returns nil when the record was queued, and otherwise one of
// [ErrQueueFull], [ErrTooLarge], [ErrClosed] or [ErrReentrant], with the
// record counted. With the default Overflow [Backpressure] it may wait,
// at most BlockTimeout, for room in a full queue while the server takes
// batches.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error { return h.f.Handle(ctx, &r) }

// Flush sends every record logged before the call and waits until each is
// delivered, or dropped or written to the fallback and counted, or kept in
// Options.Spool (Flush does not wait for the spool to drain). If ctx ends
// first it returns ctx.Err(); the records stay queued. After Close it
// returns [ErrClosed].
func (h *Handler) Flush(ctx context.Context) error { return h.f.Flush(ctx) }

// Close stops the handler: it delivers what is queued within
// Options.CloseTimeout, writes what is left to Options.Fallback, and returns
// when its goroutine has exited. The error, if any, summarises every record
// the handler accepted but did not deliver over its life. Later calls return
// the same. Records logged after Close go to the fallback.
func (h *Handler) Close() error { return h.f.Close() }

// Stats returns the handler's counters, shared by all derived handlers.
func (h *Handler) Stats() Stats { return h.f.Stats() }
