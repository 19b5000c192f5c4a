package spool

import (
	"encoding/binary"
	"hash/crc32"
	"io"
)

// position is a place in the spool: a segment and a byte offset in it.
type position struct {
	seq uint64
	off int64
}

// The cursor file holds the acknowledgement position in two slots of
// cursorSlot bytes, written alternately:
//
//	magic "cur1" | generation u64 | segment u64 | offset u64 | crc32c u32
//
// A write that tears (the process dies in it) damages one slot only; the
// other still holds the previous position, so a crash costs at most the
// re-sending of the last acknowledged batch, never the loss of the cursor.
const (
	cursorName  = "CURSOR"
	cursorSlot  = 32
	cursorMagic = "cur1"
)

type cursor struct {
	f   file
	gen uint64
	buf [cursorSlot]byte
}

// load reads the newest valid slot, or the zero position if there is none.
func (c *cursor) load() (position, error) {
	var b [2 * cursorSlot]byte
	n, err := c.f.ReadAt(b[:], 0)
	if err != nil && err != io.EOF {
		return position{}, err
	}
	var best position
	for i := 0; i+cursorSlot <= n; i += cursorSlot {
		s := b[i : i+cursorSlot]
		if string(s[:4]) != cursorMagic || crc32.Checksum(s[:28], castagnoli) != binary.LittleEndian.Uint32(s[28:]) {
			continue
		}
		if gen := binary.LittleEndian.Uint64(s[4:]); gen >= c.gen {
			c.gen = gen
			best = position{seq: binary.LittleEndian.Uint64(s[12:]), off: int64(binary.LittleEndian.Uint64(s[20:]))}
		}
	}
	return best, nil
}

// store writes p into the older slot.
func (c *cursor) store(p position, sync bool) error {
	c.gen++
	s := c.buf[:]
	copy(s, cursorMagic)
	binary.LittleEndian.PutUint64(s[4:], c.gen)
	binary.LittleEndian.PutUint64(s[12:], p.seq)
	binary.LittleEndian.PutUint64(s[20:], uint64(p.off))
	binary.LittleEndian.PutUint32(s[28:], crc32.Checksum(s[:28], castagnoli))
	if _, err := c.f.WriteAt(s, int64(c.gen%2)*cursorSlot); err != nil {
		return err
	}
	if sync {
		return c.f.Sync()
	}
	return nil
}
