package breach

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// BenchmarkLoggerOwnCPU is BenchmarkLogger's case=attrs measured in the
// CPU time of the logging thread rather than wall time, so that it stays
// readable on a machine shared with other work: time the thread spends
// descheduled is not counted. Each round logs b.N/10 records through a
// no-op handler and then through breach (full window), on one locked
// thread; the metrics are medians over the rounds: noop-cpu-ns/op is
// slog's own cost, own-cpu-ns/op what breach adds to it.
func BenchmarkLoggerOwnCPU(b *testing.B) {
	errReset := errors.New("read tcp 10.0.3.17:52114->10.0.9.2:5432: read: connection reset by peer")
	h := mustNew(benchTarget(), nil)
	for range 2 * DefaultCapacity {
		_ = h.Handle(context.Background(), benchRecord())
	}
	noopLogger, breachLogger := slog.New(noop{}), slog.New(h)
	ctx := context.Background()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const rounds = 10
	per := max(b.N/rounds, 1)
	var noopCost, ownCost []float64
	b.ResetTimer()
	for range rounds {
		t0 := threadCPU()
		for i := range per {
			logRealistic(noopLogger, ctx, i, errReset)
		}
		t1 := threadCPU()
		for i := range per {
			logRealistic(breachLogger, ctx, i, errReset)
		}
		t2 := threadCPU()
		n, br := float64(t1-t0)/float64(per), float64(t2-t1)/float64(per)
		noopCost = append(noopCost, n)
		ownCost = append(ownCost, br-n)
	}
	b.StopTimer()
	median := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
	b.ReportMetric(median(noopCost), "noop-cpu-ns/op")
	b.ReportMetric(median(ownCost), "own-cpu-ns/op")
	evictions(b, h)
}
