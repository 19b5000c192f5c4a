package wire

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
)

var allKinds = []Kind{NDJSON, JSONArray, Datadog, Loki, ElasticBulk, OTLP}

func mustNew(t testing.TB, k Kind, o Options) *Format {
	t.Helper()
	f, err := New(k, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recorder is a slog.Handler over an Encoder that keeps each encoded
// record, so tests see exactly what a sink would queue.
type recorder struct {
	f   *Format
	enc *Encoder
	out *[][]byte
}

func newRecorder(f *Format) recorder {
	return recorder{f: f, enc: f.Encoder(), out: new([][]byte)}
}

func (h recorder) Enabled(context.Context, slog.Level) bool { return true }

func (h recorder) Handle(ctx context.Context, r slog.Record) error {
	ca, local := ctxattrs.From(ctx)
	b, rlocal := h.enc.AppendRecord(nil, &r, ca)
	if local || rlocal || h.enc.Local() {
		return nil
	}
	*h.out = append(*h.out, b)
	return nil
}

func (h recorder) WithAttrs(as []slog.Attr) slog.Handler {
	return recorder{f: h.f, enc: h.enc.WithAttrs(as), out: h.out}
}

func (h recorder) WithGroup(name string) slog.Handler {
	return recorder{f: h.f, enc: h.enc.WithGroup(name), out: h.out}
}

func (h recorder) body() []byte { return h.f.AppendBody(nil, *h.out) }

// entry is one decoded record, in slog's terms whatever the format:
// "time" (a time.Time), "level" (the format's text), "msg", and the
// attributes as a nested map (numbers as float64 from JSON, int64 from
// OTLP). Extra holds the format's own fields: Loki labels and ns time,
// OTLP trace ids and severity number, the ES action.
type entry struct {
	Fields map[string]any
	Extra  map[string]any
}

// decode parses a body of format f back into entries, failing the test on
// any framing error.
func decode(t testing.TB, f *Format, body []byte) []entry {
	t.Helper()
	switch f.Kind() {
	case NDJSON:
		var out []entry
		for _, line := range bytes.SplitAfter(body, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			if line[len(line)-1] != '\n' {
				t.Fatalf("NDJSON line without newline: %q", line)
			}
			out = append(out, entry{Fields: jsonObject(t, line)})
		}
		return out
	case JSONArray, Datadog:
		var arr []json.RawMessage
		if err := json.Unmarshal(body, &arr); err != nil {
			t.Fatalf("body is not a JSON array: %v\n%s", err, body)
		}
		var out []entry
		for _, raw := range arr {
			m := jsonObject(t, raw)
			if f.Kind() == Datadog {
				m = fromDatadog(t, m)
			}
			out = append(out, entry{Fields: m})
		}
		return out
	case ElasticBulk:
		lines := bytes.Split(body, []byte("\n"))
		if len(lines) == 0 || len(lines[len(lines)-1]) != 0 {
			t.Fatalf("bulk body does not end in a newline: %q", body)
		}
		lines = lines[:len(lines)-1]
		if len(lines)%2 != 0 {
			t.Fatalf("bulk body has %d lines", len(lines))
		}
		var out []entry
		for i := 0; i < len(lines); i += 2 {
			action := jsonObject(t, lines[i])
			m := jsonObject(t, lines[i+1])
			renameKey(m, "@timestamp", "time")
			renameKey(m, "log.level", "level")
			renameKey(m, "message", "msg")
			parseTime(t, m)
			out = append(out, entry{Fields: m, Extra: map[string]any{"action": action}})
		}
		return out
	case Loki:
		var push struct {
			Streams []struct {
				Stream map[string]string `json:"stream"`
				Values [][]string        `json:"values"`
			} `json:"streams"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&push); err != nil {
			t.Fatalf("bad Loki push: %v\n%s", err, body)
		}
		var out []entry
		for _, s := range push.Streams {
			for _, v := range s.Values {
				if len(v) != 2 {
					t.Fatalf("Loki value of %d items", len(v))
				}
				ns, err := strconv.ParseInt(v[0], 10, 64)
				if err != nil {
					t.Fatalf("Loki timestamp %q: %v", v[0], err)
				}
				m := jsonObject(t, []byte(v[1]))
				out = append(out, entry{Fields: m, Extra: map[string]any{"labels": s.Stream, "ns": ns, "streams": len(push.Streams)}})
			}
		}
		return out
	default:
		return decodeOTLP(t, body)
	}
}

func jsonObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	if !json.Valid(b) {
		t.Fatalf("not valid JSON: %q", b)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not a JSON object: %v: %q", err, b)
	}
	parseTime(t, m)
	return m
}

func parseTime(t testing.TB, m map[string]any) {
	if s, ok := m["time"].(string); ok {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		m["time"] = tm
	}
}

func renameKey(m map[string]any, from, to string) {
	if v, ok := m[from]; ok {
		delete(m, from)
		m[to] = v
	}
}

func fromDatadog(t testing.TB, m map[string]any) map[string]any {
	renameKey(m, "message", "msg")
	renameKey(m, "status", "level")
	if ms, ok := m["timestamp"].(float64); ok {
		delete(m, "timestamp")
		m["time"] = time.UnixMilli(int64(ms))
	}
	return m
}

// otlpRecord decoding: a small protobuf reader over the same field
// numbers, written from opentelemetry-proto, independent of the encoder.
func decodeOTLP(t testing.TB, body []byte) []entry {
	t.Helper()
	var out []entry
	eachField(t, body, func(f int, _ uint64, p []byte) {
		if f != 1 {
			t.Fatalf("ExportLogsServiceRequest field %d", f)
		}
		resource := map[string]any{}
		eachField(t, p, func(f int, _ uint64, p []byte) {
			switch f {
			case 1:
				eachField(t, p, func(f int, _ uint64, p []byte) {
					if f == 1 {
						k, v := decodeKV(t, p)
						resource[k] = v
					}
				})
			case 2:
				eachField(t, p, func(f int, _ uint64, p []byte) {
					switch f {
					case 1:
						eachField(t, p, func(f int, _ uint64, p []byte) {
							if f == 1 && string(p) != ScopeName {
								t.Fatalf("scope name %q", p)
							}
						})
					case 2:
						e := decodeLogRecord(t, p)
						e.Extra["resource"] = resource
						out = append(out, e)
					default:
						t.Fatalf("ScopeLogs field %d", f)
					}
				})
			default:
				t.Fatalf("ResourceLogs field %d", f)
			}
		})
	})
	return out
}

func decodeLogRecord(t testing.TB, p []byte) entry {
	e := entry{Fields: map[string]any{}, Extra: map[string]any{}}
	eachField(t, p, func(f int, v uint64, p []byte) {
		switch f {
		case 1:
			e.Fields["time"] = time.Unix(0, int64(v))
			e.Extra["ns"] = int64(v)
		case 11:
			e.Extra["observed"] = int64(v)
		case 2:
			e.Extra["severity"] = int64(v)
		case 3:
			e.Fields["level"] = string(p)
		case 5:
			e.Fields["msg"] = decodeAnyValue(t, p)
		case 6:
			k, v := decodeKV(t, p)
			if _, dup := e.Fields[k]; dup {
				e.Extra["dup:"+k] = true
			}
			e.Fields[k] = v
		case 9:
			e.Extra["trace_id"] = hex.EncodeToString(p)
		case 10:
			e.Extra["span_id"] = hex.EncodeToString(p)
		default:
			t.Fatalf("LogRecord field %d", f)
		}
	})
	return e
}

func decodeKV(t testing.TB, p []byte) (string, any) {
	var k string
	var v any
	eachField(t, p, func(f int, _ uint64, p []byte) {
		switch f {
		case 1:
			k = string(p)
		case 2:
			v = decodeAnyValue(t, p)
		}
	})
	return k, v
}

func decodeAnyValue(t testing.TB, p []byte) any {
	var out any
	eachField(t, p, func(f int, v uint64, p []byte) {
		switch f {
		case 1:
			out = string(p)
		case 2:
			out = v != 0
		case 3:
			out = int64(v)
		case 4:
			out = math.Float64frombits(v)
		case 6:
			m := map[string]any{}
			eachField(t, p, func(f int, _ uint64, p []byte) {
				k, v := decodeKV(t, p)
				m[k] = v
			})
			out = m
		case 7:
			out = append([]byte(nil), p...)
		default:
			t.Fatalf("AnyValue field %d", f)
		}
	})
	return out
}

// eachField walks a protobuf message strictly: every length must fit and
// every string-typed content is checked by the callers' expectations.
func eachField(t testing.TB, b []byte, fn func(field int, v uint64, p []byte)) {
	t.Helper()
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatalf("bad key at %x", b)
		}
		b = b[n:]
		var v uint64
		var p []byte
		switch key & 7 {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				t.Fatal("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				t.Fatal("short fixed64")
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				t.Fatalf("bad length %d of %d", l, len(b)-n)
			}
			p, b = b[n:n+int(l)], b[n+int(l):]
		default:
			t.Fatalf("wire type %d", key&7)
		}
		fn(int(key>>3), v, p)
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprint(string(b))
}

// errString is an error that is not a pointer, as errors.New's is, so
// storing it in an Attr does not allocate in the tests themselves.
type errString string

func (e errString) Error() string { return string(e) }
