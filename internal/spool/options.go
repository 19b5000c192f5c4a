package spool

import (
	"errors"
	"fmt"
)

// Sync selects when the spool asks the operating system to put what it
// wrote on stable storage (fsync).
//
// Either way every append reaches the kernel before it returns, so a spooled
// record survives the death of the process (kill -9, a panic, the OOM
// killer). Sync only matters when the machine itself stops: a kernel crash
// or a power cut.
type Sync int

const (
	// SyncSegment syncs a segment once, when it is full and a new one is
	// started, and at Close. It is the default: it costs one fsync per
	// segment, nothing per record. A power cut may lose the records
	// appended to the newest segment since it was started.
	SyncSegment Sync = iota
	// SyncBatch syncs after every append: a batch moved from memory to the
	// spool, or a single record a log call writes through. Nothing
	// acknowledged by an append is lost to a power cut, at the price of
	// one fsync (commonly 0.1 to 10 ms, depending on the disk) per append,
	// which a log call waits for while the spool is in use.
	SyncBatch
)

// String returns the name of the policy.
func (s Sync) String() string {
	switch s {
	case SyncSegment:
		return "SyncSegment"
	case SyncBatch:
		return "SyncBatch"
	}
	return fmt.Sprintf("Sync(%d)", int(s))
}

// Defaults and limits.
const (
	// DefaultMaxBytes holds several million typical records (about an hour
	// of a service logging a thousand records a second) and fits on any
	// server's disk.
	DefaultMaxBytes = 1 << 30
	// MinMaxBytes keeps room for a few segments of a useful size.
	MinMaxBytes = 64 << 10
	// maxSegmentBytes caps a segment so that dropping the oldest one loses
	// a bounded slice of the spool, and deleting it is quick.
	maxSegmentBytes = 64 << 20
	// segmentsPerSpool is how many segments MaxBytes is split into: the
	// oldest one is what a full spool drops, so it is an eighth of the
	// spool (or maxSegmentBytes).
	segmentsPerSpool = 8
)

// Options configures a spool: the directory it owns and its bounds. The
// zero value of every field but Dir is a documented default.
type Options struct {
	// Dir is the directory the spool keeps its files in. It is created if
	// missing (mode 0700: the records may hold anything the program logs).
	// One process at a time may use it: a lock file (LOCK) enforces that,
	// and a second open fails with an error that names the holder. Dir
	// should not be shared with anything else. Required.
	Dir string

	// MaxBytes bounds the bytes of record data in Dir. When the next record
	// would pass it, the oldest segment (an eighth of MaxBytes, at most
	// 64 MiB) is deleted and its records counted as dropped: the newest
	// records are the ones an operator wants after an outage.
	//
	// Default: 1 GiB (DefaultMaxBytes). Minimum 64 KiB.
	MaxBytes int64

	// Sync decides when data is forced to stable storage. Default:
	// [SyncSegment].
	Sync Sync

	// segmentBytes overrides the segment size (tests).
	segmentBytes int64
	// fs is the file layer (tests inject faults); nil is the OS.
	fs fileSystem
}

// Validate reports what is wrong with o, as Open would, without touching
// the disk.
func Validate(o Options) error {
	_, err := o.withDefaults()
	return err
}

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("Dir is empty"))
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < MinMaxBytes {
		errs = append(errs, fmt.Errorf("MaxBytes is %d; it must be at least %d", o.MaxBytes, MinMaxBytes))
	}
	if o.Sync != SyncSegment && o.Sync != SyncBatch {
		errs = append(errs, fmt.Errorf("unknown Sync %d", int(o.Sync)))
	}
	if o.segmentBytes == 0 {
		o.segmentBytes = min(o.MaxBytes/segmentsPerSpool, maxSegmentBytes)
	}
	if o.fs == nil {
		o.fs = osFS{}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("spool: %w", err)
	}
	return o, nil
}
