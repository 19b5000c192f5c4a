package redact

import (
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

// Byte classes for the hint pass. Each hint is anchored on its rarest
// byte, so that in prose almost every byte is class 0 and costs one load
// and one well-predicted branch.
const (
	cDigit = 1 + iota
	cDash  // '-': "-----BEGIN", "--flag", token prefixes
	cAt
	cColon // "://", "key:"
	cQuery // '?', '&', '#'
	cEq
	cJ      // 'J': "eyJ"
	cI      // 'I': "AKIA", "ASIA"
	cB      // 'B', 'b': "bearer", "basic"
	cZ      // 'Z', 'z': "authorization", token prefixes
	cAnchor // other bytes token prefixes are anchored on
)

var byteClass = func() (t [256]uint8) {
	for b := range isTokenAnchor {
		if isTokenAnchor[b] {
			t[b] = cAnchor
		}
	}
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

// features gathers in one pass the hints the engine's detectors need.
func (e *engine) features(s string) feature {
	var f feature
	cls := &byteClass
	kv := e.need&fKV != 0
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
		c := s[i]
		switch cls[c] {
		case 0:
			continue
		case cDigit:
			if i >= 2 && isUpper(s[i-2]) && isUpper(s[i-1]) && (i == 2 || !isWord(s[i-3])) {
				f |= fIBAN
			}
			j, n := digitRun(s, i)
			if n >= 9 {
				f |= fNum9
				if n >= 13 {
					f |= fNum13
				}
			}
			i = j - 1
			continue
		case cDash:
			if strings.HasPrefix(s[i:], "-----BEGIN") {
				f |= fPEM
			} else if kv && i+1 < len(s) && s[i+1] == '-' {
				if _, ok := e.flagAt(s, i); ok {
					f |= fKV
				}
			}
		case cAt:
			f |= fAt
		case cColon:
			if strings.HasPrefix(s[i:], "://") {
				f |= fScheme
			} else if kv && e.kvKeyAt(s, i) {
				f |= fKV
			}
		case cQuery:
			f |= fQuery
		case cEq:
			f |= fEq
			if kv && e.kvKeyAt(s, i) {
				f |= fKV
			}
		case cJ:
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				f |= fJWT
			}
		case cI:
			if i >= 2 && i+1 < len(s) && s[i-2] == 'A' && (s[i-1] == 'K' || s[i-1] == 'S') && s[i+1] == 'A' {
				f |= fAWS
			}
		case cB:
			if (hasPrefixFold(s[i+1:], "earer") && authSep(s, i+6)) || (hasPrefixFold(s[i+1:], "asic") && authSep(s, i+5)) {
				f |= fAuth
			}
		case cZ:
			if i >= 7 && hasPrefixFold(s[i-7:], "authorization") && authorizationValue(s, i+6) {
				f |= fAuth
			}
		}
		if isTokenAnchor[c] && f&fToken == 0 {
			if _, ok := tokenAt(s, i); ok {
				f |= fToken
			}
		}
	}
	return f
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
