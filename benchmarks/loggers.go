package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"time"

	plog "github.com/phuslu/log"
	"github.com/rs/zerolog"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"go.slogx.dev/slogx"
)

// Handler is a slog.Handler under comparison, by the name the report and
// benchstat's -col /handler group it under.
type Handler struct {
	Name string
	New  func(io.Writer) slog.Handler
}

// NopName is the name of the no-op handler in [Handlers].
const NopName = "nop"

// Handlers are the slog handlers compared through slog.Logger. Each is
// configured as its users get it, except that zap and zerolog are told to
// write times as RFC 3339 with nanoseconds and durations as integer
// nanoseconds, the way log/slog does, so that all of them write the same
// facts at the same precision.
var Handlers = []Handler{
	{NopName, func(io.Writer) slog.Handler { return Nop{} }},
	{"slogx", func(w io.Writer) slog.Handler { return slogx.NewJSONHandler(w, nil) }},
	{"slog", func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
	{"phuslu", func(w io.Writer) slog.Handler { return plog.SlogNewJSONHandler(w, nil) }},
	{"zap", func(w io.Writer) slog.Handler { return zapslog.NewHandler(zapCore(w)) }},
	{"zerolog", func(w io.Writer) slog.Handler { return zerolog.NewSlogHandler(zerolog.New(w)) }},
}

// Nop is a handler that takes every record and does nothing with it: the
// cost of slog.Logger itself.
type Nop struct{}

func (Nop) Enabled(context.Context, slog.Level) bool  { return true }
func (Nop) Handle(context.Context, slog.Record) error { return nil }
func (n Nop) WithAttrs([]slog.Attr) slog.Handler      { return n }
func (n Nop) WithGroup(string) slog.Handler           { return n }

// LogAttrs logs r through l the way a program that cares about speed does:
// typed attributes, no key-value pairs to box.
func LogAttrs(ctx context.Context, l *slog.Logger, r *Record) {
	l.LogAttrs(ctx, slog.LevelInfo, r.Msg,
		slog.String(r.StrKey, r.Str),
		slog.Int(r.IntKey, r.Int),
		slog.Duration("elapsed", r.Elapsed),
		slog.Time("deadline", r.Deadline),
		slog.Any("err", r.Err),
	)
}

// Native is a logger measured through its own API: New returns the
// function that logs one record.
type Native struct {
	Name string
	New  func(io.Writer) func(*Record)
}

// Natives are the loggers with an API of their own, configured as in
// [Handlers].
var Natives = []Native{
	{"zap", func(w io.Writer) func(*Record) {
		l := zap.New(zapCore(w))
		return func(r *Record) {
			l.Info(r.Msg,
				zap.String(r.StrKey, r.Str),
				zap.Int(r.IntKey, r.Int),
				zap.Duration("elapsed", r.Elapsed),
				zap.Time("deadline", r.Deadline),
				zap.NamedError("err", r.Err),
			)
		}
	}},
	{"zerolog", func(w io.Writer) func(*Record) {
		l := zerolog.New(w).With().Timestamp().Logger()
		return func(r *Record) {
			l.Info().
				Str(r.StrKey, r.Str).
				Int(r.IntKey, r.Int).
				Dur("elapsed", r.Elapsed).
				Time("deadline", r.Deadline).
				AnErr("err", r.Err).
				Msg(r.Msg)
		}
	}},
	{"phuslu", func(w io.Writer) func(*Record) {
		// phuslu/log's own format: millisecond timestamps and durations
		// in milliseconds with a fraction; it has no setting for nanoseconds.
		l := plog.Logger{Level: plog.InfoLevel, Writer: plog.IOWriter{Writer: w}}
		return func(r *Record) {
			l.Info().
				Str(r.StrKey, r.Str).
				Int(r.IntKey, r.Int).
				Dur("elapsed", r.Elapsed).
				Time("deadline", r.Deadline).
				AnErr("err", r.Err).
				Msg(r.Msg)
		}
	}},
}

func zapCore(w io.Writer) zapcore.Core {
	cfg := zap.NewProductionEncoderConfig()
	cfg.TimeKey, cfg.MessageKey = "time", "msg"
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.EncodeDuration = zapcore.NanosDurationEncoder
	return zapcore.NewCore(zapcore.NewJSONEncoder(cfg), zapcore.AddSync(w), zapcore.InfoLevel)
}

func init() {
	// zerolog's formats are package variables; these match log/slog's.
	zerolog.TimeFieldFormat = time.RFC3339Nano
	zerolog.DurationFieldUnit = time.Nanosecond
	zerolog.DurationFieldInteger = true
	zerolog.MessageFieldName = "msg"
}
