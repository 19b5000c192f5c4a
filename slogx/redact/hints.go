package redact

import (
	"math/bits"
	"strings"
)

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
// text at all (one bit each, ORed together). Most texts stop there. Then, for each hint whose bytes are all
// present, it visits only the bytes it is anchored on (found with
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
	bJ      // "eyJ"
	bI      // "AKIA", "ASIA"
	bB      // 'B', 'b': "bearer", "basic"
	bZ      // 'Z', 'z': "authorization"
	bLetter // other letters token prefixes are anchored on
	bDigit
	bUpper // any capital: IBANs
	bSlash // '/': token prefixes in URL paths
)

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
	t['J'], t['I'] = bJ|bUpper, bI|bUpper
	t['B'], t['b'], t['Z'], t['z'] = bB|bUpper, bB, bZ|bUpper, bZ
	for b := range isTokenAnchor {
		if isTokenAnchor[b] && t[b] == 0 {
			panic("redact: token anchor " + string(rune(b)) + " has no hint bit")
		}
	}
	return t
}()

// hintBytes returns the hint bits of the bytes in s.
func hintBytes(s string) hint {
	t := &hintBits
	var b0, b1 hint
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b0 |= t[s[i]] | t[s[i+1]] | t[s[i+2]] | t[s[i+3]]
		b1 |= t[s[i+4]] | t[s[i+5]] | t[s[i+6]] | t[s[i+7]]
	}
	for ; i < len(s); i++ {
		b0 |= t[s[i]]
	}
	return b0 | b1
}

// features gathers the hints the engine's detectors need.
func (e *engine) features(s string) feature {
	bits := hintBytes(s)
	if bits&^bSpace == 0 || bits&^(bSpace|bDigit) == 0 && len(s) < 9 {
		return 0
	}
	var f feature
	kv := e.need&fKV != 0
	if bits&bDigit != 0 && len(s) >= 9 {
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
	if bits&bJ != 0 {
		for i := strings.IndexByte(s, 'J'); i >= 0; i = nextByte(s, i, 'J') {
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				f |= fJWT
				break
			}
		}
	}
	if bits&bI != 0 {
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
	tokens := isTokenAnchor['b'] && bits&anchorNeeds['b'] == anchorNeeds['b'] && len(s) >= minTokenLen
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
	if bits&bZ != 0 {
		for _, c := range [...]byte{'z', 'Z'} {
			for i := strings.IndexByte(s, c); i >= 0; i = nextByte(s, i, c) {
				if bits&(bColon|bEq) != 0 && i >= 7 && hasPrefixFold(s[i-7:], "authorization") && authorizationValue(s, i+6) {
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

// tokenHints returns fToken when a vendor token is anchored on a c in s.
func tokenHints(s string, c byte, f feature, bits hint) feature {
	if f&fToken != 0 || !isTokenAnchor[c] || len(s) < minTokenLen || bits&anchorNeeds[c] != anchorNeeds[c] {
		return 0
	}
	for i := strings.IndexByte(s, c); i >= 0; i = nextByte(s, i, c) {
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
	if f&fToken != 0 || !isTokenAnchor[s[i]] || len(s) < minTokenLen || bits&anchorNeeds[s[i]] != anchorNeeds[s[i]] {
		return 0
	}
	if _, ok := tokenAt(s, i); ok {
		return fToken
	}
	return 0
}

// digitHints finds the runs of digits that cards and SSNs need, and the
// starts of IBANs (two capitals, then a digit) when upper says the text
// has capitals. Hex ids hold many short runs whose ends a branch per byte
// would mispredict, so it works on eight bytes at a time: it makes bit
// masks of the digits, the separators (' ', '-') and the capitals of up to
// 64 bytes, and finds runs of 9 and 13 with shifts. Blocks overlap by 16
// bytes, so that no run of 13 is cut in two.
func digitHints(s string, upper, seps bool) feature {
	var f feature
	for base := 0; ; base += 48 {
		c := s[base:min(base+64, len(s))]
		d := digitMask(c)
		if upper && d != 0 {
			if u := upperMask(c); d&(u<<1)&(u<<2) != 0 { // two capitals, then a digit
				f |= fIBAN
			}
		}
		// Runs need nine digits: most blocks stop at the count.
		if bits.OnesCount64(d) >= 9 {
			r := d
			if seps {
				// A separator counts inside a run, between two digits.
				r |= sepMask(c) & (d << 1) & (d >> 1)
			}
			x := r & (r >> 1)
			x &= x >> 2
			x &= x >> 4 // bit i: bytes i to i+7 are in a run
			if x&(r>>8) != 0 {
				f |= fNum9
				if x&(x>>4)&(r>>12) != 0 {
					f |= fNum13
				}
			}
		}
		if base+64 >= len(s) {
			return f
		}
	}
}

const (
	lanes1 = 0x0101010101010101
	lanes8 = 0x8080808080808080
	lanes7 = 0x7f7f7f7f7f7f7f7f
)

// The masks of up to 64 bytes: bit i is set when c[i] is a digit, a
// capital, or a ' ' or '-' separator. Each is written out so that its
// lane constants are constants.
func digitMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		w := c[k : k+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		m |= gather(inRange(x, '0', '9')) << k
	}
	if k < len(c) {
		x := tail(c[k:])
		m |= gather(inRange(x, '0', '9')) << k
	}
	return m
}

func upperMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		w := c[k : k+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		m |= gather(inRange(x, 'A', 'Z')) << k
	}
	if k < len(c) {
		x := tail(c[k:])
		m |= gather(inRange(x, 'A', 'Z')) << k
	}
	return m
}

func sepMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		w := c[k : k+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		m |= gather(equal(x, ' ')|equal(x, '-')) << k
	}
	if k < len(c) {
		x := tail(c[k:])
		m |= gather(equal(x, ' ')|equal(x, '-')) << k
	}
	return m
}

// tail loads the last bytes of a text, fewer than eight, with zeros past
// its end: a zero byte is in no class.
func tail(c string) (x uint64) {
	for j := len(c) - 1; j >= 0; j-- {
		x = x<<8 | uint64(c[j])
	}
	return x
}

// inRange sets the high bit of each byte of x that is in [lo, hi].
func inRange(x uint64, lo, hi byte) uint64 {
	// Bytes with the high bit set are cleared first, so that no sum
	// carries into the next byte, and dropped at the end.
	y := x & lanes7
	ge := y + lanes1*uint64(0x80-lo)   // high bit: byte >= lo
	gt := y + lanes1*uint64(0x80-hi-1) // high bit: byte > hi
	return ge &^ gt &^ x & lanes8
}

// equal sets the high bit of each byte of x that equals c.
func equal(x uint64, c byte) uint64 {
	y := x ^ lanes1*uint64(c)
	return ^((y&lanes7 + lanes7) | y | lanes7)
}

// gather packs the high bits of the eight bytes of m into bits 0 to 7.
func gather(m uint64) uint64 { return (m >> 7 & lanes1) * 0x0102040810204080 >> 56 }

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

// digitRun returns the end of the run of digits starting at i, where
// groups may be joined by single spaces or dashes, and how many digits it
// holds.
func digitRun(s string, i int) (end, digits int) {
	for {
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
		if i+1 < len(s) && (s[i] == ' ' || s[i] == '-') && isDigit(s[i+1]) {
			i++
			continue
		}
		return i, digits
	}
}
