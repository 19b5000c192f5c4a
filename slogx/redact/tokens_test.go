package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// exampleToken builds a token that rule r must find: its prefix and a body
// of n random bytes of its alphabet that passes its check.
func exampleToken(r *tokenRule, n int, rnd *rand.Rand) string {
	var alphabet []byte
	for c := 0; c < 256; c++ {
		if r.body.has(byte(c)) && c != '.' && c != '=' && c != ':' {
			alphabet = append(alphabet, byte(c))
		}
	}
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		if r.check == checkTelegram {
			id := "5" + strings.Repeat("7", 8)
			if n-len(id)-1 != 35 {
				panic("telegram body length")
			}
			copy(b, id)
			b[len(id)] = ':'
		}
		if r.id == "sendgrid-api-key" {
			b[22] = '.'
		}
		if _, ok := r.match(string(b)+" ", 0); ok {
			return r.prefix + string(b)
		}
	}
}

// TestTokenRules checks every rule of the catalogue in the places tokens
// are logged, at its shortest and longest, and what each must leave alone:
// the prefix in prose, a body one byte short or too long, a token glued to
// more word bytes.
func TestTokenRules(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	ids := map[string]bool{}
	for i := range tokenRules {
		r := &tokenRules[i]
		if ids[r.id] {
			t.Errorf("rule id %q is used twice", r.id)
		}
		ids[r.id] = true
		if r.source == "" || r.min <= 0 || r.max < r.min {
			t.Errorf("%s: incomplete rule %+v", r.id, *r)
		}
		lengths := []int{r.min, r.max}
		if r.check == checkTelegram {
			lengths = []int{45}
		}
		for _, n := range lengths {
			tok := exampleToken(r, n, rnd)
			body := tok[len(r.prefix):]
			for _, text := range []string{
				tok,
				"using " + tok + " for upload",
				`{"token":"` + tok + `","scope":"repo"}`,
				"https://example.com/hook?x=" + tok + "&y=1",
				"export KEY=" + tok + "\n",
				"(" + tok + ").",
			} {
				got := scanWith(Tokens, text)
				if strings.Contains(got, body) {
					t.Errorf("%s: body of %q survives in %q", r.id, tok, got)
				}
				if !strings.Contains(got, r.prefix+R) {
					t.Errorf("%s: %q: want the prefix kept and the body replaced, got %q", r.id, text, got)
				}
			}
			for _, text := range []string{
				"x" + tok,   // glued to a word before
				tok + "Zz9", // longer than the rule allows, or glued after
				tok[:len(tok)-len(body)+r.min-1] + " end", // one byte short
			} {
				// xoxe.xoxp- holds another rule's prefix, xoxp-, after a dot.
				glued := strings.HasPrefix(text, "x")
				if r.check == checkTelegram || glued && (isSeparatedPrefix(r.prefix) || r.id == "slack-config-token") {
					continue
				}
				if n == r.max || !strings.HasSuffix(text, "Zz9") {
					if got := scanWith(Tokens, text); got != text {
						t.Errorf("%s: look-alike %q changed to %q", r.id, text, got)
					}
				}
			}
		}
		// The prefix alone, as prose mentions it.
		for _, text := range []string{"prefix " + r.prefix + " is documented", r.prefix} {
			if got := scanWith(Tokens, text); got != text {
				t.Errorf("%s: %q changed to %q", r.id, text, got)
			}
		}
	}
}

// TestTokenAnchors checks that every rule is reachable from the hint pass:
// its anchor byte has a class, so features stops on it.
func TestTokenAnchors(t *testing.T) {
	for i := range tokenRules {
		r := &tokenRules[i]
		a := r.prefix[anchorOffset(r.prefix)]
		if hintBits[a] == 0 {
			t.Errorf("%s: anchor %q has no slot in the hint pass", r.id, a)
		}
	}
}
