package redact

import (
	"strings"
)

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
