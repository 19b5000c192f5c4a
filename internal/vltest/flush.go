package vltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// VictoriaLogs v1.22 makes new rows searchable in two independent steps,
// each on its own one-second timer: the rows themselves, and the labels of
// any log stream they create (the per-partition stream index). Until both
// have happened a row is counted by `stats count()` but missing from
// queries that return _stream, such as a plain `*`; worse, a per-search
// cache keyed by stream ID (not by partition or tenant) lets such rows flap
// in and out of results for about a second. A test that waits for a count
// and then queries would be flaky.
//
// /internal/force_flush on a storage node runs both steps at once. The
// helpers call it before every count and query, which makes everything that
// reached storage visible and stable, and as a bonus makes WaitCount return
// as soon as the data has arrived instead of a second or two later.
//
// flushTargets maps the base URL of every node started by this package to
// the storage nodes that hold its data: itself for a single node, its
// -storageNode list for a front node (which has no force_flush of its own).
var flushTargets = struct {
	sync.Mutex
	m map[string]flushTarget
}{m: map[string]flushTarget{}}

type flushTarget struct {
	// owner guards against a stopped server's cleanup unregistering a newer
	// server that was given the same port.
	owner       *Server
	storageURLs []string
}

func registerFlushTargets(s *Server, storageURLs []string) {
	flushTargets.Lock()
	defer flushTargets.Unlock()
	flushTargets.m[s.URL()] = flushTarget{owner: s, storageURLs: storageURLs}
}

func unregisterFlushTargets(s *Server) {
	flushTargets.Lock()
	defer flushTargets.Unlock()
	if flushTargets.m[s.URL()].owner == s {
		delete(flushTargets.m, s.URL())
	}
}

// flush makes the data behind baseURL fully searchable. For a URL not
// started by this package it does nothing, and the helpers fall back to
// plain polling. Storage nodes that refuse connections are skipped.
func flush(ctx context.Context, baseURL string) error {
	flushTargets.Lock()
	targets := flushTargets.m[baseURL].storageURLs
	flushTargets.Unlock()
	for _, u := range targets {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"/internal/force_flush", nil)
		if err != nil {
			cancel()
			return err
		}
		status, body, err := do(req)
		cancel()
		var opErr *net.OpError
		if errors.As(err, &opErr) && opErr.Op == "dial" {
			// A storage node that a test killed on purpose; the query
			// that follows reports whatever that means for the test.
			continue
		}
		if err != nil {
			return fmt.Errorf("flush %s: %v", u, err)
		}
		if status != http.StatusOK {
			return fmt.Errorf("flush %s: status %d: %s", u, status, body)
		}
	}
	return nil
}
