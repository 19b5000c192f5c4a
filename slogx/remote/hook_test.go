package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/remote"
)

// TestBeforeSendPanics: a hook that panics never takes the program down;
// its record is not sent, the panic is counted, and what it panicked with
// (here, of all things, the API key) is not repeated anywhere.
func TestBeforeSendPanics(t *testing.T) {
	h, fb := newHandler(t, remote.Options{
		APIKey: bearerKey, // in development mode the key is unused, but still secret
		BeforeSend: func(_ context.Context, r *slog.Record) bool {
			var id int64
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "id" {
					id = a.Value.Int64()
				}
				return true
			})
			switch id % 3 {
			case 1:
				panic("token " + bearerKey + " rejected")
			case 2:
				var ids []int64
				_ = ids[id] // out of range: a runtime error
			}
			return true
		},
	})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				r := record(g*300 + i)
				if err := h.Handle(context.Background(), r); err != nil {
					t.Errorf("Handle: %v", err)
				}
			}
		})
	}
	wg.Wait()
	h.Close()
	st := h.Stats()
	if st.HookPanics != 800 || st.Delivered != 400 || st.Accepted != 400 {
		t.Errorf("stats %+v: want 800 panics and 400 records delivered", st)
	}
	if st.LastError == nil || !strings.Contains(st.LastError.Error(), "BeforeSend panicked") {
		t.Errorf("LastError %v: want the panic reported", st.LastError)
	}
	checkAccounting(t, st)
	checkNoSecret(t, "LastError", []byte(fmt.Sprint(st.LastError)))
	checkNoSecret(t, "the fallback", fb.Bytes())
	if n := bytes.Count(fb.Bytes(), []byte("\n")); n != 400 {
		t.Errorf("%d lines on the fallback, want the 400 records whose hook returned", n)
	}
}

// TestBeforeSendEditsStayLocal: the hook edits its own copy. A record with
// more attributes than slog.Record keeps inline (so it has a shared
// overflow array) goes to a plain JSON handler too, which must not see
// the hook's additions.
func TestBeforeSendEditsStayLocal(t *testing.T) {
	var plain bytes.Buffer
	rh, fb := newHandler(t, remote.Options{BeforeSend: func(_ context.Context, r *slog.Record) bool {
		r.AddAttrs(slog.String("added_by_hook", "yes"))
		r.Message = "edited: " + r.Message
		return true
	}})
	jh := slog.NewJSONHandler(&plain, nil)
	logger := slog.New(slogx.Fanout(rh, jh))
	for i := range 20 {
		logger.Info("order", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6, "g", 7, "i", i)
	}
	if bytes.Contains(plain.Bytes(), []byte("added_by_hook")) || bytes.Contains(plain.Bytes(), []byte("edited")) {
		t.Errorf("the hook's edits reached another handler:\n%s", head(plain.Bytes(), 500))
	}
	for l := range bytes.SplitSeq(bytes.TrimSpace(fb.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		if m["added_by_hook"] != "yes" || m["msg"] != "edited: order" || m["g"] != float64(7) {
			t.Fatalf("the hook's edits are missing from what is sent: %s", l)
		}
	}
}

// TestBeforeSendFilters: records the hook drops are counted apart and are
// not in Accepted; the hook sees the context and only enabled records.
func TestBeforeSendFilters(t *testing.T) {
	type key struct{}
	var seen sync.Map
	h, fb := newHandler(t, remote.Options{
		Level: slog.LevelWarn,
		BeforeSend: func(ctx context.Context, r *slog.Record) bool {
			seen.Store(r.Message, true)
			return ctx.Value(key{}) == nil
		},
	})
	logger := slog.New(h)
	quiet := context.WithValue(context.Background(), key{}, true)
	logger.InfoContext(context.Background(), "below the level")
	logger.WarnContext(quiet, "filtered")
	logger.WarnContext(context.Background(), "sent")
	h.Close()
	if _, ok := seen.Load("below the level"); ok {
		t.Error("the hook saw a record below Level")
	}
	st := h.Stats()
	if st.Filtered != 1 || st.Accepted != 1 || st.Delivered != 1 {
		t.Errorf("stats %+v: want 1 filtered, 1 accepted and delivered", st)
	}
	if !bytes.Contains(fb.Bytes(), []byte(`"msg":"sent"`)) || bytes.Contains(fb.Bytes(), []byte("filtered")) {
		t.Errorf("fallback: %s", fb.Bytes())
	}
}

// TestBeforeSendThatLogsThroughTheHandler: a hook that logs through the
// handler that runs it (here on every call, from several goroutines at
// once) does not recurse: the inner record is not sent and is counted, and
// every outer record is sent as usual. Records from other goroutines that
// happen to log while a hook runs are not mistaken for inner ones.
func TestBeforeSendThatLogsThroughTheHandler(t *testing.T) {
	var logger *slog.Logger
	h, fb := newHandler(t, remote.Options{
		BeforeSend: func(ctx context.Context, r *slog.Record) bool {
			logger.WarnContext(ctx, "BeforeSend saw a record", "msg", r.Message)
			return true
		},
	})
	logger = slog.New(h)
	const goroutines, each = 4, 250
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				logger.Info("order placed", "id", g*each+i)
			}
		})
	}
	wg.Wait()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	st := h.Stats()
	if st.HookReentrant != goroutines*each || st.Delivered != goroutines*each || st.Accepted != goroutines*each {
		t.Errorf("stats %+v: want %d records delivered and %d logged from inside the hook counted", st, goroutines*each, goroutines*each)
	}
	checkAccounting(t, st)
	if n := bytes.Count(fb.Bytes(), []byte("BeforeSend saw a record")); n != 0 {
		t.Errorf("%d records logged from inside the hook were written", n)
	}
}
