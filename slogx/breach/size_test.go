package breach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
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
