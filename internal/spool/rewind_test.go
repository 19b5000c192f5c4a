package spool

import (
	"slices"
	"testing"
)

// A reader that keeps failing to deliver (Read, then Rewind) while appends
// force drops: the counts stay exact, and what is left on disk is exactly
// what the counts say, the newest records in order.
func TestRewindUnderDrops(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, Options{Dir: dir, MaxBytes: MinMaxBytes})
	var b Batch
	const n = 5000
	for i := range n {
		appendIDs(t, s, i, i+1)
		if i%37 == 0 {
			if _, err := s.Read(&b, 100, 16<<10); err != nil {
				t.Fatal(err)
			}
			if i%74 == 0 {
				s.Rewind(&b)
			}
		}
		checkIdentity(t, s)
	}
	s.Rewind(&b)
	st := checkIdentity(t, s)
	crash(s)
	s = mustOpen(t, Options{Dir: dir, MaxBytes: MinMaxBytes})
	defer s.Close()
	got := readAll(t, s, true)
	if uint64(len(got)) != uint64(st.Records) || !slices.Equal(got, seq(n-len(got), n)) {
		t.Fatalf("on disk %d records from %d; the counts said %d (dropped %d)", len(got), got[0], st.Records, st.Dropped)
	}
}
