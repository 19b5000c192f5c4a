// Command demo runs a small checkout service wired with slogx the way a
// real service would be, drives a few hundred requests through it (some
// failing, some carrying secrets), and reports what reached the logs.
//
// With -sink=victoria (the default, what `make demo` runs) it starts a
// VictoriaLogs server on 127.0.0.1 with a temporary data directory, ships
// the records there, and checks them with LogsQL queries: records stored
// per sink, the DEBUG lead-up of a failed request (and of no other), each
// planted secret absent, the sinks' Stats. It exits 0 only if all of that
// holds, and stops the server; -keep leaves it running for a look in its UI
// until Ctrl-C. With -sink=stdout it needs no server: the records are
// printed, then checked the same way.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.slogx.dev/slogx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	sink     string
	bin      string
	requests int
	keep     bool
	// withoutRedact leaves redact out of the pipeline, for the test that
	// shows the report catches a leak; there is no flag for it.
	withoutRedact bool
}

// run is the demo; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.sink, "sink", "victoria", `where records go: "victoria" (a VictoriaLogs server the demo starts) or "stdout" (no server)`)
	fs.StringVar(&c.bin, "victorialogs", os.Getenv("SLOGX_VICTORIALOGS"), "path of the victoria-logs binary (make demo passes the one scripts/victorialogs.sh builds)")
	fs.IntVar(&c.requests, "requests", 300, "requests the driver sends")
	fs.BoolVar(&c.keep, "keep", false, "keep VictoriaLogs running after the report, until Ctrl-C, to look further in its UI")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.sink != "victoria" && c.sink != "stdout" {
		fmt.Fprintf(stderr, "demo: -sink=%q: want victoria or stdout\n", c.sink)
		return 2
	}
	if c.requests < 50 {
		fmt.Fprintf(stderr, "demo: -requests=%d: want at least 50, so that some requests fail\n", c.requests)
		return 2
	}
	return runConfig(ctx, c, stdout, stderr)
}

func runConfig(ctx context.Context, c config, stdout, stderr io.Writer) int {
	if err := demo(ctx, c, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// syncBuffer is the local handler's output in victoria mode, kept for the
// checks; the service's goroutines write to it at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func demo(ctx context.Context, c config, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "slogx-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)

	var vl *victoriaLogs
	if c.sink == "victoria" {
		if vl, err = startVictoriaLogs(ctx, c.bin, dir); err != nil {
			return err
		}
		defer vl.Stop()
	}

	// The local handler is the service's stdout. With -sink=stdout that is
	// the terminal; with VictoriaLogs it is a file, so that the report is
	// not lost among a thousand lines.
	var local syncBuffer
	var localOut io.Writer
	localWhere := "printed above"
	vlURL := ""
	if vl != nil {
		f, err := os.Create(filepath.Join(dir, "service.log"))
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer f.Close()
		localOut = io.MultiWriter(f, &local)
		localWhere = "JSON lines, the service's stdout"
		vlURL = vl.url
	} else {
		localOut = io.MultiWriter(stdout, &local)
	}

	p, err := newPipeline(localOut, vlURL, c.withoutRedact)
	if err != nil {
		return err
	}
	url, stopService, err := serve(ctx, newService(p.logger))
	if err != nil {
		slogx.Close(p.handler)
		return err
	}
	start := time.Now()
	results, err := drive(ctx, url, c.requests)
	stopService()
	// Close flushes every stage: breach's held records are discarded, the
	// victoria sink delivers what it queued.
	if cerr := slogx.Close(p.handler); err == nil && cerr != nil {
		err = fmt.Errorf("demo: closing the pipeline: %w", cerr)
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)

	r := &report{w: stdout}
	var failed []result
	health := 0
	for _, res := range results {
		switch {
		case res.path == "/health":
			health++
		case res.status >= 500:
			failed = append(failed, res)
		}
	}
	r.printf("\n== slogx demo: %d requests in %v, %d failed with 5xx, %d health checks (skipped by the middleware)\n",
		len(results), elapsed.Round(time.Millisecond), len(failed), health)
	r.printf("   slog.Logger → Stack → redact → breach (scope per request) → Fanout(JSON%s)\n\n", map[bool]string{true: ", victoria, remote", false: ""}[vl != nil])
	r.check(len(failed) > 0, "no request failed: the lead-up cannot be shown")

	localRows, err := parseLocal(local.Bytes())
	if err != nil {
		return err
	}
	sinks := []sinkRows{{name: "local", where: localWhere, rows: localRows}}
	r.printf("Records stored per sink\n")
	r.checkSink(sinks[0], len(localRows))
	if vl != nil {
		want := int(p.victoria.Stats().Delivered)
		rows, err := vl.waitRows(ctx, `sink:=victoria`, want, 30*time.Second)
		if err != nil {
			return err
		}
		s := sinkRows{name: "victoria", where: "rows in VictoriaLogs (LogsQL: sink:=victoria)", rows: rows}
		sinks = append(sinks, s)
		r.check(want == len(localRows), "victoria delivered %d records, the local handler wrote %d", want, len(localRows))
		r.checkSink(s, len(localRows))

		want = int(p.remote.Stats().Delivered)
		rows, err = vl.waitRows(ctx, `sink:=remote`, want, 30*time.Second)
		if err != nil {
			return err
		}
		s = sinkRows{name: "remote", where: "rows in VictoriaLogs via its Loki push API (sink:=remote)", rows: rows}
		sinks = append(sinks, s)
		r.check(want == len(localRows), "remote delivered %d records, the local handler wrote %d", want, len(localRows))
		r.checkSink(s, len(localRows))
	}

	// victoria's rows when there is a server, else the local lines.
	primary := sinks[min(1, len(sinks)-1)]
	b := p.breach.Stats()
	r.printf("\nBreach: the %d failed requests wrote their held lead-up (%d records, %d triggers);\n", len(failed), b.Flushed, b.Triggers)
	r.printf("        the %d held records of the requests that went well were discarded\n", b.Discarded)

	// An order lookup shows the most: DEBUG steps, a token masked in its
	// URL, the upstream error, the access record.
	shown := failed[0]
	for _, f := range failed {
		if strings.HasPrefix(f.path, "/orders/") {
			shown = f
			break
		}
	}
	r.checkLeadUp(primary, shown)
	for _, s := range sinks {
		r.checkScopes(s.rows, results)
	}
	r.checkSecrets(sinks)

	r.printf("\nStats\n")
	for _, line := range p.stats() {
		r.printf("  %s\n", line)
	}
	r.check(b.Triggers >= uint64(len(failed)), "breach triggered %d times for %d failed requests", b.Triggers, len(failed))
	r.check(b.DroppedScopes == 0 && b.Evicted == 0, "breach lost lead-up: %d scopes dropped, %d records evicted", b.DroppedScopes, b.Evicted)
	if p.victoria != nil {
		v := p.victoria.Stats()
		r.check(v.Accepted == v.Delivered && v.Dropped.Total() == 0 && v.Spilled == 0,
			"victoria: accepted %d, delivered %d, dropped %d, spilled %d", v.Accepted, v.Delivered, v.Dropped.Total(), v.Spilled)
		rs := p.remote.Stats()
		r.check(rs.Accepted == rs.Delivered && rs.Dropped.Total() == 0 && rs.Spilled == 0,
			"remote: accepted %d, delivered %d, dropped %d, spilled %d", rs.Accepted, rs.Delivered, rs.Dropped.Total(), rs.Spilled)
	}

	if len(r.failures) > 0 {
		r.printf("\nFAIL\n")
		for _, f := range r.failures {
			r.printf("  - %s\n", f)
		}
	} else {
		r.printf("\nPASS: every record stored, the failed request's lead-up in order, no secret stored\n")
	}
	if vl == nil {
		return r.err()
	}
	r.printf("\nVictoriaLogs UI: %s/select/vmui", vl.url)
	if !c.keep {
		r.printf("  (stopped now; run `make demo ARGS=-keep` to keep it up)\n")
		return r.err()
	}
	// Kept even after a failure: that is when a look is most needed.
	r.printf("\n  running until Ctrl-C; try the query  request_id:=%s\n", shown.requestID)
	<-ctx.Done()
	return r.err()
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
