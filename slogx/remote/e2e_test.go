//go:build e2e

// The end-to-end throughput run is a measurement, not a check of
// behaviour, and takes a while; it is built only with -tags e2e:
//
//	go test -tags e2e -count=1 -run '^TestE2EThroughput$' -v ./slogx/remote/ -args -e2e.records=200000 -e2e.rounds=3

package remote_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/internal/wire"
	"go.slogx.dev/slogx/remote"
)

var (
	e2eRecords = flag.Int("e2e.records", 200_000, "records per run")
	e2eRounds  = flag.Int("e2e.rounds", 3, "rounds; each runs every contender once, in turn")
)

// e2eBatch is the raw loop's request size: the handler's default
// BatchSize, so both send the same number of requests.
const e2eBatch = 1000

// TestE2EThroughput measures, per format, records per second from
// Handle calls to rows searchable in a real VictoriaLogs, next to a
// plain loop that POSTs bodies of the same format, encoded and framed
// before the clock starts, to the same kind of server, in the same run.
// Each contender gets a fresh server per round, rounds alternate the
// contenders, and the best round of each is compared.
func TestE2EThroughput(t *testing.T) {
	n := *e2eRecords
	t.Logf("%d records per run, %d rounds, GOMAXPROCS %d", n, *e2eRounds, runtime.GOMAXPROCS(0))
	type contender struct {
		name string
		run  func(t *testing.T, srv *vltest.Server) time.Duration
	}
	for _, c := range vlCases {
		contenders := []contender{
			{"raw " + c.format.String() + " POST loop", func(t *testing.T, srv *vltest.Server) time.Duration { return rawLoop(t, srv, c, n) }},
			{"remote " + c.format.String() + " (gzip)", func(t *testing.T, srv *vltest.Server) time.Duration { return remoteRun(t, srv, c, remote.Gzip, n) }},
			{"remote " + c.format.String() + " (none)", func(t *testing.T, srv *vltest.Server) time.Duration {
				return remoteRun(t, srv, c, remote.NoCompression, n)
			}},
		}
		best := make([]time.Duration, len(contenders))
		for round := range *e2eRounds {
			for i, ct := range contenders {
				srv := vltest.Start(t)
				d := ct.run(t, srv)
				srv.Stop()
				t.Logf("round %d: %-30s %9.0f records/s (%v)", round+1, ct.name, float64(n)/d.Seconds(), d.Round(time.Millisecond))
				if best[i] == 0 || d < best[i] {
					best[i] = d
				}
			}
		}
		raw := float64(n) / best[0].Seconds()
		t.Logf("%v, best of %d rounds:", c.format, *e2eRounds)
		for i, ct := range contenders {
			rate := float64(n) / best[i].Seconds()
			t.Logf("  %-30s %9.0f records/s  %.2fx the raw loop", ct.name, rate, rate/raw)
		}
	}
}

// e2eReplaceAttr renders attributes as strings where VictoriaLogs'
// intake for the format takes nothing else (see vlCase).
func e2eReplaceAttr(c vlCase) func([]string, slog.Attr) slog.Attr {
	if !c.stringsOnly {
		return nil
	}
	return stringValues
}

// e2eRecord is the 5-attribute record of the Handle benchmarks, with an id
// so that every row is distinct.
func e2eRecord(i int) slog.Record {
	r := benchRecord()
	r.AddAttrs(slog.Int("id", i))
	return r
}

// rawLoop encodes and frames the records with the format the handler uses
// (not timed), then POSTs the bodies, uncompressed, one request at a time,
// and waits until every row is searchable.
func rawLoop(t *testing.T, srv *vltest.Server, c vlCase, n int) time.Duration {
	f, err := wire.New(map[remote.Format]wire.Kind{
		remote.NDJSON: wire.NDJSON, remote.Datadog: wire.Datadog, remote.Loki: wire.Loki,
		remote.ElasticBulk: wire.ElasticBulk, remote.OTLP: wire.OTLP,
	}[c.format], wire.Options{ReplaceAttr: e2eReplaceAttr(c)})
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	var recs [][]byte
	for i := range n {
		r := e2eRecord(i)
		rec, _ := f.Encoder().AppendRecord(nil, &r, nil)
		recs = append(recs, rec)
		if len(recs) == e2eBatch || i == n-1 {
			bodies = append(bodies, f.AppendBody(nil, recs))
			recs = recs[:0]
		}
	}
	// A private transport, whose connections are closed at the end: no
	// goroutine of the loop outlives it.
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}

	t0 := time.Now()
	for _, b := range bodies {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+c.path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", f.ContentType())
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("raw POST: %v", err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("raw POST: status %d: %s", resp.StatusCode, answer)
		}
	}
	waitStored(t, srv, n)
	return time.Since(t0)
}

// remoteRun hands the records to the handler's Handle, and
// waits until every row is searchable.
func remoteRun(t *testing.T, srv *vltest.Server, c vlCase, comp remote.Compression, n int) time.Duration {
	// Block: a program logging flat out must wait for the sender, as the
	// raw loop waits for each answer.
	h, err := remote.New(remote.Options{
		Endpoint: srv.URL() + c.path, Format: c.format, Compression: comp,
		ReplaceAttr: e2eReplaceAttr(c), Fallback: io.Discard,
		Overflow: remote.Block, BlockTimeout: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	for i := range n {
		h.Handle(ctx, e2eRecord(i))
	}
	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitStored(t, srv, n)
	d := time.Since(t0)
	if st := h.Stats(); st.Delivered != uint64(n) {
		t.Fatalf("delivered %d of %d: %+v", st.Delivered, n, st)
	}
	return d
}

func waitStored(t *testing.T, srv *vltest.Server, n int) {
	if got := vltest.WaitCount(t, srv.URL(), "*", n, 5*time.Minute); got != n {
		t.Fatalf("stored %d rows, want %d", got, n)
	}
}
