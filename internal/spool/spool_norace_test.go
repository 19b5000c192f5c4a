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

// While the spool rests after a disk failure, a refused append allocates
// nothing either: a log call pays nothing for a failing disk.
func TestRefusalAllocatesNothing(t *testing.T) {
	f := newFaultFS()
	s, _ := faultSpool(t, f, Options{})
	f.set(func(f *faultFS) { f.createErr = errReadOnly })
	rec := record(1)
	if err := s.Append(rec); err == nil {
		t.Fatal("no error from a read-only disk")
	}
	if n := testing.AllocsPerRun(1000, func() { s.Append(rec) }); n != 0 {
		t.Fatalf("a refused Append allocates %v times", n)
	}
}
