package redact

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/slogx"
)

// Benchmarks compare, in one run, the same records through:
//
//	handler=bare        slogx.JSONHandler alone (the floor)
//	handler=redact      redact.New in front of it, every default on
//	handler=replaceattr the common approach: a ReplaceAttr on the same
//	                    JSONHandler running the equivalent regexps and key list
//
// Sub-benchmark names are key=value so that benchstat can pivot on them:
//
//	go test -bench . -benchmem -count=6 -run '^$' ./slogx/redact/ > new.txt
//	benchstat -col /handler new.txt

var benchRecords = []struct {
	name string
	rec  func() slog.Record
}{
	// Five attributes of the common kinds, nothing sensitive.
	{"clean", func() slog.Record {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request handled", 0)
		r.AddAttrs(
			slog.String("path", "/api/v1/orders"),
			slog.Int("status", 200),
			slog.Duration("latency", 1234567*time.Nanosecond),
			slog.Time("started", time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)),
			slog.Any("err", errors.New("connection reset by peer")),
		)
		return r
	}},
	// Three secrets: an address in the message, a card in a string, a
	// password by its key.
	{"secrets3", func() slog.Record {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "payment from alice@example.com declined", 0)
		r.AddAttrs(
			slog.String("card", "4111 1111 1111 1111"),
			slog.String("password", "hunter2"),
			slog.Int("status", 402),
			slog.Duration("latency", 1234567*time.Nanosecond),
			slog.Any("err", errors.New("card declined")),
		)
		return r
	}},
	// A kilobyte of prose in the message: the cost of the hint pass.
	{"prose1k", func() slog.Record {
		msg := strings.Repeat("The quick brown fox jumps over the lazy dog, again and again. ", 17)
		r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
		r.AddAttrs(slog.String("path", "/api/v1/orders"), slog.Int("status", 200))
		return r
	}},
}

// replaceAttrRegexps is what applications write without redact: one
// regexp per kind of secret, run on every string.
var replaceAttrRegexps = []*regexp.Regexp{
	regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}`),
	regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`),
	regexp.MustCompile(`\b\d{3}[- ]\d{2}[- ]\d{4}\b`),
	regexp.MustCompile(`(?i)\b(?:bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
	regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`),
	regexp.MustCompile(`://[^:/\s]+:[^@/\s]+@`),
	regexp.MustCompile(`(?i)[?&#](?:token|access_token|password|secret|signature|sig|api_key|key|code|x-amz-signature|x-goog-signature)=[^&#\s]+`),
}

var replaceAttrKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range DefaultKeys() {
		m[strings.ToLower(k)] = true
	}
	return m
}()

func replaceAttrRedact(_ []string, a slog.Attr) slog.Attr {
	if replaceAttrKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, DefaultReplacement)
	}
	var s string
	switch a.Value.Kind() {
	case slog.KindString:
		s = a.Value.String()
	case slog.KindAny:
		err, ok := a.Value.Any().(error)
		if !ok {
			return a
		}
		s = err.Error()
	default:
		return a
	}
	for _, re := range replaceAttrRegexps {
		s = re.ReplaceAllString(s, DefaultReplacement)
	}
	return slog.String(a.Key, s)
}

func benchHandlers() []struct {
	name string
	h    slog.Handler
} {
	return []struct {
		name string
		h    slog.Handler
	}{
		{"bare", slogx.NewJSONHandler(io.Discard, nil)},
		{"redact", New(slogx.NewJSONHandler(io.Discard, nil), nil)},
		{"replaceattr", slogx.NewJSONHandler(io.Discard, &slog.HandlerOptions{ReplaceAttr: replaceAttrRedact})},
	}
}

func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	for _, rb := range benchRecords {
		r := rb.rec()
		for _, hb := range benchHandlers() {
			b.Run("record="+rb.name+"/handler="+hb.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := hb.h.Handle(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOverhead puts redact in front of a handler that does nothing,
// so that what it costs is not hidden in the encoder's time.
func BenchmarkOverhead(b *testing.B) {
	ctx := context.Background()
	for _, rb := range benchRecords {
		r := rb.rec()
		for _, hb := range []struct {
			name string
			h    slog.Handler
		}{
			{"nop", nopHandler{}},
			{"redact", New(nopHandler{}, nil)},
		} {
			b.Run("record="+rb.name+"/handler="+hb.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := hb.h.Handle(ctx, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type nopHandler struct{}

func (nopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (nopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h nopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h nopHandler) WithGroup(string) slog.Handler           { return h }

// BenchmarkWithAttrs measures With on a redacting logger: the attributes
// are scanned once here, so records pay nothing for them later.
func BenchmarkWithAttrs(b *testing.B) {
	as := []slog.Attr{slog.String("request_id", "r-123"), slog.String("user", "alice"), slog.Int("shard", 3)}
	for _, hb := range benchHandlers() {
		b.Run("handler="+hb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = hb.h.WithAttrs(as)
			}
		})
	}
}

// BenchmarkScan measures the text engine alone on typical strings.
func BenchmarkScan(b *testing.B) {
	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	for _, tc := range []struct{ name, s string }{
		{"short", "/api/v1/orders"},
		{"sentence", "connection reset by peer while reading response body"},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000"},
		{"ms_timestamp", "1712345678901"},
		{"email", "mail sent to alice@example.com"},
	} {
		b.Run("text="+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.s)))
			for b.Loop() {
				e.scan(tc.s, false)
			}
		})
	}
}

// BenchmarkMayFind measures the hint pass alone on the strings of the
// realistic clean record: what a clean record's text costs.
func BenchmarkMayFind(b *testing.B) {
	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	rec := loggerRecords[0]
	texts := []string{rec.msg}
	for _, a := range rec.attrs {
		texts = append(texts, a.Key)
		if a.Value.Kind() == slog.KindString {
			texts = append(texts, a.Value.String())
		}
		if err, ok := a.Value.Any().(error); ok {
			texts = append(texts, err.Error())
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range texts {
			if e.mayFind(s) {
				b.Fatalf("%q is clean", s)
			}
		}
	}
}
