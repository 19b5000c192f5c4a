package redact

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.slogx.dev/slogx"
)

// The corpora live in testdata/redact at the module root, so that other
// tools (and other packages' tests) can use them. See its README.
var corpusDir = filepath.Join("..", "..", "testdata", "redact")

// A corpusRecord describes one log call: the logger is built with With
// (at the root), then WithGroup for each of Groups, then With(GroupWith),
// and the record is logged with a context carrying Ctx.
type corpusRecord struct {
	Name      string       `json:"name"`
	Msg       string       `json:"msg"`
	Attrs     []corpusAttr `json:"attrs,omitempty"`
	With      []corpusAttr `json:"with,omitempty"`
	Groups    []string     `json:"groups,omitempty"`
	GroupWith []corpusAttr `json:"group_with,omitempty"`
	Ctx       []corpusAttr `json:"ctx,omitempty"`
	// Secrets must not appear in the output; empty for look-alikes, whose
	// output must be byte-identical to the output without redact.
	Secrets []string `json:"secrets,omitempty"`
}

// A corpusAttr is an attribute and the Go shape its value takes.
type corpusAttr struct {
	Key string `json:"key"`
	// Kind is one of string, int, float (a float64, as JSON decodes
	// numbers), error (wrapped with %w), url (*url.URL), stringer, valuer (a
	// slog.LogValuer), map (map[string]any), slice ([]any), strings
	// ([]string), struct (*corpusProfile), raw (json.RawMessage), marshaler
	// (a type whose MarshalJSON prints Value), header (http.Header), cookies
	// ([]*http.Cookie from [{"name","value"}]), values (url.Values) or group
	// (Value holds attrs).
	Kind  string          `json:"kind"`
	Value json.RawMessage `json:"value"`
}

// corpusProfile is the struct type of "struct" attributes. SecretAnswer is
// tagged, so it is masked whatever it holds.
type corpusProfile struct {
	Name         string            `json:"name"`
	Note         string            `json:"note,omitempty"`
	SecretAnswer string            `json:"secret_answer,omitempty" redact:"true"`
	Contact      *corpusContact    `json:"contact,omitempty"`
	Tags         []string          `json:"tags,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
}

type corpusContact struct {
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Notes []any  `json:"notes,omitempty"`
}

type corpusStringer string

func (s corpusStringer) String() string { return string(s) }

// corpusMarshaler prints itself as the JSON it holds, as API client types
// with a MarshalJSON do.
type corpusMarshaler struct{ raw string }

func (m corpusMarshaler) MarshalJSON() ([]byte, error) { return []byte(m.raw), nil }

type corpusValuer string

func (v corpusValuer) LogValue() slog.Value { return slog.StringValue(string(v)) }

func (a corpusAttr) attr(t testing.TB) slog.Attr {
	str := func() string {
		var s string
		if err := json.Unmarshal(a.Value, &s); err != nil {
			t.Fatalf("attr %s: %v", a.Key, err)
		}
		return s
	}
	decode := func(v any) any {
		if err := json.Unmarshal(a.Value, v); err != nil {
			t.Fatalf("attr %s: %v", a.Key, err)
		}
		return v
	}
	switch a.Kind {
	case "string":
		return slog.String(a.Key, str())
	case "int":
		var n int64
		decode(&n)
		return slog.Int64(a.Key, n)
	case "error":
		return slog.Any(a.Key, fmt.Errorf("request failed: %w", errors.New(str())))
	case "url":
		u, err := url.Parse(str())
		if err != nil {
			t.Fatalf("attr %s: %v", a.Key, err)
		}
		return slog.Any(a.Key, u)
	case "stringer":
		return slog.Any(a.Key, corpusStringer(str()))
	case "float":
		var f float64
		decode(&f)
		return slog.Any(a.Key, map[string]any{"amount": 12.5, "number": f})
	case "strings":
		return slog.Any(a.Key, *decode(&[]string{}).(*[]string))
	case "raw":
		return slog.Any(a.Key, json.RawMessage(str()))
	case "marshaler":
		return slog.Any(a.Key, corpusMarshaler{raw: str()})
	case "header":
		return slog.Any(a.Key, http.Header(*decode(&map[string][]string{}).(*map[string][]string)))
	case "values":
		return slog.Any(a.Key, url.Values(*decode(&map[string][]string{}).(*map[string][]string)))
	case "cookies":
		var cs []struct{ Name, Value string }
		decode(&cs)
		var out []*http.Cookie
		for _, c := range cs {
			out = append(out, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/", HttpOnly: true})
		}
		return slog.Any(a.Key, out)
	case "valuer":
		return slog.Any(a.Key, corpusValuer(str()))
	case "map":
		return slog.Any(a.Key, *decode(&map[string]any{}).(*map[string]any))
	case "slice":
		return slog.Any(a.Key, *decode(&[]any{}).(*[]any))
	case "struct":
		return slog.Any(a.Key, decode(&corpusProfile{}))
	case "group":
		var as []corpusAttr
		decode(&as)
		var args []any
		for _, g := range as {
			args = append(args, g.attr(t))
		}
		return slog.Group(a.Key, args...)
	}
	t.Fatalf("attr %s: unknown kind %q", a.Key, a.Kind)
	return slog.Attr{}
}

func attrsOf(t testing.TB, as []corpusAttr) []any {
	var out []any
	for _, a := range as {
		out = append(out, a.attr(t))
	}
	return out
}

// log logs rec through h.
func (rec corpusRecord) log(t testing.TB, h slog.Handler) {
	l := slog.New(h)
	if len(rec.With) > 0 {
		l = l.With(attrsOf(t, rec.With)...)
	}
	for _, g := range rec.Groups {
		l = l.WithGroup(g)
	}
	if len(rec.GroupWith) > 0 {
		l = l.With(attrsOf(t, rec.GroupWith)...)
	}
	ctx := context.Background()
	if len(rec.Ctx) > 0 {
		var as []slog.Attr
		for _, a := range rec.Ctx {
			as = append(as, a.attr(t))
		}
		ctx = slogx.NewContext(ctx, as...)
	}
	l.InfoContext(ctx, rec.Msg, attrsOf(t, rec.Attrs)...)
}

func readCorpus(t testing.TB, name string) []corpusRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []corpusRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r corpusRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s line %d: %v", name, len(recs)+1, err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// corpusOptions are the options the secrets corpus is run with: every
// default, plus dotted keys and a regexp and a func detector for secrets
// only an application knows, so that each kind of rule is exercised.
func corpusOptions(hashKey []byte) *Options {
	return &Options{
		Keys: append(DefaultKeys(), "patient.dob", "billing.account"),
		Detectors: append(DefaultDetectors(),
			Regexp("badge", regexp.MustCompile(`\bEMP-[0-9]{6}-[A-Z]{2}\b`)),
			Func("license", findLicenseKeys)),
		HashKey: hashKey,
	}
}

// findLicenseKeys is a Func detector for an application's own license
// keys: ACME- and four groups of four capitals or digits.
func findLicenseKeys(dst [][2]int, s string) [][2]int {
	for _, m := range licenseShape.FindAllStringIndex(s, -1) {
		dst = append(dst, [2]int{m[0], m[1]})
	}
	return dst
}

var licenseShape = regexp.MustCompile(`\bACME(?:-[A-Z0-9]{4}){4}\b`)

// outputs logs rec through every handler the corpus is checked against:
// slogx.JSONHandler and slog.TextHandler, bare or behind wrap.
func outputs(t testing.TB, rec corpusRecord, wrap func(slog.Handler) slog.Handler) (jsonOut, textOut string) {
	var jb, tb bytes.Buffer
	rec.log(t, wrap(slogx.NewJSONHandler(&jb, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	rec.log(t, wrap(slog.NewTextHandler(&tb, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	return jb.String(), tb.String()
}

func bare(h slog.Handler) slog.Handler { return h }

// jsonStrings returns every key and string in a JSON line, unescaped, so
// that a secret that JSON escaping would disguise is still found.
func jsonStrings(t testing.TB, line string) string {
	var v any
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", line, err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte(0)
		case map[string]any:
			for k, e := range v {
				b.WriteString(k)
				b.WriteByte(0)
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case float64:
			fmt.Fprint(&b, v)
			b.WriteByte(0)
		}
	}
	walk(v)
	return b.String()
}

func TestSecretsCorpus(t *testing.T) {
	recs := readCorpus(t, "secrets.jsonl")
	if len(recs) < 200 {
		t.Fatalf("secrets corpus has %d records, want at least 200", len(recs))
	}
	for _, hashKey := range [][]byte{nil, []byte("corpus-key")} {
		opts := corpusOptions(hashKey)
		mw := Middleware(opts)
		wrap := func(h slog.Handler) slog.Handler { return mw(h) }
		for _, rec := range recs {
			if len(rec.Secrets) == 0 {
				t.Errorf("%s: no secrets listed", rec.Name)
				continue
			}
			bareJSON, bareText := outputs(t, rec, bare)
			gotJSON, gotText := outputs(t, rec, wrap)
			plain := jsonStrings(t, gotJSON)
			for _, s := range rec.Secrets {
				// The corpus must be able to fail: without redact the
				// secret is printed.
				if hashKey == nil && !strings.Contains(bareJSON, s) && !strings.Contains(jsonStrings(t, bareJSON), s) && !strings.Contains(bareText, s) {
					t.Errorf("%s: secret %q is not printed even without redact; fix the record", rec.Name, s)
				}
				if strings.Contains(gotJSON, s) || strings.Contains(plain, s) {
					t.Errorf("%s (hash=%v): secret %q leaked through JSON:\n%s", rec.Name, hashKey != nil, s, gotJSON)
				}
				if strings.Contains(gotText, s) {
					t.Errorf("%s (hash=%v): secret %q leaked through text:\n%s", rec.Name, hashKey != nil, s, gotText)
				}
			}
		}
	}
}

func TestLookalikesCorpus(t *testing.T) {
	recs := readCorpus(t, "lookalikes.jsonl")
	if len(recs) < 200 {
		t.Fatalf("look-alike corpus has %d records, want at least 200", len(recs))
	}
	for name, opts := range map[string]*Options{"defaults": nil, "corpus": corpusOptions(nil)} {
		mw := Middleware(opts)
		wrap := func(h slog.Handler) slog.Handler { return mw(h) }
		for _, rec := range recs {
			if len(rec.Secrets) != 0 {
				t.Errorf("%s: a look-alike lists secrets", rec.Name)
			}
			bareJSON, bareText := outputs(t, rec, bare)
			gotJSON, gotText := outputs(t, rec, wrap)
			if gotJSON != bareJSON {
				t.Errorf("%s (%s): look-alike changed:\n got %s\nwant %s", rec.Name, name, gotJSON, bareJSON)
			}
			if gotText != bareText {
				t.Errorf("%s (%s): look-alike changed in text:\n got %s\nwant %s", rec.Name, name, gotText, bareText)
			}
		}
	}
}

// TestCorpusCoverage holds the corpora to their promise: at least 1,000
// secrets in at least 60 categories, in every shape programs log them,
// and at least 1,000 look-alikes.
func TestCorpusCoverage(t *testing.T) {
	secrets := readCorpus(t, "secrets.jsonl")
	n := 0
	cats := map[string]bool{}
	shapes := map[string]bool{}
	for _, rec := range secrets {
		n += len(rec.Secrets)
		parts := strings.Split(rec.Name, "/")
		cats[strings.Join(parts[:len(parts)-2], "/")] = true
		shapes[parts[len(parts)-2]] = true
	}
	if n < 1000 || len(cats) < 60 {
		t.Errorf("secrets corpus: %d secrets in %d categories, want >= 1000 in >= 60", n, len(cats))
	}
	for _, where := range placements {
		if !shapes[where] {
			t.Errorf("no secret is logged as %s", where)
		}
	}
	kinds := map[string]bool{}
	var walk func([]corpusAttr)
	walk = func(as []corpusAttr) {
		for _, a := range as {
			kinds[a.Kind] = true
			if a.Kind == "group" {
				var sub []corpusAttr
				if err := json.Unmarshal(a.Value, &sub); err != nil {
					t.Fatal(err)
				}
				walk(sub)
			}
		}
	}
	for _, rec := range secrets {
		walk(rec.Attrs)
		walk(rec.With)
		walk(rec.GroupWith)
		walk(rec.Ctx)
	}
	for _, k := range []string{"string", "int", "float", "error", "url", "stringer", "valuer", "map", "slice", "strings",
		"struct", "raw", "marshaler", "header", "cookies", "values", "group"} {
		if !kinds[k] {
			t.Errorf("no secret is held by a value of kind %s", k)
		}
	}
	if look := readCorpus(t, "lookalikes.jsonl"); len(look) < 1000 {
		t.Errorf("look-alike corpus has %d records, want >= 1000", len(look))
	}
	t.Logf("%d secrets in %d categories; %d shapes", n, len(cats), len(shapes))
}
