package benchmarks

import (
	"errors"
	"time"
)

// Record is one log call's content. Every logger compared writes the same
// Record as a message and five fields: a string, an int, a duration, a time
// and an error, under the same keys.
type Record struct {
	Name string // the benchmark's name for it

	Msg      string
	StrKey   string
	Str      string
	IntKey   string
	Int      int
	Elapsed  time.Duration
	Deadline time.Time
	Err      error
}

var recordTime = time.Date(2026, 11, 21, 9, 30, 15, 123456789, time.UTC)

// Attrs5 is the record of the library's own benchmarks
// (slogx/json_handler_bench_test.go): a short message and a short string.
var Attrs5 = Record{
	Name:     "attrs5",
	Msg:      "request served",
	StrKey:   "user",
	Str:      "alice@example",
	IntKey:   "status",
	Int:      503,
	Elapsed:  1234567 * time.Nanosecond,
	Deadline: recordTime.Add(time.Second),
	Err:      errors.New("connection reset by peer"),
}

// Realistic is what a service logs when a call fails: a 60-character
// message, a 50-character request id of hex and digit runs (a trace id and
// a microsecond stamp), a byte count, a duration with sub-millisecond
// digits, a deadline and a dial error.
var Realistic = Record{
	Name:     "realistic",
	Msg:      "retrying charge: upstream payment gateway timed out after 3s",
	StrKey:   "request_id",
	Str:      "7c9e6679f4a54e1b2d3c8a90b1f2e3d4-17324567890123456",
	IntKey:   "bytes",
	Int:      48213,
	Elapsed:  3000412871 * time.Nanosecond,
	Deadline: recordTime.Add(2500 * time.Millisecond),
	Err:      errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"),
}

// Records are the records every logger is measured on.
var Records = []Record{Attrs5, Realistic}
