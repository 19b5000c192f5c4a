package victoria_test

import (
	"context"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// BenchmarkHandleSpool measures what a configured spool costs Handle while
// the server is healthy (nothing is spooled): handler=victoria has no
// spool, handler=victoria-spool has one. Chunks are timed and delivered as
// in BenchmarkHandle. Compare with
//
//	go test -c -o /tmp/v.test ./slogx/victoria
//	for i in $(seq 10); do (cd slogx/victoria && /tmp/v.test -test.run '^$' -test.bench HandleSpool -test.benchmem -test.count 1); done > /tmp/spool.txt
//	benchstat -col /handler /tmp/spool.txt
func BenchmarkHandleSpool(b *testing.B) {
	srv := vltest.Start(b)
	ctx := context.Background()
	// In ABBA order: whichever runs second in a pair is favoured by what
	// the first left behind (warm pools, a grown heap). benchstat -col
	// shows the second run of each name as name#01: compare victoria with
	// victoria-spool, and victoria#01 with victoria-spool#01.
	for _, c := range []struct {
		name  string
		spool bool
	}{{"victoria", false}, {"victoria-spool", true}, {"victoria-spool", true}, {"victoria", false}} {
		b.Run("case=attrs5/handler="+c.name, func(b *testing.B) {
			opts := victoria.Options{
				URL:           srv.URL(),
				BatchSize:     benchChunk + 24,
				FlushInterval: time.Hour,
			}
			if c.spool {
				opts.Spool = &victoria.Spool{Dir: b.TempDir()}
			}
			h, err := victoria.New(opts)
			if err != nil {
				b.Fatal(err)
			}
			r := benchRecord()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if i > 0 && i%benchChunk == 0 {
					b.StopTimer()
					if err := h.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := h.Close(); err != nil {
				b.Fatal(err)
			}
			st := h.Stats()
			if st.Delivered != uint64(b.N) || st.Spool.Written != 0 {
				b.Fatalf("%d of %d records delivered, %d spooled: %+v", st.Delivered, b.N, st.Spool.Written, st)
			}
		})
	}
}

// BenchmarkSpoolOutage measures logging while the server is down, every
// record written through to the spool (records/s), and the replay of that
// backlog once the server is back, from the first request to the last
// record acknowledged (replayed records/s). The records are the
// five-attribute record of BenchmarkHandle.
func BenchmarkSpoolOutage(b *testing.B) {
	srv := vltest.Start(b)
	ctx := context.Background()
	for _, sync := range []victoria.SyncPolicy{victoria.SyncSegment, victoria.SyncBatch} {
		b.Run("sync="+sync.String(), func(b *testing.B) {
			srv.Stop()
			h, err := victoria.New(victoria.Options{
				URL:   srv.URL(),
				Spool: &victoria.Spool{Dir: b.TempDir(), Sync: sync},
				Retry: victoria.RetryPolicy{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond},
			})
			if err != nil {
				b.Fatal(err)
			}
			r := benchRecord()
			// Let the sink see the server down, so every timed record goes
			// to disk.
			h.Handle(ctx, r)
			for h.Stats().Spool.Records == 0 {
				time.Sleep(time.Millisecond)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			srv.Restart(b)
			start := time.Now()
			want := uint64(b.N + 1)
			for h.Stats().Delivered < want {
				if time.Since(start) > 5*time.Minute {
					b.Fatalf("replay stuck: %+v", h.Stats())
				}
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(want)/time.Since(start).Seconds(), "replayed-records/s")
			if err := h.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
