package redact

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKeyMemoNeverConfusesKeys: the memo answers for the key it holds and
// no other. Every key of 1 to 70 bytes, once remembered, must not make a
// key that differs from it in one byte, or in its length, look clean; the
// comparison loads the first and last bytes of short keys in words, so
// every position is changed in turn.
func TestKeyMemoNeverConfusesKeys(t *testing.T) {
	for n := 1; n <= keyMemoMaxLen+6; n++ {
		m := new(keyMemo)
		key := strings.Repeat("k", n)
		m.add(key)
		if got := m.has(key); got != (n <= keyMemoMaxLen) {
			t.Fatalf("%d-byte key: has = %v after add", n, got)
		}
		for j := range n {
			other := key[:j] + "K" + key[j+1:]
			if sameKey(key, other) || sameKey(other, key) {
				t.Fatalf("sameKey(%q, %q) = true", key, other)
			}
			if m.slot(other) == m.slot(key) && m.has(other) {
				t.Fatalf("%q remembered: has(%q) = true", key, other)
			}
		}
		if longer := key + "k"; m.slot(longer) == m.slot(key) && m.has(longer) {
			t.Fatalf("%q remembered: has(%q) = true", key, longer)
		}
	}
}

// TestKeyMemoCollision: a secret's key that shares a slot with a clean key
// seen before is still redacted, and so is a clean-looking key sharing a
// slot with nothing remembered yet.
func TestKeyMemoCollision(t *testing.T) {
	h := New(nopHandler{}, nil)
	m := h.cfg.memo
	// Find a clean key that lands in the slot of "db_password": the slot
	// depends on the length and the first, middle and last bytes.
	var clean string
	for a := byte('a'); a <= 'z' && clean == ""; a++ {
		for b := byte('a'); b <= 'z' && clean == ""; b++ {
			for c := byte('a'); c <= 'z' && clean == ""; c++ {
				if k := string(a) + "xy_q" + string(b) + "_wvu" + string(c); m.slot(k) == m.slot("db_password") {
					clean = k
				}
			}
		}
	}
	if clean == "" {
		t.Fatal("no clean key shares a slot with db_password")
	}
	line := logLine(t, nil, func(l *slog.Logger) {
		l.Info("x", clean, "visible", "db_password", "hunter2", clean, "visible")
	})
	if strings.Contains(line, "hunter2") || strings.Count(line, "visible") != 2 {
		t.Errorf("key %q shares a slot with db_password: %s", clean, line)
	}
}

// TestKeyMemoConcurrent: handlers derived from one New share the memo and
// fill it from many goroutines at once (run with -race); every secret is
// still redacted.
func TestKeyMemoConcurrent(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	h := New(captureHandler(func(r slog.Record) {
		r.Attrs(func(a slog.Attr) bool {
			if strings.HasPrefix(a.Value.String(), "s3cr3t") {
				mu.Lock()
				leaked = append(leaked, a.Key)
				mu.Unlock()
			}
			return true
		})
	}), nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			l := slog.New(h.WithGroup(fmt.Sprint("g", g)))
			for i := range 2000 {
				l.Info("m", fmt.Sprintf("field_%d", i%700), "plain",
					fmt.Sprintf("user_%d_password", i%300), "s3cr3t-value")
			}
		})
	}
	wg.Wait()
	if len(leaked) > 0 {
		t.Errorf("%d secrets leaked, under keys like %q", len(leaked), leaked[0])
	}
}

// TestCleanDoesNotTakeASecretKeyForARememberedOne: clean compares keys
// with the memo's slot itself; a secret's key of the same length and slot
// as a clean key seen before, differing in one byte that the slot does not
// look at, in each word the comparison loads, is still not clean.
func TestCleanDoesNotTakeASecretKeyForARememberedOne(t *testing.T) {
	pairs := [][2]string{ // secret, clean
		{"pass", "p4ss"}, {"token", "t0ken"}, {"secret", "s3cret"}, {"api_key", "a9i_key"},
		{"password_hash", "p4ssword_hash"}, {"secret_access_key", "secret_acc3ss_key"},
	}
	for n := 10; n <= 16; n++ {
		s := strings.Repeat("x", n-9) + "_password"
		pairs = append(pairs, [2]string{s, s[:n-3] + "0" + s[n-2:]})
	}
	for _, p := range pairs {
		c := compile(nil)
		if c.memo.slot(p[0]) != c.memo.slot(p[1]) {
			t.Fatalf("%q and %q: not in one slot", p[0], p[1])
		}
		isClean := func(k string) bool { ok, _ := c.clean(slog.Int(k, 1), nil); return ok }
		if !isClean(p[1]) {
			t.Fatalf("%q: not clean", p[1])
		}
		if isClean(p[0]) {
			t.Errorf("%q remembered: %q taken for clean", p[1], p[0])
		}
	}
}

// TestMessageMemo: messages found clean are remembered, and only those. A
// message with a card number in the slot of a clean one remembered before
// (same length, first, middle and last bytes; one digit apart) is still
// redacted, every time it is logged, and the clean one still comes through
// as it was.
func TestMessageMemo(t *testing.T) {
	const (
		card  = "4111111111111111" // Luhn-valid
		clean = "payment card 4111111111111112 ok"
		leaky = "payment card " + card + " ok"
	)
	h := New(nopHandler{}, nil)
	if h.cfg.msgs.slot(clean) != h.cfg.msgs.slot(leaky) {
		t.Fatalf("%q and %q: not in one slot", clean, leaky)
	}
	checkMemoLines(t, card, `"msg":"`+clean+`"`, func(l *slog.Logger) {
		l.Info(clean)
		l.Info(leaky)
	})
	hc := New(nopHandler{}, nil)
	_ = hc.Handle(t.Context(), slog.NewRecord(time.Time{}, slog.LevelInfo, leaky, 0))
	if hc.cfg.msgs.has(leaky) {
		t.Errorf("a message with a secret was remembered")
	}
	_ = hc.Handle(t.Context(), slog.NewRecord(time.Time{}, slog.LevelInfo, clean, 0))
	if !hc.cfg.msgs.has(clean) {
		t.Errorf("a clean message was not remembered")
	}
	long := strings.Repeat("all clear ", 13)
	_ = hc.Handle(t.Context(), slog.NewRecord(time.Time{}, slog.LevelInfo, long, 0))
	if hc.cfg.msgs.has(long) {
		t.Errorf("an %d-byte message was remembered; the memo holds up to %d", len(long), keyMemoMaxLen)
	}
}

// TestErrorMemo: the same for the texts of errors, which are remembered
// when the hint pass finds nothing in them. An error whose text carries a
// card number, in the slot of a clean error text remembered before, is
// still redacted every time; the error memo is not the message memo, and
// neither remembers a text with a secret.
func TestErrorMemo(t *testing.T) {
	const (
		card  = "4111111111111111"                              // Luhn-valid
		clean = "charge failed: card xx1xxxxxxxxxxxxx declined" // no hint at all
		leaky = "charge failed: card " + card + " declined"
	)
	h := New(nopHandler{}, nil)
	if h.cfg.errs.slot(clean) != h.cfg.errs.slot(leaky) {
		t.Fatalf("%q and %q: not in one slot", clean, leaky)
	}
	checkMemoLines(t, card, `"err":"`+clean+`"`, func(l *slog.Logger) {
		l.Info("charge", "err", errors.New(clean))
		l.Info("charge", "err", errors.New(leaky))
	})
	rec := func(err error) slog.Record {
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, "charge", 0)
		r.AddAttrs(slog.Any("err", err))
		return r
	}
	_ = h.Handle(t.Context(), rec(errors.New(leaky)))
	if h.cfg.errs.has(leaky) {
		t.Errorf("an error text with a secret was remembered")
	}
	_ = h.Handle(t.Context(), rec(errors.New(clean)))
	if !h.cfg.errs.has(clean) || h.cfg.msgs.has(clean) {
		t.Errorf("a clean error text: errs.has = %v, msgs.has = %v; want true, false", h.cfg.errs.has(clean), h.cfg.msgs.has(clean))
	}
}

// checkMemoLines logs, three times through one handler, a clean line and
// then one whose text in the same memo slot carries secret: the secret is
// never logged, and every clean line holds cleanJSON as it was.
func checkMemoLines(t *testing.T, secret, cleanJSON string, logPair func(*slog.Logger)) {
	t.Helper()
	var buf strings.Builder
	l := slog.New(New(newJSON(&buf), nil))
	for range 3 {
		logPair(l)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		if strings.Contains(line, secret) {
			t.Errorf("line %d: secret logged: %s", i, line)
		}
		if i%2 == 0 && !strings.Contains(line, cleanJSON) {
			t.Errorf("line %d: clean text changed: %s", i, line)
		}
	}
}
