package remote

import (
	"go.slogx.dev/internal/shipper"
	"go.slogx.dev/internal/spool"
)

// Spool configures the on-disk spool (Options.Spool): records that cannot
// be sent now go to segment files in Dir instead of being dropped, and are
// sent, oldest first, once the service is back, also by the next run of the
// program after a crash. Its fields:
//
//   - Dir: the directory the spool owns, created (mode 0700) if missing.
//     Required. One process at a time: a second New on the same Dir fails
//     with an error that names the holder.
//   - MaxBytes: the most record data kept in Dir. Default 1 GiB, about an
//     hour of a service logging a thousand records a second; minimum
//     64 KiB. When full, the oldest eighth (at most 64 MiB) is deleted and
//     its records counted in [Stats].Spool.Dropped.
//   - Sync: [SyncSegment] (default) or [SyncBatch]; see there.
//
// With only Dir set, the defaults apply.
//
// What goes to the spool: a batch that cannot be delivered because the
// service is failing (it is not retried in memory), what is queued when Close
// gives up, a record that finds the queue full, and, while the service is
// failing, each record a log call makes, written straight to the spool
// (one write to the spool file; no fsync with SyncSegment). While the
// service is healthy the spool costs a log call nothing. Once it
// answers again the spool is sent oldest first, a batch from it after each
// batch of new records, and each spooled batch is deleted once the server
// acknowledged it.
//
// Guarantee: at least once. A record that is in the spool survives kill -9
// of the process; the next New with the same Dir sends it. Records that
// were only in memory at the crash (queued for a healthy server, or logged
// in the instant before the sink saw the server fail) are lost with the
// process, as without a spool. A batch delivered just before the crash,
// whose acknowledgement had not reached the disk, is sent again by the
// next run: the only duplicates. A frame cut short by the crash, or damaged
// on disk, fails its CRC-32C check: it is skipped and counted in
// [Stats].Spool.Torn, never sent.
//
// A disk that fills up or turns read-only makes the handler work as
// without a spool (drops counted as usual) and report the error in
// [Stats].Spool.Err and LastError; the spool tries the disk again five
// seconds later. A log call never waits for anything but the local disk.
type Spool = shipper.Spool

// SyncPolicy selects when the spool forces its data to stable storage.
// Either way a spooled record survives the death of the process; the
// policy only matters for a kernel crash or power cut.
type SyncPolicy = shipper.SyncPolicy

const (
	// SyncSegment syncs each segment file once, when it is full, and at
	// Close: no cost per record. A power cut may lose the newest segment's
	// records.
	SyncSegment = spool.SyncSegment
	// SyncBatch syncs after every write to the spool, so a power cut loses
	// nothing written; each write, including a log call's while the spool
	// is in use, then waits for the disk (an fsync: from a tenth of a
	// millisecond to several milliseconds).
	SyncBatch = spool.SyncBatch
)

// SpoolStats are the spool's figures in [Stats]: records and bytes in it
// now, written, recovered from an earlier run, replayed, dropped to keep
// MaxBytes, damaged stretches skipped, records the disk refused, and its
// latest error.
type SpoolStats = shipper.SpoolStats
