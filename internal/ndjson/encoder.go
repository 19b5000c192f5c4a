package ndjson

import (
	"log/slog"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"go.slogx.dev/internal/ctxattrs"
)

// Options configures an [Encoder]. The zero value encodes exactly as
// slog.JSONHandler does with zero slog.HandlerOptions.
type Options struct {
	// AddSource adds the source position of the log call under SourceKey.
	AddSource bool

	// ReplaceAttr has the semantics of slog.HandlerOptions.ReplaceAttr,
	// including the calls for the built-in attributes.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// Keys of the built-in attributes. Empty means slog's own key
	// (slog.TimeKey, slog.LevelKey, slog.MessageKey, slog.SourceKey), so that
	// the zero Options match slog.JSONHandler.
	TimeKey, LevelKey, MessageKey, SourceKey string

	// AppendTime appends the JSON value (quotes included) of the record's
	// time. Nil means slog's format: RFC 3339 with nanoseconds, trailing
	// zeros trimmed. It applies to the built-in time only; time values in
	// attributes keep slog's format.
	AppendTime func(dst []byte, t time.Time) []byte

	// AppendLevel appends the JSON value (quotes included) of the record's
	// level. Nil means slog's: the quoted Level.String().
	AppendLevel func(dst []byte, l slog.Level) []byte
}

// Encoder appends records as single-line JSON objects. It is immutable:
// WithAttrs and WithGroup return new encoders that share nothing mutable
// with the receiver, so one Encoder may be used from many goroutines.
type Encoder struct {
	opts                                 Options
	timeKey, levelKey, msgKey, sourceKey string
	timeJSON, levelJSON, msgJSON         []byte    // the keys quoted, escaped and followed by ':'
	levelPairs                           [4][]byte // levelJSON and the quoted names of slog's four levels, DEBUG up
	openTime, openMsg                    []byte    // `{"time":"` and `"msg":"`: what precedes the text of each
	prefix                               []byte    // pre-encoded WithAttrs output, without a leading comma
	groups                               []string
	nOpenGroups                          int // groups already opened inside prefix
	local                                bool
}

// New returns an Encoder for opts.
func New(opts Options) *Encoder {
	e := &Encoder{opts: opts}
	e.timeKey = orDefault(opts.TimeKey, slog.TimeKey)
	e.levelKey = orDefault(opts.LevelKey, slog.LevelKey)
	e.msgKey = orDefault(opts.MessageKey, slog.MessageKey)
	e.sourceKey = orDefault(opts.SourceKey, slog.SourceKey)
	// The built-in keys are the same in every record: escape them once.
	e.timeJSON = quotedKey(e.timeKey)
	e.levelJSON = quotedKey(e.levelKey)
	e.msgJSON = quotedKey(e.msgKey)
	e.openTime = append(append([]byte{'{'}, e.timeJSON...), '"')
	e.openMsg = append(slices.Clip(e.msgJSON), '"')
	for i, name := range [...]string{`"DEBUG"`, `"INFO"`, `"WARN"`, `"ERROR"`} {
		e.levelPairs[i] = append(slices.Clip(e.levelJSON), name...)
	}
	return e
}

func quotedKey(k string) []byte {
	s := state{}
	s.appendKey(k)
	return s.buf
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Local reports whether an attribute bound with WithAttrs was the
// local-only marker, which makes every record of this encoder host-local.
func (e *Encoder) Local() bool { return e.local }

func (e *Encoder) clone() *Encoder {
	e2 := *e
	e2.prefix = slices.Clip(e.prefix)
	e2.groups = slices.Clip(e.groups)
	return &e2
}

// WithAttrs returns an encoder whose records carry as after the receiver's
// own attributes, pre-encoded once here rather than for every record.
func (e *Encoder) WithAttrs(as []slog.Attr) *Encoder {
	local := ctxattrs.AnyLocal(as)
	if countEmptyGroups(as) == len(as) {
		return e
	}
	e2 := e.clone()
	e2.local = e2.local || local
	s := e2.newState(e2.prefix)
	defer s.free()
	if len(e2.prefix) > 0 {
		s.sep = e2.prefix[len(e2.prefix)-1] != '{'
	}
	pos := len(s.buf)
	s.openGroups()
	if !s.appendAttrs(as) {
		s.buf = s.buf[:pos]
	} else {
		e2.nOpenGroups = len(e2.groups)
	}
	e2.prefix = s.buf
	return e2
}

// WithGroup returns an encoder that qualifies later attributes with name.
// Like slog.JSONHandler, it does not treat the empty name specially; the
// slog.Logger does that before a handler sees it.
func (e *Encoder) WithGroup(name string) *Encoder {
	e2 := e.clone()
	e2.groups = append(e2.groups, name)
	return e2
}

// AppendRecord appends r as one JSON object and a newline to dst.
// ctxAttrs (see ctxattrs.From) are written at the top level, right after
// the built-in attributes, whatever groups the encoder has open.
//
// r is passed by pointer because a Record is some 300 bytes; it is not
// modified.
func (e *Encoder) AppendRecord(dst []byte, r *slog.Record, ctxAttrs []slog.Attr) []byte {
	dst, _ = e.AppendRecordLocal(dst, r, ctxAttrs)
	return dst
}

// AppendRecordLocal is AppendRecord that also reports whether the record
// carried the local-only marker among its attributes, found on the way
// rather than by a second pass over them. Sinks drop such records.
func (e *Encoder) AppendRecordLocal(dst []byte, r *slog.Record, ctxAttrs []slog.Attr) (out []byte, local bool) {
	s := state{e: e, buf: dst}
	if e.opts.ReplaceAttr != nil {
		s.initGroups()
	}
	// The built-in attributes are not in a group, and ReplaceAttr sees none.
	groups := s.groups
	s.groups = nil
	rep := e.opts.ReplaceAttr
	if !r.Time.IsZero() && rep == nil && e.opts.AppendTime == nil {
		// Nearly every record: the brace, key and opening quote in one copy.
		s.buf = append(s.buf, e.openTime...)
		s.sep = true
		s.appendQuotedTimeRest(r.Time, &recordSecond)
	} else if s.buf = append(s.buf, '{'); !r.Time.IsZero() {
		if rep == nil {
			s.appendRawKey(e.timeJSON)
			s.appendBuiltinTime(r.Time)
		} else {
			// Strip the monotonic reading, as slog does, before user code sees it.
			s.appendReplacedBuiltin(slog.Time(e.timeKey, r.Time.Round(0)))
		}
	}
	if rep == nil {
		if d := uint(r.Level - slog.LevelDebug); d <= 12 && d%4 == 0 && e.opts.AppendLevel == nil {
			s.appendRawKey(e.levelPairs[d/4]) // nearly every record: key and level in one copy
		} else {
			s.appendRawKey(e.levelJSON)
			s.appendBuiltinLevel(r.Level)
		}
	} else {
		s.appendReplacedBuiltin(slog.Any(e.levelKey, r.Level))
	}
	if e.opts.AddSource {
		src := r.Source()
		if src == nil {
			src = &slog.Source{}
		}
		s.appendAttr(slog.Any(e.sourceKey, src))
	}
	if rep == nil {
		s.appendRawKey(e.openMsg)
		s.buf = append(AppendEscaped(s.buf, r.Message), '"')
	} else {
		s.appendAttr(slog.String(e.msgKey, r.Message))
	}
	if len(ctxAttrs) > 0 {
		// Context attributes live at the root: ReplaceAttr sees them outside
		// every group, and groups inside them are tracked on their own stack.
		if groups != nil {
			s.groups = groupPool.Get().(*[]string)
		}
		for _, a := range ctxAttrs {
			s.appendAttr(a)
		}
		s.free()
	}
	s.groups = groups
	s.appendNonBuiltIns(r)
	s.buf = append(s.buf, '\n')
	s.free()
	return s.buf, s.local
}

// appendReplacedBuiltin passes a built-in attribute through ReplaceAttr and
// keeps the encoder's own time and level formats when the value is still a
// time or a level.
func (s *state) appendReplacedBuiltin(a slog.Attr) {
	a = s.e.opts.ReplaceAttr(nil, a)
	a.Value = a.Value.Resolve()
	switch v := a.Value; {
	case v.Kind() == slog.KindTime && s.e.opts.AppendTime != nil:
		s.appendKey(a.Key)
		s.appendBuiltinTime(v.Time())
	case v.Kind() == slog.KindAny && s.e.opts.AppendLevel != nil:
		if l, ok := v.Any().(slog.Level); ok {
			s.appendKey(a.Key)
			s.appendBuiltinLevel(l)
			return
		}
		s.emitAttr(a, v.Kind())
	default:
		s.emitAttr(a, v.Kind())
	}
}

// appendBuiltinTime appends the record's time. The monotonic clock reading
// is stripped only for AppendTime, as slog strips it for ReplaceAttr: the
// encoder's own format reads nothing but the wall clock.
func (s *state) appendBuiltinTime(t time.Time) {
	if f := s.e.opts.AppendTime; f != nil {
		s.buf = f(s.buf, t.Round(0))
		return
	}
	s.appendTimeFrom(t, &recordSecond)
}

func (s *state) appendBuiltinLevel(l slog.Level) {
	if f := s.e.opts.AppendLevel; f != nil {
		s.buf = f(s.buf, l)
		return
	}
	s.buf = append(s.buf, '"')
	s.buf = AppendLevelName(s.buf, l)
	s.buf = append(s.buf, '"')
}

// AppendLevelName appends l.String() ("INFO", "WARN+2", "DEBUG-1") without
// the allocation Level.String makes for levels between the named ones.
// The name never needs JSON escaping.
func AppendLevelName(dst []byte, l slog.Level) []byte {
	base, d := "ERROR", l-slog.LevelError
	switch {
	case l < slog.LevelInfo:
		base, d = "DEBUG", l-slog.LevelDebug
	case l < slog.LevelWarn:
		base, d = "INFO", l-slog.LevelInfo
	case l < slog.LevelError:
		base, d = "WARN", l-slog.LevelWarn
	}
	dst = append(dst, base...)
	if d == 0 {
		return dst
	}
	if d > 0 {
		dst = append(dst, '+')
	}
	return appendInt(dst, int64(d))
}

func (s *state) appendNonBuiltIns(r *slog.Record) {
	e := s.e
	if len(e.prefix) > 0 {
		if s.sep {
			s.buf = append(s.buf, ',')
		}
		s.buf = append(s.buf, e.prefix...)
		s.sep = e.prefix[len(e.prefix)-1] != '{'
	}
	nOpenGroups := e.nOpenGroups
	// The groups not yet open are opened at the first attribute, rather
	// than after asking r.NumAttrs, which copies the whole Record. And
	// ReplaceAttr may drop every attribute, so they are kept only if
	// something lands inside.
	pos, opened, empty := len(s.buf), false, true
	r.Attrs(func(a slog.Attr) bool {
		if !opened {
			s.openGroups()
			opened = true
		}
		if s.appendAttr(a) {
			empty = false
		}
		return true
	})
	if opened {
		if empty {
			s.buf = s.buf[:pos]
		} else {
			nOpenGroups = len(e.groups)
		}
	}
	for range nOpenGroups {
		s.buf = append(s.buf, '}')
	}
	s.buf = append(s.buf, '}')
}

// state is the per-call encoding state. It mirrors slog's handleState so
// that every quirk of slog.JSONHandler's output is reproduced.
type state struct {
	e      *Encoder
	buf    []byte
	sep    bool      // write a comma before the next key
	groups *[]string // open groups, kept only for ReplaceAttr
	local  bool      // the local-only marker was among the attributes
}

var groupPool = sync.Pool{New: func() any {
	s := make([]string, 0, 10)
	return &s
}}

func (e *Encoder) newState(buf []byte) state {
	s := state{e: e, buf: buf}
	if e.opts.ReplaceAttr != nil {
		s.initGroups()
	}
	return s
}

// initGroups starts the group list ReplaceAttr sees with the groups already
// open in the pre-encoded attributes.
func (s *state) initGroups() {
	s.groups = groupPool.Get().(*[]string)
	*s.groups = append((*s.groups)[:0], s.e.groups[:s.e.nOpenGroups]...)
}

func (s *state) free() {
	if gs := s.groups; gs != nil {
		clear(*gs)
		*gs = (*gs)[:0]
		groupPool.Put(gs)
		s.groups = nil
	}
}

func (s *state) openGroups() {
	for _, n := range s.e.groups[s.e.nOpenGroups:] {
		s.openGroup(n)
	}
}

func (s *state) openGroup(name string) {
	s.appendKey(name)
	s.buf = append(s.buf, '{')
	s.sep = false
	if s.groups != nil {
		*s.groups = append(*s.groups, name)
	}
}

func (s *state) closeGroup() {
	s.buf = append(s.buf, '}')
	s.sep = true
	if s.groups != nil {
		*s.groups = (*s.groups)[:len(*s.groups)-1]
	}
}

// appendAttrs reports whether anything was appended.
func (s *state) appendAttrs(as []slog.Attr) bool {
	nonEmpty := false
	for _, a := range as {
		if s.appendAttr(a) {
			nonEmpty = true
		}
	}
	return nonEmpty
}

// appendAttr resolves a, passes it through ReplaceAttr, and appends it.
// It reports whether something was appended.
func (s *state) appendAttr(a slog.Attr) bool {
	k := a.Value.Kind()
	if s.e.opts.ReplaceAttr == nil {
		// Without ReplaceAttr the common kinds need neither resolving nor
		// the checks emitAttr makes for groups, nil values and sources:
		// their key and value go straight out.
		switch k {
		case slog.KindString:
			s.appendKey(a.Key)
			s.appendString(a.Value.String())
			return true
		case slog.KindInt64:
			s.appendKey(a.Key)
			s.buf = appendInt(s.buf, a.Value.Int64())
			return true
		case slog.KindDuration:
			s.appendKey(a.Key)
			s.buf = appendInt(s.buf, int64(a.Value.Duration()))
			return true
		case slog.KindTime:
			s.appendKey(a.Key)
			s.appendTime(a.Value.Time())
			return true
		case slog.KindAny:
			if err, ok := a.Value.Any().(error); ok {
				s.appendKey(a.Key)
				s.appendErrorValue(err)
				return true
			}
		}
	}
	return s.appendAttrKind(a, k)
}

// appendAttrKind is appendAttr for the other cases, kept apart so that
// appendAttr's common path stays small (a smaller frame, fewer spills).
func (s *state) appendAttrKind(a slog.Attr, k slog.Kind) bool {
	if k == slog.KindLogValuer {
		if ctxattrs.IsLocalOnly(a) {
			s.local = true // it resolves to nothing; only its presence counts
		}
		a.Value = a.Value.Resolve()
		k = a.Value.Kind()
	}
	if rep := s.e.opts.ReplaceAttr; rep != nil && k != slog.KindGroup {
		var gs []string
		if s.groups != nil {
			gs = *s.groups
		}
		a = rep(gs, a)
		a.Value = a.Value.Resolve()
		k = a.Value.Kind()
	}
	return s.emitAttr(a, k)
}

// emitAttr appends an attribute that has been resolved and replaced; k is
// its kind, computed once by the caller because Kind is not free.
func (s *state) emitAttr(a slog.Attr, k slog.Kind) bool {
	switch k {
	case slog.KindGroup:
		return s.emitGroup(a.Key, a.Value.Group())
	case slog.KindAny:
		switch x := a.Value.Any().(type) {
		case nil:
			if a.Key == "" {
				return false // the zero Attr, which handlers must ignore
			}
		case *slog.Source:
			if x == nil || *x == (slog.Source{}) {
				return false
			}
			return s.emitGroup(a.Key, sourceGroup(x).Group())
		}
	}
	s.appendKey(a.Key)
	s.appendValue(a.Value, k)
	return true
}

func (s *state) emitGroup(key string, attrs []slog.Attr) bool {
	if len(attrs) == 0 {
		return true // slog reports an empty group as appended; so do we
	}
	// slog rolls back the buffer of a group that ends up empty but not the
	// separator state; reproducing that keeps the output byte-identical.
	pos := len(s.buf)
	if key != "" {
		s.openGroup(key)
	}
	if !s.appendAttrs(attrs) {
		s.buf = s.buf[:pos]
		return false
	}
	if key != "" {
		s.closeGroup()
	}
	return true
}

func countEmptyGroups(as []slog.Attr) int {
	n := 0
	for _, a := range as {
		if a.Value.Kind() == slog.KindGroup && len(a.Value.Group()) == 0 {
			n++
		}
	}
	return n
}

func sourceGroup(src *slog.Source) slog.Value {
	var as []slog.Attr
	if src.Function != "" {
		as = append(as, slog.String("function", src.Function))
	}
	if src.File != "" {
		as = append(as, slog.String("file", src.File))
	}
	if src.Line != 0 {
		as = append(as, slog.Int("line", src.Line))
	}
	return slog.GroupValue(as...)
}

var plainEncoder = New(Options{})

// AppendValue appends the JSON encoding of one value, by the rules the
// encoder applies to attribute values (those of slog.JSONHandler): v is
// resolved first, a group is an object of its attributes (empty groups
// inside it elided), and a value whose marshalling fails or panics is
// written as slog writes it. Non-JSON wire formats use it for values of
// kind Any.
func AppendValue(dst []byte, v slog.Value) []byte {
	s := state{e: plainEncoder, buf: dst}
	v = v.Resolve()
	if k := v.Kind(); k != slog.KindGroup {
		s.appendValue(v, k)
		return s.buf
	}
	s.buf = append(s.buf, '{')
	s.appendAttrs(v.Group())
	return append(s.buf, '}')
}

// CutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a rune, for cutting text to a limit without making it invalid.
func CutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:max(n, 0)]
}
