// Command spoolchild is the program the spool tests of slogx/victoria run
// in a process of their own: to kill it with SIGKILL, and to measure the
// peak memory of logging through an outage without the test's own.
//
//	spoolchild -mode outage -url U -dir D -n N -for 60s -queue 10000
//	    logs N records, paced over the duration, then waits until every
//	    record is delivered (the test brings the server back), closes, and
//	    prints its stats and peak RSS as JSON.
//	spoolchild -mode crash -url U -dir D -n N -ids FILE
//	    logs a first record and waits until the handler spools it (it has
//	    seen the server fail), then logs records 0..N-1 as fast as it can,
//	    appending each id to FILE (one write each) once Handle returned;
//	    then waits to be killed.
//	spoolchild -mode drain -url U -dir D -expect N
//	    opens the spool left behind and prints "delivered K" as records are
//	    delivered, until N are, then closes and prints its stats.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.slogx.dev/slogx/victoria"
)

func main() {
	mode := flag.String("mode", "", "outage, crash or drain")
	url := flag.String("url", "", "VictoriaLogs URL")
	dir := flag.String("dir", "", "spool directory")
	n := flag.Int("n", 0, "records to log")
	expect := flag.Int("expect", 0, "records to wait for (drain)")
	pace := flag.Duration("for", 0, "spread the records over this long (outage)")
	queue := flag.Int("queue", 0, "QueueSize")
	ids := flag.String("ids", "", "file of accepted ids (crash)")
	flag.Parse()

	h, err := victoria.New(victoria.Options{
		URL:       *url,
		QueueSize: *queue,
		Spool:     &victoria.Spool{Dir: *dir},
		// Find the server again soon after it is back.
		Retry:        victoria.RetryPolicy{MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond},
		CloseTimeout: 10 * time.Second,
	})
	if err != nil {
		fail(err)
	}
	logger := slog.New(h)
	switch *mode {
	case "outage":
		start := time.Now()
		for i := range *n {
			logRecord(logger, i)
			if *pace > 0 && i%500 == 499 {
				// Stay on schedule: record i is due at start + pace*i/n.
				due := start.Add(time.Duration(int64(*pace) * int64(i) / int64(*n)))
				time.Sleep(time.Until(due))
			}
		}
		fmt.Println("logged")
		waitDelivered(h, uint64(*n), 10*time.Minute)
	case "crash":
		f, err := os.OpenFile(*ids, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			fail(err)
		}
		logger.Info("probe: the server is down", "id", -1)
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
			if st := h.Stats(); st.Spool.Records >= 1 && st.Queued == 0 {
				break
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("the probe record was never spooled: %+v", h.Stats()))
			}
		}
		fmt.Println("spooling")
		buf := make([]byte, 0, 16)
		for i := range *n {
			logRecord(logger, i)
			buf = strconv.AppendInt(buf[:0], int64(i), 10)
			buf = append(buf, '\n')
			if _, err := f.Write(buf); err != nil {
				fail(err)
			}
		}
		fmt.Println("logged")
		select {} // until killed
	case "drain":
		waitDelivered(h, uint64(*expect), 10*time.Minute)
	default:
		fail(fmt.Errorf("unknown mode %q", *mode))
	}
	cerr := h.Close()
	st := h.Stats()
	lastErr, spoolErr := fmt.Sprint(st.LastError), fmt.Sprint(st.Spool.Err)
	st.LastError, st.Spool.Err = nil, nil // interfaces JSON cannot read back
	out, _ := json.Marshal(map[string]any{
		"stats":       st,
		"close_error": fmt.Sprint(cerr),
		"last_error":  lastErr,
		"spool_error": spoolErr,
		"peak_rss_kb": peakRSS(),
	})
	fmt.Printf("result %s\n", out)
}

// logRecord logs record i as a service would: a 60-character message, a
// request id of hex runs, a DSN and a JSON body logged as a string.
func logRecord(logger *slog.Logger, i int) {
	logger.Info("payment authorised after 3-D Secure challenge with issuer",
		"id", i,
		"request_id", fmt.Sprintf("%08x-9c1e-4f0a-b7d2-%012x", i*2654435761&0xffffffff, i),
		"dsn", "postgres://billing@10.20.3.17:5432/ledger?sslmode=verify-full",
		"body", `{"amount":1999,"currency":"EUR","card":{"brand":"visa","last4":"4242"}}`,
		"latency", time.Duration(i%5000)*time.Microsecond,
	)
}

// waitDelivered waits until n records were delivered in this run, printing
// progress so that a test can kill the process mid-replay.
func waitDelivered(h *victoria.Handler, n uint64, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last := uint64(0)
	for {
		st := h.Stats()
		if st.Delivered != last {
			last = st.Delivered
			fmt.Printf("delivered %d\n", last)
		}
		if st.Delivered >= n && st.Spool.Records == 0 && st.Queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("delivered %d of %d in %v: %+v", st.Delivered, n, timeout, st))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		h.Flush(ctx)
		cancel()
		time.Sleep(10 * time.Millisecond)
	}
}

// peakRSS returns the process's peak resident set (VmHWM), in KiB.
func peakRSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kb
		}
	}
	return -1
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "spoolchild:", err)
	os.Exit(2)
}
