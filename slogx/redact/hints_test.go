package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// digitHintsSlow is digitHints written plainly, one byte at a time.
func digitHintsSlow(s string) feature {
	var f feature
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		if i >= 2 && isUpper(s[i-2]) && isUpper(s[i-1]) {
			f |= fIBAN
		}
		j, n := digitRun(s, i)
		if n >= 9 {
			f |= fNum9
			if n >= 13 {
				f |= fNum13
			}
		}
		i = j
	}
	return f
}

// TestDigitHintsAgreesWithPlainScan: the bit-parallel pass must find every
// run the plain scan finds, at every length and offset (it may find more:
// it counts "1 -2" as a run, which the detectors then reject).
func TestDigitHintsAgreesWithPlainScan(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	alphabet := "0123456789 -AZaz_.\x80\xff\xb9"
	for n := 0; n < 3000; n++ {
		b := make([]byte, rnd.IntN(200))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
			if rnd.IntN(3) == 0 {
				b[i] = '0' + byte(rnd.IntN(10))
			}
		}
		s := string(b)
		want, got := digitHintsSlow(s), digitHints(s, true, true)
		if got&want != want {
			t.Fatalf("%q: digitHints = %b, the plain scan finds %b", s, got, want)
		}
	}
	for _, s := range []string{"4111 1111 1111 1111", "078-05-1120", "GB82WEST12345698765432",
		"x" + string(make([]byte, 60)) + "4111111111111", "ts=1712345678901"} {
		if want, got := digitHintsSlow(s), digitHints(s, true, true); got&want != want {
			t.Errorf("%q: digitHints = %b, want %b", s, got, want)
		}
	}
	if got := digitHints("req_7f3a9c2e41b8d6f0a5e3c7b9d1f4a8e2c6b0d9f3a7e1c5b8", false, false); got != 0 {
		t.Errorf("hex id: digitHints = %b, want none", got)
	}
}

// TestHintBytesAgreesWithPlainScan: the counting pass must report the bits
// and the digit count that one lookup per byte gives, for every byte value
// and at every length around its blocks of eight and sixteen.
func TestHintBytesAgreesWithPlainScan(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 12))
	for n := 0; n < 5000; n++ {
		b := make([]byte, rnd.IntN(100))
		for i := range b {
			switch rnd.IntN(3) {
			case 0:
				b[i] = byte(rnd.IntN(256))
			case 1:
				b[i] = '0' + byte(rnd.IntN(10))
			default:
				b[i] = "azbzJIKZB_.-=:@/ "[rnd.IntN(17)]
			}
		}
		var want hint
		wantDigits := 0
		for _, c := range b {
			want |= hintBits[c]
			if isDigit(c) {
				wantDigits++
			}
		}
		got, digits := hintBytes(string(b))
		if got != want || digits != wantDigits {
			t.Fatalf("%q: hintBytes = %016b, %d digits; one byte at a time: %016b, %d", b, got, digits, want, wantDigits)
		}
	}
	// Sixteen digits in a block: each field counts to eight at most, but a
	// block of sixteen holds two such counts.
	if _, d := hintBytes("4111111111111111 4111111111111111"); d != 32 {
		t.Errorf("32 digits counted as %d", d)
	}
}

// TestDigitsAfterEveryWordEnd: texts of word bytes alone skip the digit
// masks unless they start with a digit or a capital, so every byte that
// ends a word must be seen as one. A card, an IBAN and an SSN after each
// ASCII byte that is not a word byte (controls, quotes, brackets ...) are
// redacted; a text that is one of them alone is redacted; an id of word
// bytes with a long digit run inside comes through as it was.
func TestDigitsAfterEveryWordEnd(t *testing.T) {
	e := compile(nil).eng
	secrets := []string{"4111111111111111", "GB82WEST12345698765432", "078-05-1120"}
	for _, s := range secrets {
		if got, ch := e.scan(s, false); !ch || got == s {
			t.Errorf("%q alone: not redacted", s)
		}
		for b := range 0x80 {
			if isWord(byte(b)) {
				continue
			}
			text := "ref" + string(rune(b)) + s
			if got, _ := e.scan(text, false); strings.Contains(got, s) {
				t.Errorf("%q: not redacted: %q", text, got)
			}
		}
	}
	for _, id := range []string{"req_7f3a9123456789041b8d6f0a5e3c7b9d", "txn4111111111111111", "Ab_123456789012345", "acct_078051120x"} {
		if got, ch := e.scan(id, false); ch {
			t.Errorf("%q: changed to %q", id, got)
		}
	}
}
