package redact

import (
	"strings"
	"sync/atomic"
)

// keyMemo remembers attribute keys found clean: named by no single key of
// Options.Keys and holding nothing a detector finds. Programs log the same
// few dozen keys over and over, so most records are settled by one load
// and one comparison per attribute instead of a scan of the key and a
// match against the key set. Dotted keys depend on the enclosing groups
// too; they are matched on every record, as before.
//
// Two more memos of the same kind remember messages and the texts of
// errors found clean (a text is clean or not whatever its key and
// groups): programs pass slog constant messages, and most errors they log
// are a few sentinel or library errors with constant texts, so most
// records skip the hint pass of those texts too. Errors whose texts carry
// data fill the error memo's slots, each once, and the rest are scanned
// every time.
//
// A slot is written once, the first time a key that hashes to it is found
// clean, and never replaced: a record never allocates once the keys a
// program logs have been seen, and a program that makes keys from data
// fills at most every slot once (two small allocations each) before the
// memo stops growing.
type keyMemo struct {
	slots [keyMemoSlots]atomic.Pointer[string]
}

// keyMemoSlots bounds the memo at a few kilobytes per New, far more keys
// than a program logs.
const (
	keyMemoBits  = 9
	keyMemoSlots = 1 << keyMemoBits
)

// keyMemoMaxLen is the longest key or text remembered; longer keys are
// rare and are matched every time. It is past the length of most messages
// and error texts (net/http's timeout error is 74 bytes), and bounds a
// memo at 64 KiB of texts.
const keyMemoMaxLen = 128

// slot picks a key's slot from its length and three of its bytes: keys
// that differ in none of them ("user_id", "uuid_id") share a slot, and the
// first one seen keeps it.
func (m *keyMemo) slot(key string) *atomic.Pointer[string] {
	n := uint(len(key)) // not 0
	h := uint32(n) | uint32(key[0])<<8 | uint32(key[n>>1])<<16 | uint32(key[n-1])<<24
	return &m.slots[h*2654435761>>(32-keyMemoBits)]
}

// has reports whether key was found clean before.
func (m *keyMemo) has(key string) bool {
	if key == "" {
		return false
	}
	p := m.slot(key).Load()
	return p != nil && sameKey(*p, key)
}

// sameKey reports whether a == b. Keys are short, and comparing the first
// and last bytes of both in one or two loads each, rather than calling the
// runtime's comparison, keeps the memo's hit path free of calls.
func sameKey(a, b string) bool {
	n := len(b)
	switch {
	case len(a) != n:
		return false
	case uint(n-8) <= 8: // 8 to 16 bytes
		return load64(a[:8]) == load64(b[:8]) && load64(a[n-8:]) == load64(b[n-8:])
	case uint(n-4) < 4: // 4 to 7
		return load32(a[:4]) == load32(b[:4]) && load32(a[n-4:]) == load32(b[n-4:])
	case uint(n-1) < 3: // 1 to 3: "err", "id", "n"
		return a[0] == b[0] && a[n>>1] == b[n>>1] && a[n-1] == b[n-1]
	}
	return a == b
}

// load32 reads four bytes, little-endian; the compiler makes it one load.
func load32(w string) uint32 {
	_ = w[3]
	return uint32(w[0]) | uint32(w[1])<<8 | uint32(w[2])<<16 | uint32(w[3])<<24
}

// add remembers key as clean, if its slot is free. The key is copied, so
// that a key cut from a large buffer does not keep the buffer alive.
func (m *keyMemo) add(key string) {
	if len(key) == 0 || len(key) > keyMemoMaxLen {
		return
	}
	s := m.slot(key)
	if s.Load() != nil {
		return
	}
	k := strings.Clone(key)
	s.CompareAndSwap(nil, &k)
}
