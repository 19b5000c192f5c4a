package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned by the deadline:
// a deadlock. The goroutine is left behind then; the test has failed.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v: deadlocked", d)
	}
}

// A target that logs back through the same logger on every record it
// writes (a sink reporting each delivery, a writer that logs), at every
// level that makes breach write at once: the log call must return, the
// records it logs back must be buffered and counted, never recursed into.
func TestTargetLogsBackOnEveryWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  *Options
		level slog.Level // of the records the target logs back
	}{
		{"trigger from a flush", nil, slog.LevelError},
		{"pass-through from a flush", &Options{PassThroughLevel: slog.LevelInfo}, slog.LevelInfo},
		{"debug from a flush", nil, slog.LevelDebug},
		{"after a trigger", &Options{PassThroughAfterTrigger: time.Hour}, slog.LevelWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := newRecorder()
			h := mustNew(target, tc.opts)
			logger := slog.New(h)
			target.st.handle = func(_ context.Context, r slog.Record) error {
				logger.Log(context.Background(), tc.level, "sink: delivered", "msg_delivered", r.Message)
				return nil
			}
			within(t, 10*time.Second, func() {
				for i := range 20 {
					logger.Debug("resolving order", "order_id", fmt.Sprintf("7f3a9c2e-%04d", i))
				}
				logger.Info("payment provider answered 502 Bad Gateway", "provider", "adyen")
				logger.Error("checkout failed", "order_id", "7f3a9c2e-0019")
				logger.Error("checkout failed again", "order_id", "7f3a9c2e-0019")
			})
			// The first trigger writes 20 DEBUG, the INFO (or, passed
			// through before, the record it logged back) and itself: 22
			// writes, each logging one record back, buffered. The second
			// trigger writes those 22 and itself, logging 23 more, which
			// stay buffered.
			want := uint64(22 + 23)
			if tc.opts != nil && tc.opts.PassThroughLevel != nil {
				want++
			}
			if tc.level == slog.LevelDebug {
				want = 0 // buffered anyway: nothing to count
			}
			st := h.Stats()
			if st.Reentrant != want || st.Buffered != 23 || st.Evicted != 0 {
				t.Fatalf("Stats() = %+v; want Reentrant %d, Buffered 23, nothing evicted", st, want)
			}
			msgs := target.msgs()
			first, second := slicesIndex(msgs, "checkout failed"), slicesIndex(msgs, "checkout failed again")
			if first < 0 || second < first {
				t.Fatalf("the triggers were not both written, in order: %q", msgs)
			}
			if n := strings.Count(strings.Join(msgs[first+1:second], "|")+"|", "sink: delivered|"); n != 22 || second-first-1 != 22 {
				t.Fatalf("between the triggers the target got %d records, %d logged back by it; want the 22 it logged back: %q", second-first-1, n, msgs)
			}
			if len(msgs) != second+1 {
				t.Fatalf("records after the last trigger: %q", msgs[second+1:])
			}
		})
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A record written at once holds the flush lock shared; a trigger on
// another goroutine then waits for it exclusively. A record the target logs
// back meanwhile must not queue behind that trigger (a read lock taken
// again behind a waiting writer deadlocks).
func TestTargetLogsBackWhileATriggerWaits(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{PassThroughLevel: slog.LevelInfo})
	logger := slog.New(h)
	var once sync.Once
	triggered := make(chan struct{})
	var wg sync.WaitGroup
	target.st.handle = func(_ context.Context, r slog.Record) error {
		if r.Message == "request served" {
			once.Do(func() {
				wg.Go(func() {
					close(triggered)
					logger.Error("disk full", "path", "/var/lib/orders")
				})
				<-triggered
				time.Sleep(20 * time.Millisecond) // let the trigger reach the lock
				logger.Info("sink: queue at 80%", "queued", 80000)
			})
		}
		return nil
	}
	within(t, 10*time.Second, func() {
		logger.Info("request served", "status", 200)
		wg.Wait()
	})
	if st := h.Stats(); st.Reentrant != 1 {
		t.Fatalf("Reentrant = %d, want 1", st.Reentrant)
	}
}

// Flush and Close from inside the target cannot run while the write that
// called them holds the flush lock: they say so instead of deadlocking.
func TestFlushAndCloseFromInsideTheTarget(t *testing.T) {
	target := newRecorder()
	h := mustNew(target, &Options{FlushOnClose: true})
	var flushErr, closeErr error
	target.st.handle = func(_ context.Context, r slog.Record) error {
		if r.Level >= slog.LevelError {
			flushErr = h.Flush(context.Background())
			closeErr = h.Close()
		}
		return nil
	}
	within(t, 10*time.Second, func() {
		mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "lead-up"))
		mustHandle(t, h, context.Background(), rec(slog.LevelError, "boom"))
	})
	for name, err := range map[string]error{"Flush": flushErr, "Close": closeErr} {
		if !errors.Is(err, errReentrant) || !strings.Contains(err.Error(), "inside the target") {
			t.Errorf("%s from inside the target = %v, want errReentrant", name, err)
		}
	}
	// Close still works afterwards, from outside.
	mustHandle(t, h, context.Background(), rec(slog.LevelDebug, "after"))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if got := target.msgs(); strings.Join(got, " ") != "lead-up boom after" {
		t.Fatalf("target got %q", got)
	}
}

// Finding out whether a log call comes from inside a target costs nothing
// while no target call is in progress, and is right while one is.
func TestReentrantDetection(t *testing.T) {
	if reentrant() {
		t.Fatal("reentrant outside any target call")
	}
	var inside, otherGoroutine bool
	probe := &funcHandler{handle: func() {
		inside = reentrant()
		done := make(chan struct{})
		go func() { otherGoroutine = reentrant(); close(done) }()
		<-done
	}}
	_ = callTarget(context.Background(), probe, slog.Record{})
	if !inside || otherGoroutine {
		t.Fatalf("reentrant() inside = %v (want true), on another goroutine meanwhile = %v (want false)", inside, otherGoroutine)
	}
}

type funcHandler struct{ handle func() }

func (f *funcHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (f *funcHandler) Handle(context.Context, slog.Record) error { f.handle(); return nil }
func (f *funcHandler) WithAttrs([]slog.Attr) slog.Handler        { return f }
func (f *funcHandler) WithGroup(string) slog.Handler             { return f }
