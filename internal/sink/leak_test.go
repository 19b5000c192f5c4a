package sink

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// fasthttp's Client runs two cleaner goroutines that sleep in a loop and
// exit once the client has no connection left: mCleaner wakes every
// second, connsCleaner every IdleConnTimeout. Close closes all idle
// connections, so both exit within about a second; TestCloseLeavesNoGoroutine
// waits for exactly that. Tests that close a sink just before the package
// ends would otherwise have to wait too, so they, and only they, are
// ignored here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
	)
}

// TestCloseLeavesNoGoroutine checks the promise behind the exception above:
// after Close, the sender is gone at once and fasthttp's cleaners within
// their sleep interval.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	e := newEndpointServer(t)
	cfg := testConfig(nil, e.URL())
	s := mustNew(t, cfg)
	for i := range 10 {
		s.Enqueue(line(i))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The sender signals its exit as its last act, so it may still be
	// returning when Close does.
	eventually(t, time.Second, "the sender to return", func() bool {
		return countStacks("internal/sink.(*sender).run") == 0
	})
	eventually(t, 5*time.Second, "fasthttp's cleaners to exit", func() bool {
		return countStacks("fasthttp.(*Client).mCleaner") == 0 && countStacks("fasthttp.(*HostClient).connsCleaner") == 0
	})
}

func countStacks(fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}
