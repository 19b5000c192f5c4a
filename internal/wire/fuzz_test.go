package wire

import (
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFormats logs a record made of arbitrary strings (message, keys,
// values, a group name, a label value) in every format and checks that
// the body decodes and carries the message and the value, with invalid
// UTF-8 replaced as the JSON formats replace it.
func FuzzFormats(f *testing.F) {
	f.Add("hello", "k", "v", "g", int64(1))
	f.Add(lineBreaks, badUTF8, jsonBody, "", int64(-1))
	f.Add(strings.Repeat("\"\\", 100), "", "\x00\x1f\u2028", "a.b", int64(1)<<62)
	f.Add(httpDump, "trace_id", traceHex, "span_id", int64(0))
	formats := make([]*Format, len(allKinds))
	for i, k := range allKinds {
		formats[i] = mustNew(f, k, Options{Service: "svc", Labels: labelsFor(k, "tenant")})
	}
	f.Fuzz(func(t *testing.T, msg, key, val, group string, n int64) {
		for _, fm := range formats {
			rec := newRecorder(fm)
			l := slog.New(rec)
			if group != "" {
				l = l.WithGroup(group)
			}
			r := slog.NewRecord(time.Unix(0, n), slog.Level(n%20), msg, 0)
			r.AddAttrs(slog.String(key, val), slog.Int64("n", n), slog.String("tenant", val))
			if err := l.Handler().Handle(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			es := decode(t, fm, rec.body())
			if len(es) != 1 {
				t.Fatalf("%v: %d records", fm.Kind(), len(es))
			}
			if got, want := es[0].Fields["msg"], strings.ToValidUTF8(msg, "\ufffd"); got != want && !replacedOnly(got, msg) {
				t.Fatalf("%v: message %q, want %q", fm.Kind(), got, want)
			}
		}
	})
}

// replacedOnly reports whether got is s with each invalid byte replaced by
// U+FFFD, which is how encoding/json and the encoders treat bad bytes
// (one U+FFFD per byte, where ToValidUTF8 gives one per run).
func replacedOnly(got any, s string) bool {
	g, ok := got.(string)
	if !ok {
		return false
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return g == b.String() && utf8.ValidString(g)
}
