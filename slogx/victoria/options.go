package victoria

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.slogx.dev/internal/shipper"
	"go.slogx.dev/internal/sink"
)

// Options configures a [Handler]. The zero value sends to a VictoriaLogs
// node on localhost with the defaults below; every default is chosen so
// that a zero field is the right choice for most programs.
type Options struct {
	// URL is the base URL of a VictoriaLogs node, e.g.
	// "http://victorialogs:9428" or "https://logs.example.com/vl" behind a
	// proxy; "/insert/jsonline" is appended. User info in the URL
	// (https://user:pass@host) is sent as basic auth.
	//
	// Default: "http://localhost:9428", VictoriaLogs' own default address,
	// used only when URLs is empty too.
	URL string

	// URLs are several nodes that accept inserts, typically the insert
	// (front) nodes of a VictoriaLogs cluster. Batches go to the healthy
	// ones in turn; a node that fails is skipped until its backoff has
	// passed, and then tried again. URL, if set, is added in front of them.
	URLs []string

	// StreamFields names the fields that identify a log stream
	// (VictoriaLogs' _stream_fields), e.g. "service", "host". Fields inside
	// groups are named with dots, as VictoriaLogs flattens them ("http.method").
	//
	// Default: none, so every record goes to the one stream {}. Choose a few
	// fields with few distinct values.
	StreamFields []string

	// ExtraFields are added to every record by the server (extra_fields),
	// e.g. {"env": "prod"}. Keys and values must not contain ','; keys must
	// not contain '='. Default: none; fields that are the same for a whole
	// process are cheaper here than in every record.
	ExtraFields map[string]string

	// IgnoreFields are dropped by the server (ignore_fields). Default:
	// none; the handler sends what the program logs.
	IgnoreFields []string

	// AccountID and ProjectID select the tenant. Default 0:0, the tenant
	// VictoriaLogs uses when none is given.
	AccountID, ProjectID uint32

	// Headers are added to every request, e.g. for a proxy in front of
	// VictoriaLogs. Default: none. Content-Type, Content-Encoding, Content-Length, Host
	// and (when Username or BearerToken is set) Authorization are the
	// handler's and may not be set here.
	Headers map[string]string

	// Username and Password are sent as HTTP basic auth, for VictoriaLogs
	// behind an authenticating proxy (VictoriaLogs itself has no users).
	// Default: none.
	Username, Password string

	// BearerToken is sent as "Authorization: Bearer <token>", e.g. for
	// vmauth. Default: none.
	BearerToken string

	// TLSConfig is used for https URLs. Default: nil, Go's defaults
	// (system roots, TLS 1.2 or later).
	TLSConfig *tls.Config

	// Level, AddSource and ReplaceAttr are as in [slog.HandlerOptions].
	// Level defaults to slog.LevelInfo. ReplaceAttr must keep the keys
	// "time" and "msg", which the handler tells VictoriaLogs to read as
	// _time and _msg.
	Level       slog.Leveler
	AddSource   bool
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// MaxLineBytes is the longest record, newline included, that is sent
	// as it is. A longer one is shortened and marked: see [TruncatedKey].
	//
	// Default: 256 KiB, VictoriaLogs' -insert.maxLineSizeBytes, above which
	// the server drops a line with only a warning in its own log, or
	// QueueBytes if that is set and smaller. Set it to match the server's
	// flag if that was changed. Minimum 1 KiB.
	MaxLineBytes int

	// BatchSize is the most records per request.
	//
	// Default: 1000, or QueueSize if that is set and smaller. Large enough that per-request costs (headers, a round
	// trip, the server's per-request work) are noise, small enough that a
	// failed request resends little. A batch is sent when it is full, when
	// MaxBatchBytes is reached, or after FlushInterval.
	BatchSize int

	// MaxBatchBytes bounds a request body before compression. A single
	// record larger than this is sent alone.
	//
	// Default: 1 MiB, which compresses to about 100 KiB: quick to send and
	// to retry, and far below any proxy's body limit. QueueBytes, if set
	// and smaller, instead.
	MaxBatchBytes int

	// FlushInterval is the longest a record waits in a partial batch.
	//
	// Default: 1 s, as OpenTelemetry's batch processor: logs show up in
	// queries promptly, and a quiet program sends at most one request a
	// second.
	FlushInterval time.Duration

	// QueueSize bounds the records waiting to be sent, QueueBytes the
	// memory they hold (each record holds a buffer of at most twice its
	// size). When either is reached, Overflow decides.
	//
	// Defaults: 100,000 records, as the Python victorialogs-handler,
	// enough for a minute and a half at over a thousand records a second
	// when the server is away; and 64 MiB, so that big records cannot make
	// that queue use unbounded memory. A larger BatchSize, MaxBatchBytes or
	// MaxLineBytes raises them to match. Maximum 4,194,304 records and
	// 64 GiB.
	QueueSize  int
	QueueBytes int

	// Overflow decides what a log call does when the queue is full.
	// Default: [Backpressure]: wait for room while VictoriaLogs takes
	// batches, so that a burst is stored rather than dropped; never wait
	// while it is away.
	Overflow Overflow

	// BlockTimeout is the longest one log call waits for room in a full
	// queue, with Overflow [Backpressure] or [Block].
	//
	// Default with Backpressure: 5 s. A healthy server makes room a batch
	// at a time, every few milliseconds, so a wait that long means a
	// request hangs; the call then drops its record, and later calls drop
	// at once, without waiting, until a request succeeds again. Default
	// with Block: 100 ms, since Block waits on every call while the server
	// is away: long enough to ride out a burst, short enough that a dead
	// server cannot stall the program for long.
	BlockTimeout time.Duration

	// Compression compresses request bodies. Default: [Zstd].
	Compression Compression

	// RequestTimeout bounds one request, from sending it to reading the
	// answer. A request that times out is retried (and, if the server did
	// store it, stored twice: see the package documentation).
	//
	// Default: 10 s. A healthy server answers a batch in milliseconds; ten
	// seconds tells a stuck one from a busy one.
	RequestTimeout time.Duration

	// MaxInFlight is how many requests may await their answers at once,
	// each with its own batch and its own keep-alive connection. While the
	// server answers 2xx the handler sends the next batch without waiting
	// for the answer to the last, so VictoriaLogs parses one batch while the
	// next is framed, compressed and sent. Batches may then be stored in a
	// different order than they were logged; VictoriaLogs orders rows by
	// _time. Anything else (a retry, a split, an outage) is handled one
	// request at a time, and a Retry-After holds back every new request. 1
	// sends one request at a time.
	//
	// Default: 2. One request at a time leaves a single-node VictoriaLogs
	// idle between batches: in the end-to-end run (make bench-e2e) two in
	// flight store about 1.3 times as many records per second on 2 cores.
	// At most 16; each request in flight holds its batch in memory, framed
	// and compressed too: up to about twice MaxBatchBytes.
	MaxInFlight int

	// Retry is the retry policy for failed requests.
	//
	// Defaults: MinBackoff 100 ms and MaxBackoff 5 s. A blip costs a tenth
	// of a second; a restarted server is found within five seconds of
	// coming back. If only MaxBackoff is set, and below 100 ms, MinBackoff
	// defaults to it. Budget 1 minute, as OpenTelemetry's exporters. Longer
	// outages are not blips: rather than hold the oldest batch while the
	// queue behind it fills, it goes where an operator will find it.
	Retry RetryPolicy

	// Fallback receives, as NDJSON, the records that could not be
	// delivered: those left when Close times out, those whose retry budget
	// ran out, those the server rejected, and those logged after Close.
	// Each group is preceded by a summary line. While records are dropped
	// it also receives a summary line about them, at most every 10 s.
	//
	// It may log through the program's logger, and so through this
	// handler: a record it logs while being written to is dropped and
	// counted in Stats.Dropped.Reentrant (never queued, never written
	// back to it), so that it can neither deadlock nor feed itself.
	//
	// Default: os.Stderr, where a container's logs are collected anyway.
	Fallback io.Writer

	// CloseTimeout bounds Close: it delivers what is queued until then and
	// writes the rest to Fallback.
	//
	// Default: 5 s, inside the 10 s that Kubernetes and systemd give a
	// process between SIGTERM and SIGKILL by default, with room for the
	// rest of a program's shutdown.
	CloseTimeout time.Duration

	// Spool, if set, keeps the records that cannot be sent now (every node
	// failing, or the queue full) on disk instead of dropping them, and
	// sends them once a node is back, or in the next run with the same
	// Dir, e.g. &Spool{Dir: "/var/lib/app/slogx", MaxBytes: 1 << 30}.
	// With a spool, Close keeps what it cannot deliver there rather than
	// write it to Fallback. See [Spool].
	//
	// Default: nil, memory only: an outage longer than the queue holds, or
	// a crash, loses records (counted).
	Spool *Spool
}

// RetryPolicy is the retry policy for failed requests. Network errors
// (refused, reset, timeout), 408, 429 and 5xx answers are retried; a 413
// splits the batch in halves; other answers mean the server rejected the
// batch. See [Options].Retry for the defaults.
type RetryPolicy = shipper.RetryPolicy

// Compression selects how request bodies are compressed.
type Compression = shipper.Compression

const (
	// Zstd compresses at zstd's fastest level: NDJSON logs compress well,
	// for less CPU than gzip. It is the default.
	Zstd = shipper.Zstd
	// Gzip compresses at gzip's fastest level, for proxies that do not
	// pass zstd through.
	Gzip = shipper.Gzip
	// NoCompression sends bodies as they are; on a local network it saves
	// the client and the server some CPU.
	NoCompression = shipper.NoCompression
)

// Overflow selects what a log call does when the queue is full.
type Overflow = shipper.Overflow

const (
	// Backpressure is the default. While VictoriaLogs takes batches, a log
	// call that finds the queue full waits for room, so that a burst is
	// absorbed at the server's pace and stored, not dropped. While every
	// node is failing, a log call never waits: the record is dropped at
	// once and counted in [Stats].Dropped.QueueFull. A call waits at most
	// BlockTimeout (5 s by default); a wait that long means a request
	// hangs, and later calls drop at once until one succeeds again.
	Backpressure = shipper.Backpressure
	// DropNewest drops the record and counts it in [Stats].Dropped.QueueFull:
	// a log call never waits.
	DropNewest = shipper.DropNewest
	// Block waits up to BlockTimeout for room whatever the server's state,
	// then drops and counts.
	Block = shipper.Block
)

const (
	defaultURL          = "http://localhost:9428"
	defaultMaxLineBytes = 256 << 10
	minMaxLineBytes     = 1 << 10
	insertPath          = "/insert/jsonline"
)

// config is what New derives from Options.
type config struct {
	sink    sink.Config
	maxLine int
}

func (o *Options) config() (config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	bases := slices.Clone(o.URLs)
	if o.URL != "" {
		bases = append([]string{o.URL}, bases...)
	}
	if len(bases) == 0 {
		bases = []string{defaultURL}
	}

	username, password := o.Username, o.Password
	if password != "" && username == "" {
		bad("Password is set but Username is empty")
	}
	if username != "" && o.BearerToken != "" {
		bad("both basic auth (Username) and BearerToken are set; choose one")
	}

	query := url.Values{"_msg_field": {"msg"}, "_time_field": {"time"}}
	checkList := func(name string, fields []string) {
		for _, f := range fields {
			if f == "" || strings.Contains(f, ",") {
				bad("%s: %q: field names must be non-empty and contain no ','", name, f)
			}
		}
	}
	checkList("StreamFields", o.StreamFields)
	checkList("IgnoreFields", o.IgnoreFields)
	if len(o.StreamFields) > 0 {
		query.Set("_stream_fields", strings.Join(o.StreamFields, ","))
	}
	if len(o.IgnoreFields) > 0 {
		query.Set("ignore_fields", strings.Join(o.IgnoreFields, ","))
	}
	if len(o.ExtraFields) > 0 {
		keys := make([]string, 0, len(o.ExtraFields))
		for k := range o.ExtraFields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		pairs := make([]string, 0, len(keys))
		for _, k := range keys {
			v := o.ExtraFields[k]
			if k == "" || strings.ContainsAny(k, ",=") || strings.Contains(v, ",") {
				bad("ExtraFields: %q=%q: keys must be non-empty without ',' or '=', values without ','", k, v)
			}
			pairs = append(pairs, k+"="+v)
		}
		query.Set("extra_fields", strings.Join(pairs, ","))
	}

	var endpoints []string
	for _, b := range bases {
		// A URL is shown only redacted: it may carry a password or token.
		shown := sink.RedactURL(b)
		u, err := url.Parse(b)
		if err != nil {
			bad("URL %w", sink.URLError(b, err))
			continue
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			bad("URL %q: scheme must be http or https", shown)
			continue
		}
		if u.Host == "" {
			bad("URL %q: no host", shown)
			continue
		}
		if u.RawQuery != "" || u.Fragment != "" {
			bad("URL %q: must have no query or fragment; use StreamFields, ExtraFields, IgnoreFields", shown)
			continue
		}
		if u.User != nil {
			p, _ := u.User.Password()
			switch {
			case o.BearerToken != "":
				bad("URL %q has user info and BearerToken is set; choose one", shown)
			case username != "" && (username != u.User.Username() || password != p):
				bad("URL %q has user info that differs from Username/Password", shown)
			default:
				username, password = u.User.Username(), p
			}
			u.User = nil
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		if !strings.HasSuffix(u.Path, insertPath) {
			u.Path += insertPath
		}
		u.RawPath = ""
		u.RawQuery = query.Encode()
		if slices.Contains(endpoints, u.String()) {
			bad("URL %q is listed twice", shown)
			continue
		}
		endpoints = append(endpoints, u.String())
	}

	// Every request carries the same headers; they are rendered once.
	// Credentials must never show in an error, Stats or the fallback, even
	// if a server or proxy echoes them in an answer.
	var hdr shipper.Headers
	if o.AccountID != 0 || o.ProjectID != 0 {
		hdr.Own("AccountID", strconv.FormatUint(uint64(o.AccountID), 10), "")
		hdr.Own("ProjectID", strconv.FormatUint(uint64(o.ProjectID), 10), "")
	}
	authSet := false
	switch {
	case username != "":
		basic := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
		hdr.Own("Authorization", "Basic "+basic, basic) // base64 of user:password is no disguise
		hdr.Secret(password)
		authSet = true
	case o.BearerToken != "":
		hdr.Own("Authorization", "Bearer "+o.BearerToken, o.BearerToken)
		authSet = true
	}
	hdr.User(o.Headers, func(k string) string {
		switch {
		case authSet && strings.EqualFold(k, "Authorization"):
			return "Authorization conflicts with Username or BearerToken"
		case strings.EqualFold(k, "AccountID") || strings.EqualFold(k, "ProjectID"):
			return fmt.Sprintf("use the AccountID and ProjectID options instead of %q", k)
		}
		return ""
	})
	errs = append(errs, hdr.Err()...)

	maxLine := o.MaxLineBytes
	switch {
	case maxLine == 0 && o.QueueBytes > 0:
		maxLine = max(min(defaultMaxLineBytes, o.QueueBytes), minMaxLineBytes)
	case maxLine == 0:
		maxLine = defaultMaxLineBytes
	case maxLine < minMaxLineBytes:
		bad("MaxLineBytes is %d; it must be at least %d", maxLine, minMaxLineBytes)
	}

	comp, err := shipper.SinkCompression(o.Compression, shipper.Zstd)
	if err != nil {
		errs = append(errs, err)
	}
	overflow, err := shipper.SinkOverflow(o.Overflow)
	if err != nil {
		errs = append(errs, err)
	}

	cfg := config{
		maxLine: maxLine,
		sink: sink.Config{
			Name:           "victoria",
			Endpoints:      endpoints,
			ContentType:    "application/stream+json",
			BatchSize:      o.BatchSize,
			MaxBatchBytes:  o.MaxBatchBytes,
			FlushInterval:  o.FlushInterval,
			QueueSize:      o.QueueSize,
			QueueBytes:     o.QueueBytes,
			Overflow:       overflow,
			BlockTimeout:   o.BlockTimeout,
			Compression:    comp,
			RequestTimeout: o.RequestTimeout,
			MaxInFlight:    o.MaxInFlight,
			Retry:          o.Retry.Sink(shipper.RetryPolicy{}), // the sink's defaults are victoria's
			TLSConfig:      o.TLSConfig,
			Fallback:       o.Fallback,
			CloseTimeout:   o.CloseTimeout,
			Secrets:        hdr.Secrets(),
			Prepare:        hdr.Prepare(),
			Spool:          o.Spool,
		},
	}
	if q := o.QueueBytes; q > 0 && maxLine > q {
		bad("MaxLineBytes %d is larger than QueueBytes %d", maxLine, q)
	} else if q == 0 && maxLine > sink.DefaultQueueBytes {
		// The default follows what was set: room for the longest line.
		cfg.sink.QueueBytes = min(maxLine, sink.MaxQueueBytes)
	}
	return cfg, errors.Join(errs...)
}
