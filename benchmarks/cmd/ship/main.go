// Command ship compares slogx's shipping sinks with the OpenTelemetry Go
// SDK against a real VictoriaLogs: each logs the same burst of records from
// one goroutine through slog.Logger, is closed, and the rows VictoriaLogs
// stored for its run are counted. It writes the results as JSON for the
// report (cmd/report) and a summary on stderr.
//
//	go run ./cmd/ship -victorialogs "$(../scripts/victorialogs.sh)" -out ship.json
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.slogx.dev/benchmarks"
)

// Result is one shipper's run.
type Result struct {
	Name     string
	Config   string
	Sent     int
	Stored   int
	LogSec   float64 // the log calls alone
	TotalSec float64 // from the first log call until Close returned
	StoredPS float64 // Stored / TotalSec
	Reported []string
	// Lost is the number of records the shipper's reports add up to as
	// not delivered; Sent - Stored - Lost were lost without a word.
	Lost  uint64
	Error string `json:",omitempty"`
}

func main() {
	bin := flag.String("victorialogs", "", "path of the VictoriaLogs binary (scripts/victorialogs.sh prints it)")
	records := flag.Int("records", 300000, "records in each burst")
	out := flag.String("out", "", "write the results as JSON to this file")
	flag.Parse()
	if *bin == "" || *records < 1 {
		flag.Usage()
		os.Exit(2)
	}
	srv, err := startServer(*bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ship:", err)
		os.Exit(1)
	}
	var results []Result
	for _, s := range shippers {
		r := run(srv, s, *records)
		fmt.Fprintf(os.Stderr, "ship: %-20s stored %d of %d in %.2f s (log calls %.2f s), %.0f stored/s, reported %d not delivered %s\n",
			r.Name, r.Stored, r.Sent, r.TotalSec, r.LogSec, r.StoredPS, r.Lost, r.Error)
		for _, line := range r.Reported {
			fmt.Fprintf(os.Stderr, "ship:     %s\n", line)
		}
		results = append(results, r)
	}
	srv.stop()
	if *out != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "ship:", err)
			os.Exit(1)
		}
	}
	for _, r := range results {
		if r.Error != "" {
			os.Exit(1)
		}
	}
}

func run(srv *server, s shipper, n int) Result {
	res := Result{Name: s.Name, Config: s.Config, Sent: n}
	runID := fmt.Sprintf("ship-%d", time.Now().UnixNano())
	h, finish, err := s.start(srv.URL)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	l := slog.New(h).With("run", runID)
	ctx := context.Background()
	rec := benchmarks.Realistic
	t0 := time.Now()
	for range n {
		benchmarks.LogAttrs(ctx, l, &rec)
	}
	res.LogSec = time.Since(t0).Seconds()
	res.Reported, res.Lost = finish()
	res.TotalSec = time.Since(t0).Seconds()
	res.Stored, err = srv.waitStored(runID, n)
	if err != nil {
		res.Error = "counting: " + err.Error()
	}
	res.StoredPS = float64(res.Stored) / res.TotalSec
	return res
}
