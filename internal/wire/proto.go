package wire

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// The protobuf wire types used here.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendTag appends a field key. Every field number used here is below 16,
// so a key is one byte.
func appendTag(b []byte, field, wt int) []byte { return append(b, byte(field<<3|wt)) }

func appendFixed64(b []byte, field int, v uint64) []byte {
	b = appendTag(b, field, wireFixed64)
	return binary.LittleEndian.AppendUint64(b, v)
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return appendVarint(appendTag(b, field, wireVarint), v)
}

// appendStringField appends a string field. Protobuf strings must be valid
// UTF-8 (decoders such as Go's refuse the whole message otherwise), so
// invalid bytes become U+FFFD, as the JSON formats write them.
func appendStringField(b []byte, field int, s string) []byte {
	b = appendTag(b, field, wireBytes)
	if utf8.ValidString(s) {
		b = appendVarint(b, uint64(len(s)))
		return append(b, s...)
	}
	b, at := openLen(b)
	for _, r := range s {
		b = utf8.AppendRune(b, r) // the range loop yields U+FFFD for bad bytes
	}
	return closeLen(b, at)
}

func appendBytesField(b []byte, field int, p []byte) []byte {
	b = appendTag(b, field, wireBytes)
	b = appendVarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendDoubleField(b []byte, field int, f float64) []byte {
	return appendFixed64(b, field, math.Float64bits(f))
}

// openMsg starts a length-delimited field whose length is not known yet:
// it writes the key and a one-byte length placeholder, and returns the
// offset of the contents for closeLen.
func openMsg(b []byte, field int) ([]byte, int) {
	return openLen(appendTag(b, field, wireBytes))
}

func openLen(b []byte) ([]byte, int) {
	b = append(b, 0)
	return b, len(b)
}

// closeLen writes the length of the contents that start at at. Most
// contents are under 128 bytes and fit the placeholder; longer ones are
// moved up by the extra length bytes, in place. Nested messages are closed
// innermost first, so an outer placeholder never moves.
func closeLen(b []byte, at int) []byte {
	n := uint64(len(b) - at)
	if n < 0x80 {
		b[at-1] = byte(n)
		return b
	}
	extra := varintLen(n) - 1
	var pad [9]byte
	b = append(b, pad[:extra]...)
	copy(b[at+extra:], b[at:len(b)-extra])
	v := b[at-1 : at+extra]
	for i := range v {
		v[i] = byte(n) | 0x80
		n >>= 7
	}
	v[len(v)-1] &^= 0x80
	return b
}

// protoReader walks the fields of one protobuf message. It never panics on
// bad input; a malformed message ends the walk with ok false.
type protoReader struct {
	b  []byte
	ok bool
}

// next returns the next field; for length-delimited fields p is the
// contents, for varint and fixed fields v is the value.
func (r *protoReader) next() (field, wt int, v uint64, p []byte, more bool) {
	if len(r.b) == 0 {
		return 0, 0, 0, nil, false
	}
	key, n := binary.Uvarint(r.b)
	if n <= 0 || key>>3 == 0 {
		r.ok = false
		return 0, 0, 0, nil, false
	}
	r.b = r.b[n:]
	field, wt = int(key>>3), int(key&7)
	switch wt {
	case wireVarint:
		v, n = binary.Uvarint(r.b)
		if n <= 0 {
			r.ok = false
			return 0, 0, 0, nil, false
		}
		r.b = r.b[n:]
	case wireFixed64:
		if len(r.b) < 8 {
			r.ok = false
			return 0, 0, 0, nil, false
		}
		v, r.b = binary.LittleEndian.Uint64(r.b), r.b[8:]
	case wireFixed32:
		if len(r.b) < 4 {
			r.ok = false
			return 0, 0, 0, nil, false
		}
		v, r.b = uint64(binary.LittleEndian.Uint32(r.b)), r.b[4:]
	case wireBytes:
		l, n := binary.Uvarint(r.b)
		if n <= 0 || l > uint64(len(r.b)-n) {
			r.ok = false
			return 0, 0, 0, nil, false
		}
		p, r.b = r.b[n:n+int(l)], r.b[n+int(l):]
	default:
		r.ok = false
		return 0, 0, 0, nil, false
	}
	return field, wt, v, p, true
}

// rpcStatusMessage reads the message of a google.rpc.Status
// (code = 1, message = 2, details = 3), the body of OTLP/HTTP errors.
func rpcStatusMessage(body []byte) (string, bool) {
	r := protoReader{b: body, ok: true}
	msg := ""
	for {
		f, wt, _, p, more := r.next()
		if !more {
			break
		}
		if f == 2 && wt == wireBytes {
			msg = string(p)
		}
	}
	if !r.ok || msg == "" || !utf8.ValidString(msg) {
		return "", false
	}
	return msg, true
}
