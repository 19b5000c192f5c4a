// Package spool is the on-disk store behind a shipping sink's Spool option:
// records that cannot be sent now are appended to it, and read back, oldest
// first, when the server is back.
//
// # Layout
//
// A spool owns one directory:
//
//	LOCK                  flock'd by the owning process; holds "pid N on HOST since T"
//	CURSOR                the acknowledgement position, in two alternating checksummed slots
//	0000000000000001.seg  segment files, numbered in the order they were started
//	0000000000000002.seg  ...
//
// A segment is a header followed by frames, each a magic, the record's
// length, a CRC-32C of both, and the record. Records are appended to the
// newest segment until it reaches its size (an eighth of MaxBytes, at most
// 64 MiB), then a new one is started. New segments are only ever appended
// to by one process, and segments of an earlier run are never appended to.
//
// # Reading and acknowledging
//
// [Spool.Read] returns the next records in the order they were appended;
// [Spool.Ack] says they are safe elsewhere (the server acknowledged them).
// The acknowledgement position is written to CURSOR, and segments it has
// passed are deleted. After a restart, reading resumes at that position.
//
// # Guarantees
//
// Delivery is at least once. A record is in the spool once Append returns:
// the kernel has it, so it survives the death of the process (kill -9, a
// panic, the OOM killer). Against a power cut or kernel crash, SyncBatch
// makes every append durable before it returns; SyncSegment (the default)
// only each segment as it is finished, so the unfinished segment's records
// may be lost.
//
// A record read and delivered but not yet acknowledged when the process
// dies is read again by the next run: after a crash, the batch that was
// being delivered (or had just been, before its Ack reached CURSOR) may be
// delivered twice. Nothing else is repeated and nothing acknowledged is
// lost: CURSOR is written before any segment is deleted, and a torn write
// of it damages only one of its two slots, so the previous position is
// used.
//
// A frame damaged on disk (cut short by a crash mid-write, bits flipped,
// a wrong length) fails its checksum: the stretch up to the next valid
// frame is skipped and counted in [Stats].Torn, and never returned. Open
// verifies every segment an earlier run left, so it takes about the time
// to read them.
//
// # Bounds and failures
//
// The segment files never hold more than MaxBytes: an append that would
// pass it first deletes the oldest segment, counting its unread records in
// [Stats].Dropped. A record larger than MaxBytes is refused (ErrTooLarge).
//
// Open fails if the directory cannot be used at all (not a directory, no
// permission, read-only) or is locked by another spool, in this process
// or another; the error names the directory and the holder. A write that
// fails later (disk full, read-only remount, I/O error) cuts off any part
// of a frame it wrote and returns the error; for the next five seconds
// appends then fail at once with ErrUnavailable instead of trying the disk
// again, so a failing disk costs a log call no syscall. Nothing panics and
// nothing waits for anything but the disk.
package spool
