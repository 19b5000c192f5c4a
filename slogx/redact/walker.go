package redact

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"
)

// result says what walking a value found.
type result uint8

const (
	same    result = iota // nothing to redact
	changed               // a redacted copy was made
	masked                // the whole value is secret (or could not be copied): replace it
)

// walker walks a value inside an Any attribute. It copies only along the
// paths that lead to a secret, so the caller's value is never modified.
type walker struct {
	c    *config
	path []string  // for dotted keys
	ptrs []uintptr // pointers on the current path, to stop at cycles
}

var (
	errorType     = reflect.TypeFor[error]()
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// iface redacts x, a value that slog or encoding/json will print through
// its methods if it has them. It returns the value to log in x's place.
func (w *walker) iface(x any, depth int) (any, result) {
	switch t := x.(type) {
	case nil, bool, int, time.Time, time.Duration:
		return x, same
	case float64, int64, uint64, json.Number:
		// A body decoded from JSON holds a card number as a float64.
		if isCardNumber(t) {
			return x, masked
		}
		return x, same
	case *http.Cookie:
		if c, ch := w.cookie(t); ch {
			return c, changed
		}
		return x, same
	case url.Values:
		if v, ch := w.urlValues(t); ch {
			return v, changed
		}
		return x, same
	case []byte:
		// Text handlers print bytes as a string, JSON as base64: both
		// carry the secret.
		if s, ch := w.c.eng.scan(string(t), false); ch {
			return []byte(s), changed
		}
		return x, same
	case string:
		if s, ch := w.c.eng.scan(t, false); ch {
			return s, changed
		}
		return x, same
	case *url.URL:
		if t == nil {
			return x, same
		}
		if u, ch := w.url(t); ch {
			return u, changed
		}
		return x, same
	case url.URL:
		if u, ch := w.url(&t); ch {
			return *u, changed
		}
		return x, same
	case json.RawMessage:
		if s, ch := w.c.eng.scan(string(t), false); ch {
			return rawOrString(s), changed
		}
		return x, same
	}
	if depth > w.c.maxDepth {
		return x, masked
	}
	// How the value is printed: slog.JSONHandler prints an error's text
	// unless it marshals itself, encoding/json uses MarshalJSON or
	// MarshalText, and text handlers use MarshalText or fmt (Error, String).
	jm, isJM := x.(json.Marshaler)
	tm, isTM := x.(encoding.TextMarshaler)
	var best any
	check := func(text string, ok, isJSON bool) {
		if !ok {
			return
		}
		if s, ch := w.c.eng.scan(text, false); ch && best == nil {
			best = s
			if isJSON {
				best = rawOrString(s)
			}
		}
	}
	if err, ok := x.(error); ok {
		t, ok := callString(err.Error)
		check(t, ok, false)
	}
	if s, ok := x.(fmt.Stringer); ok {
		t, ok := callString(s.String)
		check(t, ok, false)
	}
	if isTM {
		t, ok := callBytes(tm.MarshalText)
		check(t, ok, false)
	}
	if isJM {
		t, ok := callBytes(jm.MarshalJSON)
		check(t, ok, true)
	}
	if best != nil {
		return best, changed
	}
	if _, isErr := x.(error); isJM || isTM || isErr {
		// Printed through the methods just checked; the fields do not show.
		return x, same
	}
	v := reflect.ValueOf(x)
	nv, r := w.walkData(v, depth)
	if r == changed {
		return nv.Interface(), changed
	}
	return x, r
}

// walk redacts v, descending into pointers, interfaces, structs, maps,
// slices and arrays. The value it returns has v's type. A value that
// prints itself (MarshalJSON, String, ...) is judged by what it prints.
func (w *walker) walk(v reflect.Value, depth int) (reflect.Value, result) {
	if depth > w.c.maxDepth {
		return v, masked
	}
	if k := v.Kind(); k != reflect.Interface && k != reflect.String && v.CanInterface() && printsItself(v.Type()) {
		if k == reflect.Pointer && v.IsNil() {
			return v, same
		}
		nx, r := w.iface(v.Interface(), depth)
		if r == changed {
			return w.fit(v.Type(), nx), changed
		}
		return v, r
	}
	return w.walkData(v, depth)
}

// walkData is walk for a value whose methods, if any, were looked at.
func (w *walker) walkData(v reflect.Value, depth int) (reflect.Value, result) {
	if depth > w.c.maxDepth {
		return v, masked
	}
	switch v.Kind() {
	case reflect.String:
		if s, ch := w.c.eng.scan(v.String(), false); ch {
			nv := reflect.New(v.Type()).Elem()
			nv.SetString(s)
			return nv, changed
		}
	case reflect.Interface:
		if v.IsNil() {
			return v, same
		}
		e := v.Elem()
		if !e.CanInterface() {
			if _, r := w.walk(e, depth+1); r != same {
				return v, masked // read-only: cannot be copied with a change
			}
			return v, same
		}
		nx, r := w.iface(e.Interface(), depth+1)
		if r != changed {
			return v, r
		}
		nv := reflect.New(v.Type()).Elem()
		if xv := reflect.ValueOf(nx); xv.Type().AssignableTo(v.Type()) {
			nv.Set(xv)
		}
		return nv, changed
	case reflect.Pointer:
		if v.IsNil() {
			return v, same
		}
		p := v.Pointer()
		for _, q := range w.ptrs {
			if q == p {
				return v, same // a cycle; encoders refuse to print it
			}
		}
		w.ptrs = append(w.ptrs, p)
		e, r := w.walk(v.Elem(), depth+1)
		w.ptrs = w.ptrs[:len(w.ptrs)-1]
		if r == changed {
			np := reflect.New(v.Type().Elem())
			np.Elem().Set(e)
			return np, changed
		}
		return v, r
	case reflect.Struct:
		return w.structValue(v, depth)
	case reflect.Map:
		return w.mapValue(v, depth)
	case reflect.Slice:
		if v.IsNil() || v.Len() == 0 {
			return v, same
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if s, ch := w.c.eng.scan(string(v.Bytes()), false); ch {
				return reflect.ValueOf([]byte(s)).Convert(v.Type()), changed
			}
			return v, same
		}
		if !mayHoldText(v.Type().Elem()) {
			return v, same
		}
		return w.list(v, depth, func() reflect.Value {
			ns := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(ns, v)
			return ns
		})
	case reflect.Array:
		if v.Len() == 0 || !mayHoldText(v.Type().Elem()) {
			return v, same
		}
		return w.list(v, depth, func() reflect.Value {
			na := reflect.New(v.Type()).Elem()
			na.Set(v)
			return na
		})
	}
	return v, same
}

var printsCache sync.Map // reflect.Type → bool

// printsItself reports whether values of t print themselves, through
// Error, String, MarshalJSON or MarshalText.
func printsItself(t reflect.Type) bool {
	if p, ok := printsCache.Load(t); ok {
		return p.(bool)
	}
	p := t.Implements(errorType) || t.Implements(stringerType) ||
		t.Implements(jsonMarshaler) || t.Implements(textMarshaler)
	printsCache.Store(t, p)
	return p
}

// mayHoldText reports whether a value of type t can contain text at all;
// slices of numbers need no walking.
func mayHoldText(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128,
		reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	}
	return true
}

// fit returns x as a value of type t: x itself when it is assignable, the
// zero value otherwise (a redacted string cannot stand in a *MyType).
func (w *walker) fit(t reflect.Type, x any) reflect.Value {
	if xv := reflect.ValueOf(x); xv.IsValid() && xv.Type().AssignableTo(t) {
		return xv
	}
	return reflect.Zero(t)
}

// mask returns the value standing for a secret of type t: the replacement
// where a string fits, the zero value where it does not.
func (w *walker) mask(t reflect.Type, secret reflect.Value) reflect.Value {
	repl := w.c.eng.replacement
	if w.c.eng.hashes != nil {
		text := ""
		if secret.IsValid() && secret.CanInterface() {
			text = anyText(secret.Interface())
		}
		repl = w.c.eng.replacementFor(text)
	}
	switch {
	case t.Kind() == reflect.String:
		nv := reflect.New(t).Elem()
		nv.SetString(repl)
		return nv
	case t.Kind() == reflect.Interface && reflect.TypeFor[string]().AssignableTo(t):
		nv := reflect.New(t).Elem()
		nv.Set(reflect.ValueOf(repl))
		return nv
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.String:
		np := reflect.New(t.Elem())
		np.Elem().SetString(repl)
		return np
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		// http.Header and the like: one replacement stands for the list.
		ns := reflect.MakeSlice(t, 1, 1)
		ns.Index(0).SetString(repl)
		return ns
	}
	return reflect.Zero(t)
}

func (w *walker) list(v reflect.Value, depth int, copyOf func() reflect.Value) (reflect.Value, result) {
	var out reflect.Value
	for i := 0; i < v.Len(); i++ {
		e := v.Index(i)
		ne, r := w.walk(e, depth+1)
		if r == same {
			continue
		}
		if !out.IsValid() {
			if !v.CanInterface() {
				return v, masked
			}
			out = copyOf()
		}
		if r == masked {
			ne = w.mask(e.Type(), e)
		}
		out.Index(i).Set(ne)
	}
	if out.IsValid() {
		return out, changed
	}
	return v, same
}

func (w *walker) pushPath(name string) {
	if len(w.c.keys.dotted) > 0 {
		w.path = append(w.path, name)
	}
}

func (w *walker) popPath() {
	if len(w.c.keys.dotted) > 0 {
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) mapValue(v reflect.Value, depth int) (reflect.Value, result) {
	if v.IsNil() || v.Len() == 0 {
		return v, same
	}
	t := v.Type()
	stringKeys := t.Key().Kind() == reflect.String
	if !stringKeys && !mayHoldText(t.Elem()) {
		return v, same
	}
	// A change sets key k to v, under the new key nk when the key itself
	// held a secret (map[email]count): keys are printed as much as values.
	type change struct{ k, nk, v reflect.Value }
	var changes []change
	it := v.MapRange()
	for it.Next() {
		k, e := it.Key(), it.Value()
		ch := change{k: k, nk: k}
		if stringKeys {
			if nk, kch := w.c.eng.scan(k.String(), false); kch {
				ch.nk = reflect.New(t.Key()).Elem()
				ch.nk.SetString(nk)
			}
		}
		var r result
		if stringKeys && w.c.keys.match(w.path, k.String()) && !isEmptyText(e) {
			r = masked
		} else {
			if stringKeys {
				w.pushPath(k.String())
			}
			ch.v, r = w.walk(e, depth+1)
			if stringKeys {
				w.popPath()
			}
		}
		if r == masked {
			ch.v = w.mask(t.Elem(), e)
		}
		if r != same || ch.nk != k {
			if r == same {
				ch.v = e
			}
			changes = append(changes, ch)
		}
	}
	if len(changes) == 0 {
		return v, same
	}
	if !v.CanInterface() {
		return v, masked
	}
	nm := reflect.MakeMapWithSize(t, v.Len())
	it = v.MapRange()
	for it.Next() {
		nm.SetMapIndex(it.Key(), it.Value())
	}
	for _, ch := range changes {
		if ch.nk != ch.k {
			nm.SetMapIndex(ch.k, reflect.Value{}) // delete
		}
	}
	for _, ch := range changes {
		nm.SetMapIndex(ch.nk, ch.v)
	}
	return nm, changed
}

// fieldInfo describes one struct field as the JSON encoder prints it.
type fieldInfo struct {
	index    int
	name     string // the Go name
	jsonName string // the name JSON prints, or the Go name
	tagged   bool   // redact:"true": always masked
	exported bool
	embedded bool // an embedded struct whose exported fields are promoted
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fi := fieldInfo{index: i, name: sf.Name, jsonName: sf.Name, exported: sf.IsExported()}
		fi.embedded = sf.Anonymous && (sf.Type.Kind() == reflect.Struct ||
			sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct)
		if !fi.exported && !fi.embedded {
			continue // not printed by encoding/json
		}
		if tag, ok := sf.Tag.Lookup("json"); ok {
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" && !strings.HasPrefix(tag, "-,") {
				continue
			}
			if name != "" {
				fi.jsonName = name
			}
		}
		fi.tagged = sf.Tag.Get("redact") == "true"
		fs = append(fs, fi)
	}
	fieldCache.Store(t, fs)
	return fs
}

func (w *walker) structValue(v reflect.Value, depth int) (reflect.Value, result) {
	var out reflect.Value
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		var (
			nf reflect.Value
			r  result
		)
		switch {
		case isEmptyText(fv):
			continue
		case f.tagged || (!f.embedded && (w.c.keys.match(w.path, f.jsonName) ||
			(f.name != f.jsonName && w.c.keys.match(w.path, f.name)))):
			r = masked
		default:
			if !f.embedded {
				w.pushPath(f.jsonName)
			}
			nf, r = w.walk(fv, depth+1)
			if !f.embedded {
				w.popPath()
			}
		}
		if r == same {
			continue
		}
		if !f.exported || !v.CanInterface() {
			// An unexported embedded struct cannot be written: mask the
			// whole value rather than print the secret.
			return v, masked
		}
		if !out.IsValid() {
			out = reflect.New(v.Type()).Elem()
			out.Set(v)
		}
		if r == masked {
			nf = w.mask(fv.Type(), fv)
		}
		out.Field(f.index).Set(nf)
	}
	if out.IsValid() {
		return out, changed
	}
	return v, same
}
