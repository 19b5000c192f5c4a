package shipper

import (
	"fmt"
	"time"

	"go.slogx.dev/internal/sink"
)

// Compression selects how request bodies are compressed. The faces export
// its values under their own names; the zero value is each face's default
// (zstd for VictoriaLogs, gzip for a SaaS).
type Compression int

const (
	// DefaultCompression is the face's default.
	DefaultCompression Compression = iota
	// Zstd compresses at zstd's fastest level: NDJSON logs shrink about
	// tenfold for less CPU than gzip.
	Zstd
	// Gzip compresses at gzip's fastest level: every HTTP ingest API and
	// proxy accepts it.
	Gzip
	// NoCompression sends bodies as they are; on a local network it saves
	// the client and the server some CPU.
	NoCompression
)

// String returns the Content-Encoding token, or "none".
func (c Compression) String() string {
	switch c {
	case DefaultCompression:
		return "default"
	case Zstd:
		return "zstd"
	case Gzip:
		return "gzip"
	case NoCompression:
		return "none"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// SinkCompression maps c to the sink's, with def standing in for
// DefaultCompression.
func SinkCompression(c, def Compression) (sink.Compression, error) {
	if c == DefaultCompression {
		c = def
	}
	switch c {
	case Zstd:
		return sink.Zstd, nil
	case Gzip:
		return sink.Gzip, nil
	case NoCompression:
		return sink.None, nil
	}
	return 0, fmt.Errorf("unknown Compression %d", int(c))
}

// Overflow selects what a log call does when the queue is full.
type Overflow int

const (
	// Backpressure is the default. While the server takes batches, a log
	// call that finds the queue full waits for room, so that a burst is
	// absorbed at the server's pace and stored, not dropped. While every
	// endpoint is failing, a log call never waits: the record is dropped at
	// once and counted in Stats.Dropped.QueueFull. A call waits at most
	// BlockTimeout; a wait that long means a request hangs, and later calls
	// drop at once until one succeeds again.
	Backpressure Overflow = iota
	// DropNewest drops the record and counts it in Stats.Dropped.QueueFull:
	// a log call never waits.
	DropNewest
	// Block waits up to BlockTimeout for room whatever the server's state,
	// then drops and counts.
	Block
)

// SinkOverflow maps o to the sink's.
func SinkOverflow(o Overflow) (sink.Overflow, error) {
	switch o {
	case Backpressure:
		return sink.Backpressure, nil
	case DropNewest:
		return sink.DropNewest, nil
	case Block:
		return sink.Block, nil
	}
	return 0, fmt.Errorf("unknown Overflow %d", int(o))
}

// RetryPolicy is the retry policy for failed requests. Network errors
// (refused, reset, timeout), 408, 429 and 5xx answers are retried; other
// answers mean the server rejected the batch. The faces document their
// defaults.
type RetryPolicy struct {
	// MinBackoff is the wait after an endpoint's first failure; it doubles
	// with each further failure up to MaxBackoff, less a random jitter of
	// up to half, so that many clients do not retry in step. A Retry-After
	// header on a 429 or 503 replaces the backoff: the endpoint is not tried
	// again before it says.
	MinBackoff, MaxBackoff time.Duration

	// Budget is how long one batch is retried, from its first attempt,
	// before it is written to the fallback.
	Budget time.Duration
}

// Sink returns the policy in the sink's terms, with the face's defaults for
// zero fields.
func (r RetryPolicy) Sink(def RetryPolicy) sink.Retry {
	or := func(v, d time.Duration) time.Duration {
		if v == 0 {
			return d
		}
		return v
	}
	lo := or(r.MinBackoff, def.MinBackoff)
	if r.MinBackoff == 0 && r.MaxBackoff > 0 && lo > r.MaxBackoff {
		lo = r.MaxBackoff // a default must not contradict what was set
	}
	return sink.Retry{
		MinBackoff: lo,
		MaxBackoff: or(r.MaxBackoff, max(def.MaxBackoff, lo)),
		Budget:     or(r.Budget, def.Budget),
	}
}
