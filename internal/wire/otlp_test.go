package wire

import (
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
)

func otlpOne(t *testing.T, log func(l *slog.Logger)) entry {
	t.Helper()
	f := mustNew(t, OTLP, Options{})
	rec := newRecorder(f)
	log(slog.New(rec))
	es := decode(t, f, rec.body())
	if len(es) != 1 {
		t.Fatalf("%d records", len(es))
	}
	return es[0]
}

func TestOTLPTraceIDs(t *testing.T) {
	ctx := ctxattrs.With(context.Background(), slog.String(TraceIDKey, traceHex), slog.String(SpanIDKey, spanHex))
	otherTrace := "0af7651916cd43dd8448eb211c80319c"
	for _, c := range []struct {
		name        string
		log         func(l *slog.Logger)
		trace, span string
		attrs       map[string]any
	}{
		{"from the context", func(l *slog.Logger) { l.InfoContext(ctx, "m") }, traceHex, spanHex, nil},
		{"from WithAttrs", func(l *slog.Logger) { l.With(TraceIDKey, otherTrace).InfoContext(ctx, "m") }, otherTrace, spanHex, nil},
		{"from the record", func(l *slog.Logger) { l.InfoContext(ctx, "m", TraceIDKey, strings.ToUpper(otherTrace)) }, otherTrace, spanHex, nil},
		{"as byte arrays", func(l *slog.Logger) {
			l.Info("m", TraceIDKey, [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, SpanIDKey, [8]byte{0xff, 1, 2, 3, 4, 5, 6, 7})
		}, "0102030405060708090a0b0c0d0e0f10", "ff01020304050607", nil},
		{"bad shapes stay attributes", func(l *slog.Logger) {
			l.Info("m", TraceIDKey, "not-hex-not-hex-not-hex-not-hex!", SpanIDKey, "00000000000000000")
		}, "", "", map[string]any{TraceIDKey: "not-hex-not-hex-not-hex-not-hex!", SpanIDKey: "00000000000000000"}},
		{"all zero is invalid", func(l *slog.Logger) {
			l.Info("m", TraceIDKey, strings.Repeat("0", 32), SpanIDKey, [8]byte{})
		}, "", "", map[string]any{TraceIDKey: strings.Repeat("0", 32), SpanIDKey: "[0,0,0,0,0,0,0,0]"}},
		{"inside a group it is an attribute", func(l *slog.Logger) { l.WithGroup("g").Info("m", TraceIDKey, traceHex) },
			"", "", map[string]any{"g": map[string]any{TraceIDKey: traceHex}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := otlpOne(t, c.log)
			if tr, _ := e.Extra["trace_id"].(string); tr != c.trace {
				t.Errorf("trace_id %q, want %q", tr, c.trace)
			}
			if sp, _ := e.Extra["span_id"].(string); sp != c.span {
				t.Errorf("span_id %q, want %q", sp, c.span)
			}
			for k, v := range c.attrs {
				if got := e.Fields[k]; !reflect.DeepEqual(got, v) {
					t.Errorf("attribute %s = %#v, want %#v", k, got, v)
				}
			}
			if c.attrs == nil {
				for _, k := range []string{TraceIDKey, SpanIDKey} {
					if _, ok := e.Fields[k]; ok {
						t.Errorf("id %s also sent as an attribute", k)
					}
				}
			}
		})
	}
}

func TestOTLPSeverity(t *testing.T) {
	for _, c := range []struct {
		l    slog.Level
		num  int64
		text string
	}{
		{slog.LevelDebug - 20, 1, "DEBUG-20"}, {slog.LevelDebug - 4, 1, "DEBUG-4"}, {slog.LevelDebug, 5, "DEBUG"},
		{slog.LevelInfo, 9, "INFO"}, {slog.LevelInfo + 1, 10, "INFO+1"}, {slog.LevelWarn, 13, "WARN"},
		{slog.LevelError, 17, "ERROR"}, {slog.LevelError + 7, 24, "ERROR+7"}, {slog.LevelError + 100, 24, "ERROR+100"},
	} {
		e := otlpOne(t, func(l *slog.Logger) { l.Log(context.Background(), c.l, "m") })
		if e.Extra["severity"] != c.num || e.Fields["level"] != c.text || c.text != c.l.String() {
			t.Errorf("level %v: severity %v %q, want %d %q", c.l, e.Extra["severity"], e.Fields["level"], c.num, c.text)
		}
	}
}

func TestOTLPValues(t *testing.T) {
	long := strings.Repeat("x", 200)
	huge := strings.Repeat("y", 70_000) // a three-byte length, and every enclosing length moved
	e := otlpOne(t, func(l *slog.Logger) {
		l.Info(huge, "u", uint64(math.MaxUint64), "i", int64(math.MinInt64), "b", []byte{0, 1, 0xff},
			"f", math.Inf(-1), "nan", math.NaN(), "lvl", slog.LevelWarn, "long", long,
			slog.Group("deep", slog.Group("er", slog.Group("est", slog.String("huge", huge), slog.Bool("t", true)))),
			"obj", map[string]int{"a": 1}, "str", struct{ S string }{`q"uote`})
	})
	want := map[string]any{
		"u": "18446744073709551615", "i": int64(math.MinInt64), "b": []byte{0, 1, 0xff}, "lvl": "WARN", "long": long,
		"deep": map[string]any{"er": map[string]any{"est": map[string]any{"huge": huge, "t": true}}},
		"obj":  `{"a":1}`, "str": `{"S":"q\"uote"}`,
	}
	for k, v := range want {
		if !reflect.DeepEqual(e.Fields[k], v) {
			t.Errorf("%s = %#v, want %#v", k, short(e.Fields[k]), short(v))
		}
	}
	if f := e.Fields["f"].(float64); !math.IsInf(f, -1) {
		t.Errorf("f = %v", f)
	}
	if f := e.Fields["nan"].(float64); !math.IsNaN(f) {
		t.Errorf("nan = %v", f)
	}
	if e.Fields["msg"] != huge {
		t.Errorf("message of %d bytes lost", len(huge))
	}
}

func short(v any) any {
	if s, ok := v.(string); ok && len(s) > 40 {
		return s[:40] + "…"
	}
	if m, ok := v.(map[string]any); ok {
		c := map[string]any{}
		for k, x := range m {
			c[k] = short(x)
		}
		return c
	}
	return v
}

// TestCloseLen checks the length fix-up at every varint size boundary
// against encoding/binary.
func TestCloseLen(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 2097151, 2097152} {
		b := []byte{0xAA}
		b, at := openMsg(b, 5)
		for i := range n {
			b = append(b, byte(i))
		}
		b = closeLen(b, at)
		want := binary.AppendUvarint([]byte{0xAA, 5<<3 | 2}, uint64(n))
		if string(b[:len(want)]) != string(want) || len(b) != len(want)+n {
			t.Fatalf("n=%d: prefix %x, want %x", n, b[:min(len(b), 6)], want)
		}
		for i := range n {
			if b[len(want)+i] != byte(i) {
				t.Fatalf("n=%d: content moved wrong at %d", n, i)
			}
		}
	}
}

func TestOTLPZeroTime(t *testing.T) {
	f := mustNew(t, OTLP, Options{})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	before := time.Now().UnixNano()
	b, _ := f.Encoder().AppendRecord(nil, &r, nil)
	e := decode(t, f, f.AppendBody(nil, [][]byte{b}))[0]
	if _, ok := e.Fields["time"]; ok {
		t.Errorf("zero time sent as a time: %v", e.Fields)
	}
	if obs := e.Extra["observed"].(int64); obs < before {
		t.Errorf("observed time %d not set", obs)
	}
}

func TestOTLPEmptyGroupsElided(t *testing.T) {
	e := otlpOne(t, func(l *slog.Logger) {
		l.WithGroup("a").WithGroup("b").Info("m", slog.Group("c"), slog.Group("d", slog.Group("e")))
	})
	if _, ok := e.Fields["a"]; ok {
		t.Errorf("empty groups sent: %v", e.Fields)
	}
	e = otlpOne(t, func(l *slog.Logger) {
		l.WithGroup("a").With("x", 1).WithGroup("b").Info("m")
	})
	if !reflect.DeepEqual(e.Fields["a"], map[string]any{"x": int64(1)}) {
		t.Errorf("a = %v, want {x:1} without the empty b", e.Fields["a"])
	}
}
