package victoria_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// producer logs records with increasing ids from its own goroutine, a few
// thousand a second, until stopped, as a busy program would.
type producer struct {
	logger *slog.Logger
	next   atomic.Int64
	stop   chan struct{}
	done   sync.WaitGroup
}

func startProducer(logger *slog.Logger) *producer {
	p := &producer{logger: logger, stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			for range 10 {
				p.logger.Info("steady", "id", p.next.Add(1)-1)
			}
		}
	}()
	return p
}

// logged returns the number of records logged so far.
func (p *producer) logged() int { return int(p.next.Load()) }

func (p *producer) halt() int {
	close(p.stop)
	p.done.Wait()
	return p.logged()
}

// waitLogged lets the producer run until it has logged n more records.
func (p *producer) waitLogged(t testing.TB, n int) {
	t.Helper()
	target := p.logged() + n
	deadline := time.Now().Add(waitTimeout)
	for p.logged() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the producer logged only %d of %d records", p.logged(), target)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestServerStoppedMidRun stops VictoriaLogs for five seconds while a
// program keeps logging, then restarts it on the same data. Every record
// must be stored; a duplicate is allowed only for the one batch that may
// have been in flight when the server went down.
func TestServerStoppedMidRun(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	const batch = 200
	h, _ := newHandler(t, victoria.Options{
		URL:           srv.URL(),
		BatchSize:     batch,
		FlushInterval: 50 * time.Millisecond,
		// Find the server again within half a second of its return.
		Retry: victoria.RetryPolicy{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond},
	})
	p := startProducer(slog.New(h))
	p.waitLogged(t, 2000)
	srv.Stop()
	down := time.Now()
	beforeOutage := h.Stats().Delivered
	// The outage lasts as long as the program takes to log five seconds'
	// worth of records at its pace.
	for time.Since(down) < 5*time.Second {
		p.waitLogged(t, 100)
	}
	if d := h.Stats().Delivered; d != beforeOutage {
		t.Errorf("%d records delivered while the server was down", d-beforeOutage)
	}
	queued := h.Stats().Queued
	srv.Restart(t)
	p.waitLogged(t, 2000)
	n := p.halt()
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := h.Stats()
	checkAllDelivered(t, st, uint64(n))
	if st.Retried == 0 || queued < 1000 {
		t.Errorf("the outage was not felt: %d retries, %d records queued during it", st.Retried, queued)
	}

	waitDistinct(t, srv.URL(), n)
	total := vltest.Count(t, srv.URL(), "*")
	if total < n || total > n+batch {
		t.Errorf("stored %d rows for %d records: more duplicates than one batch", total, n)
	}
	t.Logf("%d records, %d queued during the outage, %d retries, %d duplicates", n, queued, st.Retried, total-n)
}

// waitDistinct polls until the server holds n distinct ids.
func waitDistinct(t testing.TB, url string, n int, tenant ...vltest.Tenant) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := queryNumber(t, url, "* | stats count_uniq(id) n", tenant...)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d distinct ids, want %d", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterInsertNodeKilled: batches are spread over both insert nodes of
// a cluster; after one is killed they all go through the other, and every
// record is stored.
//
// The handler keeps running across the kill, but logging pauses around it:
// a front node acknowledges rows before forwarding them (it buffers up to a
// second), so rows it acknowledged just before a SIGKILL are lost inside
// VictoriaLogs, where no client can see it. Flushing and waiting for the
// rows to be searchable before the kill keeps this test about the handler.
func TestClusterInsertNodeKilled(t *testing.T) {
	t.Parallel()
	c := vltest.StartCluster(t, 2, 2)
	h, _ := newHandler(t, victoria.Options{
		URLs:          c.URLs(),
		BatchSize:     250,
		FlushInterval: 50 * time.Millisecond,
		Retry:         victoria.RetryPolicy{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond},
	})
	logger := slog.New(h)
	const half = 5000
	for i := range half {
		logger.Info("clustered", "id", i)
	}
	flush(t, h)
	if got := vltest.WaitCount(t, c.Insert[1].URL(), "*", half, waitTimeout); got != half {
		t.Fatalf("before the kill: %d rows, want %d", got, half)
	}
	for i, node := range c.Insert {
		if reqs := metric(t, node.URL(), `vl_http_requests_total{path="/insert/jsonline"}`); reqs == 0 {
			t.Errorf("insert node %d got no batches; they must be spread over both", i)
		}
	}
	retriedBefore := h.Stats().Retried

	c.Insert[0].Kill()
	for i := half; i < 2*half; i++ {
		logger.Info("clustered", "id", i)
	}
	flush(t, h)
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	st := h.Stats()
	checkAllDelivered(t, st, 2*half)
	if st.Retried == retriedBefore {
		t.Error("no retry after the kill: the dead node was never tried")
	}
	if got := vltest.WaitCount(t, c.Insert[1].URL(), "*", 2*half, waitTimeout); got != 2*half {
		t.Errorf("stored %d rows, want %d", got, 2*half)
	}
	if got := queryNumber(t, c.Insert[1].URL(), "* | stats count_uniq(id) n"); got != 2*half {
		t.Errorf("distinct ids = %d, want %d", got, 2*half)
	}
}

// TestCloseWithServerDown: Close returns within CloseTimeout and writes
// what it could not deliver to the fallback, behind a summary line.
func TestCloseWithServerDown(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	const closeTimeout = time.Second
	h, fb := newHandler(t, victoria.Options{URL: srv.URL(), CloseTimeout: closeTimeout, FlushInterval: 20 * time.Millisecond})
	logger := slog.New(h)
	logger.Info("before", "id", -1)
	flush(t, h)
	srv.Stop()
	const n = 500
	for i := range n {
		logger.Info("undeliverable", "id", i)
	}
	start := time.Now()
	err := h.Close()
	if took := time.Since(start); took > closeTimeout+time.Second {
		t.Errorf("Close took %v, CloseTimeout is %v", took, closeTimeout)
	}
	if err == nil || !strings.Contains(err.Error(), "500 of 501 records not delivered: 500 written to the fallback") {
		t.Errorf("Close = %v", err)
	}
	st := h.Stats()
	checkAccounting(t, st)
	if st.Delivered != 1 || st.Spilled != n {
		t.Errorf("stats = %+v", st)
	}
	recs, sums := splitFallback(t, fb.Bytes())
	if len(recs) != n || len(sums) == 0 {
		t.Fatalf("fallback holds %d records and %d summaries, want %d records", len(recs), len(sums), n)
	}
	for _, s := range sums {
		if !strings.Contains(s, "close timeout 1s passed") {
			t.Errorf("summary %q does not say why", s)
		}
	}
	for i, r := range recs {
		if r["msg"] != "undeliverable" || r["id"] != float64(i) {
			t.Fatalf("fallback record %d = %v, want id %d in order", i, r, i)
		}
	}

	// After Close a record goes straight to the fallback.
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0)); !errors.Is(err, victoria.ErrClosed) {
		t.Errorf("Handle after Close = %v, want ErrClosed", err)
	}
	recs, _ = splitFallback(t, fb.Bytes())
	if len(recs) != n+1 || recs[n]["msg"] != "late" {
		t.Errorf("the late record is not the last line of the fallback")
	}
	if st := h.Stats(); st.Accepted != n+2 || st.Spilled != n+1 {
		t.Errorf("after a late record: %+v", st)
	}
	checkAccounting(t, h.Stats())
}

// TestQueueFullCounted: with the server away and a small queue, records
// beyond it are dropped at once, counted, and reported by Close.
func TestQueueFullCounted(t *testing.T) {
	t.Parallel()
	h, fb := newHandler(t, victoria.Options{
		URL:          closedPortURL(t),
		QueueSize:    100,
		BatchSize:    10,
		CloseTimeout: 100 * time.Millisecond,
	})
	logger := slog.New(h)
	start := time.Now()
	for i := range 1000 {
		logger.Info("flood", "id", i)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("logging into a full queue took %v: it must not wait", d)
	}
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "one more", 0)); !errors.Is(err, victoria.ErrQueueFull) {
		t.Errorf("Handle on a full queue = %v, want ErrQueueFull", err)
	}
	err := h.Close()
	st := h.Stats()
	checkAccounting(t, st)
	if st.Dropped.QueueFull < 1001-100-10 || st.Delivered != 0 {
		t.Errorf("stats = %+v", st)
	}
	if err == nil || !strings.Contains(err.Error(), "dropped, queue full") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Close = %v", err)
	}
	recs, _ := splitFallback(t, fb.Bytes())
	if uint64(len(recs)) != st.Spilled {
		t.Errorf("fallback holds %d records, Spilled = %d", len(recs), st.Spilled)
	}
}

// TestOutageWithDefaultOptions stops VictoriaLogs for ten seconds while a
// program logs as fast as it can, with the default options. While the server is away no log call waits longer than the
// documented bound (BlockTimeout, 5 s; in practice not at all, since a
// stopped server fails at once); the records beyond the queue are dropped,
// counted, and reported to the fallback while the outage lasts; and once
// the handler is closed every record is accounted for exactly.
func TestOutageWithDefaultOptions(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	h, fb := newHandler(t, victoria.Options{URL: srv.URL()})
	logger := slog.New(h)

	var (
		next  atomic.Int64
		worst atomic.Int64 // nanoseconds
		stop  = make(chan struct{})
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			for range 500 {
				i := next.Add(1) - 1
				start := time.Now()
				logger.Info("GET /api/v2/orders/8f14e45f-ceea-467f-a0e6-1bf2c9d5e0b3 served",
					"trace_id", fmt.Sprintf("4bf92f3577b34da6a3ce929d%08x", i), "status", 200, "id", i)
				if d := int64(time.Since(start)); d > worst.Load() {
					worst.Store(d)
				}
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	time.Sleep(2 * time.Second)
	srv.Stop()
	down := time.Now()
	before := h.Stats()
	// Ten seconds, or longer on a machine so loaded that the queue took
	// most of them to fill: drops must have gone on for a few seconds
	// before the server returns, for their report to be due.
	var firstDrop time.Time
	for firstDrop.Before(down) {
		if time.Since(down) > time.Minute {
			t.Fatalf("no record dropped in a minute of outage: %+v", h.Stats())
		}
		time.Sleep(20 * time.Millisecond)
		firstDrop = h.Stats().LastDropAt
	}
	for time.Since(down) < 10*time.Second || time.Since(firstDrop) < 3*time.Second {
		time.Sleep(100 * time.Millisecond)
	}
	during := h.Stats()
	srv.Restart(t)
	up := time.Now()
	time.Sleep(3 * time.Second)
	close(stop)
	<-done
	if err := h.Close(); err == nil {
		t.Error("Close = nil after an outage that dropped records")
	}
	st := h.Stats()

	const bound = 5 * time.Second // BlockTimeout's default with Backpressure
	if w := time.Duration(worst.Load()); w > bound+5*time.Second {
		t.Errorf("the worst log call took %v; the documented bound is %v", w, bound)
	} else {
		t.Logf("worst log call: %v (bound %v)", w.Round(time.Microsecond), bound)
	}
	if drops := during.Dropped.QueueFull - before.Dropped.QueueFull; drops == 0 {
		t.Errorf("no record dropped during a 10 s outage at this rate: %+v", during)
	}
	if during.DropReports == before.DropReports || during.LastDropAt.Before(down) {
		t.Errorf("drops not reported while the server was down: before %+v, during %+v", before, during)
	}
	reportedDuringOutage := 0
	for _, m := range parseNDJSON(t, fb.Bytes()) {
		msg, _ := m["msg"].(string)
		at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["time"]))
		if dropReportRE.MatchString(msg) && at.After(down) && at.Before(up) {
			reportedDuringOutage++
		}
	}
	if most := int(up.Sub(down)/(10*time.Second)) + 1; reportedDuringOutage == 0 || reportedDuringOutage > most {
		t.Errorf("%d drop reports in the fallback during the %v outage; want 1 to %d (one at once, then one per 10 s)",
			reportedDuringOutage, up.Sub(down).Round(time.Second), most)
	}
	if got := st.Delivered + st.Dropped.Total() + st.Spilled; got != st.Accepted || st.Accepted != uint64(next.Load()) {
		t.Errorf("accounting: logged %d, accepted %d, delivered %d + dropped %d + spilled %d = %d",
			next.Load(), st.Accepted, st.Delivered, st.Dropped.Total(), st.Spilled, got)
	}
	if st.Delivered <= during.Delivered {
		t.Errorf("nothing delivered after the server came back: %+v", st)
	}
	t.Logf("logged %d: delivered %d, dropped %d, spilled %d, %d drop reports",
		next.Load(), st.Delivered, st.Dropped.Total(), st.Spilled, st.DropReports)
}
