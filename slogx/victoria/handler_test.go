package victoria_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"testing/slogtest"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/victoria"
)

// closedHandler returns a handler that has been closed, so that each record
// it is given goes, exactly as it would have been sent, to fb.
func closedHandler(t testing.TB, opts victoria.Options) (*victoria.Handler, *lockedBuffer) {
	t.Helper()
	fb := &lockedBuffer{}
	opts.URL, opts.Fallback = closedPortURL(t), fb
	h, err := victoria.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	return h, fb
}

// TestSlogtest runs testing/slogtest on the lines the handler ships.
func TestSlogtest(t *testing.T) {
	var fb *lockedBuffer
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		var h *victoria.Handler
		h, fb = closedHandler(t, victoria.Options{})
		return h
	}, func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(fb.Bytes(), &m); err != nil {
			t.Fatalf("%v: %q", err, fb.Bytes())
		}
		return m
	})
}

// TestShipsSlogJSON: what is shipped is byte for byte what slog.JSONHandler
// writes for the same record and options, through derived handlers.
func TestShipsSlogJSON(t *testing.T) {
	opts := slog.HandlerOptions{AddSource: true, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == "secret" {
			a.Value = slog.StringValue("***")
		}
		return a
	}}
	h, fb := closedHandler(t, victoria.Options{AddSource: true, ReplaceAttr: opts.ReplaceAttr})
	var want bytes.Buffer
	oracle := slog.NewJSONHandler(&want, &opts)
	derive := func(h slog.Handler) slog.Handler {
		return h.WithAttrs([]slog.Attr{slog.String("svc", "api"), slog.String("secret", "x")}).WithGroup("req").WithAttrs([]slog.Attr{slog.Int("n", 1)})
	}
	for i := range 20 {
		r := kindsRecord(i)
		r.AddAttrs(slog.String("secret", "y"), slog.Group("empty"))
		if err := derive(oracle).Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		derive(h).Handle(context.Background(), r)
	}
	if !bytes.Equal(fb.Bytes(), want.Bytes()) {
		t.Errorf("shipped:\n%s\nslog.JSONHandler:\n%s", head(fb.Bytes(), 600), head(want.Bytes(), 600))
	}
}

// TestContextAttrsShipped: attributes of slogx.NewContext go to the top
// level, even under a group.
func TestContextAttrsShipped(t *testing.T) {
	h, fb := closedHandler(t, victoria.Options{})
	ctx := slogx.NewContext(context.Background(), slog.String("trace_id", "t-1"))
	slog.New(h).WithGroup("g").InfoContext(ctx, "m", "k", "v")
	var m map[string]any
	if err := json.Unmarshal(fb.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["trace_id"] != "t-1" || m["g"].(map[string]any)["k"] != "v" {
		t.Errorf("line = %s", fb.Bytes())
	}
}

func TestEnabled(t *testing.T) {
	h, _ := closedHandler(t, victoria.Options{})
	if h.Enabled(context.Background(), slog.LevelDebug) || !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("default level is not Info")
	}
	var lv slog.LevelVar
	lv.Set(slog.LevelError)
	h2, _ := closedHandler(t, victoria.Options{Level: &lv})
	if h2.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Level not honoured")
	}
	lv.Set(slog.LevelDebug)
	if !h2.Enabled(context.Background(), slog.LevelDebug) || !h2.WithGroup("g").Enabled(context.Background(), slog.LevelDebug) {
		t.Error("a LevelVar change is not seen")
	}
}

// TestCompressionAgainstServer: every compression is understood by the
// real server.
func TestCompressionAgainstServer(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	kinds := map[string]victoria.Compression{"zstd": victoria.Zstd, "gzip": victoria.Gzip, "none": victoria.NoCompression}
	const n = 1500
	for name, c := range kinds {
		h, _ := newHandler(t, victoria.Options{URL: srv.URL(), Compression: c, ExtraFields: map[string]string{"comp": name}})
		logger := slog.New(h)
		for i := range n {
			logger.Info("compressed", "id", i)
		}
		if err := h.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
		st := h.Stats()
		checkAllDelivered(t, st, n)
		if c != victoria.NoCompression && st.WireBytes*3 > st.Bytes {
			t.Errorf("%s: %d bytes on the wire for %d", name, st.WireBytes, st.Bytes)
		}
	}
	if got := vltest.WaitCount(t, srv.URL(), "*", 3*n, waitTimeout); got != 3*n {
		t.Fatalf("stored %d rows, want %d", got, 3*n)
	}
	for name := range kinds {
		if got := vltest.Count(t, srv.URL(), fmt.Sprintf("comp:=%s", name)); got != n {
			t.Errorf("%s: stored %d rows, want %d", name, got, n)
		}
	}
}

// TestConcurrentLogging: many goroutines log through derived handlers while
// batches are sent; the server holds every record once.
func TestConcurrentLogging(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), BatchSize: 300, FlushInterval: 10 * time.Millisecond})
	const goroutines, each = 8, 1000
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			logger := slog.New(h).With("g", g).WithGroup("w")
			for i := range each {
				logger.Info("concurrent", slog.Int("id", g*each+i))
			}
		}()
	}
	for range goroutines {
		<-done
	}
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkAllDelivered(t, h.Stats(), goroutines*each)
	if got := vltest.WaitCount(t, srv.URL(), "*", goroutines*each, waitTimeout); got != goroutines*each {
		t.Fatalf("stored %d rows, want %d", got, goroutines*each)
	}
	if got := queryNumber(t, srv.URL(), "* | stats count_uniq(w.id) n"); got != goroutines*each {
		t.Errorf("distinct ids = %d", got)
	}
}
