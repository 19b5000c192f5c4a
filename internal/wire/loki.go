package wire

import (
	"bytes"
	"log/slog"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"go.slogx.dev/internal/ndjson"
)

// maxLabelValue is Loki's default max_label_value_length: a push with a
// longer label value is refused whole, so longer values are cut.
const maxLabelValue = 2048

// maxLabels is Loki's default max_label_names_per_series (15) less the
// service_name label every stream carries.
const maxLabels = 14

// serviceNameLabel is the label Loki 3 groups services by; every stream
// carries it, so that no stream is ever without labels (Loki refuses
// those), and unknownService is its value when Options.Service is empty,
// as Loki itself fills it in.
const (
	serviceNameLabel = "service_name"
	unknownService   = "unknown_service"
)

// lokiLabels is the label state of a Loki encoder: the names chosen, and
// the values bound by the Options fields and by WithAttrs before any
// WithGroup. It is immutable once built.
type lokiLabels struct {
	names   []string
	fields  []slog.Value // per name: the Options field it names, if any
	bound   []slog.Value // per name: bound by WithAttrs; zero Value: not bound
	grouped bool         // a group is open: later attributes are not top level
	service string
}

func newLokiLabels(o *Options) *lokiLabels {
	l := &lokiLabels{names: o.Labels, fields: make([]slog.Value, len(o.Labels)), bound: make([]slog.Value, len(o.Labels)), service: o.Service}
	if l.service == "" {
		l.service = unknownService
	}
	l.service = ndjson.CutUTF8(l.service, maxLabelValue)
	fields := map[string]string{"service": o.Service, "environment": o.Environment, "version": o.Version, "host": o.Host}
	for i, n := range l.names {
		if v := fields[n]; v != "" {
			l.fields[i] = slog.StringValue(v)
		}
	}
	return l
}

func (l *lokiLabels) withAttrs(as []slog.Attr) *lokiLabels {
	if l.grouped {
		return l
	}
	var l2 *lokiLabels
	for _, a := range as {
		if i := slices.Index(l.names, a.Key); i >= 0 {
			if l2 == nil {
				c := *l
				c.bound = slices.Clone(l.bound)
				l2 = &c
			}
			l2.bound[i] = a.Value // the latest binding wins, as in JSON readers
		}
	}
	if l2 == nil {
		return l
	}
	return l2
}

func (l *lokiLabels) withGroup() *lokiLabels {
	if l.grouped {
		return l
	}
	c := *l
	c.grouped = true
	return &c
}

// appendLoki appends one stream object holding one entry:
//
//	{"stream":{"service_name":"api","level":"..."},"values":[["<ns>","<line>"]]}
//
// The line is the record as the NDJSON format encodes it, without the
// newline. Label values come from the record's own top-level attributes,
// else WithAttrs, else the context, else the Options fields; a label
// without a value, or with an empty one, is left out (Loki drops empty
// labels). The framing merges adjacent entries of the same stream.
func (e *Encoder) appendLoki(dst []byte, r *slog.Record, ctxAttrs []slog.Attr) ([]byte, bool) {
	l := e.loki
	// Fill from the lowest precedence up: Options fields, the context,
	// WithAttrs, the record's own attributes.
	var vals [maxLabels]slog.Value
	if len(l.names) > 0 {
		copy(vals[:], l.fields)
		for _, a := range ctxAttrs {
			if i := slices.Index(l.names, a.Key); i >= 0 {
				vals[i] = a.Value
			}
		}
		for i, b := range l.bound {
			if !isZero(b) {
				vals[i] = b
			}
		}
		if !l.grouped {
			r.Attrs(func(a slog.Attr) bool {
				if i := slices.Index(l.names, a.Key); i >= 0 {
					vals[i] = a.Value
				}
				return true
			})
		}
	}
	dst = append(dst, `{"stream":{"`+serviceNameLabel+`":"`...)
	dst = ndjson.AppendEscaped(dst, l.service)
	dst = append(dst, '"')
	for i, n := range l.names {
		start := len(dst)
		dst = append(dst, ',', '"')
		dst = append(dst, n...) // a valid label name needs no escaping
		dst = append(dst, `":"`...)
		mark := len(dst)
		dst = appendLabelValue(dst, vals[i])
		if len(dst) == mark {
			dst = dst[:start]
			continue
		}
		dst = append(dst, '"')
	}
	dst = append(dst, `},"values":[["`...)
	t := r.Time
	if t.IsZero() {
		t = time.Now() // Loki needs a time; slog leaves it out of the line
	}
	dst = strconv.AppendInt(dst, t.UnixNano(), 10)
	dst = append(dst, `","`...)
	buf := ndjson.GetBuffer()
	var local bool
	*buf, local = e.json.AppendRecordLocal(*buf, r, ctxAttrs)
	line := (*buf)[:len(*buf)-1]
	dst = ndjson.AppendEscaped(dst, unsafe.String(unsafe.SliceData(line), len(line)))
	ndjson.PutBuffer(buf)
	dst = append(dst, `"]]}`...)
	return dst, local
}

func isZero(v slog.Value) bool { return v.Kind() == slog.KindAny && v.Any() == nil }

// appendLabelValue appends v as the contents of a JSON string, or nothing
// for a value that is no label (a group, nil, the empty string).
func appendLabelValue(dst []byte, v slog.Value) []byte {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return ndjson.AppendEscaped(dst, ndjson.CutUTF8(v.String(), maxLabelValue))
	case slog.KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(dst, v.Uint64(), 10)
	case slog.KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case slog.KindFloat64:
		return strconv.AppendFloat(dst, v.Float64(), 'g', -1, 64)
	case slog.KindTime:
		b, ok := ndjson.AppendRFC3339Nano(dst, v.Time())
		if ok {
			return b
		}
	case slog.KindGroup:
		return dst
	case slog.KindAny:
		if v.Any() == nil {
			return dst
		}
	}
	return ndjson.AppendEscaped(dst, ndjson.CutUTF8(v.String(), maxLabelValue))
}

// lokiFrame: the body is {"streams":[...]}, with adjacent entries of the
// same stream (identical label bytes) merged into one stream object, which
// keeps the body small and Loki's per-stream work low without reordering.
type lokiFrame struct{}

const (
	lokiHead = `{"streams":[`
	lokiTail = `]}`
)

func (lokiFrame) overhead(n int) int { return len(lokiHead) + len(lokiTail) + n }

func (lokiFrame) appendBody(dst []byte, records [][]byte) []byte {
	dst = append(dst, lokiHead...)
	var prev []byte
	for i, r := range records {
		p := lokiStreamLen(r)
		if i > 0 && p > 0 && bytes.Equal(prev, r[:p]) {
			// dst ends in "]]}" of the previous entry: reopen its values.
			dst = append(dst[:len(dst)-2], ',')
			dst = append(dst, r[p:]...)
		} else {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, r...)
		}
		prev = r[:max(p, 0)]
	}
	return append(dst, lokiTail...)
}

// lokiStreamLen returns the length of the stream part of a record, up to
// and including `"values":[`, or 0 if r is not shaped so. The sequence
// cannot occur inside a label value: its quotes would be escaped.
func lokiStreamLen(r []byte) int {
	const sep = `},"values":[`
	i := bytes.Index(r, []byte(sep))
	if i < 0 || !bytes.HasSuffix(r, []byte("]]}")) {
		return 0
	}
	return i + len(sep)
}

// judge2xx: Loki answers 204 for a push it took whole; it has no
// per-entry results.
func (lokiFrame) judge2xx(int, []byte, int, *Verdict) {}

// validLabelName follows Prometheus' rule [a-zA-Z_][a-zA-Z0-9_]*, which
// Loki applies, and refuses names starting with "__", which are reserved.
func validLabelName(s string) bool {
	if s == "" || len(s) >= 2 && s[:2] == "__" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
