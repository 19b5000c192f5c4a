package vltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requestTimeout bounds every HTTP request the helpers make, so a hung
// server fails the test instead of running into go test's global timeout.
const requestTimeout = 30 * time.Second

// client is private to the harness: Proxy is nil so HTTP_PROXY settings can
// never divert 127.0.0.1 traffic, and its idle connections are closed after
// each helper call and at cleanup, which keeps goleak quiet.
var client = &http.Client{
	Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	},
}

func closeIdleConnections() { client.CloseIdleConnections() }

// Tenant selects a VictoriaLogs tenant. The zero value is the default tenant
// (0:0), which is what requests without tenant headers use.
type Tenant struct {
	AccountID uint32
	ProjectID uint32
}

// Header returns the AccountID/ProjectID headers that select t, for Insert
// or for a client under test.
func (t Tenant) Header() http.Header {
	h := http.Header{}
	t.set(h)
	return h
}

func (t Tenant) set(h http.Header) {
	h.Set("AccountID", strconv.FormatUint(uint64(t.AccountID), 10))
	h.Set("ProjectID", strconv.FormatUint(uint64(t.ProjectID), 10))
}

// String returns the tenant as VictoriaLogs writes it, "account:project".
func (t Tenant) String() string { return fmt.Sprintf("%d:%d", t.AccountID, t.ProjectID) }

// Insert posts NDJSON lines to baseURL's /insert/jsonline with params as the
// query string (e.g. _msg_field, _time_field, _stream_fields) and the given
// extra headers (e.g. Tenant.Header()). It exists so tests can compare what
// slogx sends with a plain POST of the same data.
//
// Content-Type defaults to application/stream+json: with a form content
// type VictoriaLogs answers 200 but stores nothing. A Content-Type in
// headers wins, to reproduce exactly that.
func Insert(tb testing.TB, baseURL string, ndjson []byte, params url.Values, headers http.Header) {
	tb.Helper()
	defer closeIdleConnections()
	u := baseURL + "/insert/jsonline"
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	ctx, cancel := context.WithTimeout(tb.Context(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(ndjson))
	if err != nil {
		tb.Fatalf("vltest: %v", err)
	}
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/stream+json")
	}
	status, body, err := do(req)
	if err != nil {
		tb.Fatalf("vltest: insert into %s: %v", baseURL, err)
	}
	if status/100 != 2 {
		tb.Fatalf("vltest: insert into %s: status %d: %s", baseURL, status, body)
	}
}

// Query runs a LogsQL query against baseURL's /select/logsql/query and
// returns the rows. VictoriaLogs returns every field value as a string, and
// nested JSON objects were flattened at ingestion ({"g":{"a":1}} is field
// "g.a"), so a row is a flat map.
//
// For nodes started by this package the storage nodes are flushed first
// (see flush.go), so every row that has reached storage is included; rows
// still buffered in a cluster front node are not, which is what WaitCount
// is for.
//
// With no tenant the default tenant is queried; at most one may be given.
func Query(tb testing.TB, baseURL, logsql string, tenant ...Tenant) []map[string]string {
	tb.Helper()
	defer closeIdleConnections()
	if err := flush(tb.Context(), baseURL); err != nil {
		tb.Fatalf("vltest: %v", err)
	}
	rows, err := query(tb.Context(), baseURL, logsql, tenant)
	if err != nil {
		tb.Fatalf("vltest: %v", err)
	}
	return rows
}

// Count returns how many rows match logsql (a filter such as `*` or
// `level:ERROR`, optionally followed by pipes that keep rows and their
// _stream field, not stats) and are fully visible, i.e. how many rows
// Query(logsql) would return.
//
// It counts with `stats count(_stream)`, not `count()`, because
// VictoriaLogs counts rows in `count()` before the labels of their stream
// are searchable, and leaves them out of every query that returns _stream,
// such as a plain `*`, until then (see flush.go). Counting _stream makes
// Count, and so WaitCount, agree with Query.
func Count(tb testing.TB, baseURL, logsql string, tenant ...Tenant) int {
	tb.Helper()
	defer closeIdleConnections()
	if err := flush(tb.Context(), baseURL); err != nil {
		tb.Fatalf("vltest: %v", err)
	}
	n, err := count(tb.Context(), baseURL, logsql, tenant)
	if err != nil {
		tb.Fatalf("vltest: %v", err)
	}
	return n
}

// WaitCount polls Count until it equals want or timeout passes, and returns
// the last count; the caller decides whether a different count is a
// failure. Polling is needed because rows reach storage asynchronously
// (a client's batching, a front node's one-second send buffer), and a fixed
// sleep would be both slow and flaky.
//
// For nodes started by this package every poll first flushes the storage
// nodes (see flush.go), and WaitCount returns only after two polls in a row
// saw want, so that a Query right after it sees exactly those rows. For
// other URLs it polls without flushing and such a guarantee does not hold.
//
// Query errors are retried, since they are expected while a restarted node
// comes back; if the last attempt still failed at the deadline, the test is
// failed with that error.
func WaitCount(tb testing.TB, baseURL, logsql string, want int, timeout time.Duration, tenant ...Tenant) int {
	tb.Helper()
	defer closeIdleConnections()
	deadline := time.Now().Add(timeout)
	hits := 0
	for {
		n, err := flushAndCount(tb.Context(), baseURL, logsql, tenant)
		if err == nil && n == want {
			hits++
			if hits == 2 {
				return n
			}
		} else {
			hits = 0
		}
		if time.Now().After(deadline) {
			if err != nil {
				tb.Fatalf("vltest: waiting %v for %d rows of %q: %v", timeout, want, logsql, err)
			}
			return n
		}
		if hits > 0 {
			continue // confirm at once; the flush is what makes it safe
		}
		select {
		case <-tb.Context().Done():
			tb.Fatalf("vltest: waiting for %d rows of %q: %v", want, logsql, tb.Context().Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func flushAndCount(ctx context.Context, baseURL, logsql string, tenant []Tenant) (int, error) {
	if err := flush(ctx, baseURL); err != nil {
		return 0, err
	}
	return count(ctx, baseURL, logsql, tenant)
}

const countField = "vltest_count"

func count(ctx context.Context, baseURL, logsql string, tenant []Tenant) (int, error) {
	if strings.TrimSpace(logsql) == "" {
		logsql = "*"
	}
	rows, err := query(ctx, baseURL, logsql+" | stats count(_stream) "+countField, tenant)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("count of %q: want 1 row, got %d: %v", logsql, len(rows), rows)
	}
	n, err := strconv.Atoi(rows[0][countField])
	if err != nil {
		return 0, fmt.Errorf("count of %q: %v in %v", logsql, err, rows[0])
	}
	return n, nil
}

func query(ctx context.Context, baseURL, logsql string, tenant []Tenant) ([]map[string]string, error) {
	if len(tenant) > 1 {
		return nil, errors.New("at most one tenant may be given")
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	form := url.Values{"query": {logsql}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/select/logsql/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(tenant) == 1 {
		tenant[0].set(req.Header)
	}
	status, body, err := do(req)
	if err != nil {
		return nil, fmt.Errorf("query %q at %s: %v", logsql, baseURL, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("query %q at %s: status %d: %s", logsql, baseURL, status, body)
	}
	var rows []map[string]string
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		var row map[string]string
		err := dec.Decode(&row)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("query %q at %s: bad response line: %v\n%s", logsql, baseURL, err, tail(string(body)))
		}
		rows = append(rows, row)
	}
}

// do sends req and reads the whole body, so the connection is always
// released.
func do(req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}

func get(url string, timeout time.Duration) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	return do(req)
}
