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
// renders them into each request, and collects the credentials among them
// for the sink to keep out of every message.
type Headers struct {
	kv      [][2]string
	errs    []error
	secrets []string
}

// Own adds a header the face itself sets (auth, tenant). secret, if not
// empty, is the credential in value, which must never be shown.
func (h *Headers) Own(name, value, secret string) {
	h.kv = append(h.kv, [2]string{name, value})
	if secret != "" {
		h.secrets = append(h.secrets, secret)
	}
}

// Secret adds a credential that is sent in some form (a password inside
// basic auth) and must never be shown either.
func (h *Headers) Secret(s string) {
	if s != "" {
		h.secrets = append(h.secrets, s)
	}
}

// Owns reports whether the face set name itself.
func (h *Headers) Owns(name string) bool {
	return slices.ContainsFunc(h.kv, func(kv [2]string) bool { return strings.EqualFold(kv[0], name) })
}

// User adds the user's Headers option, in key order, with every problem
// noted. refuse, if it returns a reason, keeps a header out, e.g. one the
// face sets itself. The value of a header whose name suggests a credential
// is kept secret.
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
			if sensitiveHeader(k) && v != "" {
				h.secrets = append(h.secrets, v)
			}
		}
	}
}

// Err returns the problems found, one error each.
func (h *Headers) Err() []error { return h.errs }

// Secrets returns the credentials the headers carry.
func (h *Headers) Secrets() []string { return slices.Clone(h.secrets) }

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

// sensitiveHeader reports whether a header's name suggests that its value
// is a credential.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "token", "key", "secret", "cookie", "session", "password"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
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
