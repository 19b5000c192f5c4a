package redact

import (
	"strings"
)

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
		if u < len(s) && s[u] == '@' {
			// A user name that is an address (smtp://alice@example.com:pw@host).
			e := u + 1
			for e < len(s) && !isTextEnd(s[e]) && s[e] != '/' {
				e++
			}
			rest := s[u+1 : e]
			if c := strings.IndexByte(rest, ':'); c > 0 && strings.IndexByte(rest[:c], '@') < 0 {
				if at := strings.LastIndexByte(rest[c+1:], '@'); at > 0 {
					st := u + 1 + c + 1
					dst = append(dst, span{start: st, end: st + at})
					off = st + at
					continue
				}
			}
		}
		if u < len(s) && s[u] == '@' && u-a >= 16 && tokenLike(s[a:u]) && hasDigitAndLetter(s[a:u]) {
			dst = append(dst, span{start: a, end: u})
			off = u
		}
	}
	return findDriverDSNs(dst, s)
}

// findDriverDSNs finds the password in go-sql-driver/mysql DSNs,
// user:password@tcp(host:port)/db, user:password@unix(/path)/db and
// user:password@/db, which have no scheme.
func findDriverDSNs(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '@')
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		p := at + 1
		for p < len(s) && isLower(s[p]) {
			p++
		}
		if p == len(s) || !(s[p] == '(' && p > at+1 || s[p] == '/' && p == at+1) {
			continue
		}
		t := at
		for t > 0 && !isTextEnd(s[t-1]) && s[t-1] != '=' && s[t-1] != '/' && s[t-1] != '(' {
			t--
		}
		c := strings.IndexByte(s[t:at], ':')
		if c <= 0 || (t > 0 && s[t-1] == '/') {
			continue
		}
		if st := t + c + 1; st < at {
			dst = append(dst, span{start: st, end: at})
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
