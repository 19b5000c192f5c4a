package victoria

import "go.slogx.dev/internal/shipper"

// Stats are a handler's counters, shared by the handlers derived from it.
// They count records; they only grow, except Queued.
//
// Every record the handler accepts ends up delivered, dropped for a named
// reason, written to the fallback, or kept in the spool. While records are
// being logged the fields are read one at a time; once the handler is
// closed,
//
//	Accepted + Spool.Recovered == Delivered + Dropped.Total() + Spool.Dropped + Spilled + Spool.Records
//
// Filtered, HookPanics and HookReentrant belong to slogx/remote's BeforeSend hook, which
// this handler does not have: they stay zero.
type Stats = shipper.Stats

// Drops counts dropped records by reason: QueueFull, Rejected (VictoriaLogs
// answered the batch with a 4xx status other than 408, 413 and 429, so
// resending could not help; the records were also copied to the fallback),
// TooLarge (the record could not be shortened below MaxLineBytes) and
// Reentrant.
type Drops = shipper.Drops
