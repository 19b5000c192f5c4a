package victoria_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.slogx.dev/internal/spool"
	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// child is a run of testdata/spoolchild.
type child struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr strings.Builder
	exited chan struct{}
	werr   error
}

// buildChild builds testdata/spoolchild into a temporary directory of t's;
// after the first build, the go command's cache makes it a link.
func buildChild(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spoolchild")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/spoolchild").CombinedOutput()
	if err != nil {
		t.Fatalf("building testdata/spoolchild: %v\n%s", err, out)
	}
	return bin
}

func startChild(t testing.TB, bin string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, args...), lines: make(chan string, 1<<16), exited: make(chan struct{})}
	c.cmd.Stderr = &c.stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			default: // progress lines nobody reads any more
			}
		}
		io.Copy(io.Discard, out)
		c.werr = c.cmd.Wait()
		close(c.lines)
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
	})
	return c
}

// waitFor returns the first line for which match holds.
func (c *child) waitFor(t testing.TB, timeout time.Duration, what string, match func(string) bool) string {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				<-c.exited
				t.Fatalf("spoolchild exited (%v) before %s; stderr:\n%s", c.werr, what, c.stderr.String())
			}
			if match(l) {
				return l
			}
		case <-timer.C:
			t.Fatalf("spoolchild: no %s within %v", what, timeout)
		}
	}
}

type childResult struct {
	Stats      victoria.Stats `json:"stats"`
	CloseError string         `json:"close_error"`
	LastError  string         `json:"last_error"`
	SpoolError string         `json:"spool_error"`
	PeakRSSKB  int            `json:"peak_rss_kb"`
}

func (c *child) result(t testing.TB, timeout time.Duration) childResult {
	t.Helper()
	l := c.waitFor(t, timeout, "result", func(l string) bool { return strings.HasPrefix(l, "result ") })
	var r childResult
	if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "result ")), &r); err != nil {
		t.Fatalf("spoolchild result %q: %v", l, err)
	}
	return r
}

func (c *child) kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.exited
}

// storedIDs returns how many rows the server holds for each id.
func storedIDs(t testing.TB, url string) map[int]int {
	t.Helper()
	got := map[int]int{}
	for _, row := range vltest.Query(t, url, "* | fields id") {
		id, err := strconv.Atoi(row["id"])
		if err != nil {
			t.Fatalf("row without a numeric id: %v", row)
		}
		got[id]++
	}
	return got
}

// TestSpoolLongOutage is the long outage: VictoriaLogs is down for
// a minute while a program logs 500,000 records with a queue of 10,000 and
// a spool; the server comes back; every record is stored once, and the
// program's memory stays bounded (its peak RSS is logged and checked).
func TestSpoolLongOutage(t *testing.T) {
	t.Parallel()
	const n = 500_000
	bin := buildChild(t)
	srv := vltest.Start(t)
	srv.Stop()
	c := startChild(t, bin, "-mode", "outage", "-url", srv.URL(), "-dir", t.TempDir(),
		"-n", strconv.Itoa(n), "-for", "60s", "-queue", "10000")
	start := time.Now()
	c.waitFor(t, 5*time.Minute, "the end of logging", func(l string) bool { return l == "logged" })
	outage := time.Since(start)
	srv.Restart(t)
	back := time.Now()
	r := c.result(t, 10*time.Minute)
	drained := time.Since(back)
	st := r.Stats
	if st.Accepted != n || st.Delivered != n || st.Dropped.Total() != 0 || st.Spilled != 0 || st.Spool.Dropped != 0 || r.CloseError != "<nil>" {
		t.Errorf("stats %+v, Close: %s", st, r.CloseError)
	}
	if st.Spool.Written < n/2 || st.Spool.Replayed != st.Spool.Written {
		t.Errorf("the outage did not go through the spool: written %d, replayed %d", st.Spool.Written, st.Spool.Replayed)
	}
	if got := vltest.WaitCount(t, srv.URL(), "*", n, waitTimeout); got != n {
		t.Errorf("stored %d rows, want %d", got, n)
	}
	if got := queryNumber(t, srv.URL(), "* | stats count_uniq(id) n"); got != n {
		t.Errorf("stored %d distinct ids, want %d", got, n)
	}
	// Bounded: the records held in memory are at most the queue's; the
	// rest of the 500,000 (about 185 MB encoded) are on disk.
	const rssBound = 64 << 10 // KiB
	if r.PeakRSSKB <= 0 || r.PeakRSSKB > rssBound {
		t.Errorf("peak RSS %d KiB, bound %d KiB", r.PeakRSSKB, rssBound)
	}
	t.Logf("outage %v, %d records; spooled %d; backlog delivered %v after the server came back; peak RSS %.1f MiB",
		outage.Round(time.Second), n, st.Spool.Written, drained.Round(100*time.Millisecond), float64(r.PeakRSSKB)/1024)
}

// TestSpoolCrash is the crash test: a program logs 100,000 records
// with the server down and is killed with SIGKILL at a random point; a
// second run on the same Dir, killed in turn at a random point of its
// replay, and a third deliver every record the first run accepted, and
// nothing else but duplicates of the batch acknowledged just before the
// second kill.
func TestSpoolCrash(t *testing.T) {
	t.Parallel()
	const n = 100_000
	dir := t.TempDir()
	idsFile := filepath.Join(t.TempDir(), "ids")
	bin := buildChild(t)
	c := startChild(t, bin, "-mode", "crash", "-url", closedPortURL(t), "-dir", dir, "-n", strconv.Itoa(n), "-ids", idsFile)
	c.waitFor(t, time.Minute, "spooling", func(l string) bool { return l == "spooling" })
	killAt := 1 + rand.IntN(n-1)
	killSize := int64(0) // the size of the ids file once killAt ids are in it
	for i := range killAt {
		killSize += int64(len(strconv.Itoa(i)) + 1)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Microsecond) {
		if fi, err := os.Stat(idsFile); err == nil && fi.Size() >= killSize {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run never got far enough")
		}
	}
	c.kill(t)
	accepted := readIDs(t, idsFile)
	if len(accepted) == 0 {
		t.Fatal("no id accepted before the kill")
	}
	last := accepted[len(accepted)-1]

	srv := vltest.Start(t)
	c2 := startChild(t, bin, "-mode", "drain", "-url", srv.URL(), "-dir", dir, "-expect", strconv.Itoa(len(accepted)+1))
	replayKill := 1 + rand.IntN(len(accepted))
	c2.waitFor(t, 5*time.Minute, "replay progress", func(l string) bool {
		k, ok := strings.CutPrefix(l, "delivered ")
		d, _ := strconv.Atoi(k)
		return ok && d >= replayKill || strings.HasPrefix(l, "result ")
	})
	c2.kill(t)

	c3 := startChild(t, bin, "-mode", "drain", "-url", srv.URL(), "-dir", dir, "-expect", "0")
	r := c3.result(t, 5*time.Minute)
	if r.Stats.Spool.Records != 0 || r.Stats.Spool.Torn > 1 || r.CloseError != "<nil>" {
		t.Errorf("third run: %+v, Close: %s", r.Stats, r.CloseError)
	}

	want := len(accepted) + 1 // and the probe, id -1
	stored := vltest.WaitCount(t, srv.URL(), "*", want, 10*time.Second)
	got := storedIDs(t, srv.URL())
	isAccepted := make(map[int]bool, len(accepted)+1)
	isAccepted[-1] = true
	for _, id := range accepted {
		isAccepted[id] = true
		if got[id] == 0 {
			t.Fatalf("id %d was accepted before the kill and never stored", id)
		}
	}
	dups := 0
	for id, k := range got {
		// The kill may land between Handle's return and the write of the
		// id: the record after the last one written may be stored too.
		if !isAccepted[id] && id != last+1 {
			t.Fatalf("id %d stored but never accepted", id)
		}
		dups += k - 1
	}
	const batch = 1000 // the default BatchSize: one acknowledged batch
	if dups > batch {
		t.Errorf("%d duplicates: more than the one batch acknowledged before the second kill", dups)
	}
	t.Logf("first run killed after %d accepted records; second run killed after %d delivered; %d rows stored (%d duplicates)",
		len(accepted), replayKill, stored, dups)
}

func readIDs(t testing.TB, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i] // a line cut by the kill is not an accepted id
	} else {
		s = ""
	}
	var ids []int
	for _, f := range strings.Fields(s) {
		id, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) > 0 && id != ids[len(ids)-1]+1 {
			t.Fatalf("ids file out of sequence at %d", id)
		}
		ids = append(ids, id)
	}
	return ids
}

// tornLine is a record as the handler would have spooled it.
func tornLine(i int) []byte {
	return fmt.Appendf(nil, `{"time":"2026-12-01T19:%02d:%02d.%06dZ","level":"ERROR","msg":"ledger write failed: deadline exceeded talking to primary","id":%d,"txn":"tx_%016x"}`+"\n",
		i/60%60, i%60, i, i, uint64(i)*0x9e3779b97f4a7c15)
}

// TestSpoolTornWrite is the torn-write test: a spool whose last
// frame is cut short (a crash mid-write) and with a frame whose bits
// flipped is replayed without them, both counted in Stats, and no invalid
// line reaches the server.
func TestSpoolTornWrite(t *testing.T) {
	t.Parallel()
	const n = 3000
	dir := t.TempDir()
	sp, err := spool.Open(spool.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	off := int64(8) // the segment header
	for i := range n {
		if err := sp.Append(tornLine(i)); err != nil {
			t.Fatal(err)
		}
		offs = append(offs, off)
		off += int64(12 + len(tornLine(i)))
	}
	sp.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) != 1 {
		t.Fatalf("%d segments", len(segs))
	}
	f, err := os.OpenFile(segs[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Flip a bit in the middle of record 1234's payload: still JSON-shaped,
	// so only the checksum can tell.
	flip := offs[1234] + 12 + 40
	var b [1]byte
	f.ReadAt(b[:], flip)
	b[0] ^= 0x04
	f.WriteAt(b[:], flip)
	// Cut the last frame at a random byte inside it.
	cut := offs[n-1] + 1 + rand.Int64N(int64(12+len(tornLine(n-1))-1))
	if err := f.Truncate(cut); err != nil {
		t.Fatal(err)
	}
	f.Close()

	srv := vltest.Start(t)
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), Spool: &victoria.Spool{Dir: dir}})
	deadline := time.Now().Add(waitTimeout)
	for h.Stats().Delivered < n-2 || h.Stats().Spool.Records > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("replay stuck: %+v", h.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	st := h.Stats()
	if st.Spool.Torn != 2 || st.Spool.Recovered != n-2 || st.Delivered != n-2 || st.Spool.Replayed != n-2 {
		t.Errorf("stats %+v", st)
	}
	if got := vltest.WaitCount(t, srv.URL(), "*", n-2, waitTimeout); got != n-2 {
		t.Errorf("stored %d rows, want %d", got, n-2)
	}
	got := storedIDs(t, srv.URL())
	for i := range n {
		want := 1
		if i == 1234 || i == n-1 {
			want = 0
		}
		if got[i] != want {
			t.Fatalf("id %d stored %d times, want %d", i, got[i], want)
		}
	}
	if bad := metric(t, srv.URL(), `vl_http_errors_total{path="/insert/jsonline"}`); bad != 0 {
		t.Errorf("the server saw %v bad requests", bad)
	}
	if rows := metric(t, srv.URL(), `vl_rows_ingested_total{type="jsonline"}`); rows != n-2 {
		t.Errorf("the server ingested %v rows, want %d: a damaged line reached it", rows, n-2)
	}
}

// TestSpoolDiskBound is the disk bound: MaxBytes 1 MiB, the server
// down, 100 MB logged. The directory never holds more than MaxBytes plus
// one segment, and the drops are counted exactly: what is left in the
// spool is the newest records, and with the drops it makes up every
// record logged.
func TestSpoolDiskBound(t *testing.T) {
	t.Parallel()
	const maxBytes = 1 << 20
	dir := t.TempDir()
	h, _ := newHandler(t, victoria.Options{
		URL:          closedPortURL(t),
		Spool:        &victoria.Spool{Dir: dir, MaxBytes: maxBytes},
		CloseTimeout: time.Second,
	})
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := dirSize(dir); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	// 1 KiB records: a 900-byte JSON body logged as a string.
	body := `{"items":[` + strings.Repeat(`{"sku":"A-1029-XL","qty":2},`, 31) + `{"sku":"Z-0001","qty":1}]}`
	const total = 100 << 20
	var logged, n int
	for logged < total {
		r := slog.NewRecord(time.Now(), slog.LevelWarn, "order payload rejected by fraud screen, parking for review", 0)
		r.AddAttrs(slog.Int("id", n), slog.String("body", body))
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		logged += len(body) + 150
		n++
	}
	if err := h.Close(); err == nil {
		t.Error("Close reported nothing with every record undelivered")
	}
	close(stop)
	<-sampled
	st := h.Stats()
	const segment = maxBytes / 8
	if p := peak.Load(); p > maxBytes+segment {
		t.Errorf("the directory reached %d bytes, bound %d", p, maxBytes+segment)
	}
	if st.Delivered != 0 || st.Dropped.Total() != 0 || st.Spilled != 0 || st.Accepted != uint64(n) {
		t.Errorf("stats %+v", st)
	}
	if st.Spool.Dropped+uint64(st.Spool.Records) != uint64(n) {
		t.Errorf("spool dropped %d + kept %d != %d logged", st.Spool.Dropped, st.Spool.Records, n)
	}
	// What is on disk is exactly Records distinct records of this run,
	// the newest among them. (Not exactly the newest Records: a record
	// that finds the memory queue full goes to disk ahead of the queued
	// ones it overtook, and a segment dropped later may take it.)
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	var b spool.Batch
	seen := map[int]bool{}
	for {
		k, err := sp.Read(&b, 1000, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
		for _, rec := range b.Records {
			var m struct{ ID int }
			if err := json.Unmarshal(rec, &m); err != nil {
				t.Fatalf("spool record %q: %v", rec[:min(80, len(rec))], err)
			}
			if seen[m.ID] || m.ID < 0 || m.ID >= n {
				t.Fatalf("spool holds id %d twice or out of range", m.ID)
			}
			seen[m.ID] = true
		}
	}
	if len(seen) != st.Spool.Records || !seen[n-1] {
		t.Errorf("the spool holds %d records (the last logged: %v); Stats say %d", len(seen), seen[n-1], st.Spool.Records)
	}
	t.Logf("%d records (%d MB) logged; spool dropped %d, kept %d; directory peak %d bytes", n, logged>>20, st.Spool.Dropped, st.Spool.Records, peak.Load())
}

func dirSize(dir string) int64 {
	ents, _ := os.ReadDir(dir)
	var n int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// One process per Dir: a second handler on the same Dir is refused by New
// with an error that names the directory and the holder; once the first is
// closed, the Dir is free again. Bad spool options fail New too.
func TestSpoolNewErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url := closedPortURL(t)
	h, _ := newHandler(t, victoria.Options{URL: url, Spool: &victoria.Spool{Dir: dir}})
	_, err := victoria.New(victoria.Options{URL: url, Spool: &victoria.Spool{Dir: dir}})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second New on the same Dir: %v", err)
	}
	h.Close()
	h2, err := victoria.New(victoria.Options{URL: url, Spool: &victoria.Spool{Dir: dir}})
	if err != nil {
		t.Fatalf("New after the first closed: %v", err)
	}
	h2.Close()

	for _, c := range []struct {
		spool victoria.Spool
		want  string
	}{
		{victoria.Spool{}, "Dir is empty"},
		{victoria.Spool{Dir: dir, MaxBytes: 1 << 10}, "MaxBytes is 1024"},
		{victoria.Spool{Dir: dir, Sync: 7}, "unknown Sync 7"},
	} {
		if _, err := victoria.New(victoria.Options{URL: url, Spool: &c.spool}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New with Spool %+v: %v, want %q", c.spool, err, c.want)
		}
	}
}
