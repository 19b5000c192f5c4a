package slogx_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/victoria"
)

// mustPanic runs f and returns the panic's message, failing if there was
// none.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		p := recover()
		if p == nil {
			t.Fatal("no panic")
		}
		msg, _ = p.(string)
	}()
	f()
	return ""
}

// A victoria.New whose error was ignored leaves a typed nil: Fanout must say
// so when the pipeline is built, not panic inside Enabled at the first log
// call.
func TestFanoutRejectsNilChildren(t *testing.T) {
	var sink *victoria.Handler // what `sink, _ := victoria.New(bad)` leaves
	var buf bytes.Buffer
	ok := slogx.NewJSONHandler(&buf, nil)
	for _, tc := range []struct {
		name string
		hs   []slog.Handler
		want []string
	}{
		{"typed nil *victoria.Handler", []slog.Handler{ok, sink}, []string{"Fanout", "handler 1", "*victoria.Handler"}},
		{"typed nil *JSONHandler first", []slog.Handler{(*slogx.JSONHandler)(nil), ok}, []string{"handler 0", "*slogx.JSONHandler"}},
		{"untyped nil", []slog.Handler{ok, nil, ok}, []string{"handler 1 is nil"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := mustPanic(t, func() { slogx.Fanout(tc.hs...) })
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("panic %q does not say %q", msg, w)
				}
			}
		})
	}
	// No children is not a mistake: it writes nothing, like io.Discard.
	if slogx.Fanout().Enabled(t.Context(), slog.LevelError) {
		t.Error("an empty Fanout must not be enabled")
	}
}

func TestPipeRejectsNilStages(t *testing.T) {
	var sink *victoria.Handler
	var buf bytes.Buffer
	ok := slogx.NewJSONHandler(&buf, nil)
	pass := func(next slog.Handler) slog.Handler { return next }
	broken := func(slog.Handler) slog.Handler { return (*slogx.JSONHandler)(nil) }
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"nil handler", func() { slogx.Pipe(sink, pass) }, "the handler is a nil *victoria.Handler"},
		{"nil handler, no middleware", func() { slogx.Pipe(nil) }, "the handler is nil"},
		{"nil middleware", func() { slogx.Pipe(ok, pass, nil) }, "middleware 1 is nil"},
		{"middleware returns nil", func() { slogx.Pipe(ok, broken, pass) }, "the handler middleware 0 returned is a nil *slogx.JSONHandler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := mustPanic(t, tc.f); !strings.Contains(msg, tc.want) {
				t.Errorf("panic %q does not say %q", msg, tc.want)
			}
		})
	}
}
