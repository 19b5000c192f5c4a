package vltest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
)

// waitTimeout is generous: rows are normally searchable within a second or
// two, but CI machines are small and busy.
const waitTimeout = 20 * time.Second

var jsonParams = url.Values{"_msg_field": {"msg"}, "_time_field": {"time"}}

// The three timestamps check both the nanosecond round-trip and the
// retention flags: 1975 is far older and 2090 far newer than the server's
// defaults would keep.
const threeLines = `{"msg":"old","time":"1975-01-01T00:00:00Z","n":1}
{"msg":"exact","time":"2001-02-03T04:05:06.123456789Z","g":{"a":"nested"},"n":2}
{"msg":"future","time":"2090-12-31T23:59:59.999999999Z","n":3}
`

func TestSingleNodeRoundTripAndRestart(t *testing.T) {
	t.Parallel()
	s := vltest.Start(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || s.URL() != "http://"+s.Addr() {
		t.Fatalf("URL() = %q, Addr() = %q", s.URL(), s.Addr())
	}

	vltest.Insert(t, s.URL(), []byte(threeLines), jsonParams, nil)
	if n := vltest.WaitCount(t, s.URL(), "*", 3, waitTimeout); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}

	rows := vltest.Query(t, s.URL(), "* | sort by (_time)")
	want := []struct{ msg, time string }{
		{"old", "1975-01-01T00:00:00Z"},
		{"exact", "2001-02-03T04:05:06.123456789Z"},
		{"future", "2090-12-31T23:59:59.999999999Z"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if rows[i]["_msg"] != w.msg || rows[i]["_time"] != w.time {
			t.Errorf("row %d: _msg=%q _time=%q, want %q %q", i, rows[i]["_msg"], rows[i]["_time"], w.msg, w.time)
		}
	}
	if got := rows[1]["g.a"]; got != "nested" {
		t.Errorf(`nested field: g.a = %q, want "nested" (row %v)`, got, rows[1])
	}
	if got := rows[1]["n"]; got != "2" {
		t.Errorf(`numbers come back as strings: n = %q, want "2"`, got)
	}

	// A graceful restart on the same port and data keeps everything, and
	// the rows are searchable at once since they were read from disk.
	addr := s.Addr()
	s.Restart(t)
	if s.Addr() != addr {
		t.Fatalf("Restart moved the server from %s to %s", addr, s.Addr())
	}
	if n := vltest.Count(t, s.URL(), "*"); n != 3 {
		t.Fatalf("after restart: count = %d, want 3", n)
	}

	// A crash (SIGKILL) followed by a restart: the rows persisted by the
	// graceful stop above must survive it.
	s.Kill()
	s.Restart(t)
	if n := vltest.Count(t, s.URL(), `_msg:exact`); n != 1 {
		t.Fatalf("after kill and restart: count = %d, want 1", n)
	}

	// A new server can be started on data another one left behind.
	s.Stop()
	s.Stop() // stopping twice is harmless
	s2 := vltest.Start(t, vltest.WithDataPath(s.DataPath()))
	if n := vltest.Count(t, s2.URL(), "*"); n != 3 {
		t.Fatalf("second server on the same data: count = %d, want 3", n)
	}
}

// The pitfall Insert's Content-Type default guards against: a form content
// type makes VictoriaLogs answer 200 and store nothing.
func TestFormContentTypeStoresNothing(t *testing.T) {
	t.Parallel()
	s := vltest.Start(t)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	vltest.Insert(t, s.URL(), []byte(`{"msg":"lost","time":"2020-01-01T00:00:00Z"}`+"\n"), jsonParams, form)
	// Sent after the lost row was acknowledged, so once it is searchable
	// the lost row would have been too.
	vltest.Insert(t, s.URL(), []byte(`{"msg":"kept","time":"2020-01-01T00:00:00Z"}`+"\n"), jsonParams, nil)
	if n := vltest.WaitCount(t, s.URL(), "_msg:kept", 1, waitTimeout); n != 1 {
		t.Fatalf("kept: count = %d, want 1", n)
	}
	if n := vltest.Count(t, s.URL(), "*"); n != 1 {
		t.Fatalf("total count = %d, want 1: the form-typed row was stored after all", n)
	}
}

func TestTenantsAreIsolated(t *testing.T) {
	t.Parallel()
	s := vltest.Start(t)
	a := vltest.Tenant{AccountID: 1, ProjectID: 2}
	b := vltest.Tenant{AccountID: 1, ProjectID: 3}
	vltest.Insert(t, s.URL(), []byte(`{"msg":"for a"}`+"\n"+`{"msg":"for a too"}`+"\n"), jsonParams, a.Header())
	vltest.Insert(t, s.URL(), []byte(`{"msg":"for b"}`+"\n"), jsonParams, b.Header())
	vltest.Insert(t, s.URL(), []byte(`{"msg":"default"}`+"\n"), jsonParams, nil)

	if n := vltest.WaitCount(t, s.URL(), "*", 2, waitTimeout, a); n != 2 {
		t.Fatalf("tenant %s: count = %d, want 2", a, n)
	}
	if n := vltest.WaitCount(t, s.URL(), "*", 1, waitTimeout, b); n != 1 {
		t.Fatalf("tenant %s: count = %d, want 1", b, n)
	}
	if n := vltest.WaitCount(t, s.URL(), "*", 1, waitTimeout); n != 1 {
		t.Fatalf("default tenant: count = %d, want 1", n)
	}
	if rows := vltest.Query(t, s.URL(), "*", b); len(rows) != 1 || rows[0]["_msg"] != "for b" {
		t.Fatalf("tenant %s sees %v", b, rows)
	}
}

func TestCluster(t *testing.T) {
	t.Parallel()
	c := vltest.StartCluster(t, 2, 2)
	if len(c.Storage) != 2 || len(c.Insert) != 2 {
		t.Fatalf("got %d storage and %d insert nodes", len(c.Storage), len(c.Insert))
	}
	for _, s := range c.Insert {
		if s.DataPath() != "" {
			t.Errorf("front node %s has data path %q", s.Addr(), s.DataPath())
		}
	}

	// Twenty streams, so the rows are spread over both storage nodes.
	const rows = 20
	var b strings.Builder
	for i := range rows {
		fmt.Fprintf(&b, `{"msg":"row %d","app":"app-%d","time":"2024-05-06T07:08:09.%09dZ"}`+"\n", i, i, i)
	}
	params := url.Values{"_msg_field": {"msg"}, "_time_field": {"time"}, "_stream_fields": {"app"}}
	tenant := vltest.Tenant{AccountID: 7, ProjectID: 8}
	vltest.Insert(t, c.Insert[0].URL(), []byte(b.String()), params, tenant.Header())

	// Written through one front node, read through the other.
	if n := vltest.WaitCount(t, c.Insert[1].URL(), "*", rows, waitTimeout, tenant); n != rows {
		t.Fatalf("count through insert node 2 = %d, want %d", n, rows)
	}
	if n := vltest.Count(t, c.Insert[1].URL(), "*"); n != 0 {
		t.Errorf("default tenant sees %d rows of tenant %s", n, tenant)
	}
	var sum int
	for i, s := range c.Storage {
		n := vltest.Count(t, s.URL(), "*", tenant)
		if n == 0 {
			t.Errorf("storage node %d holds no rows; the front node did not spread them", i)
		}
		sum += n
	}
	if sum != rows {
		t.Errorf("storage nodes hold %d rows in total, want %d", sum, rows)
	}

	// Losing a front node loses nothing stored; it comes back on its port.
	c.Insert[0].Kill()
	if n := vltest.Count(t, c.Insert[1].URL(), "*", tenant); n != rows {
		t.Fatalf("after killing insert node 1: count = %d, want %d", n, rows)
	}
	c.Insert[0].Restart(t)
	if n := vltest.Count(t, c.URL(), "*", tenant); n != rows {
		t.Fatalf("after restarting insert node 1: count = %d, want %d", n, rows)
	}
}
