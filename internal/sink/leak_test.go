package sink

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCloseLeavesNoGoroutine: after Close returns, nothing the sink started
// still runs: no sender, no connection cleaner, no timer callback. goleak
// checks with its default options, as a user's own test would.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	e := newEndpointServer(t)
	// The test server's own goroutines; those serving the sink's
	// connection end when the sink closes it.
	before := goleak.IgnoreCurrent()
	cfg := testConfig(nil, e.URL())
	cfg.IdleConnTimeout = 0 // the default, 10 s: Close must not depend on it
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		s.Enqueue(line(i))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, before)
}
