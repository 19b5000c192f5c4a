package spool

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func faultSpool(t *testing.T, f *faultFS, o Options) (*Spool, *clock) {
	t.Helper()
	o.fs = f
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	s := mustOpen(t, o)
	c := &clock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	s.now = c.now
	t.Cleanup(func() { s.Close() })
	return s, c
}

// A disk that fills mid-write: the append fails with the cause, the torn
// frame is cut off, the spool rests (no syscall per log call) and then
// tries again. What was written before is intact, and nothing torn is ever
// read.
func TestDiskFullDegradesAndRecovers(t *testing.T) {
	for _, policy := range []Sync{SyncSegment, SyncBatch} {
		t.Run(policy.String(), func(t *testing.T) {
			f := newFaultFS()
			s, c := faultSpool(t, f, Options{Sync: policy})
			appendIDs(t, s, 0, 10)
			f.set(func(f *faultFS) { f.writeBudget, f.writeErr = 100, errNoSpace })
			err := s.Append(record(10))
			if !isErr(err, errNoSpace) || !strings.Contains(err.Error(), s.Dir()) {
				t.Fatalf("append on a full disk: %v", err)
			}
			// Resting: refused at once, without touching the disk.
			f.set(func(f *faultFS) { f.writeBudget = 0 })
			for i := 11; i < 20; i++ {
				if err := s.Append(record(i)); !errors.Is(err, ErrUnavailable) || !isErr(err, errNoSpace) {
					t.Fatalf("append while resting: %v", err)
				}
			}
			st := checkIdentity(t, s)
			if st.Failed != 10 || st.Written != 10 || st.Err == nil {
				t.Fatalf("stats %+v", st)
			}
			// Space comes back; after the rest the spool works again.
			f.set(func(f *faultFS) { f.writeBudget = -1 })
			c.add(retryAfterFailure + time.Millisecond)
			appendIDs(t, s, 20, 30)
			got := readAll(t, s, true)
			if !slices.Equal(got, append(seq(0, 10), seq(20, 30)...)) {
				t.Fatalf("read %v", got)
			}
			s.Close()
			// Nothing torn was left for the next run either.
			s2 := mustOpen(t, Options{Dir: s.Dir()})
			defer s2.Close()
			if st := s2.Stats(); st.Torn != 0 || st.Records != 0 {
				t.Fatalf("next run: %+v", st)
			}
		})
	}
}

// When even the truncate fails, readers stop at the last whole frame, and
// the next run counts the tail as torn instead of reading it.
func TestTornWriteThatCannotBeCut(t *testing.T) {
	f := newFaultFS()
	s, _ := faultSpool(t, f, Options{})
	appendIDs(t, s, 0, 5)
	f.set(func(f *faultFS) { f.writeBudget, f.writeErr, f.truncErr = 50, errNoSpace, errReadOnly })
	if err := s.Append(record(5)); !isErr(err, errNoSpace) {
		t.Fatal(err)
	}
	if got := readAll(t, s, false); !slices.Equal(got, seq(0, 5)) {
		t.Fatalf("read %v", got)
	}
	crash(s)
	s2 := mustOpen(t, Options{Dir: s.Dir()})
	defer s2.Close()
	if st := s2.Stats(); st.Torn != 1 || st.Records != 5 {
		t.Fatalf("next run: %+v", st)
	}
	if got := readAll(t, s2, true); !slices.Equal(got, seq(0, 5)) {
		t.Fatalf("read %v", got)
	}
}

func TestReadOnlyDiskAtSegmentStart(t *testing.T) {
	f := newFaultFS()
	s, c := faultSpool(t, f, Options{})
	f.set(func(f *faultFS) { f.createErr = errReadOnly })
	err := s.Append(record(0))
	if !isErr(err, errReadOnly) {
		t.Fatalf("append: %v", err)
	}
	if err := s.Append(record(1)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("append while resting: %v", err)
	}
	f.set(func(f *faultFS) { f.createErr = nil })
	c.add(retryAfterFailure)
	appendIDs(t, s, 2, 4)
	if got := readAll(t, s, true); !slices.Equal(got, seq(2, 4)) {
		t.Fatalf("read %v", got)
	}
}

// An fsync that fails (EIO) under SyncBatch: the records were written, so
// they are counted and readable, but the error is reported and the spool
// rests.
func TestSyncFailure(t *testing.T) {
	f := newFaultFS()
	s, _ := faultSpool(t, f, Options{Sync: SyncBatch})
	appendIDs(t, s, 0, 1)
	f.set(func(f *faultFS) { f.syncErr = os.ErrInvalid })
	if err := s.Append(record(1)); err == nil {
		t.Fatal("fsync failure not reported")
	}
	if st := s.Stats(); st.Written != 2 || st.Err == nil {
		t.Fatalf("stats %+v", st)
	}
	f.set(func(f *faultFS) { f.syncErr = nil })
	if got := readAll(t, s, true); !slices.Equal(got, seq(0, 2)) {
		t.Fatalf("read %v", got)
	}
}

// A batch append that hits a full disk half way returns how many records
// are safe, so the caller keeps the rest.
func TestAppendBatchPartial(t *testing.T) {
	f := newFaultFS()
	s, _ := faultSpool(t, f, Options{MaxBytes: MinMaxBytes * 4, segmentBytes: 4 << 10})
	recs := make([][]byte, 100)
	for i := range recs {
		recs[i] = record(i)
	}
	// Enough for a few segments, not all.
	f.set(func(f *faultFS) { f.writeBudget, f.writeErr = 10<<10, errNoSpace })
	n, err := s.AppendBatch(recs)
	if !isErr(err, errNoSpace) || n == 0 || n >= 100 {
		t.Fatalf("AppendBatch: %d, %v", n, err)
	}
	if got := readAll(t, s, true); !slices.Equal(got, seq(0, n)) {
		t.Fatalf("read %d records, AppendBatch said %d", len(got), n)
	}
	if st := checkIdentity(t, s); st.Failed != uint64(100-n) {
		t.Fatalf("Failed %d, want %d", st.Failed, 100-n)
	}
}

func TestClosed(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir()})
	s.Close()
	if err := s.Append(record(0)); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
