package slogx_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// source is where the generator takes its choices from: a seeded PRNG for
// the differential corpus, or the fuzzer's bytes.
type source interface {
	Uint64() uint64
}

// bytesSource turns fuzz input into choices; once the input runs out it
// answers zero, which always picks the first (simplest) option.
type bytesSource struct{ b []byte }

func (s *bytesSource) Uint64() uint64 {
	if len(s.b) >= 8 {
		v := binary.LittleEndian.Uint64(s.b)
		s.b = s.b[8:]
		return v
	}
	var tmp [8]byte
	copy(tmp[:], s.b)
	s.b = nil
	return binary.LittleEndian.Uint64(tmp[:])
}

// str takes a string straight from the input, so the fuzzer controls bytes.
func (s *bytesSource) str(n int) string {
	if n > len(s.b) {
		n = len(s.b)
	}
	v := string(s.b[:n])
	s.b = s.b[n:]
	return v
}

type gen struct {
	src source
}

func (g *gen) intn(n int) int { return int(g.src.Uint64() % uint64(n)) }

func (g *gen) chance(pct int) bool { return g.intn(100) < pct }

var samples = []string{
	"", "a", "hello world", "key", "msg", "time", "level", "source", "g", "<html>&amp;</html>",
	"quote\"back\\slash", "tab\tnew\nline\rret", "\x00\x01\x1f\x7f", "\u2028\u2029 separators",
	"invalid \xff\xfe utf8", "\xc3\x28", "日本語テキスト", "emoji 🎉 ok", "trailing\\", "\"",
	"a.b.c", "!BADKEY", "with space", "\xed\xa0\x80 surrogate", strings.Repeat("long ", 40),
}

func (g *gen) str() string {
	if bs, ok := g.src.(*bytesSource); ok && g.chance(50) {
		return bs.str(g.intn(24))
	}
	if g.chance(15) {
		// random bytes, printable or not
		n := g.intn(12)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(g.src.Uint64())
		}
		return string(b)
	}
	return samples[g.intn(len(samples))]
}

var zones = []*time.Location{
	time.UTC, time.FixedZone("EST", -5*3600), time.FixedZone("IST", 5*3600+30*60),
	time.FixedZone("odd", -(3*3600 + 17*60 + 31)), time.FixedZone("secs", 45), time.FixedZone("far", 101*3600),
	time.Local,
}

func (g *gen) time() time.Time {
	switch g.intn(10) {
	case 0:
		return time.Time{}
	case 1:
		// years outside 0..9999, which slog renders with an error prefix
		years := []int{-1, -400, 10000, 12345, 0, 9999}
		return time.Date(years[g.intn(len(years))], time.Month(1+g.intn(12)), 1+g.intn(28), g.intn(24), g.intn(60), g.intn(60), g.intn(1e9), zones[g.intn(len(zones))])
	case 2:
		return time.Now() // carries a monotonic reading
	}
	sec := int64(g.src.Uint64()%(400*365*86400)) - 200*365*86400 + 946684800
	nsec := int64(0)
	switch g.intn(4) {
	case 0:
		nsec = int64(g.intn(1e9))
	case 1:
		nsec = int64(g.intn(1000)) * 1e6
	case 2:
		nsec = int64(g.intn(10)) * 1e8
	}
	return time.Unix(sec, nsec).In(zones[g.intn(len(zones))])
}

func (g *gen) float() float64 {
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-7, 1e-6, 1e20, 1e21, 123456789.125,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, 1.5e300}
	if g.chance(50) {
		return special[g.intn(len(special))]
	}
	return math.Float64frombits(g.src.Uint64())
}

type marshaler struct{ v string }

func (m marshaler) MarshalJSON() ([]byte, error) {
	return []byte(`{"m":` + fmt.Sprintf("%q", m.v) + `}`), nil
}

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("bad marshal") }

type invalidMarshaler struct{}

func (invalidMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{not json`), nil }

type panicMarshaler struct{}

func (panicMarshaler) MarshalJSON() ([]byte, error) { panic("marshal boom") }

type jsonError struct{ code int }

func (e jsonError) Error() string                { return fmt.Sprintf("code %d", e.code) }
func (e jsonError) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprint(e.code)), nil }

type ptrError struct{ msg string }

func (e *ptrError) Error() string { return e.msg } // panics on a nil receiver

type panicError struct{}

func (panicError) Error() string { panic("error boom") }

type textish struct{ v string }

func (t textish) MarshalText() ([]byte, error) { return []byte("text:" + t.v), nil }

type point struct {
	X, Y int
	Name string `json:"name,omitempty"`
	Tags []string
	Err  error
}

type valuer struct{ v slog.Value }

func (l valuer) LogValue() slog.Value { return l.v }

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("valuer boom") }

type loopValuer struct{}

func (l loopValuer) LogValue() slog.Value { return slog.AnyValue(l) }

func (g *gen) anyValue(depth int) any {
	switch g.intn(22) {
	case 0:
		return nil
	case 1:
		return errors.New(g.str())
	case 2:
		return fmt.Errorf("wrapped: %w", errors.New(g.str()))
	case 3:
		return jsonError{g.intn(100)}
	case 4:
		return (*ptrError)(nil)
	case 5:
		return &ptrError{g.str()}
	case 6:
		return panicError{}
	case 7:
		return marshaler{g.str()}
	case 8:
		return badMarshaler{}
	case 9:
		return invalidMarshaler{}
	case 10:
		return panicMarshaler{}
	case 11:
		return []byte(g.str())
	case 12:
		return map[string]any{g.str(): g.intn(10), "f": g.float(), "s": g.str()}
	case 13:
		return point{X: g.intn(5), Y: -g.intn(5), Name: g.str(), Tags: []string{g.str()}, Err: errors.New("in struct")}
	case 14:
		return []any{1, "two", 3.5, nil, g.str()}
	case 15:
		return textish{g.str()}
	case 16:
		return map[textish]int{{"k"}: 1}
	case 17:
		return netip.MustParseAddrPort("127.0.0.1:8080")
	case 18:
		return make(chan int) // unsupported by encoding/json
	case 19:
		return slog.LevelWarn + slog.Level(g.intn(5))
	case 20:
		return &point{X: 1}
	default:
		return struct{ F func() }{} // unsupported type
	}
}

func (g *gen) value(depth int) slog.Value {
	switch g.intn(16) {
	case 0, 1:
		return slog.StringValue(g.str())
	case 2:
		return slog.Int64Value(int64(g.src.Uint64()))
	case 3:
		return slog.IntValue(g.intn(2000) - 1000)
	case 4:
		return slog.Uint64Value(g.src.Uint64())
	case 5:
		return slog.Float64Value(g.float())
	case 6:
		return slog.BoolValue(g.chance(50))
	case 7:
		return slog.DurationValue(time.Duration(g.src.Uint64()))
	case 8:
		return slog.TimeValue(g.time())
	case 9, 10:
		return slog.AnyValue(g.anyValue(depth))
	case 11:
		if depth < 3 {
			return slog.GroupValue(g.attrs(depth+1, g.intn(4))...)
		}
		return slog.GroupValue()
	case 12:
		switch g.intn(4) {
		case 0:
			return slog.AnyValue(panicValuer{})
		case 1:
			return slog.AnyValue(loopValuer{})
		default:
			return slog.AnyValue(valuer{valuer{g.value(depth + 1)}.LogValue()})
		}
	case 13:
		// a LogValuer whose value is itself a LogValuer
		return slog.AnyValue(valuer{slog.AnyValue(valuer{g.value(depth + 1)})})
	case 14:
		return slog.Value{}
	default:
		return slog.AnyValue(g.anyValue(depth))
	}
}

func (g *gen) attr(depth int) slog.Attr {
	if g.chance(3) {
		return slog.Attr{} // the empty attr every handler must ignore
	}
	key := g.str()
	if g.chance(60) {
		key = []string{"a", "b", "c", "id", "user", "err", "n", "g", "time", "msg"}[g.intn(10)]
	}
	return slog.Attr{Key: key, Value: g.value(depth)}
}

func (g *gen) attrs(depth, n int) []slog.Attr {
	as := make([]slog.Attr, n)
	for i := range as {
		as[i] = g.attr(depth)
	}
	return as
}

var levels = []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, -8, 1, 3, 6, 12, -1}

var pcs = func() []uintptr {
	pc := make([]uintptr, 4)
	n := runtime.Callers(1, pc)
	return pc[:n]
}()

func (g *gen) record() slog.Record {
	var pc uintptr
	if g.chance(50) {
		pc = pcs[g.intn(len(pcs))]
	}
	r := slog.NewRecord(g.time(), levels[g.intn(len(levels))], g.str(), pc)
	n := g.intn(12)
	if g.chance(10) {
		// odd key/value args: !BADKEY
		args := []any{g.str(), g.intn(3), 7, "x", slog.Int("z", 1)} // odd pairs on purpose
		r.Add(args...)
	}
	r.AddAttrs(g.attrs(0, n)...)
	return r
}

// optionSets are the HandlerOptions every generated record is written with.
var optionSets = []struct {
	name string
	opts *slog.HandlerOptions
}{
	{"nil", nil},
	{"debug", &slog.HandlerOptions{Level: slog.LevelDebug}},
	{"source", &slog.HandlerOptions{AddSource: true, Level: slog.Level(-10)}},
	{"drop-time", &slog.HandlerOptions{Level: slog.Level(-10), ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		if len(gs) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}},
	{"rename", &slog.HandlerOptions{AddSource: true, Level: slog.Level(-10), ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		switch {
		case len(gs) == 0 && a.Key == slog.MessageKey:
			a.Key = "_msg"
		case len(gs) == 0 && a.Key == slog.LevelKey:
			a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
		case a.Key == "a":
			a.Key = strings.Join(gs, ".") + ".a"
		}
		return a
	}}},
	{"drop-some", &slog.HandlerOptions{Level: slog.Level(-10), ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		if a.Key == "b" || a.Key == "id" || len(gs) > 1 || a.Key == "file" {
			return slog.Attr{}
		}
		return a
	}}},
	{"transform", &slog.HandlerOptions{AddSource: true, Level: slog.Level(-10), ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case "c":
			return slog.Group("cg", slog.String("was", a.Value.String()), slog.Int("depth", len(gs)))
		case "n":
			return slog.Any("n", valuer{slog.Int64Value(int64(len(gs)))})
		case slog.TimeKey:
			if len(gs) == 0 && a.Value.Kind() == slog.KindTime {
				return slog.Int64(a.Key, a.Value.Time().UnixMilli())
			}
		case slog.SourceKey:
			if src, ok := a.Value.Any().(*slog.Source); ok {
				return slog.String("src", fmt.Sprintf("%s:%d", src.File, src.Line))
			}
		case "":
			return slog.String("empty", "key")
		}
		return a
	}}},
	{"drop-all", &slog.HandlerOptions{Level: slog.Level(-10), ReplaceAttr: func(gs []string, a slog.Attr) slog.Attr {
		if len(gs) == 0 && (a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
			return a
		}
		return slog.Attr{}
	}}},
	{"error-level", &slog.HandlerOptions{Level: slog.LevelError}},
}

// chain derives a handler through a random sequence of WithAttrs and
// WithGroup calls; apply is called on both handlers with the same sequence.
type step struct {
	group string
	attrs []slog.Attr
}

func (g *gen) chain() []step {
	n := g.intn(5)
	steps := make([]step, n)
	for i := range steps {
		if g.chance(50) {
			steps[i].group = []string{"g", "h", "req", "", "a.b", "\"q\""}[g.intn(6)]
			if steps[i].group == "" && g.chance(50) {
				steps[i].group = "x"
			}
		} else {
			k := g.intn(4)
			steps[i].attrs = g.attrs(0, k)
			if g.chance(10) {
				steps[i].attrs = append(steps[i].attrs, slog.Group("empty"))
			}
		}
	}
	return steps
}

func applyChain(h slog.Handler, steps []step) slog.Handler {
	for _, s := range steps {
		if s.attrs != nil {
			h = h.WithAttrs(append([]slog.Attr(nil), s.attrs...))
		} else {
			h = h.WithGroup(s.group)
		}
	}
	return h
}

// panicStack matches the call stack slog appends to "LogValue panicked":
// it names the handler's own functions, so it cannot be identical between
// two handlers and is masked before comparing.
var panicStack = regexp.MustCompile(`(?i)LogValue panicked(\\n[^"]*)`)

func normalize(b []byte) string {
	return panicStack.ReplaceAllString(string(b), "LogValue panicked<stack>")
}

func newPRNG(seed uint64) source { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
