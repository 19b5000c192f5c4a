// Package wire holds the wire formats of slogx/remote: how one record is
// encoded (once, on the logging goroutine), how encoded records become a
// request body, what a provider's limits are, and what its answers mean.
// It knows nothing about queues, HTTP or retries; internal/sink does that
// with a [Format] as its framing and judging seams.
//
// # Records and bodies
//
// An [Encoder] appends one record as one item of its format, honouring
// WithAttrs and WithGroup as slog.JSONHandler does; [Format.AppendBody]
// frames a list of such items:
//
//   - NDJSON: the record as internal/ndjson encodes it (slog's keys
//     "time", "level", "msg"), one per line; the body is the lines.
//   - JSONArray: the same objects; the body is a JSON array.
//   - Datadog: objects with Datadog's reserved attributes: "message",
//     "status" (debug, info, warn, error, critical), "timestamp" in Unix
//     milliseconds, "service", "hostname", "ddsource", "ddtags"; the body is
//     a JSON array (v2 intake).
//   - Loki: a stream object {"stream":{labels},"values":[["<ns>","<line>"]]}
//     per record, the line being the NDJSON record; the body is
//     {"streams":[...]} with adjacent records of the same labels merged into
//     one stream. Labels are service_name and those named in
//     Options.Labels.
//   - ElasticBulk: a {"create":{}} action line and the document (ECS keys
//     "@timestamp", "log.level", "message") per record; the body is the
//     lines.
//   - OTLP: a LogRecord (severity number and text, body, time and observed
//     time in nanoseconds, attributes with groups as kvlist values, trace
//     and span ids: see [TraceIDKey]) per record; the body is an
//     ExportLogsServiceRequest with one resource (Options.Service and the
//     other fields as service.name, deployment.environment.name,
//     service.version, host.name) and one scope ([ScopeName]). The
//     package writes the protobuf itself, with no protobuf dependency.
//
// Invalid UTF-8 becomes U+FFFD in every format, so a body is always valid
// JSON or valid protobuf. Keys are written as the program logs them, so a
// record may repeat a key (an attribute named "message" beside the
// message): JSON readers keep the last, but Elasticsearch refuses such a
// document, and Judge counts it among the refused items with ES's reason.
// Likewise a record without a time (only possible by calling Handle
// directly) has no "@timestamp", which an Elasticsearch data stream
// refuses.
//
// # Limits
//
// [Format.Limits] gives each provider's documented limits on a request and
// [Format.Overhead] an upper bound of the framing, so the core can keep
// every body within them ([Format.Take]).
//
// # Answers
//
// [Format.Judge] turns a status and body into a [Verdict]: delivered
// (with per-item results where the protocol has them: Elasticsearch item
// statuses, OTLP partial_success), retry (408, 429, 5xx), split (413) or
// rejected for good (any other status), with the server's reason made
// safe to print. Loki (and VictoriaLogs' Loki endpoint) may have stored
// some entries of a push it answers 400; the batch is still Rejected,
// since sending it again would store those twice and fail the same way.
//
// # VictoriaLogs
//
// VictoriaLogs accepts every format here on its compatible endpoints, with
// quirks the tests pin: its Loki endpoint answers 400 for a whole push
// with a bad entry but keeps the entries before it (so a Rejected verdict
// over-counts), and reads JSON lines into fields; its
// _bulk endpoint stops at the first bad line and still answers 200, with
// no body; its Datadog endpoint reads only string values and "timestamp"
// in milliseconds; it names the message and time fields of NDJSON and
// _bulk documents by the _msg_field and _time_field query parameters.
package wire
