package victoria_test

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

const burstRecords = 300_000

// burstRecord logs record i as a busy service would: a 60-character
// message, a UUID path, a trace id, a status and a duration.
func burstRecord(logger *slog.Logger, i int) {
	logger.Info("GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served",
		"trace_id", fmt.Sprintf("4bf92f3577b34da6a3ce929d%08x", i),
		"status", 200, "duration", 1375*time.Microsecond, "id", i)
}

// TestBurst logs 300,000 records as fast as the program can, from one
// goroutine and from eight, into a real VictoriaLogs with the default
// options. With the default overflow policy the queue absorbs the burst at
// the server's pace: every record is stored, and Close reports nothing
// lost. Before, over half of such a burst was dropped as "queue full".
func TestBurst(t *testing.T) {
	for _, goroutines := range []int{1, 8} {
		t.Run(fmt.Sprintf("%d goroutines", goroutines), func(t *testing.T) {
			srv := vltest.Start(t)
			h, fb := newHandler(t, victoria.Options{URL: srv.URL()}) // defaults; the fallback is a buffer
			logger := slog.New(h)
			start := time.Now()
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := g; i < burstRecords; i += goroutines {
						burstRecord(logger, i)
					}
				}()
			}
			wg.Wait()
			logged := time.Since(start)
			if err := h.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
			st := h.Stats()
			checkAllDelivered(t, st, burstRecords)
			if len(fb.Bytes()) != 0 {
				t.Errorf("the fallback was used: %s", head(fb.Bytes(), 1024))
			}
			if got := vltest.WaitCount(t, srv.URL(), "*", burstRecords, waitTimeout); got < burstRecords {
				t.Fatalf("stored %d of %d records", got, burstRecords)
			}
			if got := queryNumber(t, srv.URL(), "* | stats count_uniq(id) n"); got != burstRecords {
				t.Errorf("distinct ids = %d, want %d", got, burstRecords)
			}
			t.Logf("%d records logged in %v, %d batches", burstRecords, logged.Round(time.Millisecond), st.Batches)
		})
	}
}
