// Package ctxattrs carries slog attributes in a context.Context and defines
// the marker that keeps a record on the host. It is internal so that the
// encoder, the sinks and the public slogx API agree on one representation.
package ctxattrs

import (
	"context"
	"log/slog"
)

type key struct{}

// node is immutable once stored in a context, so a derived context never
// changes what an ancestor's loggers see.
type node struct {
	attrs []slog.Attr
	local bool
}

// With returns a copy of ctx whose attributes are those of ctx followed by as.
func With(ctx context.Context, as ...slog.Attr) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	prev, _ := ctx.Value(key{}).(*node)
	n := &node{}
	if prev != nil {
		n.attrs = make([]slog.Attr, 0, len(prev.attrs)+len(as))
		n.attrs = append(n.attrs, prev.attrs...)
		n.local = prev.local
	}
	for _, a := range as {
		if IsLocalOnly(a) {
			n.local = true
			continue
		}
		n.attrs = append(n.attrs, a)
	}
	return context.WithValue(ctx, key{}, n)
}

// From returns the attributes stored in ctx by With, and whether one of them
// was the local-only marker. The slice must not be modified.
func From(ctx context.Context) (attrs []slog.Attr, local bool) {
	if ctx == nil {
		return nil, false
	}
	if n, ok := ctx.Value(key{}).(*node); ok {
		return n.attrs, n.local
	}
	return nil, false
}

// localOnly resolves to the empty Value, so any slog handler, ours or not,
// elides the marker: key "" with the zero Value is the one Attr that every
// conforming handler drops.
type localOnly struct{}

func (localOnly) LogValue() slog.Value { return slog.Value{} }

// LocalOnly returns the marker attribute.
func LocalOnly() slog.Attr { return slog.Any("", localOnly{}) }

// IsLocalOnly reports whether a is the marker. It looks at the unresolved
// value, so it must be called before Resolve.
func IsLocalOnly(a slog.Attr) bool {
	if a.Key != "" || a.Value.Kind() != slog.KindLogValuer {
		return false
	}
	_, ok := a.Value.Any().(localOnly)
	return ok
}

// RecordIsLocal reports whether r carries the marker among its own attributes.
func RecordIsLocal(r slog.Record) bool {
	local := false
	r.Attrs(func(a slog.Attr) bool {
		if IsLocalOnly(a) {
			local = true
			return false
		}
		return true
	})
	return local
}

// AnyLocal reports whether as holds the marker.
func AnyLocal(as []slog.Attr) bool {
	for _, a := range as {
		if IsLocalOnly(a) {
			return true
		}
	}
	return false
}

// Replace returns a copy of ctx whose attributes are exactly as, in place of
// any stored by With (a newer value under the same key shadows the older
// one), keeping the local-only mark if local is set. Middleware that
// rewrites attributes, such as redaction, uses it so that the originals
// never reach the next handler.
func Replace(ctx context.Context, as []slog.Attr, local bool) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	n := &node{attrs: make([]slog.Attr, 0, len(as)), local: local}
	for _, a := range as {
		if IsLocalOnly(a) {
			n.local = true
			continue
		}
		n.attrs = append(n.attrs, a)
	}
	return context.WithValue(ctx, key{}, n)
}
