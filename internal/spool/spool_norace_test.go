//go:build !race

package spool

import "testing"

// A log call that writes through to the spool allocates nothing.
func TestAppendAllocatesNothing(t *testing.T) {
	s := mustOpen(t, Options{Dir: t.TempDir(), MaxBytes: 64 << 20})
	defer s.Close()
	rec := record(1)
	s.Append(rec) // first segment, buffers grown
	if n := testing.AllocsPerRun(1000, func() { s.Append(rec) }); n != 0 {
		t.Fatalf("Append allocates %v times", n)
	}
}
