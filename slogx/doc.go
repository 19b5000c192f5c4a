/*
Package slogx is a family of [log/slog] handlers that snap together.

An application keeps calling slog.Info and friends; what it composes decides
where records go:

	debug := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(slogx.Pipe(
		slogx.Fanout(slogx.NewJSONHandler(os.Stdout, debug), sink), // sink at LevelDebug too
		redact.Middleware(nil), // mask secrets first
		breach.Middleware(&breach.Options{
			PassThroughLevel: slog.LevelInfo, // INFO is written at once
		}), // DEBUG is held; a WARN or ERROR writes it first, as its lead-up
	))

Every target is at DEBUG because breach buffers only what its target would
write: the targets' level says what may appear, and breach decides when. A
target left at its default INFO never shows the DEBUG lead-up. sink stands for
a shipping handler, such as one from slogx/victoria made with Level:
slog.LevelDebug.

Every stage is an ordinary [slog.Handler] that honours WithAttrs and WithGroup
exactly as [slog.JSONHandler] does, so any stage can also sit in front of a
handler written elsewhere.

# JSONHandler

[JSONHandler] is a drop-in replacement for [slog.JSONHandler]: for the same
record and [slog.HandlerOptions] it writes byte-for-byte the same output,
including the corner cases (escaping of control characters, U+2028 and
U+2029 and invalid UTF-8; NaN and infinities; years outside 0..9999; errors
that marshal themselves; LogValuers that panic or never stop; ReplaceAttr on
the built-in attributes with the list of open groups). It is checked against
slog.JSONHandler by a differential test over generated records and by a fuzz
target. One difference cannot be avoided: when a LogValue method panics,
slog's message includes a call stack, which names the handler's own
functions.

# Composition

[Fanout] sends each record to several handlers; [Pipe] wraps a handler in
[Middleware] stages, the first one outermost. Handlers that buffer or own
goroutines implement [Flusher] and [io.Closer]; Fanout and Pipe pass Flush and
Close on to every child or stage that has them, and [Flush] and [Close] do the
same for any handler. Like [slog.New], Fanout and Pipe panic on a nil handler,
typed nil pointers included, so that a handler whose constructor failed is
caught when the pipeline is built rather than at the first log call.

# Context attributes and local-only records

[NewContext] stores attributes in a [context.Context]. Every slogx handler
writes them at the top level of each record logged with that context, even
from a logger inside a group, so request and correlation IDs stay where log
backends look for them.

[LocalOnly] marks a record, a logger or a context as host-local: local
handlers print such records, and sinks that ship records elsewhere never send
them.

# HTTP services

[HTTP] wraps an [net/http.Handler] (typically a whole [net/http.ServeMux])
so that every record of a request carries its id: the client's
X-Request-ID, the trace id of a W3C traceparent, or a fresh one, stored with
NewContext. It writes one access record per request (method, the ServeMux
pattern that matched, path, status, duration, bytes, remote address, user
agent), recovers panics, and, through [HTTPOptions].Scope, runs each request
in its own breach scope:

	handler := slogx.HTTP(mux, &slogx.HTTPOptions{
		Logger: logger,
		Scope:  breach.NewScope, // a failing request writes its own lead-up
		Skip:   []string{"/health"},
	})

[Stack] adds the stack of the code that logged to records at or above a
level (ERROR by default), trimmed of slog's and slogx's frames.

# Performance

JSONHandler encodes into pooled buffers with the shared encoder in
internal/ndjson and writes each record with one Write call under a mutex
shared by all handlers derived from it, as slog does. Attributes given to
WithAttrs are encoded once, when the handler is derived. For ordinary values
(strings, numbers, durations, times, errors) a record costs no allocation and
about half the time slog.JSONHandler takes; values of other types (maps,
structs, slices) go through encoding/json exactly as slog does. Run
`make bench` for the figures on your machine.
*/
package slogx
