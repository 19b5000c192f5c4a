package redact

import "strings"

// A feature is a hint found in the single pass over a text; each detector
// runs only when the hints it needs are all present. Hints are checked
// where they are found, so most of them mean that a detector will find
// something: a token prefix, a sensitive key before '=', "Authorization:".
type feature uint32

const (
	fAt     feature = 1 << iota // '@'
	fScheme                     // "://"
	fQuery                      // '?', '&' or '#'
	fEq                         // '='
	fNum9                       // a run of at least 9 digits, maybe grouped by ' ' or '-'
	fNum13                      // a run of at least 13 such digits
	fJWT                        // "eyJ"
	fAWS                        // "AKIA" or "ASIA"
	fPEM                        // "-----BEGIN"
	fAuth                       // "bearer " or "basic " (any case), "authorization:" or "authorization="
	fToken                      // a vendor token's prefix (tokenRules)
	fKV                         // a key of Options.Keys before '=' or ':', or a "--key value" flag
	fIBAN                       // two capitals and two digits starting a word
)

// The hint pass works in two steps. First it notes, with one table lookup
// per byte and no branch, which of the bytes hints start on occur in a
// text at all, and how many digits it holds. Most texts stop there. Then,
// for each hint whose bytes are all present, it visits only the bytes it is anchored on (found with
// strings.IndexByte, which is vectorized) and checks there whether the
// hint really starts: a whole token prefix, a sensitive key before '=',
// "Authorization:". A detector runs only on such a hint.
const (
	bAt hint = 1 << iota
	bColon
	bEq
	bQuery // '?', '&', '#'
	bDash
	bUnder
	bDot
	bSpace
	bJI     // 'J', 'I': "eyJ", "AKIA", "ASIA"
	bPunct  // a byte that ends a word and has no other bit: '(', ',', '"' ...
	bB      // 'B', 'b': "bearer", "basic"
	bZ      // 'Z', 'z': "authorization"
	bLetter // other letters token prefixes are anchored on
	bDigit
	bUpper // any capital: IBANs
	bSlash // '/': token prefixes in URL paths
)

// nonWord holds the bits of the bytes that end a word (isWord). A card,
// an SSN and an IBAN start at the text's start or after such a byte, so a
// text of word bytes alone (an id: "req_7f3a9c2e41b8...") holds none unless
// it starts with one.
const nonWord = bAt | bColon | bEq | bQuery | bDash | bDot | bSpace | bSlash | bPunct

// A hint is a set of the bytes hints start on; hintBits maps each byte to
// its bit. Sixteen bits keep the table at 512 bytes.
type hint uint16

var hintBits = func() (t [256]hint) {
	for b := range isTokenAnchor {
		if isTokenAnchor[b] && isAlpha(byte(b)) {
			t[b] = bLetter
		}
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = bDigit
	}
	t['@'], t[':'], t['='] = bAt, bColon, bEq
	t['?'], t['&'], t['#'] = bQuery, bQuery, bQuery
	t['-'], t['_'], t['.'], t[' '], t['/'] = bDash, bUnder, bDot, bSpace, bSlash
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= bUpper
	}
	t['J'], t['I'] = bJI|bUpper, bJI|bUpper
	for b := range 0x80 {
		if !isWord(byte(b)) && t[b] == 0 {
			t[b] = bPunct
		}
	}
	for b := range 256 {
		if isWord(byte(b)) == (t[b]&nonWord != 0) {
			panic("redact: nonWord does not tell word bytes " + string(rune(b)))
		}
	}
	t['B'], t['b'], t['Z'], t['z'] = bB|bUpper, bB, bZ|bUpper, bZ
	for b := range isTokenAnchor {
		if isTokenAnchor[b] && t[b] == 0 {
			panic("redact: token anchor " + string(rune(b)) + " has no hint bit")
		}
	}
	return t
}()

// hintCounts maps each byte to a count of one in the 4-bit field of each
// of its hint bits (bit k of hintBits, field k of hintCounts). Adding the
// entries of eight bytes counts, per hint, the bytes that have it; no
// field can exceed eight, so no count carries into the next. The counts
// give what a set of bits gives (a field is not zero when its byte occurs)
// and one more thing for free: how many digits a text holds, which most
// texts, with fewer than the nine a card or an SSN needs, stop at.
var hintCounts = func() (t [256]uint64) {
	for b, h := range hintBits {
		for k := range 16 {
			if h&(1<<k) != 0 {
				t[b] += 1 << (4 * k)
			}
		}
	}
	return t
}()

// digitField is where hintCounts counts digits.
const digitField = 4 * 13

func init() {
	if bDigit != 1<<(digitField/4) {
		panic("redact: digitField is not bDigit's field")
	}
}

// hintBytes returns the hint bits of the bytes in s and how many of them
// are digits. Blocks are slices of constant length, so that the compiler
// proves every index in range and the loop is loads and adds only.
func hintBytes(s string) (hint, int) {
	t := &hintCounts
	var seen uint64 // ORed counts: a field is not zero when its byte occurs
	digits := 0
	i := 0
	for ; i+16 <= len(s); i += 16 {
		w := s[i : i+16]
		c0 := t[w[0]] + t[w[1]] + t[w[2]] + t[w[3]] + t[w[4]] + t[w[5]] + t[w[6]] + t[w[7]]
		c1 := t[w[8]] + t[w[9]] + t[w[10]] + t[w[11]] + t[w[12]] + t[w[13]] + t[w[14]] + t[w[15]]
		seen |= c0 | c1
		digits += int(c0>>digitField&15 + c1>>digitField&15)
	}
	if i+8 <= len(s) {
		w := s[i : i+8]
		c := t[w[0]] + t[w[1]] + t[w[2]] + t[w[3]] + t[w[4]] + t[w[5]] + t[w[6]] + t[w[7]]
		seen |= c
		digits += int(c >> digitField & 15)
		i += 8
	}
	// The last bytes, fewer than eight, without a loop.
	var c uint64
	switch r := s[i:]; len(r) {
	case 7:
		c = t[r[0]] + t[r[1]] + t[r[2]] + t[r[3]] + t[r[4]] + t[r[5]] + t[r[6]]
	case 6:
		c = t[r[0]] + t[r[1]] + t[r[2]] + t[r[3]] + t[r[4]] + t[r[5]]
	case 5:
		c = t[r[0]] + t[r[1]] + t[r[2]] + t[r[3]] + t[r[4]]
	case 4:
		c = t[r[0]] + t[r[1]] + t[r[2]] + t[r[3]]
	case 3:
		c = t[r[0]] + t[r[1]] + t[r[2]]
	case 2:
		c = t[r[0]] + t[r[1]]
	case 1:
		c = t[r[0]]
	}
	seen |= c
	digits += int(c >> digitField & 15)
	return fieldsToBits(seen), digits
}

// fieldsToBits sets bit k of a hint when the 4-bit field k of x is not
// zero.
func fieldsToBits(x uint64) hint {
	x |= x >> 2
	x |= x >> 1
	x &= 0x1111111111111111
	x = (x | x>>3) & 0x0303030303030303
	x = (x | x>>6) & 0x000f000f000f000f
	x = (x | x>>12) & 0x000000ff000000ff
	x = (x | x>>24) & 0xffff
	return hint(x)
}

// features gathers the hints the engine's detectors need.
func (e *engine) features(s string) feature {
	bits, digits := hintBytes(s)
	if b := bits &^ bPunct; b&^bSpace == 0 || b&^(bSpace|bDigit) == 0 && digits < 9 {
		return 0
	}
	var f feature
	kv := e.need&fKV != 0
	// Cards and SSNs need nine digits; an IBAN needs one, after capitals.
	if (digits >= 9 || digits > 0 && bits&bUpper != 0) && (bits&nonWord != 0 || isDigit(s[0]) || isUpper(s[0])) {
		f |= digitHints(s, bits&bUpper != 0, bits&(bSpace|bDash) != 0)
	}
	if bits&bAt != 0 {
		f |= fAt
	}
	if bits&bQuery != 0 {
		f |= fQuery
	}
	if bits&bColon != 0 {
		for i := strings.IndexByte(s, ':'); i >= 0; i = nextByte(s, i, ':') {
			if strings.HasPrefix(s[i:], "://") {
				f |= fScheme
			} else if kv && f&fKV == 0 && e.kvKeyAt(s, i) {
				f |= fKV
			}
		}
	}
	if bits&bEq != 0 {
		f |= fEq
		for i := strings.IndexByte(s, '='); i >= 0; i = nextByte(s, i, '=') {
			if kv && f&fKV == 0 && e.kvKeyAt(s, i) {
				f |= fKV
			}
			f |= tokenHint(s, i, f, bits)
		}
	}
	if bits&bDash != 0 {
		for i := strings.IndexByte(s, '-'); i >= 0; i = nextByte(s, i, '-') {
			if strings.HasPrefix(s[i:], "-----BEGIN") {
				f |= fPEM
			} else if kv && f&fKV == 0 && i+1 < len(s) && s[i+1] == '-' {
				if _, ok := e.flagAt(s, i); ok {
					f |= fKV
				}
			}
			f |= tokenHint(s, i, f, bits)
		}
	}
	if bits&bUnder != 0 {
		f |= tokenHints(s, '_', f, bits)
	}
	if bits&bDot != 0 {
		f |= tokenHints(s, '.', f, bits)
	}
	if bits&bJI != 0 {
		for i := strings.IndexByte(s, 'J'); i >= 0; i = nextByte(s, i, 'J') {
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				f |= fJWT
				break
			}
		}
	}
	if bits&bJI != 0 {
		for i := strings.IndexByte(s, 'I'); i >= 0; i = nextByte(s, i, 'I') {
			if i >= 2 && i+1 < len(s) && s[i-2] == 'A' && (s[i-1] == 'K' || s[i-1] == 'S') && s[i+1] == 'A' {
				f |= fAWS
				break
			}
		}
	}
	// "bearer x", "basic x": a scheme word and what separates it from the
	// credential; and token prefixes anchored on 'b'.
	bearer := bits&(bSpace|bColon|bEq) != 0
	tokens := mayAnchor(s, 'b', bits)
	if bits&bB != 0 && (bearer || tokens) {
		for _, c := range [...]byte{'b', 'B'} {
			for i := strings.IndexByte(s, c); i >= 0; i = nextByte(s, i, c) {
				if bearer && f&fAuth == 0 && ((hasPrefixFold(s[i+1:], "earer") && authSep(s, i+6)) || (hasPrefixFold(s[i+1:], "asic") && authSep(s, i+5))) {
					f |= fAuth
				}
				if tokens {
					f |= tokenHint(s, i, f, bits)
				}
			}
		}
	}
	// "authorization" needs a ':' or '=' after it; a 'z' or 'Z' is visited
	// only for it, or for a token whose other hint bytes are there.
	if bits&bZ != 0 {
		auth := bits&(bColon|bEq) != 0
		for _, c := range [...]byte{'z', 'Z'} {
			if !auth && !mayAnchor(s, c, bits) {
				continue
			}
			for i := strings.IndexByte(s, c); i >= 0; i = nextByte(s, i, c) {
				if auth && i >= 7 && hasPrefixFold(s[i-7:], "authorization") && authorizationValue(s, i+6) {
					f |= fAuth
				}
				f |= tokenHint(s, i, f, bits)
			}
		}
	}
	if bits&bLetter != 0 && f&fToken == 0 {
		for k := 0; k < len(letterAnchors); k++ {
			f |= tokenHints(s, letterAnchors[k], f, bits)
		}
	}
	return f
}

// letterAnchors are the letters token prefixes are anchored on, besides
// the ones other hints visit anyway.
var letterAnchors = func() (ls []byte) {
	for b := range isTokenAnchor {
		if isTokenAnchor[b] && hintBits[b]&^bUpper == bLetter {
			ls = append(ls, byte(b))
		}
	}
	return ls
}()

// anchorNeeds holds, for each anchor byte, the hint bits every rule
// anchored there needs from its prefix: a text without them all (a
// message with no capital, for the capitals of "AIza") is not visited.
var anchorNeeds = func() (t [256]hint) {
	for b := range tokenAnchors {
		byPrev := tokenAnchors[b]
		if byPrev == nil {
			continue
		}
		need := ^hint(0)
		for _, rules := range byPrev {
			for _, a := range rules {
				var bits hint
				for i := 0; i < len(a.rule.prefix); i++ {
					bits |= hintBits[a.rule.prefix[i]]
				}
				need &= bits
			}
		}
		t[b] = need
	}
	return t
}()

// minTokenLen is the length of the shortest token a rule matches: shorter
// texts (most attribute keys) need no visit.
var minTokenLen = func() int {
	n := 1 << 30
	for _, r := range tokenRules {
		n = min(n, len(r.prefix)+r.min)
	}
	return n
}()

// mayAnchor reports whether a vendor token may be anchored on a c in s: c
// is an anchor, s is long enough, and the hint bytes of every rule
// anchored on c are in s.
func mayAnchor(s string, c byte, bits hint) bool {
	return isTokenAnchor[c] && len(s) >= minTokenLen && bits&anchorNeeds[c] == anchorNeeds[c]
}

// tokenHints returns fToken when a vendor token is anchored on a c in s.
func tokenHints(s string, c byte, f feature, bits hint) feature {
	if f&fToken != 0 || !mayAnchor(s, c, bits) {
		return 0
	}
	for i := strings.IndexByte(s, c); i >= 0; i = nextByte(s, i, c) {
		if !mayStartToken(s, i) {
			continue
		}
		if _, ok := tokenAt(s, i); ok {
			return fToken
		}
	}
	return 0
}

// nextByte returns the index of the next c in s after i, or -1.
func nextByte(s string, i int, c byte) int {
	j := strings.IndexByte(s[i+1:], c)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// tokenHint returns fToken when a vendor token starts at the anchor s[i].
func tokenHint(s string, i int, f feature, bits hint) feature {
	if f&fToken != 0 || !mayAnchor(s, s[i], bits) || !mayStartToken(s, i) {
		return 0
	}
	if _, ok := tokenAt(s, i); ok {
		return fToken
	}
	return 0
}

// authSep reports whether a scheme word ending at j is followed by what
// separates it from a credential.
func authSep(s string, j int) bool {
	return j < len(s) && (s[j] == ' ' || s[j] == ':' || s[j] == '=')
}

// authorizationValue reports whether "authorization" ending at j is
// followed by ':' or '=', after a closing quote and spaces.
func authorizationValue(s string, j int) bool {
	if j < len(s) && s[j] == '\\' {
		j++
	}
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		j++
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j < len(s) && (s[j] == ':' || s[j] == '=')
}
