package redact

import (
	"slices"
	"strings"
)

// keySet matches attribute keys against Options.Keys. It is built once by
// New: single keys go into a map of normalized names, dotted keys into a
// list of normalized path segments.
type keySet struct {
	// byLen holds the normalized single keys by length: there are few of
	// each length, and comparing them beats hashing the candidate.
	byLen [maxKeyLen + 1][]string
	// ends has a bit set for the last two bytes of each single key: as
	// every candidate (the whole key or a word suffix) ends where the key
	// ends, most keys are rejected by one lookup, without a comparison.
	ends [endBits / 64]uint64
	// ends3 does the same for a hash of the last three bytes, which
	// rejects keys ending in common pairs ("request_id" against
	// "session_id"); it is used only when no key is shorter than three.
	ends3          [endBits / 64]uint64
	n              int // single keys
	minLen, maxLen int
	dotted         [][]string // each: normalized segments, outermost first
}

// maxKeyLen is the longest key normalized on the stack; longer keys are
// compared only by their last maxKeyLen bytes.
const maxKeyLen = 64

func newKeySet(keys []string) *keySet {
	ks := &keySet{minLen: maxKeyLen + 1}
	for _, k := range keys {
		if strings.Contains(k, ".") {
			var segs []string
			for _, p := range strings.Split(k, ".") {
				if n := normalizeKey(p); n != "" {
					segs = append(segs, n)
				}
			}
			switch len(segs) {
			case 0:
				continue
			case 1:
				k = segs[0]
			default:
				ks.dotted = append(ks.dotted, segs)
				// "api.key" also names the flat key api_key.
				k = strings.Join(segs, "")
			}
		}
		n := normalizeKey(k)
		if n == "" || len(n) > maxKeyLen {
			continue
		}
		if !slices.Contains(ks.byLen[len(n)], n) {
			ks.byLen[len(n)] = append(ks.byLen[len(n)], n)
			ks.n++
			if len(n) >= 3 {
				e := end3(n[len(n)-3], n[len(n)-2], n[len(n)-1])
				ks.ends3[e>>6] |= 1 << (e & 63)
			}
			if len(n) >= 2 {
				e := end2(n[len(n)-2], n[len(n)-1])
				ks.ends[e>>6] |= 1 << (e & 63)
			} else {
				// A one-byte key: every pair ending with it.
				for c := range 256 {
					e := end2(byte(c), n[0])
					ks.ends[e>>6] |= 1 << (e & 63)
				}
			}
		}
		ks.minLen = min(ks.minLen, len(n))
		ks.maxLen = max(ks.maxLen, len(n))
	}
	return ks
}

// endBits is the size of the end filters: small enough to stay in the
// first-level cache beside the hint tables, large enough that a few dozen
// keys leave almost every bit clear.
const endBits = 4096

// end2 and end3 hash the last two and three bytes of a normalized key
// into the end filters.
func end2(a, b byte) uint32 { return (uint32(a)<<8 | uint32(b)) * 2654435761 >> 20 }

func end3(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 2654435761 >> 20
}

// has reports whether the normalized key k is a single key.
func (ks *keySet) has(k []byte) bool {
	for _, c := range ks.byLen[len(k)] {
		if c == string(k) {
			return true
		}
	}
	return false
}

// normalizeKey lower-cases ASCII letters and drops '-', '_', '.' and ' '.
func normalizeKey(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if isKeySep(c) {
			continue
		}
		if isUpper(c) {
			c |= 0x20
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isKeySep(c byte) bool { return c == '-' || c == '_' || c == '.' || c == ' ' }

// match reports whether key, inside the groups of path (outermost first),
// names a secret. A single key matches a key that equals it once
// normalized, or that ends with it at a word boundary ("db_password",
// "dbPassword", "X-Auth-Token"); a dotted key matches when its segments
// end the path.
func (ks *keySet) match(path []string, key string) bool {
	if key == "" {
		return false
	}
	return ks.n > 0 && ks.matchSingle(key) || ks.matchDotted(path, key)
}

// matchDotted reports whether key, inside the groups of path, is named by
// a dotted key.
func (ks *keySet) matchDotted(path []string, key string) bool {
	for _, segs := range ks.dotted {
		if matchPath(path, key, segs) {
			return true
		}
	}
	return false
}

func (ks *keySet) matchSingle(key string) bool {
	if len(key) > maxKeyLen {
		key = key[len(key)-maxKeyLen:]
	}
	// Most keys are rejected by their last three (or two) bytes,
	// normalized from the end, before the whole key is. Keys that end in
	// three lower-case letters, most of them, need no normalizing.
	var l0, l1, l2 byte // normalized, last first
	got := 0
	if n := len(key); n >= 3 && isLower(key[n-1]) && isLower(key[n-2]) && isLower(key[n-3]) {
		l0, l1, l2, got = key[n-1], key[n-2], key[n-3], 3
	} else {
		for i := len(key) - 1; i >= 0 && got < 3; i-- {
			c := key[i]
			if isKeySep(c) {
				continue
			}
			if isUpper(c) {
				c |= 0x20
			}
			switch got {
			case 0:
				l0 = c
			case 1:
				l1 = c
			default:
				l2 = c
			}
			got++
		}
	}
	switch {
	case got == 3 && ks.minLen >= 3:
		if e := end3(l2, l1, l0); ks.ends3[e>>6]&(1<<(e&63)) == 0 {
			return false
		}
	case got >= 2:
		if e := end2(l1, l0); ks.ends[e>>6]&(1<<(e&63)) == 0 {
			return false
		}
	}
	var buf [maxKeyLen]byte
	var bounds [maxKeyLen]uint8 // normalized offsets where a word starts
	n, nb := 0, 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		if isKeySep(c) {
			if n > 0 && (nb == 0 || int(bounds[nb-1]) != n) {
				bounds[nb] = uint8(n)
				nb++
			}
			continue
		}
		if isUpper(c) && i > 0 && n > 0 {
			p := key[i-1]
			// camelCase, or the last capital of an acronym: "APIKey".
			if isLower(p) || isDigit(p) || (isUpper(p) && i+1 < len(key) && isLower(key[i+1])) {
				if nb == 0 || int(bounds[nb-1]) != n {
					bounds[nb] = uint8(n)
					nb++
				}
			}
		}
		if isUpper(c) {
			c |= 0x20
		}
		buf[n] = c
		n++
	}
	if n < ks.minLen {
		return false
	}
	if n <= ks.maxLen && ks.has(buf[:n]) {
		return true
	}
	for i := 0; i < nb; i++ {
		b := int(bounds[i])
		if l := n - b; l >= ks.minLen && l <= ks.maxLen && ks.has(buf[b:n]) {
			return true
		}
	}
	return false
}

// matchPath reports whether the segments of the path (groups, then the
// key, each split at '.') end with segs.
func matchPath(path []string, key string, segs []string) bool {
	j := len(segs) - 1
	// The key's own segments, last first.
	rest := key
	for j >= 0 {
		var seg string
		if d := strings.LastIndexByte(rest, '.'); d >= 0 {
			seg, rest = rest[d+1:], rest[:d]
		} else {
			seg, rest = rest, ""
		}
		if seg != "" {
			if !eqNormalized(seg, segs[j]) {
				return false
			}
			j--
		}
		if rest == "" {
			break
		}
	}
	for p := len(path) - 1; p >= 0 && j >= 0; p-- {
		rest := path[p]
		for j >= 0 && rest != "" {
			var seg string
			if d := strings.LastIndexByte(rest, '.'); d >= 0 {
				seg, rest = rest[d+1:], rest[:d]
			} else {
				seg, rest = rest, ""
			}
			if seg != "" {
				if !eqNormalized(seg, segs[j]) {
					return false
				}
				j--
			}
		}
	}
	return j < 0
}

// eqNormalized reports whether raw normalizes to norm, without allocating.
func eqNormalized(raw, norm string) bool {
	k := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if isKeySep(c) {
			continue
		}
		if isUpper(c) {
			c |= 0x20
		}
		if k == len(norm) || norm[k] != c {
			return false
		}
		k++
	}
	return k == len(norm)
}
