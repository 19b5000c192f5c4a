package ringbuf_test

import (
	"fmt"

	"go.slogx.dev/internal/ringbuf"
)

// A sink's queue: a full ring rejects at once and the caller counts the drop.
func ExampleNew() {
	q := ringbuf.New[string](3, ringbuf.RejectWhenFull) // rounded up to 4
	dropped := 0
	for _, rec := range []string{"a", "b", "c", "d", "e"} {
		if !q.Push(rec) {
			dropped++
		}
	}
	fmt.Println(q.Cap(), q.Len(), dropped)
	fmt.Println(q.Drain(nil, 0))
	// Output:
	// 4 4 1
	// [a b c d]
}

// A window of recent records: the newest wins, and the evicted element comes
// back so that the caller can keep its byte count right.
func ExampleRing_PushEvict() {
	window := ringbuf.New[string](2, ringbuf.EvictOldest)
	bytes := 0
	for _, rec := range []string{"connect", "query", "timeout"} {
		bytes += len(rec)
		if old, ok := window.PushEvict(rec); ok {
			bytes -= len(old)
			fmt.Println("evicted", old)
		}
	}
	fmt.Println(window.Drain(nil, 0), bytes)
	// Output:
	// evicted connect
	// [query timeout] 12
}

// A consumer takes records in batches.
func ExampleRing_Drain() {
	q := ringbuf.New[int](8, ringbuf.RejectWhenFull)
	for i := range 5 {
		q.Push(i)
	}
	batch := make([]int, 0, 2)
	for {
		batch = q.Drain(batch[:0], cap(batch))
		if len(batch) == 0 {
			break
		}
		fmt.Println(batch)
	}
	// Output:
	// [0 1]
	// [2 3]
	// [4]
}
