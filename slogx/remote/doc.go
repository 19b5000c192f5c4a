// Package remote is a [log/slog] handler that ships records to a log
// service over HTTP, in the wire format the service speaks: NDJSON, a JSON
// array, the Datadog v2 intake, the Loki push API, the Elasticsearch _bulk
// API, or OTLP/HTTP in protobuf. It batches, compresses and retries in the
// background, and never loses a record without saying so.
//
// It runs on the same shipping core as [go.slogx.dev/slogx/victoria]: the
// same Handle path, queue, batching, retries, accounting and lifecycle. What
// is remote's own is the wire format and the API key.
//
// # A worked example
//
// A checkout service ships to Datadog's EU intake. The key comes from the
// environment; the service's name, environment and version go on every
// record, where Datadog looks for them:
//
//	h, err := remote.New(remote.Options{
//		Endpoint:    "https://http-intake.logs.datadoghq.eu/api/v2/logs",
//		APIKey:      os.Getenv("DD_API_KEY"),
//		AuthHeader:  "DD-API-KEY",
//		Format:      remote.Datadog,
//		Service:     "checkout",
//		Environment: "prod",
//		Version:     "1.4.2",
//		BeforeSend: func(_ context.Context, r *slog.Record) bool {
//			return r.Message != "health check" // not worth paying for
//		},
//	})
//	if err != nil {
//		return err // a bad option is reported here, never at log time
//	}
//	defer h.Close() // delivers what is queued, within CloseTimeout
//	slog.SetDefault(slog.New(h))
//	slog.Info("order placed", "order", 42, "amount_cents", 1999)
//
// Each record becomes one Datadog entry,
//
//	{"timestamp":1764582615123,"status":"info","message":"order placed",
//	 "service":"checkout","ddsource":"go","ddtags":"env:prod,version:1.4.2",
//	 "order":42,"amount_cents":1999}
//
// sent with up to 999 others in one gzip-compressed request at least once a
// second. While DD_API_KEY is unset on a developer's machine, leave
// Endpoint empty instead: the same program prints its records to stderr
// and sends nothing (see Development mode).
//
// # Formats
//
//	Format       Content-Type            body                                  per-item results
//	NDJSON       application/x-ndjson    one JSON object per line              no
//	JSONArray    application/json        [obj,obj,...]                         no
//	Datadog      application/json        [entry,...], ≤1000 entries, ≤5 MB     no
//	Loki         application/json        {"streams":[{"stream":{...},"values":[[ns,line],...]}]}  no
//	ElasticBulk  application/x-ndjson    {"create":{}} + document per record   yes
//	OTLP         application/x-protobuf  ExportLogsServiceRequest              partial_success count
//
// Every JSON format encodes a record as [slog.JSONHandler] does (same
// escaping, groups as nested objects, ReplaceAttr), under the key names of
// the format: "time", "level", "msg" for NDJSON, JSONArray and Loki lines;
// "timestamp" (Unix milliseconds), "status", "message" for Datadog;
// "@timestamp", "log.level", "message" (Elastic Common Schema) for
// ElasticBulk. OTLP puts the time, severity and message in the log
// record's own fields and the attributes in its attributes, groups as
// nested key-value lists.
//
// A format knows its provider's limits: batches are cut to fit the
// records and bytes per request (Datadog: 1000 entries, 5 MB; Loki and
// OTLP: 4 MiB), and MaxBatchBytes counts the framing, not only the
// records.
//
// # Authentication
//
// APIKey is sent as "Authorization: Bearer <key>", or, with AuthHeader, as
// the plain value of that header ("DD-API-KEY" for Datadog). Headers adds
// others (a tenant id, say). The key is never shown: not in New's errors,
// Stats.LastError, Close's error, the fallback output or a panic; where a
// server's error message echoes it, it is replaced by "xxxxx".
//
// # Delivery
//
// Handle never waits on the network: it runs BeforeSend, encodes the
// record once, on the logging goroutine, and queues it. One background
// goroutine batches the queue (BatchSize records, MaxBatchBytes bytes or
// FlushInterval, whichever comes first) and sends one request at a time.
// When a burst fills the queue while the service takes batches, a log call
// waits for room (Overflow [Backpressure], at most BlockTimeout); while
// the service is unreachable it never waits, and records that do not fit
// are dropped, counted and reported on Fallback as it happens.
//
// The answer decides what happens to a batch:
//
//   - 2xx: delivered. For ElasticBulk, an answer with "errors":true is read
//     item by item: items refused with 429 or 5xx are sent again, alone
//     (the others are stored and not repeated); items refused for good (a
//     mapping error) are counted in Stats.Dropped.Rejected and copied to
//     Fallback. For OTLP, partial_success.rejected_log_records counts as
//     rejected.
//   - 408, 429, 5xx and network errors (refused, reset, timeout): retried
//     with exponential backoff and jitter, for up to Retry.Budget; a
//     Retry-After header is obeyed, up to a cap. A batch that runs out of
//     budget is written to Fallback.
//   - 413 (too large): the batch is split in halves and each is sent on its
//     own; a single record the service still refuses is rejected.
//   - 400, 401, 403 and every other status: not retried, since resending
//     cannot help. The records are counted in Stats.Dropped.Rejected and
//     copied to Fallback; the status and the server's message are reported
//     once (in Stats.LastError and a summary line on Fallback), not once per
//     batch.
//
// Delivery is at least once: a batch whose request reached the service but
// whose answer was lost (a timeout, a reset after the service read it) is
// sent again. Records are never reordered within a batch, but batches may
// reach the service in a different order than they were logged: up to
// MaxInFlight requests (2 by default) are out at once while the service
// answers 2xx, and a batch sent again follows those sent after it. Log
// services order records by their timestamps.
//
// # Development mode
//
// With an empty Endpoint nothing is sent and no key is needed: each record
// is written at once, as a JSON line with the Service, Environment, Version
// and Host fields, to Options.Fallback (os.Stderr by default), whatever
// the Format. Stats count these records as delivered. No goroutine is
// started. Every other option is still checked, so a program that starts
// in development mode does not fail later in production for a bad option.
//
// # Nothing is lost silently
//
// Every record the handler accepts ends in exactly one of: delivered;
// dropped for a named reason (Dropped.QueueFull, Dropped.Rejected,
// Dropped.TooLarge); or spilled, written as a JSON line to Options.Fallback
// because its retry budget ran out, Close timed out, or it was logged
// after Close. Once the handler is closed, Accepted == Delivered +
// Dropped.Total() + Spilled, and Close returns an error summing up every
// record not delivered. Records that never entered the queue are counted
// apart: host-local ones ([go.slogx.dev/slogx.LocalOnly]) in Local, those
// BeforeSend dropped in Filtered, those whose BeforeSend panicked in
// HookPanics, those logged from inside BeforeSend through the same handler
// in HookReentrant.
//
// On the fallback each record is one JSON line: the record itself for the
// JSON formats (a Loki entry with its stream labels; an Elasticsearch
// document without its action line), and for OTLP, whose records are
// protobuf, {"otlp_log_record":"<base64 of the LogRecord>"}, which keeps
// the record whole for replay.
//
// # Surviving long outages and crashes
//
// With Options.Spool set, records that cannot be sent now go to files in a
// directory instead of being dropped, and are sent when the service is
// back, also by the next run of the program after a crash or restart. See
// [Spool] for what goes there, the bounds, and the guarantee (at least
// once; duplicates only of the batch acknowledged just before a crash).
// Then Accepted + Spool.Recovered == Delivered + Dropped.Total() +
// Spool.Dropped + Spilled + Spool.Records once the handler is closed.
//
// # Lifecycle
//
// Handlers derived with WithAttrs and WithGroup share the queue and the
// sender. [Handler.Flush] returns once every record logged before it is
// delivered (or dropped or spilled, and counted). [Handler.Close] delivers
// what is queued for up to CloseTimeout, writes the rest to the fallback,
// and returns when its goroutines have exited.
//
// # Defaults
//
// Every default is documented, with its reason, on its [Options] field. In
// short: NDJSON; gzip; batches of 1000 records or 1 MiB, sent at least
// every second; a queue of 100,000 records and 64 MiB; requests time out
// after 10 s; backoff from 1 s to 30 s, a batch retried for up to 5
// minutes; records up to 256 KiB; Close within 5 s; undeliverable records
// to os.Stderr.
//
// # Performance
//
// Handle allocates nothing once its buffer pools are warm, in every
// format, with or without a BeforeSend hook: the record is encoded
// straight into a pooled buffer that the queue takes over. The sender
// frames and compresses each batch with reused buffers. The benchmark
// report gives the figures.
package remote
