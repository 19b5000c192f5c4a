package spool

import (
	"fmt"
	"io"
	"os"
)

// Batch is a run of records read from the spool, oldest first.
type Batch struct {
	// Records are the records, valid until the next Read into this Batch.
	Records [][]byte
	// Bytes is the sum of their lengths.
	Bytes int

	buf   []byte
	ends  []int
	parts []part
	end   position // where reading stopped: Ack(b) acknowledges up to here
}

// part is the share of a batch read from one segment.
type part struct {
	seg   *segment
	first int // index of its first record in the batch
	n     int
}

func (b *Batch) reset() {
	b.Records = b.Records[:0]
	b.Bytes = 0
	b.buf = b.buf[:0]
	b.ends = b.ends[:0]
	b.parts = b.parts[:0]
}

// Len returns the number of records in b.
func (b *Batch) Len() int { return len(b.Records) }

// Read fills b with the next records, oldest first: at most maxRecords, and
// no more than maxBytes of them unless the first alone is larger. It
// returns the number read; 0 with a nil error means the spool holds nothing
// unread now. Damaged stretches are skipped (and counted), never returned.
//
// Records read are the caller's: Ack them once they are safe elsewhere, or
// the next Open reads them again. Read and Ack must not be called
// concurrently with each other.
func (s *Spool) Read(b *Batch, maxRecords, maxBytes int) (int, error) {
	b.reset()
	var torn uint64
	var err error
	for len(b.ends) < maxRecords {
		if s.rsc == nil {
			ok, oerr := s.openReader()
			if oerr != nil {
				err = oerr
				break
			}
			if !ok {
				break
			}
		}
		s.mu.Lock()
		seg := s.rseg
		limit, sealed, dropped := seg.size, seg.sealed, seg.dropped
		s.mu.Unlock()
		if dropped {
			s.closeReader()
			continue
		}
		s.rsc.limit = limit
		p, at, skipped, nerr := s.rsc.next()
		if nerr == io.EOF {
			if !sealed {
				break // caught up with the writer
			}
			s.rpos = position{seq: seg.seq, off: limit}
			s.closeReader()
			continue
		}
		if nerr != nil {
			err = fmt.Errorf("spool %q: reading segment %s: %w", s.o.Dir, segName(seg.seq), nerr)
			break
		}
		if skipped > 0 {
			if at >= seg.tornTo {
				torn++
				seg.tornTo = at + skipped // reader-owned after Open
			}
			continue
		}
		if len(b.ends) > 0 && b.Bytes+len(p) > maxBytes {
			s.rsc.pos -= frameHeader + len(p) // leave it for the next batch
			break
		}
		if k := len(b.parts); k == 0 || b.parts[k-1].seg != seg {
			b.parts = append(b.parts, part{seg: seg, first: len(b.ends)})
		}
		b.parts[len(b.parts)-1].n++
		b.buf = append(b.buf, p...)
		b.ends = append(b.ends, len(b.buf))
		b.Bytes += len(p)
	}
	if s.rsc != nil {
		s.rpos = position{seq: s.rseg.seq, off: s.rsc.offset()}
	}
	b.end = s.rpos
	s.commitRead(b, torn)
	return len(b.Records), err
}

// commitRead counts what Read took, leaving out records of segments dropped
// meanwhile (they were counted as dropped), and builds b.Records.
func (s *Spool) commitRead(b *Batch, torn uint64) {
	s.mu.Lock()
	s.st.torn += torn
	start, kept := 0, 0
	parts := b.parts[:0]
	for _, pt := range b.parts {
		if pt.seg.dropped {
			continue
		}
		parts = append(parts, pt)
		pt.seg.read += pt.n
		s.unread -= pt.n
		s.st.read += uint64(pt.n)
		for i := pt.first; i < pt.first+pt.n; i++ {
			if i > 0 {
				start = b.ends[i-1]
			}
			b.Records = append(b.Records, b.buf[start:b.ends[i]])
			kept += b.ends[i] - start
		}
	}
	s.mu.Unlock()
	clear(b.parts[len(parts):])
	b.parts = parts
	b.Bytes = kept
}

// openReader moves the reader to the oldest segment it has not finished.
// It reports false if there is none.
func (s *Spool) openReader() (bool, error) {
	s.mu.Lock()
	var seg *segment
	var from int64
	for _, g := range s.segs {
		if s.rseg == nil || g.seq > s.rseg.seq {
			seg = g
			break
		}
	}
	if seg != nil {
		from = segHeaderLen
		if seg.seq == s.ack.seq && s.ack.off > from {
			from = min(s.ack.off, seg.size) // the records before are acknowledged
		}
	}
	s.mu.Unlock()
	if seg == nil {
		return false, nil
	}
	f, err := s.fs.OpenFile(s.path(segName(seg.seq)), os.O_RDONLY, 0)
	if err != nil {
		s.mu.Lock()
		dropped := seg.dropped
		s.mu.Unlock()
		if dropped {
			// Deleted to make room between the look and the open; its
			// records were counted. Move past it.
			s.rseg = seg
			return s.openReader()
		}
		return false, fmt.Errorf("spool %q: opening segment %s: %w", s.o.Dir, segName(seg.seq), err)
	}
	s.rseg, s.rf = seg, f
	s.rsc = newScanner(f, from, from, s.rbuf)
	return true, nil
}

// closeReader leaves the current segment.
func (s *Spool) closeReader() {
	s.rbuf = s.rsc.buf[:0]
	s.rf.Close()
	s.rf, s.rsc = nil, nil
}

// Rewind gives back the records of b, read but not acknowledged (their
// delivery failed): the next Read returns them again, first. Records of b
// whose segment was deleted meanwhile to keep MaxBytes are counted as
// dropped now. b is emptied.
func (s *Spool) Rewind(b *Batch) {
	if s.rsc != nil {
		s.closeReader()
	}
	s.rseg = nil
	s.mu.Lock()
	for _, pt := range b.parts {
		if pt.seg.dropped {
			s.st.dropped += uint64(pt.n)
		} else {
			pt.seg.read -= pt.n
			s.unread += pt.n
		}
		s.st.read -= uint64(pt.n)
	}
	s.rpos = s.ack
	s.mu.Unlock()
	b.reset()
}

// Ack acknowledges every record read up to the end of b and empties b: the
// records will not be read again, in this run or after a restart, and
// segments acknowledged in full are deleted. The position is written before anything is deleted, so
// a crash between the two re-reads nothing that was acknowledged.
func (s *Spool) Ack(b *Batch) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if b.end.seq < s.ack.seq || (b.end.seq == s.ack.seq && b.end.off <= s.ack.off) {
		s.mu.Unlock()
		b.reset()
		return nil
	}
	s.mu.Unlock()
	if err := s.cur.store(b.end, s.o.Sync == SyncBatch); err != nil {
		err = fmt.Errorf("spool %q: writing the cursor: %w", s.o.Dir, err)
		s.mu.Lock()
		s.lastErr = err
		s.mu.Unlock()
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ack = b.end
	s.st.acked += uint64(len(b.Records))
	s.removeAcked()
	b.reset()
	return nil
}

// removeAcked deletes the segments the acknowledgement position has passed.
// The active segment goes too once it is read and acknowledged to its end:
// the next append starts a new one, and an idle spool leaves no data
// behind.
func (s *Spool) removeAcked() {
	for len(s.segs) > 0 {
		seg := s.segs[0]
		done := seg.seq < s.ack.seq || (seg.seq == s.ack.seq && s.ack.off >= seg.size)
		if !done || seg.read < seg.records {
			return
		}
		if seg == s.active {
			s.w.Close()
			seg.sealed = true
			s.active, s.w = nil, nil
		}
		seg.dropped = true // the reader moves past it
		s.removeSeg(seg)
	}
}
