package redact

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// newJSON is the handler redact sits in front of in these tests, with the
// time dropped so that lines can be compared.
func newJSON(w io.Writer) slog.Handler {
	return slogx.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: dropTime})
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// logLine logs one record through redact with opts and returns the line.
func logLine(t *testing.T, opts *Options, f func(l *slog.Logger)) string {
	t.Helper()
	var buf bytes.Buffer
	f(slog.New(New(newJSON(&buf), opts)))
	line := buf.String()
	if !json.Valid([]byte(line)) {
		t.Fatalf("not JSON: %q", line)
	}
	return strings.TrimSuffix(line, "\n")
}

func TestWhereItLooks(t *testing.T) {
	type creds struct {
		User     string
		Password string
		Note     string
		PIN      int    `redact:"true"`
		Token    string `json:"tok"`
		inner    string
	}
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string
	}{
		{"message", func(l *slog.Logger) { l.Info("mail alice@example.com") },
			`{"level":"INFO","msg":"mail [REDACTED]"}`},
		{"string attr", func(l *slog.Logger) { l.Info("m", "to", "bob@example.com") },
			`{"level":"INFO","msg":"m","to":"[REDACTED]"}`},
		{"key", func(l *slog.Logger) { l.Info("m", "password", "hunter2", "n", 1) },
			`{"level":"INFO","msg":"m","password":"[REDACTED]","n":1}`},
		{"key of any kind", func(l *slog.Logger) { l.Info("m", "pin_otp", 123456, slog.Group("credentials", "u", "x")) },
			`{"level":"INFO","msg":"m","pin_otp":"[REDACTED]","credentials":"[REDACTED]"}`},
		{"group", func(l *slog.Logger) { l.Info("m", slog.Group("req", "auth", "Bearer abcdef123456", "ok", true)) },
			`{"level":"INFO","msg":"m","req":{"auth":"Bearer [REDACTED]","ok":true}}`},
		{"nested group key", func(l *slog.Logger) { l.Info("m", slog.Group("a", slog.Group("b", "Cookie", "sid=1"))) },
			`{"level":"INFO","msg":"m","a":{"b":{"Cookie":"[REDACTED]"}}}`},
		{"with attrs", func(l *slog.Logger) { l.With("token", "t0k3n", "card", "4111111111111111").Info("m") },
			`{"level":"INFO","msg":"m","token":"[REDACTED]","card":"[REDACTED]"}`},
		{"with group", func(l *slog.Logger) { l.WithGroup("g").With("secret", "s").Info("m", "email", "c@d.ef") },
			`{"level":"INFO","msg":"m","g":{"secret":"[REDACTED]","email":"[REDACTED]"}}`},
		{"error", func(l *slog.Logger) { l.Info("m", "err", fmt.Errorf("login %s: %w", "eve@example.com", io.EOF)) },
			`{"level":"INFO","msg":"m","err":"login [REDACTED]: EOF"}`},
		{"clean error kept", func(l *slog.Logger) { l.Info("m", "err", io.EOF) },
			`{"level":"INFO","msg":"m","err":"EOF"}`},
		{"logvaluer", func(l *slog.Logger) { l.Info("m", "v", valuer{"AKIAIOSFODNN7EXAMPLE"}) },
			`{"level":"INFO","msg":"m","v":"[REDACTED]"}`},
		{"logvaluer group", func(l *slog.Logger) { l.Info("m", "v", groupValuer{}) },
			`{"level":"INFO","msg":"m","v":{"id":7,"api_key":"[REDACTED]"}}`},
		{"stringer", func(l *slog.Logger) { l.Info("m", "s", stringer("ssn 123-45-6789")) },
			`{"level":"INFO","msg":"m","s":"ssn [REDACTED]"}`},
		{"url", func(l *slog.Logger) {
			u, _ := url.Parse("https://bob:pw@example.com/p?token=abc&page=2")
			l.Info("m", "u", u.String())
		}, `{"level":"INFO","msg":"m","u":"https://bob:[REDACTED]@example.com/p?token=[REDACTED]&page=2"}`},
		{"map", func(l *slog.Logger) {
			l.Info("m", "m", map[string]any{"id": 1, "Authorization": "Basic x", "note": "to a@b.cd"})
		}, `{"level":"INFO","msg":"m","m":{"Authorization":"[REDACTED]","id":1,"note":"to [REDACTED]"}}`},
		{"http header", func(l *slog.Logger) {
			l.Info("m", "h", http.Header{"Authorization": {"Bearer abc"}, "Accept": {"*/*"}})
		}, `{"level":"INFO","msg":"m","h":{"Accept":["*/*"],"Authorization":["[REDACTED]"]}}`},
		{"slice", func(l *slog.Logger) { l.Info("m", "s", []string{"ok", "AKIAIOSFODNN7EXAMPLE"}) },
			`{"level":"INFO","msg":"m","s":["ok","[REDACTED]"]}`},
		{"struct", func(l *slog.Logger) {
			l.Info("m", "c", creds{User: "u", Password: "p", Note: "card 4111-1111-1111-1111", PIN: 1234, Token: "t", inner: "x"})
		}, `{"level":"INFO","msg":"m","c":{"User":"u","Password":"[REDACTED]","Note":"card [REDACTED]","PIN":0,"tok":"[REDACTED]"}}`},
		{"pointer to struct", func(l *slog.Logger) { l.Info("m", "c", &creds{User: "u"}) },
			`{"level":"INFO","msg":"m","c":{"User":"u","Password":"","Note":"","PIN":0,"tok":""}}`},
		{"local only", func(l *slog.Logger) { l.Info("m", slogx.LocalOnly(), "e", "x@y.zz") },
			`{"level":"INFO","msg":"m","e":"[REDACTED]"}`},
		{"attr key", func(l *slog.Logger) { l.Info("m", "alice@example.com", 3) },
			`{"level":"INFO","msg":"m","[REDACTED]":3}`},
		{"map key", func(l *slog.Logger) { l.Info("m", "visits", map[string]int{"bob@example.com": 2, "home": 1}) },
			`{"level":"INFO","msg":"m","visits":{"[REDACTED]":2,"home":1}}`},
		{"bytes", func(l *slog.Logger) { l.Info("m", "body", []byte("card=4111111111111111")) },
			`{"level":"INFO","msg":"m","body":"Y2FyZD1bUkVEQUNURURd"}`}, // base64 of "card=[REDACTED]"
		{"nested bytes", func(l *slog.Logger) { l.Info("m", "req", struct{ Body []byte }{[]byte("to a@b.cd")}) },
			`{"level":"INFO","msg":"m","req":{"Body":"dG8gW1JFREFDVEVEXQ=="}}`}, // "to [REDACTED]"
		{"nothing", func(l *slog.Logger) {
			l.Info("order 1700000000000 shipped", "id", "550e8400-e29b-41d4-a716-446655440000")
		},
			`{"level":"INFO","msg":"order 1700000000000 shipped","id":"550e8400-e29b-41d4-a716-446655440000"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logLine(t, nil, tt.log); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

type valuer struct{ s string }

func (v valuer) LogValue() slog.Value { return slog.StringValue(v.s) }

type groupValuer struct{}

func (groupValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("id", 7), slog.String("api_key", "k"))
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestURLValues(t *testing.T) {
	u, _ := url.Parse("https://bob:hunter2@example.com/a%40b.cd?X-Amz-Signature=f00&email=eve%40example.com&page=2#access_token=zzz")
	orig := u.String()
	var got *url.URL
	h := New(captureHandler(func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool {
			got, _ = a.Value.Any().(*url.URL)
			return true
		})
	}), nil)
	slog.New(h).Info("m", "u", u)
	if u.String() != orig {
		t.Fatalf("caller's URL modified: %s", u)
	}
	if got == nil {
		t.Fatal("the URL lost its type")
	}
	s := got.String()
	for _, secret := range []string{"hunter2", "f00", "eve", "zzz", "a@b.cd", "a%40b.cd"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q still in %s", secret, s)
		}
	}
	if got.Host != "example.com" || got.User.Username() != "bob" {
		t.Errorf("host or user lost: %s", s)
	}

	clean, _ := url.Parse("https://example.com/p?page=2")
	var kept any
	slog.New(New(captureHandler(func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool { kept = a.Value.Any(); return true })
	}), nil)).Info("m", "u", clean)
	if kept != any(clean) {
		t.Errorf("a clean URL was copied: %v", kept)
	}
}

// captureHandler calls f with each record.
type captureHandler func(slog.Record)

func (captureHandler) Enabled(context.Context, slog.Level) bool        { return true }
func (f captureHandler) Handle(_ context.Context, r slog.Record) error { f(r); return nil }
func (f captureHandler) WithAttrs([]slog.Attr) slog.Handler            { return f }
func (f captureHandler) WithGroup(string) slog.Handler                 { return f }

func TestCallerValueNotMutated(t *testing.T) {
	type inner struct{ Email string }
	type outer struct {
		Name  string
		In    *inner
		Tags  []string
		Props map[string]string
		Arr   [2]string
	}
	v := &outer{Name: "n", In: &inner{Email: "a@b.cd"}, Tags: []string{"x", "AKIAIOSFODNN7EXAMPLE"},
		Props: map[string]string{"password": "p", "k": "v"}, Arr: [2]string{"123-45-6789", "y"}}
	line := logLine(t, nil, func(l *slog.Logger) { l.Info("m", "v", v) })
	want := `{"level":"INFO","msg":"m","v":{"Name":"n","In":{"Email":"[REDACTED]"},"Tags":["x","[REDACTED]"],"Props":{"k":"v","password":"[REDACTED]"},"Arr":["[REDACTED]","y"]}}`
	if line != want {
		t.Errorf("\n got %s\nwant %s", line, want)
	}
	if v.In.Email != "a@b.cd" || v.Tags[1] != "AKIAIOSFODNN7EXAMPLE" || v.Props["password"] != "p" || v.Arr[0] != "123-45-6789" {
		t.Errorf("caller's value modified: %+v %+v", v, v.In)
	}
}

func TestCleanAnyPassesUnchanged(t *testing.T) {
	type rec struct {
		A string
		B []int
	}
	x := &rec{A: "fine", B: []int{1, 2}}
	var got any
	slog.New(New(captureHandler(func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool { got = a.Value.Any(); return true })
	}), nil)).Info("m", "x", x)
	if got != any(x) {
		t.Errorf("a clean value was copied")
	}
}

func TestCyclesAndDepth(t *testing.T) {
	type node struct {
		Name string
		Next *node
	}
	a := &node{Name: "a"}
	a.Next = &node{Name: "mail z@example.com", Next: a}
	done := make(chan string)
	go func() {
		var buf bytes.Buffer
		slog.New(New(slog.NewTextHandler(&buf, nil), nil)).Info("m", "n", a)
		done <- buf.String()
	}()
	select {
	case out := <-done:
		if strings.Contains(out, "z@example.com") {
			t.Errorf("secret in a cyclic value leaked: %s", out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cyclic value hung the handler")
	}

	// Deeper than MaxDepth is replaced, not trusted.
	deep := any("x@example.com")
	for range 10 {
		deep = []any{deep}
	}
	line := logLine(t, &Options{MaxDepth: 4}, func(l *slog.Logger) { l.Info("m", "d", deep) })
	if strings.Contains(line, "x@example.com") || !strings.Contains(line, R) {
		t.Errorf("deep value: %s", line)
	}
	shallow := logLine(t, &Options{MaxDepth: 4}, func(l *slog.Logger) { l.Info("m", "d", []any{[]any{"ok"}}) })
	if want := `{"level":"INFO","msg":"m","d":[["ok"]]}`; shallow != want {
		t.Errorf("shallow value: got %s, want %s", shallow, want)
	}
}

func TestUnexportedEmbeddedFailsClosed(t *testing.T) {
	type hidden struct{ Password string }
	type wrapper struct {
		hidden
		ID int
	}
	line := logLine(t, nil, func(l *slog.Logger) { l.Info("m", "w", wrapper{hidden{"p4ss"}, 7}) })
	if strings.Contains(line, "p4ss") {
		t.Errorf("leaked through an unexported embedded struct: %s", line)
	}
}

type marshalsSecret struct{ s string }

func (m marshalsSecret) MarshalJSON() ([]byte, error) { return json.Marshal(m.s) }

type marshalsNumber struct{}

func (marshalsNumber) MarshalJSON() ([]byte, error) { return []byte(`{"pan":4111111111111111}`), nil }

type textSecret struct{ s string }

func (m textSecret) MarshalText() ([]byte, error) { return []byte(m.s), nil }

type panicky struct{}

func (panicky) String() string { panic("no") }

type errWithFields struct{ Code int }

func (e *errWithFields) Error() string { return fmt.Sprintf("code %d for a@b.cd", e.Code) }

func TestValuesThatPrintThemselves(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"json marshaler", marshalsSecret{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}, `"jwt [REDACTED]"`},
		{"json marshaler, bare number", marshalsNumber{}, `"{\"pan\":[REDACTED]}"`},
		{"text marshaler", textSecret{"AKIAIOSFODNN7EXAMPLE"}, `"[REDACTED]"`},
		{"error with fields", &errWithFields{3}, `"code 3 for [REDACTED]"`},
		{"nested error", map[string]any{"e": errors.New("to a@b.cd")}, `{"e":"to [REDACTED]"}`},
		{"nested marshaler", []any{marshalsSecret{"a@b.cd"}}, `["[REDACTED]"]`},
		{"panicking stringer", panicky{}, `{}`},
		{"json raw", json.RawMessage(`{"email":"a@b.cd"}`), `{"email":"[REDACTED]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := logLine(t, nil, func(l *slog.Logger) { l.Info("m", "v", tt.v) })
			want := `{"level":"INFO","msg":"m","v":` + tt.want + `}`
			if line != want {
				t.Errorf("\n got %s\nwant %s", line, want)
			}
		})
	}
}

func TestDottedKeysAndWithGroup(t *testing.T) {
	opts := &Options{Keys: []string{"user.ssn"}}
	type user struct {
		Name string
		SSN  string
	}
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string
	}{
		{"inline group", func(l *slog.Logger) { l.Info("m", slog.Group("user", "ssn", "078051120", "name", "x")) },
			`{"level":"INFO","msg":"m","user":{"ssn":"[REDACTED]","name":"x"}}`},
		{"with group", func(l *slog.Logger) { l.WithGroup("user").Info("m", "ssn", "078051120") },
			`{"level":"INFO","msg":"m","user":{"ssn":"[REDACTED]"}}`},
		{"with group then with", func(l *slog.Logger) { l.WithGroup("req").WithGroup("user").With("ssn", "1").Info("m") },
			`{"level":"INFO","msg":"m","req":{"user":{"ssn":"[REDACTED]"}}}`},
		{"struct", func(l *slog.Logger) { l.Info("m", "user", user{"n", "078051120"}) },
			`{"level":"INFO","msg":"m","user":{"Name":"n","SSN":"[REDACTED]"}}`},
		{"map", func(l *slog.Logger) { l.Info("m", "user", map[string]string{"ssn": "1"}) },
			`{"level":"INFO","msg":"m","user":{"ssn":"[REDACTED]"}}`},
		{"elsewhere", func(l *slog.Logger) { l.Info("m", "ssn", "078051120", slog.Group("acct", "ssn", "2")) },
			`{"level":"INFO","msg":"m","ssn":"078051120","acct":{"ssn":"2"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logLine(t, opts, tt.log); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	msg := func(opts *Options) string {
		return logLine(t, opts, func(l *slog.Logger) {
			l.Info("key AKIAIOSFODNN7EXAMPLE", "password", "p", "u", "/x?sig=1", "e", "a@b.cd")
		})
	}
	tests := []struct {
		name string
		opts *Options
		want string
	}{
		{"nil", nil,
			`{"level":"INFO","msg":"key [REDACTED]","password":"[REDACTED]","u":"/x?sig=[REDACTED]","e":"[REDACTED]"}`},
		{"zero", &Options{},
			`{"level":"INFO","msg":"key [REDACTED]","password":"[REDACTED]","u":"/x?sig=[REDACTED]","e":"[REDACTED]"}`},
		{"skip message", &Options{SkipMessage: true},
			`{"level":"INFO","msg":"key AKIAIOSFODNN7EXAMPLE","password":"[REDACTED]","u":"/x?sig=[REDACTED]","e":"[REDACTED]"}`},
		{"everything off", &Options{Keys: []string{}, Detectors: []Detector{}, URLParams: []string{}},
			`{"level":"INFO","msg":"key AKIAIOSFODNN7EXAMPLE","password":"p","u":"/x?sig=1","e":"a@b.cd"}`},
		{"replacement", &Options{Replacement: "***", Detectors: []Detector{Email.WithReplacement("<email>")}},
			`{"level":"INFO","msg":"key AKIAIOSFODNN7EXAMPLE","password":"***","u":"/x?sig=***","e":"<email>"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := msg(tt.opts); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestHashRedactor(t *testing.T) {
	line := func(key string, f func(l *slog.Logger)) map[string]any {
		var m map[string]any
		s := logLine(t, &Options{HashKey: []byte(key)}, f)
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := line("k1", func(l *slog.Logger) {
		l.Info("m", "e1", "a@b.cd", "e2", "a@b.cd", "e3", "c@d.ef", "password", "a@b.cd", "n", marshalsSecret{"a@b.cd"})
	})
	b := line("k2", func(l *slog.Logger) { l.Info("m", "e1", "a@b.cd") })
	e1 := a["e1"].(string)
	if !strings.HasPrefix(e1, "[HMAC:") || len(e1) != len("[HMAC:]")+16 {
		t.Fatalf("hash form: %q", e1)
	}
	if a["e2"] != e1 || a["password"] != e1 {
		t.Errorf("equal secrets hash differently: %v", a)
	}
	if a["e3"] == e1 {
		t.Errorf("different secrets hash alike: %v", a)
	}
	if b["e1"] == e1 {
		t.Errorf("the hash does not depend on the key")
	}
	if strings.Contains(fmt.Sprint(a), "a@b.cd") {
		t.Errorf("secret shown: %v", a)
	}
	// Known answer: HMAC-SHA256("k1", "a@b.cd"), first 8 bytes.
	if want := "[HMAC:" + hmacHex("k1", "a@b.cd") + "]"; e1 != want {
		t.Errorf("got %s, want %s", e1, want)
	}
}

func TestWithAttrsRedactedOnce(t *testing.T) {
	var calls atomic.Int32
	v := countingValuer{&calls, "Bearer abcdef0123456789"}
	var buf bytes.Buffer
	l := slog.New(New(newJSON(&buf), nil)).With("auth", v)
	if calls.Load() != 1 {
		t.Fatalf("LogValue called %d times by With, want 1", calls.Load())
	}
	for range 3 {
		l.Info("m")
	}
	if calls.Load() != 1 {
		t.Errorf("LogValue called %d times after 3 records, want 1: With attrs must be redacted once", calls.Load())
	}
	if strings.Contains(buf.String(), "abcdef0123456789") || strings.Count(buf.String(), "Bearer [REDACTED]") != 3 {
		t.Errorf("output: %s", buf.String())
	}
}

type countingValuer struct {
	n *atomic.Int32
	s string
}

func (c countingValuer) LogValue() slog.Value { c.n.Add(1); return slog.StringValue(c.s) }

type ctxKey struct{}

func TestContextAttrs(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "trace-1"))
	defer cancel()
	ctx := slogx.NewContext(parent, slog.String("request_id", "r1"), slog.String("user", "a@b.cd"))
	ctx = slogx.NewContext(ctx, slog.String("token", "t0k"), slogx.LocalOnly())

	var seen context.Context
	var buf bytes.Buffer
	spy := spyCtx{next: newJSON(&buf), seen: &seen}
	slog.New(New(spy, nil)).InfoContext(ctx, "m")

	if got := buf.String(); got != `{"level":"INFO","msg":"m","request_id":"r1","user":"[REDACTED]","token":"[REDACTED]"}`+"\n" {
		t.Errorf("line: %s", got)
	}
	as := slogx.ContextAttrs(seen)
	if len(as) != 3 || as[0].String() != "request_id=r1" || as[1].String() != "user="+R || as[2].String() != "token="+R {
		t.Errorf("context attrs: %v", as)
	}
	if !slogx.IsLocal(seen, slog.Record{}) {
		t.Error("the LocalOnly marker of the context was lost")
	}
	if seen.Value(ctxKey{}) != "trace-1" {
		t.Error("other context values were lost")
	}
	cancel()
	select {
	case <-seen.Done():
	default:
		t.Error("cancellation does not reach the redacted context")
	}
	if orig := slogx.ContextAttrs(ctx); orig[1].Value.String() != "a@b.cd" {
		t.Errorf("caller's context changed: %v", orig)
	}

	// A clean context is passed on as it is.
	clean := slogx.NewContext(context.Background(), slog.String("request_id", "r2"))
	slog.New(New(spy, nil)).InfoContext(clean, "m")
	if seen != clean {
		t.Error("a clean context was replaced")
	}
}

type spyCtx struct {
	next slog.Handler
	seen *context.Context
}

func (s spyCtx) Enabled(ctx context.Context, l slog.Level) bool { return s.next.Enabled(ctx, l) }
func (s spyCtx) Handle(ctx context.Context, r slog.Record) error {
	*s.seen = ctx
	return s.next.Handle(ctx, r)
}
func (s spyCtx) WithAttrs(as []slog.Attr) slog.Handler {
	return spyCtx{s.next.WithAttrs(as), s.seen}
}
func (s spyCtx) WithGroup(n string) slog.Handler { return spyCtx{s.next.WithGroup(n), s.seen} }

func TestLocalOnlyPassesThrough(t *testing.T) {
	var local bool
	var withLocal bool
	h := New(localSpy{local: &local, withLocal: &withLocal}, nil)
	slog.New(h).Info("m", slogx.LocalOnly(), "email", "a@b.cd")
	if !local {
		t.Error("the LocalOnly marker of a record did not reach the next handler")
	}
	slog.New(h).With(slogx.LocalOnly(), "password", "x").Info("m")
	if !withLocal {
		t.Error("the LocalOnly marker given to With did not reach the next handler")
	}
}

type localSpy struct{ local, withLocal *bool }

func (localSpy) Enabled(context.Context, slog.Level) bool { return true }
func (s localSpy) Handle(ctx context.Context, r slog.Record) error {
	if slogx.IsLocal(ctx, r) {
		*s.local = true
	}
	return nil
}
func (s localSpy) WithAttrs(as []slog.Attr) slog.Handler {
	for _, a := range as {
		if isLocalOnly(a) {
			*s.withLocal = true
		}
	}
	return s
}
func (s localSpy) WithGroup(string) slog.Handler { return s }

func TestEnabledAndErrorsPassThrough(t *testing.T) {
	want := errors.New("disk full")
	h := New(errHandler{want}, nil)
	if h.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("Enabled not delegated")
	}
	if err := h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelError, "x@y.zz", 0)); err != want {
		t.Errorf("Handle error = %v, want %v", err, want)
	}
	if h.WithGroup("") != h {
		t.Error("WithGroup(\"\") should return the handler itself")
	}
	if h.WithAttrs(nil) != h {
		t.Error("WithAttrs(nil) should return the handler itself")
	}
}

type errHandler struct{ err error }

func (errHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (e errHandler) Handle(context.Context, slog.Record) error  { return e.err }
func (e errHandler) WithAttrs([]slog.Attr) slog.Handler         { return e }
func (e errHandler) WithGroup(string) slog.Handler              { return e }

func TestNilHandlerPanicsAtConstruction(t *testing.T) {
	for name, f := range map[string]func(){
		"New":        func() { New(nil, nil) },
		"Middleware": func() { Middleware(nil)(nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil) did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestMiddlewareInPipe(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slogx.Pipe(newJSON(&buf), Middleware(nil)))
	l.With("session", "s1").WithGroup("g").Info("hi a@b.cd", "jwt", "x")
	want := `{"level":"INFO","msg":"hi [REDACTED]","session":"[REDACTED]","g":{"jwt":"[REDACTED]"}}` + "\n"
	if buf.String() != want {
		t.Errorf("\n got %s\nwant %s", buf.String(), want)
	}
}

func TestRecordNotModified(t *testing.T) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "a@b.cd", 0)
	r.AddAttrs(slog.String("password", "p"), slog.String("x", "c@d.ef"))
	before := fmt.Sprint(r.Message)
	r.Attrs(func(a slog.Attr) bool { before += a.String(); return true })
	_ = New(captureHandler(func(slog.Record) {}), nil).Handle(context.Background(), r)
	after := fmt.Sprint(r.Message)
	r.Attrs(func(a slog.Attr) bool { after += a.String(); return true })
	if before != after {
		t.Errorf("record modified: %s -> %s", before, after)
	}
}

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// One handler, its derived handlers and the compiled options are shared
// by many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	var buf syncBuffer
	base := slog.New(New(newJSON(&buf), &Options{HashKey: []byte("k")}))
	l := base.With("session", "s-1").WithGroup("g")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				l.Info("login a@b.cd", "n", i*100+j, "card", "4111 1111 1111 1111", "m", map[string]any{"token": "t"})
				base.Info("plain", "n", j)
			}
		}()
	}
	wg.Wait()
	out := buf.String()
	if strings.Count(out, "\n") != 800 {
		t.Fatalf("got %d lines", strings.Count(out, "\n"))
	}
	for _, s := range []string{"a@b.cd", "4111 1111", "s-1", `"token":"t"`} {
		if strings.Contains(out, s) {
			t.Errorf("%q leaked", s)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A nil pointer of errors.New's type (only reflect makes one) panics in
// its Error method; redact must not be the one to let it out.
func TestNilPlainErrorDoesNotPanicInRedact(t *testing.T) {
	nilErr := reflect.Zero(reflect.TypeOf(errors.New(""))).Interface().(error)
	h := New(nopHandler{}, nil)
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Any("err", nilErr))
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Handle panicked on a nil *errors.errorString: %v", p)
		}
	}()
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}
