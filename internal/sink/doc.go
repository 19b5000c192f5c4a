// Package sink is the batching sender shared by the slogx sinks that ship
// records off the host: slogx/victoria and slogx/remote. It knows
// nothing about slog or about any backend: a face encodes each record once,
// on the logging goroutine, hands the bytes to [Sink.Enqueue], and supplies
// the endpoints and a hook that finishes each HTTP request.
//
// # Pipeline
//
//	Enqueue (any goroutine)            sender (one goroutine)
//	copy into a pooled buffer  ──►  ring ──►  batch (count, bytes, interval)
//	reserve room (one atomic add)             frame (Format), compress
//	never blocks on the network               POST over its own connections
//	                                          retry, rotate endpoints, spill
//
// Enqueue copies the encoded line into a buffer from a size-classed pool, so
// the memory a queued record holds is at most twice its size, and pushes the
// buffer on an [ringbuf.Ring]. Room in the queue is reserved by a single
// atomic add on a word that packs the queued record count, the queued bytes
// and a closed flag: a full queue is noticed at once, and Close can tell
// exactly which records made it in before it. The bytes counted are the
// capacity of the record's buffer, what it really retains, for the bound and
// for the "too large" check alike; a buffer much larger than its record is
// first swapped for one that fits.
//
// When the queue is full, Config.Overflow decides: [Backpressure] (the
// default) waits for room, up to BlockTimeout, while requests succeed, and
// drops at once while every endpoint fails or after a wait ran out;
// [DropNewest] drops at once; [Block] waits up to BlockTimeout.
//
// The sender drains the ring into batches of at most BatchSize records and
// MaxBatchBytes bytes, returns the record buffers to the pool as soon as the
// batch body is built, compresses it with a reused encoder and POSTs it. A
// batch is sent when it is full, when FlushInterval passes, on Flush and on
// Close. Requests are sequential: one batch is in flight at a time, which
// keeps one keep-alive connection per endpoint and the order of batches.
//
// # Framing and judging
//
// A [Format] (Config.Format; NDJSON when nil) is the seam a wire format
// fills: it decides how many queued records make one request body
// (MaxBatchBytes counts its framing, and the format's provider limits on
// records and bytes per request apply), frames them (lines, a JSON array,
// a Loki push object, Elasticsearch bulk actions, an OTLP message), judges
// the answer, and renders a record as a line for the fallback writer. The
// sender keeps a batch's records apart until it is resolved, so that an
// answer can resolve them part by part.
//
// # Delivery
//
// The Format's verdict on an answer decides:
//
//   - delivered (2xx): the records are counted delivered, except those the
//     answer names, per item, as refused for good (dropped as rejected and
//     copied to the fallback) or as worth sending again (429 and 5xx items
//     of an Elasticsearch bulk answer), which are sent again on their own,
//     after a backoff, and nothing else is;
//   - retry (network errors, 408, 429, 5xx): the request is sent again. An
//     endpoint that fails is skipped until its backoff (exponential, with
//     jitter) or its Retry-After (capped at MaxRetryAfter, plus jitter) has
//     passed; meanwhile other endpoints take the batches;
//   - split (413): each half of the batch is sent on its own, halving again
//     as needed; a single record still too large is rejected;
//   - rejected (any other status): the records are dropped and counted, and
//     copied to the fallback writer, so they are not lost from sight. A
//     status is reported in full (with the server's message) the first
//     time, briefly after. After a 401 or 403 nothing more is sent: every
//     later batch is rejected at once, since a refused credential does not
//     heal itself.
//
// A part of a batch that cannot be delivered within the retry budget is
// written to the fallback writer.
//
// Delivery is at least once: a batch whose request reached the server but
// whose answer was lost (a timeout, a reset after the server read the body)
// is sent again and stored twice. Nothing else is duplicated.
//
// # Accounting
//
// Every record passed to Enqueue is accepted, and ends in exactly one of:
// delivered, dropped (queue full, rejected by the server, too large,
// reentrant) or spilled to the fallback writer, or, with a spool, dropped
// from the spool to keep its MaxBytes or still in it. Records an earlier
// run left in the spool join as Spool.Recovered. After Close,
// Accepted + Spool.Recovered == Delivered + Dropped + Spool.Dropped +
// Spilled + Spool.Records.
//
// # Spool
//
// With Config.Spool, what cannot be sent now goes to disk (internal/spool)
// instead of being retried in memory, spilled or dropped, and is replayed
// oldest first, a batch after each batch from the queue; spool.go has the
// rules. While records are dropped the
// sender writes a summary line to the fallback at most once per
// DropReportInterval, the first at once, and once more at Close.
//
// The fallback writer may log through the face's handler. A record it logs
// while the sink is writing to it, on the goroutine doing the write, is
// dropped and counted as reentrant (ErrReentrant): queued, it could come
// back to the fallback and feed it for ever; after Close it would wait for
// a lock its own goroutine holds. No error, Stats field or summary line
// shows an endpoint's user info, its query values, or Config.Secrets.
package sink
