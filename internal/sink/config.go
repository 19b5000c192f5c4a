package sink

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
)

// Compression selects how batch bodies are compressed.
type Compression int

const (
	// Zstd compresses with zstd at its fastest level. It is the default:
	// NDJSON logs compress well, at a fraction of gzip's CPU cost.
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
	// Backpressure is the default. While the sink is delivering, a full
	// queue makes Enqueue wait for room, up to BlockTimeout, so that a
	// burst is absorbed at the server's pace: the sender makes room a batch
	// at a time, one request apart. While every endpoint is failing, or
	// once a wait ran BlockTimeout without the sender making room (a
	// request hangs), Enqueue never waits: the record is dropped and counted
	// at once, until a request succeeds again. The worst wait of one call
	// is BlockTimeout.
	Backpressure Overflow = iota
	// DropNewest drops the record that does not fit and counts it: a log
	// call never waits.
	DropNewest
	// Block waits up to BlockTimeout for room, whatever the endpoints'
	// state, then drops and counts.
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
	// MaxRetryAfter caps the wait a Retry-After header asks for, so that
	// one answer cannot disable an endpoint for a day; a random jitter of up
	// to a tenth is added to the wait.
	MaxRetryAfter time.Duration
}

// Defaults, used for zero Config fields. The faces document them on their
// own options.
//
// A default that another field bounds is derived from that field when the
// user set it: QueueSize 500 alone makes BatchSize 500, QueueBytes 512 KiB
// alone makes MaxBatchBytes 512 KiB, Retry.MaxBackoff 50 ms alone makes
// MinBackoff 50 ms, and the other way round (a BatchSize above 100,000
// raises the default QueueSize to match). Only values the user set can
// contradict each other.
const (
	DefaultBatchSize          = 1000
	DefaultMaxBatchBytes      = 1 << 20
	DefaultFlushInterval      = time.Second
	DefaultQueueSize          = 100_000
	DefaultQueueBytes         = 64 << 20
	DefaultBlockTimeout       = 100 * time.Millisecond // with Block, which waits on every call while the server is away
	DefaultBackpressureWait   = 5 * time.Second        // BlockTimeout with Backpressure, which waits only while delivering
	DefaultRequestTimeout     = 10 * time.Second
	DefaultMinBackoff         = 100 * time.Millisecond
	DefaultMaxBackoff         = 5 * time.Second
	DefaultRetryBudget        = time.Minute
	DefaultMaxRetryAfter      = 30 * time.Second // or MaxBackoff, if that is longer
	DefaultCloseTimeout       = 5 * time.Second
	DefaultIdleConnTimeout    = 10 * time.Second
	DefaultMaxInFlight        = 2
	DefaultDropReportInterval = 10 * time.Second
	DefaultContentType        = "application/x-ndjson"
)

// Limits on the queue, imposed by the packing of the reservation word (see
// queue.go).
const (
	MaxQueueSize  = 1 << 22
	MaxQueueBytes = 1 << 36
)

// MaxMaxInFlight bounds Config.MaxInFlight: every request in flight holds a
// batch (up to MaxBatchBytes, framed and compressed) and a connection per
// endpoint.
const MaxMaxInFlight = 16

// Config configures a [Sink]. Zero fields take the defaults above.
type Config struct {
	// Name prefixes errors and the fallback summary lines, e.g.
	// "victoria".
	Name string

	// Endpoints are the URLs batches are POSTed to. Batches go to the
	// healthy ones in turn.
	Endpoints []string

	// ContentType is the Content-Type of the request bodies before
	// compression.
	ContentType string

	// Format frames batches and judges answers. Nil means NDJSON: records
	// are concatenated, and the status alone says what became of a batch.
	Format Format

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

	// MaxInFlight is how many requests may await their answers at once,
	// each with its own batch and its own keep-alive connection to its
	// endpoint. With more than one, the sender frames, compresses and sends
	// the next batch while the server works on the last, as long as the
	// endpoint answers 2xx; batches may then be stored out of order, and
	// whatever goes wrong (a retry, a split) is handled one request at a
	// time. 1 sends one request at a time. Each request in flight holds its
	// batch, framed and compressed too: up to about twice MaxBatchBytes.
	MaxInFlight int
	Retry       Retry
	TLSConfig   *tls.Config

	// Fallback receives what could not be delivered, and the summary lines
	// about drops. Nil means os.Stderr. It may log through the face's own
	// handler: see [Sink.Enqueue] and ErrReentrant for what happens to
	// those records.
	Fallback io.Writer

	// DropReportInterval is the least time between two summary lines about
	// dropped records written to Fallback while drops happen.
	DropReportInterval time.Duration

	CloseTimeout time.Duration

	// Spool, if set, keeps on disk what cannot be sent now (see spool.go).
	// Nil means memory only.
	Spool *spool.Options

	// IdleConnTimeout is how long a keep-alive connection may sit unused
	// before the sender opens a new one rather than reuse it (a server may
	// have closed it meanwhile). No goroutine watches it.
	IdleConnTimeout time.Duration

	// Secrets are strings that must never appear in an error, Stats or a
	// summary line, such as a password or token the Prepare hook sends. A
	// server that echoes one in its answer has it replaced by "xxxxx".
	Secrets []string
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
	c.Secrets = slices.Clone(c.Secrets)
	for _, e := range c.Endpoints {
		u, err := url.Parse(e)
		if err == nil && u.User != nil {
			// Sent as basic auth; never shown, even echoed by a server.
			user := u.User.Username()
			pass, hasPass := u.User.Password()
			if hasPass {
				c.Secrets = append(c.Secrets, pass)
			} else {
				c.Secrets = append(c.Secrets, user)
			}
			c.Secrets = append(c.Secrets, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		}
		switch {
		case err != nil:
			bad("endpoint %w", URLError(e, err))
		case u.Scheme != "http" && u.Scheme != "https":
			bad("endpoint %q: scheme must be http or https", RedactURL(e))
		case u.Host == "":
			bad("endpoint %q: no host", RedactURL(e))
		}
	}
	nonNeg := func(name string, v int64) {
		if v < 0 {
			bad("%s is %d; it must not be negative", name, v)
		}
	}
	nonNegD := func(name string, d time.Duration) {
		if d < 0 {
			bad("%s is %v; it must not be negative", name, d)
		}
	}
	nonNeg("BatchSize", int64(c.BatchSize))
	nonNeg("MaxBatchBytes", int64(c.MaxBatchBytes))
	nonNegD("FlushInterval", c.FlushInterval)
	nonNeg("QueueSize", int64(c.QueueSize))
	nonNeg("QueueBytes", int64(c.QueueBytes))
	nonNegD("BlockTimeout", c.BlockTimeout)
	nonNegD("RequestTimeout", c.RequestTimeout)
	nonNegD("Retry.MinBackoff", c.Retry.MinBackoff)
	nonNegD("Retry.MaxBackoff", c.Retry.MaxBackoff)
	nonNegD("Retry.Budget", c.Retry.Budget)
	nonNegD("Retry.MaxRetryAfter", c.Retry.MaxRetryAfter)
	nonNegD("DropReportInterval", c.DropReportInterval)
	nonNegD("CloseTimeout", c.CloseTimeout)
	nonNegD("IdleConnTimeout", c.IdleConnTimeout)
	nonNeg("MaxInFlight", int64(c.MaxInFlight))
	if c.MaxInFlight > MaxMaxInFlight {
		bad("MaxInFlight is %d; at most %d", c.MaxInFlight, MaxMaxInFlight)
	}

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
	// Dependent defaults follow the fields the user set (see the
	// constants); each pair is filled from the set side first.
	if c.QueueSize > 0 {
		def(&c.BatchSize, min(DefaultBatchSize, c.QueueSize))
	}
	def(&c.BatchSize, DefaultBatchSize)
	def(&c.QueueSize, min(max(DefaultQueueSize, c.BatchSize), MaxQueueSize))
	if c.QueueBytes > 0 {
		def(&c.MaxBatchBytes, min(DefaultMaxBatchBytes, c.QueueBytes))
	}
	def(&c.MaxBatchBytes, DefaultMaxBatchBytes)
	def(&c.QueueBytes, min(max(DefaultQueueBytes, c.MaxBatchBytes), MaxQueueBytes))
	if c.Retry.MaxBackoff > 0 {
		defD(&c.Retry.MinBackoff, min(DefaultMinBackoff, c.Retry.MaxBackoff))
	}
	defD(&c.Retry.MinBackoff, DefaultMinBackoff)
	defD(&c.Retry.MaxBackoff, max(DefaultMaxBackoff, c.Retry.MinBackoff))
	defD(&c.Retry.MaxRetryAfter, max(DefaultMaxRetryAfter, c.Retry.MaxBackoff))
	defD(&c.FlushInterval, DefaultFlushInterval)
	if c.Overflow == Backpressure {
		defD(&c.BlockTimeout, DefaultBackpressureWait)
	}
	defD(&c.BlockTimeout, DefaultBlockTimeout)
	defD(&c.RequestTimeout, DefaultRequestTimeout)
	defD(&c.Retry.Budget, DefaultRetryBudget)
	defD(&c.CloseTimeout, DefaultCloseTimeout)
	defD(&c.IdleConnTimeout, DefaultIdleConnTimeout)
	def(&c.MaxInFlight, DefaultMaxInFlight)
	defD(&c.DropReportInterval, DefaultDropReportInterval)
	if c.Format == nil {
		c.Format = defaultFormat()
	}
	if c.ContentType == "" {
		c.ContentType = DefaultContentType
	}
	if c.Fallback == nil {
		c.Fallback = os.Stderr
	}
	if c.Name == "" {
		c.Name = "sink"
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
	if c.Overflow < Backpressure || c.Overflow > Block {
		bad("unknown Overflow %d", int(c.Overflow))
	}
	if c.Spool != nil {
		if err := spool.Validate(*c.Spool); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// scrub replaces every configured secret in msg.
func (c *Config) scrub(msg string) string {
	for _, sec := range c.Secrets {
		if sec != "" {
			msg = strings.ReplaceAll(msg, sec, "xxxxx")
		}
	}
	return msg
}
