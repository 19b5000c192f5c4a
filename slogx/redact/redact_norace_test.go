//go:build !race

package redact

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"go.slogx.dev/slogx"
)

// A record with nothing to redact costs no allocation on top of the next
// handler's: the promise BenchmarkHandle reports, held by a test. (The race
// detector allocates, hence the build tag.)
func TestNoAllocationsWhenClean(t *testing.T) {
	ctx := context.Background()
	for _, rb := range benchRecords {
		if rb.name == "secrets3" {
			continue
		}
		r := rb.rec()
		h := New(nopHandler{}, nil)
		if n := testing.AllocsPerRun(200, func() { _ = h.Handle(ctx, r) }); n != 0 {
			t.Errorf("record=%s: redact allocates %v times per clean record", rb.name, n)
		}
		bare := slogx.NewJSONHandler(io.Discard, nil)
		red := New(slogx.NewJSONHandler(io.Discard, nil), nil)
		b := testing.AllocsPerRun(200, func() { _ = bare.Handle(ctx, r) })
		w := testing.AllocsPerRun(200, func() { _ = red.Handle(ctx, r) })
		if w != b {
			t.Errorf("record=%s: %v allocations with redact, %v without", rb.name, w, b)
		}
	}
	// Through slog.Logger, the clean records of BenchmarkLogger cost no
	// allocation with redact either.
	for _, rec := range loggerRecords {
		if rec.name == "secrets3" {
			continue
		}
		l := slog.New(New(slogx.NewJSONHandler(io.Discard, nil), nil))
		if n := testing.AllocsPerRun(200, func() { l.LogAttrs(ctx, slog.LevelInfo, rec.msg, rec.attrs...) }); n != 0 {
			t.Errorf("record=%s through slog.Logger: %v allocations with redact", rec.name, n)
		}
	}
	// Texts whose hints fire but hold no secret cost nothing either.
	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	for _, s := range []string{"ping @alice", "ts 1712345678901", "550e8400-e29b-41d4-a716-446655440000",
		"the bearer of news", "GET /a?page=2&sort=asc", "https://example.com/x", "order 4111111111111112",
		"req_7f3a9c2e41b8d6f0a5e3c7b9d1f4a8e2c6b0d9f3a7e1c5b8", "token_type=Bearer&expires_in=3600",
		"git@github.com:acme/api.git", `{"token_type":"Bearer","session_count":3}`, "rotate ghp_ tokens yearly"} {
		if n := testing.AllocsPerRun(200, func() { e.scan(s, false) }); n != 0 {
			t.Errorf("scan(%q) allocates %v times", s, n)
		}
	}
	// A derived handler and a context with clean attributes stay free too.
	h := New(nopHandler{}, nil).WithGroup("g").WithAttrs([]slog.Attr{slog.String("k", "v")})
	cctx := slogx.NewContext(ctx, slog.String("request_id", "r-1"))
	r := benchRecords[0].rec()
	if n := testing.AllocsPerRun(200, func() { _ = h.Handle(cctx, r) }); n != 0 {
		t.Errorf("derived handler with context attrs: %v allocations per clean record", n)
	}
}

// TestKeysFromDataStopAllocating: a program that makes keys from data
// fills the memo's slots once; after that, new keys of the same shapes
// cost no allocation.
func TestKeysFromDataStopAllocating(t *testing.T) {
	h := New(nopHandler{}, nil)
	for i := range 100000 {
		h.cfg.clean(slog.Int(fmt.Sprintf("shard_%d", i), i), nil)
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("shard_%d", 200000+i)
	}
	i := 0
	if n := testing.AllocsPerRun(len(keys)-1, func() {
		h.cfg.clean(slog.Int(keys[i], i), nil)
		i++
	}); n != 0 {
		t.Errorf("new keys after the memo filled: %v allocations per attribute", n)
	}
}
