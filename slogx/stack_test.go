package slogx_test

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/slogtest"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
)

func stackLines(t *testing.T, r map[string]any, key string) []string {
	t.Helper()
	s, ok := r[key].(string)
	if !ok {
		t.Fatalf("record %v has no %q string", r["msg"], key)
	}
	return strings.Split(s, "\n")
}

// chargeCard is a user function that logs, so that the stack has a known
// first frame.
func chargeCard(logger *slog.Logger, level slog.Level) {
	logger.Log(context.Background(), level, "card declined", "order_id", "ord_7f3a9c01")
}

func TestStackStartsAtTheLogCall(t *testing.T) {
	var buf bytes.Buffer
	// A realistic pipeline: Stack first, then breach, then a Fanout. None
	// of slogx's or slog's frames may show.
	h := slogx.Pipe(
		slogx.Fanout(slogx.NewJSONHandler(&buf, nil), slogx.NewJSONHandler(&bytes.Buffer{}, nil)),
		slogx.Stack(nil),
		breach.Middleware(nil),
	)
	defer slogx.Close(h)
	logger := slog.New(h).With("service", "checkout").WithGroup("payment")
	chargeCard(logger, slog.LevelInfo)
	chargeCard(logger, slog.LevelWarn)
	chargeCard(logger, slog.LevelError)

	recs := parseLines(t, buf.Bytes())
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	for _, r := range recs[:2] {
		if _, ok := r["payment"].(map[string]any)["stack"]; ok {
			t.Errorf("%v record got a stack", r["level"])
		}
	}
	lines := stackLines(t, recs[2]["payment"].(map[string]any), "stack")
	if len(lines) < 4 || lines[0] != "go.slogx.dev/slogx_test.chargeCard" ||
		!strings.HasPrefix(lines[1], "\t") || !strings.Contains(lines[1], "stack_test.go:") ||
		lines[2] != "go.slogx.dev/slogx_test.TestStackStartsAtTheLogCall" {
		t.Errorf("stack does not start at the log call:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "log/slog.") || strings.HasPrefix(l, "go.slogx.dev/slogx.") ||
			strings.HasPrefix(l, "go.slogx.dev/slogx/") || strings.HasPrefix(l, "runtime.Callers") {
			t.Errorf("stack shows a frame of the logging machinery: %s", l)
		}
	}
}

func TestStackThroughLogPackage(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	defer slog.SetDefault(old)
	slog.SetDefault(slog.New(slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(&slogx.StackOptions{Level: slog.LevelInfo}))))
	log.Printf("legacy code path: %d retries", 3) // log.Printf reaches slog at INFO
	recs := parseLines(t, buf.Bytes())
	if len(recs) != 1 {
		t.Fatalf("got %d records", len(recs))
	}
	if l := stackLines(t, recs[0], "stack"); l[0] != "go.slogx.dev/slogx_test.TestStackThroughLogPackage" {
		t.Errorf("first frame %q, want the log.Printf call", l[0])
	}
}

func recurse(depth int, logger *slog.Logger) {
	if depth == 0 {
		logger.Error("deep")
		return
	}
	recurse(depth-1, logger)
}

func TestStackOptions(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opts      *slogx.StackOptions
		depth     int
		key       string
		wantLines int
	}{
		{"default bound on a deep recursion", nil, 500, "stack", 2 * 32},
		{"MaxFrames", &slogx.StackOptions{MaxFrames: 2, Key: "trace"}, 10, "trace", 2 * 2},
		{"absurd MaxFrames", &slogx.StackOptions{MaxFrames: 1 << 40}, 3000, "stack", 2 * 1024},
		{"negative MaxFrames means the default", &slogx.StackOptions{MaxFrames: -1}, 100, "stack", 2 * 32},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(tt.opts)))
			recurse(tt.depth, logger)
			lines := stackLines(t, parseLines(t, buf.Bytes())[0], tt.key)
			// The capped capture also holds the machinery's few frames, so
			// the cap may show a handful fewer.
			if len(lines) > tt.wantLines || len(lines) < tt.wantLines*99/100 || lines[0] != "go.slogx.dev/slogx_test.recurse" {
				t.Errorf("%d lines starting %q, want %d starting with recurse", len(lines), lines[0], tt.wantLines)
			}
		})
	}
}

func TestStackLeveler(t *testing.T) {
	var buf bytes.Buffer
	var lv slog.LevelVar
	lv.Set(slog.LevelError)
	logger := slog.New(slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(&slogx.StackOptions{Level: &lv})))
	logger.Warn("before")
	lv.Set(slog.LevelWarn) // a LevelVar changed at run time takes effect
	logger.Warn("after")
	recs := parseLines(t, buf.Bytes())
	if _, ok := recs[0]["stack"]; ok {
		t.Error("WARN got a stack at level ERROR")
	}
	if _, ok := recs[1]["stack"]; !ok {
		t.Error("WARN got no stack after the level was lowered to WARN")
	}
}

// TestStackLeavesSharedRecordAlone: a record that a Fanout hands to the
// stack stage and to another handler must reach the other one unchanged.
func TestStackLeavesSharedRecordAlone(t *testing.T) {
	var with, without bytes.Buffer
	logger := slog.New(slogx.Fanout(
		slogx.Pipe(slogx.NewJSONHandler(&with, nil), slogx.Stack(nil)),
		slogx.NewJSONHandler(&without, nil),
	))
	logger.Error("payment failed", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6)
	if strings.Contains(without.String(), "stack") {
		t.Errorf("the other handler saw the stack: %s", without.String())
	}
	if !strings.Contains(with.String(), `"stack":"go.slogx.dev/slogx_test.TestStackLeavesSharedRecordAlone\n`) {
		t.Errorf("no stack: %s", with.String())
	}
}

func TestSlogtestStack(t *testing.T) {
	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		// slogtest logs at INFO; the stage must change nothing below its level.
		return slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(nil))
	}
	result := func(t *testing.T) map[string]any { return parseLines(t, buf.Bytes())[0] }
	slogtest.Run(t, newHandler, result)
}

func TestStackKeepsAnExistingStack(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(nil)))
	logger.Error("panic serving request", "stack", "goroutine 7 [running]:\nmain.handler()")
	if n := strings.Count(buf.String(), `"stack"`); n != 1 {
		t.Errorf("%d stack keys in %s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "goroutine 7") {
		t.Errorf("the record's own stack was replaced: %s", buf.String())
	}
}

func TestStackLeavesHTTPAccessRecordsAlone(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slogx.Pipe(slogx.NewJSONHandler(&buf, nil), slogx.Stack(nil)))
	h := slogx.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.ErrorContext(r.Context(), "upstream failed")
		w.WriteHeader(http.StatusBadGateway)
	}), &slogx.HTTPOptions{Logger: logger})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	recs := parseLines(t, buf.Bytes())
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	if l := stackLines(t, recs[0], "stack"); !strings.HasPrefix(l[0], "go.slogx.dev/slogx_test.TestStackLeavesHTTPAccessRecordsAlone") {
		t.Errorf("the handler's ERROR has stack %q", l[0])
	}
	if _, ok := recs[1]["stack"]; ok || recs[1]["level"] != "ERROR" {
		t.Errorf("the access record got a stack of net/http's frames: %v", recs[1])
	}
}
