package spool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors returned by the spool. Every error from [Open] and [Spool.Append]
// names the directory; none holds record data.
var (
	// ErrLocked: another open spool (in this process or another) holds Dir.
	ErrLocked = errors.New("spool directory in use")
	// ErrTooLarge: the record does not fit in MaxBytes.
	ErrTooLarge = errors.New("record larger than the spool")
	// ErrUnavailable: an earlier write failed (disk full, read-only, I/O
	// error) and the spool is resting before it tries the disk again.
	ErrUnavailable = errors.New("spool unavailable")
	// ErrClosed: the spool was closed.
	ErrClosed = errors.New("spool closed")
)

var errLocked = ErrLocked

// retryAfterFailure is how long the spool refuses appends after a write
// failed, before it tries the disk again: a full disk is not freed in
// microseconds, and a log call must not pay a failing syscall each time.
const retryAfterFailure = 5 * time.Second

const lockName = "LOCK"

// segment is one segment file, as the spool knows it.
type segment struct {
	seq     uint64
	size    int64 // bytes written and published; readers stop here
	records int   // valid frames past the point reading started at
	read    int   // of those, handed to the reader
	sealed  bool  // no more appends
	tornTo  int64 // damage starting below this offset was counted already
	dropped bool  // deleted to keep MaxBytes; its unread records were counted
}

// Spool is an append-only, bounded store of records on disk, read back in
// order and deleted as the reader acknowledges them. Append may be called
// from any goroutine; Read and Ack from one goroutine at a time (the
// sender).
type Spool struct {
	o    Options
	fs   fileSystem
	lock file
	cur  cursor
	now  func() time.Time

	mu        sync.Mutex
	segs      []*segment // oldest first
	active    *segment   // being appended to, or nil; always the last of segs
	w         file       // active's file
	total     int64      // bytes of all segment files
	unread    int        // records not yet handed to the reader
	nextSeq   uint64
	wbuf      []byte
	failErr   error // the write failure that degraded the spool
	restErr   error // what Append returns until failUntil
	failUntil time.Time
	lastErr   error
	closed    bool
	ack       position
	st        counters

	// Reader state, owned by the reading goroutine.
	rseg *segment
	rf   file
	rsc  *scanner
	rbuf []byte
	rpos position // where reading stopped
}

type counters struct {
	recovered, written, read, acked, dropped, torn, failed uint64
}

// Stats describe the spool. Records that were in it at Open or appended
// since are, at any moment, read out, dropped or still unread:
//
//	Recovered + Written == Read + Dropped + Records
type Stats struct {
	Records   int    // records on disk not yet read out
	Bytes     int64  // bytes of the segment files in Dir
	Segments  int    // segment files in Dir
	Recovered uint64 // records found on disk at Open, left by an earlier run
	Written   uint64 // records appended since Open
	Read      uint64 // records handed to the reader since Open
	Acked     uint64 // records the reader acknowledged (deleted or to be deleted)
	Dropped   uint64 // records deleted unread to keep within MaxBytes
	Torn      uint64 // damaged stretches skipped (a torn last frame, flipped bits), never read out
	Failed    uint64 // records Append could not write (disk full, read-only, I/O error)
	// Err is the latest I/O error, nil if there was none. While the spool
	// is degraded after a failed write, Append returns ErrUnavailable.
	Err error
}

// Open opens (creating if needed) the spool in o.Dir, locks it, and reads
// what an earlier run left: the records not acknowledged then are read out
// first. Segments are scanned once, so Open takes about the time to read
// what is on disk; damaged stretches are counted and will be skipped.
//
// Open fails if Dir cannot be used at all (not a directory, no permission,
// a read-only file system) or another spool holds it.
func Open(o Options) (*Spool, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Spool{o: o, fs: o.fs, now: time.Now}
	if err := s.open(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

func (s *Spool) errorf(format string, args ...any) error {
	return fmt.Errorf("spool %q: "+format, append([]any{s.o.Dir}, args...)...)
}

func (s *Spool) path(name string) string { return filepath.Join(s.o.Dir, name) }

func segName(seq uint64) string { return fmt.Sprintf("%016x.seg", seq) }

func (s *Spool) open() error {
	if err := s.fs.MkdirAll(s.o.Dir, 0o700); err != nil {
		if fi, serr := s.fs.Stat(s.o.Dir); serr == nil && !fi.IsDir() {
			return s.errorf("not a directory")
		}
		return s.errorf("creating the directory: %w", err)
	}
	if fi, err := s.fs.Stat(s.o.Dir); err != nil {
		return s.errorf("%w", err)
	} else if !fi.IsDir() {
		return s.errorf("not a directory")
	}
	lf, err := s.fs.OpenFile(s.path(lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return s.errorf("opening the lock file: %w", err)
	}
	if err := tryLock(lf); err != nil {
		holder := readHolder(lf)
		lf.Close()
		if errors.Is(err, errLocked) {
			if holder == "" {
				holder = "holder unknown"
			}
			return fmt.Errorf("spool %q: %w by another spool (%s); one process may use a directory at a time", s.o.Dir, ErrLocked, holder)
		}
		return s.errorf("locking: %w", err)
	}
	s.lock = lf
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s since %s", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := lf.Truncate(0); err != nil {
		return s.errorf("writing the lock file: %w", err)
	}
	if _, err := lf.WriteAt([]byte(info+"\n"), 0); err != nil {
		return s.errorf("writing the lock file: %w", err)
	}

	cf, err := s.fs.OpenFile(s.path(cursorName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return s.errorf("opening the cursor: %w", err)
	}
	s.cur.f = cf
	if s.ack, err = s.cur.load(); err != nil {
		return s.errorf("reading the cursor: %w", err)
	}
	return s.recover()
}

// readHolder returns what the lock's holder wrote about itself.
func readHolder(f file) string {
	var b [256]byte
	n, _ := f.ReadAt(b[:], 0)
	return strings.TrimSpace(string(b[:n]))
}

// recover finds the segments an earlier run left and counts their records.
func (s *Spool) recover() error {
	ents, err := s.fs.ReadDir(s.o.Dir)
	if err != nil {
		return s.errorf("listing: %w", err)
	}
	var seqs []uint64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok || len(name) != 16 || !e.Type().IsRegular() {
			continue
		}
		seq, err := strconv.ParseUint(name, 16, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		s.nextSeq = seq + 1
		if seq < s.ack.seq {
			// Acknowledged in full; the earlier run died before deleting it.
			if err := s.fs.Remove(s.path(segName(seq))); err != nil {
				return s.errorf("removing an acknowledged segment: %w", err)
			}
			continue
		}
		seg, err := s.scanOld(seq)
		if err != nil {
			return err
		}
		if seg == nil {
			continue
		}
		s.segs = append(s.segs, seg)
		s.total += seg.size
		s.unread += seg.records
		s.st.recovered += uint64(seg.records)
	}
	s.rpos = s.ack
	if s.nextSeq <= s.ack.seq {
		s.nextSeq = s.ack.seq + 1
	}
	// MaxBytes may be smaller than in the earlier run.
	for s.total > s.o.MaxBytes && len(s.segs) > 0 {
		s.dropOldest()
	}
	return nil
}

// scanOld counts the valid records of a segment left by an earlier run, and
// its damage. It returns nil (and removes the file) if the segment holds
// nothing to read.
func (s *Spool) scanOld(seq uint64) (*segment, error) {
	name := s.path(segName(seq))
	f, err := s.fs.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, s.errorf("opening segment %s: %w", segName(seq), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, s.errorf("segment %s: %w", segName(seq), err)
	}
	seg := &segment{seq: seq, size: fi.Size(), sealed: true}
	var hdr [segHeaderLen]byte
	n, _ := f.ReadAt(hdr[:], 0)
	if int64(n) < segHeaderLen || string(hdr[:]) != segHeader {
		// Created but never written, cut in its header, or not ours. A
		// header cut short is the tear of a crash; anything else there is
		// damage too.
		if seg.size > 0 {
			s.st.torn++
		}
		return nil, s.removeOld(seq)
	}
	from := segHeaderLen
	if seq == s.ack.seq && s.ack.off > from {
		from = min(s.ack.off, seg.size)
	}
	sc := newScanner(f, from, seg.size, s.rbuf)
	for {
		_, _, skipped, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, s.errorf("reading segment %s: %w", segName(seq), err)
		}
		if skipped > 0 {
			s.st.torn++
			continue
		}
		seg.records++
	}
	s.rbuf = sc.buf[:0]
	seg.tornTo = seg.size // Open counted its damage; reading it again does not
	if seg.records == 0 {
		return nil, s.removeOld(seq)
	}
	return seg, nil
}

func (s *Spool) removeOld(seq uint64) error {
	if err := s.fs.Remove(s.path(segName(seq))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return s.errorf("removing an empty segment: %w", err)
	}
	return nil
}

// Append writes one record. It returns nil once the record is in the
// kernel's hands (and, with SyncBatch, on stable storage). The record is
// copied; the caller keeps p.
func (s *Spool) Append(p []byte) error {
	_, err := s.AppendBatch([][]byte{p})
	return err
}

// AppendBatch writes records in order, with as few writes as the segment
// boundaries allow, and returns how many it wrote: all of them, or those
// before the first that failed, with the error.
func (s *Spool) AppendBatch(recs [][]byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if s.failErr != nil {
		if s.now().Before(s.failUntil) {
			s.st.failed += uint64(len(recs))
			return 0, s.restErr // made once: a refusal costs a log call no allocation
		}
		s.failErr = nil
	}
	done := 0  // records written
	inBuf := 0 // records framed in wbuf, not yet written
	s.wbuf = s.wbuf[:0]
	flush := func() error {
		err := s.writeBuf(inBuf)
		if err == nil {
			done += inBuf
		}
		inBuf = 0
		return err
	}
	for _, p := range recs {
		fsz := frameSize(len(p))
		if fsz+segHeaderLen > s.o.MaxBytes {
			if err := flush(); err != nil {
				return done, s.fail(err, len(recs)-done)
			}
			s.st.failed += uint64(len(recs) - done)
			return done, fmt.Errorf("spool %q: %w: %d bytes, MaxBytes %d", s.o.Dir, ErrTooLarge, len(p), s.o.MaxBytes)
		}
		pending := int64(len(s.wbuf))
		if s.active != nil && s.active.size+pending+fsz > s.o.segmentBytes && s.active.size+pending > segHeaderLen {
			if err := flush(); err != nil {
				return done, s.fail(err, len(recs)-done)
			}
			s.seal()
		}
		if s.total+int64(len(s.wbuf))+fsz+s.headerNeed() > s.o.MaxBytes {
			if err := flush(); err != nil {
				return done, s.fail(err, len(recs)-done)
			}
			for len(s.segs) > 0 && s.total+fsz+s.headerNeed() > s.o.MaxBytes {
				s.dropOldest()
			}
		}
		if s.active == nil {
			if err := s.startSegment(); err != nil {
				return done, s.fail(err, len(recs)-done)
			}
		}
		s.wbuf = appendFrame(s.wbuf, p)
		inBuf++
	}
	if err := flush(); err != nil {
		return done, s.fail(err, len(recs)-done)
	}
	if s.o.Sync == SyncBatch && s.w != nil {
		if err := s.w.Sync(); err != nil {
			// The records are written (the kernel has them), only not
			// known to be durable: count them, and rest the disk.
			return done, s.fail(err, 0)
		}
	}
	return done, nil
}

// headerNeed is the room a new segment's header takes if the next append
// has to start one.
func (s *Spool) headerNeed() int64 {
	if s.active == nil {
		return segHeaderLen
	}
	return 0
}

// writeBuf writes wbuf (n records) to the active segment and publishes
// them.
func (s *Spool) writeBuf(n int) error {
	if len(s.wbuf) == 0 {
		return nil
	}
	seg := s.active
	k, err := s.w.Write(s.wbuf)
	if err != nil {
		if k > 0 {
			// Cut the torn frames off, so the segment ends on a frame
			// boundary. If even that fails, readers still stop at
			// seg.size, and the next Open counts the tail as torn.
			s.w.Truncate(seg.size)
		}
		s.wbuf = s.wbuf[:0]
		s.seal()
		return err
	}
	seg.size += int64(k)
	seg.records += n
	s.total += int64(k)
	s.unread += n
	s.st.written += uint64(n)
	s.wbuf = s.wbuf[:0]
	return nil
}

// fail degrades the spool after a write error: appends are refused for
// retryAfterFailure. lost records were not written.
func (s *Spool) fail(err error, lost int) error {
	s.st.failed += uint64(lost)
	s.failErr = err
	s.failUntil = s.now().Add(retryAfterFailure)
	s.restErr = fmt.Errorf("spool %q: %w after: %w", s.o.Dir, ErrUnavailable, err)
	err = fmt.Errorf("spool %q: writing: %w", s.o.Dir, err)
	s.lastErr = err
	return err
}

// startSegment creates the next segment and makes it active.
func (s *Spool) startSegment() error {
	seq := s.nextSeq
	f, err := s.fs.OpenFile(s.path(segName(seq)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	s.nextSeq++
	if _, err := f.Write([]byte(segHeader)); err != nil {
		f.Close()
		s.fs.Remove(s.path(segName(seq)))
		return err
	}
	if s.o.Sync == SyncBatch {
		if err := syncDir(s.fs, s.o.Dir); err != nil {
			f.Close()
			s.fs.Remove(s.path(segName(seq)))
			return err
		}
	}
	seg := &segment{seq: seq, size: segHeaderLen}
	s.segs = append(s.segs, seg)
	s.active, s.w = seg, f
	s.total += segHeaderLen
	return nil
}

// seal ends appends to the active segment. With SyncSegment this is where
// its data is made durable.
func (s *Spool) seal() {
	if s.active == nil {
		return
	}
	if s.o.Sync == SyncSegment {
		if err := s.w.Sync(); err != nil {
			s.lastErr = s.errorf("syncing a segment: %w", err)
		}
		if err := syncDir(s.fs, s.o.Dir); err != nil {
			s.lastErr = s.errorf("syncing the directory: %w", err)
		}
	}
	s.w.Close()
	s.active.sealed = true
	s.active, s.w = nil, nil
}

// dropOldest deletes the oldest segment to make room, counting its unread
// records as dropped.
func (s *Spool) dropOldest() {
	seg := s.segs[0]
	if seg == s.active {
		s.w.Close()
		seg.sealed = true
		s.active, s.w = nil, nil
	}
	n := seg.records - seg.read
	s.st.dropped += uint64(n)
	s.unread -= n
	seg.dropped = true
	s.removeSeg(seg)
}

// removeSeg deletes the oldest segment's file.
func (s *Spool) removeSeg(seg *segment) {
	if err := s.fs.Remove(s.path(segName(seg.seq))); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.lastErr = s.errorf("removing segment %s: %w", segName(seg.seq), err)
	}
	s.total -= seg.size
	s.segs = s.segs[1:]
}

// Stats returns the spool's figures.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Records:   s.unread,
		Bytes:     s.total,
		Segments:  len(s.segs),
		Recovered: s.st.recovered,
		Written:   s.st.written,
		Read:      s.st.read,
		Acked:     s.st.acked,
		Dropped:   s.st.dropped,
		Torn:      s.st.torn,
		Failed:    s.st.failed,
		Err:       s.lastErr,
	}
}

// Unread returns the number of records not yet read out.
func (s *Spool) Unread() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unread
}

// Dir returns the spool's directory.
func (s *Spool) Dir() string { return s.o.Dir }

// Close syncs and closes the files and releases the lock. Segments the
// reader acknowledged in full are deleted; the rest wait for the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.w != nil {
		if serr := s.w.Sync(); serr != nil {
			err = s.errorf("syncing: %w", serr)
		}
	}
	s.removeAcked()
	if s.active != nil {
		s.seal()
	}
	s.closeFiles()
	return err
}

func (s *Spool) closeFiles() {
	if s.w != nil {
		s.w.Close()
		s.w = nil
	}
	if s.rf != nil {
		s.rf.Close()
		s.rf = nil
	}
	if s.cur.f != nil {
		s.cur.f.Close()
	}
	if s.lock != nil {
		s.lock.Close() // releases the flock
	}
}
