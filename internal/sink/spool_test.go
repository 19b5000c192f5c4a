package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"go.slogx.dev/internal/spool"
)

// spoolLine is a realistic record with an id the tests can find again.
func spoolLine(i int) []byte {
	return fmt.Appendf(nil, `{"time":"2026-12-01T18:00:00.%06dZ","level":"WARN","msg":"upstream payment gateway answered 503, retrying with backoff","id":%d,"trace":"4bf92f3577b34da6a3ce929d0e0e%04x","dsn":"postgres://billing@10.0.3.%d:5432/ledger"}`+"\n", i%1000000, i, i%65536, i%250)
}

func idOfLine(t testing.TB, l string) int {
	t.Helper()
	k := strings.Index(l, `"id":`)
	var id int
	if k < 0 {
		t.Fatalf("no id in %q", l)
	}
	if _, err := fmt.Sscanf(l[k+5:], "%d", &id); err != nil || string(spoolLine(id)) != l+"\n" {
		t.Fatalf("damaged line %q", l)
	}
	return id
}

// deliveredIDs returns the ids of the lines in requests answered 2xx, with
// how often each came.
func deliveredIDs(t testing.TB, e *endpointServer, down func(n int) bool) map[int]int {
	t.Helper()
	got := map[int]int{}
	for _, l := range e.linesOf(func(n int) bool { return !down(n) }) {
		got[idOfLine(t, l)]++
	}
	return got
}

func checkSpoolIdentity(t testing.TB, st Stats) {
	t.Helper()
	left := st.Accepted + st.Spool.Recovered
	right := st.Delivered + st.DroppedQueueFull + st.DroppedRejected + st.DroppedTooLarge + st.DroppedReentrant + st.Spool.Dropped + st.Spilled + uint64(st.Spool.Records)
	if left != right {
		t.Errorf("accepted %d + recovered %d != delivered %d + dropped %d/%d/%d + spool dropped %d + spilled %d + in spool %d",
			st.Accepted, st.Spool.Recovered, st.Delivered, st.DroppedQueueFull, st.DroppedRejected, st.DroppedTooLarge,
			st.Spool.Dropped, st.Spilled, st.Spool.Records)
	}
}

// recordingEndpoint answers 503 while down, and records which requests it
// refused, so that delivered lines can be told from refused ones.
type recordingEndpoint struct {
	*endpointServer
	down    atomic.Bool
	mu      sync.Mutex
	refused map[int]bool
}

func newRecordingEndpoint(t testing.TB) *recordingEndpoint {
	r := &recordingEndpoint{endpointServer: newEndpointServer(t), refused: map[int]bool{}}
	r.down.Store(true)
	r.setAnswer(func(n int, _ *http.Request) (int, http.Header) {
		if r.down.Load() {
			r.mu.Lock()
			r.refused[n] = true
			r.mu.Unlock()
			return 503, nil
		}
		return 204, nil
	})
	return r
}

func (r *recordingEndpoint) delivered(t testing.TB) map[int]int {
	r.mu.Lock()
	refused := maps.Clone(r.refused)
	r.mu.Unlock()
	return deliveredIDs(t, r.endpointServer, func(n int) bool { return refused[n] })
}

func spoolConfig(t testing.TB, dir string, endpoints ...string) Config {
	cfg := testConfig(&lockedBuffer{}, endpoints...)
	cfg.QueueSize, cfg.BatchSize = 200, 50
	cfg.Spool = &spool.Options{Dir: dir}
	return cfg
}

// An outage far longer than the queue holds: nothing is dropped, the
// backlog goes to disk and, once the server is back, every record arrives
// exactly once, the spool empties and its files are deleted.
func TestSpoolRidesOutAnOutage(t *testing.T) {
	e := newRecordingEndpoint(t)
	dir := t.TempDir()
	s := mustNew(t, spoolConfig(t, dir, e.URL()))
	const n = 5000
	for i := range n {
		if err := s.Enqueue(spoolLine(i)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	eventually(t, 10*time.Second, "the queue to move to disk", func() bool {
		st := s.Stats()
		return st.Queued == 0 && st.Spool.Records == n
	})
	st := s.Stats()
	if st.DroppedQueueFull != 0 || st.Spilled != 0 || st.Spool.Written != n {
		t.Fatalf("during the outage: %+v", st)
	}
	checkSpoolIdentity(t, st)
	// What is on disk is resolved as far as Flush is concerned: it does
	// not wait for an outage to end.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush during the outage: %v", err)
	}
	// New records keep being accepted while the backlog drains.
	e.down.Store(false)
	for i := n; i < n+500; i++ {
		if err := s.Enqueue(spoolLine(i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "everything to be delivered", func() bool { return s.Stats().Delivered == n+500 })
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st = s.Stats()
	checkSpoolIdentity(t, st)
	if st.Spool.Replayed == 0 || st.Spool.Records != 0 || st.Spool.Bytes != 0 {
		t.Fatalf("after recovery: %+v", st.Spool)
	}
	got := e.delivered(t)
	for i := range n + 500 {
		if got[i] != 1 {
			t.Fatalf("record %d delivered %d times", i, got[i])
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.seg")); len(files) != 0 {
		t.Fatalf("segments left after everything was delivered: %v", files)
	}
}

// The spool's backlog is replayed oldest first.
func TestSpoolReplaysInOrder(t *testing.T) {
	e := newRecordingEndpoint(t)
	cfg := spoolConfig(t, t.TempDir(), e.URL())
	s := mustNew(t, cfg)
	s.Enqueue(spoolLine(0))
	eventually(t, 10*time.Second, "the sink to see the outage", func() bool { return s.Stats().Spool.Records == 1 })
	for i := 1; i < 3000; i++ {
		s.Enqueue(spoolLine(i))
	}
	eventually(t, 10*time.Second, "all on disk", func() bool { return s.Stats().Spool.Records == 3000 })
	e.down.Store(false)
	eventually(t, 20*time.Second, "delivery", func() bool { return s.Stats().Delivered == 3000 })
	e.mu.Lock()
	refused := maps.Clone(e.refused)
	e.mu.Unlock()
	var ids []int
	for _, l := range e.linesOf(func(n int) bool { return !refused[n] }) {
		ids = append(ids, idOfLine(t, l))
	}
	if !slices.Equal(ids, seqInts(0, 3000)) {
		t.Fatalf("replayed out of order: first %v", ids[:min(10, len(ids))])
	}
}

func seqInts(from, to int) []int {
	r := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		r = append(r, i)
	}
	return r
}

// Close during an outage keeps what is queued in the spool; the next New on
// the same Dir sends it.
func TestSpoolSurvivesRestart(t *testing.T) {
	e := newRecordingEndpoint(t)
	dir := t.TempDir()
	cfg := spoolConfig(t, dir, e.URL())
	cfg.CloseTimeout = 500 * time.Millisecond
	s := mustNew(t, cfg)
	const n = 1000
	for i := range n {
		s.Enqueue(spoolLine(i))
	}
	err := s.Close()
	if err == nil || !strings.Contains(err.Error(), "kept in the spool for the next run") {
		t.Fatalf("Close during an outage: %v", err)
	}
	st := s.Stats()
	checkSpoolIdentity(t, st)
	if st.Spilled != 0 || st.Spool.Records != n {
		t.Fatalf("after Close: spilled %d, in spool %d", st.Spilled, st.Spool.Records)
	}

	e.down.Store(false)
	s2 := mustNew(t, cfg)
	eventually(t, 20*time.Second, "the earlier run's records", func() bool { return s2.Stats().Delivered == n })
	if err := s2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	st = s2.Stats()
	if st.Spool.Recovered != n || st.Spool.Replayed != n || st.Accepted != 0 {
		t.Fatalf("second run: %+v", st)
	}
	checkSpoolIdentity(t, st)
	got := e.delivered(t)
	for i := range n {
		if got[i] != 1 {
			t.Fatalf("record %d delivered %d times", i, got[i])
		}
	}
}

func TestSpoolLockedDir(t *testing.T) {
	e := newEndpointServer(t)
	dir := t.TempDir()
	mustNew(t, spoolConfig(t, dir, e.URL()))
	_, err := New(spoolConfig(t, dir, e.URL()))
	if !errors.Is(err, spool.ErrLocked) || !strings.Contains(err.Error(), dir) || strings.HasPrefix(err.Error(), "test: ") { // the face, not the core, names itself
		t.Fatalf("second New on the same Dir: %v", err)
	}
}

func TestSpoolConfigErrors(t *testing.T) {
	err := Config{Endpoints: []string{"http://h"}, Spool: &spool.Options{}}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Dir is empty") {
		t.Fatalf("Validate: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	_, err = New(Config{Endpoints: []string{"http://h"}, Spool: &spool.Options{Dir: f}})
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("New with Dir a file: %v", err)
	}
}

// MaxBytes holds during an outage; what the spool drops is counted, and the
// identity holds.
func TestSpoolMaxBytesDropsCounted(t *testing.T) {
	e := newRecordingEndpoint(t)
	dir := t.TempDir()
	cfg := spoolConfig(t, dir, e.URL())
	cfg.Spool.MaxBytes = spool.MinMaxBytes
	cfg.CloseTimeout = 300 * time.Millisecond
	s := mustNew(t, cfg)
	const n = 5000 // about 1 MB
	for i := range n {
		s.Enqueue(spoolLine(i))
	}
	eventually(t, 10*time.Second, "the queue on disk", func() bool { return s.Stats().Queued == 0 })
	st := s.Stats()
	if st.Spool.Dropped == 0 || st.Spool.Bytes > spool.MinMaxBytes || st.DroppedQueueFull != 0 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
	checkSpoolIdentity(t, s.Stats())
}

// A replayed batch the server rejects for good is not retried for ever: it
// is counted as rejected, copied to the fallback, and acknowledged.
func TestSpoolReplayRejected(t *testing.T) {
	e := newEndpointServer(t)
	var mode atomic.Int32 // 0 down, 1 reject, 2 accept
	e.setAnswer(func(int, *http.Request) (int, http.Header) {
		switch mode.Load() {
		case 0:
			return 503, nil
		case 1:
			return 400, nil
		}
		return 204, nil
	})
	cfg := spoolConfig(t, t.TempDir(), e.URL())
	s := mustNew(t, cfg)
	for i := range 120 {
		s.Enqueue(spoolLine(i))
	}
	eventually(t, 10*time.Second, "on disk", func() bool { return s.Stats().Spool.Records == 120 })
	mode.Store(1)
	eventually(t, 10*time.Second, "rejection", func() bool { return s.Stats().DroppedRejected == 120 })
	mode.Store(2)
	s.Enqueue(spoolLine(999))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	// The rejection told the sink the server is up: the new record went
	// by the queue, not the spool.
	if st.Delivered != 1 || st.Spool.Records != 0 || st.Spool.Replayed != 0 || st.Spool.Written != 120 {
		t.Fatalf("stats %+v", st)
	}
	checkSpoolIdentity(t, st)
}

// A spool whose last frame was torn by a crash: the sink sends everything
// before it, never the torn bytes, and counts it.
func TestSpoolTornFrameNeverSent(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(spool.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := sp.Append(spoolLine(i)); err != nil {
			t.Fatal(err)
		}
	}
	sp.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	fi, _ := os.Stat(files[0])
	if err := os.Truncate(files[0], fi.Size()-40); err != nil {
		t.Fatal(err)
	}
	e := newEndpointServer(t)
	s := mustNew(t, spoolConfig(t, dir, e.URL()))
	eventually(t, 10*time.Second, "replay", func() bool { return s.Stats().Delivered == 99 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Spool.Torn != 1 || st.Spool.Recovered != 99 {
		t.Fatalf("spool stats %+v", st.Spool)
	}
	for _, r := range e.requests() {
		for _, l := range r.lines {
			idOfLine(t, l) // fails on a damaged or unterminated line
		}
	}
}

// A disk that cannot take the spool's files: the sink carries on as memory
// only, drops what does not fit, counts it, and says why.
func TestSpoolDiskFailureDegrades(t *testing.T) {
	e := newRecordingEndpoint(t)
	dir := t.TempDir()
	// A directory where the first segment file must go: creating it fails
	// as a full or read-only disk would.
	if err := os.Mkdir(filepath.Join(dir, "0000000000000001.seg"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := spoolConfig(t, dir, e.URL())
	cfg.CloseTimeout = 300 * time.Millisecond
	s := mustNew(t, cfg)
	for i := range 1000 {
		s.Enqueue(spoolLine(i))
	}
	eventually(t, 10*time.Second, "drops", func() bool { return s.Stats().DroppedQueueFull > 0 })
	st := s.Stats()
	// The failure is reported in the spool's own figures. LastError is
	// only the latest failure of any kind: a request the server refused
	// after the spool failed may have taken its place.
	if st.Spool.Err == nil || st.Spool.Failed == 0 || !strings.Contains(st.Spool.Err.Error(), dir) || st.LastError == nil {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
	checkSpoolIdentity(t, s.Stats())
}

// Many goroutines log through an outage and the recovery: every record is
// delivered at least once, and exactly once here since nothing crashed.
func TestSpoolConcurrentOutage(t *testing.T) {
	e := newRecordingEndpoint(t)
	s := mustNew(t, spoolConfig(t, t.TempDir(), e.URL()))
	const g, per = 8, 1000
	var wg sync.WaitGroup
	for w := range g {
		wg.Go(func() {
			for i := range per {
				if w == 0 && i == per/2 {
					e.down.Store(false)
				}
				if err := s.Enqueue(spoolLine(w*per + i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	eventually(t, 20*time.Second, "delivery", func() bool { return s.Stats().Delivered == g*per })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkSpoolIdentity(t, s.Stats())
	got := e.delivered(t)
	for i := range g * per {
		if got[i] != 1 {
			t.Fatalf("record %d delivered %d times", i, got[i])
		}
	}
}

// A replayed batch the server answers part by part (413: split; then one
// half delivered and the other failing): the delivered half is counted
// once, the rest goes back to the spool and is delivered later, and no
// record arrives twice.
func TestSpoolReplayPartlyDelivered(t *testing.T) {
	e := newEndpointServer(t)
	var mode atomic.Int32 // 0 down, 1 picky, 2 healthy
	var small atomic.Int32
	var mu sync.Mutex
	ok := map[int]bool{} // requests answered 2xx
	e.setAnswer(func(n int, r *http.Request) (int, http.Header) {
		status := 204
		switch mode.Load() {
		case 0:
			status = 503
		case 1:
			if k, _ := strconv.Atoi(r.Header.Get("X-Lines")); k > 25 {
				status = 413
			} else if small.Add(1)%2 == 0 {
				status = 503
			}
		}
		mu.Lock()
		ok[n] = status/100 == 2
		mu.Unlock()
		return status, nil
	})
	cfg := spoolConfig(t, t.TempDir(), e.URL())
	cfg.Compression = None
	cfg.Prepare = func(req *fasthttp.Request, _ string) {
		req.Header.Set("X-Lines", strconv.Itoa(bytes.Count(req.Body(), []byte("\n"))))
	}
	s := mustNew(t, cfg)
	for i := range 100 {
		s.Enqueue(spoolLine(i))
	}
	eventually(t, 10*time.Second, "on disk", func() bool { return s.Stats().Spool.Records == 100 })
	mode.Store(1)
	eventually(t, 10*time.Second, "part delivered", func() bool { return s.Stats().Delivered > 0 })
	mode.Store(2)
	eventually(t, 10*time.Second, "all delivered", func() bool { return s.Stats().Delivered == 100 })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	checkSpoolIdentity(t, st)
	// Written counts the records that went back to the spool as well.
	if st.Spool.Replayed != 100 || st.Spool.Records != 0 || st.Spool.Written <= 100 {
		t.Fatalf("spool %+v", st.Spool)
	}
	got := map[int]int{}
	mu.Lock()
	defer mu.Unlock()
	for n, r := range e.requests() {
		if ok[n] {
			for _, l := range r.lines {
				got[idOfLine(t, l)]++
			}
		}
	}
	for i := range 100 {
		if got[i] != 1 {
			t.Fatalf("record %d delivered %d times", i, got[i])
		}
	}
}

// A slow server and a full queue with DropNewest: what does not fit goes
// to the spool instead of being dropped, and arrives once the server
// catches up.
func TestSpoolTakesQueueOverflow(t *testing.T) {
	e := newEndpointServer(t)
	e.holdRequests()
	cfg := spoolConfig(t, t.TempDir(), e.URL())
	cfg.Overflow = DropNewest
	s := mustNew(t, cfg)
	const n = 2000
	for i := range n {
		if err := s.Enqueue(spoolLine(i)); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	st := s.Stats()
	if st.DroppedQueueFull != 0 || st.Spool.Written < uint64(n-cfg.QueueSize-cfg.BatchSize) {
		t.Fatalf("with the server stuck: %+v", st)
	}
	e.release()
	eventually(t, 20*time.Second, "delivery", func() bool { return s.Stats().Delivered == n })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkSpoolIdentity(t, s.Stats())
	got := map[int]int{}
	for _, l := range e.linesOf(func(int) bool { return true }) {
		got[idOfLine(t, l)]++
	}
	for i := range n {
		if got[i] != 1 {
			t.Fatalf("record %d delivered %d times", i, got[i])
		}
	}
}
