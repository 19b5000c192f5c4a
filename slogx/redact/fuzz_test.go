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
// that every line is valid JSON, that redacting is idempotent (text
// already redacted has nothing left to find), and that a real-shaped
// secret planted between the arbitrary texts never survives, whatever
// surrounds it.
//
//	go test ./slogx/redact -run '^$' -fuzz '^FuzzRedactJSON$' -fuzztime 30s
func FuzzRedactJSON(f *testing.F) {
	f.Add("login alice@example.com", "password", "hunter2")
	f.Add("card 4111 1111 1111 1111", "note", "ssn 123-45-6789")
	f.Add("Authorization: Bearer abc.def-123", "url", "https://u:p#w@db/x?token=t&a=1#access_token=z")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----\nMIIE")
	f.Add("\xff\xfe invalid \u2028 utf8", "user.ssn", "\x00\"\\")
	f.Add("", "", "")

	f.Add("Cookie: sid=", "x", "| ghp_")
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
		// A secret planted in the message and in an attribute, set off
		// from the arbitrary text by " | ", which no detector reads across.
		p := planted[(len(msg)*31+len(val)+len(key))%len(planted)]
		if !strings.Contains(msg+key+val, p.secret) {
			var pb bytes.Buffer
			text := msg + " | " + p.text + " | " + val
			slog.New(New(slogx.NewJSONHandler(&pb, nil), nil)).Info(text, "note", text, "list", []string{val, p.text})
			if strings.Contains(pb.String(), p.secret) {
				t.Fatalf("planted secret %q survived:\n%s", p.secret, pb.String())
			}
		}
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

// planted are secrets in their real shapes, and the part of each that must
// not be printed.
var planted = []struct{ text, secret string }{
	{"alice.smith@example.com", "alice.smith@example.com"},
	{"4111 1111 1111 1111", "4111 1111 1111 1111"},
	{"078-05-1120", "078-05-1120"},
	{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJzdWIiOiIxMjM0NTY3ODkwIn0"},
	{"AKIAQX4ZJ7RBN2XKM3PW", "AKIAQX4ZJ7RBN2XKM3PW"},
	{"ghp_x8Kq2Lm9Vn4Rb7Tz1Wc5Yd3Fh6Jp0Ga8Se2U", "x8Kq2Lm9Vn4Rb7Tz1Wc5Yd3Fh6Jp0Ga8Se2U"},
	{"xoxb-1234567890-9876543210-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx"},
	{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"},
	{"postgres://app:Zq81vLw0pX@db.internal:5432/orders", "Zq81vLw0pX"},
	{`{"password":"Tr0ub4dor&3x"}`, "Tr0ub4dor&3x"},
	{"GB82WEST12345698765432", "GB82WEST12345698765432"},
	{"Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"},
	{"AIzaSyD8x7Qm2Lk9Pn4Rb1Vc6Tz3Wd5Yf0Ga7Hs", "SyD8x7Qm2Lk9Pn4Rb1Vc6Tz3Wd5Yf0Ga7Hs"},
	{"--password S3cr3t!v4lue", "S3cr3t!v4lue"},
}
