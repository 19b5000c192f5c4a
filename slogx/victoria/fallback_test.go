package victoria_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.slogx.dev/slogx/victoria"
)

// selfLoggingWriter is a Fallback that also logs every write through the
// program's logger, whose handler is the one it serves.
type selfLoggingWriter struct {
	lockedBuffer
	logger func() *slog.Logger
}

func (w *selfLoggingWriter) Write(p []byte) (int, error) {
	n, err := w.lockedBuffer.Write(p)
	w.logger().Warn("fallback used", "bytes", len(p))
	return n, err
}

// TestFallbackThatLogsThroughTheHandler: a Fallback that logs through the
// same logger neither deadlocks nor feeds itself. Its records are dropped
// and counted as Dropped.Reentrant, and logging after Close returns.
// Before, a record logged after Close deadlocked on the fallback's lock.
func TestFallbackThatLogsThroughTheHandler(t *testing.T) {
	srv, release := heldServer(t)
	var logger *slog.Logger
	fb := &selfLoggingWriter{logger: func() *slog.Logger { return logger }}
	h, _ := newHandler(t, victoria.Options{URL: srv, Fallback: fb, CloseTimeout: 200 * time.Millisecond})
	logger = slog.New(h)
	for i := range 50 {
		logger.Info("checkout completed", "order", "ord_8f14e45fceea", "id", i)
	}
	done := make(chan error, 1)
	go func() {
		done <- h.Close() // the batch in flight is held: Close spills to fb
		done <- h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "shutting down", 0))
	}()
	for _, what := range []string{"Close", "Handle after Close"} {
		select {
		case err := <-done:
			if what == "Handle after Close" && !errors.Is(err, victoria.ErrClosed) {
				t.Errorf("%s = %v, want ErrClosed", what, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not return: deadlock", what)
		}
	}
	release()
	st := h.Stats()
	checkAccounting(t, st)
	if st.Spilled != 51 || st.Dropped.Reentrant == 0 || st.Accepted != 51+st.Dropped.Reentrant {
		t.Errorf("stats = %+v", st)
	}
	recs, _ := splitFallback(t, fb.Bytes())
	if len(recs) != 51 {
		t.Errorf("fallback holds %d records, want 51", len(recs))
	}
}
