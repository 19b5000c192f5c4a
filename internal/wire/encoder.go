package wire

import (
	"log/slog"
	"strconv"
	"time"

	"go.slogx.dev/internal/ndjson"
)

// Encoder encodes records of one format, once, on the logging goroutine.
// It is immutable: WithAttrs and WithGroup return new encoders and share
// nothing mutable with the receiver, so one Encoder may be used from many
// goroutines. A handler keeps one per WithAttrs/WithGroup derivation, as
// slog's own handlers keep their pre-formatted state.
type Encoder struct {
	kind Kind
	json *ndjson.Encoder // every kind but OTLP
	pre  []byte          // ElasticBulk: the action line, newline included
	loki *lokiLabels     // Loki: labels found in WithAttrs
	otlp *otlpEncoder    // OTLP
}

// WithAttrs returns an encoder whose records carry as after the receiver's
// own attributes, encoded once here rather than for every record, inside
// the groups opened by WithGroup, as slog.Handler.WithAttrs specifies.
func (e *Encoder) WithAttrs(as []slog.Attr) *Encoder {
	e2 := *e
	if e.kind == OTLP {
		e2.otlp = e.otlp.withAttrs(as)
		return &e2
	}
	e2.json = e.json.WithAttrs(as)
	if e.kind == Loki {
		e2.loki = e.loki.withAttrs(as)
	}
	return &e2
}

// WithGroup returns an encoder that puts later attributes in group name.
// Like slog's handlers it does not treat the empty name specially; the
// slog.Logger does that before a handler sees it.
func (e *Encoder) WithGroup(name string) *Encoder {
	e2 := *e
	if e.kind == OTLP {
		e2.otlp = e.otlp.withGroup(name)
		return &e2
	}
	e2.json = e.json.WithGroup(name)
	if e.kind == Loki {
		e2.loki = e.loki.withGroup()
	}
	return &e2
}

// Local reports whether an attribute bound with WithAttrs was the
// local-only marker, which makes every record of this encoder host-local.
func (e *Encoder) Local() bool {
	if e.kind == OTLP {
		return e.otlp.local
	}
	return e.json.Local()
}

// AppendRecord appends the encoding of r, one item of a batch in the
// format's framing, to dst, and reports whether r carried the local-only
// marker among its own attributes (a sink then drops the bytes). ctxAttrs
// are the context attributes (ctxattrs.From), written at the top level of
// the record, outside every group, as internal/ndjson does.
//
// It allocates nothing for records of the usual kinds of values, so a
// handler can call it on every log call; r is passed by pointer because a
// Record is large, and is not modified.
func (e *Encoder) AppendRecord(dst []byte, r *slog.Record, ctxAttrs []slog.Attr) (out []byte, local bool) {
	switch e.kind {
	case NDJSON:
		return e.json.AppendRecordLocal(dst, r, ctxAttrs)
	case JSONArray, Datadog:
		dst, local = e.json.AppendRecordLocal(dst, r, ctxAttrs)
		return dst[:len(dst)-1], local // the framing separates entries
	case ElasticBulk:
		dst = append(dst, e.pre...)
		return e.json.AppendRecordLocal(dst, r, ctxAttrs)
	case Loki:
		return e.appendLoki(dst, r, ctxAttrs)
	default:
		return e.otlp.appendRecord(dst, r, ctxAttrs)
	}
}

// newJSON returns the root JSON encoder of a kind: the kind's key names
// and time and level layouts, with the program's fields bound as the first
// attributes so that they are encoded once.
func newJSON(k Kind, o *Options) *ndjson.Encoder {
	no := ndjson.Options{AddSource: o.AddSource, ReplaceAttr: o.ReplaceAttr}
	var fixed []slog.Attr
	add := func(key, val string) {
		if val != "" {
			fixed = append(fixed, slog.String(key, val))
		}
	}
	switch k {
	case Datadog:
		// Datadog's reserved attributes: "message" and "status" are
		// remapped by default, and "timestamp" in Unix milliseconds is the
		// date that both Datadog and VictoriaLogs read.
		no.MessageKey, no.LevelKey, no.TimeKey = "message", "status", "timestamp"
		no.AppendTime = appendUnixMilli
		no.AppendLevel = appendDatadogStatus
		add("service", o.Service)
		add("hostname", o.Host)
		src := o.Source
		if src == "" {
			src = "go"
		}
		add("ddsource", src)
		add("ddtags", datadogTags(o))
	case ElasticBulk:
		// Elastic Common Schema names, which data streams and Kibana expect.
		no.MessageKey, no.LevelKey, no.TimeKey = "message", "log.level", "@timestamp"
		add("service.name", o.Service)
		add("service.environment", o.Environment)
		add("service.version", o.Version)
		add("host.name", o.Host)
	default:
		add("service", o.Service)
		add("environment", o.Environment)
		add("version", o.Version)
		add("host", o.Host)
	}
	enc := ndjson.New(no)
	if len(fixed) > 0 {
		enc = enc.WithAttrs(fixed)
	}
	return enc
}

func datadogTags(o *Options) string {
	var tags []byte
	if o.Environment != "" {
		tags = append(tags, "env:"...)
		tags = append(tags, o.Environment...)
	}
	if o.Version != "" {
		if len(tags) > 0 {
			tags = append(tags, ',')
		}
		tags = append(tags, "version:"...)
		tags = append(tags, o.Version...)
	}
	return string(tags)
}

func appendUnixMilli(dst []byte, t time.Time) []byte {
	return strconv.AppendInt(dst, t.UnixMilli(), 10)
}

// appendDatadogStatus maps a slog level to the Datadog status of its
// band: the status remapper knows "debug", "info", "warn", "error" and
// "critical", and slog's "INFO+2" would be read as info anyway.
func appendDatadogStatus(dst []byte, l slog.Level) []byte {
	switch {
	case l < slog.LevelInfo:
		return append(dst, `"debug"`...)
	case l < slog.LevelWarn:
		return append(dst, `"info"`...)
	case l < slog.LevelError:
		return append(dst, `"warn"`...)
	case l < slog.LevelError+4:
		return append(dst, `"error"`...)
	}
	return append(dst, `"critical"`...)
}
