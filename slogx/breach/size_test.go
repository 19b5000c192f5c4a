package breach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// heapInUse returns the bytes of live heap objects after a full collection.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC() // cleanups and finalizers queued by the first one
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

type upload struct {
	Name string
	Body []byte
}

// TestMaxBytesBoundsRealMemory logs records whose values keep large
// memory alive, each value fresh, far more than MaxBytes in total, and
// measures the heap the buffer keeps: it must stay within MaxBytes (plus
// the fixed slots of the rings, measured before). Counting such values at
// a fixed 16 bytes let 1,000 records of 64 KiB []byte keep 65 MiB against
// the 8 MiB default.
func TestMaxBytesBoundsRealMemory(t *testing.T) {
	const (
		records  = 1000
		valueLen = 64 << 10
		maxBytes = DefaultMaxBytes
	)
	body := func(i int) []byte {
		b := make([]byte, valueLen)
		copy(b, fmt.Sprintf(`{"order_id":"7f3a9c2e-%04d","items":[`, i))
		return b
	}
	for _, tc := range []struct {
		name  string
		value func(i int) any
	}{
		{"[]byte", func(i int) any { return body(i) }},
		{"json.RawMessage", func(i int) any { return json.RawMessage(body(i)) }},
		{"error", func(i int) any { return errors.New(string(body(i))) }},
		{"wrapped error", func(i int) any { return fmt.Errorf("upload %d: %w", i, errors.New(string(body(i)))) }},
		{"*struct with []byte", func(i int) any { return &upload{Name: "avatar.png", Body: body(i)} }},
		{"struct with []byte", func(i int) any { return upload{Name: "avatar.png", Body: body(i)} }},
		{"map", func(i int) any {
			m := make(map[int64]int64, valueLen/16)
			for k := range int64(valueLen / 16) {
				m[k] = k * int64(i)
			}
			return m
		}},
		{"string", func(i int) any { return string(body(i)) }},
		{"LogValuer", func(i int) any { return lazyBody(body(i)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := mustNew(newRecorder(), &Options{MaxBytes: maxBytes, Capacity: records})
			ctx := context.Background()
			// Fill the window with small records first, so that the
			// rings are allocated before the baseline.
			for i := range 2 * records {
				mustHandle(t, h, ctx, rec(slog.LevelDebug, fmt.Sprint("warm-up ", i)))
			}
			before := heapInUse()
			for i := range records {
				r := slog.NewRecord(time.Now(), slog.LevelDebug, "received upload from the mobile client", 0)
				r.AddAttrs(slog.String("request_id", fmt.Sprintf("req-%08x", i)), slog.Any("body", tc.value(i)))
				mustHandle(t, h, ctx, r)
			}
			kept := heapInUse() - before
			st := h.Stats()
			runtime.KeepAlive(h)
			// Records out of the window in another shard than the
			// logging goroutine's are evicted by the next sweep, within
			// maxBytes/sweepFraction. The slack covers a ring a migrating
			// goroutine may allocate on another shard, and the heap's own
			// rounding.
			limit := int64(maxBytes) + maxBytes/sweepFraction + 1<<20
			if kept > limit {
				t.Fatalf("the buffer keeps %d KiB of heap (%d records buffered, %d evicted), MaxBytes is %d KiB",
					kept>>10, st.Buffered, st.Evicted, maxBytes>>10)
			}
			if st.Buffered == 0 || st.Buffered+int(st.Evicted) < records {
				t.Fatalf("Stats() = %+v: the records must be buffered or evicted", st)
			}
			t.Logf("kept %d KiB for %d records", kept>>10, st.Buffered)
		})
	}
}

// lazyBody is a LogValuer: breach resolves it at log time and counts what
// it resolves to.
type lazyBody []byte

func (b lazyBody) LogValue() slog.Value { return slog.AnyValue([]byte(b)) }

// The estimate never charges a value less than what it keeps alive in the
// common shapes, and never panics on values that panic.
func TestAnySize(t *testing.T) {
	var nilErr *json.SyntaxError // Error on a nil *SyntaxError panics
	big := strings.Repeat("x", 1000)
	for _, tc := range []struct {
		name string
		v    any
		min  int64
	}{
		{"nil", nil, 0},
		{"[]byte cap", make([]byte, 10, 5000), 5000},
		{"error text", errors.New(big), 1000},
		{"nil-pointer error", error(nilErr), 0},
		{"pointer to struct", &upload{Name: big, Body: make([]byte, 3000)}, 4000},
		{"[]string", []string{big, big}, 2000},
		{"map", map[string]int{"a": 1, "b": 2}, 2 * (16 + 8)},
		{"named string", json.Number(big), 1000},
		{"nil pointer", (*upload)(nil), 0},
	} {
		if got := anySize(tc.v); got < tc.min {
			t.Errorf("%s: anySize = %d, want at least %d", tc.name, got, tc.min)
		}
	}
}

// The shared buffer's shards hold about two windows between them, not a
// window each: at Capacity 1000 on eight cores the rings took eight times
// 1024 slots of a whole record.
func TestShardMemoryFollowsTheWindow(t *testing.T) {
	const capacity = DefaultCapacity
	for _, shards := range []int{1, 2, 3, 4, 8} {
		before := heapInUse()
		b := newBuffer(capacity, DefaultMaxBytes, shards)
		for i := range 4 * capacity {
			b.pushTo(&b.shards[i%shards], bufEntry(fmt.Sprint("m", i)), nil)
		}
		kept := heapInUse() - before
		window := capacity * (entrySize + 8) // a slot: an entry and its sequence word
		limit := 2*window + window/4
		if shards == 1 {
			limit = window + window/4
		}
		if kept > limit {
			t.Errorf("%d shards keep %d KiB for a window of %d KiB; want at most %d KiB", shards, kept>>10, window>>10, limit>>10)
		}
		runtime.KeepAlive(b)
	}
}

// A single goroutine that logs more than its shard's ring holds moves on
// to the next shard rather than setting records aside or evicting them
// early: the window stays exact, in order, at every shard count.
func TestOneGoroutineFillsEveryShard(t *testing.T) {
	const capacity = 1000
	for _, shards := range []int{3, 8} {
		b := newBuffer(capacity, DefaultMaxBytes, shards)
		var pref atomic.Int32
		for i := range 5 * capacity {
			b.pushTo(&b.shards[pref.Load()], bufEntry(fmt.Sprint(i)), &pref)
		}
		got := msgsOf(b.drainSettled(nil))
		if len(got) != capacity || got[0] != fmt.Sprint(4*capacity) || got[capacity-1] != fmt.Sprint(5*capacity-1) {
			t.Fatalf("%d shards: flushed %d records from %v to %v, want the newest %d in order", shards, len(got), got[:1], got[len(got)-1:], capacity)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1] >= got[i] && len(got[i-1]) == len(got[i]) {
				t.Fatalf("%d shards: out of order at %d: %q then %q", shards, i, got[i-1], got[i])
			}
		}
		if b.carryBytes != 0 || len(b.carry) != 0 {
			t.Fatalf("%d shards: %d records set aside in the carry; a push should move on instead", shards, len(b.carry))
		}
	}
}
