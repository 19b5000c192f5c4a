package breach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"
)

// Defaults applied by [New] to zero [Options] fields.
const (
	// DefaultCapacity is the number of records the shared buffer keeps, as in
	// naz's BreachHandler: enough lead-up for most incidents, bounded so that
	// a quiet service never grows.
	DefaultCapacity = 1000

	// DefaultMaxBytes bounds the memory the shared buffer keeps alive: room
	// for a full window of records of about 8 KiB each, small beside a
	// service's heap.
	DefaultMaxBytes = 8 << 20

	// DefaultScopeCapacity is the number of records each scope keeps: one
	// request's lead-up is short.
	DefaultScopeCapacity = 100

	// DefaultScopeMaxBytes bounds the approximate memory of each scope.
	DefaultScopeMaxBytes = 128 << 10

	// DefaultMaxScopes is the number of scopes that may hold their own buffer
	// at the same time, per handler.
	DefaultMaxScopes = 512

	// DefaultCloseTimeout bounds the flush that Close performs when
	// [Options.FlushOnClose] is set.
	DefaultCloseTimeout = 5 * time.Second

	// maxRecords caps Capacity and ScopeCapacity: the buffer's slots are
	// allocated up front, and a typo such as 1e9 must not exhaust memory.
	maxRecords = 1 << 20

	// maxScopes caps MaxScopes for the same reason.
	maxScopes = 1 << 16

	// bytesLimit caps MaxBytes and ScopeMaxBytes (1 TiB, or what int holds).
	bytesLimit = int(min(maxBytesLimit, math.MaxInt))

	// minHeartbeat is the shortest Heartbeat: a bare 1 (one nanosecond,
	// meant as a second) must not flood the target with liveness records.
	minHeartbeat = time.Millisecond
)

// Options configure a [Handler]. The zero value, like a nil *Options, gives
// the defaults documented on each field.
//
// [New] rejects bad values with an error that lists every problem, as
// victoria.New does: a negative count, size or duration, a count above
// 1<<20 records (1<<16 scopes), a size above 1 TiB, a Heartbeat shorter
// than a millisecond. Nothing is ever checked, or can panic, at log time.
type Options struct {
	// Capacity is the number of records the shared buffer keeps; when it is
	// full, the oldest record is evicted to make room. Default
	// [DefaultCapacity] (1000).
	Capacity int

	// MaxBytes bounds the memory the records in the shared buffer keep
	// alive: each record's fixed size, its message and keys, and what its
	// values hold (resolved from LogValuers): a string's bytes, a []byte's
	// backing array, an error's text and those of the errors it wraps, and
	// for other values what they hold one level down (the array behind a
	// slice, a map's entries, the struct behind a pointer with its strings
	// and slices). Memory reachable only through further pointers, and the
	// rest of a larger string a value was sliced from, are not counted.
	// When a new record would exceed MaxBytes, the oldest records are
	// evicted until it fits; whichever of Capacity and MaxBytes is reached
	// first evicts. The newest record is always kept, so a single record
	// larger than MaxBytes is buffered alone. Evicted records are freed
	// lazily, within MaxBytes/8 more. Default [DefaultMaxBytes] (8 MiB): a
	// thousand records of a few KiB each, small beside a service's heap.
	MaxBytes int

	// Level is the lowest level the handler accepts: records below it are
	// discarded, neither buffered nor written, and [Handler.Enabled] reports
	// false for them. The target's own level also applies: a record its
	// target would not write is not buffered. Default [slog.LevelDebug].
	Level slog.Leveler

	// FlushLevel is the trigger: a record at or above it makes the handler
	// write the buffered lead-up to the target, oldest first, and then the
	// record itself. Default [slog.LevelWarn].
	FlushLevel slog.Leveler

	// Trigger, if set, is a custom trigger consulted for every record below
	// FlushLevel, with the context and record of the log call, before the
	// record is buffered: for instance a record with an HTTP status of 500
	// or more. It must not keep or modify the record. A Trigger that panics
	// is treated as having returned true: a broken trigger errs on the side
	// of writing. Default nil (FlushLevel alone triggers).
	Trigger func(context.Context, slog.Record) bool

	// PassThroughLevel, if set, makes records at or above it (that are not
	// triggers) go to the target at once, without flushing the buffer: for
	// instance INFO passes through while DEBUG waits for trouble. Default
	// nil: no level passes through.
	PassThroughLevel slog.Leveler

	// PassThroughAfterTrigger, if positive, makes the buffer that flushed
	// (the shared one, or one scope's) pass every record straight to the
	// target for that long after each trigger, so what happens next is
	// written too. Default 0: after a trigger the buffer re-arms at once and
	// buffers again.
	PassThroughAfterTrigger time.Duration

	// FlushOnClose makes [Handler.Close] write everything still buffered,
	// the shared buffer and every live scope, to the target. Default false:
	// Close discards it, because nothing went wrong (the records are counted
	// in [Stats].Discarded).
	FlushOnClose bool

	// Heartbeat, if positive, makes the handler write a liveness record
	// straight to the target every interval: level INFO, message
	// "breach heartbeat", with the counters of [Stats] as attributes, so a
	// silent service can be told from a dead one. [Handler.Close] stops it.
	// Default 0: off.
	Heartbeat time.Duration

	// ScopeCapacity is the number of records each scope (see [NewScope])
	// keeps, with the same eviction as Capacity. Default
	// [DefaultScopeCapacity] (100).
	ScopeCapacity int

	// ScopeMaxBytes is MaxBytes for each scope. Default
	// [DefaultScopeMaxBytes] (128 KiB).
	ScopeMaxBytes int

	// MaxScopes bounds how many scopes may hold a buffer of this handler at
	// the same time, so that a burst of requests cannot exhaust memory: at
	// most about MaxScopes × ScopeMaxBytes. A scope that finds the bound
	// reached uses the shared buffer instead, like an unscoped record, and
	// is counted in [Stats].DroppedScopes. Default [DefaultMaxScopes] (512).
	MaxScopes int

	// clock replaces the real time source in tests: it drives Heartbeat and
	// PassThroughAfterTrigger.
	clock clock
}

// config is Options checked, with the defaults applied; it never changes
// after New.
type config struct {
	capacity      int
	maxBytes      int64
	level         slog.Leveler
	flushLevel    slog.Leveler
	trigger       func(context.Context, slog.Record) bool
	passLevel     slog.Leveler // nil: none
	passAfter     time.Duration
	flushOnClose  bool
	heartbeat     time.Duration
	scopeCapacity int
	scopeMaxBytes int64
	maxScopes     int
	clock         clock
}

// newConfig checks o and applies the defaults. Its error lists every
// problem found.
func newConfig(o *Options) (config, error) {
	if o == nil {
		o = &Options{}
	}
	var errs []error
	count := func(name string, v, def, limit int) int {
		switch {
		case v < 0:
			errs = append(errs, fmt.Errorf("%s is %d; it must not be negative (0 means the default, %d)", name, v, def))
		case v > limit:
			errs = append(errs, fmt.Errorf("%s is %d; it must be at most %d", name, v, limit))
		case v > 0:
			return v
		}
		return def
	}
	duration := func(name string, d time.Duration) time.Duration {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s is %v; it must not be negative (0 means off)", name, d))
			return 0
		}
		return d
	}
	c := config{
		capacity:      count("Capacity", o.Capacity, DefaultCapacity, maxRecords),
		maxBytes:      int64(count("MaxBytes", o.MaxBytes, DefaultMaxBytes, bytesLimit)),
		level:         o.Level,
		flushLevel:    o.FlushLevel,
		trigger:       o.Trigger,
		passLevel:     o.PassThroughLevel,
		passAfter:     duration("PassThroughAfterTrigger", o.PassThroughAfterTrigger),
		flushOnClose:  o.FlushOnClose,
		heartbeat:     duration("Heartbeat", o.Heartbeat),
		scopeCapacity: count("ScopeCapacity", o.ScopeCapacity, DefaultScopeCapacity, maxRecords),
		scopeMaxBytes: int64(count("ScopeMaxBytes", o.ScopeMaxBytes, DefaultScopeMaxBytes, bytesLimit)),
		maxScopes:     count("MaxScopes", o.MaxScopes, DefaultMaxScopes, maxScopes),
		clock:         o.clock,
	}
	if c.heartbeat > 0 && c.heartbeat < minHeartbeat {
		errs = append(errs, fmt.Errorf("Heartbeat is %v; it must be at least %v (0 means off)", c.heartbeat, minHeartbeat))
		c.heartbeat = 0
	}
	if c.level == nil {
		c.level = slog.LevelDebug
	}
	if c.flushLevel == nil {
		c.flushLevel = slog.LevelWarn
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("breach: bad options: %w", errors.Join(errs...))
	}
	return c, nil
}

// clock is the time source: the real one, or a fake in tests.
type clock interface {
	Now() time.Time
	NewTicker(d time.Duration) ticker
}

type ticker interface {
	C() <-chan time.Time
	Stop()
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time { return t.t.C }
func (t realTicker) Stop()               { t.t.Stop() }
