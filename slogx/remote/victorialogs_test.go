package remote_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx/remote"
)

// vlCase is one format sent to the VictoriaLogs endpoint that speaks it.
type vlCase struct {
	format remote.Format
	path   string // with the query that names the message and time fields
	// level is the field the level lands in; timeUnit is the precision the
	// format carries the time with.
	level    string
	timeUnit time.Duration
	// service is the field the Service option lands in.
	service string
	// stringsOnly: VictoriaLogs' Datadog intake takes string values only
	// (real Datadog takes any JSON), so the program renders its attributes
	// as strings with ReplaceAttr.
	stringsOnly bool
}

var vlCases = []vlCase{
	{remote.NDJSON, "/insert/jsonline?_msg_field=msg&_time_field=time", "level", time.Nanosecond, "service", false},
	{remote.Datadog, "/insert/datadog/api/v2/logs", "status", time.Millisecond, "service", true},
	{remote.Loki, "/insert/loki/api/v1/push?_msg_field=msg", "level", time.Nanosecond, "service", false},
	{remote.ElasticBulk, "/insert/elasticsearch/_bulk?_msg_field=message&_time_field=@timestamp", "log.level", time.Nanosecond, "service.name", false},
	{remote.OTLP, "/insert/opentelemetry/v1/logs", "severity", time.Nanosecond, "service.name", false},
}

// vlLevels are the levels the records cycle through, as each format names
// them.
var vlLevels = []slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelError}

func levelName(f remote.Format, l slog.Level) string {
	if f == remote.Datadog {
		return map[slog.Level]string{slog.LevelInfo: "info", slog.LevelWarn: "warn", slog.LevelError: "error"}[l]
	}
	return l.String()
}

// vlRecord is record(i) with a level of the cycle and the format's name.
func vlRecord(f remote.Format, i int) slog.Record {
	r := record(i)
	r.Level = vlLevels[i%len(vlLevels)]
	r.AddAttrs(slog.String("wire_format", f.String()))
	return r
}

// TestVictoriaLogsFormats sends 10,000 records in each format through the
// handler to the real VictoriaLogs endpoint for it, and checks with LogsQL
// that every one is stored with its message, level, time and fields.
func TestVictoriaLogsFormats(t *testing.T) {
	const n = 10_000
	srv := vltest.Start(t)
	for _, c := range vlCases {
		t.Run(c.format.String(), func(t *testing.T) {
			opts := remote.Options{
				Endpoint: srv.URL() + c.path, Format: c.format, APIKey: bearerKey,
				Service: "checkout", Environment: "prod", Version: "1.4.2", Host: "web-7",
				BatchSize: 500,
			}
			if c.stringsOnly {
				opts.ReplaceAttr = stringValues
			}
			if c.format == remote.Loki {
				// A field of the options and an attribute of the logger
				// become stream labels, beside service_name.
				opts.Labels = []string{"environment", "tenant"}
			}
			h, _ := newHandler(t, opts)
			logger := slog.New(h).With("tenant", "acme")
			for i := range n {
				r := vlRecord(c.format, i)
				if err := logger.Handler().Handle(context.Background(), r); err != nil {
					t.Fatalf("Handle: %v", err)
				}
			}
			if err := h.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			st := h.Stats()
			if st.Accepted != n || st.Delivered != n {
				t.Fatalf("stats %+v: want all %d delivered", st, n)
			}
			checkAccounting(t, st)

			sel := "wire_format:=" + c.format.String()
			if got := vltest.WaitCount(t, srv.URL(), sel, n, waitTimeout); got != n {
				t.Fatalf("%d rows stored, want %d", got, n)
			}
			if got := queryNumber(t, srv.URL(), sel+" | stats count_uniq(id) n"); got != n {
				t.Errorf("%d distinct ids stored, want %d", got, n)
			}
			// Every row has the message, the fields, and the program's fields
			// in the format's place.
			all := fmt.Sprintf(`%s _msg:="payment authorised for order after 3-D Secure challenge ok" request_id:=req_8c1f0e7a9b2d4c6e db:="postgres://app@db-7.internal:5432/orders?sslmode=require" tenant:=acme %s:=checkout | stats count() n`,
				sel, strconv.Quote(c.service))
			if got := queryNumber(t, srv.URL(), all); got != n {
				t.Errorf("%d rows with every field right, want %d (%s)", got, n, all)
			}
			for li, l := range vlLevels {
				want := n / len(vlLevels)
				if li < n%len(vlLevels) {
					want++
				}
				q := fmt.Sprintf("%s %s:=%s | stats count() n", sel, strconv.Quote(c.level), levelName(c.format, l))
				if got := queryNumber(t, srv.URL(), q); got != want {
					t.Errorf("%d rows at level %v, want %d (%s)", got, l, want, q)
				}
			}
			if c.format == remote.Loki {
				q := sel + ` _stream:{environment="prod",service_name="checkout",tenant="acme"} | stats count() n`
				if got := queryNumber(t, srv.URL(), q); got != n {
					t.Errorf("%d rows in the labelled stream, want %d (%s)", got, n, q)
				}
			}
			// Times, exactly, to the format's precision: a sample of ids spread
			// over the run.
			for _, id := range []int{0, 1, 977, 4096, 9999} {
				rows := vltest.Query(t, srv.URL(), fmt.Sprintf("%s id:=%d", sel, id))
				if len(rows) != 1 {
					t.Fatalf("id %d: %d rows", id, len(rows))
				}
				r := vlRecord(c.format, id)
				want := r.Time.Truncate(c.timeUnit).Format(time.RFC3339Nano)
				if got := rows[0]["_time"]; got != want {
					t.Errorf("id %d: _time %s, want %s", id, got, want)
				}
			}
		})
	}
}

// stringValues renders every value as a JSON string, as VictoriaLogs'
// Datadog intake wants: numbers, durations and booleans as text; times and
// levels keep their kinds, which the format itself writes as strings (and
// the record's time as Unix milliseconds, which the intake reads).
func stringValues(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString, slog.KindTime, slog.KindGroup:
	case slog.KindAny:
		if _, ok := v.Any().(slog.Level); !ok {
			a.Value = slog.StringValue(v.String())
		}
	default:
		a.Value = slog.StringValue(v.String())
	}
	return a
}

// queryNumber runs a LogsQL query that returns one number in field "n".
func queryNumber(t testing.TB, url, logsql string) int {
	t.Helper()
	rows := vltest.Query(t, url, logsql)
	if len(rows) != 1 {
		t.Fatalf("query %q: %d rows, want 1: %v", logsql, len(rows), rows)
	}
	n, err := strconv.Atoi(rows[0]["n"])
	if err != nil {
		t.Fatalf("query %q: %v in %v", logsql, err, rows[0])
	}
	return n
}
