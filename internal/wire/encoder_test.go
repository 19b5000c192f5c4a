package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.slogx.dev/internal/ctxattrs"
)

// realistic attribute values: what production services log.
var (
	reqID      = "7f3c9a1e-4b2d-4e8f-9c61-0a5b3d2e1f47"
	traceHex   = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanHex    = "00f067aa0ba902b7"
	dsn        = "postgres://app:s3cr3t@db-01.internal:5432/orders?sslmode=verify-full"
	httpDump   = "GET /v1/orders/8812?expand=items HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
	jsonBody   = `{"order_id":"ord_8812","items":[{"sku":"SKU-19A7","qty":2}],"note":"leave at \"door\" <b>"}`
	message60  = "payment authorised for order ord_8812 after 3 retries (psp=adyen)"
	badUTF8    = "caf\xc3\xa9 \xff\xfe broken \xe2\x82 end"
	lineBreaks = "first line\nsecond \"quoted\" line\r\n\tthird\u2028fourth\u2029"
)

func adversarialRecord(t time.Time) slog.Record {
	r := slog.NewRecord(t, slog.LevelWarn+1, message60+" "+lineBreaks+" "+badUTF8, 0)
	r.AddAttrs(
		slog.String("request_id", reqID),
		slog.String("dsn", dsn),
		slog.String("http.request", httpDump),
		slog.String("body", jsonBody),
		slog.Int("status", 502),
		slog.Int64("bytes", -9_223_372_036_854_775_808),
		slog.Uint64("seq", 18_446_744_073_709_551_615),
		slog.Float64("ratio", 0.1+0.2),
		slog.Bool("cached", false),
		slog.Duration("latency", 1500*time.Millisecond+17),
		slog.Time("deadline", time.Date(2026, 12, 1, 18, 30, 0, 123456789, time.UTC)),
		slog.Any("err", errors.New("dial tcp 10.0.3.7:5432: connect: connection refused")),
		slog.String(badUTF8, badUTF8),
		slog.Group("user", slog.String("id", "usr_2Hx9Qp"), slog.Group("empty"), slog.Group("org", slog.Int("seats", 40))),
		slog.Group("", slog.String("inlined", "yes")),
		slog.Any("", nil),
	)
	return r
}

// TestFormatsAgreeWithNDJSON encodes one adversarial record, with
// WithAttrs, WithGroup and context attributes, in every format, decodes
// each body independently and checks that every format carries the same
// message, level, time and attributes as NDJSON, which is byte-identical to
// slog.JSONHandler (checked first).
func TestFormatsAgreeWithNDJSON(t *testing.T) {
	when := time.Date(2026, 12, 1, 18, 27, 31, 123456789, time.UTC)
	ctx := ctxattrs.With(context.Background(), slog.String("tenant", "acme-prod-eu1"))
	log := func(h slog.Handler) {
		h = h.WithAttrs([]slog.Attr{slog.String("pod", "api-7d9f8b6c5-x2v4q")}).WithGroup("req").
			WithAttrs([]slog.Attr{slog.String("method", "POST")})
		r := adversarialRecord(when)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// NDJSON against the oracle (without the context attribute, which
	// slog.JSONHandler does not know about).
	nd := mustNew(t, NDJSON, Options{})
	rec := newRecorder(nd)
	log(rec)
	var want bytes.Buffer
	oracle := slog.NewJSONHandler(&want, nil)
	log2 := oracle.WithAttrs([]slog.Attr{slog.String("pod", "api-7d9f8b6c5-x2v4q")}).WithGroup("req").
		WithAttrs([]slog.Attr{slog.String("method", "POST")})
	_ = log2.Handle(context.Background(), adversarialRecord(when))
	got := strings.Replace(string(rec.body()), `"tenant":"acme-prod-eu1",`, "", 1)
	if got != want.String() {
		t.Fatalf("NDJSON differs from slog.JSONHandler:\n got %s\nwant %s", got, want.String())
	}
	ref := normalize(decode(t, nd, rec.body())[0].Fields)

	for _, k := range allKinds[1:] {
		t.Run(k.String(), func(t *testing.T) {
			f := mustNew(t, k, Options{})
			rec := newRecorder(f)
			log(rec)
			es := decode(t, f, rec.body())
			if len(es) != 1 {
				t.Fatalf("%d records", len(es))
			}
			m := normalize(es[0].Fields)
			delete(m, "ddsource")
			wantM := normalize(ref)
			switch k {
			case Datadog:
				if m["level"] != "warn" {
					t.Errorf("status %v, want warn", m["level"])
				}
				m["level"] = wantM["level"]
				// Datadog's timestamp is in milliseconds.
				wantM["time"] = when.Truncate(time.Millisecond).Format(time.RFC3339Nano)
			case OTLP:
				if es[0].Extra["severity"] != int64(14) {
					t.Errorf("severity number %v, want 14 (WARN2)", es[0].Extra["severity"])
				}
				if es[0].Extra["ns"] != when.UnixNano() {
					t.Errorf("time %v, want %d ns", es[0].Extra["ns"], when.UnixNano())
				}
				// The JSON formats write an error as its message; so does OTLP.
				// A uint64 beyond int64 is a decimal string in OTLP.
				wantM["req"].(map[string]any)["seq"] = "18446744073709551615"
				m["req"].(map[string]any)["seq"] = "18446744073709551615"
			case Loki:
				if es[0].Extra["ns"] != when.UnixNano() {
					t.Errorf("Loki timestamp %v, want %d", es[0].Extra["ns"], when.UnixNano())
				}
			}
			if !reflect.DeepEqual(m, wantM) {
				t.Errorf("fields differ from NDJSON:\n got %s\nwant %s", dump(m), dump(wantM))
			}
		})
	}
}

// normalize makes decoded fields comparable across formats: through JSON,
// so numbers are float64 and times RFC 3339 strings.
func normalize(m map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC().Format(time.RFC3339Nano)
		}
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func TestInvalidUTF8BecomesValid(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{Service: badUTF8})
		rec := newRecorder(f)
		slog.New(rec).With(badUTF8, badUTF8).WithGroup(badUTF8).Info(badUTF8, badUTF8, badUTF8)
		body := rec.body()
		es := decode(t, f, body)
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				if !utf8.ValidString(v) {
					t.Errorf("%v: invalid UTF-8 in %q", k, v)
				}
			case map[string]any:
				for key, x := range v {
					walk(key)
					walk(x)
				}
			}
		}
		walk(es[0].Fields)
		if es[0].Fields["msg"] != strings.ToValidUTF8(badUTF8, "\ufffd") && !strings.Contains(es[0].Fields["msg"].(string), "\ufffd") {
			t.Errorf("%v: message %q", k, es[0].Fields["msg"])
		}
	}
}

func TestFixedFields(t *testing.T) {
	o := Options{Service: "checkout", Environment: "prod-eu1", Version: "v2.14.3-9f8e7d6", Host: "ip-10-0-3-7.eu-west-1.compute.internal"}
	want := map[Kind]map[string]any{
		NDJSON:      {"service": "checkout", "environment": "prod-eu1", "version": "v2.14.3-9f8e7d6", "host": o.Host},
		JSONArray:   {"service": "checkout", "environment": "prod-eu1", "version": "v2.14.3-9f8e7d6", "host": o.Host},
		Loki:        {"service": "checkout", "environment": "prod-eu1", "version": "v2.14.3-9f8e7d6", "host": o.Host},
		Datadog:     {"service": "checkout", "hostname": o.Host, "ddsource": "go", "ddtags": "env:prod-eu1,version:v2.14.3-9f8e7d6"},
		ElasticBulk: {"service.name": "checkout", "service.environment": "prod-eu1", "service.version": "v2.14.3-9f8e7d6", "host.name": o.Host},
	}
	for _, k := range allKinds {
		f := mustNew(t, k, o)
		rec := newRecorder(f)
		// The fields stay at the top, whatever groups the logger opened.
		slog.New(rec).WithGroup("g").Info("hello", "a", 1)
		e := decode(t, f, rec.body())[0]
		if k == OTLP {
			res := e.Extra["resource"].(map[string]any)
			wantRes := map[string]any{"service.name": "checkout", "deployment.environment.name": "prod-eu1",
				"service.version": "v2.14.3-9f8e7d6", "host.name": o.Host}
			if !reflect.DeepEqual(res, wantRes) {
				t.Errorf("OTLP resource %v, want %v", res, wantRes)
			}
			continue
		}
		for key, v := range want[k] {
			if e.Fields[key] != v {
				t.Errorf("%v: %s = %v, want %v (record %v)", k, key, e.Fields[key], v, e.Fields)
			}
		}
		if g, _ := e.Fields["g"].(map[string]any); g["a"] != 1.0 {
			t.Errorf("%v: group g = %v", k, e.Fields["g"])
		}
	}
}

func TestDatadogStatus(t *testing.T) {
	f := mustNew(t, Datadog, Options{Source: "nodejs"})
	for _, c := range []struct {
		l    slog.Level
		want string
	}{
		{slog.LevelDebug - 8, "debug"}, {slog.LevelDebug, "debug"}, {slog.LevelInfo - 1, "debug"},
		{slog.LevelInfo, "info"}, {slog.LevelInfo + 2, "info"}, {slog.LevelWarn, "warn"},
		{slog.LevelError - 1, "warn"}, {slog.LevelError, "error"}, {slog.LevelError + 3, "error"},
		{slog.LevelError + 4, "critical"}, {100, "critical"},
	} {
		rec := newRecorder(f)
		slog.New(rec).Log(context.Background(), c.l, "m")
		e := decode(t, f, rec.body())[0]
		if e.Fields["level"] != c.want || e.Fields["ddsource"] != "nodejs" {
			t.Errorf("level %v: %v", c.l, e.Fields)
		}
	}
}

func TestElasticAction(t *testing.T) {
	for index, want := range map[string]map[string]any{
		"":                    {"create": map[string]any{}},
		"logs-checkout-prod":  {"create": map[string]any{"_index": "logs-checkout-prod"}},
		"logs.app-2026.12.01": {"create": map[string]any{"_index": "logs.app-2026.12.01"}},
	} {
		f := mustNew(t, ElasticBulk, Options{Index: index})
		rec := newRecorder(f)
		slog.New(rec).Info("a\nb", "message", "shadow")
		e := decode(t, f, rec.body())[0]
		if !reflect.DeepEqual(e.Extra["action"], want) {
			t.Errorf("index %q: action %v", index, e.Extra["action"])
		}
	}
}

func TestAddSource(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{AddSource: true})
		rec := newRecorder(f)
		slog.New(rec).Info("here")
		e := decode(t, f, rec.body())[0]
		if k == OTLP {
			if file, _ := e.Fields["code.file.path"].(string); !strings.HasSuffix(file, "encoder_test.go") || e.Fields["code.line.number"] == nil {
				t.Errorf("OTLP source %v", e.Fields)
			}
			continue
		}
		src, _ := e.Fields["source"].(map[string]any)
		if file, _ := src["file"].(string); !strings.HasSuffix(file, "encoder_test.go") {
			t.Errorf("%v: source %v", k, e.Fields)
		}
	}
}

func TestReplaceAttr(t *testing.T) {
	var seen []string
	rep := func(groups []string, a slog.Attr) slog.Attr {
		seen = append(seen, strings.Join(append(groups, a.Key), "."))
		if a.Key == "password" {
			return slog.String("password", "[REDACTED]")
		}
		if a.Key == "drop" {
			return slog.Attr{}
		}
		return a
	}
	for _, k := range allKinds {
		seen = nil
		f := mustNew(t, k, Options{ReplaceAttr: rep})
		rec := newRecorder(f)
		slog.New(rec).With("password", "hunter2").WithGroup("db").
			Info("connect", "password", "s3cr3t", "drop", 1, slog.Group("pool", "password", "x"))
		e := decode(t, f, rec.body())[0]
		if b := rec.body(); bytes.Contains(b, []byte("hunter2")) || bytes.Contains(b, []byte("s3cr3t")) {
			t.Errorf("%v: a replaced value was sent: %q", k, b)
		}
		db, _ := e.Fields["db"].(map[string]any)
		if db == nil || db["password"] != "[REDACTED]" || db["drop"] != nil {
			t.Errorf("%v: %v", k, e.Fields)
		}
		if !strings.Contains(strings.Join(seen, " "), "db.pool.password") {
			t.Errorf("%v: ReplaceAttr saw %v, want the group path db.pool.password", k, seen)
		}
	}
}

func TestLocalOnly(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{})
		enc := f.Encoder()
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		r.AddAttrs(slog.String("a", "b"), ctxattrs.LocalOnly())
		if _, local := enc.AppendRecord(nil, &r, nil); !local {
			t.Errorf("%v: a record with the marker is not reported local", k)
		}
		r2 := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
		if _, local := enc.AppendRecord(nil, &r2, nil); local {
			t.Errorf("%v: a plain record is reported local", k)
		}
		if !enc.WithGroup("g").WithAttrs([]slog.Attr{ctxattrs.LocalOnly()}).Local() {
			t.Errorf("%v: WithAttrs(LocalOnly) not local", k)
		}
		if enc.WithAttrs([]slog.Attr{slog.Int("x", 1)}).Local() {
			t.Errorf("%v: plain WithAttrs local", k)
		}
	}
}

// TestEncoderIsImmutable derives two encoders from one and checks that
// neither sees the other's attributes: the state slog's handlers must
// keep per derivation.
func TestEncoderIsImmutable(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{Labels: labelsFor(k, "a")})
		base := f.Encoder().WithGroup("g").WithAttrs([]slog.Attr{slog.String("a", "base")})
		x := base.WithAttrs([]slog.Attr{slog.String("x", "1")})
		y := base.WithAttrs([]slog.Attr{slog.String("y", "2")}).WithGroup("h")
		r := slog.NewRecord(time.Unix(1, 0), slog.LevelInfo, "m", 0)
		r.AddAttrs(slog.String("z", "3"))
		for _, c := range []struct {
			enc        *Encoder
			has, hasnt string
		}{{x, "x", "y"}, {y, "y", "x"}, {base, "a", "x"}} {
			b, _ := c.enc.AppendRecord(nil, &r, nil)
			e := decode(t, f, f.AppendBody(nil, [][]byte{b}))[0]
			g := e.Fields["g"].(map[string]any)
			if _, ok := g[c.has]; !ok {
				t.Errorf("%v: missing %s in %v", k, c.has, e.Fields)
			}
			if _, ok := g[c.hasnt]; ok {
				t.Errorf("%v: %s leaked into %v", k, c.hasnt, e.Fields)
			}
		}
	}
}

func labelsFor(k Kind, names ...string) []string {
	if k == Loki {
		return names
	}
	return nil
}
