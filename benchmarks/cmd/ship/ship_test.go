package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// victoriaLogs returns the VictoriaLogs binary the library's tests use:
// $SLOGX_VICTORIALOGS, or what scripts/victorialogs.sh builds.
func victoriaLogs(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SLOGX_VICTORIALOGS"); bin != "" {
		return bin
	}
	script, err := filepath.Abs("../../../scripts/victorialogs.sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script).Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return strings.TrimSpace(string(out))
}

// TestShippers runs every shipper on a burst small enough for every queue
// and one far larger than the SDK's, against a real VictoriaLogs, and
// checks the accounting the report prints: what each stored is what the
// server counts for its run alone, and stored plus what it reported as not
// delivered is what was sent.
func TestShippers(t *testing.T) {
	srv, err := startServer(victoriaLogs(t))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.stop()
		}
	}()
	for _, n := range []int{1000, 20000} {
		for _, s := range shippers {
			r := run(srv, s, n)
			if r.Error != "" {
				t.Fatalf("%s, %d records: %s", s.Name, n, r.Error)
			}
			if r.Stored+int(r.Lost) != n {
				t.Errorf("%s, %d records: stored %d + reported lost %d != sent; reports: %q", s.Name, n, r.Stored, r.Lost, r.Reported)
			}
			if n == 1000 && r.Stored != n {
				t.Errorf("%s: stored %d of a burst of %d that fits its queue; reports: %q", s.Name, r.Stored, n, r.Reported)
			}
			if r.StoredPS <= 0 || r.TotalSec < r.LogSec {
				t.Errorf("%s: times %+v", s.Name, r)
			}
		}
	}
	srv.stop()
	stopped = true
	waitNoGoroutines(t)
}

// waitNoGoroutines waits until every goroutine the shippers started has
// ended: connections closed by Close or Shutdown end their goroutines a
// moment later, not at once.
func waitNoGoroutines(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(25 * time.Second)
	for {
		err := goleak.Find()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines left 25 s after the last Close: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
