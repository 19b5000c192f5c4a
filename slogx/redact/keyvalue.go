package redact

// Credentials that a program logs inside a string, named by a key that
// [Options.Keys] lists: JSON and form bodies, query strings, %+v struct
// dumps, fmt of maps, env dumps, libpq and ADO.NET connection strings,
// command-line flags and HTTP header dumps. The value is replaced, the key
// kept.

// isKVKeyChar reports whether c can be part of a key written in text.
func isKVKeyChar(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// kvKeyBefore returns the key that ends just before the separator at i
// ('=' or ':'), skipping a closing quote (also an escaped one, for JSON
// inside a JSON string) and spaces; quoted says whether the key was.
func kvKeyBefore(s string, i int) (key string, quoted bool) {
	j := i
	for n := 0; j > 0 && s[j-1] == ' ' && n < 2; n++ {
		j--
	}
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'') {
		j--
		quoted = true
		// Escaped once or more: JSON inside a JSON string, maybe twice.
		for j > 0 && s[j-1] == '\\' {
			j--
		}
	}
	k := j
	for k > 0 && j-k < maxKeyLen && isKVKeyChar(s[k-1]) {
		k--
	}
	if k == j || isDigit(s[k]) || (k > 0 && isKVKeyChar(s[k-1])) {
		return "", false
	}
	return s[k:j], quoted
}

// kvKeyAt reports whether a key in keys ends before the separator at i.
// The Authorization header is left to the [Bearer] detector, which knows
// its schemes.
func (e *engine) kvKeyAt(s string, i int) bool {
	if e.keys == nil || e.keys.n == 0 {
		return false
	}
	key, _ := kvKeyBefore(s, i)
	return key != "" && e.keys.matchSingle(key) && !endsFold(key, "authorization")
}

func endsFold(s, lower string) bool {
	return len(s) >= len(lower) && hasPrefixFold(s[len(s)-len(lower):], lower)
}

// flagAt reports whether s[i:] starts a command-line flag "--name value"
// whose name is a key in keys, and returns where the value starts.
func (e *engine) flagAt(s string, i int) (int, bool) {
	if i+3 > len(s) || s[i+1] != '-' || !isAlpha(s[i+2]) || (i > 0 && s[i-1] != ' ' && s[i-1] != '"' && s[i-1] != '\'') {
		return 0, false
	}
	j := i + 2
	for j < len(s) && j-i < maxKeyLen && isKVKeyChar(s[j]) {
		j++
	}
	if j+1 >= len(s) || s[j] != ' ' || s[j+1] == '-' || e.keys == nil || e.keys.n == 0 || !e.keys.matchSingle(s[i+2:j]) {
		return 0, false
	}
	return j + 1, true
}

// isPlainValueEnd reports whether c ends an unquoted value.
func isPlainValueEnd(c byte) bool {
	return c <= ' ' || c == '&' || c == ';' || c == ',' || c == '"' || c == '\'' || c == ')' ||
		c == ']' || c == '}' || c == '<' || c == '>' || c == '\\' || c == 0x7f
}

// findKeyValues appends the values of sensitive keys written in s.
func findKeyValues(dst []span, s string, e *engine) []span {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=' || c == ':':
			if c == ':' && i+2 < len(s) && s[i+1] == '/' && s[i+2] == '/' {
				continue
			}
			if !e.kvKeyAt(s, i) {
				continue
			}
			key, quoted := kvKeyBefore(s, i)
			if isCookieKey(key) {
				dst = cookieValues(dst, s, i+1, endsFold(key, "set-cookie"))
				continue
			}
			if sp, ok := kvValue(s, i, quoted, key); ok {
				dst = append(dst, sp)
				i = sp.end - 1
			}
		case c == '-':
			if v, ok := e.flagAt(s, i); ok {
				en := v
				for en < len(s) && !isPlainValueEnd(s[en]) {
					en++
				}
				if en > v {
					dst = append(dst, span{start: v, end: en})
					i = en - 1
				}
			}
		}
	}
	return dst
}

func isCookieKey(key string) bool { return endsFold(key, "cookie") }

// kvValue finds the value after the separator at i.
func kvValue(s string, i int, quotedKey bool, key string) (span, bool) {
	v := i + 1
	spaced := false
	for v < len(s) && s[v] == ' ' {
		v++
		spaced = true
	}
	// http.Header as JSON, fmt of a map of slices: the value is in a list.
	if v < len(s) && s[v] == '[' {
		v++
	}
	if v < len(s) && s[v] == '\\' {
		// An escaped quote, once or more: JSON logged inside a JSON
		// string. The value ends where the closing quote's escape starts.
		q := v
		for q < len(s) && s[q] == '\\' {
			q++
		}
		if q == len(s) || s[q] != '"' {
			return span{}, false
		}
		st := q + 1
		en := st
		for en < len(s) && s[en] != '\\' && s[en] != '"' {
			en++
		}
		return valueSpan(s, st, en, key)
	}
	if v < len(s) && (s[v] == '"' || s[v] == '\'') {
		q := s[v]
		st := v + 1
		for en := st; en < len(s); en++ {
			if s[en] == '\\' {
				en++
				continue
			}
			if s[en] == q {
				return valueSpan(s, st, en, key)
			}
		}
		// An unterminated quote: the value runs to the end of the text.
		return valueSpan(s, st, len(s), key)
	}
	en := v
	for en < len(s) && !isPlainValueEnd(s[en]) {
		en++
	}
	if en == v || s[v] == '{' {
		return span{}, false
	}
	// "password: must be 8 characters" is a message about a password;
	// after ": " only a value that looks like a credential is one.
	if s[i] == ':' && spaced && !quotedKey && !credentialLike(s[v:en]) {
		return span{}, false
	}
	return valueSpan(s, v, en, key)
}

// valueSpan returns s[st:en] as a secret unless it is empty or a value
// that stands for no secret at all.
func valueSpan(s string, st, en int, key string) (span, bool) {
	if en <= st {
		return span{}, false
	}
	v := s[st:en]
	switch {
	case foldIn(v, placeholderValues):
		return span{}, false
	case isPathUnderPWD(key, v):
		// $PWD in an env dump is a directory, not a password.
		return span{}, false
	}
	return span{start: st, end: en}, true
}

// placeholderValues stand for no secret: JSON's null and booleans, Go's
// nil.
var placeholderValues = []string{"null", "true", "false", "nil", "<nil>", "none"}

// cookieAttributes are the Set-Cookie attributes, whose values are not
// secret.
var cookieAttributes = []string{"expires", "max-age", "domain", "path", "samesite", "secure", "httponly", "priority", "partitioned"}

// cookieValues replaces the value of each name=value pair of a Cookie or
// Set-Cookie header that starts at v, up to the end of the line or of the
// quoted text; Set-Cookie's attributes are kept.
func cookieValues(dst []span, s string, v int, set bool) []span {
	for v < len(s) && (s[v] == ' ' || s[v] == '[' || s[v] == '"' || s[v] == '\'') {
		v++
	}
	for v < len(s) {
		n := v
		for n < len(s) && s[n] != '=' && s[n] != ';' && s[n] != '"' && s[n] != '\'' && s[n] != '\n' && s[n] != ']' && s[n] != ',' {
			n++
		}
		if n == len(s) || s[n] != '=' {
			return dst
		}
		name := s[v:n]
		for len(name) > 0 && name[0] == ' ' {
			name = name[1:]
		}
		st := n + 1
		en := st
		for en < len(s) && s[en] != ';' && s[en] != '"' && s[en] != '\'' && s[en] != '\n' && s[en] != '\r' && s[en] != ']' && s[en] != '\\' && !(s[en] == ',' && !set) {
			en++
		}
		if en > st && !foldIn(name, cookieAttributes) {
			dst = append(dst, span{start: st, end: en})
		}
		if en == len(s) || s[en] != ';' {
			return dst
		}
		v = en + 1
	}
	return dst
}
