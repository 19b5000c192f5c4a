package shipper

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync"
)

// Redacted replaces a credential wherever one would be shown.
const Redacted = "[REDACTED]"

// Secrets are credentials a face sends (an API key, a password) that must
// never be shown: a server that echoes one in its error message must not
// make it appear in an error, Stats or the fallback output.
type Secrets []string

// minSecret is the shortest credential that is searched for: shorter
// strings would match ordinary text (a password "a" is every "a").
const minSecret = 4

func (s Secrets) active() bool {
	for _, v := range s {
		if len(v) >= minSecret {
			return true
		}
	}
	return false
}

// String returns str with every secret replaced.
func (s Secrets) String(str string) string {
	for _, v := range s {
		if len(v) >= minSecret && strings.Contains(str, v) {
			str = strings.ReplaceAll(str, v, Redacted)
		}
	}
	return str
}

// Error returns err, or, if its text holds a secret, an error with the
// same text less the secrets. That error wraps nothing: a cause reached
// through Unwrap would print the secret again.
func (s Secrets) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.String(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}

// Writer wraps w so that every secret is replaced in what is written to
// it. The sink writes each summary line and each batch in one Write, so a
// secret is never split between two writes.
func (s Secrets) Writer(w io.Writer) io.Writer {
	if !s.active() {
		return w
	}
	return &redactingWriter{w: w, secrets: s}
}

type redactingWriter struct {
	w       io.Writer
	secrets Secrets
	mu      sync.Mutex
	buf     []byte
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	hit := false
	for _, v := range r.secrets {
		if len(v) >= minSecret && bytes.Contains(p, []byte(v)) {
			hit = true
			break
		}
	}
	if !hit {
		return r.w.Write(p)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf[:0], p...)
	for _, v := range r.secrets {
		if len(v) >= minSecret {
			r.buf = bytes.ReplaceAll(r.buf, []byte(v), []byte(Redacted))
		}
	}
	if _, err := r.w.Write(r.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}
