package slogx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/breach"
	"go.slogx.dev/slogx/redact"
)

// TestDocumentedPipeline runs the pipeline of the package doc, as written
// there (checked below), and sees what its comments promise: INFO at once,
// DEBUG held, and on an ERROR the DEBUG lead-up first, secrets masked, in
// both the stdout handler and the sink.
func TestDocumentedPipeline(t *testing.T) {
	var sinkOut bytes.Buffer
	sink := slogx.NewJSONHandler(&sinkOut, &slog.HandlerOptions{Level: slog.LevelDebug})
	stdout := captureStdout(t)

	// pipeline:begin
	debug := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(slogx.Pipe(
		slogx.Fanout(slogx.NewJSONHandler(os.Stdout, debug), sink), // sink at LevelDebug too
		redact.Middleware(nil), // mask secrets first
		breach.Middleware(&breach.Options{
			PassThroughLevel: slog.LevelInfo, // INFO is written at once
		}), // DEBUG is held; a WARN or ERROR writes it first, as its lead-up
	))
	// pipeline:end

	const dsn = "postgres://orders:Xk9#mQ2vL7pT@db-7f3a.internal:5432/orders"
	logger.Info("listening", "addr", "127.0.0.1:8080")
	logger.Debug("cache miss", "key", "order:7f3a9c2e-55b1-4d0e-9a61-0c8e2f1b6d47")
	logger.Debug("connecting", "dsn", dsn)
	afterInfo := stdout()
	if got := msgs(t, afterInfo); strings.Join(got, "|") != "listening" {
		t.Fatalf("before trouble stdout has %q; want only the INFO record, DEBUG held", got)
	}
	logger.Error("query failed", "err", "connection refused", "order_id", "7f3a9c2e-55b1-4d0e-9a61-0c8e2f1b6d47")
	want := "listening|cache miss|connecting|query failed"
	all := afterInfo + stdout()
	for name, out := range map[string]string{"stdout": all, "sink": sinkOut.String()} {
		if got := strings.Join(msgs(t, out), "|"); got != want {
			t.Errorf("%s got %q, want %q: the DEBUG lead-up before the ERROR", name, got, want)
		}
		if strings.Contains(out, "Xk9#mQ2vL7pT") {
			t.Errorf("%s shows the DSN password: %s", name, out)
		}
	}
	if err := slogx.Close(logger.Handler()); err != nil {
		t.Fatal(err)
	}
}

// The snippet above is the package doc's, byte for byte apart from
// indentation, so that the doc cannot drift from what is tested.
func TestDocumentedPipelineMatchesDoc(t *testing.T) {
	doc := readLines(t, "doc.go")
	src := readLines(t, "doc_pipeline_test.go")
	begin, end := indexOf(src, "// pipeline:begin"), indexOf(src, "// pipeline:end")
	snippet := src[begin+1 : end]
	at := indexOf(doc, snippet[0])
	if at < 0 || at+len(snippet) > len(doc) {
		t.Fatalf("doc.go does not contain the pipeline's first line %q", snippet[0])
	}
	for i, line := range snippet {
		if doc[at+i] != line {
			t.Fatalf("doc.go line %q, test %q: the documented pipeline differs from the tested one", doc[at+i], line)
		}
	}
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

func indexOf(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

// captureStdout points os.Stdout at a file until the test ends, and
// returns a function that returns what was written since its last call.
func captureStdout(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = f
	t.Cleanup(func() {
		os.Stdout = saved
		f.Close()
	})
	read := 0
	return func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		s := string(b[read:])
		read = len(b)
		return s
	}
}

func msgs(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		got = append(got, m["msg"].(string))
	}
	return got
}
