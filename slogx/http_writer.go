package slogx

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter records what [HTTP] writes in the access record: the
// status and the body bytes. It implements the optional interfaces of
// net/http's own writer unconditionally and reports http.ErrNotSupported
// when the writer it wraps lacks one, so that code which type-asserts
// (w.(http.Flusher)) and code which uses http.ResponseController both keep
// working through it.
type responseWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
}

// Unwrap lets http.ResponseController reach the wrapped writer's
// SetReadDeadline, SetWriteDeadline and EnableFullDuplex.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status = code
		// 1xx responses other than 101 are interim (103 Early Hints): the
		// final status is still to come.
		w.wroteHeader = code >= 200 || code == http.StatusSwitchingProtocols
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy to the response on the wrapped writer's fast path
// (sendfile for an *os.File on net/http's writer).
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.bytes += n
	return n, err
}

// writerOnly hides ReadFrom, so that io.Copy does not call it again.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client, as http.Flusher asks.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is the method http.ResponseController prefers: it reports
// http.ErrNotSupported when the wrapped writer cannot flush.
func (w *responseWriter) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err == nil && !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true // a flush sends the header
	}
	return err
}

// Hijack hands the connection to the caller, as http.Hijacker asks.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)
