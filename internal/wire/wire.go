package wire

import (
	"errors"
	"fmt"
	"log/slog"
)

// Kind names a wire format.
type Kind int

// The wire formats. Their record encodings, framing, limits and response
// rules are described in the package doc.
const (
	// NDJSON is one JSON object per line (application/x-ndjson).
	NDJSON Kind = iota
	// JSONArray is one JSON array of objects (application/json).
	JSONArray
	// Datadog is the Datadog v2 logs intake: a JSON array of entries with
	// Datadog's reserved attributes.
	Datadog
	// Loki is the Loki push API in JSON: streams of [timestamp, line] pairs,
	// the line being the JSON record.
	Loki
	// ElasticBulk is the Elasticsearch _bulk API with "create" actions.
	ElasticBulk
	// OTLP is an OTLP/HTTP ExportLogsServiceRequest in protobuf.
	OTLP
)

var kindNames = [...]string{"NDJSON", "JSONArray", "Datadog", "Loki", "ElasticBulk", "OTLP"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Options configures a [Format] and its [Encoder]s. The zero value is
// valid for every kind.
type Options struct {
	// Service, Environment, Version and Host describe the program; each
	// non-empty one is put on every record, in the format's own place:
	// top-level fields "service", "environment", "version", "host" (NDJSON,
	// JSONArray, Loki lines); Datadog's "service", "hostname" and
	// "env:"/"version:" in "ddtags"; ECS fields "service.name",
	// "service.environment", "service.version", "host.name" (ElasticBulk);
	// OTLP resource attributes "service.name", "deployment.environment.name",
	// "service.version", "host.name". Default: empty, nothing added.
	Service, Environment, Version, Host string

	// Labels names the top-level keys of a record whose values become Loki
	// stream labels: attribute keys (of the record, of WithAttrs before any
	// WithGroup, of the context) and "service", "environment", "version",
	// "host" for the fields above. Loki indexes streams, so name a few keys
	// of few distinct values; never every attribute. Names must be valid
	// Prometheus label names; at most 15 (Loki's default
	// max_label_names_per_series, less the service_name label that is
	// always sent). Loki only. Default: none, so every record of a process
	// is in one stream, labelled service_name only.
	Labels []string

	// Index is the Elasticsearch index (or data stream) named in each
	// action line. Default: empty, no _index in the action, so the index
	// is the one in the endpoint URL (/<index>/_bulk). ElasticBulk only.
	Index string

	// Source is Datadog's "ddsource", which selects the log pipeline.
	// Default: "go". Datadog only.
	Source string

	// AddSource adds the source position of the log call, as
	// slog.HandlerOptions.AddSource does (OTLP: code.* attributes).
	AddSource bool

	// ReplaceAttr has the semantics of slog.HandlerOptions.ReplaceAttr for
	// attributes. For the JSON formats it also sees the built-in attributes
	// under the format's key names; OTLP carries time, level and message in
	// fields of their own, which ReplaceAttr does not see.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr
}

// Limits are a provider's limits on one request. Zero means no limit.
// The core keeps batches within them: a batch of n records of total size s
// (the sum of the encoded records) is sent only if n <= MaxRecords and
// s + Overhead(n) <= MaxBodyBytes, and a record longer than MaxRecordBytes
// is shortened or dropped before it is queued.
type Limits struct {
	// MaxBodyBytes bounds the uncompressed request body, framing included.
	MaxBodyBytes int
	// MaxRecords bounds the records (entries, lines, items) per request.
	MaxRecords int
	// MaxRecordBytes bounds one encoded record, as AppendRecord writes it.
	MaxRecordBytes int
}

// Format is one wire format with its options: the content type, limits,
// framing and response rules of one kind, and the root [Encoder] of its
// records. It is immutable and safe for concurrent use.
type Format struct {
	kind  Kind
	opts  Options
	enc   *Encoder
	frame framer
}

// framer is what differs between kinds on the sender's side.
type framer interface {
	overhead(n int) int
	appendBody(dst []byte, records [][]byte) []byte
	judge2xx(status int, body []byte, n int, v *Verdict)
}

// New returns the Format of kind k with opts, or an error naming every
// bad option.
func New(k Kind, opts Options) (*Format, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("wire: unknown format %v", k)
	}
	if err := opts.validate(k); err != nil {
		return nil, err
	}
	f := &Format{kind: k, opts: opts}
	var err error
	if f.enc, f.frame, err = newKind(k, &f.opts); err != nil {
		return nil, err
	}
	return f, nil
}

// Kind returns the format's kind.
func (f *Format) Kind() Kind { return f.kind }

// ContentType returns the Content-Type of request bodies. For NDJSON it is
// application/x-ndjson, which VictoriaLogs' jsonline endpoint accepts too.
func (f *Format) ContentType() string {
	switch f.kind {
	case OTLP:
		return "application/x-protobuf"
	case NDJSON, ElasticBulk:
		return "application/x-ndjson"
	default:
		// Loki's JSON push must be exactly application/json: anything else
		// is read as protobuf by Loki and VictoriaLogs alike.
		return "application/json"
	}
}

// Limits returns the provider's documented limits for the format (see the
// package doc for their sources). NDJSON and JSONArray have none.
func (f *Format) Limits() Limits { return limitsOf[f.kind] }

// Encoder returns the root encoder of the format's records: no attributes,
// no groups.
func (f *Format) Encoder() *Encoder { return f.enc }

// Overhead returns an upper bound of the bytes AppendBody adds to n records
// beyond the sum of their lengths: len(AppendBody(nil, rs)) <=
// sum(len(r)) + Overhead(len(rs)) for every rs of records from this
// format's encoders. It is a small constant plus at most a few bytes per
// record, so the core can count the framing against MaxBatchBytes while it
// adds records one by one.
func (f *Format) Overhead(n int) int { return f.frame.overhead(n) }

// Take returns how many of the leading records make a body of at most
// maxBytes bytes (uncompressed, framing included) and maxRecords records,
// within the format's Limits too; a limit <= 0 is no limit. It returns at
// least 1 when records is not empty, so a record larger than every limit
// still leaves the queue (the server then judges it).
func (f *Format) Take(records [][]byte, maxBytes, maxRecords int) int {
	l := f.Limits()
	maxBytes = minLimit(maxBytes, l.MaxBodyBytes)
	maxRecords = minLimit(maxRecords, l.MaxRecords)
	size := 0
	for i, r := range records {
		if maxRecords > 0 && i == maxRecords {
			return i
		}
		size += len(r)
		if i > 0 && maxBytes > 0 && size+f.Overhead(i+1) > maxBytes {
			return i
		}
	}
	return len(records)
}

func minLimit(a, b int) int {
	switch {
	case a <= 0:
		return b
	case b <= 0 || a < b:
		return a
	}
	return b
}

// AppendBody appends the request body that carries records, each the
// output of one AppendRecord call of this format's encoders, in order.
// Zero records give a valid empty body (the core never sends one).
func (f *Format) AppendBody(dst []byte, records [][]byte) []byte {
	return f.frame.appendBody(dst, records)
}

// Action is what the core does with a batch after a response.
type Action int

const (
	// Delivered: the server took the batch. Records listed in
	// Verdict.Resend, if any, were not stored and are sent again; those
	// counted in Verdict.Refused were refused for good.
	Delivered Action = iota
	// Retry: nothing was stored; send the whole batch again after a
	// backoff (or the Retry-After the core reads from the response).
	Retry
	// Split: the body was too large (413); send each half on its own.
	// Judge never says Split for a batch of one record: that is Rejected.
	Split
	// Rejected: the server refused the whole batch for good (bad request,
	// auth); sending it again cannot help.
	Rejected
)

var actionNames = [...]string{"Delivered", "Retry", "Split", "Rejected"}

func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Verdict is the meaning of one response to a batch of n records. Judge
// fills it in, reusing its slices, so a sender keeps one.
//
// For Delivered, n - Refused - len(Resend) records were stored. For Retry
// and Split none were, and for Rejected all n are refused.
type Verdict struct {
	Action Action
	// Resend holds the ascending indexes of records the server did not
	// store but may on a later try (Elasticsearch item statuses 429 and
	// 5xx). Delivered only.
	Resend []int
	// Refused counts the records refused for good within a Delivered
	// response (Elasticsearch item errors, OTLP partial_success
	// rejected_log_records).
	Refused int
	// RefusedItems holds the ascending indexes of the Refused records when
	// the protocol names them (Elasticsearch); nil when it gives only a
	// count (OTLP).
	RefusedItems []int
	// Message is the server's reason, for errors and reports: from the
	// protocol's error field when there is one, else the body; on one
	// line, valid UTF-8, without control characters, at most
	// MaxMessageBytes bytes. Empty when the server gave none.
	Message string
}

// MaxMessageBytes bounds Verdict.Message: enough for any provider's error
// sentence, short enough for a log line.
const MaxMessageBytes = 256

func (v *Verdict) reset(a Action) {
	v.Action = a
	v.Resend = v.Resend[:0]
	v.Refused = 0
	v.RefusedItems = v.RefusedItems[:0]
	v.Message = ""
}

// Judge fills v with the meaning of a response with status and body to a
// batch of n records (see [Action]): 2xx is Delivered, with per-item
// results where the protocol has them; 408, 429 and 5xx are Retry; 413 is
// Split (Rejected when n is 1); any other status is Rejected. The body
// need not be complete: a body cut short is judged as far as it goes.
func (f *Format) Judge(status int, body []byte, n int, v *Verdict) {
	switch {
	case status >= 200 && status < 300:
		v.reset(Delivered)
		f.frame.judge2xx(status, body, n, v)
	case status == 408 || status == 429 || status >= 500:
		v.reset(Retry)
		v.Message = f.message(body)
	case status == 413 && n > 1:
		v.reset(Split)
		v.Message = f.message(body)
	default:
		v.reset(Rejected)
		v.Message = f.message(body)
	}
}

var errNoKind = errors.New("wire: no such format")
