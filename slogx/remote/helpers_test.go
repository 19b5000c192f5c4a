package remote_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.slogx.dev/slogx/remote"
)

// waitTimeout bounds every wait in these tests; the margin is for -race
// on a small, shared machine.
const waitTimeout = 60 * time.Second

// An API key in the shape Datadog issues (32 hex digits) and a bearer token
// in a common SaaS shape: what must never be seen outside a request.
const (
	ddKey     = "9f86d081884c7d659a2feaa0c55ad015"
	bearerKey = "sk_live_51HxQ2eKz8vT4nR7bW3cY9pL0aM6dF1gJ"
)

// lockedBuffer is a goroutine-safe Fallback.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// newHandler creates a handler and closes it when the test ends. Fallback
// defaults to a buffer so that a failing test shows what went there.
func newHandler(t testing.TB, opts remote.Options) (*remote.Handler, *lockedBuffer) {
	t.Helper()
	fb := &lockedBuffer{}
	if opts.Fallback == nil {
		opts.Fallback = fb
	}
	h, err := remote.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		h.Close()
		if t.Failed() {
			if b := fb.Bytes(); len(b) > 0 {
				t.Logf("fallback (%d bytes), head:\n%s", len(b), head(b, 2048))
			}
		}
	})
	return h, fb
}

func flush(t testing.TB, h *remote.Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (stats %+v)", err, h.Stats())
	}
}

// checkAccounting checks the invariant of a closed handler.
func checkAccounting(t testing.TB, st remote.Stats) {
	t.Helper()
	if got := st.Delivered + st.Dropped.Total() + st.Spilled; got != st.Accepted {
		t.Errorf("accounting: accepted %d != delivered %d + dropped %d + spilled %d (%+v)",
			st.Accepted, st.Delivered, st.Dropped.Total(), st.Spilled, st)
	}
}

// checkNoSecret fails if s holds one of the keys.
func checkNoSecret(t testing.TB, where string, s []byte) {
	t.Helper()
	for _, k := range []string{ddKey, bearerKey} {
		if bytes.Contains(s, []byte(k)) {
			t.Errorf("%s shows an API key: %q", where, head(s, 400))
		}
	}
}

// record is a realistic record: a request id with hex and digit runs, a
// 60-character message, a DSN, a JSON body logged as a string.
func record(i int) slog.Record {
	r := slog.NewRecord(time.Date(2026, 12, 1, 18, 30, 15, 123456789, time.UTC).Add(time.Duration(i)*time.Millisecond),
		slog.LevelInfo, "payment authorised for order after 3-D Secure challenge ok", 0)
	r.AddAttrs(
		slog.Int("id", i),
		slog.String("request_id", "req_8c1f0e7a9b2d4c6e"),
		slog.String("db", "postgres://app@db-7.internal:5432/orders?sslmode=require"),
		slog.String("body", `{"amount":1999,"currency":"EUR","card":{"last4":"4242"}}`),
		slog.Duration("elapsed", 48213*time.Microsecond),
	)
	return r
}

// errWriter fails every write.
type errWriter struct{}

var errDiskFull = errors.New("write /var/log/app.log: no space left on device")

func (errWriter) Write([]byte) (int, error) { return 0, errDiskFull }
