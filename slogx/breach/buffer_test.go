package breach

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests drive a buffer directly, placing each record in a chosen
// shard, so that records logged in order are spread over shards the way
// goroutines moving between Ps spread them.

// bufEntry returns a captured record whose message is msg.
func bufEntry(msg string, args ...any) *entry {
	r := slog.NewRecord(time.Time{}, slog.LevelDebug, msg, 0)
	r.Add(args...)
	var e entry
	e.capture(context.Background(), r, nil)
	return &e
}

func msgsOf(batch []entry) []string {
	var out []string
	for i := range batch {
		out = append(out, batch[i].rec.Message)
	}
	return out
}

// spread pushes n records named m0, m1, ... into b, each into a shard
// picked by place.
func spread(b *buffer, n int, place func(i int) int) {
	for i := range n {
		b.pushTo(&b.shards[place(i)], bufEntry(fmt.Sprint("m", i)))
	}
}

func lastNames(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprint("m", i))
	}
	return out
}

func TestShardedWindowIsExact(t *testing.T) {
	places := map[string]func(i int) int{
		"round robin":  func(i int) int { return i % 4 },
		"runs of 7":    func(i int) int { return i / 7 % 4 },
		"random":       func(int) int { return rand.IntN(4) },
		"all in one":   func(int) int { return 2 },
		"mostly one":   func(i int) int { return min(i%50, 3) },
		"half and off": func(i int) int { return (i / 500) % 2 },
	}
	for name, place := range places {
		for _, capacity := range []int{1, 3, 100, 1000} {
			t.Run(fmt.Sprint(name, "/", capacity), func(t *testing.T) {
				const n = 2500
				// Without counting first, the flush itself must drop what
				// pushes have not evicted yet.
				b := newBuffer(capacity, DefaultMaxBytes, 4)
				spread(b, n, place)
				if got, want := msgsOf(b.drainSettled(nil)), lastNames(n-capacity, n); !slices.Equal(got, want) {
					t.Fatalf("drained %d records %q..., want the last %d in order", len(got), got[:min(3, len(got))], capacity)
				}
				if got := b.evictedCount(); got != n-uint64(capacity) {
					t.Fatalf("evicted %d, want %d", got, n-capacity)
				}

				b = newBuffer(capacity, DefaultMaxBytes, 4)
				spread(b, n, place)
				if got := b.held(); got != capacity {
					t.Fatalf("held() = %d, want %d", got, capacity)
				}
				if got := b.evictedCount(); got != n-uint64(capacity) {
					t.Fatalf("evicted %d, want %d", got, n-capacity)
				}
				batch := b.drainSettled(nil)
				if got, want := msgsOf(batch), lastNames(n-capacity, n); !slices.Equal(got, want) {
					t.Fatalf("drained %d records %q..., want the last %d in order", len(got), got[:min(3, len(got))], capacity)
				}
				if b.len() != 0 || b.bytes() != 0 {
					t.Fatalf("after the drain len() = %d, bytes() = %d, want 0, 0", b.len(), b.bytes())
				}
			})
		}
	}
}

func TestShardedMaxBytesIsExact(t *testing.T) {
	big := strings.Repeat("x", 1000)
	one := bufEntry("m0", "v", big).size
	b := newBuffer(1000, 3*one, 4)
	for i := range 10 {
		b.pushTo(&b.shards[i%4], bufEntry(fmt.Sprint("m", i), "v", big))
	}
	if got := b.held(); got != 3 {
		t.Fatalf("held() = %d, want 3", got)
	}
	if got := b.bytes(); got != 3*one {
		t.Fatalf("bytes() = %d, want %d", got, 3*one)
	}
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m7", "m8", "m9"}; !slices.Equal(got, want) {
		t.Fatalf("drained %q, want %q", got, want)
	}
}

// TestShardedLazyEvictionIsBounded checks that records out of the window do
// not stay in a shard no push writes to: every sweepEvery records a push
// evicts from every shard.
func TestShardedLazyEvictionIsBounded(t *testing.T) {
	const capacity = 100
	b := newBuffer(capacity, DefaultMaxBytes, 4)
	spread(b, capacity, func(int) int { return 0 })
	// Shard 0 is now idle; its records leave the window one by one.
	spread(b, capacity, func(int) int { return 1 })
	r0 := b.shards[0].ring.Load()
	if n := r0.Len(); n > sweepEvery {
		t.Fatalf("idle shard still holds %d records out of the window, more than one sweep's worth (%d)", n, sweepEvery)
	}
	if got := b.held(); got != capacity {
		t.Fatalf("held() = %d, want %d", got, capacity)
	}
	if r0.Len() != 0 {
		t.Fatalf("after held() the idle shard holds %d records, all out of the window", r0.Len())
	}
}

func TestWindowCarriesRecordsStampedAfterTheLook(t *testing.T) {
	b := newBuffer(10, DefaultMaxBytes, 2)
	spread(b, 6, func(i int) int { return i % 2 })
	// A flush that looked after m3 was stamped but drained m4 and m5 too.
	batch := b.shards[0].drainSettled(nil)
	batch = b.shards[1].drainSettled(batch)
	batch = b.window(batch, 0, 4)
	if got, want := msgsOf(batch), lastNames(0, 4); !slices.Equal(got, want) {
		t.Fatalf("flushed %q, want %q: only what was stamped when it looked", got, want)
	}
	if got := b.held(); got != 2 {
		t.Fatalf("held() = %d, want the 2 carried records", got)
	}
	if got, want := b.bytes(), 2*bufEntry("m4").size; got != want {
		t.Fatalf("bytes() = %d, want %d for the carried records", got, want)
	}
	spread(b, 1, func(int) int { return 1 }) // m0 again, stamped 7
	if got, want := msgsOf(b.drainSettled(nil)), []string{"m4", "m5", "m0"}; !slices.Equal(got, want) {
		t.Fatalf("next flush wrote %q, want %q: the carried records first", got, want)
	}
	spread(b, 2, func(int) int { return 0 })
	if got := b.discard(); got != 2 {
		t.Fatalf("discard() = %d, want 2", got)
	}
}

func TestPermute(t *testing.T) {
	for n := range 40 {
		batch := make([]entry, n)
		for i := range batch {
			batch[i].seq = uint64(rand.IntN(1000))
		}
		want := slices.Clone(batch)
		slices.SortStableFunc(want, bySeq)
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(x, y int32) int { return bySeq(batch[x], batch[y]) })
		permute(batch, order)
		for i := range batch {
			if batch[i].seq != want[i].seq {
				t.Fatalf("n=%d: permuted seqs differ from sorted at %d", n, i)
			}
		}
	}
}
