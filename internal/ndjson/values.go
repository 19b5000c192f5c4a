package ndjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func isMarshaler(v any) bool {
	_, ok := v.(json.Marshaler)
	return ok
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		return appendUint(append(b, '-'), uint64(-n)) // -MinInt64 wraps to its own magnitude
	}
	return appendUint(b, uint64(n))
}

// appendUint formats n eight digits at a time with digits8, which needs
// neither a loop nor a table; integers are in nearly every record (status
// codes, sizes, durations), so this beats strconv's general path on the hot
// path.
func appendUint(b []byte, n uint64) []byte {
	if n < 10 {
		return append(b, byte('0'+n))
	}
	if n >= 1e8 {
		b = appendUint(b, n/1e8)
		return putDigits(b, digits8(uint32(n%1e8)), 8)
	}
	d := digits8(uint32(n))
	lead := bits.TrailingZeros64(d) / 8 // the leading zeros are the low bytes
	return putDigits(b, d>>(8*lead), 8-lead)
}

// putDigits appends the first n of the digits packed in d by digits8.
func putDigits(b []byte, d uint64, n int) []byte {
	l := len(b)
	b = slices.Grow(b, 8)
	binary.LittleEndian.PutUint64(b[l:l+8], d|0x3030303030303030)
	return b[:l+n]
}

// digits8 returns the eight decimal digits of v < 1e8, leading zeros
// included, as byte values 0-9 packed little-endian (the first digit in the
// low byte), so that adding '0' to every byte and storing the word writes
// them in order. It splits v into 4-digit halves in 32-bit lanes, each
// half into 2-digit quarters in 16-bit lanes, and each quarter into digits,
// all by multiplying by reciprocals that are exact for these ranges
// (10486/2^20 for /100 below 10,000; 103/2^10 for /10 below 100), so the
// lanes never carry into each other once masked.
func digits8(v uint32) uint64 {
	x := uint64(v/10000) | uint64(v%10000)<<32
	hundreds := (x * 10486 >> 20) & 0x0000007f0000007f
	x = hundreds | (x-hundreds*100)<<16
	tens := (x * 103 >> 10) & 0x000f000f000f000f
	return tens | (x-tens*10)<<8
}

const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendFloat formats f as encoding/json does (ES6 number formatting). It
// reports false for NaN and infinities, which JSON cannot represent; the
// caller renders those through encoding/json to get its exact error text.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	b = strconv.AppendFloat(b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

type jsonEncoder struct {
	buf  bytes.Buffer
	json *json.Encoder
}

var jsonEncoderPool = sync.Pool{New: func() any {
	j := &jsonEncoder{}
	j.json = json.NewEncoder(&j.buf)
	j.json.SetEscapeHTML(false)
	return j
}}

// appendMarshaled renders v with encoding/json (HTML not escaped), or the
// error as slog does. It is the slow path for maps, structs, slices and
// json.Marshalers, where matching encoding/json exactly matters more than
// speed.
func (s *state) appendMarshaled(v any) {
	j := jsonEncoderPool.Get().(*jsonEncoder)
	defer func() {
		// Keep peak memory down: large buffers are not pooled.
		if j.buf.Cap() > maxPooled {
			return
		}
		j.buf.Reset()
		jsonEncoderPool.Put(j)
	}()
	if err := j.json.Encode(v); err != nil {
		s.appendError(err.Error())
		return
	}
	bs := j.buf.Bytes()
	s.buf = append(s.buf, bs[:len(bs)-1]...) // drop Encode's newline
}

// AppendEscaped appends str escaped for the inside of a JSON string, as
// slog.JSONHandler escapes it: HTML characters kept, control characters,
// quote and backslash escaped, U+2028 and U+2029 escaped, and invalid UTF-8
// replaced by \ufffd.
//
// Plain ASCII is the common case. A string shorter than 32 bytes (keys,
// most values) is checked and copied a word at a time through registers,
// without a call to memmove; a longer one is copied first (memmove is the
// fastest copy there is) and then checked in place. A string that needs
// escaping is handed to the byte-wise encoder from the first word that may
// need it.
func AppendEscaped(buf []byte, str string) []byte {
	n := len(str)
	if n < 4 {
		for i := 0; i < n; i++ {
			if !safeByte[str[i]] {
				return appendEscapedSlow(buf, str, i)
			}
		}
		switch n {
		case 1:
			return append(buf, str[0])
		case 2:
			return append(buf, str[0], str[1])
		case 3:
			return append(buf, str[0], str[1], str[2])
		}
		return buf
	}
	if n < 8 {
		// A read-only view of the string's bytes; the binary.LittleEndian
		// loads and stores compile to single instructions where unaligned
		// access is allowed and stay correct elsewhere.
		src := unsafe.Slice(unsafe.StringData(str), n)
		a, b := binary.LittleEndian.Uint32(src), binary.LittleEndian.Uint32(src[n-4:])
		if !plain64(uint64(a) | uint64(b)<<32) { // both halves in one check
			return appendEscapedSlow(buf, str, 0)
		}
		l := len(buf)
		buf = slices.Grow(buf, n)
		out := buf[l : l+n]
		binary.LittleEndian.PutUint32(out, a)
		binary.LittleEndian.PutUint32(out[n-4:], b) // overlaps; same bytes
		return buf[:l+n]
	}
	l := len(buf)
	if n >= 32 {
		buf = append(buf, str...)
		if p := plainPrefix(buf[l:]); p < n {
			return appendEscapedSlow(buf[:l], str, p)
		}
		return buf
	}
	buf = slices.Grow(buf, n)
	out := buf[l : l+n]
	src := unsafe.Slice(unsafe.StringData(str), n)
	if n <= 16 {
		// Two words that overlap unless n is 16, tested at once.
		a, b := binary.LittleEndian.Uint64(src), binary.LittleEndian.Uint64(src[n-8:])
		if escapeBits(a)|escapeBits(b) != 0 {
			return appendEscapedSlow(buf, str, 0)
		}
		binary.LittleEndian.PutUint64(out, a)
		binary.LittleEndian.PutUint64(out[n-8:], b)
		return buf[:l+n]
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		x := binary.LittleEndian.Uint64(src[i:])
		if !plain64(x) {
			return appendEscapedSlow(buf, str, i)
		}
		binary.LittleEndian.PutUint64(out[i:], x)
	}
	if i < n {
		x := binary.LittleEndian.Uint64(src[n-8:])
		if !plain64(x) {
			return appendEscapedSlow(buf, str, i)
		}
		binary.LittleEndian.PutUint64(out[n-8:], x) // overlaps; same bytes
	}
	return buf[:l+n]
}

// plainPrefix returns len(b) (at least 8) if no byte of b needs escaping,
// else a position at or before the first byte that does.
func plainPrefix(b []byte) int {
	n := len(b)
	w := b
	// Two words a test, so that the branch and the loop cost half as much.
	for ; len(w) >= 16; w = w[16:] {
		if escapeBits(binary.LittleEndian.Uint64(w))|escapeBits(binary.LittleEndian.Uint64(w[8:])) != 0 {
			return n - len(w)
		}
	}
	if len(w) >= 8 {
		if !plain64(binary.LittleEndian.Uint64(w)) {
			return n - len(w)
		}
	}
	// The last word overlaps the words checked above.
	if !plain64(binary.LittleEndian.Uint64(b[n-8:])) {
		return n &^ 7
	}
	return n
}

// plain64 reports whether none of the eight bytes of x needs escaping: no
// byte < 0x20, '"', '\\' or >= 0x80.
func plain64(x uint64) bool { return escapeBits(x) == 0 }

// escapeBits is non-zero if a byte of x needs escaping (the high bit of
// some byte set), the classic SWAR tests: v-n*lo has a byte's high bit set
// where v's byte is below n, or is at least 0x80 + n, or took a borrow from
// a byte below n. The last two happen only in a word that has a byte below
// n or of 0x80 and up, and x itself has the high bit of every byte of 0x80
// and up, so the usual &^v is not needed: the word is flagged either way.
func escapeBits(x uint64) uint64 {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	q, k := x^('"'*lo), x^('\\'*lo)
	return ((x - 0x20*lo) | (q - lo) | (k - lo) | x) & hi
}

// appendEscapedSlow is encoding/json's string encoder with escapeHTML off,
// starting at the first byte that may need escaping.
func appendEscapedSlow(buf []byte, s string, i int) []byte {
	start := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if safeSet[b] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				// bytes < 0x20 other than \t, \n and \r
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid in JSON but break JSONP, so
		// encoding/json (and slog) escape them.
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

const hex = "0123456789abcdef"

// safeSet[b] is true for the ASCII bytes that need no escaping in a JSON
// string: all but the control characters, '"' and '\\'.
var safeSet = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// safeByte is safeSet over all byte values (false from 0x80 up), so the
// byte loop needs neither a range check nor a bounds check.
var safeByte = func() (t [256]bool) {
	copy(t[:], safeSet[:])
	return t
}()
