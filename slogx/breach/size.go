package breach

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"unsafe"

	"go.slogx.dev/internal/ctxattrs"
)

// Sizes used by the byte accounting: what a buffered record keeps alive.
const (
	entrySize = int64(unsafe.Sizeof(entry{}))
	attrSize  = int64(unsafe.Sizeof(slog.Attr{}))
	// recordFront is how many attributes a slog.Record stores inline; the
	// rest live in a separate slice that the record keeps alive.
	recordFront = 5
	// maxResolveDepth bounds the recursion into groups, so that a LogValuer
	// that returns itself inside a group cannot overflow the stack at log
	// time. Deeper values stay unresolved and the target resolves them.
	maxResolveDepth = 32
	// maxFields bounds how many fields of a struct anySize looks at, so
	// that a huge struct costs a bounded walk at log time.
	maxFields = 64
	// A Go map spends about twice its keys' and values' size per entry,
	// with its control bytes and the slack in its groups: charged as
	// mapSlotFactor × (key + value) + mapEntryOverhead, on the safe side.
	mapSlotFactor    = 2
	mapEntryOverhead = 16
	// maxUnwrap bounds how many wrapped errors errorSize follows.
	maxUnwrap = 8
)

// attrCost returns the bytes a kept attribute holds beyond its slot, and
// whether it holds a LogValuer that must be resolved.
func attrCost(a slog.Attr, depth int) (size int64, resolve bool) {
	size = int64(len(a.Key))
	switch a.Value.Kind() {
	case slog.KindString:
		size += int64(len(a.Value.String()))
	case slog.KindAny:
		size += anySize(a.Value.Any())
	case slog.KindLogValuer:
		// The local-only marker must reach the target unresolved: it is
		// how the target learns that the record stays on the host.
		resolve = !ctxattrs.IsLocalOnly(a)
	case slog.KindGroup:
		g := a.Value.Group()
		size += int64(len(g)) * attrSize
		if depth >= maxResolveDepth {
			return size, false
		}
		for _, ga := range g {
			s, res := attrCost(ga, depth+1)
			size += s
			resolve = resolve || res
		}
	}
	return size, resolve
}

// anySize returns the bytes a value of kind Any keeps alive beyond the
// interface in its attribute: a []byte's backing array, an error's text
// and those of the errors it wraps, and for other types what the value holds one level down (the array
// behind a slice, a map's entries, the struct behind a pointer, with the
// strings and slices directly in that struct). It does not follow
// pointers further: what is reachable only through them is shared with
// the program, or not counted (see [Options.MaxBytes]).
func anySize(v any) int64 {
	switch x := v.(type) {
	case nil:
		return 0
	case []byte:
		return int64(cap(x))
	case string:
		return int64(len(x))
	case error:
		return errorSize(x)
	}
	return valueSize(reflect.ValueOf(v), true)
}

// errorSize charges an error for what it and the errors it wraps hold one
// level down (their texts, mostly), following Unwrap a bounded number of
// steps. It calls no Error method: those may allocate, or panic on a nil
// receiver, and the record may never be written.
func errorSize(err error) int64 {
	var n int64
	for range maxUnwrap {
		// The errors of errors.New and fmt.Errorf hold their text and
		// return it: no reflect walk for the most common errors.
		switch t := reflect.TypeOf(err); t {
		case errorStringType, wrapErrorType:
			n += int64(t.Elem().Size()) + int64(len(err.Error()))
		default:
			n += valueSize(reflect.ValueOf(err), true)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap()[:min(len(u.Unwrap()), maxUnwrap)] {
				if e != nil {
					n += valueSize(reflect.ValueOf(e), true)
				}
			}
			return n
		default:
			return n
		}
		if err == nil {
			return n
		}
	}
	return n
}

var (
	errorStringType = reflect.TypeOf(errors.New("x"))
	wrapErrorType   = reflect.TypeOf(fmt.Errorf("x: %w", errors.New("x")))
)

// valueSize returns the bytes v keeps alive beyond its own storage; with
// deep, also those of the strings and slices one level down.
func valueSize(v reflect.Value, deep bool) int64 {
	switch v.Kind() {
	case reflect.String:
		return int64(v.Len())
	case reflect.Slice:
		n := int64(v.Cap()) * int64(v.Type().Elem().Size())
		if deep && v.Type().Elem().Kind() == reflect.String {
			for i := range min(v.Len(), maxFields) {
				n += int64(v.Index(i).Len())
			}
		}
		return n
	case reflect.Map:
		t := v.Type()
		return int64(v.Len()) * (mapSlotFactor*(int64(t.Key().Size())+int64(t.Elem().Size())) + mapEntryOverhead)
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		n := int64(e.Type().Size())
		if !deep {
			return n
		}
		if e.Kind() == reflect.Struct {
			for i := range min(e.NumField(), maxFields) {
				n += valueSize(e.Field(i), false)
			}
		} else {
			n += valueSize(e, false)
		}
		return n
	case reflect.Struct:
		// Boxed into the interface: its own bytes, plus what its fields
		// point to directly (structs nested by value are not walked).
		if !deep {
			return 0
		}
		n := int64(v.Type().Size())
		for i := range min(v.NumField(), maxFields) {
			n += valueSize(v.Field(i), false)
		}
		return n
	case reflect.Array, reflect.Interface:
		if deep {
			return int64(v.Type().Size())
		}
	}
	return 0
}

func recordSize(r slog.Record) int64 {
	size := entrySize + int64(len(r.Message))
	n := 0
	r.Attrs(func(a slog.Attr) bool {
		s, _ := attrCost(a, 0)
		size += s
		n++
		return true
	})
	if n > recordFront {
		size += int64(n-recordFront) * attrSize
	}
	return size
}
