package wire

import (
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/ndjson"
)

// TraceIDKey and SpanIDKey are the attribute keys whose values the OTLP
// format moves into a LogRecord's trace_id and span_id: a top-level
// attribute (of the context, of WithAttrs before any WithGroup, or of the
// record) with one of these keys and a value of 32 (trace) or 16 (span)
// hexadecimal digits, as W3C traceparent and OpenTelemetry write them, or
// a [16]byte / [8]byte. A program without the OpenTelemetry SDK puts them
// in the context, e.g. from a W3C traceparent header in middleware:
//
//	ctx = slogx.NewContext(ctx, slog.String("trace_id", tid), slog.String("span_id", sid))
//
// or binds them on the logger. Precedence: the record's own attribute,
// then WithAttrs, then the context. A value of another shape stays an
// ordinary attribute, and the other formats keep both as ordinary fields.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// The protobuf field numbers of opentelemetry-proto's logs, common and
// resource messages that the encoder writes.
const (
	// LogRecord
	lrTime         = 1 // fixed64 time_unix_nano
	lrSeverityNum  = 2 // SeverityNumber severity_number
	lrSeverityText = 3 // string severity_text
	lrBody         = 5 // AnyValue body
	lrAttributes   = 6 // repeated KeyValue attributes
	lrTraceID      = 9 // bytes trace_id
	lrSpanID       = 10
	lrObserved     = 11 // fixed64 observed_time_unix_nano
	// AnyValue
	avString = 1
	avBool   = 2
	avInt    = 3
	avDouble = 4
	avKVList = 6
	avBytes  = 7
	// KeyValue
	kvKey   = 1
	kvValue = 2
	// KeyValueList
	kvlValues = 1
	// ScopeLogs
	slScope      = 1
	slLogRecords = 2
)

// otlpEncoder encodes LogRecords. It is immutable once built.
type otlpEncoder struct {
	rep       func([]string, slog.Attr) slog.Attr
	addSource bool
	groups    []string
	// levels[0] holds the pre-encoded WithAttrs attributes at the top
	// (LogRecord attributes), levels[i] those inside groups[i-1]
	// (KeyValueList values).
	levels  [][]byte
	local   bool
	traceID []byte // bound by WithAttrs; nil if not
	spanID  []byte
}

func newOTLPEncoder(o *Options) *otlpEncoder {
	return &otlpEncoder{rep: o.ReplaceAttr, addSource: o.AddSource, levels: [][]byte{nil}}
}

func (e *otlpEncoder) withAttrs(as []slog.Attr) *otlpEncoder {
	if len(as) == 0 {
		return e
	}
	e2 := *e
	e2.levels = slices.Clone(e.levels)
	d := len(e.groups)
	s := otlpState{e: e, buf: slices.Clone(e.levels[d])}
	s.initGroups(d)
	field := lrAttributes
	if d > 0 {
		field = kvlValues
	}
	for _, a := range as {
		if d == 0 {
			if id, ok := traceValue(a, TraceIDKey, 16); ok {
				e2.traceID = id
				continue
			}
			if id, ok := traceValue(a, SpanIDKey, 8); ok {
				e2.spanID = id
				continue
			}
		}
		s.appendAttr(field, a)
	}
	s.free()
	e2.levels[d] = s.buf
	e2.local = e.local || s.local
	return &e2
}

func (e *otlpEncoder) withGroup(name string) *otlpEncoder {
	e2 := *e
	e2.groups = append(slices.Clip(e.groups), name)
	e2.levels = append(slices.Clip(e.levels), nil)
	return &e2
}

// traceValue reports whether a is a trace or span id under key, with n
// bytes, and returns them. It allocates (only for the WithAttrs path).
func traceValue(a slog.Attr, key string, n int) ([]byte, bool) {
	if a.Key != key {
		return nil, false
	}
	var buf [16]byte
	id, ok := decodeID(buf[:0], a.Value, n)
	return slices.Clone(id), ok
}

// decodeID appends the n-byte id that v holds as 2n hex digits or as a
// byte array, and reports whether it did. An all-zero id is invalid in
// OpenTelemetry, so it is refused too.
func decodeID(dst []byte, v slog.Value, n int) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if len(s) != 2*n {
			return dst, false
		}
		for i := 0; i < len(s); i += 2 {
			hi, ok1 := unhex(s[i])
			lo, ok2 := unhex(s[i+1])
			if !ok1 || !ok2 {
				return dst[:0], false
			}
			dst = append(dst, hi<<4|lo)
		}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case [16]byte:
			if n != 16 {
				return dst, false
			}
			dst = append(dst, x[:]...)
		case [8]byte:
			if n != 8 {
				return dst, false
			}
			dst = append(dst, x[:]...)
		default:
			return dst, false
		}
	default:
		return dst, false
	}
	for _, c := range dst {
		if c != 0 {
			return dst, true
		}
	}
	return dst[:0], false
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendRecord appends one ScopeLogs.log_records entry: key, length and a
// LogRecord.
func (e *otlpEncoder) appendRecord(dst []byte, r *slog.Record, ctxAttrs []slog.Attr) ([]byte, bool) {
	dst, rec := openMsg(dst, slLogRecords)
	// slog.Logger takes the time as the call is made, which is when the
	// record is observed too; only a record without one costs a clock read.
	if !r.Time.IsZero() {
		dst = appendFixed64(dst, lrTime, uint64(r.Time.UnixNano()))
		dst = appendFixed64(dst, lrObserved, uint64(r.Time.UnixNano()))
	} else {
		dst = appendFixed64(dst, lrObserved, uint64(time.Now().UnixNano()))
	}
	dst = appendVarintField(dst, lrSeverityNum, uint64(severityNumber(r.Level)))
	dst = appendTag(dst, lrSeverityText, wireBytes)
	dst, at := openLen(dst)
	dst = ndjson.AppendLevelName(dst, r.Level)
	dst = closeLen(dst, at)
	dst, body := openMsg(dst, lrBody)
	dst = appendStringField(dst, avString, r.Message)
	dst = closeLen(dst, body)

	s := otlpState{e: e, buf: dst}
	var trace, span [16]byte
	traceID, spanID := e.traceID, e.spanID
	if e.addSource {
		s.appendSource(r)
	}
	if len(ctxAttrs) > 0 {
		s.initGroups(0)
		for _, a := range ctxAttrs {
			switch a.Key {
			case TraceIDKey:
				if id, ok := decodeID(trace[:0], a.Value, 16); ok {
					if traceID == nil {
						traceID = id
					}
					continue
				}
			case SpanIDKey:
				if id, ok := decodeID(span[:0], a.Value, 8); ok {
					if spanID == nil {
						spanID = id
					}
					continue
				}
			}
			s.appendAttr(lrAttributes, a)
		}
		s.free()
	}
	s.initGroups(len(e.groups))
	s.appendLevel(0, r)
	s.free()
	if s.haveTrace {
		traceID = s.traceID[:]
	}
	if s.haveSpan {
		spanID = s.spanID[:]
	}
	dst = s.buf
	if len(traceID) > 0 {
		dst = appendBytesField(dst, lrTraceID, traceID)
	}
	if len(spanID) > 0 {
		dst = appendBytesField(dst, lrSpanID, spanID)
	}
	return closeLen(dst, rec), s.local
}

// severityNumber maps a slog level to OpenTelemetry's scale, as the
// OpenTelemetry slog bridge does: DEBUG 5, INFO 9, WARN 13, ERROR 17, and
// levels between them in between, clamped to TRACE (1) .. FATAL4 (24).
func severityNumber(l slog.Level) int {
	return min(max(int(l)+9, 1), 24)
}

// otlpState is the state of one encoding pass.
type otlpState struct {
	e      *otlpEncoder
	buf    []byte
	groups *[]string // open groups, kept only for ReplaceAttr
	local  bool
	// Ids found among the record's top-level attributes, held by value:
	// slices of arrays on the stack would make them escape.
	traceID             [16]byte
	spanID              [8]byte
	haveTrace, haveSpan bool
}

var otlpGroupPool = sync.Pool{New: func() any {
	s := make([]string, 0, 10)
	return &s
}}

func (s *otlpState) initGroups(depth int) {
	if s.e.rep == nil {
		return
	}
	s.groups = otlpGroupPool.Get().(*[]string)
	*s.groups = append((*s.groups)[:0], s.e.groups[:depth]...)
}

func (s *otlpState) free() {
	if gs := s.groups; gs != nil {
		clear(*gs)
		*gs = (*gs)[:0]
		otlpGroupPool.Put(gs)
		s.groups = nil
	}
}

// appendLevel writes the attributes at group depth d: those pre-encoded by
// WithAttrs, then the group d opened by WithGroup holding the deeper ones,
// or at the innermost depth the record's own. A group that ends up empty
// is left out, as slog leaves out empty groups. It reports whether it wrote
// anything.
func (s *otlpState) appendLevel(d int, r *slog.Record) bool {
	e := s.e
	field := lrAttributes
	if d > 0 {
		field = kvlValues
	}
	wrote := len(e.levels[d]) > 0
	s.buf = append(s.buf, e.levels[d]...)
	if d == len(e.groups) {
		r.Attrs(func(a slog.Attr) bool {
			if d == 0 && s.takeID(a) {
				return true
			}
			if s.appendAttr(field, a) {
				wrote = true
			}
			return true
		})
		return wrote
	}
	g := s.openGroup(field, e.groups[d])
	if !s.appendLevel(d+1, r) {
		s.buf = s.buf[:g.mark]
		return wrote
	}
	s.closeGroup(g)
	return true
}

// openGroup is a group being written: a KeyValue whose value is a
// KeyValueList, with the offsets of its three lengths and of its start.
type openGroup struct{ mark, kv, av, kl int }

func (s *otlpState) openGroup(field int, key string) openGroup {
	g := openGroup{mark: len(s.buf)}
	s.buf, g.kv = openMsg(s.buf, field)
	s.buf = appendStringField(s.buf, kvKey, key)
	s.buf, g.av = openMsg(s.buf, kvValue)
	s.buf, g.kl = openMsg(s.buf, avKVList)
	return g
}

func (s *otlpState) closeGroup(g openGroup) {
	s.buf = closeLen(s.buf, g.kl)
	s.buf = closeLen(s.buf, g.av)
	s.buf = closeLen(s.buf, g.kv)
}

// takeID moves a top-level trace or span id of the record into the
// LogRecord's own field.
func (s *otlpState) takeID(a slog.Attr) bool {
	switch a.Key {
	case TraceIDKey:
		if _, ok := decodeID(s.traceID[:0], a.Value, 16); ok {
			s.haveTrace = true
			return true
		}
	case SpanIDKey:
		if _, ok := decodeID(s.spanID[:0], a.Value, 8); ok {
			s.haveSpan = true
			return true
		}
	}
	return false
}

// appendAttr writes a as a KeyValue under field (LogRecord.attributes or
// KeyValueList.values), with slog's rules: resolve, ReplaceAttr (not for
// groups), drop the empty Attr, inline a group with an empty key, leave
// out an empty group. It reports whether it wrote anything.
func (s *otlpState) appendAttr(field int, a slog.Attr) bool {
	k := a.Value.Kind()
	if k == slog.KindLogValuer {
		if ctxattrs.IsLocalOnly(a) {
			s.local = true
		}
		a.Value = a.Value.Resolve()
		k = a.Value.Kind()
	}
	if s.e.rep != nil && k != slog.KindGroup {
		var gs []string
		if s.groups != nil {
			gs = *s.groups
		}
		a = s.e.rep(gs, a)
		a.Value = a.Value.Resolve()
		k = a.Value.Kind()
	}
	if k == slog.KindGroup {
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return false
		}
		if a.Key == "" {
			wrote := false
			for _, g := range attrs {
				if s.appendAttr(field, g) {
					wrote = true
				}
			}
			return wrote
		}
		g := s.openGroup(field, a.Key)
		if s.groups != nil {
			*s.groups = append(*s.groups, a.Key)
		}
		wrote := false
		for _, g := range attrs {
			if s.appendAttr(kvlValues, g) {
				wrote = true
			}
		}
		if s.groups != nil {
			*s.groups = (*s.groups)[:len(*s.groups)-1]
		}
		if !wrote {
			s.buf = s.buf[:g.mark]
			return false
		}
		s.closeGroup(g)
		return true
	}
	if k == slog.KindAny && a.Key == "" && a.Value.Any() == nil {
		return false // the zero Attr, which handlers must ignore
	}
	var kv, av int
	s.buf, kv = openMsg(s.buf, field)
	s.buf = appendStringField(s.buf, kvKey, a.Key)
	s.buf, av = openMsg(s.buf, kvValue)
	s.appendValue(a.Value, k)
	s.buf = closeLen(s.buf, av)
	s.buf = closeLen(s.buf, kv)
	return true
}

// appendValue writes the AnyValue contents of a resolved, non-group value.
// Kinds map to AnyValue's own where one fits; times are RFC 3339 strings
// and durations integer nanoseconds, as the JSON formats write them;
// other values are their JSON text.
func (s *otlpState) appendValue(v slog.Value, k slog.Kind) {
	switch k {
	case slog.KindString:
		s.buf = appendStringField(s.buf, avString, v.String())
	case slog.KindInt64:
		s.buf = appendVarintField(s.buf, avInt, uint64(v.Int64()))
	case slog.KindUint64:
		if u := v.Uint64(); u <= 1<<63-1 {
			s.buf = appendVarintField(s.buf, avInt, u)
		} else {
			// int_value cannot hold it; a decimal string keeps it exact.
			s.buf = appendTag(s.buf, avString, wireBytes)
			var at int
			s.buf, at = openLen(s.buf)
			s.buf = strconv.AppendUint(s.buf, u, 10)
			s.buf = closeLen(s.buf, at)
		}
	case slog.KindFloat64:
		s.buf = appendDoubleField(s.buf, avDouble, v.Float64())
	case slog.KindBool:
		b := uint64(0)
		if v.Bool() {
			b = 1
		}
		s.buf = appendVarintField(s.buf, avBool, b)
	case slog.KindDuration:
		s.buf = appendVarintField(s.buf, avInt, uint64(v.Duration()))
	case slog.KindTime:
		s.buf = appendTag(s.buf, avString, wireBytes)
		var at int
		s.buf, at = openLen(s.buf)
		if b, ok := ndjson.AppendRFC3339Nano(s.buf, v.Time()); ok {
			s.buf = b
		} else {
			s.buf = v.Time().AppendFormat(s.buf, time.RFC3339Nano)
		}
		s.buf = closeLen(s.buf, at)
	default:
		s.appendAny(v)
	}
}

func (s *otlpState) appendAny(v slog.Value) {
	switch x := v.Any().(type) {
	case []byte:
		s.buf = appendBytesField(s.buf, avBytes, x)
		return
	case slog.Level:
		s.buf = appendTag(s.buf, avString, wireBytes)
		var at int
		s.buf, at = openLen(s.buf)
		s.buf = ndjson.AppendLevelName(s.buf, x)
		s.buf = closeLen(s.buf, at)
		return
	}
	// The JSON text of the value, by slog.JSONHandler's rules (errors by
	// Error(), marshalers, panics recovered); a JSON string is unquoted
	// when it needs no unescaping, so an error reads as its message.
	s.buf = appendTag(s.buf, avString, wireBytes)
	var at int
	s.buf, at = openLen(s.buf)
	s.buf = ndjson.AppendValue(s.buf, v)
	if j := s.buf[at:]; len(j) >= 2 && j[0] == '"' && j[len(j)-1] == '"' && !slices.Contains(j, '\\') {
		copy(j, j[1:len(j)-1])
		s.buf = s.buf[:len(s.buf)-2]
	}
	s.buf = closeLen(s.buf, at)
}

// appendSource writes the source position under the OpenTelemetry
// semantic convention names.
func (s *otlpState) appendSource(r *slog.Record) {
	src := r.Source()
	if src == nil {
		return
	}
	if src.Function != "" {
		s.appendAttr(lrAttributes, slog.String("code.function.name", src.Function))
	}
	if src.File != "" {
		s.appendAttr(lrAttributes, slog.String("code.file.path", src.File))
	}
	if src.Line != 0 {
		s.appendAttr(lrAttributes, slog.Int("code.line.number", src.Line))
	}
}
