package vltest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The harness is used by every integration test, so a goroutine it leaks
// (a process waiter, a keep-alive connection) would show up as a leak in
// each of them. Checking here keeps that failure in one obvious place.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
