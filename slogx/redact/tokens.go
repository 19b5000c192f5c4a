package redact

import "strings"

// A tokenRule describes one kind of vendor token by its shape: a literal
// prefix that the vendor puts there so that scanners can find it, then a
// body of a known alphabet and length. Rules are data (see tokenRules), so
// that a rule is one line to add, and TestTokenRules tests every line.
type tokenRule struct {
	id     string  // stable name, used by tests and the corpus
	prefix string  // case-sensitive literal the token starts with; kept in the output
	body   charset // the bytes the rest of the token is made of
	min    int     // shortest body
	max    int     // longest body
	check  tokenCheck
	source string // where the shape is documented
}

// A tokenCheck is what a body must satisfy beyond its alphabet and length.
type tokenCheck uint8

const (
	// checkMixed requires a digit and a letter in the body: random tokens
	// of these lengths have both, words and identifiers rarely do.
	checkMixed tokenCheck = iota
	// checkNone trusts the prefix and the shape alone.
	checkNone
	// checkHex32 requires exactly 32 hex digits with a digit and a letter
	// (Twilio's SK keys).
	checkHex32
	// checkTelegram requires a bot id of digits, ':' and a 35-byte secret.
	checkTelegram
)

// A charset is a set of bytes, as a bitmap.
type charset [4]uint64

func (c *charset) has(b byte) bool { return c[b>>6]&(1<<(b&63)) != 0 }

// chars builds a charset from a spec of ranges and single bytes:
// "A-Za-z0-9_-" is letters, digits, '_' and '-' (a '-' last is literal).
func chars(spec string) charset {
	var c charset
	for i := 0; i < len(spec); i++ {
		lo, hi := spec[i], spec[i]
		if i+2 < len(spec) && spec[i+1] == '-' {
			hi = spec[i+2]
			i += 2
		}
		for b := int(lo); b <= int(hi); b++ {
			c[b>>6] |= 1 << (b & 63)
		}
	}
	return c
}

var (
	setBase62   = chars("A-Za-z0-9")
	setB64URL   = chars("A-Za-z0-9_-")
	setB64Std   = chars("A-Za-z0-9+/=")
	setLowerHex = chars("0-9a-f")
)

// anchored is a rule keyed by the byte the hint pass stops on, and where
// that byte sits in the rule's prefix.
type anchored struct {
	rule *tokenRule
	off  int // offset of the anchor byte in rule.prefix
}

// tokenAnchors maps each anchor byte, and the byte before it, to the rules
// anchored there. A rule is anchored on the rarest byte of its prefix
// (separators first), so that the hint pass stops on few bytes of ordinary
// text, and the byte before narrows a stop to the one or two rules that
// can match. Rules anchored on their first byte are under 0.
var tokenAnchors = func() (t [256]*[256][]anchored) {
	for i := range tokenRules {
		r := &tokenRules[i]
		off := anchorOffset(r.prefix)
		a := r.prefix[off]
		if t[a] == nil {
			t[a] = new([256][]anchored)
		}
		prev := byte(0)
		if off > 0 {
			prev = r.prefix[off-1]
		}
		t[a][prev] = append(t[a][prev], anchored{rule: r, off: off})
	}
	return t
}()

// anchorRarity lists bytes from the rarest in logged text to the most
// common; bytes not listed are never anchors.
const anchorRarity = "_.=-zZJQqXxKjVvWkYyGgFfPpHhBbMmUuCcDdLlwIiOoNnRrSsTtAaEe"

func anchorOffset(prefix string) int {
	best, rank := 0, len(anchorRarity)
	for i := 0; i < len(prefix); i++ {
		if r := strings.IndexByte(anchorRarity, prefix[i]); r >= 0 && r < rank {
			best, rank = i, r
		}
	}
	return best
}

// isTokenAnchor marks the bytes some rule is anchored on.
var isTokenAnchor = func() (t [256]bool) {
	for b := range tokenAnchors {
		t[b] = tokenAnchors[b] != nil
	}
	return t
}()

// mayStartToken reports whether any rule is anchored on s[i] beside the
// byte before it. Most anchors in logged text are not ("request_id",
// "Client.Timeout"), and this settles them without a call.
func mayStartToken(s string, i int) bool {
	byPrev := tokenAnchors[s[i]]
	return byPrev != nil && (len(byPrev[0]) > 0 || i > 0 && len(byPrev[s[i-1]]) > 0)
}

// tokenAt reports whether a rule's prefix, anchored on s[i], starts a token
// there; it returns the span of the token's body.
func tokenAt(s string, i int) (span, bool) {
	byPrev := tokenAnchors[s[i]]
	if byPrev == nil {
		return span{}, false
	}
	if len(byPrev[0]) > 0 {
		if sp, ok := tokenAtFrom(s, i, byPrev[0]); ok {
			return sp, true
		}
	}
	if i == 0 {
		return span{}, false
	}
	return tokenAtFrom(s, i, byPrev[s[i-1]])
}

func tokenAtFrom(s string, i int, rules []anchored) (span, bool) {
	for _, a := range rules {
		st := i - a.off
		p := a.rule.prefix
		if st < 0 || len(s)-st < len(p)+a.rule.min || s[st] != p[0] || s[st:st+len(p)] != p {
			continue
		}
		if st > 0 && isWord(s[st-1]) && !isSeparatedPrefix(p) {
			continue
		}
		if sp, ok := a.rule.match(s, st+len(p)); ok {
			return sp, true
		}
	}
	return span{}, false
}

// isSeparatedPrefix reports whether a prefix begins with a separator of its
// own ("AccountKey=" no, "hooks.slack.com/services/" no): such prefixes
// may follow a word. Prefixes that start with a letter must start a word.
func isSeparatedPrefix(p string) bool { return !isAlnum(p[0]) }

// body_ checks the body that starts at b and returns its span.
func (r *tokenRule) match(s string, b int) (span, bool) {
	e := b
	for e < len(s) && e-b <= r.max && r.body.has(s[e]) {
		e++
	}
	// A sentence may end right after a token whose alphabet has a dot.
	for e > b+r.min && s[e-1] == '.' {
		e--
	}
	n := e - b
	if n < r.min || n > r.max {
		return span{}, false
	}
	// A token ends at its last byte: glued to more word bytes it is part
	// of something longer.
	if e < len(s) && isWord(s[e]) {
		return span{}, false
	}
	body := s[b:e]
	switch r.check {
	case checkMixed:
		if !hasDigitAndLetter(body) {
			return span{}, false
		}
	case checkTelegram:
		// digits, ':', then 35 base64url bytes
		c := strings.IndexByte(body, ':')
		if c < 5 || len(body)-c-1 != 35 {
			return span{}, false
		}
		for i := 0; i < c; i++ {
			if !isDigit(body[i]) {
				return span{}, false
			}
		}
	case checkHex32:
		if n != 32 || !hasDigitAndLetter(body) {
			return span{}, false
		}
		for i := 0; i < n; i++ {
			if !isHex(body[i]) {
				return span{}, false
			}
		}
	}
	return span{start: b, end: e}, true
}

// findTokens appends the bodies of the vendor tokens in s.
func findTokens(dst []span, s string) []span {
	for i := 0; i < len(s); i++ {
		if !isTokenAnchor[s[i]] {
			continue
		}
		if sp, ok := tokenAt(s, i); ok {
			dst = append(dst, sp)
			i = sp.end - 1
		}
	}
	return dst
}
