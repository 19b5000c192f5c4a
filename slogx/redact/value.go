package redact

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/slogx"
)

// maxGroupDepth bounds nested slog groups. Groups are structure the program
// wrote, not data, so the bound only stops a LogValuer that returns itself.
const maxGroupDepth = 64

// localMarker is the value behind slogx.LocalOnly, compared by identity so
// that the marker passes through unresolved: resolving it would erase it.
var localMarker = slogx.LocalOnly().Value.Any()

func isLocalOnly(a slog.Attr) bool {
	return a.Key == "" && a.Value.Kind() == slog.KindLogValuer && a.Value.Any() == localMarker
}

// clean reports whether a certainly holds nothing to redact, looking only
// at the kinds most records carry (numbers, times, strings, plain errors)
// under keys that name no secret. False means that attr must look, and
// may still find nothing. When a's text is what may hold something, f is
// its features, for textAttr: the text is not scanned twice.
func (c *config) clean(a slog.Attr, path []string) (ok bool, f feature) {
	if k := a.Key; k != "" {
		// The memo's hit path, has and sameKey written out: a call per
		// attribute would cost as much as the lookup.
		known := false
		if p := c.memo.slot(k).Load(); c.memoOnly && p != nil && len(*p) == len(k) {
			m, n := *p, len(k)
			switch {
			case uint(n-8) <= 8:
				known = load64(m[:8]) == load64(k[:8]) && load64(m[n-8:]) == load64(k[n-8:])
			case uint(n-4) < 4:
				known = load32(m[:4]) == load32(k[:4]) && load32(m[n-4:]) == load32(k[n-4:])
			case uint(n-1) < 3:
				known = m[0] == k[0] && m[n>>1] == k[n>>1] && m[n-1] == k[n-1]
			default:
				known = m == k
			}
		}
		if !known && !c.cleanKey(k, path) {
			return false, 0
		}
	}
	switch a.Value.Kind() {
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return true, 0
	case slog.KindString:
		f, may := c.eng.hints(a.Value.String())
		return !may, f
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && printsOnlyError(err) {
			var t string
			if plainError(err) {
				t = err.Error()
			} else if t, ok = callString(err.Error); !ok {
				return false, 0
			}
			if c.errs.has(t) {
				return true, 0
			}
			f, may := c.eng.hints(t)
			if !may {
				c.errs.add(t)
			}
			return !may, f
		}
	}
	return false, 0
}

// fast redacts the kinds clean looks at (numbers, times, strings, plain
// errors) under keys that name no secret, scanning each text once; done
// is false when a needs attr. It serves records that do hold something,
// from the first attribute clean could not vouch for; when clean found
// hints in that one's text, f holds them and the text is not looked at
// again.
func (c *config) fast(a slog.Attr, path []string, f feature) (na slog.Attr, changed, done bool) {
	if f == 0 && a.Key != "" && !c.cleanKey(a.Key, path) {
		return a, false, false
	}
	var text string
	switch a.Value.Kind() {
	case slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
		return a, false, true
	case slog.KindString:
		text = a.Value.String()
	case slog.KindAny:
		err, ok := a.Value.Any().(error)
		if !ok || !printsOnlyError(err) {
			return a, false, false
		}
		if text, ok = callString(err.Error); !ok {
			return a, false, false
		}
	default:
		return a, false, false
	}
	s, ch := "", false
	if f != 0 {
		s, ch = c.eng.scanHinted(text, f)
	} else {
		s, ch = c.eng.scan(text, false)
	}
	if ch {
		return slog.Attr{Key: a.Key, Value: slog.StringValue(s)}, true, true
	}
	return a, false, true
}

// cleanKey reports whether key, not empty, inside the groups of path,
// names no secret and holds nothing a detector finds. Keys found clean
// outside any dotted key's reach are remembered, and most are settled by
// the memo before this is called.
func (c *config) cleanKey(key string, path []string) bool {
	if len(c.keys.dotted) > 0 && c.keys.matchDotted(path, key) {
		return false
	}
	if c.memo.has(key) {
		return true
	}
	if c.eng.mayFind(key) || c.keys.n > 0 && c.keys.matchSingle(key) {
		return false
	}
	c.memo.add(key)
	return true
}

// attr returns a with its secrets redacted, and whether anything changed.
// path holds the enclosing groups and is only kept when dotted keys need it.
// A LogValuer is resolved, and the resolved value passed on, so that what
// was scanned is what gets written.
func (c *config) attr(a slog.Attr, path []string, depth int) (slog.Attr, bool) {
	if isLocalOnly(a) {
		return a, false
	}
	if c.keys.match(path, a.Key) && !isEmptyString(a.Value) && !isWorkingDir(a.Key, a.Value) {
		return slog.Attr{Key: a.Key, Value: slog.StringValue(c.wholeValue(a.Value))}, true
	}
	// Keys are printed too, and programs do build them from data.
	key, changed := c.eng.scan(a.Key, false)
	v := a.Value
	if v.Kind() == slog.KindLogValuer {
		v = v.Resolve()
		changed = true
	}
	switch v.Kind() {
	case slog.KindString:
		if s, ch := c.eng.scan(v.String(), false); ch {
			v, changed = slog.StringValue(s), true
		}
	case slog.KindGroup:
		if depth >= maxGroupDepth {
			v, changed = slog.StringValue(c.eng.replacement), true
			break
		}
		sub := path
		if a.Key != "" && len(c.keys.dotted) > 0 {
			sub = append(path[:len(path):len(path)], a.Key)
		}
		as := v.Group()
		var out []slog.Attr
		for i, g := range as {
			ng, ch := c.attr(g, sub, depth+1)
			if ch && out == nil {
				out = make([]slog.Attr, len(as))
				copy(out, as[:i])
			}
			if out != nil {
				out[i] = ng
			}
		}
		if out != nil {
			v, changed = slog.GroupValue(out...), true
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && printsOnlyError(err) {
			// The common case, without the walker: an error is printed
			// as its text.
			if t, ok := callString(err.Error); ok {
				if s, ch := c.eng.scan(t, false); ch {
					v, changed = slog.StringValue(s), true
				}
			}
			break
		}
		sub := path
		if a.Key != "" && len(c.keys.dotted) > 0 {
			sub = append(path[:len(path):len(path)], a.Key)
		}
		if nv, ch := c.anyValue(v.Any(), sub); ch {
			v, changed = nv, true
		}
	}
	if !changed {
		return a, false
	}
	return slog.Attr{Key: key, Value: v}, true
}

// An empty string under a secret's key is left alone: it reveals nothing,
// and "password":"" is what tells a reader that none was configured.
func isEmptyString(v slog.Value) bool {
	return v.Kind() == slog.KindString && v.String() == ""
}

// isWorkingDir reports whether v, under the key pwd, is the shell's
// working directory ($PWD) rather than a password: a path.
func isWorkingDir(key string, v slog.Value) bool {
	return v.Kind() == slog.KindString && isPathUnderPWD(key, v.String())
}

func isPathUnderPWD(key, v string) bool {
	return len(key) == 3 && hasPrefixFold(key, "pwd") && v != "" && (v[0] == '/' || v[0] == '~')
}

func isEmptyText(v reflect.Value) bool {
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	return v.Kind() == reflect.String && v.Len() == 0
}

// plainErrors are the types of the errors errors.New and fmt.Errorf
// return, which neither marshal themselves nor are TextMarshalers.
var plainErrors = [...]reflect.Type{
	reflect.TypeOf(errors.New("")),
	reflect.TypeOf(fmt.Errorf("%w", errors.New(""))),
	reflect.TypeOf(fmt.Errorf("%w %w", errors.New(""), errors.New(""))),
}

// plainError reports whether err is one of errors.New's or fmt.Errorf's:
// their Error method returns a field and cannot panic, so it is called
// without the deferred recover of callString. A nil pointer of those types
// (only reflect makes one) is left to callString.
func plainError(err error) bool {
	t := reflect.TypeOf(err)
	return (t == plainErrors[0] || t == plainErrors[1] || t == plainErrors[2]) && !reflect.ValueOf(err).IsNil()
}

// printsOnlyError reports whether every handler prints err as its Error
// text: it neither marshals itself nor is a TextMarshaler.
func printsOnlyError(err error) bool {
	// Most logged errors come from errors.New or fmt.Errorf: their type
	// settles it, without asking the two interfaces.
	if t := reflect.TypeOf(err); t == plainErrors[0] || t == plainErrors[1] || t == plainErrors[2] {
		return true
	}
	if _, ok := err.(json.Marshaler); ok {
		return false
	}
	_, ok := err.(encoding.TextMarshaler)
	return !ok
}

// wholeValue returns the replacement for a value matched by its key. Its
// text is computed only when the keyed hash needs it.
func (c *config) wholeValue(v slog.Value) string {
	if c.eng.hashes == nil {
		return c.eng.replacement
	}
	text, _ := callString(func() string { return v.Resolve().String() })
	return c.eng.replacementFor(text)
}

// anyValue redacts the value of a KindAny attribute.
func (c *config) anyValue(x any, path []string) (slog.Value, bool) {
	w := walker{c: c, path: path}
	nx, r := w.iface(x, 0)
	switch r {
	case changed:
		return slog.AnyValue(nx), true
	case masked:
		if c.eng.hashes == nil {
			return slog.StringValue(c.eng.replacement), true
		}
		return slog.StringValue(c.eng.replacementFor(anyText(x))), true
	}
	return slog.Value{}, false
}

// context returns ctx with its slogx attributes redacted. The attributes
// are replaced, not appended to, so the originals never reach the next
// handler; every other value, the deadline, cancellation and the local-only
// mark are kept.
func (c *config) context(ctx context.Context) context.Context {
	as, local := ctxattrs.From(ctx)
	if len(as) == 0 {
		return ctx
	}
	var out []slog.Attr
	for i, a := range as {
		na, ch := c.attr(a, nil, 0)
		if ch && out == nil {
			out = make([]slog.Attr, len(as))
			copy(out, as[:i])
		}
		if out != nil {
			out[i] = na
		}
	}
	if out == nil {
		return ctx
	}
	return ctxattrs.Replace(ctx, out, local)
}

// callString calls a String or Error method; a method that panics prints
// nothing that could be scanned, and the handler below will render the
// panic as it always does.
func callString(f func() string) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	return f(), true
}

func callBytes(f func() ([]byte, error)) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	b, err := f()
	if err != nil {
		return "", false
	}
	return string(b), true
}

// anyText is the text a keyed hash is computed over for a non-string value.
func anyText(x any) string {
	s, _ := callString(func() string { return fmt.Sprint(x) })
	return s
}
