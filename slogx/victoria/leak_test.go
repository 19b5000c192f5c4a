package victoria_test

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttp's Client starts two cleaner goroutines that sleep in a loop and
// exit on their own once the client has no connection left: mCleaner (every
// second) and connsCleaner (every idle timeout, 10 s). Close closes every
// idle connection, so both exit within that time; internal/sink's
// TestCloseLeavesNoGoroutine waits for exactly that, with a short idle
// timeout. Here, where many handlers close shortly before the package ends,
// they are ignored, and only they.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*Client).mCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
	)
}
