package ringbuf

import (
	"runtime"
	"sync"
	"testing"
)

// The benchmarks run one workload against three bounded queues of the same
// capacity: the ring, a buffered channel and a slice behind a mutex. Names
// follow benchstat's key=value convention, so
//
//	go test -run '^$' -bench Queue -count 10 ./internal/ringbuf | benchstat -col /impl -
//
// prints the three side by side. All three are driven through the same small
// interface, so each pays the same dynamic call per operation.

const benchCapacity = 1024 // a typical sink queue

// record stands in for what sinks queue: a pointer, so that every queue pays
// the same GC write barriers.
type record struct{ msg string }

type queue interface {
	tryPush(*record) bool
	tryPop() (*record, bool)
	drain(dst []*record) []*record // everything available
}

func newRingQueue() queue  { return ringQueue{New[*record](benchCapacity, RejectWhenFull)} }
func newChanQueue() queue  { return chanQueue(make(chan *record, benchCapacity)) }
func newMutexQueue() queue { return &mutexQueue{buf: make([]*record, benchCapacity)} }

type ringQueue struct{ r *Ring[*record] }

func (q ringQueue) tryPush(v *record) bool        { return q.r.TryPush(v) }
func (q ringQueue) tryPop() (*record, bool)       { return q.r.TryPop() }
func (q ringQueue) drain(dst []*record) []*record { return q.r.Drain(dst, 0) }

// chanQueue rejects when full, like the ring, instead of blocking: that is
// what a sink needs.
type chanQueue chan *record

func (q chanQueue) tryPush(v *record) bool {
	select {
	case q <- v:
		return true
	default:
		return false
	}
}

func (q chanQueue) tryPop() (*record, bool) {
	select {
	case v := <-q:
		return v, true
	default:
		return nil, false
	}
}

func (q chanQueue) drain(dst []*record) []*record {
	for range cap(q) {
		select {
		case v := <-q:
			dst = append(dst, v)
		default:
			return dst
		}
	}
	return dst
}

// mutexQueue is the obvious alternative: a circular slice behind a mutex.
type mutexQueue struct {
	mu         sync.Mutex
	buf        []*record
	head, size int
}

func (q *mutexQueue) tryPush(v *record) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.size == len(q.buf) {
		return false
	}
	q.buf[(q.head+q.size)%len(q.buf)] = v
	q.size++
	return true
}

func (q *mutexQueue) tryPop() (*record, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.size == 0 {
		return nil, false
	}
	v := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return v, true
}

func (q *mutexQueue) drain(dst []*record) []*record {
	q.mu.Lock()
	defer q.mu.Unlock()
	for ; q.size > 0; q.size-- {
		dst = append(dst, q.buf[q.head])
		q.buf[q.head] = nil
		q.head = (q.head + 1) % len(q.buf)
	}
	return dst
}

func BenchmarkQueue(b *testing.B) {
	for _, impl := range []struct {
		name string
		new  func() queue
	}{
		{"ring", newRingQueue},
		{"chan", newChanQueue},
		{"mutex", newMutexQueue},
	} {
		// serial: one goroutine pushes and pops one element per op, the
		// uncontended cost of the two operations.
		b.Run("impl="+impl.name+"/op=serial", func(b *testing.B) {
			q := impl.new()
			v := &record{msg: "m"}
			for b.Loop() {
				q.tryPush(v)
				q.tryPop()
			}
		})

		// parallel: GOMAXPROCS producers push (yielding while the queue is
		// full, so every element gets through) and one consumer drains in
		// batches, as a sink's sender does. An op is one element delivered
		// end to end.
		b.Run("impl="+impl.name+"/op=parallel", func(b *testing.B) {
			q := impl.new()
			n := b.N
			done := make(chan struct{})
			b.ResetTimer()
			go func() {
				defer close(done)
				batch := make([]*record, 0, benchCapacity)
				for got := 0; got < n; {
					batch = q.drain(batch[:0])
					if len(batch) == 0 {
						runtime.Gosched()
					}
					got += len(batch)
				}
			}()
			b.RunParallel(func(pb *testing.PB) {
				v := &record{msg: "m"}
				for pb.Next() {
					for !q.tryPush(v) {
						runtime.Gosched()
					}
				}
			})
			<-done
		})
	}
}
