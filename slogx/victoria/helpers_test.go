package victoria_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/victoria"
)

// waitTimeout bounds every wait for rows to become searchable. Rows are
// normally there within a second; the margin is for -race on a small,
// shared machine.
const waitTimeout = 60 * time.Second

// lockedBuffer is a goroutine-safe Fallback.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// newHandler creates a handler and closes it when the test ends (a test
// that checks Close itself closes it earlier; Close is idempotent).
// Fallback defaults to a buffer so that a failing test shows what went
// there rather than spraying stderr.
func newHandler(t testing.TB, opts victoria.Options) (*victoria.Handler, *lockedBuffer) {
	t.Helper()
	fb := &lockedBuffer{}
	if opts.Fallback == nil {
		opts.Fallback = fb
	}
	h, err := victoria.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		h.Close()
		if t.Failed() {
			if b := fb.Bytes(); len(b) > 0 {
				t.Logf("fallback (%d bytes), head:\n%s", len(b), head(b, 2048))
			}
		}
	})
	return h, fb
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// flush flushes h, failing the test if that takes longer than waitTimeout.
func flush(t testing.TB, h *victoria.Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (stats %+v)", err, h.Stats())
	}
}

// checkAccounting checks the invariant of a closed handler.
func checkAccounting(t testing.TB, st victoria.Stats) {
	t.Helper()
	if got := st.Delivered + st.Dropped.Total() + st.Spilled; got != st.Accepted {
		t.Errorf("accounting: accepted %d != delivered %d + dropped %d + spilled %d",
			st.Accepted, st.Delivered, st.Dropped.Total(), st.Spilled)
	}
}

// checkAllDelivered checks that every accepted record was delivered: no
// drop, no spill.
func checkAllDelivered(t testing.TB, st victoria.Stats, want uint64) {
	t.Helper()
	checkAccounting(t, st)
	if st.Accepted != want || st.Delivered != want || st.Dropped.Total() != 0 || st.Spilled != 0 {
		t.Errorf("stats: want %d accepted and delivered, nothing dropped or spilled; got %+v", want, st)
	}
}

// queryOne runs a LogsQL query that must return exactly one number in
// field "n", e.g. `* | stats count_uniq(id) n`.
func queryNumber(t testing.TB, url, logsql string, tenant ...vltest.Tenant) int {
	t.Helper()
	rows := vltest.Query(t, url, logsql, tenant...)
	if len(rows) != 1 {
		t.Fatalf("query %q: %d rows, want 1: %v", logsql, len(rows), rows)
	}
	n, err := strconv.Atoi(rows[0]["n"])
	if err != nil {
		t.Fatalf("query %q: %v in %v", logsql, err, rows[0])
	}
	return n
}

// closedPortURL returns the URL of a 127.0.0.1 port nobody listens on.
func closedPortURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// parseNDJSON decodes every line of b.
func parseNDJSON(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("fallback line is not JSON: %v: %q", err, sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

var (
	summaryRE    = regexp.MustCompile(`^victoria: (\d+) records `)
	dropReportRE = regexp.MustCompile(`^victoria: dropped (\d+) records in the last [0-9.]+ s: `)
)

// splitFallback separates the summary lines of a fallback stream from the
// records and checks that each summary announces the records after it.
func splitFallback(t testing.TB, b []byte) (records []map[string]any, summaries []string) {
	t.Helper()
	announced := 0
	for _, m := range parseNDJSON(t, b) {
		msg, _ := m["msg"].(string)
		if dropReportRE.MatchString(msg) && m["level"] == "WARN" && m["id"] == nil {
			summaries = append(summaries, msg) // announces no records
			continue
		}
		if sm := summaryRE.FindStringSubmatch(msg); sm != nil && m["level"] == "WARN" && m["id"] == nil {
			if announced != 0 {
				t.Errorf("summary %q announced %d records that did not follow", msg, announced)
			}
			announced, _ = strconv.Atoi(sm[1])
			summaries = append(summaries, msg)
			continue
		}
		if announced > 0 {
			announced--
		}
		records = append(records, m)
	}
	if announced != 0 {
		t.Errorf("the last summary announced %d more records than followed", announced)
	}
	return records, summaries
}

// metric reads one counter from a VictoriaLogs node's /metrics page.
func metric(t testing.TB, baseURL, name string) float64 {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true // no idle connection for goleak to find
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s/metrics: %v", baseURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return v
		}
	}
	return 0
}

func idQuery(id int) string { return fmt.Sprintf(`id:=%d`, id) }
