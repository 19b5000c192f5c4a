package spool

import (
	"fmt"
	"testing"
)

// benchRecords are realistic log lines of about 300 bytes.
func benchRecords(n int) [][]byte {
	r := make([][]byte, n)
	for i := range r {
		r[i] = record(i * 7919)
	}
	return r
}

// BenchmarkAppend measures writing records through one at a time, as a log
// call does while the spool is in use, and in batches of 1000, as the
// sender moves its queue to disk. The unit is a record; records/s is
// reported. A long run fills MaxBytes and from then on also pays for
// deleting the oldest segment, as a spool does in a long outage.
func BenchmarkAppend(b *testing.B) {
	recs := benchRecords(1000)
	for _, policy := range []Sync{SyncSegment, SyncBatch} {
		for _, batch := range []int{1, 1000} {
			b.Run(fmt.Sprintf("sync=%s/batch=%d", policy, batch), func(b *testing.B) {
				s := mustOpen(b, Options{Dir: b.TempDir(), MaxBytes: 256 << 20, Sync: policy})
				defer s.Close()
				var bytes int64
				b.ResetTimer()
				for i := 0; i < b.N; i += batch {
					k := min(batch, b.N-i)
					chunk := recs[:k]
					if _, err := s.AppendBatch(chunk); err != nil {
						b.Fatal(err)
					}
					for _, p := range chunk {
						bytes += int64(len(p))
					}
				}
				b.StopTimer()
				b.SetBytes(bytes / int64(max(b.N, 1)))
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkReplay measures reading records back and acknowledging them in
// batches of 1000, as the sender replays a spool. Records are appended
// (untimed) in rounds of up to 100,000, so that a long run stays within
// MaxBytes.
func BenchmarkReplay(b *testing.B) {
	recs := benchRecords(1000)
	s := mustOpen(b, Options{Dir: b.TempDir(), MaxBytes: 1 << 30})
	defer s.Close()
	var batch Batch
	b.ResetTimer()
	for done := 0; done < b.N; {
		round := min(100_000, b.N-done)
		b.StopTimer()
		for i := 0; i < round; i += 1000 {
			if _, err := s.AppendBatch(recs[:min(1000, round-i)]); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for read := 0; read < round; {
			n, err := s.Read(&batch, 1000, 1<<20)
			if err != nil || n == 0 {
				b.Fatalf("read %d of %d: %v", read, round, err)
			}
			if err := s.Ack(&batch); err != nil {
				b.Fatal(err)
			}
			read += n
		}
		done += round
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
