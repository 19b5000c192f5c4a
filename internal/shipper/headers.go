package shipper

import (
	"fmt"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"
)

// reservedHeaders are set by the sender for every request.
var reservedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Length", "Host", "Transfer-Encoding"}

// Headers collects the fixed headers of every request, checks them once,
// and renders them into each request.
type Headers struct {
	kv   [][2]string
	errs []error
}

// Own adds a header the face itself sets (auth, tenant). Its value is
// never put in an error: it may be a credential.
func (h *Headers) Own(name, value string) {
	h.kv = append(h.kv, [2]string{name, value})
}

// Owns reports whether the face set name itself.
func (h *Headers) Owns(name string) bool {
	return slices.ContainsFunc(h.kv, func(kv [2]string) bool { return strings.EqualFold(kv[0], name) })
}

// User adds the user's Headers option, in key order, with every problem
// noted. conflict, if set, explains why a header the face already set may
// not be given again, e.g. "conflicts with APIKey".
func (h *Headers) User(m map[string]string, refuse func(name string) string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		switch {
		case !ValidHeaderName(k):
			h.errs = append(h.errs, fmt.Errorf("Headers: %q is not a valid header name", k))
		case strings.ContainsAny(v, "\r\n\x00"):
			// The value is not quoted: it may be a token.
			h.errs = append(h.errs, fmt.Errorf("Headers: the value of %q contains a line break or NUL", k))
		case slices.ContainsFunc(reservedHeaders, func(r string) bool { return strings.EqualFold(r, k) }):
			h.errs = append(h.errs, fmt.Errorf("Headers: %q is set by the handler", k))
		default:
			if why := refuse(k); why != "" {
				h.errs = append(h.errs, fmt.Errorf("Headers: %s", why))
				continue
			}
			h.kv = append(h.kv, [2]string{k, v})
		}
	}
}

// Err returns the problems found, one error each.
func (h *Headers) Err() []error { return h.errs }

// Prepare returns the hook that sets the headers on a request, or nil if
// there are none.
func (h *Headers) Prepare() func(req *fasthttp.Request, endpoint string) {
	if len(h.kv) == 0 {
		return nil
	}
	kv := slices.Clone(h.kv)
	return func(req *fasthttp.Request, _ string) {
		for _, p := range kv {
			req.Header.Set(p[0], p[1])
		}
	}
}

// ValidHeaderName reports whether s is an RFC 9110 token.
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
