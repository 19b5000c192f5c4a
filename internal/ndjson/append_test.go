package ndjson

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"
)

func TestAppendLevelNameMatchesString(t *testing.T) {
	levels := []slog.Level{math.MinInt, math.MaxInt, slog.LevelDebug - 1000}
	for l := slog.Level(-40); l <= 40; l++ {
		levels = append(levels, l)
	}
	for _, l := range levels {
		if got := string(AppendLevelName([]byte("x"), l)); got != "x"+l.String() {
			t.Errorf("level %d: %q, want %q", int(l), got, "x"+l.String())
		}
	}
}

// TestAppendValue checks one value at a time against what slog.JSONHandler
// writes for an attribute with that value.
func TestAppendValue(t *testing.T) {
	type point struct{ X, Y int }
	for _, v := range []slog.Value{
		slog.StringValue("a\"b\n\u2028<tag>\xff"), slog.IntValue(-7), slog.Uint64Value(math.MaxUint64), slog.Float64Value(0.1),
		slog.Float64Value(math.NaN()), slog.BoolValue(true), slog.DurationValue(1500 * time.Millisecond),
		slog.TimeValue(time.Date(2026, 12, 1, 18, 0, 0, 5, time.UTC)), slog.AnyValue(errors.New("boom")),
		slog.AnyValue(point{1, 2}), slog.AnyValue(map[string]int{"a": 1}), slog.AnyValue(nil), slog.AnyValue(slog.LevelWarn + 3),
		slog.GroupValue(slog.Int("a", 1), slog.Group("empty"), slog.Group("g", slog.String("b", "c"))),
		slog.AnyValue(slog.GroupValue()),
	} {
		got := AppendValue(nil, v)
		var want []byte
		h := slog.NewJSONHandler(writerFunc(func(p []byte) { want = append(want[:0], p...) }), &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
					return slog.Attr{}
				}
				return a
			},
		})
		r := slog.NewRecord(time.Time{}, 0, "", 0)
		r.AddAttrs(slog.Attr{Key: "v", Value: v})
		_ = h.Handle(t.Context(), r)
		wantV := string(want)
		if len(wantV) > len(`{"v":}`+"\n") {
			wantV = wantV[len(`{"v":`) : len(wantV)-2]
		} else {
			wantV = "{}" // slog elides an empty group; AppendValue writes it empty
		}
		if string(got) != wantV || !json.Valid(got) {
			t.Errorf("AppendValue(%v) = %s, want %s", v, got, wantV)
		}
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestCutUTF8(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"}, {"abc", 3, "abc"}, {"abc", 2, "ab"}, {"abc", 0, ""}, {"abc", -1, ""},
		{"aé", 2, "a"}, {"aé", 3, "aé"}, {"日本", 4, "日"}, {"日本", 2, ""}, {"\xff\xfe", 1, "\xff"},
	} {
		if got := CutUTF8(c.s, c.n); got != c.want {
			t.Errorf("CutUTF8(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
