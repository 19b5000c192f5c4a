package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// record returns a realistic log line for id i: a JSON object with a
// request id of hex and digit runs, a 60-character message and a DSN, as a
// service logs them.
func record(i int) []byte {
	return fmt.Appendf(nil, `{"time":"2026-12-01T18:%02d:%02d.%06dZ","level":"INFO","msg":"request served from upstream cache after revalidation ok","id":%d,"req":"req-%08x-7f3a-4c1e-9b2d-%012d","dsn":"postgres://app@db-%d.internal:5432/orders?sslmode=verify-full"}`+"\n",
		i/60%60, i%60, i%1000000, i, i*2654435761&0xffffffff, i, i%7)
}

// idOf parses the id back out of a record.
func idOf(t testing.TB, p []byte) int {
	t.Helper()
	var id int
	s := string(p)
	k := strings.Index(s, `"id":`)
	if k < 0 || !strings.HasSuffix(s, "}\n") {
		t.Fatalf("not a record: %q", p)
	}
	if _, err := fmt.Sscanf(s[k+5:], "%d", &id); err != nil {
		t.Fatalf("no id in %q", p)
	}
	if string(record(id)) != s {
		t.Fatalf("record %d damaged: %q", id, p)
	}
	return id
}

func mustOpen(t testing.TB, o Options) *Spool {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// crash drops a spool the way kill -9 does: the files are closed by the
// "kernel" (what was written stays), nothing else happens.
func crash(s *Spool) {
	s.mu.Lock()
	s.closed = true
	s.closeFiles()
	s.mu.Unlock()
}

func appendIDs(t testing.TB, s *Spool, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := s.Append(record(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

// readAll reads (and acknowledges, if ack) every record and returns the ids.
func readAll(t testing.TB, s *Spool, ack bool) []int {
	t.Helper()
	var ids []int
	var b Batch
	for {
		n, err := s.Read(&b, 100, 64<<10)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return ids
		}
		for _, p := range b.Records {
			ids = append(ids, idOf(t, p))
		}
		if ack {
			if err := s.Ack(&b); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func seq(from, to int) []int {
	var r []int
	for i := from; i < to; i++ {
		r = append(r, i)
	}
	return r
}

func checkIdentity(t testing.TB, s *Spool) Stats {
	t.Helper()
	st := s.Stats()
	if st.Recovered+st.Written != st.Read+st.Dropped+uint64(st.Records) {
		t.Fatalf("Recovered %d + Written %d != Read %d + Dropped %d + Records %d", st.Recovered, st.Written, st.Read, st.Dropped, st.Records)
	}
	return st
}

// dirBytes is what the segment files in dir take.
func dirBytes(t testing.TB, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".seg") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // deleted meanwhile
		}
		n += fi.Size()
	}
	return n
}

func segFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

// faultFS wraps the OS and fails chosen operations the way a real disk
// does.
type faultFS struct {
	osFS
	mu sync.Mutex
	// writeBudget, if >= 0, is how many more bytes writes may put on disk;
	// the write that passes it is cut short with err (ENOSPC).
	writeBudget int64
	writeErr    error
	createErr   error // OpenFile with O_CREATE of a segment fails with it
	syncErr     error
	openErr     error // every OpenFile fails with it
	truncErr    error
}

func newFaultFS() *faultFS { return &faultFS{writeBudget: -1} }

func (f *faultFS) set(fn func(*faultFS)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

func (f *faultFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f.mu.Lock()
	openErr, createErr := f.openErr, f.createErr
	f.mu.Unlock()
	if openErr != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: openErr}
	}
	if createErr != nil && flag&os.O_CREATE != 0 && strings.HasSuffix(name, ".seg") {
		return nil, &os.PathError{Op: "open", Path: name, Err: createErr}
	}
	fl, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{file: fl, fs: f}, nil
}

type faultFile struct {
	file
	fs *faultFS
}

func (ff *faultFile) Write(p []byte) (int, error) {
	f := ff.fs
	f.mu.Lock()
	budget, werr := f.writeBudget, f.writeErr
	if budget >= 0 {
		if int64(len(p)) > budget {
			f.writeBudget = 0
			f.mu.Unlock()
			n, _ := ff.file.Write(p[:budget])
			return n, werr
		}
		f.writeBudget -= int64(len(p))
	}
	f.mu.Unlock()
	return ff.file.Write(p)
}

func (ff *faultFile) Sync() error {
	ff.fs.mu.Lock()
	err := ff.fs.syncErr
	ff.fs.mu.Unlock()
	if err != nil {
		return err
	}
	return ff.file.Sync()
}

func (ff *faultFile) Truncate(n int64) error {
	ff.fs.mu.Lock()
	err := ff.fs.truncErr
	ff.fs.mu.Unlock()
	if err != nil {
		return err
	}
	return ff.file.Truncate(n)
}

var (
	errNoSpace  = syscall.ENOSPC
	errReadOnly = syscall.EROFS
)

// clock is a settable time for the degraded state.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func isErr(err, target error) bool { return errors.Is(err, target) }
