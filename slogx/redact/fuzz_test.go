package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"go.slogx.dev/slogx"
)

// FuzzRedactJSON logs arbitrary text in every place redact looks, through
// redact in front of slogx.JSONHandler, and checks that nothing panics,
// that every line is valid JSON, and that redacting is idempotent: text
// already redacted has nothing left to find.
//
//	go test ./slogx/redact -run '^$' -fuzz '^FuzzRedactJSON$' -fuzztime 30s
func FuzzRedactJSON(f *testing.F) {
	f.Add("login alice@example.com", "password", "hunter2")
	f.Add("card 4111 1111 1111 1111", "note", "ssn 123-45-6789")
	f.Add("Authorization: Bearer abc.def-123", "url", "https://u:p#w@db/x?token=t&a=1#access_token=z")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----\nMIIE")
	f.Add("\xff\xfe invalid \u2028 utf8", "user.ssn", "\x00\"\\")
	f.Add("", "", "")

	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	f.Fuzz(func(t *testing.T, msg, key, val string) {
		var buf bytes.Buffer
		h := New(slogx.NewJSONHandler(&buf, nil), &Options{Keys: append(DefaultKeys(), key, "a.b")})
		l := slog.New(h).With(key, val).WithGroup(key).With("w", val)
		u, _ := url.Parse(val)
		ctx := slogx.NewContext(context.Background(), slog.String(key, val))
		l.InfoContext(ctx, msg+val,
			key, val,
			slog.Group("g", key, val, slog.Group("a", "b", val)),
			"err", errors.New(val),
			"url", u,
			"map", map[string]any{key: val, "n": []any{val, 1}},
			"struct", struct {
				A string
				B []string
				C any
			}{val, []string{msg}, val},
			"valuer", valuer{val},
		)
		for _, line := range strings.SplitAfter(buf.String(), "\n") {
			if line == "" {
				continue
			}
			if !json.Valid([]byte(line)) {
				t.Fatalf("invalid JSON: %q", line)
			}
		}
		for _, s := range []string{msg, val, msg + " " + val} {
			once, _ := e.scan(s, false)
			if twice, _ := e.scan(once, false); twice != once {
				t.Fatalf("not idempotent:\n  in    %q\n  once  %q\n  twice %q", s, once, twice)
			}
		}
	})
}
