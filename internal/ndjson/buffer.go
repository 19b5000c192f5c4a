package ndjson

import "sync"

// maxPooled is the largest buffer returned to a pool: one huge record must
// not pin its memory for the life of the process (slog's rule too).
const maxPooled = 16 << 10

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

// GetBuffer returns an empty buffer from the pool.
func GetBuffer() *[]byte {
	b := bufPool.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// PutBuffer returns b to the pool unless it grew past 16 KiB.
func PutBuffer(b *[]byte) {
	if cap(*b) > maxPooled {
		return
	}
	bufPool.Put(b)
}
