package victoria_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/slogx/victoria"
)

// heldServer accepts inserts but answers none until released, like a
// VictoriaLogs that stalls: the handler's queue fills behind the request in
// flight.
func heldServer(t *testing.T) (url string, release func()) {
	t.Helper()
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	released := false
	release = func() {
		if !released {
			released = true
			close(hold)
		}
	}
	t.Cleanup(func() {
		release()
		srv.Close()
	})
	return srv.URL, release
}

// hugeRecord is one oversized record, a response body logged as a string.
func hugeRecord(size int) slog.Record {
	body := strings.Repeat(`{"id":"ord_8f14e45fceea","items":[{"sku":"SKU-20931","qty":2}],"total":"129.90"},`, size/80+1)
	r := slog.NewRecord(time.Now(), slog.LevelWarn, "upstream answered with an unexpected body", 0)
	r.AddAttrs(slog.String("body", body[:size]))
	return r
}

// TestLargeRecordDoesNotShrinkTheQueue: after one record of several MiB,
// the ordinary records that follow take the room of their own size in the
// queue. Before, each took a buffer the size of the large one: a healthy
// server behind a slow request received a few hundred of 3,000 records,
// the rest dropped as "queue full".
func TestLargeRecordDoesNotShrinkTheQueue(t *testing.T) {
	url, release := heldServer(t)
	h, _ := newHandler(t, victoria.Options{URL: url, Overflow: victoria.DropNewest, BatchSize: 100})
	logger := slog.New(h)
	if err := h.Handle(context.Background(), hugeRecord(9<<20)); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		logger.Info("GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served", "id", i, "status", 200)
	}
	if st := h.Stats(); st.Dropped.QueueFull != 0 {
		t.Errorf("%d of 3000 records after a 9 MiB one dropped as queue full; the 64 MiB queue holds them easily", st.Dropped.QueueFull)
	}
	release()
	if err := h.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	checkAllDelivered(t, h.Stats(), 3001)
}

// TestLargeRecordDoesNotSizeLaterBuffers: a log call after a 16 MiB record
// allocates about what its own record needs. Before, every later call
// allocated a buffer the size of the largest record ever seen.
func TestLargeRecordDoesNotSizeLaterBuffers(t *testing.T) {
	url, release := heldServer(t)
	h, _ := newHandler(t, victoria.Options{URL: url, Overflow: victoria.DropNewest})
	defer release() // before the handler closes
	logger := slog.New(h)
	h.Handle(context.Background(), hugeRecord(16<<20))
	const calls = 200
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range calls {
		logger.Info("GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served", "id", i, "status", 200)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / calls; per > 64<<10 {
		t.Errorf("each log call after a 16 MiB record allocates %d bytes", per)
	}
}

// TestBlockAfterLargeRecord: with Overflow Block, records after one larger
// than QueueBytes's worth of buffer are queued at once. Before, each
// reserved the large buffer, which never fit, and waited BlockTimeout on
// an empty queue before being dropped.
func TestBlockAfterLargeRecord(t *testing.T) {
	url, release := heldServer(t)
	h, _ := newHandler(t, victoria.Options{
		URL: url, Overflow: victoria.Block, BlockTimeout: 10 * time.Second,
		QueueBytes: 8 << 20, MaxLineBytes: 8 << 20,
	})
	logger := slog.New(h)
	h.Handle(context.Background(), hugeRecord(7<<20)) // sent alone, held in flight
	start := time.Now()
	for i := range 10 {
		logger.Info("GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served", "id", i, "status", 200)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("10 small records into an empty queue took %v", d)
	}
	release()
	if err := h.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	checkAllDelivered(t, h.Stats(), 11)
}
