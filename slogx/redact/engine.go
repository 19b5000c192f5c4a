package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
)

// engine scans text with the configured detectors and rewrites it. It is
// built once by New and shared, read-only, by every derived handler.
type engine struct {
	dets         []Detector
	need         feature // hints that make at least one built-in detector run
	always       bool    // a custom detector runs on every text
	urlCreds     bool    // URLCredentials is on: emails leave URL user parts to it
	params       *paramSet
	keys         *keySet // Options.Keys, for the Credentials detector
	replacement  string
	replacements []string   // the plain and every detector's own
	hashes       *sync.Pool // of *hasher; nil without a hash key
	// minLen is the shortest text a detector can find anything in: six
	// bytes ("a@b.co", "?sig=x") for the built-ins, one with custom ones.
	minLen int
}

func newEngine(o *Options, keys *keySet) *engine {
	e := &engine{replacement: DefaultReplacement, keys: keys}
	if o.Replacement != "" {
		e.replacement = o.Replacement
	}
	dets := o.Detectors
	if dets == nil {
		dets = DefaultDetectors()
	}
	for _, d := range dets {
		if d.kind == kindNone {
			continue
		}
		e.dets = append(e.dets, d)
		switch {
		case d.kind == kindRegexp || d.kind == kindFunc:
			e.always = true
		default:
			e.need |= d.need
		}
		if d.kind == kindURLCreds {
			e.urlCreds = true
		}
	}
	e.minLen = 6
	if e.always {
		e.minLen = 1
	}
	e.replacements = []string{e.replacement}
	for _, d := range e.dets {
		if d.replacement != "" && !slices.Contains(e.replacements, d.replacement) {
			e.replacements = append(e.replacements, d.replacement)
		}
	}
	params := o.URLParams
	if params == nil {
		params = DefaultURLParams()
	}
	if ps := newParamSet(params); len(ps.names) > 0 {
		e.params = ps
		e.need |= fQuery | fEq
	}
	if len(o.HashKey) > 0 {
		key := slices.Clone(o.HashKey)
		e.hashes = &sync.Pool{New: func() any {
			return &hasher{h: hmac.New(sha256.New, key)}
		}}
	}
	return e
}

// maxSpans bounds the secrets found in one text without allocating; beyond
// it the span list grows on the heap.
const maxSpans = 8

// scan returns s with its secrets replaced, and whether it found any. When
// query is set, s is a raw URL query or fragment whose first parameter
// needs no '?' in front.
func (e *engine) scan(s string, query bool) (string, bool) {
	if len(s) == 0 || len(s) < e.minLen && !query {
		return s, false
	}
	var f feature
	if e.need != 0 {
		f = e.features(s)
	}
	if f&e.need == 0 && !e.always && !query {
		return s, false
	}
	return e.scanSlow(s, f, query)
}

// mayFind reports whether scan could find anything in s: false is
// certain, true means scan.
func (e *engine) mayFind(s string) bool {
	_, may := e.hints(s)
	return may
}

// hints returns the features of s and whether scan could find anything in
// it: false is certain, true means scanHinted(s, f).
func (e *engine) hints(s string) (f feature, may bool) {
	if len(s) < e.minLen || len(s) == 0 {
		return 0, false
	}
	if e.need != 0 {
		f = e.features(s)
	}
	return f, e.always || f&e.need != 0
}

// scanHinted is scan of a text whose features hints found.
func (e *engine) scanHinted(s string, f feature) (string, bool) {
	return e.scanSlow(s, f, false)
}

// maxRescans bounds the extra passes of scanSlow. A pass that changes
// nothing ends them; in practice the second pass already does.
const maxRescans = 4

// scanSlow redacts what the detectors find in s, then scans the result
// again until a pass changes nothing: a redaction can leave text that a
// rule refused only because of what stood beside it (a spaced SSN next to
// a dashed one reads as part of a longer number), and redacting twice must
// change nothing more than redacting once. Only text that held a secret
// pays for the extra pass.
func (e *engine) scanSlow(s string, f feature, query bool) (string, bool) {
	out, changed := e.scanPass(s, f, query)
	if !changed {
		return s, false
	}
	for range maxRescans {
		var ff feature
		if e.need != 0 {
			ff = e.features(out)
		}
		next, again := e.scanPass(out, ff, query)
		if !again {
			break
		}
		out = next
	}
	return out, true
}

// scanPass is one pass of the detectors over s.
func (e *engine) scanPass(s string, f feature, query bool) (string, bool) {
	var buf [maxSpans]span
	spans := buf[:0]
	for i := range e.dets {
		d := &e.dets[i]
		if d.need&f != d.need {
			continue
		}
		spans = d.findSpans(spans, s, e)
	}
	if e.params != nil && (query || f&(fQuery|fEq) == fQuery|fEq) {
		spans = findParams(spans, s, e.params, query)
	}
	// What an earlier redaction wrote is not a secret: dropping spans inside
	// a replacement makes redacting twice (two stages, or a record logged
	// again) change nothing more.
	kept := spans[:0]
	for _, sp := range spans {
		if !e.insideReplacement(s, sp) {
			kept = append(kept, sp)
		}
	}
	if len(kept) == 0 {
		return s, false
	}
	return e.rewrite(s, kept), true
}

// insideReplacement reports whether sp lies within a replacement that is
// already in s.
func (e *engine) insideReplacement(s string, sp span) bool {
	for _, r := range e.replacements {
		lo := max(0, sp.end-len(r))
		hi := min(len(s), sp.start+len(r))
		if hi-lo < len(r) {
			continue
		}
		if i := strings.Index(s[lo:hi], r); i >= 0 && lo+i <= sp.start && sp.end <= lo+i+len(r) {
			return true
		}
	}
	if e.hashes != nil {
		const n = len(hashPrefix) + hashHexLen + 1
		for st := max(0, sp.end-n); st <= sp.start && st+n <= len(s); st++ {
			if isHashReplacement(s[st : st+n]) {
				return true
			}
		}
	}
	return false
}

func isHashReplacement(t string) bool {
	if !strings.HasPrefix(t, hashPrefix) || t[len(t)-1] != ']' {
		return false
	}
	for i := len(hashPrefix); i < len(t)-1; i++ {
		if !isDigit(t[i]) && (t[i] < 'a' || t[i] > 'f') {
			return false
		}
	}
	return true
}

// rewrite replaces spans in s, merging the ones that overlap.
func (e *engine) rewrite(s string, spans []span) string {
	if len(spans) > 1 {
		slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	last := 0
	for i := 0; i < len(spans); {
		sp := spans[i]
		for i++; i < len(spans) && spans[i].start < sp.end; i++ {
			sp.end = max(sp.end, spans[i].end)
		}
		b.WriteString(s[last:sp.start])
		e.writeReplacement(&b, s[sp.start:sp.end], sp.replacement)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// writeReplacement writes what stands for secret: the detector's own
// replacement, the keyed hash, or the plain replacement.
func (e *engine) writeReplacement(b *strings.Builder, secret, own string) {
	switch {
	case own != "":
		b.WriteString(own)
	case e.hashes != nil:
		var sum [hashHexLen]byte
		e.hash(&sum, secret)
		b.WriteString(hashPrefix)
		b.Write(sum[:])
		b.WriteByte(']')
	default:
		b.WriteString(e.replacement)
	}
}

// replacementFor returns what stands for a whole value whose text is secret.
func (e *engine) replacementFor(secret string) string {
	if e.hashes == nil {
		return e.replacement
	}
	var sum [hashHexLen]byte
	e.hash(&sum, secret)
	return hashPrefix + string(sum[:]) + "]"
}

const (
	hashPrefix = "[HMAC:"
	// hashHexLen is 16 hex digits, 64 bits of the HMAC: enough to tell
	// secrets apart in one system's logs, short enough to read.
	hashHexLen = 16
)

type hasher struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

func (e *engine) hash(dst *[hashHexLen]byte, secret string) {
	hs := e.hashes.Get().(*hasher)
	hs.h.Reset()
	hs.buf = append(hs.buf[:0], secret...)
	hs.h.Write(hs.buf)
	sum := hs.h.Sum(hs.sum[:0])
	hex.Encode(dst[:], sum[:hashHexLen/2])
	if cap(hs.buf) > 4<<10 {
		hs.buf = nil
	}
	e.hashes.Put(hs)
}
