package wire

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJudgeStatuses(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{})
		var v Verdict
		for _, c := range []struct {
			status int
			n      int
			want   Action
		}{
			{200, 10, Delivered}, {201, 10, Delivered}, {202, 10, Delivered}, {204, 10, Delivered},
			{408, 10, Retry}, {429, 10, Retry}, {500, 10, Retry}, {502, 10, Retry}, {503, 1, Retry}, {504, 10, Retry}, {599, 10, Retry},
			{413, 10, Split}, {413, 2, Split}, {413, 1, Rejected},
			{400, 10, Rejected}, {401, 10, Rejected}, {403, 10, Rejected}, {404, 10, Rejected},
			{409, 10, Rejected}, {422, 10, Rejected}, {451, 10, Rejected},
			{301, 10, Rejected}, {304, 10, Rejected}, {100, 10, Rejected}, {0, 10, Rejected},
		} {
			f.Judge(c.status, nil, c.n, &v)
			if v.Action != c.want || len(v.Resend) != 0 || v.Refused != 0 {
				t.Errorf("%v: status %d of %d records: %+v, want %v", k, c.status, c.n, v, c.want)
			}
		}
	}
}

// TestJudgeMessages: the reason comes from the provider's error shape,
// and is one safe line.
func TestJudgeMessages(t *testing.T) {
	otlpStatus := func(msg string) []byte {
		b := appendVarintField(nil, 1, 3)
		return appendStringField(b, 2, msg)
	}
	for _, c := range []struct {
		k      Kind
		status int
		body   []byte
		want   string
	}{
		{Datadog, 403, []byte(`{"errors":["Forbidden"]}`), "Forbidden"},
		{Datadog, 400, []byte(`{"errors":[{"status":"400","title":"Bad Request","detail":"Invalid JSON: unexpected end of input"}]}`), "Bad Request: Invalid JSON: unexpected end of input"},
		{ElasticBulk, 400, []byte(`{"error":{"root_cause":[{"type":"x"}],"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\n]"},"status":400}`),
			`illegal_argument_exception: The bulk request must be terminated by a newline [ ]`},
		{ElasticBulk, 401, []byte(`{"error":"missing authentication credentials"}`), "missing authentication credentials"},
		{Loki, 400, []byte("entry for stream '{service_name=\"api\"}' has timestamp too old: 2020-01-01T00:00:00Z\n"), `entry for stream '{service_name="api"}' has timestamp too old: 2020-01-01T00:00:00Z`},
		{Loki, 400, []byte("error at least one label pair is required per stream"), "error at least one label pair is required per stream"},
		{OTLP, 400, otlpStatus("invalid trace id length"), "invalid trace id length"},
		{OTLP, 503, []byte("upstream connect error or disconnect/reset before headers"), "upstream connect error or disconnect/reset before headers"},
		{NDJSON, 401, []byte(`{"message":"invalid API key"}`), "invalid API key"},
		{JSONArray, 400, []byte("line1\r\n\tline2\x1b[31mred\u202eevil\x00"), "line1 line2 [31mred evil"},
		{NDJSON, 400, []byte("caf\xc3\xa9 \xff"), "café \ufffd"},
		{NDJSON, 400, []byte("   \n\t "), ""},
		{NDJSON, 400, nil, ""},
	} {
		f := mustNew(t, c.k, Options{})
		var v Verdict
		f.Judge(c.status, c.body, 5, &v)
		if v.Message != c.want {
			t.Errorf("%v %d %q:\n got %q\nwant %q", c.k, c.status, c.body, v.Message, c.want)
		}
	}
}

func TestSanitizeBounds(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("é", 500), strings.Repeat("a", 1000), strings.Repeat("\xff", 300), strings.Repeat("x ", 300) + "日本語",
	} {
		out := sanitize(in)
		if len(out) > MaxMessageBytes || !utf8.ValidString(out) || strings.ContainsAny(out, "\n\r\t") {
			t.Errorf("sanitize(%q…) = %q (%d bytes)", in[:10], out, len(out))
		}
	}
	if got := sanitize(strings.Repeat("a", MaxMessageBytes)); len(got) != MaxMessageBytes || strings.HasSuffix(got, "…") {
		t.Errorf("a message of exactly the limit was cut: %q", got)
	}
}

// bulkResponse builds an Elasticsearch _bulk response from item statuses.
func bulkResponse(errors bool, statuses ...int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"took":30,"errors":%v,"items":[`, errors)
	for i, s := range statuses {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case s < 300:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","_id":"id%d","_version":1,"result":"created","status":%d,"_seq_no":%d}}`, i, s, i)
		case s == 429:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","_id":null,"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation [shard_detail=[logs][0]]"}}}`)
		case s == 400:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","_id":"id%d","status":400,"error":{"type":"document_parsing_exception","reason":"[1:45] failed to parse field [status] of type [long] in document with id 'id%d'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"OK\""}}}}`, i, i)
		case s == 409:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","_id":"id%d","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[id%d]: version conflict, document already exists"}}}`, i, i)
		case s == 404:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","status":404,"error":{"type":"index_not_found_exception","reason":"no such index [logs]"}}}`)
		default:
			fmt.Fprintf(&b, `{"create":{"_index":"logs","status":%d,"error":"node unavailable"}}`, s)
		}
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestJudgeElasticItems(t *testing.T) {
	f := mustNew(t, ElasticBulk, Options{})
	for _, c := range []struct {
		name    string
		body    []byte
		n       int
		resend  []int
		refused []int
		msg     string
	}{
		{"no errors", bulkResponse(false, 201, 201, 201), 3, nil, nil, ""},
		{"every kind of item error", bulkResponse(true, 201, 429, 400, 201, 503, 409, 404, 500, 200), 9,
			[]int{1, 4, 7}, []int{2, 5, 6}, "item status 400: document_parsing_exception: [1:45] failed to parse field [status] of type [long] in document with id 'id2'"},
		{"all rejected on a full queue", bulkResponse(true, 429, 429), 2, []int{0, 1}, nil, ""},
		{"errors after items", []byte(`{"items":[{"create":{"status":201}},{"create":{"status":400,"error":{"type":"t","reason":"r"}}}],"errors":true,"took":1}`), 2,
			nil, []int{1}, "item status 400: t: r"},
		{"index action", []byte(`{"errors":true,"items":[{"index":{"status":503}}]}`), 1, []int{0}, nil, ""},
		{"cut short: the unknown rest is resent", cutAfter(bulkResponse(true, 201, 400, 201, 201), `"_id":"id2"`), 4, []int{2, 3}, []int{1}, "item status 400: document_parsing_exception: [1:45] failed to parse field [status] of type [long] in document with id 'id1'"},
		{"fewer items than records", bulkResponse(true, 201, 201), 4, []int{2, 3}, nil, ""},
		{"VictoriaLogs after a bad line: 200, empty body", nil, 4, nil, nil, ""},
		{"not JSON", []byte("<html>ok</html>"), 4, nil, nil, ""},
		{"more items than records", bulkResponse(true, 201, 429, 429), 2, []int{1}, nil, ""},
		{"item without status", []byte(`{"errors":true,"items":[{"create":{}}]}`), 1, []int{0}, nil, ""},
	} {
		var v Verdict
		v.Resend = append(v.Resend, 99) // a reused Verdict starts clean
		f.Judge(200, c.body, c.n, &v)
		checkVerdict(t, v, c.n)
		if v.Action != Delivered || !sameInts(v.Resend, c.resend) || !sameInts(v.RefusedItems, c.refused) ||
			v.Refused != len(c.refused) || v.Message != c.msg {
			t.Errorf("%s:\n got %v resend %v refused %d %v %q\nwant resend %v refused %v %q",
				c.name, v.Action, v.Resend, v.Refused, v.RefusedItems, v.Message, c.resend, c.refused, c.msg)
		}
	}
}

// cutAfter cuts b just after the first occurrence of s, as a response
// body limit would.
func cutAfter(b []byte, s string) []byte {
	i := strings.Index(string(b), s)
	if i < 0 {
		panic(s)
	}
	return b[:i+len(s)]
}

func sameInts(a, b []int) bool { return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b) }

func TestJudgeOTLPPartialSuccess(t *testing.T) {
	f := mustNew(t, OTLP, Options{})
	partial := func(rejected int64, msg string) []byte {
		var ps []byte
		if rejected != 0 {
			ps = appendVarintField(ps, 1, uint64(rejected))
		}
		if msg != "" {
			ps = appendStringField(ps, 2, msg)
		}
		return appendBytesField(nil, 1, ps)
	}
	for _, c := range []struct {
		name    string
		body    []byte
		refused int
		msg     string
	}{
		{"empty body", nil, 0, ""},
		{"empty partial success", partial(0, ""), 0, ""},
		{"some rejected", partial(3, "3 log records have an invalid severity"), 3, "3 log records have an invalid severity"},
		{"more rejected than sent", partial(500, "quota"), 10, "quota"},
		{"negative count", partial(-4, "?"), 0, "?"},
		{"warning only", partial(0, "attributes were truncated"), 0, "attributes were truncated"},
		{"garbage", []byte{0xff, 0xff, 0xff}, 0, ""},
		{"JSON", []byte(`{"partialSuccess":{}}`), 0, ""},
	} {
		var v Verdict
		f.Judge(200, c.body, 10, &v)
		if v.Action != Delivered || v.Refused != c.refused || v.Message != c.msg || len(v.Resend) != 0 || len(v.RefusedItems) != 0 {
			t.Errorf("%s: %+v, want %d refused, %q", c.name, v, c.refused, c.msg)
		}
	}
}

// TestJudgeNeverPanics feeds every prefix of real and broken bodies.
func TestJudgeNeverPanics(t *testing.T) {
	bodies := [][]byte{bulkResponse(true, 201, 429, 400, 409), appendBytesField(nil, 1, appendStringField(appendVarintField(nil, 1, 2), 2, "x")),
		[]byte(`{"errors":[{"title":1,"detail":{}}],"error":[1]}`), []byte(`{"errors":true,"items":[1,"x",null,{"create":"x"}]}`)}
	for _, k := range allKinds {
		f := mustNew(t, k, Options{})
		for _, b := range bodies {
			for i := range len(b) + 1 {
				for _, st := range []int{200, 400, 503} {
					var v Verdict
					f.Judge(st, b[:i], 4, &v)
					checkVerdict(t, v, 4)
				}
			}
		}
	}
}

// checkVerdict checks what the core relies on to keep its accounting:
// indexes in range, ascending, each record in at most one list, and no
// more outcomes than records.
func checkVerdict(t *testing.T, v Verdict, n int) {
	t.Helper()
	seen := map[int]bool{}
	for _, list := range [][]int{v.Resend, v.RefusedItems} {
		for i, x := range list {
			if x < 0 || x >= n || seen[x] || i > 0 && list[i-1] >= x {
				t.Fatalf("bad index %d in %+v", x, v)
			}
			seen[x] = true
		}
	}
	if len(v.RefusedItems) > 0 && v.Refused != len(v.RefusedItems) {
		t.Fatalf("Refused %d but %d items named: %+v", v.Refused, len(v.RefusedItems), v)
	}
	if v.Refused < 0 || v.Refused+len(v.Resend) > n {
		t.Fatalf("more outcomes than records: %+v", v)
	}
	if v.Action != Delivered && (v.Refused != 0 || len(v.Resend) != 0) {
		t.Fatalf("per-item results outside Delivered: %+v", v)
	}
}
