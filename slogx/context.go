package slogx

import (
	"context"
	"log/slog"

	"go.slogx.dev/internal/ctxattrs"
)

// NewContext returns a copy of ctx that carries attrs in addition to any
// attributes already stored in ctx by NewContext.
//
// Every slogx handler writes these attributes at the top level of each record
// logged with the returned context, right after the built-in keys, even when
// the handler was derived with [slog.Logger.WithGroup]. That keeps request
// and correlation IDs at the root of the JSON object, where log backends look
// for them.
//
// Passing [LocalOnly] marks every record logged with the context as
// host-local.
func NewContext(ctx context.Context, attrs ...slog.Attr) context.Context {
	return ctxattrs.With(ctx, attrs...)
}

// ContextAttrs returns the attributes stored in ctx by [NewContext], for
// handlers written outside slogx. The caller must not modify the slice.
func ContextAttrs(ctx context.Context) []slog.Attr {
	as, _ := ctxattrs.From(ctx)
	return as
}

// LocalOnly returns an attribute that marks a record as host-local: local
// handlers such as [JSONHandler] print the record (without the marker), and
// sinks that ship records off the host never send it.
//
// Add it to a single call (slog.Info("msg", slogx.LocalOnly())), to a logger
// (logger.With(slogx.LocalOnly())), or to a context ([NewContext]).
//
// The marker resolves to the empty attribute, so handlers outside slogx drop
// it from their output as well.
func LocalOnly() slog.Attr { return ctxattrs.LocalOnly() }

// IsLocal reports whether a record logged with ctx is host-local because ctx
// or the record itself carries [LocalOnly]. Handlers that ship records
// elsewhere call it; markers bound with WithAttrs are the handler's to track.
func IsLocal(ctx context.Context, r slog.Record) bool {
	if _, local := ctxattrs.From(ctx); local {
		return true
	}
	return ctxattrs.RecordIsLocal(r)
}
