package ndjson

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"encoding/binary"
)

func TestAppendRFC3339NanoMatchesTime(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("a", -12*3600), time.FixedZone("b", 14*3600),
		time.FixedZone("c", 5*3600+45*60), time.FixedZone("d", -59), time.FixedZone("e", 150*3600), time.FixedZone("f", -(9*3600 + 30*60 + 17)),
		time.FixedZone("g", 1000*3600), time.FixedZone("h", -123456*3600)}
	rng := rand.New(rand.NewPCG(1, 2))
	check1 := func(tm time.Time) {
		got, ok := AppendRFC3339Nano(nil, tm)
		want := tm.AppendFormat(nil, time.RFC3339Nano)
		inRange := tm.Year() >= 0 && tm.Year() <= 9999
		if ok != inRange {
			t.Fatalf("%v: ok=%v, year %d", tm, ok, tm.Year())
		}
		if ok && string(got) != string(want) {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	// Each time is formatted on a miss of the second's cache, then on a hit
	// with other nanoseconds, then as the same instant in another zone,
	// which must not be served the first zone's text.
	check := func(tm time.Time) {
		check1(tm)
		check1(tm.Truncate(time.Second).Add(time.Duration(rng.Int64N(1e9))))
		check1(tm.In(zones[rng.IntN(len(zones))]))
	}
	edges := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2000, 2, 29, 12, 0, 0, 100, time.UTC), time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, 0), time.Now(),
	}
	for _, e := range edges {
		for _, z := range zones {
			check(e.In(z))
		}
	}
	for range 200_000 {
		sec := rng.Int64N(int64(10200*365.25*86400)) - int64(1970*365.25*86400) - 100*86400
		nsec := rng.Int64N(1e9)
		switch rng.IntN(4) {
		case 0:
			nsec = 0
		case 1:
			nsec -= nsec % 1e6
		}
		check(time.Unix(sec, nsec).In(zones[rng.IntN(len(zones))]))
	}
}

func TestAppendUint(t *testing.T) {
	vals := []uint64{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 1<<32 - 1, 1 << 63, 1<<64 - 1}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10_000 {
		vals = append(vals, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range vals {
		if got, want := string(appendUint(nil, v)), strconv.FormatUint(v, 10); got != want {
			t.Fatalf("appendUint(%d) = %s", v, got)
		}
		i := int64(v)
		if got, want := string(appendInt(nil, i)), strconv.FormatInt(i, 10); got != want {
			t.Fatalf("appendInt(%d) = %s", i, got)
		}
	}
}

// TestAppendEscapedMatchesEncodingJSON checks the escaper against
// encoding/json with HTML escaping off, and safePrefix's word-at-a-time
// scan against the byte loop, at every position of every special byte.
func TestAppendEscapedMatchesEncodingJSON(t *testing.T) {
	specials := []string{"\"", "\\", "\x00", "\x1f", "\n", "\x7f", "\x80", "\xff", "é", "\u2028", "\u2029", "<", "&", "🎉", " "}
	for _, sp := range specials {
		for n := 1; n < 70; n++ { // past 32, where long strings are copied before they are checked
			for pos := 0; pos < n; pos++ {
				s := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-1-pos)
				checkEscape(t, s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		b := make([]byte, rng.IntN(80))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = byte(rng.IntN(256))
			} else {
				b[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		checkEscape(t, string(b))
	}
}

func checkEscape(t *testing.T, s string) {
	t.Helper()
	// slog.JSONHandler is the reference: it has its own string escaper,
	// which differs from encoding/json's (\u000c where json writes \f).
	var sb strings.Builder
	h := slog.NewJSONHandler(&sb, &slog.HandlerOptions{ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		if len(gs) == 0 && a.Key != "k" {
			return slog.Attr{}
		}
		return a
	}})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "", 0)
	r.AddAttrs(slog.String("k", s))
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(strings.TrimPrefix(sb.String(), `{"k":`), "}\n")
	if got := `"` + string(AppendEscaped(nil, s)) + `"`; got != want {
		t.Fatalf("AppendEscaped(%q) = %s, want %s", s, got, want)
	}
	slow := 0
	for slow < len(s) && s[slow] < 0x80 && safeSet[s[slow]] {
		slow++
	}
	if got := safePrefix(s); got != slow {
		t.Fatalf("safePrefix(%q) = %d, want %d", s, got, slow)
	}
}

// safePrefix returns the length of the longest prefix of s that needs no
// escaping by words, as AppendEscaped checks
// them; the test compares it with the byte loop.
func safePrefix(s string) int {
	for i := 0; i+8 <= len(s); i += 8 {
		if !plain64(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i:])) {
			return safeBytes(s, i)
		}
	}
	return safeBytes(s, len(s)&^7)
}

func safeBytes(s string, i int) int {
	for i < len(s) && safeByte[s[i]] {
		i++
	}
	return i
}

// TestAppendRFC3339NanoConcurrent has goroutines format times of a few
// seconds and zones at once, so that they evict each other's entry of the
// cache while others read it; every text must still be the time's own
// (and -race checks the cache's sequence lock).
func TestAppendRFC3339NanoConcurrent(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+30*60), time.FixedZone("y", -7*3600)}
	base := time.Date(2026, 11, 21, 23, 59, 58, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var b []byte
			for range 20_000 {
				tm := base.Add(time.Duration(rng.Int64N(4e9))).In(zones[rng.IntN(len(zones))])
				b, _ = AppendRFC3339Nano(b[:0], tm)
				if want := tm.Format(time.RFC3339Nano); string(b) != want {
					errs <- string(b) + " != " + want
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestDigits8Exhaustive checks digits8 on every input it accepts, against
// an odometer of eight decimal digits counted up alongside: its lanes and
// reciprocals are exact only over that range, so all of it is checked.
func TestDigits8Exhaustive(t *testing.T) {
	var odo [8]byte
	for v := range uint32(1e8) {
		d := digits8(v)
		for i, want := range odo {
			if got := byte(d >> (8 * i)); got != want {
				t.Fatalf("digits8(%d): digit %d is %d, want %d", v, i, got, want)
			}
		}
		for i := 7; i >= 0; i-- {
			if odo[i]++; odo[i] < 10 {
				break
			}
			odo[i] = 0
		}
	}
}
