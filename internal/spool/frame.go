package spool

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// A segment file is a header followed by frames:
//
//	segment: "slgxspl1" frame*
//	frame:   magic[4] length[4, little endian] crc[4, little endian] payload[length]
//
// crc is CRC-32C (Castagnoli) over the length field and the payload, so a
// damaged length is caught as surely as a damaged payload. The magic lets a
// reader find the next frame after a damaged stretch: its first byte, 0xF1,
// followed by a control byte is never valid UTF-8 and never appears in an
// encoded log line, and a candidate must also pass the CRC.
const (
	segHeader    = "slgxspl1"
	segHeaderLen = int64(len(segHeader))
	frameHeader  = 12
	// maxPayload bounds a length field before it is trusted: a larger one
	// is damage, not a record.
	maxPayload = 1 << 30
)

var (
	frameMagic = [4]byte{0xF1, 0x0C, 0x5F, 0xA7}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// frameSize is the bytes a record of n bytes takes on disk.
func frameSize(n int) int64 { return int64(frameHeader + n) }

// appendFrame appends the frame of payload p to dst.
func appendFrame(dst, p []byte) []byte {
	at := len(dst)
	dst = append(dst, frameMagic[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p)))
	crc := crc32.Update(0, castagnoli, dst[at+4:at+8])
	crc = crc32.Update(crc, castagnoli, p)
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return append(dst, p...)
}

// scanner reads the frames of one segment in order through a window
// buffer, skipping damaged stretches. It reads only below limit, which a
// reader of the segment being written raises as appends are published.
type scanner struct {
	f     file
	limit int64  // bytes of the file that may be read
	base  int64  // file offset of buf[0]
	buf   []byte // window; buf[pos:] is not yet consumed
	pos   int
}

// scanChunk is how much a scanner reads at a time.
const scanChunk = 256 << 10

func newScanner(f file, from, limit int64, buf []byte) *scanner {
	return &scanner{f: f, limit: limit, base: from, buf: buf[:0]}
}

// offset is the file offset of the next unread byte.
func (sc *scanner) offset() int64 { return sc.base + int64(sc.pos) }

// fill makes at least need bytes after pos available, if the file has them
// below limit, and returns how many are available.
func (sc *scanner) fill(need int) (int, error) {
	avail := len(sc.buf) - sc.pos
	if avail >= need {
		return avail, nil
	}
	if sc.pos > 0 {
		copy(sc.buf, sc.buf[sc.pos:])
		sc.buf = sc.buf[:avail]
		sc.base += int64(sc.pos)
		sc.pos = 0
	}
	end := min(sc.base+int64(max(need, scanChunk)), sc.limit)
	want := int(end - sc.base)
	if want <= avail {
		return avail, nil
	}
	if cap(sc.buf) < want {
		nb := make([]byte, avail, want)
		copy(nb, sc.buf)
		sc.buf = nb
	}
	n, err := sc.f.ReadAt(sc.buf[avail:want], sc.base+int64(avail))
	sc.buf = sc.buf[:avail+n]
	if err == io.EOF {
		// The file is shorter than limit said: it was truncated under us.
		// What is there is all there is.
		sc.limit = sc.base + int64(len(sc.buf))
		err = nil
	}
	return len(sc.buf), err
}

// frameAt checks for a whole valid frame at pos and returns its payload
// length, or -1. It may move the window, never pos's file offset.
func (sc *scanner) frameAt() (int, error) {
	avail, err := sc.fill(frameHeader)
	if err != nil || avail < frameHeader {
		return -1, err
	}
	h := sc.buf[sc.pos:]
	if !bytes.Equal(h[:4], frameMagic[:]) {
		return -1, nil
	}
	n := int(binary.LittleEndian.Uint32(h[4:8]))
	if n > maxPayload || sc.offset()+int64(frameHeader+n) > sc.limit {
		return -1, nil
	}
	if avail, err = sc.fill(frameHeader + n); err != nil || avail < frameHeader+n {
		return -1, err
	}
	h = sc.buf[sc.pos:]
	crc := crc32.Update(0, castagnoli, h[4:8])
	crc = crc32.Update(crc, castagnoli, h[frameHeader:frameHeader+n])
	if crc != binary.LittleEndian.Uint32(h[8:12]) {
		return -1, nil
	}
	return n, nil
}

// next returns the payload of the next frame (valid until the next call)
// and the file offset it starts at. If a damaged stretch comes first, it
// returns that instead: skipped > 0 bytes starting at start, and no
// payload. At the end of the readable data it returns io.EOF.
func (sc *scanner) next() (payload []byte, start, skipped int64, err error) {
	start = sc.offset()
	if start >= sc.limit {
		return nil, start, 0, io.EOF
	}
	n, err := sc.frameAt()
	if err != nil {
		return nil, start, 0, err
	}
	if n >= 0 {
		p := sc.buf[sc.pos+frameHeader : sc.pos+frameHeader+n]
		sc.pos += frameHeader + n
		return p, start, 0, nil
	}
	// Damage: everything up to the next valid frame is one skipped
	// stretch. The window slides over it, so a long one costs no memory.
	sc.pos++
	for {
		if _, err := sc.fill(len(frameMagic)); err != nil {
			return nil, start, 0, err
		}
		j := bytes.Index(sc.buf[sc.pos:], frameMagic[:])
		if j < 0 {
			if sc.base+int64(len(sc.buf)) >= sc.limit {
				sc.pos = len(sc.buf)
				return nil, start, sc.offset() - start, nil
			}
			// Keep the last bytes: a magic may straddle the window edge.
			sc.pos = max(sc.pos, len(sc.buf)-len(frameMagic)+1)
			continue
		}
		sc.pos += j
		n, err := sc.frameAt()
		if err != nil {
			return nil, start, 0, err
		}
		if n >= 0 {
			return nil, start, sc.offset() - start, nil
		}
		sc.pos++
	}
}
