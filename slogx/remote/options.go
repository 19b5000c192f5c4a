package remote

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"time"

	"go.slogx.dev/internal/shipper"
)

// Options configures a [Handler]. The zero value is development mode:
// records are printed to os.Stderr and nothing is sent. Set Endpoint (and
// usually APIKey) to ship them; every other default is chosen for a log
// service reached over the internet.
type Options struct {
	// Endpoint is the full URL records are POSTed to, e.g.
	// "https://http-intake.logs.datadoghq.eu/api/v2/logs" or
	// "https://logs.example.com/loki/api/v1/push". It may carry a query
	// (some services take parameters there) but no user info: put
	// credentials in APIKey.
	//
	// Default: empty, which is development mode: nothing is sent, no API
	// key is needed, and each record is written at once, as a JSON line,
	// to Fallback, so that a developer sees what would be shipped. Stats
	// count those records as delivered.
	Endpoint string

	// APIKey is sent with every request, as "Authorization: Bearer
	// <APIKey>", or as the plain value of the header AuthHeader names. It
	// never appears in an error, Stats, the fallback output or a panic:
	// wherever a server echoes it, it is replaced by "xxxxx".
	//
	// Default: none, for endpoints that need no key (a collector on the
	// same network, VictoriaLogs).
	APIKey string

	// AuthHeader names the header that carries APIKey as it is, without
	// "Bearer ", e.g. "DD-API-KEY" (Datadog) or "X-Api-Key".
	//
	// Default: empty, which sends "Authorization: Bearer <APIKey>", the
	// scheme of OAuth 2 bearer tokens that most ingest APIs accept.
	AuthHeader string

	// Headers are added to every request, e.g. "X-Scope-OrgID" for a
	// multi-tenant Loki. Default: none. Content-Type, Content-Encoding,
	// Content-Length, Host and the header that carries APIKey are the
	// handler's and may not be set here.
	Headers map[string]string

	// Service, Environment, Version and Host describe the program. Each
	// one that is set goes on every record, in the place the format keeps
	// for it: top-level fields "service", "environment", "version" and
	// "host" (NDJSON, JSONArray, Loki lines); Datadog's "service",
	// "hostname", and "env:" and "version:" in "ddtags"; the ECS fields
	// "service.name", "service.environment", "service.version" and
	// "host.name" (ElasticBulk); OTLP resource attributes "service.name",
	// "deployment.environment.name", "service.version" and "host.name".
	//
	// Default: empty, nothing added. Host is not filled in from
	// os.Hostname: in a container that is a random name, and the platform's
	// own agent usually adds a better one.
	Service, Environment, Version, Host string

	// Format is the wire format the endpoint speaks.
	//
	// Default: [NDJSON], one JSON object per line: what generic HTTP
	// ingest endpoints, VictoriaLogs, Vector and Fluent Bit take.
	Format Format

	// Labels names the few record keys whose values become Loki stream
	// labels, e.g. "service", "level". Loki indexes streams, not fields:
	// name keys with few distinct values, never every attribute. At most
	// 15 valid Prometheus label names. Loki only.
	//
	// Default: none, so a process's records form one stream, labelled
	// service_name.
	Labels []string

	// Level, AddSource and ReplaceAttr are as in [slog.HandlerOptions].
	// Level defaults to slog.LevelInfo: debug records are rarely worth
	// paying a log service for. For OTLP, ReplaceAttr does not see the
	// time, level and message, which travel in fields of their own.
	Level       slog.Leveler
	AddSource   bool
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// BeforeSend, if set, is called with every enabled record before it is
	// encoded. It may edit the record (add attributes, rewrite the message)
	// and returns false to drop it; dropped records are counted in
	// Stats.Filtered. The record is the hook's only for the call: it must
	// not be kept. A panic in the hook is recovered and counted in
	// Stats.HookPanics, and its record is not sent (it may be half edited).
	// The hook runs on the logging goroutine: keep it fast. A record it
	// logs through this handler (or a logger that reaches it, such as
	// slog's default) is not sent, since it would run the hook again
	// without end; it is counted in Stats.HookReentrant.
	//
	// Default: nil, every enabled record is sent.
	BeforeSend func(ctx context.Context, r *slog.Record) bool

	// MaxRecordBytes is the longest encoded record that is sent as it is.
	// A longer one is shortened and marked: see [TruncatedKey].
	//
	// Default: 256 KiB, Grafana Cloud's and VictoriaLogs' line limit and
	// well inside Datadog's 1 MB per entry. Minimum 1 KiB; at most the
	// format's own limit.
	MaxRecordBytes int

	// BatchSize is the most records per request; a format with a lower
	// limit (Datadog: 1000) splits batches to respect it. ElasticBulk
	// takes at most 2000: Elasticsearch's answer lists every item, and
	// the handler reads at most 1 MiB of an answer.
	//
	// Default: 1000, Datadog's limit: per-request costs (headers, a round
	// trip over the internet) are noise, and a failed request resends
	// little.
	BatchSize int

	// MaxBatchBytes bounds a request body before compression, framing
	// included. A format with a lower limit splits batches to respect it.
	//
	// Default: 1 MiB, which compresses to about 100 KiB: quick to send
	// and to retry, and far below every provider's body limit.
	MaxBatchBytes int

	// FlushInterval is the longest a record waits in a partial batch.
	//
	// Default: 1 s, as OpenTelemetry's batch processor: records show up
	// promptly, and a quiet program sends at most one request a second.
	FlushInterval time.Duration

	// QueueSize bounds the records waiting to be sent, QueueBytes the
	// memory they hold. When either is reached, Overflow decides.
	//
	// Defaults: 100,000 records, enough for over a minute at a thousand
	// records a second while the service is away, and 64 MiB, so that big
	// records cannot make that queue use unbounded memory. Maximum
	// 4,194,304 records and 64 GiB.
	QueueSize  int
	QueueBytes int

	// Overflow decides what a log call does when the queue is full.
	// Default: [Backpressure]: wait for room while the service takes
	// batches, so that a burst is sent rather than dropped; never wait
	// while it is unreachable.
	Overflow Overflow

	// BlockTimeout is the longest one log call waits for room in a full
	// queue, with Overflow [Backpressure] or [Block].
	//
	// Default with Backpressure: 5 s. A healthy service makes room a batch
	// at a time, within a round trip or two over the internet; a wait of
	// 5 s means a request hangs. The call then drops its record, and
	// later calls drop at once, without waiting, until a request succeeds
	// again. Default with Block: 100 ms, since Block waits on every call
	// while the service is away: long enough to ride out a burst, short
	// enough that an unreachable service cannot stall the program for long.
	BlockTimeout time.Duration

	// Compression compresses request bodies.
	//
	// Default: [Gzip]: every ingest API takes it (OTLP/HTTP requires it
	// of servers, Datadog, Loki and Elasticsearch accept it), and it cuts
	// the bytes paid for over the internet about tenfold. Choose [Zstd]
	// only where the service documents it.
	Compression Compression

	// RequestTimeout bounds one request, from sending it to reading the
	// answer. A request that times out is retried (and, if the service did
	// store it, stored twice: see the package documentation).
	//
	// Default: 10 s, as OpenTelemetry's exporters: long enough for a slow
	// intake across the internet, short enough to tell a stuck one.
	RequestTimeout time.Duration

	// MaxInFlight is how many requests may await their answers at once,
	// each with its own batch and its own keep-alive connection. While the
	// service answers 2xx the handler sends the next batch without waiting
	// for the answer to the last; batches may then arrive in a different
	// order than they were logged. Anything else (a retry, a split, an
	// outage) is handled one request at a time, and a Retry-After holds
	// back every new request. 1 sends one request at a time.
	//
	// Default: 2. Across the internet a request takes a round trip or more,
	// and one at a time caps a handler at one batch per round trip (20 per
	// second at 50 ms) however fast the service is. At most 16; each
	// request in flight holds its batch in memory, framed and compressed
	// too: up to about twice MaxBatchBytes.
	MaxInFlight int

	// Retry is the retry policy for failed requests. Defaults: backoff
	// from 1 s to 30 s and a budget of 5 minutes per batch, as
	// OpenTelemetry's exporters: a rate-limited service is not hammered,
	// and an intake that restarts is waited for. A Retry-After header is
	// obeyed up to 30 s (or MaxBackoff, if longer), plus a jitter of up to
	// a tenth.
	Retry RetryPolicy

	// TLSConfig is used for https endpoints. Default: nil, Go's defaults
	// (system roots, TLS 1.2 or later).
	TLSConfig *tls.Config

	// Fallback receives, as JSON lines, what could not be delivered:
	// records left when Close times out, those whose retry budget ran out,
	// those the service refused, those logged after Close, and, in
	// development mode, every record. Each group is preceded by a summary
	// line.
	//
	// Default: os.Stderr, where a container's output is collected anyway
	// and where a developer looks.
	Fallback io.Writer

	// CloseTimeout bounds Close: it delivers what is queued until then and
	// writes the rest to Fallback.
	//
	// Default: 5 s, inside the 10 s that Kubernetes and systemd give a
	// process between SIGTERM and SIGKILL, with room for the rest of a
	// program's shutdown.
	CloseTimeout time.Duration

	// Spool, if set, keeps the records that cannot be sent now (the
	// service failing, or the queue full) on disk instead of dropping
	// them, and sends them once it is back, or in the next run with the
	// same Dir, e.g. &Spool{Dir: "/var/lib/app/slogx", MaxBytes: 1 << 30}.
	// With a spool, Close keeps what it cannot deliver there rather than
	// write it to Fallback. See [Spool].
	//
	// Default: nil, memory only: an outage longer than the queue holds, or
	// a crash, loses records (counted).
	Spool *Spool
}

// Format is a wire format: how records are encoded, framed into a request
// body and how the answer is read.
type Format int

const (
	// NDJSON is one JSON object per line, Content-Type
	// application/x-ndjson; any 2xx answer means every record was stored.
	// It is the default.
	NDJSON Format = iota
	// JSONArray is one JSON array of the same objects, application/json,
	// for intakes that take a JSON document per request.
	JSONArray
	// Datadog is the Datadog v2 logs intake (/api/v2/logs): a JSON array
	// of entries with "message", "status", "timestamp", "service",
	// "hostname", "ddsource" and "ddtags"; at most 1000 entries and 5 MB
	// per request and 1 MB per entry. Send the key with AuthHeader
	// "DD-API-KEY".
	Datadog
	// Loki is the Loki push API in JSON (/loki/api/v1/push): streams keyed
	// by the Labels, each line the JSON record.
	Loki
	// ElasticBulk is the Elasticsearch _bulk API: a "create" action line
	// and the record per item. An item refused with 429 or 5xx is sent
	// again, alone with the others that failed; one refused for good is
	// counted in Stats.Dropped.Rejected and copied to Fallback.
	ElasticBulk
	// OTLP is OTLP/HTTP (/v1/logs): an ExportLogsServiceRequest in
	// protobuf, with severity, body, attributes, and trace and span ids
	// when the record carries them; the program's Service, Environment,
	// Version and Host are resource attributes.
	OTLP
)

// Compression selects how request bodies are compressed.
type Compression = shipper.Compression

const (
	// Gzip compresses at gzip's fastest level. It is the default.
	Gzip = shipper.Gzip
	// Zstd compresses at zstd's fastest level, for services that document
	// zstd (VictoriaLogs, some collectors).
	Zstd = shipper.Zstd
	// NoCompression sends bodies as they are.
	NoCompression = shipper.NoCompression
)

// Overflow selects what a log call does when the queue is full.
type Overflow = shipper.Overflow

const (
	// Backpressure is the default. While the service takes batches, a log
	// call that finds the queue full waits for room, so that a burst is
	// absorbed at the service's pace and sent, not dropped. While requests
	// fail, a log call never waits: the record is dropped at once and
	// counted in Stats.Dropped.QueueFull. A call waits at most BlockTimeout.
	Backpressure = shipper.Backpressure
	// DropNewest drops the record and counts it in Stats.Dropped.QueueFull:
	// a log call never waits.
	DropNewest = shipper.DropNewest
	// Block waits up to BlockTimeout for room whatever the service's state,
	// then drops and counts.
	Block = shipper.Block
)

// RetryPolicy is the retry policy for failed requests: network errors
// (refused, reset, timeout), 408, 429 and 5xx answers are retried with
// exponential backoff and jitter, and a Retry-After header is obeyed (up
// to a cap). See [Options].Retry for the defaults.
type RetryPolicy = shipper.RetryPolicy

// Stats are a handler's counters; see [Handler.Stats].
type Stats = shipper.Stats

// Drops counts dropped records by reason.
type Drops = shipper.Drops

// TruncatedKey is the field added, at the top level, to a record that was
// shortened to fit Options.MaxRecordBytes; its value is the size in bytes
// of the record before. The message is cut first, then the record's own
// attributes are dropped, then those of WithAttrs and the context.
const TruncatedKey = shipper.TruncatedKey
