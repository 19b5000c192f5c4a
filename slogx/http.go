package slogx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"
)

// Keys of the attributes [HTTP] writes.
const (
	// RequestIDKey is the key of the request id that HTTP stores in the
	// request's context with [NewContext].
	RequestIDKey = "request_id"
	// TraceIDKey is the key of the W3C trace id, stored beside the request
	// id when the request carries a valid traceparent header.
	TraceIDKey = "trace_id"
)

// MaxRequestIDLen is the longest request id [HTTP] accepts from a client, in
// bytes; a longer one is cut. An id is copied into every record of its
// request, so a client must not be able to make each of them kilobytes
// long.
const MaxRequestIDLen = 128

// HTTPOptions configure [HTTP]. The zero value, like a nil *HTTPOptions,
// gives the defaults documented on each field.
type HTTPOptions struct {
	// Logger writes the access and panic records. Default: slog.Default(),
	// looked up for each request, so a later slog.SetDefault takes effect.
	Logger *slog.Logger

	// RequestIDHeader is the request header that carries an id assigned
	// upstream (a proxy or the calling service), and the response header
	// that tells the client the id used. Default: "X-Request-ID", the
	// de-facto standard that nginx, Heroku and most proxies set.
	RequestIDHeader string

	// NewRequestID makes an id for a request that brings none. Default: 16
	// random bytes in hex, shaped like a W3C trace id so that it can be
	// passed on as one. It must be safe for concurrent use.
	NewRequestID func() string

	// Scope, if set, is called for each request with its context, and the
	// request runs with the context it returns; the function it returns is
	// called when the request is done, after the access record. It is the
	// hook for a per-request breach scope: breach.NewScope fits as it is.
	// Default nil: no scope.
	Scope func(context.Context) (context.Context, func())

	// Skip lists request paths (URL.Path, compared exactly) that go
	// straight to the next handler: no id, no scope, no access record, no
	// panic recovery beyond net/http's own. Default none; health checks
	// ("/health", "/metrics") are the usual entries, as they are frequent
	// and say nothing.
	Skip []string

	// Level chooses the level of the access record from the response
	// status. Default: [slog.LevelError] for 500 and above (which makes a
	// breach handler flush the request's lead-up), [slog.LevelInfo]
	// otherwise.
	Level func(status int) slog.Level

	// Message is the message of the access record. Default: "http request".
	Message string
}

// HTTP wraps next so that each request is logged with an id.
//
// For each request HTTP
//
//   - takes the id from the RequestIDHeader header, or else the trace id of
//     a valid W3C traceparent header, or else makes one; an id from the
//     client keeps only the bytes A-Z a-z 0-9 and - _ . : / + = @ ~, and at
//     most [MaxRequestIDLen] of them, so that it cannot forge lines,
//     quotes or escapes in any log format;
//   - stores it under [RequestIDKey] (and the trace id under [TraceIDKey])
//     in the request's context with [NewContext], so that every record
//     logged with r.Context() carries it, and sets it on the response
//     header;
//   - runs the request in the scope of [HTTPOptions.Scope], if set;
//   - recovers a panic in next: it logs the panic value and the stack at
//     ERROR and answers 500 if nothing was written yet; if the response had
//     begun, it aborts it as net/http does (panicking with
//     [http.ErrAbortHandler] after logging). A panic with
//     http.ErrAbortHandler itself is passed on unlogged;
//   - writes one access record: method, route (the ServeMux pattern that
//     matched, when there is one), path, status, duration, bytes of body
//     written, remote address and user agent.
//
// The ResponseWriter that next sees keeps the abilities of the one it
// wraps: it implements [http.Flusher], [http.Hijacker] and [io.ReaderFrom]
// (each reports [http.ErrNotSupported] when the underlying writer lacks
// it), and Unwrap for [http.ResponseController].
//
// HTTP can wrap a whole [http.ServeMux] and still log the matched pattern:
// the mux records it on the request HTTP passes on.
//
// The id reaches a record through the context, which slogx's handlers
// write; a handler written elsewhere sees it only through [ContextAttrs].
func HTTP(next http.Handler, opts *HTTPOptions) http.Handler {
	h := &httpHandler{next: next}
	if opts != nil {
		h.o = *opts
		h.o.Skip = slices.Clone(opts.Skip)
	}
	if h.o.RequestIDHeader == "" {
		h.o.RequestIDHeader = "X-Request-ID"
	}
	if h.o.NewRequestID == nil {
		h.o.NewRequestID = newRequestID
	}
	if h.o.Level == nil {
		h.o.Level = accessLevel
	}
	if h.o.Message == "" {
		h.o.Message = "http request"
	}
	return h
}

type httpHandler struct {
	next http.Handler
	o    HTTPOptions
}

func accessLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if slices.Contains(h.o.Skip, r.URL.Path) {
		h.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	logger := h.o.Logger
	if logger == nil {
		logger = slog.Default()
	}

	traceID := traceparentID(r.Header.Get("traceparent"))
	id := sanitizeID(r.Header.Get(h.o.RequestIDHeader))
	if id == "" {
		id = traceID
	}
	if id == "" {
		id = h.o.NewRequestID()
	}
	ctx := r.Context()
	if traceID != "" {
		ctx = NewContext(ctx, slog.String(RequestIDKey, id), slog.String(TraceIDKey, traceID))
	} else {
		ctx = NewContext(ctx, slog.String(RequestIDKey, id))
	}
	if h.o.Scope != nil {
		var end func()
		ctx, end = h.o.Scope(ctx)
		if end != nil {
			defer end()
		}
	}
	w.Header().Set(h.o.RequestIDHeader, id)

	rw := &responseWriter{ResponseWriter: w}
	r = r.WithContext(ctx)
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			logger.LogAttrs(ctx, slog.LevelError, "panic serving request",
				slog.String("panic", fmt.Sprint(p)),
				slog.String("stack", string(debug.Stack())))
			if !rw.wroteHeader && !rw.hijacked {
				http.Error(rw, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
				p = nil
			} else {
				p = http.ErrAbortHandler
			}
		}
		h.access(ctx, logger, r, rw, start, p != nil)
		if p != nil {
			panic(p)
		}
	}()
	h.next.ServeHTTP(rw, r)
}

func (h *httpHandler) access(ctx context.Context, logger *slog.Logger, r *http.Request, rw *responseWriter, start time.Time, aborted bool) {
	status := rw.status
	if !rw.wroteHeader && !rw.hijacked && !aborted {
		status = http.StatusOK // what net/http sends for a handler that writes nothing
	}
	level := h.o.Level(status)
	if aborted {
		level = max(level, slog.LevelError)
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs, slog.String("method", r.Method))
	if r.Pattern != "" {
		attrs = append(attrs, slog.String("route", r.Pattern))
	}
	attrs = append(attrs,
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.Int64("bytes", rw.bytes),
		slog.String("remote_addr", r.RemoteAddr),
		slog.String("user_agent", r.UserAgent()),
	)
	if rw.hijacked {
		attrs = append(attrs, slog.Bool("hijacked", true))
	}
	if aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	logger.LogAttrs(ctx, level, h.o.Message, attrs...)
}

// sanitizeID keeps the bytes of a client's id that are safe in every log
// format and query language the sinks feed, up to MaxRequestIDLen.
func sanitizeID(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		if len(s) > MaxRequestIDLen {
			return s[:MaxRequestIDLen]
		}
		return s
	}
	b := make([]byte, 0, min(len(s), MaxRequestIDLen))
	for i := 0; i < len(s) && len(b) < MaxRequestIDLen; i++ {
		if idByte(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func idByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', ':', '/', '+', '=', '@', '~':
		return true
	}
	return false
}

// traceparentID returns the trace id of a valid W3C traceparent header
// (https://www.w3.org/TR/trace-context/#traceparent-header), or "".
func traceparentID(s string) string {
	// version "-" trace-id(32) "-" parent-id(16) "-" flags(2); versions
	// after 00 may append "-" and more fields.
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return ""
	}
	version, trace, parent, flags := s[:2], s[3:35], s[36:52], s[53:55]
	if !lowerHex(version) || version == "ff" || !lowerHex(trace) || !lowerHex(parent) || !lowerHex(flags) {
		return ""
	}
	if len(s) > 55 && (version == "00" || s[55] != '-') {
		return ""
	}
	if allZero(trace) || allZero(parent) {
		return ""
	}
	return trace
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
