//go:build e2e && unix

// The end-to-end throughput run is a measurement, not a check of
// behaviour, and takes a while; it is built only with -tags e2e:
//
//	make bench-e2e
//	go test -tags e2e -run '^TestE2EThroughput$' -v ./slogx/victoria/ -e2e.records 2000000

package victoria_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

var (
	e2eRecords = flag.Int("e2e.records", 1_000_000, "records per run")
	e2eRounds  = flag.Int("e2e.rounds", 3, "rounds; each runs every contender once, in turn")
	e2eOnly    = flag.String("e2e.only", "", "run only the contenders whose names contain this (for profiling: -cpuprofile)")
)

// e2eBatch is the raw loop's request size: the handler's default
// BatchSize, so both send the same number of requests.
const e2eBatch = 1000

// TestE2EThroughput measures records per second from slog.Logger calls to
// rows stored (searchable) in a real VictoriaLogs, next to a plain loop
// that POSTs pre-encoded NDJSON to the same kind of server, in the same
// run. Each contender gets a fresh server per round, rounds alternate the
// contenders, and the best round of each is compared, which on a shared
// machine is the fairest single number.
//
// The target is at least 0.8 times the raw loop's rate, with the default
// options: the handler encodes every record on the logging goroutine (the
// raw loop encoded them before the clock started) and compresses every
// batch, and the default overflow policy (Backpressure) makes the logging
// goroutine wait for the sender. The raw loop sends one request at a time;
// the handler keeps up to MaxInFlight (2) in flight, which is what lets it
// keep up, as the MaxInFlight 1 contender shows: one request at a time
// leaves the server idle while the next batch is framed and sent.
func TestE2EThroughput(t *testing.T) {
	n := *e2eRecords
	t.Logf("%d records per run, %d rounds, GOMAXPROCS %d", n, *e2eRounds, runtime.GOMAXPROCS(0))
	contenders := []struct {
		name string
		run  func(t *testing.T, srv *vltest.Server, n int, clk *clock)
	}{
		{"raw NDJSON POST loop", rawLoop},
		{"victoria (default options)", victoriaRun(victoria.Options{})},
		{"victoria (no compression)", victoriaRun(victoria.Options{Compression: victoria.NoCompression})},
		// What sending ahead is worth: the defaults, one request at a time.
		{"victoria (MaxInFlight 1)", victoriaRun(victoria.Options{MaxInFlight: 1})},
	}
	best := make([]time.Duration, len(contenders))
	for round := range *e2eRounds {
		for i, c := range contenders {
			if !strings.Contains(c.name, *e2eOnly) {
				continue
			}
			srv := vltest.Start(t)
			clk := &clock{srv: srv}
			c.run(t, srv, n, clk)
			d, own, server := clk.stop()
			sending := clk.t1.Sub(clk.t0)
			srv.Stop()
			// CPU per record, of this process and of the server, shows
			// where a run's time went: on 2 cores, what the client spends
			// the server cannot.
			t.Logf("round %d: %-34s %9.0f records/s (%v, sent in %v); CPU per record: client %4.2f µs, server %4.2f µs",
				round+1, c.name, float64(n)/d.Seconds(), d.Round(time.Millisecond), sending.Round(time.Millisecond),
				own.Seconds()*1e6/float64(n), server.Seconds()*1e6/float64(n))
			if best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	if *e2eOnly != "" {
		return // a partial run compares nothing
	}
	raw := float64(n) / best[0].Seconds()
	t.Logf("best of %d rounds:", *e2eRounds)
	for i, c := range contenders {
		rate := float64(n) / best[i].Seconds()
		t.Logf("  %-34s %9.0f records/s  %.2fx the raw loop", c.name, rate, rate/raw)
	}
	if ratio := best[0].Seconds() / best[1].Seconds(); ratio < 0.8 {
		t.Errorf("the handler reached %.2fx the raw loop's rate; the target is 0.8x", ratio)
	}
}

// e2eRecord is what every contender sends: the 5-attribute record of the
// Handle benchmarks, with an id so that every row is distinct.
func e2eRecord(logger *slog.Logger, i int) {
	logger.LogAttrs(context.Background(), slog.LevelInfo, "request served",
		slog.Int("id", i),
		slog.String("user", "alice@example"),
		slog.Int("status", 503),
		slog.Duration("elapsed", 1234567*time.Nanosecond),
		slog.Time("deadline", benchTime.Add(time.Second)),
		slog.Any("err", errBench),
	)
}

// rawLoop pre-encodes the records with slog.JSONHandler (not timed), then
// POSTs them in batches, one request at a time, with no compression, and
// waits until every row is searchable.
func rawLoop(t *testing.T, srv *vltest.Server, n int, clk *clock) {
	var all bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&all, nil))
	var batches [][]byte
	start := 0
	for i := range n {
		e2eRecord(logger, i)
		if (i+1)%e2eBatch == 0 || i == n-1 {
			batches = append(batches, all.Bytes()[start:all.Len()])
			start = all.Len()
		}
	}
	uri := srv.URL() + "/insert/jsonline?" + url.Values{"_msg_field": {"msg"}, "_time_field": {"time"}}.Encode()
	// One keep-alive connection, written and read directly, as the
	// handler's sender does: no client pool, and no cleaner goroutine left
	// behind for goleak to find.
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br, bw := bufio.NewReader(conn), bufio.NewWriter(conn)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)

	clk.start()
	for _, b := range batches {
		req.Reset()
		req.SetRequestURI(uri)
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/stream+json")
		req.SetBodyRaw(b)
		conn.SetDeadline(time.Now().Add(time.Minute))
		err := req.Write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = resp.Read(br)
		}
		if err != nil {
			t.Fatalf("raw POST: %v", err)
		}
		if resp.StatusCode() != fasthttp.StatusOK {
			t.Fatalf("raw POST: status %d: %s", resp.StatusCode(), resp.Body())
		}
	}
	clk.sent()
	waitStored(t, srv, n)
}

// victoriaRun logs the records through slog.Logger and the handler, and
// waits until every row is searchable.
func victoriaRun(o victoria.Options) func(t *testing.T, srv *vltest.Server, n int, clk *clock) {
	return func(t *testing.T, srv *vltest.Server, n int, clk *clock) {
		// The default options: Backpressure makes a program that logs flat
		// out wait for the sender, so nothing is dropped.
		o.URL, o.Fallback = srv.URL(), io.Discard
		h, err := victoria.New(o)
		if err != nil {
			t.Fatal(err)
		}
		logger := slog.New(h)
		clk.start()
		for i := range n {
			e2eRecord(logger, i)
		}
		// Flush first: Close gives up after CloseTimeout, and a full queue
		// at the end of a flat-out run may take longer on a loaded machine.
		if err := h.Flush(context.Background()); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		clk.sent()
		waitStored(t, srv, n)
		if st := h.Stats(); st.Delivered != uint64(n) {
			t.Fatalf("delivered %d of %d: %+v", st.Delivered, n, st)
		}
	}
}

func waitStored(t *testing.T, srv *vltest.Server, n int) {
	if got := vltest.WaitCount(t, srv.URL(), "*", n, 5*time.Minute); got != n {
		t.Fatalf("stored %d rows, want %d", got, n)
	}
}

// clock times one contender from start until stop, with the CPU time this
// process and the server used in between.
type clock struct {
	srv           *vltest.Server
	t0, t1        time.Time
	own0, server0 time.Duration
}

func (c *clock) start() {
	c.own0, c.server0 = ownCPUTime(), c.srv.CPUTime()
	c.t0 = time.Now()
}

// sent marks the moment the last request was answered.
func (c *clock) sent() { c.t1 = time.Now() }

func (c *clock) stop() (wall, own, server time.Duration) {
	wall = time.Since(c.t0)
	return wall, ownCPUTime() - c.own0, c.srv.CPUTime() - c.server0
}

func ownCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
