package ctxattrs

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
)

func TestWithAppendsAndDoesNotDisturbParent(t *testing.T) {
	parent := With(context.Background(), slog.String("a", "1"))
	child := With(parent, slog.String("b", "2"), LocalOnly())
	if as, local := From(parent); fmt.Sprint(as) != "[a=1]" || local {
		t.Fatalf("parent = %v local=%v", as, local)
	}
	if as, local := From(child); fmt.Sprint(as) != "[a=1 b=2]" || !local {
		t.Fatalf("child = %v local=%v, want [a=1 b=2] and local", as, local)
	}
	var none context.Context // handlers can be called directly with a nil context
	if as, local := From(none); as != nil || local {
		t.Fatal("nil context must carry nothing")
	}
}

func TestReplaceShadowsAndKeepsOtherValues(t *testing.T) {
	type other struct{}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), other{}, "kept"), time.Hour)
	defer cancel()
	ctx = With(ctx, slog.String("token", "secret"), LocalOnly())
	r := Replace(ctx, []slog.Attr{slog.String("token", "[REDACTED]")}, true)
	if as, local := From(r); fmt.Sprint(as) != "[token=[REDACTED]]" || !local {
		t.Fatalf("replaced = %v local=%v", as, local)
	}
	if r.Value(other{}) != "kept" {
		t.Fatal("other context values must survive Replace")
	}
	if _, ok := r.Deadline(); !ok {
		t.Fatal("the deadline must survive Replace")
	}
}

func TestLocalOnlyMarker(t *testing.T) {
	m := LocalOnly()
	if !IsLocalOnly(m) || IsLocalOnly(slog.String("", "x")) || IsLocalOnly(slog.Any("k", m.Value)) {
		t.Fatal("IsLocalOnly must accept only the marker")
	}
	// The marker resolves to the empty attribute, which every handler drops.
	if r := m.Value.Resolve(); !(slog.Attr{Key: m.Key, Value: r}).Equal(slog.Attr{}) {
		t.Fatalf("marker resolves to %v, want the empty attribute", r)
	}
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("a", 1))
	if RecordIsLocal(r) || AnyLocal([]slog.Attr{slog.Int("a", 1)}) {
		t.Fatal("no marker, not local")
	}
	r.AddAttrs(m)
	if !RecordIsLocal(r) || !AnyLocal([]slog.Attr{slog.Int("a", 1), m}) {
		t.Fatal("marker present, must be local")
	}
}
