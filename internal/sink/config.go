package sink

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
)

// Compression selects how batch bodies are compressed.
type Compression int

const (
	// Zstd compresses with zstd at its fastest level. It is the default:
	// NDJSON logs shrink about tenfold at a fraction of gzip's CPU cost.
	Zstd Compression = iota
	// Gzip compresses with gzip at its fastest level, for servers or
	// proxies that do not accept zstd.
	Gzip
	// None sends bodies as they are.
	None
)

// String returns the Content-Encoding token, or "none".
func (c Compression) String() string {
	switch c {
	case Zstd:
		return "zstd"
	case Gzip:
		return "gzip"
	case None:
		return "none"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// Overflow selects what Enqueue does when the queue is full.
type Overflow int

const (
	// DropNewest drops the record that does not fit and counts it. It is the
	// default: a log call never waits for the network.
	DropNewest Overflow = iota
	// Block waits up to BlockTimeout for room, then drops and counts.
	Block
)

// Retry is the retry policy for a batch.
type Retry struct {
	// MinBackoff is the wait after an endpoint's first failure; it doubles
	// with each further failure, up to MaxBackoff. A random jitter of up to
	// half the wait is subtracted so that many clients do not retry in step.
	MinBackoff time.Duration
	// MaxBackoff caps the wait between attempts on one endpoint.
	MaxBackoff time.Duration
	// Budget is how long a batch may be retried, counted from its first
	// attempt. A batch not delivered by then is written to the fallback.
	Budget time.Duration
}

// Defaults, used for zero Config fields. The faces document them on their
// own options.
const (
	DefaultBatchSize       = 1000
	DefaultMaxBatchBytes   = 1 << 20
	DefaultFlushInterval   = time.Second
	DefaultQueueSize       = 100_000
	DefaultQueueBytes      = 64 << 20
	DefaultBlockTimeout    = 100 * time.Millisecond
	DefaultRequestTimeout  = 10 * time.Second
	DefaultMinBackoff      = 100 * time.Millisecond
	DefaultMaxBackoff      = 5 * time.Second
	DefaultRetryBudget     = time.Minute
	DefaultCloseTimeout    = 5 * time.Second
	DefaultIdleConnTimeout = 10 * time.Second
	DefaultContentType     = "application/x-ndjson"
)

// Limits on the queue, imposed by the packing of the reservation word (see
// queue.go).
const (
	MaxQueueSize  = 1 << 22
	MaxQueueBytes = 1 << 36
)

// Config configures a [Sink]. Zero fields take the defaults above.
type Config struct {
	// Name prefixes errors and the fallback summary lines, e.g.
	// "slogx/victoria".
	Name string

	// Endpoints are the URLs batches are POSTed to. Batches go to the
	// healthy ones in turn.
	Endpoints []string

	// ContentType is the Content-Type of the request bodies before
	// compression.
	ContentType string

	// Prepare, if set, finishes each request: it is called with the method,
	// URI, body, Content-Type and Content-Encoding already set, and may add
	// headers (tenant, auth) or override anything. endpoint is the element
	// of Endpoints the request goes to.
	Prepare func(req *fasthttp.Request, endpoint string)

	BatchSize     int
	MaxBatchBytes int
	FlushInterval time.Duration

	// QueueSize and QueueBytes bound what waits to be sent: records, and
	// bytes of memory held by them.
	QueueSize  int
	QueueBytes int

	Overflow     Overflow
	BlockTimeout time.Duration

	Compression    Compression
	RequestTimeout time.Duration
	Retry          Retry
	TLSConfig      *tls.Config

	// Fallback receives what could not be delivered. Nil means os.Stderr.
	Fallback io.Writer

	CloseTimeout time.Duration

	// Spool, if set, keeps on disk what cannot be sent now (see spool.go).
	// Nil means memory only.
	Spool *spool.Options

	// IdleConnTimeout is how long a keep-alive connection may sit unused.
	// fasthttp's cleaner goroutines wake at this interval (and at least
	// every second), so after Close they exit within it.
	IdleConnTimeout time.Duration
}

// Validate reports every problem with c, as New would.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults validates c and returns it with defaults filled in.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(c.Endpoints) == 0 {
		bad("no endpoints")
	}
	for _, e := range c.Endpoints {
		u, err := url.Parse(e)
		switch {
		case err != nil:
			bad("endpoint %q: %v", e, err)
		case u.Scheme != "http" && u.Scheme != "https":
			bad("endpoint %q: scheme must be http or https", e)
		case u.Host == "":
			bad("endpoint %q: no host", e)
		}
	}
	nonNeg := func(name string, v int64) {
		if v < 0 {
			bad("%s is %d; it must not be negative", name, v)
		}
	}
	nonNeg("BatchSize", int64(c.BatchSize))
	nonNeg("MaxBatchBytes", int64(c.MaxBatchBytes))
	nonNeg("FlushInterval", int64(c.FlushInterval))
	nonNeg("QueueSize", int64(c.QueueSize))
	nonNeg("QueueBytes", int64(c.QueueBytes))
	nonNeg("BlockTimeout", int64(c.BlockTimeout))
	nonNeg("RequestTimeout", int64(c.RequestTimeout))
	nonNeg("Retry.MinBackoff", int64(c.Retry.MinBackoff))
	nonNeg("Retry.MaxBackoff", int64(c.Retry.MaxBackoff))
	nonNeg("Retry.Budget", int64(c.Retry.Budget))
	nonNeg("CloseTimeout", int64(c.CloseTimeout))
	nonNeg("IdleConnTimeout", int64(c.IdleConnTimeout))

	def := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	defD := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	def(&c.BatchSize, DefaultBatchSize)
	def(&c.MaxBatchBytes, DefaultMaxBatchBytes)
	defD(&c.FlushInterval, DefaultFlushInterval)
	def(&c.QueueSize, DefaultQueueSize)
	def(&c.QueueBytes, DefaultQueueBytes)
	defD(&c.BlockTimeout, DefaultBlockTimeout)
	defD(&c.RequestTimeout, DefaultRequestTimeout)
	defD(&c.Retry.MinBackoff, DefaultMinBackoff)
	defD(&c.Retry.MaxBackoff, max(DefaultMaxBackoff, c.Retry.MinBackoff))
	defD(&c.Retry.Budget, DefaultRetryBudget)
	defD(&c.CloseTimeout, DefaultCloseTimeout)
	defD(&c.IdleConnTimeout, DefaultIdleConnTimeout)
	if c.ContentType == "" {
		c.ContentType = DefaultContentType
	}
	if c.Fallback == nil {
		c.Fallback = os.Stderr
	}
	if c.Name == "" {
		c.Name = "slogx/sink"
	}

	if c.QueueSize > MaxQueueSize {
		bad("QueueSize is %d; it must be at most %d", c.QueueSize, MaxQueueSize)
	}
	if c.QueueBytes > MaxQueueBytes {
		bad("QueueBytes is %d; it must be at most %d", c.QueueBytes, int64(MaxQueueBytes))
	}
	if c.BatchSize > c.QueueSize {
		bad("BatchSize %d is larger than QueueSize %d: a full batch would never fit in the queue", c.BatchSize, c.QueueSize)
	}
	if c.MaxBatchBytes > c.QueueBytes {
		bad("MaxBatchBytes %d is larger than QueueBytes %d", c.MaxBatchBytes, c.QueueBytes)
	}
	if c.Retry.MinBackoff > c.Retry.MaxBackoff {
		bad("Retry.MinBackoff %v is larger than Retry.MaxBackoff %v", c.Retry.MinBackoff, c.Retry.MaxBackoff)
	}
	if c.Compression < Zstd || c.Compression > None {
		bad("unknown Compression %d", int(c.Compression))
	}
	if c.Overflow != DropNewest && c.Overflow != Block {
		bad("unknown Overflow %d", int(c.Overflow))
	}
	if c.Spool != nil {
		if err := spool.Validate(*c.Spool); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}
