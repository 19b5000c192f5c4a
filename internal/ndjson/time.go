package ndjson

import (
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
	offset := 0
	if t.Location() != time.UTC { // the common case skips the zone lookup
		_, offset = t.Zone()
	}
	secs := t.Unix() + int64(offset)
	// Count from -0400-03-01, the start of a 400-year era before year 0, so
	// that every time of year 0 is positive and the arithmetic unsigned.
	const epochShift = (719468 + 146097) * 86400
	if secs < -epochShift {
		return b, false
	}
	us := uint64(secs + epochShift)
	days, rem := us/86400, uint32(us%86400)
	year, month, day := cachedCivil(days)
	if year < 400 || year > 9999+400 {
		return b, false
	}
	year -= 400
	hour, minute, sec := rem/3600, rem/60%60, rem%60
	// Write into a window of the longest layout (35 bytes with a fraction
	// and a zone) by fixed index, so the compiler drops the bounds checks,
	// then keep what was used.
	l := len(b)
	b = slices.Grow(b, 36)
	w := b[l : l+36]
	pair := func(at int, v uint32) { w[at], w[at+1] = digitPairs[2*v], digitPairs[2*v+1] }
	pair(0, year/100)
	pair(2, year%100)
	w[4] = '-'
	pair(5, month)
	w[7] = '-'
	pair(8, day)
	w[10] = 'T'
	pair(11, hour)
	w[13] = ':'
	pair(14, minute)
	w[16] = ':'
	pair(17, sec)
	n := 19
	if ns := uint32(t.Nanosecond()); ns != 0 {
		w[19] = '.'
		w[20] = byte('0' + ns/1e8)
		r := ns % 1e8
		pair(21, r/1e6)
		pair(23, r/1e4%100)
		pair(25, r/100%100)
		pair(27, r%100)
		n = 29
		for w[n-1] == '0' {
			n--
		}
	}
	b = b[:l+n]
	if offset == 0 {
		return append(b, 'Z'), true
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
	return append(b, ':', byte('0'+m/10), byte('0'+m%10)), true
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
