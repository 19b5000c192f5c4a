// Package victoria is a [log/slog] handler that ships records to
// VictoriaLogs over its /insert/jsonline API, fast, and without ever losing
// a record silently.
//
//	h, err := victoria.New(victoria.Options{
//		URL:          "http://victorialogs:9428",
//		StreamFields: []string{"service"},
//	})
//	if err != nil {
//		return err // a bad option is reported here, never at log time
//	}
//	defer h.Close() // delivers what is queued, within CloseTimeout
//	logger := slog.New(h).With("service", "checkout")
//	logger.Info("order placed", "order", 42)
//
// The handler composes with the rest of slogx: put it in a
// [go.slogx.dev/slogx.Fanout] beside a [go.slogx.dev/slogx.JSONHandler] on
// stdout, behind redaction in a [go.slogx.dev/slogx.Pipe]; Flush and Close
// reach it through both.
//
// # What is sent
//
// Each record is encoded once, on the logging goroutine, exactly as
// [slog.JSONHandler] would encode it with the same [slog.HandlerOptions]
// (keys "time", "level", "msg", "source"; groups as nested objects;
// attributes of a context made by [go.slogx.dev/slogx.NewContext] at the top
// level). Requests carry _msg_field=msg and _time_field=time, so msg
// becomes VictoriaLogs' _msg and time its _time, to the nanosecond. The
// server flattens nested objects: attribute "a" in group "g" is the field
// "g.a", which is also how StreamFields, IgnoreFields and LogsQL name it.
// Every value is stored as text.
//
// Options.StreamFields becomes _stream_fields, ExtraFields extra_fields,
// IgnoreFields ignore_fields, AccountID and ProjectID the tenant headers.
// Bodies are compressed (zstd by default) and sent with Content-Type
// application/stream+json: with a form content type VictoriaLogs answers
// 200 and stores nothing.
//
// Host-local records are never sent: those carrying
// [go.slogx.dev/slogx.LocalOnly] as an attribute, in their context, or on
// the handler (via WithAttrs). They are counted in [Stats].Local.
//
// VictoriaLogs drops, with only a warning in its own log, a line longer
// than -insert.maxLineSizeBytes (256 KiB), newline included. A record that would encode
// longer than Options.MaxLineBytes is therefore shortened so that it still
// arrives, valid JSON and marked with the [TruncatedKey] field; see there.
//
// # Delivery
//
// Handle never waits on the network itself. It queues the encoded record
// and returns; one background goroutine batches the queue (BatchSize
// records, MaxBatchBytes bytes or FlushInterval, whichever comes first) and
// sends one request at a time, over one keep-alive connection per node
// that it owns.
//
// When the queue is full, Options.Overflow decides. The default,
// [Backpressure], makes the log call wait for room while VictoriaLogs takes
// batches, so a burst is stored at the server's pace instead of dropped;
// while every node is failing it never waits, and drops the record at
// once. One call waits at most BlockTimeout (5 s by default); a wait that
// long means a request hangs, and later calls then drop at once, without
// waiting, until a request succeeds again. [DropNewest] never waits;
// [Block] always waits up to BlockTimeout.
//
// A batch is delivered when VictoriaLogs answers 2xx. Network errors
// (refused, reset, timeout), 408, 429 and 5xx are retried with exponential
// backoff and jitter; a Retry-After header is obeyed, up to 30 s (or
// MaxBackoff if that is longer) plus a jitter of up to a tenth. With
// several URLs (the insert nodes of a cluster) batches go to the healthy
// nodes in turn, and a failing node is skipped until its backoff has passed
// and then tried again. A 413 (a proxy's body limit) splits the batch in
// halves, each sent on its own. Any other answer means the server refused
// the batch (a 400, say): it is not retried, but counted in
// Stats.Dropped.Rejected and copied to Options.Fallback; each status is
// reported in full once. After a 401 or 403 (a proxy refusing the
// credentials) nothing more is sent: every later record is rejected the
// same way, and copied to the fallback.
//
// Delivery is at least once. A record is stored twice only when a request
// reached the server, the server stored its rows, and the answer was lost:
// the request timed out after the server had read it, or the connection was
// reset after that. The whole batch is then sent again. Nothing else
// repeats a record, and records are never reordered within a batch.
// Batches may be stored in a different order than they were logged: up to
// MaxInFlight requests (2 by default) are out at once while the server
// answers 2xx, and a batch sent again follows those sent after it.
// VictoriaLogs orders rows by _time, so queries do not see the difference.
//
// One limit is VictoriaLogs' own: a cluster insert (front) node answers
// before it forwards the rows to the storage nodes, buffering them for up
// to a second. Rows it acknowledged just before being killed (SIGKILL, OOM)
// are lost inside the cluster, where no client can see it; a node that is
// stopped normally forwards them first.
//
// # Nothing is lost silently
//
// Every record the handler accepts ends in exactly one of these, all
// counted in [Stats]:
//
//   - delivered;
//   - dropped, for a named reason: the queue was full (Dropped.QueueFull),
//     the server rejected its batch (Dropped.Rejected, and copied to the
//     fallback), it could not be shortened below MaxLineBytes
//     (Dropped.TooLarge), or the Fallback writer logged it through this
//     handler while being written to (Dropped.Reentrant, see below);
//   - spilled: written, as NDJSON, to Options.Fallback (os.Stderr by
//     default) because its batch's retry budget ran out, because Close
//     timed out, or because it was logged after Close.
//
// Once the handler is closed, Accepted == Delivered + Dropped.Total() +
// Spilled. Close returns an error that sums up every record not delivered
// over the handler's life, and Stats.LastError says why the last failure
// happened. Drops are also reported while they happen: while records are
// dropped, a summary line goes to the fallback at most once every 10 s
// ("dropped 1234 records in the last 10 s: queue full"), the first at
// once, and Stats.LastDropAt and Stats.DropReports say when and how often.
// In the fallback each group of records is preceded by a summary line,
// itself a JSON object with level WARN, saying how many follow and why.
//
// No error, Stats field or fallback summary line shows a credential: URLs
// are shown without user info and query values, and the password, bearer
// token and credential-like header values of the options are masked even
// where a server echoes them back.
//
// The Fallback writer may itself log through the program's logger, and so
// through this handler. A record it logs while the handler is writing to it
// is dropped and counted in Dropped.Reentrant, never queued or written:
// queued, it could fail and be written to the fallback again, which would
// log again, for ever. Nothing waits or deadlocks on the way.
//
// # Surviving long outages and crashes
//
// With Options.Spool set, records that cannot be sent now go to files in a
// directory instead of being dropped, and are sent when a node is back,
// also by the next run of the program after a crash or restart. See
// [Spool] for what goes there, the bounds, and the guarantee (at least
// once; duplicates only of the batch acknowledged just before a crash).
// Then Accepted + Spool.Recovered == Delivered + Dropped.Total() +
// Spool.Dropped + Spilled + Spool.Records once the handler is closed.
//
// # Lifecycle
//
// Handlers derived with WithAttrs and WithGroup share the queue and the
// sender, so Flush, Close and Stats on any of them act on all.
// [Handler.Flush] returns once every record logged before it is delivered
// (or dropped or spilled, and counted). [Handler.Close] delivers what is
// queued for up to CloseTimeout (5 s), writes the rest to the fallback,
// and returns when its goroutine has exited and its connections are
// closed; a request still in flight at the deadline is cut off by closing
// its connection. After Close returns nothing the handler started is still
// running.
//
// # Defaults
//
// Every default is documented, with its reason, on its [Options] field. In
// short: http://localhost:9428; batches of 1000 records or 1 MiB, sent at
// least every second; a queue of 100,000 records and 64 MiB, waited on
// (Backpressure) for up to 5 s while the server takes batches; zstd;
// requests time out after 10 s; backoff from 100 ms to 5 s, Retry-After
// obeyed up to 30 s, a batch retried for up to a minute; lines up to
// 256 KiB; Close within 5 s; undeliverable records to os.Stderr. A default
// that another option bounds follows that option when it is set
// (QueueSize 500 makes BatchSize 500, for instance), so setting one option
// never contradicts a default.
//
// # Performance
//
// Handle allocates nothing once its buffer pools are warm (a record longer
// than 16 KiB gets a buffer of its own). It costs the logging goroutine the
// encoding that [go.slogx.dev/slogx.JSONHandler] does, plus a copy-free
// hand-over of the pooled buffer and a few atomic operations to queue it,
// where JSONHandler takes a mutex. A queued record holds a buffer of at
// most twice its size, and the queue's byte bound counts that buffer. The
// sender compresses each batch with a reused encoder and reuses its
// buffers; while the server answers 2xx it sends the next batch without
// waiting for the answer to the last (MaxInFlight). The benchmark report (docs/benchmarks.md, made by `make
// bench-report`) gives the measured costs, and `make bench-e2e` compares
// records stored per second with a loop that POSTs pre-encoded NDJSON to
// the same server.
package victoria
