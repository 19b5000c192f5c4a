package redact

import (
	"regexp"
	"strings"
)

// A Detector finds secrets in text: messages, string values, error texts,
// the text of fmt.Stringer values and the parts of URLs. Pick the built-in
// ones ([Email], [CreditCard], [SSN], [IBAN], [Bearer], [JWT],
// [AWSAccessKey], [PrivateKey], [URLCredentials], [Tokens], [Credentials])
// or build one with [Regexp] or [Func], and list them in
// [Options.Detectors].
//
// Each built-in detector first looks for a hint (an '@', a run of at least
// 13 digits, "eyJ", a token prefix, a sensitive key before '=', ...),
// gathered for all detectors in one pass over the text and checked where
// it is found, and runs its precise check only when its hint is present.
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
	kindTokens
	kindCredentials
	kindIBAN
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
	URLCredentials = Detector{name: "url_credentials", kind: kindURLCreds, need: fAt}

	// Tokens matches vendor tokens by the prefixes vendors give them so that
	// scanners can find them, with the alphabet and length each one uses:
	// GitHub (classic, fine-grained, OAuth, app and refresh tokens), GitLab,
	// Slack (tokens and webhook URLs), Stripe (secret, restricted and
	// webhook keys; publishable pk_ keys are public and left alone), Google
	// API keys, SendGrid, Twilio, npm, Docker Hub, HashiCorp Vault, Telegram
	// bot tokens in Bot API URLs, Azure storage and Service Bus keys in
	// connection strings, AWS session tokens, and more (the catalogue
	// follows gitleaks' and trufflehog's public rules, each entry naming its
	// source). The prefix is kept ("ghp_[REDACTED]"): it names the vendor,
	// not the secret. A prefix must start a word and the token must end
	// one, so "ghp_" in prose or a longer identifier is left alone.
	Tokens = Detector{name: "tokens", kind: kindTokens, need: fToken}

	// Credentials matches values named by a key of [Options.Keys] inside
	// text: "password":"x" in JSON (also escaped inside a JSON string),
	// client_secret=x in form bodies, query strings, env dumps and libpq or
	// ADO.NET connection strings ("Password=x;"), Password:x in %+v struct
	// dumps and fmt of maps, "X-Api-Key: x" in header dumps, and
	// "--password x" on command lines. The key is kept. Cookie and
	// Set-Cookie headers have every cookie value replaced (Set-Cookie's
	// attributes are kept). After "key: " with a space, as in a message,
	// only a value that looks like a credential counts, so
	// "password: must be 8 characters" reads as written; null, true, false
	// and nil are not secrets. Authorization is left to [Bearer]. A value
	// ends at a space, '&', ';', ',' or a closing bracket or quote: an
	// unquoted password that holds one of them is cut there, and what
	// follows shows.
	Credentials = Detector{name: "credentials", kind: kindCredentials, need: fKV}

	// IBAN matches international bank account numbers, plain or in groups
	// of four, whose country code is known, whose length is the one that
	// country uses, and whose check digits pass ISO 13616's mod-97 check.
	IBAN = Detector{name: "iban", kind: kindIBAN, need: fIBAN}
)

// DefaultDetectors returns every built-in detector, in a new slice that the
// caller may extend: append(redact.DefaultDetectors(), myDetector).
func DefaultDetectors() []Detector {
	return []Detector{Email, CreditCard, SSN, Bearer, JWT, AWSAccessKey, PrivateKey, URLCredentials, Tokens, Credentials, IBAN}
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
	case kindTokens:
		dst = findTokens(dst, s)
	case kindCredentials:
		dst = findKeyValues(dst, s, e)
	case kindIBAN:
		dst = findIBANs(dst, s)
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
