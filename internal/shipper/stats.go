package shipper

import (
	"time"

	"go.slogx.dev/internal/sink"
)

// Stats are a handler's counters, shared by the handlers derived from it.
// They count records; they only grow, except Queued.
//
// Every record the handler accepts ends up delivered, dropped for a named
// reason, written to the fallback, or kept in the spool. While records are
// being logged the fields are read one at a time; once the handler is
// closed,
//
//	Accepted + Spool.Recovered == Delivered + Dropped.Total() + Spool.Dropped + Spilled + Spool.Records
type Stats struct {
	// Accepted counts the records given to Handle that were meant to be
	// sent (host-local ones are counted in Local instead, and those a
	// BeforeSend hook dropped in Filtered).
	Accepted uint64
	// Delivered counts the records in batches the server acknowledged.
	Delivered uint64
	// Retried counts requests that repeated a failed attempt of a batch.
	Retried uint64
	// Dropped counts the records dropped, by reason.
	Dropped Drops
	// Spilled counts the records written to Options.Fallback instead of
	// the server: at Close, when a batch's retry budget ran out, or after
	// Close.
	Spilled uint64
	// Truncated counts the records shortened to fit the line limit (and
	// sent).
	Truncated uint64
	// Local counts the host-local records that were not sent.
	Local uint64
	// Filtered counts the records a BeforeSend hook dropped by returning
	// false (slogx/remote; zero for handlers without the hook).
	Filtered uint64
	// HookPanics counts the calls of a BeforeSend hook that panicked. Their
	// records are not sent (a half-edited record might carry what the hook
	// meant to remove) and are counted here, not in Accepted.
	HookPanics uint64
	// HookReentrant counts the records logged from inside a BeforeSend
	// hook through the handler that runs it (directly, or through a logger
	// that reaches it, such as slog's default). They are not sent: running
	// the hook on them would recurse without end, and skipping it would
	// skip what the hook is for. They are not in Accepted.
	HookReentrant uint64
	// Batches counts the requests the server acknowledged; Bytes and
	// WireBytes are their bodies before and after compression.
	Batches, Bytes, WireBytes uint64
	// Queued is the number of records waiting to be sent now.
	Queued int
	// Spool holds the spool's figures (zero without Options.Spool).
	// Records written to it are still accepted; they end up delivered
	// (Spool.Replayed counts them again), dropped from the spool
	// (Spool.Dropped), or still in it (Spool.Records). Spool.Recovered
	// counts those an earlier run left, which are not in Accepted.
	Spool SpoolStats
	// LastError is the latest failure (a request error, an error status, a
	// spill) and LastErrorAt when it happened; nil if there was none. It
	// never holds a password, token or API key from the options.
	LastError   error
	LastErrorAt time.Time
	// LastDropAt is when a record was last dropped (zero if none was), and
	// DropReports counts the summary lines about drops written to
	// Options.Fallback: while records are being dropped, one line at most
	// every 10 s says how many and why, e.g. "dropped 1234 records in the
	// last 10 s: queue full"; Close writes the last one.
	LastDropAt  time.Time
	DropReports uint64
}

// Drops counts dropped records by reason.
type Drops struct {
	// QueueFull: the queue was full when the record was logged.
	QueueFull uint64
	// Rejected: the server refused the record for good (a 4xx status other
	// than 408, 413 and 429, or a per-item error that resending cannot
	// fix), so resending could not help; or it was never sent because the
	// server had refused the credentials. The records were also copied to
	// the fallback.
	Rejected uint64
	// TooLarge: the record could not be shortened below the line limit.
	TooLarge uint64
	// Reentrant: after Close, Options.Fallback logged through this handler
	// while the handler was writing to it. Writing that record to the
	// fallback too would recurse without end, so it is dropped. (Before
	// Close such records are queued and sent like any other.)
	Reentrant uint64
}

// Total returns the number of dropped records.
func (d Drops) Total() uint64 { return d.QueueFull + d.Rejected + d.TooLarge + d.Reentrant }

// statsFrom maps the sink's counters.
func statsFrom(s sink.Stats) Stats {
	return Stats{
		Accepted:  s.Accepted,
		Delivered: s.Delivered,
		Retried:   s.Retried,
		Dropped: Drops{
			QueueFull: s.DroppedQueueFull,
			Rejected:  s.DroppedRejected,
			TooLarge:  s.DroppedTooLarge,
			Reentrant: s.DroppedReentrant,
		},
		Spilled:     s.Spilled,
		Truncated:   s.Truncated,
		Local:       s.Local,
		Batches:     s.Batches,
		Bytes:       s.Bytes,
		WireBytes:   s.WireBytes,
		Queued:      s.Queued,
		Spool:       s.Spool,
		LastError:   s.LastError,
		LastErrorAt: s.LastErrorAt,
		LastDropAt:  s.LastDropAt,
		DropReports: s.DropReports,
	}
}
