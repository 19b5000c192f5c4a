package redact

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// A Detector finds secrets in text: messages, string values, error texts,
// the text of fmt.Stringer values and the parts of URLs. Pick the built-in
// ones ([Email], [CreditCard], [SSN], [Bearer], [JWT], [AWSAccessKey],
// [PrivateKey], [URLCredentials]) or build one with [Regexp] or [Func], and
// list them in [Options.Detectors].
//
// Each built-in detector first looks for a cheap hint (an '@', a run of at
// least 13 digits, "eyJ", ...), gathered for all detectors in a single pass
// over the text, and runs its precise check only when its hint is present.
//
// The zero Detector finds nothing.
type Detector struct {
	name        string
	kind        detectorKind
	need        feature // every bit must be present for the detector to run; 0: always run
	replacement string  // "" means Options.Replacement (or the keyed hash)
	re          *regexp.Regexp
	literal     string // for a regexp: its literal prefix, a prefilter
	find        func(dst [][2]int, s string) [][2]int
}

type detectorKind uint8

const (
	kindNone detectorKind = iota
	kindEmail
	kindCard
	kindSSN
	kindBearer
	kindJWT
	kindAWS
	kindPEM
	kindURLCreds
	kindRegexp
	kindFunc
)

// Built-in detectors. Each one documents what it matches and what it leaves
// alone, because a detector that flags look-alikes buries real findings.
var (
	// Email matches addresses such as alice@example.com: a local part of
	// letters, digits and ._%+- and a domain of at least two labels whose
	// last label is 2 to 24 letters and not a common file extension, so that
	// "icon@2x.png", "pkg@1.2.3" and "@channel" are left alone. The user part
	// of a URL ("ssh://git@host") is left to [URLCredentials].
	Email = Detector{name: "email", kind: kindEmail, need: fAt}

	// CreditCard matches card numbers of 13 to 19 digits, plain or grouped
	// with single spaces or dashes ("4111 1111 1111 1111"), that carry an
	// issuer prefix with a length that issuer uses (Visa, Mastercard, American
	// Express, Discover, Diners, JCB, UnionPay, Maestro, Mir) and pass the
	// Luhn check. Millisecond timestamps (they start with 1, which no issuer
	// uses), digit runs glued to letters or to a decimal point, and UUIDs are
	// left alone.
	CreditCard = Detector{name: "credit_card", kind: kindCard, need: fNum13}

	// SSN matches US social security numbers written ddd-dd-dddd or
	// ddd dd dddd, with the rules the SSA applies: the area is not 000, 666
	// or 900-999, the group is not 00 and the serial is not 0000. Nine plain
	// digits are too common (order numbers, ZIP+4) to be flagged by text;
	// name the key instead ("ssn" is in [DefaultKeys]).
	SSN = Detector{name: "ssn", kind: kindSSN, need: fNum9}

	// Bearer matches the credential in "Bearer <token>", in
	// "Basic <base64 of user:password>" and in "Authorization: <scheme>
	// <credential>" or "authorization=<credential>" text. The scheme word is
	// kept. After a known scheme (Bearer, Basic, Token, ...) the next token
	// is redacted whatever it looks like, and after a scheme with parameters
	// (Digest, AWS4-HMAC-SHA256, OAuth, ...) all of them are. Otherwise a
	// token must look like a credential (with a digit, a symbol or mixed
	// case, and 8 characters or more outside an Authorization value, 6
	// inside), so that "the bearer of bad news" and
	// "authorization: user not allowed" are left alone.
	Bearer = Detector{name: "bearer", kind: kindBearer, need: fAuth}

	// JWT matches JSON web tokens (and five-part JWEs): base64url segments
	// joined by dots whose header starts "eyJ" and decodes to printable JSON.
	JWT = Detector{name: "jwt", kind: kindJWT, need: fJWT}

	// AWSAccessKey matches AWS access key IDs: AKIA (long-term) or ASIA
	// (temporary) followed by 16 upper-case letters or digits.
	AWSAccessKey = Detector{name: "aws_access_key", kind: kindAWS, need: fAWS}

	// PrivateKey matches PEM blocks whose label contains "PRIVATE KEY"
	// (RSA, EC, PKCS #8, encrypted, OpenSSH, PGP), from the BEGIN line to the
	// END line, or to the end of the text when the block is cut short.
	// Certificates and public keys are left alone.
	PrivateKey = Detector{name: "private_key", kind: kindPEM, need: fPEM}

	// URLCredentials matches the password in URLs of the form
	// scheme://user:password@host, keeping the user, and the whole user part
	// when it has no password but looks like a token
	// ("https://ghp_...@github.com"). A password may hold a raw '#', '?',
	// '@' or ':' (as pasted DSNs do), but not a '/'.
	URLCredentials = Detector{name: "url_credentials", kind: kindURLCreds, need: fScheme | fAt}
)

// DefaultDetectors returns every built-in detector, in a new slice that the
// caller may extend: append(redact.DefaultDetectors(), myDetector).
func DefaultDetectors() []Detector {
	return []Detector{Email, CreditCard, SSN, Bearer, JWT, AWSAccessKey, PrivateKey, URLCredentials}
}

// Regexp returns a detector that redacts every match of re, or only the
// first submatch when re has one (so `api_key=(\w+)` keeps "api_key=").
// When re starts with a literal, the regexp runs only on text that contains
// that literal. It panics if re is nil.
func Regexp(name string, re *regexp.Regexp) Detector {
	if re == nil {
		panic("redact: Regexp called with a nil regexp")
	}
	lit, _ := re.LiteralPrefix()
	return Detector{name: name, kind: kindRegexp, re: re, literal: lit}
}

// Func returns a detector that calls find with each text. find appends to
// dst the byte ranges [start, end) of s to redact and returns the extended
// slice; ranges out of bounds or empty are ignored, and overlapping ones are
// merged. find is called concurrently and must not keep s. Func panics if
// find is nil.
func Func(name string, find func(dst [][2]int, s string) [][2]int) Detector {
	if find == nil {
		panic("redact: Func called with a nil function")
	}
	return Detector{name: name, kind: kindFunc, find: find}
}

// Name returns the name the detector was given.
func (d Detector) Name() string { return d.name }

// WithReplacement returns a copy of d whose matches are replaced by r
// instead of [Options.Replacement] or the keyed hash. An empty r restores
// the default.
func (d Detector) WithReplacement(r string) Detector {
	d.replacement = r
	return d
}

// A feature is a cheap hint found in the single pass over a text; each
// detector runs only when the hints it needs are all present.
type feature uint16

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
	fAuth                       // "bearer", "basic" or "authorization", any case
)

// Byte classes for the hint pass. Each hint is anchored on its rarest
// byte, so that in prose almost every byte is class 0 and costs one load
// and one well-predicted branch.
const (
	cDigit = 1 + iota
	cDash  // '-': "-----BEGIN"
	cAt
	cColon // "://"
	cQuery // '?', '&', '#'
	cEq
	cJ // 'J': "eyJ"
	cI // 'I': "AKIA", "ASIA"
	cB // 'B', 'b': "bearer", "basic"
	cZ // 'Z', 'z': "authorization"
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	t['-'] = cDash
	t['@'] = cAt
	t[':'] = cColon
	t['?'], t['&'], t['#'] = cQuery, cQuery, cQuery
	t['='] = cEq
	t['J'] = cJ
	t['I'] = cI
	t['B'], t['b'] = cB, cB
	t['Z'], t['z'] = cZ, cZ
	return t
}()

// features gathers in one pass the hints every built-in detector needs.
func features(s string) feature {
	var f feature
	cls := &byteClass
	for i := 0; i < len(s); i++ {
		// Skip quiet bytes eight, then four at a time.
		for i+8 <= len(s) {
			b := s[i : i+8]
			if cls[b[0]]|cls[b[1]]|cls[b[2]]|cls[b[3]]|cls[b[4]]|cls[b[5]]|cls[b[6]]|cls[b[7]] != 0 {
				break
			}
			i += 8
		}
		for i+4 <= len(s) && cls[s[i]]|cls[s[i+1]]|cls[s[i+2]]|cls[s[i+3]] == 0 {
			i += 4
		}
		if i == len(s) {
			break
		}
		switch cls[s[i]] {
		case cDigit:
			j, n := digitRun(s, i)
			if n >= 9 {
				f |= fNum9
				if n >= 13 {
					f |= fNum13
				}
			}
			i = j - 1
		case cDash:
			if strings.HasPrefix(s[i:], "-----BEGIN") {
				f |= fPEM
			}
		case cAt:
			f |= fAt
		case cColon:
			if strings.HasPrefix(s[i:], "://") {
				f |= fScheme
			}
		case cQuery:
			f |= fQuery
		case cEq:
			f |= fEq
		case cJ:
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				f |= fJWT
			}
		case cI:
			if i >= 2 && i+1 < len(s) && s[i-2] == 'A' && (s[i-1] == 'K' || s[i-1] == 'S') && s[i+1] == 'A' {
				f |= fAWS
			}
		case cB:
			if hasPrefixFold(s[i+1:], "earer") || hasPrefixFold(s[i+1:], "asic") {
				f |= fAuth
			}
		case cZ:
			if i >= 7 && hasPrefixFold(s[i-7:], "authorization") {
				f |= fAuth
			}
		}
	}
	return f
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

// A span is a byte range [start, end) of a text to replace, and the
// replacement its detector asks for ("" for the default).
type span struct {
	start, end  int
	replacement string
}

// find appends the secrets d finds in s to dst. It is a switch rather than
// a function value so that dst, usually a stack array, does not escape.
func (d *Detector) findSpans(dst []span, s string, e *engine) []span {
	n := len(dst)
	switch d.kind {
	case kindEmail:
		dst = findEmails(dst, s, e.urlCreds)
	case kindCard:
		dst = findCards(dst, s)
	case kindSSN:
		dst = findSSNs(dst, s)
	case kindBearer:
		dst = findAuth(dst, s)
	case kindJWT:
		dst = findJWTs(dst, s)
	case kindAWS:
		dst = findAWSKeys(dst, s)
	case kindPEM:
		dst = findPEMs(dst, s)
	case kindURLCreds:
		dst = findURLCreds(dst, s)
	case kindRegexp:
		if d.literal != "" && !strings.Contains(s, d.literal) {
			return dst
		}
		for _, m := range d.re.FindAllStringSubmatchIndex(s, -1) {
			if len(m) >= 4 && m[2] >= 0 {
				dst = append(dst, span{start: m[2], end: m[3]})
			} else {
				dst = append(dst, span{start: m[0], end: m[1]})
			}
		}
	case kindFunc:
		for _, r := range safeFind(d.find, s) {
			if r[0] >= 0 && r[0] < r[1] && r[1] <= len(s) {
				dst = append(dst, span{start: r[0], end: r[1]})
			}
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i].replacement = d.replacement
	}
	return dst
}

// safeFind calls a user's find function; a panic there must not take the
// logging goroutine down, so it counts as the whole text being secret.
func safeFind(find func([][2]int, string) [][2]int, s string) (rs [][2]int) {
	defer func() {
		if recover() != nil {
			rs = [][2]int{{0, len(s)}}
		}
	}()
	return find(nil, s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }

// isWord reports whether c continues an identifier or a token, so that a
// secret-shaped run glued to it is part of something else.
func isWord(c byte) bool { return isAlnum(c) || c == '_' || c >= 0x80 }

func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// ---- email ----

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// fileExtensions are last labels that follow '@' in asset names and package
// specs far more often than in addresses ("icon@2x.png", "pkg@1.0.tgz").
var fileExtensions = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "ico": true,
	"bmp": true, "tif": true, "tiff": true, "css": true, "js": true, "mjs": true, "ts": true,
	"json": true, "yaml": true, "yml": true, "toml": true, "txt": true, "log": true, "lock": true,
	"html": true, "htm": true, "xml": true, "csv": true, "tsv": true, "pdf": true, "gz": true,
	"tgz": true, "bz2": true, "xz": true, "tar": true, "zip": true, "exe": true, "dll": true,
	"so": true, "dylib": true, "bin": true, "wasm": true, "map": true, "go": true, "mov": true,
	"mp4": true, "mp3": true, "wav": true,
}

func findEmails(dst []span, s string, urlCreds bool) []span {
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '@')
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		st := at
		for st > 0 && isLocalChar(s[st-1]) {
			st--
		}
		for st < at && s[st] == '.' {
			st++
		}
		if st == at || s[at-1] == '.' {
			continue
		}
		en := at + 1
		for en < len(s) && isDomainChar(s[en]) {
			en++
		}
		for en > at+1 && (s[en-1] == '.' || s[en-1] == '-') {
			en--
		}
		if !validDomain(s[at+1 : en]) {
			continue
		}
		if st > 0 && isURLUserinfo(s, st, urlCreds) {
			continue
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}

// isURLUserinfo reports whether the local part starting at st is the user
// part of a URL: "//user@" always (a user name in a URL is not an address),
// "//user:password@" when URLCredentials will take the password.
func isURLUserinfo(s string, st int, urlCreds bool) bool {
	if s[st-1] == '/' {
		return st >= 2 && s[st-2] == '/'
	}
	if s[st-1] != ':' || !urlCreds {
		return false
	}
	j := st - 1
	for j > 0 && isLocalChar(s[j-1]) {
		j--
	}
	return j >= 2 && s[j-1] == '/' && s[j-2] == '/'
}

func validDomain(d string) bool {
	labels := 0
	for len(d) > 0 {
		dot := strings.IndexByte(d, '.')
		label := d
		if dot >= 0 {
			label, d = d[:dot], d[dot+1:]
		} else {
			d = ""
		}
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || len(label) > 63 {
			return false
		}
		labels++
		if dot < 0 {
			// The top-level label.
			if labels < 2 || len(label) < 2 || len(label) > 24 {
				return false
			}
			for i := 0; i < len(label); i++ {
				if !isAlpha(label[i]) {
					return false
				}
			}
			var low [24]byte
			for i := 0; i < len(label); i++ {
				low[i] = label[i] | 0x20
			}
			return !fileExtensions[string(low[:len(label)])]
		}
	}
	return false
}

// ---- credit cards ----

func findCards(dst []span, s string) []span {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if i > 0 && isWord(s[i-1]) {
			// Digits glued to a word belong to it ("v2", "x4111..."); a
			// run may still start after them.
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		// A maximal run of digit groups joined by single separators.
		var groups [8]int // digits per group
		ng, total := 0, 0
		var sepKind byte
		mixed, overflow := false, false
		st, j := i, i
		for {
			g := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if ng < len(groups) {
				groups[ng] = j - g
				ng++
			} else {
				overflow = true
			}
			total += j - g
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				if sepKind == 0 {
					sepKind = s[j]
				} else if s[j] != sepKind {
					mixed = true
				}
				j++
				continue
			}
			break
		}
		i = j
		if total < 13 || mixed || overflow || !cardBoundaries(s, st, j) {
			continue
		}
		if total <= 19 && (ng == 1 || plausibleGroups(groups[:ng])) && isCard(s[st:j]) {
			dst = append(dst, span{start: st, end: j})
			continue
		}
		// A card followed or preceded by another number in the same run
		// ("4111 1111 1111 1111 12"): try the card groupings inside it.
		if ng < 4 {
			continue
		}
		dst = findGroupedCard(dst, s, st, groups[:ng])
	}
	return dst
}

// cardBoundaries rejects runs that are part of a larger token: glued to a
// letter, a decimal fraction or integer part, or a UUID.
func cardBoundaries(s string, st, en int) bool {
	if st > 0 {
		c := s[st-1]
		if isWord(c) {
			return false
		}
		if c == '.' && st > 1 && isDigit(s[st-2]) {
			return false
		}
		// A sign makes it a signed number ("-4576982950128230565"); a dash
		// after a word is a label ("card-4111...").
		if (c == '-' || c == '+') && (st == 1 || !isAlnum(s[st-2])) {
			return false
		}
	}
	if en < len(s) {
		c := s[en]
		if isWord(c) {
			return false
		}
		if c == '.' && en+1 < len(s) && isDigit(s[en+1]) {
			return false
		}
	}
	return !inUUID(s, st, en)
}

// inUUID reports whether s[st:en] lies inside a UUID (8-4-4-4-12 hex).
func inUUID(s string, st, en int) bool {
	a, b := st, en
	for a > 0 && (isHex(s[a-1]) || s[a-1] == '-') {
		a--
	}
	for b < len(s) && (isHex(s[b]) || s[b] == '-') {
		b++
	}
	if b-a < 36 {
		return false
	}
	// Try each UUID-length window of the hyphenated token that covers the run.
	for w := max(a, en-36); w <= st && w+36 <= b; w++ {
		if isUUID(s[w : w+36]) {
			return true
		}
	}
	return false
}

func isUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if u[i] != '-' {
				return false
			}
		} else if !isHex(u[i]) {
			return false
		}
	}
	return true
}

// plausibleGroups accepts the ways cards are printed: groups of 3 to 6
// digits, the first of 4.
func plausibleGroups(g []int) bool {
	if g[0] != 4 {
		return false
	}
	for _, n := range g {
		if n < 3 || n > 6 {
			return false
		}
	}
	return true
}

// cardGroupings are the printed layouts tried inside longer runs.
var cardGroupings = [][]int{{4, 4, 4, 4}, {4, 4, 4, 4, 3}, {4, 6, 5}, {4, 6, 4}}

func findGroupedCard(dst []span, s string, st int, groups []int) []span {
	// Byte offset of each group in s.
	var offs [9]int
	offs[0] = st
	for k, n := range groups {
		offs[k+1] = offs[k] + n + 1
	}
	for k := 0; k < len(groups); k++ {
		for _, layout := range cardGroupings {
			if k+len(layout) > len(groups) {
				continue
			}
			ok := true
			for x, n := range layout {
				if groups[k+x] != n {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			a, b := offs[k], offs[k+len(layout)]-1
			if isCard(s[a:b]) {
				return append(dst, span{start: a, end: b})
			}
		}
	}
	return dst
}

// isCard checks issuer prefix, length and Luhn of a digit run that may hold
// separators.
func isCard(run string) bool {
	var d [19]byte
	n := 0
	for i := 0; i < len(run); i++ {
		if isDigit(run[i]) {
			if n == len(d) {
				return false
			}
			d[n] = run[i] - '0'
			n++
		}
	}
	return n >= 13 && issuerAccepts(d[:n]) && luhn(d[:n])
}

func prefix(d []byte, k int) int {
	v := 0
	for i := 0; i < k && i < len(d); i++ {
		v = v*10 + int(d[i])
	}
	return v
}

func issuerAccepts(d []byte) bool {
	n := len(d)
	p1, p2, p3, p4, p6 := prefix(d, 1), prefix(d, 2), prefix(d, 3), prefix(d, 4), prefix(d, 6)
	switch {
	case p1 == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16
	case p2 == 62: // UnionPay
		return n >= 16
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n == 14 || n == 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p4 >= 2200 && p4 <= 2204: // Mir
		return n >= 16
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, p4 >= 6761 && p4 <= 6763: // Maestro
		return n >= 13
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// ---- SSN ----

func findSSNs(dst []span, s string) []span {
	for i := 0; i+11 <= len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		if i > 0 && (isWord(s[i-1]) || (i > 1 && isNumberJoiner(s[i-1]) && isDigit(s[i-2]))) {
			// Inside a longer number or token; skip the rest of its digits.
			for i+1 < len(s) && isDigit(s[i+1]) {
				i++
			}
			continue
		}
		if !(isDigit(s[i+1]) && isDigit(s[i+2]) && (s[i+3] == '-' || s[i+3] == ' ') &&
			isDigit(s[i+4]) && isDigit(s[i+5]) && s[i+6] == s[i+3] &&
			isDigit(s[i+7]) && isDigit(s[i+8]) && isDigit(s[i+9]) && isDigit(s[i+10])) {
			continue
		}
		en := i + 11
		if en < len(s) && (isWord(s[en]) || (en+1 < len(s) && isNumberJoiner(s[en]) && isDigit(s[en+1]))) {
			continue
		}
		area := prefix([]byte{s[i] - '0', s[i+1] - '0', s[i+2] - '0'}, 3)
		group := int(s[i+4]-'0')*10 + int(s[i+5]-'0')
		serial := int(s[i+7]-'0')*1000 + int(s[i+8]-'0')*100 + int(s[i+9]-'0')*10 + int(s[i+10]-'0')
		if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
			continue
		}
		dst = append(dst, span{start: i, end: en})
		i = en - 1
	}
	return dst
}

// isNumberJoiner reports whether c joins two numbers into one token
// ("1.123-45-6789", "555-123-45-6789", "10:123 45 6789").
func isNumberJoiner(c byte) bool { return c == '-' || c == '.' || c == '/' || c == ':' || c == ' ' }

// ---- bearer, basic, authorization ----

func isTokenChar(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

// tokenLike tells a credential from a word: long enough, and with a digit,
// a symbol or an upper-case letter after the first byte; or very long.
func tokenLike(t string) bool {
	return len(t) >= 20 || len(t) >= 8 && unlikeWord(t)
}

// credentialLike is tokenLike for a value already in a credential's place
// (after "authorization:"): shorter tokens count.
func credentialLike(t string) bool {
	return len(t) >= 16 || len(t) >= 6 && unlikeWord(t)
}

// unlikeWord reports whether t has a digit, a symbol or a capital after
// its first byte, which words in prose do not.
func unlikeWord(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isAlpha(c) || (i > 0 && isUpper(c)) {
			return true
		}
	}
	return false
}

func findAuth(dst []span, s string) []span {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c != 'a' && c != 'b' {
			continue
		}
		if i > 0 && isAlpha(s[i-1]) {
			continue
		}
		switch {
		case hasPrefixFold(s[i:], "bearer"):
			j := skipAssign(s, i+6)
			if j == i+6 {
				continue
			}
			t := j
			for t < len(s) && isTokenChar(s[t]) {
				t++
			}
			if tokenLike(s[j:t]) {
				dst = append(dst, span{start: j, end: t})
				i = t - 1
			}
		case hasPrefixFold(s[i:], "basic"):
			j := i + 5
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j == i+5 {
				continue
			}
			t := j
			for t < len(s) && (isAlnum(s[t]) || s[t] == '+' || s[t] == '/' || s[t] == '=') {
				t++
			}
			if t < len(s) && isTokenChar(s[t]) {
				continue
			}
			if basicCredential(s[j:t]) {
				dst = append(dst, span{start: j, end: t})
				i = t - 1
			}
		case hasPrefixFold(s[i:], "authorization"):
			j := i + 13
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				j++
			}
			for j < len(s) && s[j] == ' ' {
				j++
			}
			if j == len(s) || (s[j] != ':' && s[j] != '=') {
				continue
			}
			j++
			for j < len(s) && s[j] == ' ' {
				j++
			}
			var quote byte
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				quote = s[j]
				j++
			}
			// fmt prints a header map as "map[Authorization:[Bearer x]]".
			if j < len(s) && s[j] == '[' {
				j++
			}
			if sp, ok := authValue(s, j, quote); ok {
				dst = append(dst, sp)
				i = sp.end - 1
			}
		}
	}
	return dst
}

// Authorization schemes whose credential is one token, and those whose
// credential is a list of parameters (all of which are redacted).
var (
	tokenSchemes = []string{"bearer", "basic", "token", "negotiate", "ntlm", "apikey", "key", "sharedkey", "ssws", "splunk"}
	paramSchemes = []string{"digest", "aws4-hmac-sha256", "oauth", "signature", "hoba", "mutual"}
)

// authValue finds the credential in an Authorization value starting at j
// (after an opening quote when quote is not 0). A known scheme is kept and
// what follows it redacted: one token, or every parameter up to the end of
// the value. An unknown "<word> <token>" or a lone token is redacted only
// when the token looks like a credential, so that
// "authorization: user not allowed" reads as written.
func authValue(s string, j int, quote byte) (span, bool) {
	tokenEnd := func(t int) int {
		for t < len(s) && isAuthValueChar(s[t]) {
			t++
		}
		return t
	}
	first := tokenEnd(j)
	k := first
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if first > j && k > first && k < len(s) && (isAuthValueChar(s[k]) || s[k] == '[') {
		// "<scheme> <credential...>"
		scheme := s[j:first]
		switch {
		case foldIn(scheme, paramSchemes):
			// To the end of the line or of the quoted value; a quote
			// escaped with a backslash (JSON in a string) does not end it.
			e := k
			for e < len(s) && s[e] != '\n' && s[e] != '\r' && (quote == 0 || s[e] != quote || s[e-1] == '\\') {
				e++
			}
			return span{start: k, end: e}, true
		case foldIn(scheme, tokenSchemes):
			return span{start: k, end: tokenEnd(k)}, true
		case isSchemeWord(scheme):
			e := tokenEnd(k)
			return span{start: k, end: e}, credentialLike(s[k:e])
		}
	}
	return span{start: j, end: first}, credentialLike(s[j:first])
}

// isSchemeWord reports whether w can name an authentication scheme: a
// letter, then letters, digits and dashes.
func isSchemeWord(w string) bool {
	if w == "" || !isAlpha(w[0]) {
		return false
	}
	for i := 1; i < len(w); i++ {
		if !isAlnum(w[i]) && w[i] != '-' {
			return false
		}
	}
	return true
}

func foldIn(word string, list []string) bool {
	for _, l := range list {
		if len(word) == len(l) && hasPrefixFold(word, l) {
			return true
		}
	}
	return false
}

// skipAssign skips what separates "bearer" from its token: spaces, or ':'
// or '=' and spaces. It returns the offset of the token.
func skipAssign(s string, j int) int {
	k := j
	if k < len(s) && (s[k] == ':' || s[k] == '=') {
		k++
	}
	for k < len(s) && s[k] == ' ' {
		k++
	}
	return k
}

func isAuthValueChar(c byte) bool {
	return c > ' ' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '&' && c != 0x7f &&
		c != '[' && c != ']'
}

// basicCredential reports whether t is base64 of "user:password".
func basicCredential(t string) bool {
	if len(t) < 8 {
		return false
	}
	if len(t) > 256 {
		return tokenLike(t)
	}
	var buf [192]byte
	enc := base64.StdEncoding
	if t[len(t)-1] != '=' && len(t)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	n, err := enc.Decode(buf[:], []byte(t))
	if err != nil {
		return false
	}
	colon := false
	for _, c := range buf[:n] {
		if c == ':' {
			colon = true
		} else if c < ' ' || c == 0x7f {
			return false
		}
	}
	return colon
}

// ---- JWT ----

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

func findJWTs(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "eyJ")
		if i < 0 {
			break
		}
		st := off + i
		off = st + 3
		if st > 0 && isB64URL(s[st-1]) {
			continue
		}
		j := st
		segs := 0
		lens := [5]int{}
		for segs < 5 {
			k := j
			for k < len(s) && isB64URL(s[k]) {
				k++
			}
			lens[segs] = k - j
			segs++
			j = k
			if j < len(s) && s[j] == '.' && segs < 5 {
				j++
				continue
			}
			break
		}
		if segs < 3 || lens[0] < 12 || lens[1] < 2 || !printableJSON(s[st:st+lens[0]]) {
			continue
		}
		// A trailing dot ends a sentence, not a segment.
		en := j
		if s[en-1] == '.' && segs > 3 {
			en--
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}

// printableJSON decodes the start of a JWT header and checks that it reads
// as JSON text, which random base64url starting "eyJ" rarely does.
func printableJSON(seg string) bool {
	n := min(len(seg), 32) &^ 3
	var buf [24]byte
	m, err := base64.RawURLEncoding.Decode(buf[:], []byte(seg[:n]))
	if err != nil || m < 3 || buf[0] != '{' || buf[1] != '"' {
		return false
	}
	for _, c := range buf[:m] {
		if c < ' ' && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			return false
		}
	}
	return true
}

// ---- AWS ----

func findAWSKeys(dst []span, s string) []span {
	for i := 0; i+20 <= len(s); i++ {
		if s[i] != 'A' || s[i+2] != 'I' || s[i+3] != 'A' || (s[i+1] != 'K' && s[i+1] != 'S') {
			continue
		}
		if i > 0 && isWord(s[i-1]) {
			continue
		}
		ok := true
		for k := i + 4; k < i+20; k++ {
			if !isUpper(s[k]) && !isDigit(s[k]) {
				ok = false
				break
			}
		}
		if !ok || (i+20 < len(s) && isWord(s[i+20])) {
			continue
		}
		dst = append(dst, span{start: i, end: i + 20})
		i += 19
	}
	return dst
}

// ---- PEM ----

func findPEMs(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "-----BEGIN ")
		if i < 0 {
			break
		}
		st := off + i
		lab := st + len("-----BEGIN ")
		le := strings.Index(s[lab:], "-----")
		if le < 0 || strings.IndexByte(s[lab:lab+le], '\n') >= 0 || !strings.Contains(s[lab:lab+le], "PRIVATE KEY") {
			off = lab
			continue
		}
		en := len(s)
		if e := strings.Index(s[lab+le+5:], "-----END "); e >= 0 {
			e += lab + le + 5 + len("-----END ")
			if c := strings.Index(s[e:], "-----"); c >= 0 {
				en = e + c + 5
			}
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}

// ---- URL credentials ----

// isTextEnd reports whether c ends a URL in running text.
func isTextEnd(c byte) bool {
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == 0x7f
}

func isUserChar(c byte) bool {
	return !isTextEnd(c) && c != '/' && c != '?' && c != '#' && c != '@' && c != ':'
}

// findURLCreds finds passwords in scheme://user:password@host. The user
// is plain, but the password runs to the last '@' before the first '/',
// because passwords pasted into DSNs often hold a raw '#', '?', '@' or ':'
// that URL parsers would take for the end of the authority.
func findURLCreds(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			break
		}
		sep := off + i
		off = sep + 3
		if sep == 0 || !isAlpha(s[sep-1]) {
			continue
		}
		a := sep + 3
		u := a
		for u < len(s) && isUserChar(s[u]) {
			u++
		}
		if u < len(s) && s[u] == ':' {
			e := u + 1
			for e < len(s) && !isTextEnd(s[e]) && s[e] != '/' {
				e++
			}
			if at := strings.LastIndexByte(s[u+1:e], '@'); at > 0 {
				dst = append(dst, span{start: u + 1, end: u + 1 + at})
				off = u + 1 + at
			}
			continue
		}
		if u < len(s) && s[u] == '@' && u-a >= 16 && tokenLike(s[a:u]) && hasDigitAndLetter(s[a:u]) {
			dst = append(dst, span{start: a, end: u})
			off = u
		}
	}
	return dst
}

func hasDigitAndLetter(s string) bool {
	d, l := false, false
	for i := 0; i < len(s); i++ {
		d = d || isDigit(s[i])
		l = l || isAlpha(s[i])
	}
	return d && l
}

// ---- URL query parameters ----

func isParamNameEnd(c byte) bool {
	return c == '=' || c == '&' || c == '#' || c == '?' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>'
}

func isParamValueEnd(c byte) bool {
	return c == '&' || c == '#' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`'
}

// findParams scrubs the values of the named query parameters in s: those
// after '?', '&' or '#', and the first one when atStart (a raw query).
func findParams(dst []span, s string, names *paramSet, atStart bool) []span {
	for i := 0; i < len(s); i++ {
		name := i // where the parameter name starts
		if !(atStart && i == 0) {
			c := s[i]
			if c != '?' && c != '&' && c != '#' {
				continue
			}
			name = i + 1
		}
		n := name
		for n < len(s) && !isParamNameEnd(s[n]) {
			n++
		}
		if n == len(s) || s[n] != '=' || n == name || !names.has(s[name:n]) {
			i = max(i, n-1) // always move on
			continue
		}
		v := n + 1
		e := v
		for e < len(s) && !isParamValueEnd(s[e]) {
			e++
		}
		if e > v {
			dst = append(dst, span{start: v, end: e})
		}
		i = e - 1
	}
	return dst
}

// paramSet holds query parameter names, compared case-insensitively.
type paramSet struct {
	names  map[string]struct{} // lower case
	maxLen int
}

func newParamSet(names []string) *paramSet {
	p := &paramSet{names: make(map[string]struct{}, len(names))}
	for _, n := range names {
		if n == "" {
			continue
		}
		p.names[strings.ToLower(n)] = struct{}{}
		p.maxLen = max(p.maxLen, len(n))
	}
	return p
}

func (p *paramSet) has(name string) bool {
	if len(name) > p.maxLen || len(name) > 64 {
		return false
	}
	var buf [64]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isUpper(c) {
			c |= 0x20
		}
		buf[i] = c
	}
	_, ok := p.names[string(buf[:len(name)])]
	return ok
}
