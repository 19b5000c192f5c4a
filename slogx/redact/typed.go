package redact

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// isCardNumber reports whether a number, as a JSON body decoded into an
// interface holds it, is a card number: 13 to 19 digits with an issuer's
// prefix and length and the Luhn check.
func isCardNumber(x any) bool {
	var buf [32]byte
	var b []byte
	switch n := x.(type) {
	case float64:
		if n < 1e12 || n >= 1e19 || n != math.Trunc(n) {
			return false
		}
		b = strconv.AppendFloat(buf[:0], n, 'f', -1, 64)
	case int64:
		if n < 1e12 {
			return false
		}
		b = strconv.AppendInt(buf[:0], n, 10)
	case uint64:
		if n < 1e12 {
			return false
		}
		b = strconv.AppendUint(buf[:0], n, 10)
	case json.Number:
		if len(n) < 13 || len(n) > 19 {
			return false
		}
		b = append(buf[:0], n...)
	}
	return isCard(string(b))
}

// cookie masks the value of a typed cookie, whatever its name: cookies
// carry sessions and state a server trusts, and a log needs only the name.
func (w *walker) cookie(c *http.Cookie) (*http.Cookie, bool) {
	if c == nil || c.Value == "" {
		return c, false
	}
	cp := *c
	cp.Value = w.c.eng.replacementFor(c.Value)
	cp.Raw = ""
	return &cp, true
}

// urlValues redacts url.Values: the parameters [Options.URLParams] names,
// besides the keys and texts any map is checked for.
func (w *walker) urlValues(v url.Values) (url.Values, bool) {
	var out url.Values
	for k, vs := range v {
		secret := w.c.eng.params != nil && w.c.eng.params.has(k) || w.c.keys.match(w.path, k)
		nvs, ch := vs, false
		for i, s := range vs {
			r, c := s, false
			if secret && s != "" {
				r, c = w.c.eng.replacementFor(s), true
			} else {
				r, c = w.c.eng.scan(s, false)
			}
			if c {
				if !ch {
					nvs, ch = slices.Clone(vs), true
				}
				nvs[i] = r
			}
		}
		nk, kch := w.c.eng.scan(k, false)
		if ch || kch {
			if out == nil {
				out = maps.Clone(v)
			}
			if kch {
				delete(out, k)
			}
			out[nk] = nvs
		}
	}
	return out, out != nil
}

// url redacts a URL: the password (or a token standing as the user), the
// named query and fragment parameters, and secrets anywhere in the query,
// fragment, path and opaque part, percent-encoded or not.
func (w *walker) url(u *url.URL) (*url.URL, bool) {
	e := w.c.eng
	cp := *u
	ch := false
	if u.User != nil && e.urlCreds {
		name := u.User.Username()
		if p, ok := u.User.Password(); ok && p != "" {
			cp.User = url.UserPassword(name, e.replacementFor(p))
			ch = true
		} else if !ok && len(name) >= 16 && tokenLike(name) && hasDigitAndLetter(name) {
			cp.User = url.User(e.replacementFor(name))
			ch = true
		}
	}
	if q, c := scanEscaped(e, u.RawQuery, url.QueryUnescape); c {
		cp.RawQuery, ch = q, true
	}
	if f, c := e.scan(u.Fragment, true); c {
		cp.Fragment, cp.RawFragment, ch = f, "", true
	}
	if p, c := e.scan(u.Path, false); c {
		cp.Path, cp.RawPath, ch = p, "", true
	}
	if o, c := scanEscaped(e, u.Opaque, url.PathUnescape); c {
		cp.Opaque, ch = o, true
	}
	return &cp, ch
}

// scanEscaped scans a raw URL part, and its unescaped text when that
// differs, so that "alice%40example.com" is caught too.
func scanEscaped(e *engine, raw string, unescape func(string) (string, error)) (string, bool) {
	s, ch := e.scan(raw, true)
	if strings.IndexByte(s, '%') >= 0 {
		if dec, err := unescape(s); err == nil && dec != s {
			if d, dch := e.scan(dec, true); dch {
				return d, true
			}
		}
	}
	return s, ch
}

// rawOrString keeps redacted JSON as JSON when it still parses (a secret
// inside a string stays inside it), and makes it a string otherwise (a
// secret that was a bare number).
func rawOrString(s string) any {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}
