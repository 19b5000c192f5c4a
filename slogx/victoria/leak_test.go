package victoria_test

import (
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNothingRunsAfterClose: a user whose own test runs goleak.VerifyNone
// right after Close, with goleak's default options, sees nothing the
// handler started: not its sender, not an HTTP client's connection
// cleaners (which used to sleep for up to 10 s after Close).
func TestNothingRunsAfterClose(t *testing.T) {
	srv := vltest.Start(t)
	before := goleak.IgnoreCurrent() // the test's own, and other tests'
	h, err := victoria.New(victoria.Options{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(h)
	for i := range 5000 {
		logger.Info("payment authorised", "payment_id", "pay_3MtwBwLkdIwHu7ix28a3tqPa", "amount_cents", 4990, "id", i)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, before)
}
