package redact

import "math/bits"

// digitHints finds the runs of digits that cards and SSNs need, and the
// starts of IBANs (two capitals, then a digit) when upper says the text
// has capitals. Hex ids hold many short runs whose ends a branch per byte
// would mispredict, so it works on eight bytes at a time: it makes bit
// masks of the digits, the separators (' ', '-') and the capitals of up to
// 64 bytes, and finds runs of 9 and 13 with shifts. Blocks overlap by 16
// bytes, so that no run of 13 is cut in two.
func digitHints(s string, upper, seps bool) feature {
	var f feature
	for base := 0; ; base += 48 {
		c := s[base:min(base+64, len(s))]
		d := digitMask(c)
		if upper && d != 0 {
			if u := upperMask(c); d&(u<<1)&(u<<2) != 0 { // two capitals, then a digit
				f |= fIBAN
			}
		}
		// Runs need nine digits: most blocks stop at the count.
		if bits.OnesCount64(d) >= 9 {
			r := d
			if seps {
				// A separator counts inside a run, between two digits.
				r |= sepMask(c) & (d << 1) & (d >> 1)
			}
			x := r & (r >> 1)
			x &= x >> 2
			x &= x >> 4 // bit i: bytes i to i+7 are in a run
			if x&(r>>8) != 0 {
				f |= fNum9
				if x&(x>>4)&(r>>12) != 0 {
					f |= fNum13
				}
			}
		}
		if base+64 >= len(s) {
			return f
		}
	}
}

const (
	lanes1 = 0x0101010101010101
	lanes8 = 0x8080808080808080
	lanes7 = 0x7f7f7f7f7f7f7f7f
)

// The masks of up to 64 bytes: bit i is set when c[i] is a digit, a
// capital, or a ' ' or '-' separator. Each is its own loop, so that its
// lane constants stay constants, and each is made only when needed.
func digitMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		m |= gather(digits(load64(c[k:k+8]))) << (k & 63)
	}
	if k < len(c) {
		m |= gather(digits(tail(c[k:]))) << (k & 63)
	}
	return m
}

func upperMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		m |= gather(inRange(load64(c[k:k+8]), 'A', 'Z')) << (k & 63)
	}
	if k < len(c) {
		m |= gather(inRange(tail(c[k:]), 'A', 'Z')) << (k & 63)
	}
	return m
}

func sepMask(c string) (m uint64) {
	k := 0
	for ; k+8 <= len(c); k += 8 {
		x := load64(c[k : k+8])
		m |= gather(equal(x, ' ')|equal(x, '-')) << (k & 63)
	}
	if k < len(c) {
		x := tail(c[k:]) // a zero byte is in no class
		m |= gather(equal(x, ' ')|equal(x, '-')) << (k & 63)
	}
	return m
}

// load64 reads eight bytes, little-endian; the compiler makes it one load.
func load64(w string) uint64 {
	_ = w[7]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// tail loads the last bytes of a text, fewer than eight, with zeros past
// its end.
func tail(c string) (x uint64) {
	for j := len(c) - 1; j >= 0; j-- {
		x = x<<8 | uint64(c[j])
	}
	return x
}

// digits sets the high bit of each byte of x that is an ASCII digit: a
// byte is one when its low seven bits, less '0', are below ten and its high
// bit is clear.
func digits(x uint64) uint64 {
	z := x ^ lanes1*'0'
	return ^((z&lanes7 + lanes1*(0x80-10)) | z) & lanes8
}

// inRange sets the high bit of each byte of x that is in [lo, hi].
func inRange(x uint64, lo, hi byte) uint64 {
	// Bytes with the high bit set are cleared first, so that no sum
	// carries into the next byte, and dropped at the end.
	y := x & lanes7
	ge := y + lanes1*uint64(0x80-lo)   // high bit: byte >= lo
	gt := y + lanes1*uint64(0x80-hi-1) // high bit: byte > hi
	return ge &^ gt &^ x & lanes8
}

// equal sets the high bit of each byte of x that equals c.
func equal(x uint64, c byte) uint64 {
	y := x ^ lanes1*uint64(c)
	return ^((y&lanes7 + lanes7) | y | lanes7)
}

// gather packs the high bits of the eight bytes of m into bits 0 to 7.
func gather(m uint64) uint64 { return (m >> 7 & lanes1) * 0x0102040810204080 >> 56 }

// digitRun returns the end of the run of digits starting at i, where
// groups may be joined by single spaces or dashes, and how many digits it
// holds.
func digitRun(s string, i int) (end, digits int) {
	for {
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
		if i+1 < len(s) && (s[i] == ' ' || s[i] == '-') && isDigit(s[i+1]) {
			i++
			continue
		}
		return i, digits
	}
}
