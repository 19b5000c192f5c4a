package shipper

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/sink"
	"go.slogx.dev/internal/wire"
)

// recQueue is a Queue that records the room Handle asks for and keeps
// nothing.
type recQueue struct {
	asked []int
	lines int
}

func (q *recQueue) Buffer(n int) *[]byte {
	q.asked = append(q.asked, n)
	b := make([]byte, 0, n)
	return &b
}
func (q *recQueue) Release(*[]byte)             {}
func (q *recQueue) EnqueueOwned(*[]byte) error  { q.lines++; return nil }
func (q *recQueue) DropTooLarge(error)          {}
func (q *recQueue) CountTruncated()             {}
func (q *recQueue) CountLocal()                 {}
func (q *recQueue) Flush(context.Context) error { return nil }
func (q *recQueue) Close() error                { return nil }
func (q *recQueue) Stats() sink.Stats           { return sink.Stats{} }

func newFace(t *testing.T, q Queue) Face {
	f, err := wire.New(wire.NDJSON, wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Name: "test", Queue: q, Encoder: f.Encoder(), MaxLine: 4 << 20, LimitName: "MaxLine"})
}

func handle(f Face, msg string) {
	r := slog.NewRecord(time.Unix(0, 0), slog.LevelInfo, msg, 0)
	f.Handle(context.Background(), &r)
}

// TestSizeHintFollowsRecords: one huge record does not size every later
// buffer (the hint comes back down within a few records), and records of
// mixed sizes keep one hint that fits them all, so none outgrows its
// buffer.
func TestSizeHintFollowsRecords(t *testing.T) {
	q := &recQueue{}
	f := newFace(t, q)
	handle(f, "warm")
	handle(f, strings.Repeat("x", 1<<20))
	for range 20 {
		handle(f, "order placed")
	}
	if last := q.asked[len(q.asked)-1]; last > 256 {
		t.Errorf("after a 1 MiB record and 20 small ones, Handle still asks for %d bytes", last)
	}
	q.asked = q.asked[:0]
	for i := range 100 {
		handle(f, strings.Repeat("y", 300+200*(i%2))) // 350 and 550 bytes, alternating
	}
	for i, n := range q.asked[2:] {
		if n < 600 {
			t.Fatalf("record %d: asked for %d bytes, less than the larger of two alternating sizes", i+2, n)
		}
	}
}

// TestHeadersKeepCredentials: values of headers that carry credentials are
// handed to the sink as secrets, and no error quotes a value.
func TestHeadersKeepCredentials(t *testing.T) {
	var h Headers
	h.Own("Authorization", "Bearer tok_4f9a2c81d3e7b6a0", "tok_4f9a2c81d3e7b6a0")
	h.User(map[string]string{
		"X-Api-Key":     "key_77c1e0",
		"X-Scope-OrgID": "tenant-1",
		"Bad Name":      "v",
		"X-Session":     "sess_1\r\nInjected: yes",
	}, func(string) string { return "" })
	secrets := strings.Join(h.Secrets(), " ")
	for _, want := range []string{"tok_4f9a2c81d3e7b6a0", "key_77c1e0"} {
		if !strings.Contains(secrets, want) {
			t.Errorf("secret %q not collected: %q", want, secrets)
		}
	}
	if strings.Contains(secrets, "tenant-1") {
		t.Errorf("a tenant id is no secret: %q", secrets)
	}
	if len(h.Err()) != 2 {
		t.Fatalf("errors %v: want the bad name and the line break", h.Err())
	}
	for _, err := range h.Err() {
		if strings.Contains(err.Error(), "sess_1") {
			t.Errorf("an error quotes a header value: %v", err)
		}
	}
}
