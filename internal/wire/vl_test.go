package wire

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
	"go.slogx.dev/internal/vltest"
)

// The tests in this file post bodies built by the framing straight to a
// real VictoriaLogs, on each compatible endpoint, and read them back with
// LogsQL. JSONArray has no VictoriaLogs endpoint; its body is Datadog's
// framing, which is checked here.

var vlClient = &http.Client{Transport: &http.Transport{
	Proxy:       nil, // 127.0.0.1 only, whatever the environment says
	DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
}}

// post sends body and judges the answer as the sink would.
func post(t *testing.T, f *Format, url string, body []byte, n int) (Verdict, int, string) {
	t.Helper()
	defer vlClient.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", f.ContentType())
	resp, err := vlClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	var v Verdict
	f.Judge(resp.StatusCode, rb, n, &v)
	return v, resp.StatusCode, string(rb)
}

// vlCase describes one endpoint: where to post and how VictoriaLogs names
// what the format carries.
type vlCase struct {
	kind     Kind
	path     string
	levelKey string // the field holding the level
	level    func(l slog.Level) string
	timeUnit time.Duration     // the precision the format carries
	fields   map[string]string // besides trace_id and span_id, which every format carries
	strOnly  bool              // the endpoint reads only string values (Datadog)
}

var vlCases = []vlCase{
	{kind: NDJSON, path: "/insert/jsonline?_msg_field=msg&_time_field=time", levelKey: "level", level: slog.Level.String, timeUnit: 1,
		fields: map[string]string{"service": "checkout", "environment": "prod-eu1", "tenant": "acme", "http.status": "", "http.method": "POST"}},
	{kind: Datadog, path: "/insert/datadog/api/v2/logs", levelKey: "status", level: datadogStatus, timeUnit: time.Millisecond, strOnly: true,
		fields: map[string]string{"service": "checkout", "hostname": "ip-10-0-3-7", "ddsource": "go", "env": "prod-eu1", "version": "v2.14.3", "tenant": "acme"}},
	{kind: Loki, path: "/insert/loki/api/v1/push?_msg_field=msg", levelKey: "level", level: slog.Level.String, timeUnit: 1,
		fields: map[string]string{"service_name": "checkout", "environment": "prod-eu1", "tenant": "acme", "http.status": "", "http.method": "POST"}},
	{kind: ElasticBulk, path: "/insert/elasticsearch/_bulk?_msg_field=message&_time_field=@timestamp", levelKey: "log.level", level: slog.Level.String, timeUnit: 1,
		fields: map[string]string{"service.name": "checkout", "service.environment": "prod-eu1", "tenant": "acme", "http.status": "", "http.method": "POST"}},
	{kind: OTLP, path: "/insert/opentelemetry/v1/logs", levelKey: "severity", level: slog.Level.String, timeUnit: 1,
		fields: map[string]string{"service.name": "checkout", "deployment.environment.name": "prod-eu1", "service.version": "v2.14.3", "host.name": "ip-10-0-3-7",
			"tenant": "acme", "trace_id": traceHex, "span_id": spanHex, "http": ""}},
}

func datadogStatus(l slog.Level) string {
	return string(appendDatadogStatus(nil, l)[1:][:len(appendDatadogStatus(nil, l))-2])
}

// vlRecords logs n records for run through f and returns them encoded,
// with the message, level and time each should be stored with.
type want struct {
	msg   string
	level slog.Level
	t     time.Time
	i     int
}

func vlRecords(t *testing.T, c vlCase, f *Format, run string, n int) ([][]byte, []want) {
	rec := newRecorder(f)
	ctx := ctxattrs.With(context.Background(), slog.String("tenant", "acme"), slog.String(TraceIDKey, traceHex), slog.String(SpanIDKey, spanHex))
	base := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	l := slog.New(rec).With("run", run)
	ws := make([]want, n)
	for i := range n {
		w := want{
			msg:   fmt.Sprintf("payment %04d authorised: \"card\" ending 4242\nnext line é %s", i, reqID),
			level: []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2}[i%5],
			t:     base.Add(time.Duration(i)*1_000_001*time.Nanosecond + time.Duration(i%7)),
			i:     i,
		}
		ws[i] = w
		r := slog.NewRecord(w.t, w.level, w.msg, 0)
		if c.strOnly {
			r.AddAttrs(slog.String("i", strconv.Itoa(i)), slog.String("request_id", reqID))
		} else {
			r.AddAttrs(slog.Int("i", i), slog.String("request_id", reqID),
				slog.Group("http", slog.Int("status", 200+i%300), slog.String("method", "POST")))
		}
		h := l.Handler()
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return *rec.out, ws
}

func TestVictoriaLogsStoresEveryFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("starts VictoriaLogs")
	}
	srv := vltest.Start(t)
	const n = 2000
	for _, c := range vlCases {
		t.Run(c.kind.String(), func(t *testing.T) {
			o := Options{Service: "checkout", Environment: "prod-eu1", Version: "v2.14.3", Host: "ip-10-0-3-7"}
			if c.kind == Loki {
				o.Labels = []string{"environment"}
			}
			f := mustNew(t, c.kind, o)
			run := "run-" + strings.ToLower(c.kind.String())
			recs, ws := vlRecords(t, c, f, run, n)
			// Frame in requests as the core would: within 64 KiB or the
			// format's own limits.
			for rest := recs; len(rest) > 0; {
				k := f.Take(rest, 64<<10, 0)
				v, status, body := post(t, f, srv.URL()+c.path, f.AppendBody(nil, rest[:k]), k)
				if v.Action != Delivered || v.Refused != 0 || len(v.Resend) != 0 {
					t.Fatalf("status %d %q: %+v", status, body, v)
				}
				rest = rest[k:]
			}
			if got := vltest.WaitCount(t, srv.URL(), "run:="+run, n, 30*time.Second); got != n {
				t.Fatalf("%d rows stored, want %d", got, n)
			}
			rows := vltest.Query(t, srv.URL(), "run:="+run)
			seen := make([]bool, n)
			for _, row := range rows {
				i, err := strconv.Atoi(row["i"])
				if err != nil || i < 0 || i >= n || seen[i] {
					t.Fatalf("bad or repeated row %v", row)
				}
				seen[i] = true
				w := ws[i]
				if row["_msg"] != w.msg {
					t.Fatalf("row %d: _msg %q, want %q", i, row["_msg"], w.msg)
				}
				if row[c.levelKey] != c.level(w.level) {
					t.Fatalf("row %d: %s %q, want %q", i, c.levelKey, row[c.levelKey], c.level(w.level))
				}
				gotT, err := time.Parse(time.RFC3339Nano, row["_time"])
				if wantT := w.t.Truncate(c.timeUnit); err != nil || !gotT.Equal(wantT) {
					t.Fatalf("row %d: _time %q, want %s", i, row["_time"], wantT.Format(time.RFC3339Nano))
				}
				if row["request_id"] != reqID {
					t.Fatalf("row %d: request_id %q", i, row["request_id"])
				}
				if row["trace_id"] != traceHex || row["span_id"] != spanHex {
					t.Fatalf("row %d: trace_id %q span_id %q", i, row["trace_id"], row["span_id"])
				}
				for k, v := range c.fields {
					switch {
					case v == "" && k == "http.status":
						v = strconv.Itoa(200 + i%300)
					case v == "" && k == "http": // OTLP: a kvlist value is stored as its JSON
						v = fmt.Sprintf(`{"status":%d,"method":"POST"}`, 200+i%300)
					}
					if row[k] != v {
						t.Fatalf("row %d: %s = %q, want %q\n%v", i, k, row[k], v, row)
					}
				}
			}
		})
	}
}

// TestVictoriaLogsQuirks pins how VictoriaLogs answers bodies it cannot
// take whole, and what Judge makes of each answer.
func TestVictoriaLogsQuirks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts VictoriaLogs")
	}
	srv := vltest.Start(t)
	one := func(f *Format, run string, i int) []byte {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "quirk "+strconv.Itoa(i), 0)
		r.AddAttrs(slog.String("run", run), slog.Int("i", i))
		b, _ := f.Encoder().AppendRecord(nil, &r, nil)
		return b
	}

	// The developers' guide calls VictoriaLogs' Loki push all or nothing;
	// it is not: the entries before a bad one are stored, and the answer
	// is still 400 for the whole body, so Judge's Rejected over-counts.
	t.Run("Loki push: 400 for the whole body, entries before the bad one kept", func(t *testing.T) {
		f := mustNew(t, Loki, Options{})
		bad := []byte(`{"stream":{"service_name":"x"},"values":[["not-a-time","{}"]]}`)
		body := f.AppendBody(nil, [][]byte{one(f, "loki-bad", 0), bad, one(f, "loki-bad", 2)})
		v, status, _ := post(t, f, srv.URL()+"/insert/loki/api/v1/push?_msg_field=msg", body, 3)
		if status != 400 || v.Action != Rejected || !strings.Contains(v.Message, "not-a-time") {
			t.Fatalf("status %d, verdict %+v", status, v)
		}
		// A later good push is visible, so the refused one has settled too.
		post(t, f, srv.URL()+"/insert/loki/api/v1/push?_msg_field=msg", f.AppendBody(nil, [][]byte{one(f, "loki-good", 0)}), 1)
		vltest.WaitCount(t, srv.URL(), "run:=loki-good", 1, 30*time.Second)
		rows := vltest.Query(t, srv.URL(), "run:=loki-bad")
		if len(rows) != 1 || rows[0]["i"] != "0" {
			t.Errorf("rows of the refused push: %v, want only entry 0", rows)
		}
	})

	t.Run("ES bulk stops at the first bad line and answers 200", func(t *testing.T) {
		f := mustNew(t, ElasticBulk, Options{})
		bad := []byte("{\"create\":{}}\n{not json\n")
		body := f.AppendBody(nil, [][]byte{one(f, "es-bad", 0), one(f, "es-bad", 1), bad, one(f, "es-bad", 3)})
		v, status, rb := post(t, f, srv.URL()+"/insert/elasticsearch/_bulk?_msg_field=message&_time_field=@timestamp", body, 4)
		if status != 200 || rb != "" || v.Action != Delivered || len(v.Resend) != 0 || v.Refused != 0 {
			t.Fatalf("status %d body %q verdict %+v", status, rb, v)
		}
		if n := vltest.WaitCount(t, srv.URL(), "run:=es-bad", 2, 30*time.Second); n != 2 {
			t.Errorf("%d rows stored, want the 2 before the bad line", n)
		}
	})

	t.Run("Datadog reads only string values", func(t *testing.T) {
		f := mustNew(t, Datadog, Options{})
		v, status, _ := post(t, f, srv.URL()+"/insert/datadog/api/v2/logs", f.AppendBody(nil, [][]byte{one(f, "dd-int", 0)}), 1)
		if status != 400 || v.Action != Rejected || !strings.Contains(v.Message, "want string") {
			t.Fatalf("status %d verdict %+v", status, v)
		}
	})

	t.Run("OTLP answers 200 without a body", func(t *testing.T) {
		f := mustNew(t, OTLP, Options{})
		v, status, rb := post(t, f, srv.URL()+"/insert/opentelemetry/v1/logs", f.AppendBody(nil, [][]byte{one(f, "otlp-1", 0)}), 1)
		if status != 200 || v.Action != Delivered || v.Refused != 0 {
			t.Fatalf("status %d body %q verdict %+v", status, rb, v)
		}
		vltest.WaitCount(t, srv.URL(), "run:=otlp-1", 1, 30*time.Second)
	})

	t.Run("OTLP garbage is refused with a reason", func(t *testing.T) {
		f := mustNew(t, OTLP, Options{})
		v, status, _ := post(t, f, srv.URL()+"/insert/opentelemetry/v1/logs", []byte{0x0a, 0xff, 0xff, 0x01}, 1)
		if status != 400 || v.Action != Rejected || v.Message == "" {
			t.Fatalf("status %d verdict %+v", status, v)
		}
	})
}
