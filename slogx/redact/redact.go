package redact

import (
	"context"
	"log/slog"
	"slices"

	"go.slogx.dev/slogx"
)

// DefaultReplacement is what stands for a secret unless
// [Options.Replacement] says otherwise.
const DefaultReplacement = "[REDACTED]"

// DefaultMaxDepth bounds how deep values inside Any attributes are walked
// unless [Options.MaxDepth] says otherwise.
const DefaultMaxDepth = 16

// DefaultKeys returns the attribute keys whose values are replaced whole
// unless [Options.Keys] says otherwise, in a new slice that the caller may
// extend. They name credentials and the few personal identifiers that
// detectors cannot recognize by their text (a bare nine-digit SSN).
func DefaultKeys() []string {
	return []string{
		"password", "passwd", "pwd", "pass", "passphrase", "password_hash", "secret", "token",
		"api_key", "apikey", "authorization", "cookie", "set-cookie", "session", "session_id",
		"sessionid", "phpsessid", "jsessionid", "connectsid", "private_key", "client_secret",
		"secret_key", "secret_access_key", "secret_key_base", "signing_key", "encryption_key",
		"master_key", "account_key", "shared_access_key", "connection_string",
		"credential", "credentials", "jwt", "otp", "ssn", "card_number", "cc_number", "pan", "cvv",
	}
}

// DefaultURLParams returns the query parameters whose values are scrubbed
// unless [Options.URLParams] says otherwise, in a new slice that the caller
// may extend. They carry credentials in OAuth redirects and in signed
// S3 and GCS URLs. OAuth's "code" is not among them, because "code" in most
// query strings is a status or a country; add it where callbacks are logged.
func DefaultURLParams() []string {
	return []string{
		"token", "access_token", "refresh_token", "id_token", "password", "secret",
		"client_secret", "signature", "sig", "api_key", "apikey", "key",
		"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "X-Goog-Signature",
		"X-Goog-Credential",
	}
}

// Options configure the redacting handler. A nil *Options and the zero
// Options both mean every default: all built-in detectors, [DefaultKeys],
// [DefaultURLParams], the message scanned, "[REDACTED]".
type Options struct {
	// Keys lists attribute keys whose values are replaced whole, whatever
	// their kind (a string, a number, a group, a struct). Keys match
	// case-insensitively with '-', '_', '.' and ' ' ignored, so "api_key"
	// also matches "API-Key" and "apiKey"; a key also matches attribute keys
	// that end with it at a word boundary ("db_password", "userPassword",
	// "X-Auth-Token"), because secrets are named after what they protect.
	// A dotted key ("user.ssn") matches the key ssn inside a group, a
	// WithGroup, a map or a struct named user, at any depth. An empty
	// string under such a key is left empty: it shows that none was set.
	//
	// Nil means [DefaultKeys]: credentials are what leak most. An empty,
	// non-nil slice matches no key.
	Keys []string

	// Detectors lists the detectors run over text. Nil means
	// [DefaultDetectors], because a secret is a secret wherever it appears;
	// each built-in detector is precise enough to be on by default. An empty,
	// non-nil slice turns text detection off (keys and URLParams still apply).
	Detectors []Detector

	// URLParams lists query parameters whose values are scrubbed, keeping
	// the name, in URL-like text (after '?', '&' or '#') and in *url.URL
	// values. Names match case-insensitively. Nil means [DefaultURLParams]:
	// signed URLs and OAuth redirects get logged whole. An empty, non-nil
	// slice scrubs none.
	URLParams []string

	// Replacement stands for each secret. The default, "[REDACTED]", says
	// what happened and cannot be mistaken for data. A detector's own
	// replacement ([Detector.WithReplacement]) takes precedence.
	Replacement string

	// HashKey, when not empty, replaces each secret with a keyed hash of it,
	// "[HMAC:" and 16 hex digits of HMAC-SHA256(HashKey, secret) and "]",
	// instead of Replacement, so that equal secrets stay correlatable in the
	// logs without being shown, and nobody without the key can test guesses
	// against them. The default is no key: a plain replacement reveals
	// nothing at all. The key is copied.
	HashKey []byte

	// SkipMessage leaves the record's message unscanned. The default,
	// false, scans it: messages built with fmt.Sprintf carry secrets as
	// often as attributes do. Set it only when messages are constant.
	SkipMessage bool

	// MaxDepth bounds how deep maps, slices, structs and pointers inside
	// Any values are walked; parts deeper than that are replaced, because
	// what was not looked at cannot be vouched for. Zero or less means
	// [DefaultMaxDepth] (16), deeper than any record a person reads.
	MaxDepth int
}

// config is Options compiled by New, shared read-only by derived handlers.
type config struct {
	eng         *engine
	keys        *keySet
	memo        *keyMemo
	memoOnly    bool     // no dotted key: the memo alone settles a key it holds
	msgs        *keyMemo // messages found clean
	errs        *keyMemo // texts of errors found clean
	maxDepth    int
	skipMessage bool
}

func compile(opts *Options) *config {
	var o Options
	if opts != nil {
		o = *opts
	}
	keys := o.Keys
	if keys == nil {
		keys = DefaultKeys()
	}
	ks := newKeySet(keys)
	c := &config{eng: newEngine(&o, ks), keys: ks, memo: new(keyMemo), msgs: new(keyMemo), errs: new(keyMemo), maxDepth: o.MaxDepth, skipMessage: o.SkipMessage}
	c.memoOnly = len(ks.dotted) == 0
	if c.maxDepth <= 0 {
		c.maxDepth = DefaultMaxDepth
	}
	return c
}

// New returns a handler that redacts secrets from each record, and from
// the attributes given to WithAttrs, before passing them to next. A nil
// opts means the zero [Options]: every default. New panics if next is nil,
// as [slog.New] does.
func New(next slog.Handler, opts *Options) *Handler {
	if next == nil {
		panic("redact: nil handler")
	}
	return &Handler{next: next, cfg: compile(opts)}
}

// Middleware returns a [slogx.Middleware] that puts a redacting handler,
// configured by opts as in [New], in front of the handler it wraps. The
// options are compiled once, here.
func Middleware(opts *Options) slogx.Middleware {
	cfg := compile(opts)
	return func(next slog.Handler) slog.Handler {
		if next == nil {
			panic("redact: nil handler")
		}
		return &Handler{next: next, cfg: cfg}
	}
}

// Handler is the redacting handler made by [New] and [Middleware]. It is
// safe for concurrent use, as every slog.Handler must be.
type Handler struct {
	next   slog.Handler
	cfg    *config
	groups []string // opened by WithGroup, outermost first; for dotted keys
}

// Enabled reports whether the next handler handles records at level l;
// redaction never filters.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// WithAttrs redacts attrs once, here, so that records logged through the
// returned handler pay nothing for them.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	out, cloned := as, false
	for i, a := range as {
		if na, ch := h.cfg.attr(a, h.groups, 0); ch {
			if !cloned {
				// The caller's slice is not ours to write into.
				out, cloned = slices.Clone(as), true
			}
			out[i] = na
		}
	}
	return &Handler{next: h.next.WithAttrs(out), cfg: h.cfg, groups: h.groups}
}

// WithGroup returns a handler whose records and attributes are inside the
// group name, as the next handler's WithGroup does.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &Handler{
		next:   h.next.WithGroup(name),
		cfg:    h.cfg,
		groups: append(h.groups[:len(h.groups):len(h.groups)], name),
	}
}

// Handle redacts the message, the record's attributes and the context's
// slogx attributes. When nothing is found, r and ctx are passed on as they
// are, without allocating.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	c := h.cfg
	msg, changed := r.Message, false
	if !c.skipMessage && !c.msgs.has(msg) {
		// Messages are mostly constants, so the memo settles most: one
		// comparison instead of the hint pass.
		if msg, changed = c.eng.scan(msg, false); !changed {
			c.msgs.add(msg)
		}
	}
	first, f := c.cleanAttrs(&r, h.groups)
	ctx = c.context(ctx)
	if !changed && first == r.NumAttrs() {
		return h.next.Handle(ctx, r)
	}
	return h.handleFrom(ctx, r, msg, changed, first, f)
}

// cleanAttrs returns how many attributes at the start of r certainly hold
// nothing to redact, and the features clean found in the text of the next
// one. Most records hold nothing, and this pass only looks: it copies no
// attribute and stops at the first that may hold something.
func (c *config) cleanAttrs(r *slog.Record, path []string) (n int, f feature) {
	r.Attrs(func(a slog.Attr) bool {
		ok, af := c.clean(a, path)
		if !ok {
			f = af
			return false
		}
		n++
		return true
	})
	return n, f
}

// handleFrom redacts the attributes of r from index first on, those before
// it being clean, and passes r on, or a copy with what was redacted. f
// holds the features clean found in the text of attribute first, if any.
func (h *Handler) handleFrom(ctx context.Context, r slog.Record, msg string, changed bool, first int, f feature) error {
	c := h.cfg
	var out []slog.Attr
	i := 0
	r.Attrs(func(a slog.Attr) bool {
		if i < first {
			i++
			return true
		}
		var af feature
		if i == first {
			af = f
		}
		na, ch, done := c.fast(a, h.groups, af)
		if !done {
			na, ch = c.attr(a, h.groups, 0)
		}
		if ch && out == nil {
			out = make([]slog.Attr, 0, r.NumAttrs())
			j := 0
			r.Attrs(func(b slog.Attr) bool {
				if j == i {
					return false
				}
				out = append(out, b)
				j++
				return true
			})
		}
		if out != nil {
			out = append(out, na)
		}
		i++
		return true
	})
	if !changed && out == nil {
		return h.next.Handle(ctx, r)
	}
	nr := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	if out != nil {
		nr.AddAttrs(out...)
	} else {
		r.Attrs(func(a slog.Attr) bool {
			nr.AddAttrs(a)
			return true
		})
	}
	return h.next.Handle(ctx, nr)
}

var _ slog.Handler = (*Handler)(nil)
