package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestRoundTripInOrder(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir, MaxBytes: 4 << 20, segmentBytes: 16 << 10})
	appendIDs(t, s, 0, 2000)
	if n := len(segFiles(t, dir)); n < 10 {
		t.Fatalf("2000 records in 16 KiB segments made %d segments; rollover is not happening", n)
	}
	got := readAll(t, s, true)
	if !slices.Equal(got, seq(0, 2000)) {
		t.Fatalf("read back %d records, not 0..1999 in order", len(got))
	}
	st := checkIdentity(t, s)
	if st.Written != 2000 || st.Read != 2000 || st.Acked != 2000 || st.Records != 0 || st.Dropped != 0 || st.Torn != 0 {
		t.Fatalf("stats %+v", st)
	}
	if files := segFiles(t, dir); len(files) != 0 {
		t.Fatalf("acknowledged segments left on disk: %v", files)
	}
	if st.Bytes != 0 {
		t.Fatalf("Bytes %d after everything was acknowledged", st.Bytes)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// A record written after the reader caught up is read by the next Read;
// the reader never reads past what was published.
func TestReadFollowsWriter(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir()})
	defer s.Close()
	var b Batch
	for i := range 50 {
		appendIDs(t, s, i, i+1)
		n, err := s.Read(&b, 10, 1<<20)
		if err != nil || n != 1 || idOf(t, b.Records[0]) != i {
			t.Fatalf("round %d: read %d records, err %v", i, n, err)
		}
		if err := s.Ack(&b); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Read(&b, 10, 1<<20); n != 0 {
			t.Fatalf("round %d: read %d records from an empty spool", i, n)
		}
	}
}

func TestReadLimits(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir()})
	defer s.Close()
	appendIDs(t, s, 0, 100)
	big := make([]byte, 100<<10)
	for i := range big {
		big[i] = 'x'
	}
	if err := s.Append(big); err != nil {
		t.Fatal(err)
	}
	var b Batch
	n, _ := s.Read(&b, 7, 1<<20)
	if n != 7 || idOf(t, b.Records[6]) != 6 {
		t.Fatalf("maxRecords 7 read %d", n)
	}
	size := len(record(7))
	n, _ = s.Read(&b, 1000, 3*size+size/2)
	if n != 3 || idOf(t, b.Records[0]) != 7 || b.Bytes != len(record(7))+len(record(8))+len(record(9)) {
		t.Fatalf("maxBytes for 3.5 records read %d, %d bytes", n, b.Bytes)
	}
	readTo := 10
	for readTo < 100 {
		n, _ = s.Read(&b, 1000, 64<<10)
		readTo += n
	}
	// A record larger than maxBytes comes alone rather than never.
	n, _ = s.Read(&b, 1000, 1<<10)
	if n != 1 || len(b.Records[0]) != len(big) {
		t.Fatalf("oversized record: read %d", n)
	}
}

func TestRestartResumesAfterAck(t *testing.T) {
	for _, clean := range []bool{true, false} {
		t.Run(fmt.Sprintf("clean=%v", clean), func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Dir: dir, segmentBytes: 8 << 10}
			s := mustOpen(t, o)
			appendIDs(t, s, 0, 1000)
			var b Batch
			acked := 0
			for acked < 450 {
				n, err := s.Read(&b, 50, 1<<20)
				if err != nil || n != 50 {
					t.Fatalf("read %d, %v", n, err)
				}
				if err := s.Ack(&b); err != nil {
					t.Fatal(err)
				}
				acked += n
			}
			// Read but not acknowledged: must come back after a restart.
			if n, _ := s.Read(&b, 50, 1<<20); n != 50 {
				t.Fatal("read")
			}
			if clean {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				crash(s)
			}
			s = mustOpen(t, o)
			defer s.Close()
			st := s.Stats()
			if st.Recovered != 550 || st.Records != 550 {
				t.Fatalf("recovered %d records (Records %d), want the 550 unacknowledged", st.Recovered, st.Records)
			}
			if got := readAll(t, s, true); !slices.Equal(got, seq(450, 1000)) {
				t.Fatalf("after restart read %v..., want 450..999", got[:min(5, len(got))])
			}
			checkIdentity(t, s)
		})
	}
}

// A torn cursor slot (the process died writing it) falls back to the
// previous acknowledgement: the last batch is read again, nothing is lost.
func TestTornCursorRereadsOneBatch(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir}
	s := mustOpen(t, o)
	appendIDs(t, s, 0, 400)
	var b Batch
	for range 3 {
		s.Read(&b, 100, 1<<20)
		if err := s.Ack(&b); err != nil {
			t.Fatal(err)
		}
	}
	gen := s.cur.gen
	crash(s)
	f, err := os.OpenFile(filepath.Join(dir, cursorName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Tear the newest slot: its last bytes never made it.
	if _, err := f.WriteAt([]byte{0, 0, 0, 0}, int64(gen%2)*cursorSlot+28); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s = mustOpen(t, o)
	defer s.Close()
	if got := readAll(t, s, true); !slices.Equal(got, seq(200, 400)) {
		t.Fatalf("got %d records, want the last acknowledged batch 200..299 again and the rest", len(got))
	}
}

// The torn-write test: the last frame is cut at every byte offset (a crash
// mid-write). The spool reopens, reads every record before it, never the
// torn one, and counts it.
func TestTornLastFrameAtEveryOffset(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir}
	s := mustOpen(t, o)
	appendIDs(t, s, 0, 20)
	crash(s)
	files := segFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d segments", len(files))
	}
	whole, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	last := int64(len(whole)) - frameSize(len(record(19)))
	for cut := last; cut < int64(len(whole)); cut++ {
		if err := os.WriteFile(files[0], whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, o)
		st := s.Stats()
		wantTorn := uint64(1)
		if cut == last {
			wantTorn = 0 // cut on the frame boundary: nothing torn, the record was never written
		}
		if st.Torn != wantTorn || st.Recovered != 19 {
			t.Fatalf("cut at %d of %d: Torn %d Recovered %d", cut, len(whole), st.Torn, st.Recovered)
		}
		if got := readAll(t, s, false); !slices.Equal(got, seq(0, 19)) {
			t.Fatalf("cut at %d: read %v", cut, got)
		}
		if st := s.Stats(); st.Torn != wantTorn {
			t.Fatalf("cut at %d: replay counted the torn frame again: Torn %d", cut, st.Torn)
		}
		crash(s)
	}
}

// damage rewrites one segment with fn applied to its bytes and reopens.
func damage(t *testing.T, fn func(b []byte, frameStarts []int) []byte) (*Spool, []int) {
	t.Helper()
	dir := t.TempDir()
	o := Options{Dir: dir}
	s := mustOpen(t, o)
	appendIDs(t, s, 0, 30)
	crash(s)
	files := segFiles(t, dir)
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var starts []int
	off := int(segHeaderLen)
	for i := range 30 {
		starts = append(starts, off)
		off += int(frameSize(len(record(i))))
	}
	b = fn(b, starts)
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, o)
	t.Cleanup(func() { s.Close() })
	return s, readAll(t, s, true)
}

func without(ids []int, drop ...int) []int {
	return slices.DeleteFunc(slices.Clone(ids), func(i int) bool { return slices.Contains(drop, i) })
}

func TestBitFlipInEveryByteOfAFrame(t *testing.T) {
	size := int(frameSize(len(record(10))))
	for i := range size {
		for _, bit := range []byte{0x01, 0x80} {
			s, got := damage(t, func(b []byte, st []int) []byte {
				b[st[10]+i] ^= bit
				return b
			})
			if !slices.Equal(got, without(seq(0, 30), 10)) {
				t.Fatalf("flip at byte %d of record 10: read %v", i, got)
			}
			if st := s.Stats(); st.Torn != 1 {
				t.Fatalf("flip at byte %d: Torn %d", i, st.Torn)
			}
		}
	}
}

func TestHugeLengthPrefix(t *testing.T) {
	for _, n := range []uint32{0xFFFFFFFF, maxPayload + 1, 1 << 20} {
		s, got := damage(t, func(b []byte, st []int) []byte {
			b[st[5]+4], b[st[5]+5], b[st[5]+6], b[st[5]+7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
			return b
		})
		if !slices.Equal(got, without(seq(0, 30), 5)) {
			t.Fatalf("length %d: read %v", n, got)
		}
		if st := s.Stats(); st.Torn != 1 {
			t.Fatalf("length %d: Torn %d", n, st.Torn)
		}
	}
}

// A length that still fits in the file but is wrong: the frame it points
// to fails its checksum, and the reader finds the next real frame.
func TestPlausibleWrongLength(t *testing.T) {
	s, got := damage(t, func(b []byte, st []int) []byte {
		b[st[5]+4] += 3
		return b
	})
	if !slices.Equal(got, without(seq(0, 30), 5)) || s.Stats().Torn != 1 {
		t.Fatalf("read %v, Torn %d", got, s.Stats().Torn)
	}
}

func TestZeroedStretchSpanningFrames(t *testing.T) {
	s, got := damage(t, func(b []byte, st []int) []byte {
		clear(b[st[7]+20 : st[12]+3])
		return b
	})
	if !slices.Equal(got, without(seq(0, 30), 7, 8, 9, 10, 11, 12)) {
		t.Fatalf("read %v", got)
	}
	if st := s.Stats(); st.Torn != 1 {
		t.Fatalf("Torn %d for one damaged stretch", st.Torn)
	}
}

func TestGarbageAfterLastFrame(t *testing.T) {
	s, got := damage(t, func(b []byte, st []int) []byte {
		return append(b, []byte("\x00\x00garbage that is not a frame\xF1\x0C")...)
	})
	if !slices.Equal(got, seq(0, 30)) || s.Stats().Torn != 1 {
		t.Fatalf("read %v, Torn %d", got, s.Stats().Torn)
	}
}

func TestOddSegmentFiles(t *testing.T) {
	for _, c := range []struct {
		name    string
		content string
		torn    uint64
	}{
		{"empty", "", 0},
		{"header only", segHeader, 0},
		{"header cut", segHeader[:5], 1},
		{"not ours", "PK\x03\x04 a zip file that someone dropped here", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, segName(7))
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := mustOpen(t, Options{Dir: dir})
			defer s.Close()
			if st := s.Stats(); st.Torn != c.torn || st.Records != 0 {
				t.Fatalf("Torn %d Records %d", st.Torn, st.Records)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("unreadable segment left in place: %v", err)
			}
			// New segments number after it, never reusing its name.
			appendIDs(t, s, 0, 1)
			if files := segFiles(t, dir); len(files) != 1 || filepath.Base(files[0]) != segName(8) {
				t.Fatalf("segments %v", files)
			}
		})
	}
}

func TestLockOneProcessPerDir(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir})
	_, err := Open(Options{Dir: dir})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, dir) || !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("error %q does not name the directory and the holder", msg)
	}
	// The failed Open must not have disturbed the holder.
	appendIDs(t, s, 0, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, Options{Dir: dir})
	defer s.Close()
	if got := readAll(t, s, true); !slices.Equal(got, seq(0, 10)) {
		t.Fatalf("read %v", got)
	}
}

// A crashed holder leaves no stale lock: the kernel drops it with the file.
func TestLockReleasedByCrash(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir})
	crash(s)
	s = mustOpen(t, Options{Dir: dir})
	s.Close()
}

func TestOpenErrors(t *testing.T) {
	tmp := t.TempDir()
	afile := filepath.Join(tmp, "afile")
	if err := os.WriteFile(afile, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	denied := newFaultFS()
	denied.openErr = os.ErrPermission
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"no dir", Options{}, "Dir is empty"},
		{"dir is a file", Options{Dir: afile}, "not a directory"},
		{"dir under a file", Options{Dir: filepath.Join(afile, "spool")}, "not a directory"},
		{"small MaxBytes", Options{Dir: tmp, MaxBytes: 1000}, "MaxBytes is 1000"},
		{"negative MaxBytes", Options{Dir: tmp, MaxBytes: -1}, "MaxBytes is -1"},
		{"bad Sync", Options{Dir: tmp, Sync: 9}, "unknown Sync 9"},
		{"permission", Options{Dir: tmp, fs: denied}, "permission denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Open(c.o)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			if c.o.Dir != "" && !strings.Contains(err.Error(), c.o.Dir) && !strings.HasPrefix(c.name, "small") && !strings.HasPrefix(c.name, "neg") && c.name != "bad Sync" {
				t.Fatalf("error %q does not name the directory", err)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir(), MaxBytes: MinMaxBytes})
	defer s.Close()
	huge := make([]byte, MinMaxBytes)
	if err := s.Append(huge); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("append of MaxBytes: %v", err)
	}
	// A record larger than a segment but within MaxBytes takes a segment
	// of its own.
	big := make([]byte, MinMaxBytes/2)
	big[len(big)-1] = '\n'
	if err := s.Append(big); err != nil {
		t.Fatal(err)
	}
	appendIDs(t, s, 0, 3)
	var b Batch
	if n, _ := s.Read(&b, 10, 1<<20); n != 4 || len(b.Records[0]) != len(big) {
		t.Fatalf("read %d", n)
	}
	if st := s.Stats(); st.Failed != 1 {
		t.Fatalf("Failed %d", st.Failed)
	}
}

// The disk bound: segment data never passes MaxBytes, and every record
// dropped to keep it is counted: what is read back is exactly what was
// appended less what was counted as dropped, oldest gone first.
func TestMaxBytesDropsOldestAndCounts(t *testing.T) {
	dir := t.TempDir()
	const maxBytes = 256 << 10
	s := mustOpen(t, Options{Dir: dir, MaxBytes: maxBytes})
	const total = 20000
	for i := range total {
		if err := s.Append(record(i)); err != nil {
			t.Fatal(err)
		}
		if i%97 == 0 {
			if n := dirBytes(t, dir); n > maxBytes {
				t.Fatalf("after %d records the segments take %d bytes > MaxBytes", i, n)
			}
		}
	}
	st := checkIdentity(t, s)
	if st.Dropped == 0 || st.Bytes > maxBytes || st.Bytes != dirBytes(t, dir) {
		t.Fatalf("stats %+v, dir %d", st, dirBytes(t, dir))
	}
	got := readAll(t, s, true)
	if uint64(len(got))+st.Dropped != total {
		t.Fatalf("read %d + dropped %d != %d appended", len(got), st.Dropped, total)
	}
	if !slices.Equal(got, seq(total-len(got), total)) {
		t.Fatalf("what survived is not the newest run of records: starts %v", got[:3])
	}
	s.Close()
}

// Dropping the segment the reader is in: the records already handed out
// are the reader's, the rest are counted as dropped, none twice.
func TestDropUnderTheReader(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir, MaxBytes: MinMaxBytes})
	defer s.Close()
	appendIDs(t, s, 0, 100)
	var b Batch
	n, _ := s.Read(&b, 10, 1<<20)
	if n != 10 {
		t.Fatal(n)
	}
	appendIDs(t, s, 100, 2000) // forces drops of the segment being read
	st := checkIdentity(t, s)
	if st.Dropped == 0 {
		t.Fatal("nothing dropped")
	}
	if err := s.Ack(&b); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s, true)
	if uint64(len(got))+st.Dropped+10 != 2000 {
		t.Fatalf("read %d + dropped %d + 10 in flight != 2000", len(got), st.Dropped)
	}
	if !slices.IsSorted(got) || got[0] < 10 {
		t.Fatalf("read %v...", got[:3])
	}
	checkIdentity(t, s)
}

// A smaller MaxBytes than the earlier run used: Open trims the oldest.
func TestReopenWithSmallerMaxBytes(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir, MaxBytes: 1 << 20})
	appendIDs(t, s, 0, 3000)
	s.Close()
	s = mustOpen(t, Options{Dir: dir, MaxBytes: 128 << 10})
	defer s.Close()
	st := checkIdentity(t, s)
	if st.Bytes > 128<<10 || dirBytes(t, dir) > 128<<10 || st.Dropped == 0 || st.Recovered != 3000 {
		t.Fatalf("stats %+v", st)
	}
	got := readAll(t, s, true)
	if !slices.Equal(got, seq(3000-len(got), 3000)) || uint64(len(got))+st.Dropped != 3000 {
		t.Fatalf("read %d, dropped %d", len(got), st.Dropped)
	}
}

// Writers and a reader at once: every record read exactly once, each
// writer's records in its order.
func TestConcurrentAppendAndRead(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir(), segmentBytes: 32 << 10})
	defer s.Close()
	const writers, per = 4, 3000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				if err := s.Append(record(w*per + i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	go func() { wg.Wait(); close(stop) }()
	last := make([]int, writers)
	for i := range last {
		last[i] = -1
	}
	seen := 0
	var b Batch
	for done := false; ; {
		select {
		case <-stop:
			done = true
		default:
		}
		n, err := s.Read(&b, 64, 32<<10)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range b.Records {
			id := idOf(t, p)
			w := id / per
			if id <= last[w] {
				t.Fatalf("writer %d: %d after %d", w, id, last[w])
			}
			last[w] = id
		}
		seen += n
		if err := s.Ack(&b); err != nil {
			t.Fatal(err)
		}
		if done && n == 0 {
			break
		}
	}
	if seen != writers*per {
		t.Fatalf("read %d of %d", seen, writers*per)
	}
	checkIdentity(t, s)
}
