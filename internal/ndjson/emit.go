package ndjson

import (
	"log/slog"
	"reflect"
	"time"
)

func (s *state) appendKey(key string) {
	b := s.buf
	if s.sep {
		b = append(b, ',', '"')
	} else {
		b = append(b, '"')
	}
	b = AppendEscaped(b, key)
	s.buf = append(b, '"', ':')
	s.sep = true
}

// appendRawKey is appendKey for a key already quoted and escaped, with its ':'.
func (s *state) appendRawKey(k []byte) {
	if s.sep {
		s.buf = append(s.buf, ',')
	}
	s.buf = append(s.buf, k...)
	s.sep = true
}

func (s *state) appendString(str string) {
	b := append(s.buf, '"')
	b = AppendEscaped(b, str)
	s.buf = append(b, '"')
}

func (s *state) appendError(msg string) {
	s.buf = append(s.buf, `"!ERROR:`...)
	s.buf = AppendEscaped(s.buf, msg)
	s.buf = append(s.buf, '"')
}

func (s *state) appendValue(v slog.Value, k slog.Kind) {
	switch k {
	case slog.KindString:
		s.appendString(v.String())
	case slog.KindInt64:
		s.buf = appendInt(s.buf, v.Int64())
	case slog.KindUint64:
		s.buf = appendUint(s.buf, v.Uint64())
	case slog.KindFloat64:
		var ok bool
		if s.buf, ok = appendFloat(s.buf, v.Float64()); !ok {
			s.appendMarshaled(v.Float64())
		}
	case slog.KindBool:
		if v.Bool() {
			s.buf = append(s.buf, "true"...)
		} else {
			s.buf = append(s.buf, "false"...)
		}
	case slog.KindDuration:
		s.buf = appendInt(s.buf, int64(v.Duration())) // as json.Marshal does
	case slog.KindTime:
		s.appendTime(v.Time())
	case slog.KindAny:
		s.appendAny(v.Any())
	default:
		// Resolve never returns a LogValuer and groups are handled by the
		// caller, so this is unreachable, as in slog.
		panic("ndjson: bad kind: " + v.Kind().String())
	}
}

// appendAny renders values of kind Any. Panics in user code (Error,
// MarshalJSON) are recovered and rendered as slog renders them.
func (s *state) appendAny(a any) {
	defer s.recoverValue(a)
	switch x := a.(type) {
	case slog.Level:
		// Level.MarshalJSON quotes Level.String, which needs no escaping.
		s.buf = append(s.buf, '"')
		s.buf = AppendLevelName(s.buf, x)
		s.buf = append(s.buf, '"')
		return
	case error:
		if !isMarshaler(x) {
			s.appendString(x.Error())
			return
		}
	}
	s.appendMarshaled(a)
}

// appendErrorValue is appendAny for an error, the one kind-Any value in most
// records, without appendAny's type switch.
func (s *state) appendErrorValue(err error) {
	if isMarshaler(err) {
		s.appendAny(err)
		return
	}
	defer s.recoverValue(err)
	s.appendString(err.Error())
}

// recoverValue, deferred, renders a panic in a value's Error or MarshalJSON
// as slog does: "<nil>" for a nil pointer, else "!PANIC: " and the panic.
func (s *state) recoverValue(a any) {
	if r := recover(); r != nil {
		if rv := reflect.ValueOf(a); rv.Kind() == reflect.Pointer && rv.IsNil() {
			s.appendString("<nil>")
			return
		}
		s.appendString(sprintf("!PANIC: %v", r))
	}
}

func (s *state) appendTime(t time.Time) { s.appendTimeFrom(t, &otherSecond) }

// appendTimeFrom appends t with c as the cache of its second.
func (s *state) appendTimeFrom(t time.Time, c *secondCache) {
	s.buf = append(s.buf, '"')
	s.appendQuotedTimeRest(t, c)
}

// appendQuotedTimeRest is appendTimeFrom after its opening quote.
func (s *state) appendQuotedTimeRest(t time.Time, c *secondCache) {
	var ok bool
	if s.buf, ok = appendRFC3339Nano(s.buf, t, c); !ok {
		// RFC 3339 has exactly four year digits. slog writes the error
		// string and then the time anyway; we reproduce it.
		s.buf = s.buf[:len(s.buf)-1]
		s.appendError("time.Time year outside of range [0,9999]")
		s.buf = append(s.buf, '"')
		s.buf = t.AppendFormat(s.buf, time.RFC3339Nano)
	}
	s.buf = append(s.buf, '"')
}
