package redact

import (
	"encoding/base64"
)

func isTokenChar(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='
}

// tokenLike tells a credential from a word: long enough, and with a digit,
// a symbol or an upper-case letter after the first byte; or very long.
func tokenLike(t string) bool {
	return !hyphenated(t) && (len(t) >= 20 || len(t) >= 8 && unlikeWord(t))
}

// hyphenated reports whether t is words joined by '-' or '.' ("token-based",
// "single-sign-on"): prose, not a credential.
func hyphenated(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isLower(c) && c != '-' && c != '.' && !(i == 0 && isUpper(c)) {
			return false
		}
	}
	return true
}

// credentialLike is tokenLike for a value already in a credential's place
// (after "authorization:"): shorter tokens count.
func credentialLike(t string) bool {
	return !hyphenated(t) && (len(t) >= 16 || len(t) >= 6 && unlikeWord(t))
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
			if j+1 < len(s) && s[j] == '\\' && s[j+1] == '"' {
				j++ // JSON inside a JSON string
			}
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
			if j+1 < len(s) && s[j] == '\\' && s[j+1] == '"' {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				quote = s[j]
				j++
			}
			// fmt prints a header map as "map[Authorization:[Bearer x]]",
			// JSON an http.Header as {"Authorization":["Bearer x"]}.
			if j < len(s) && s[j] == '[' {
				j++
				if quote == 0 && j < len(s) && (s[j] == '"' || s[j] == '\'') {
					quote = s[j]
					j++
				}
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
	return c > ' ' && c != '"' && c != '\'' && c != ',' && c != ';' && c != '&' && c != 0x7f && c != '\\' &&
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
