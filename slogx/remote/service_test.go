package remote_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"go.slogx.dev/slogx/remote"
)

// service is an in-process log intake on 127.0.0.1 that behaves like a
// SaaS one: it checks the credential and the framing of every request,
// decodes the records in each format with its own decoder (not the
// package's), and answers as a script says: statuses, Retry-After, slow
// answers, dropped connections, Elasticsearch item errors.
type service struct {
	t      testing.TB
	srv    *httptest.Server
	format remote.Format

	// authName and authValue are the header every request must carry;
	// empty authName accepts any request.
	authName, authValue string

	mu       sync.Mutex
	requests []*request // every request that reached the handler, in order
	stored   []item     // records of requests answered 2xx (less ES item failures)
	script   func(*request) answer
}

// request is one request as the service saw it.
type request struct {
	n        int // 1-based
	at       time.Time
	header   http.Header
	body     []byte // decompressed
	items    []item // decoded records
	frameErr error  // the body did not follow the format
}

// item is one decoded record: its fields (for OTLP: "body", "severity",
// "time_unix_nano" and the attributes) and, for Loki, its stream labels.
type item struct {
	fields map[string]any
	labels map[string]string
}

func (it item) id() int {
	switch v := it.fields["id"].(type) {
	case float64:
		return int(v)
	case int64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return -1
}

// answer is what the service does with a request.
type answer struct {
	status     int
	body       string
	retryAfter string
	delay      time.Duration // before answering
	reset      bool          // drop the connection without an answer
	// esItems, for ElasticBulk, gives item statuses by index; the others
	// are 201. The answer is then 200 with "errors":true.
	esItems map[int]int
}

func newService(t testing.TB, format remote.Format) *service {
	t.Helper()
	s := &service{t: t, format: format}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *service) URL() string { return s.srv.URL + "/intake" }

// onRequest sets the script; nil answers every request with success.
func (s *service) onRequest(f func(*request) answer) {
	s.mu.Lock()
	s.script = f
	s.mu.Unlock()
}

func (s *service) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away mid-body
	}
	req := &request{at: time.Now(), header: r.Header.Clone()}
	req.body, req.frameErr = decompress(r.Header.Get("Content-Encoding"), raw)
	if req.frameErr == nil {
		req.items, req.frameErr = decodeItems(s.format, r.Header.Get("Content-Type"), req.body)
	}
	s.mu.Lock()
	req.n = len(s.requests) + 1
	s.requests = append(s.requests, req)
	script := s.script
	s.mu.Unlock()

	if s.authName != "" && r.Header.Get(s.authName) != s.authValue {
		http.Error(w, `{"errors":["Forbidden: invalid API key"]}`, http.StatusForbidden)
		return
	}
	if req.frameErr != nil {
		s.t.Errorf("request %d: bad framing: %v\n%s", req.n, req.frameErr, head(req.body, 512))
		http.Error(w, req.frameErr.Error(), http.StatusBadRequest)
		return
	}
	a := answer{status: s.okStatus()}
	if script != nil {
		a = script(req)
		if a.status == 0 {
			a.status = s.okStatus()
		}
	}
	if a.delay > 0 {
		time.Sleep(a.delay)
	}
	if a.reset {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		conn, _, _ := hj.Hijack()
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // an RST, as a crashed proxy sends
		}
		conn.Close()
		return
	}
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	if a.esItems != nil {
		s.store(req.items, a.esItems)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, esResponse(len(req.items), a.esItems))
		return
	}
	if a.status/100 == 2 {
		s.store(req.items, nil)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (s *service) okStatus() int {
	switch s.format {
	case remote.Loki:
		return http.StatusNoContent
	case remote.Datadog:
		return http.StatusAccepted
	}
	return http.StatusOK
}

func (s *service) store(items []item, failed map[int]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, it := range items {
		if st, bad := failed[i]; bad && st/100 != 2 {
			continue
		}
		s.stored = append(s.stored, it)
	}
}

// snapshot returns copies of what the service saw and stored.
func (s *service) snapshot() (reqs []*request, stored []item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*request(nil), s.requests...), append([]item(nil), s.stored...)
}

func esResponse(n int, statuses map[int]int) string {
	var b bytes.Buffer
	b.WriteString(`{"took":3,"errors":true,"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		st, ok := statuses[i]
		if !ok {
			st = 201
		}
		switch {
		case st/100 == 2:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","_id":"id%d","status":%d,"result":"created"}}`, i, st)
		case st == 429:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}}`)
		default:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","status":%d,"error":{"type":"document_parsing_exception","reason":"[1:42] failed to parse field [status] of type [long]"}}}`, st)
		}
	}
	b.WriteString("]}")
	return b.String()
}

func decompress(encoding string, raw []byte) ([]byte, error) {
	switch encoding {
	case "":
		return raw, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "zstd":
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(raw, nil)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", encoding)
}

// decodeItems checks the framing of a body and decodes its records.
func decodeItems(f remote.Format, contentType string, body []byte) ([]item, error) {
	want := map[remote.Format]string{
		remote.NDJSON: "application/x-ndjson", remote.JSONArray: "application/json",
		remote.Datadog: "application/json", remote.Loki: "application/json",
		remote.ElasticBulk: "application/x-ndjson", remote.OTLP: "application/x-protobuf",
	}[f]
	if contentType != want {
		return nil, fmt.Errorf("Content-Type %q, want %q", contentType, want)
	}
	switch f {
	case remote.NDJSON:
		return decodeLines(body, false)
	case remote.ElasticBulk:
		return decodeLines(body, true)
	case remote.JSONArray, remote.Datadog:
		var objs []map[string]any
		if err := strictJSON(body, &objs); err != nil {
			return nil, err
		}
		items := make([]item, len(objs))
		for i, o := range objs {
			items[i] = item{fields: o}
		}
		return items, nil
	case remote.Loki:
		return decodeLoki(body)
	case remote.OTLP:
		return decodeOTLP(body)
	}
	return nil, fmt.Errorf("unknown format %v", f)
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the JSON document")
	}
	return numbersToFloat(v)
}

// numbersToFloat turns json.Number back into float64 (UseNumber only
// serves to reject numbers Go cannot represent).
func numbersToFloat(v any) error {
	var walk func(x any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case json.Number:
			f, _ := t.Float64()
			return f
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		}
		return x
	}
	switch p := v.(type) {
	case *[]map[string]any:
		for _, m := range *p {
			walk(m)
		}
	case *map[string]any:
		walk(*p)
	}
	return nil
}

// decodeLines reads NDJSON; with bulk, each document must follow a
// {"create":{...}} action line.
func decodeLines(body []byte, bulk bool) ([]item, error) {
	if len(body) > 0 && body[len(body)-1] != '\n' {
		return nil, fmt.Errorf("body does not end in a newline")
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 64<<20)
	var items []item
	expectAction := bulk
	for sc.Scan() {
		var m map[string]any
		if err := strictJSON(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("line %q: %v", head(sc.Bytes(), 100), err)
		}
		if expectAction {
			if _, ok := m["create"]; !ok || len(m) != 1 {
				return nil, fmt.Errorf("line %q: want a create action", head(sc.Bytes(), 100))
			}
			expectAction = false
			continue
		}
		items = append(items, item{fields: m})
		expectAction = bulk
	}
	if bulk && !expectAction {
		return nil, fmt.Errorf("an action line without its document")
	}
	return items, sc.Err()
}

func decodeLoki(body []byte) ([]item, error) {
	var push struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][]string        `json:"values"`
		} `json:"streams"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&push); err != nil {
		return nil, err
	}
	var items []item
	for _, s := range push.Streams {
		if len(s.Stream) == 0 {
			return nil, fmt.Errorf("a stream without labels")
		}
		for _, v := range s.Values {
			if len(v) != 2 {
				return nil, fmt.Errorf("value %q: want [timestamp, line]", v)
			}
			if _, err := strconv.ParseInt(v[0], 10, 64); err != nil {
				return nil, fmt.Errorf("timestamp %q: %v", v[0], err)
			}
			var m map[string]any
			if err := strictJSON([]byte(v[1]), &m); err != nil {
				return nil, fmt.Errorf("line %q: %v", v[1], err)
			}
			m["loki_ts"] = v[0]
			items = append(items, item{fields: m, labels: s.Stream})
		}
	}
	return items, nil
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
