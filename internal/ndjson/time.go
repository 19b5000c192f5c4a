package ndjson

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// AppendRFC3339Nano appends t formatted as time.RFC3339Nano (fractional
// seconds with trailing zeros trimmed). It gives the same bytes as
// t.AppendFormat(b, time.RFC3339Nano), several times faster, and reports
// false (appending nothing) when the year is outside 0..9999, which RFC 3339
// cannot represent and slog renders with an error.
func AppendRFC3339Nano(b []byte, t time.Time) ([]byte, bool) {
	return appendRFC3339Nano(b, t, &otherSecond)
}

// The text of the last second formatted: one entry for the records' own
// times, which follow the clock, and one for all other times (attributes,
// wire formats), so that a record carrying a deadline or a start time does
// not evict its own timestamp's second on every call.
var recordSecond, otherSecond secondCache

// appendRFC3339Nano is AppendRFC3339Nano with the date, clock and zone of
// t's second taken from c when c holds that second.
func appendRFC3339Nano(b []byte, t time.Time, c *secondCache) ([]byte, bool) {
	loc, unix := t.Location(), t.Unix()
	w, ok := c.load(loc, unix)
	if !ok {
		var st secondStatus
		switch w, st = formatSecond(t, loc, unix); st {
		case yearOutOfRange:
			return b, false
		case zoneTooLong:
			return t.AppendFormat(b, time.RFC3339Nano), true
		}
		c.store(loc, unix, w)
	}
	// Write into a window of the longest layout (19 bytes of date and
	// clock, 10 of fraction, 8 written for a zone of at most 7) by fixed
	// index, so the compiler drops the bounds checks, then keep what was used.
	l := len(b)
	b = slices.Grow(b, 40)
	o := b[l : l+40]
	binary.LittleEndian.PutUint64(o[0:], w[0])
	binary.LittleEndian.PutUint64(o[8:], w[1])
	binary.LittleEndian.PutUint64(o[16:], w[2])
	n := 19
	if ns := uint32(t.Nanosecond()); ns != 0 {
		o[19] = '.'
		o[20] = byte('0' + ns/1e8)
		d := digits8(ns % 1e8)
		binary.LittleEndian.PutUint64(o[21:], d|0x3030303030303030)
		// Trailing zeros are trimmed: they are the zero bytes at the top
		// of d. With all eight zero, the first digit is not (ns != 0).
		n = 29 - bits.LeadingZeros64(d)/8
	}
	binary.LittleEndian.PutUint64(o[n:], w[3]&(1<<56-1))
	return b[:l+n+int(w[3]>>56)], true
}

func putPair(b []byte, v uint32) {
	_ = b[1]
	b[0], b[1] = digitPairs[2*v], digitPairs[2*v+1]
}

type secondStatus int

const (
	secondOK secondStatus = iota
	yearOutOfRange
	zoneTooLong // an offset of 100 hours or more, made up by hand with time.FixedZone
)

// formatSecond lays out the second of t as a cache entry holds it: the
// date and clock ("2006-01-02T15:04:05") in the first 19 of 24 bytes, the
// zone ("Z", "+05:30") in the last 8 with its length in the top byte.
func formatSecond(t time.Time, loc *time.Location, unix int64) (w [4]uint64, st secondStatus) {
	offset := 0
	if loc != time.UTC { // the common case skips the zone lookup
		_, offset = t.Zone()
	}
	secs := unix + int64(offset)
	// Count from -0400-03-01, the start of a 400-year era before year 0, so
	// that every time of year 0 is positive and the arithmetic unsigned.
	const epochShift = (719468 + 146097) * 86400
	if secs < -epochShift {
		return w, yearOutOfRange
	}
	us := uint64(secs + epochShift)
	days, rem := us/86400, uint32(us%86400)
	year, month, day := cachedCivil(days)
	if year < 400 || year > 9999+400 {
		return w, yearOutOfRange
	}
	year -= 400
	hour, minute, sec := rem/3600, rem/60%60, rem%60
	var o [32]byte
	putPair(o[0:], year/100)
	putPair(o[2:], year%100)
	o[4] = '-'
	putPair(o[5:], month)
	o[7] = '-'
	putPair(o[8:], day)
	o[10] = 'T'
	putPair(o[11:], hour)
	o[13] = ':'
	putPair(o[14:], minute)
	o[16] = ':'
	putPair(o[17:], sec)
	z := appendZone(o[24:24], offset)
	if len(z) > 7 {
		return w, zoneTooLong
	}
	o[31] = byte(len(z))
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(o[8*i:])
	}
	return w, secondOK
}

// appendZone appends the zone of RFC 3339 for an offset in seconds: "Z" or
// "±hh:mm", at most 7 bytes.
func appendZone(b []byte, offset int) []byte {
	if offset == 0 {
		return append(b, 'Z')
	}
	zone := offset / 60 // minutes; seconds of the offset are dropped, as time does
	if zone < 0 {
		b = append(b, '-')
		zone = -zone
	} else {
		b = append(b, '+')
	}
	h, m := zone/60, zone%60
	if h >= 100 {
		// Only a fixed zone made up by hand gets here; time prints all digits.
		b = strconv.AppendInt(b, int64(h), 10)
	} else {
		b = append(b, byte('0'+h/10), byte('0'+h%10))
	}
	return append(b, ':', byte('0'+m/10), byte('0'+m%10))
}

// secondCache holds the text of one second of one Location, as
// formatSecond lays it out. Every field is atomic and seq is a sequence
// lock (odd while a writer fills the entry, and read before and after the
// entry), so goroutines share it without a mutex and without a race; a
// writer that finds another one at work leaves the entry to it.
type secondCache struct {
	seq  atomic.Uint64
	loc  atomic.Pointer[time.Location] // keeps the Location alive, so its address is not reused
	unix atomic.Int64
	text [4]atomic.Uint64
}

func (c *secondCache) load(loc *time.Location, unix int64) (w [4]uint64, ok bool) {
	s := c.seq.Load()
	if s&1 != 0 || c.unix.Load() != unix || c.loc.Load() != loc {
		return w, false
	}
	for i := range w {
		w[i] = c.text[i].Load()
	}
	return w, c.seq.Load() == s && w[3] != 0
}

func (c *secondCache) store(loc *time.Location, unix int64, w [4]uint64) {
	s := c.seq.Load()
	if s&1 != 0 || !c.seq.CompareAndSwap(s, s+1) {
		return
	}
	c.loc.Store(loc)
	c.unix.Store(unix)
	for i := range w {
		c.text[i].Store(w[i])
	}
	c.seq.Store(s + 2)
}

// lastDate caches the most recent civil conversion, packed as
// days<<24 | year<<9 | month<<5 | day (years shifted by 400 fit in 14 bits).
// Nearly every record carries a time of the current day, so one entry hits
// almost always, and one atomic word keeps it free of races and locks.
var lastDate atomic.Uint64

func cachedCivil(days uint64) (year, month, day uint32) {
	if c := lastDate.Load(); c>>24 == days && c != 0 {
		return uint32(c>>9) & 0x7fff, uint32(c>>5) & 0xf, uint32(c) & 0x1f
	}
	year, month, day = civil(days)
	if year < 1<<15 && days < 1<<40 {
		lastDate.Store(days<<24 | uint64(year)<<9 | uint64(month)<<5 | uint64(day))
	}
	return year, month, day
}

// civil converts days since -0400-03-01 into (year+400, month, day) of a proleptic Gregorian date
// (Howard Hinnant's civil_from_days on unsigned values, so that every
// division is by a constant and compiles to a multiplication).
func civil(z uint64) (year, month, day uint32) {
	era := z / 146097
	doe := uint32(z - era*146097)                          // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y := uint32(era)*400 + yoe
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // [0, 11]
	day = doy - (153*mp+2)/5 + 1             // [1, 31]
	month = mp + 3
	if month > 12 {
		month -= 12
		y++
	}
	return y, month, day
}
