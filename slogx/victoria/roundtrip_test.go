package victoria_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/victoria"
)

type point struct {
	X int    `json:"x"`
	Y string `json:"y"`
}

// user is a LogValuer, resolved by the handler before encoding.
type user struct{ id int }

func (u user) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("id", u.id), slog.String("role", "admin"))
}

var roundTripBase = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// kindsRecord is record i of the round-trip corpus: every slog value kind,
// nested groups, a LogValuer, a struct, a slice, an error, and characters
// that need escaping. Times are distinct to the nanosecond.
func kindsRecord(i int) slog.Record {
	at := roundTripBase.Add(time.Duration(i)*time.Millisecond + time.Duration(i%1000+1))
	level := []slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelError}[i%3]
	r := slog.NewRecord(at, level, fmt.Sprintf("record %d \"quoted\" \\ 日本", i), 0)
	r.AddAttrs(
		slog.String("s", fmt.Sprintf("str-%d\ttab", i)),
		slog.Int64("i64", -int64(i)),
		slog.Uint64("u64", math.MaxUint64-uint64(i)),
		slog.Float64("f", float64(i)+0.25),
		slog.Bool("b", i%2 == 0),
		slog.Duration("d", time.Duration(i)*time.Microsecond),
		slog.Time("at", at.Add(time.Hour)),
		slog.Any("err", fmt.Errorf("boom %d", i)),
		slog.Any("obj", point{X: i, Y: "why"}),
		slog.Any("list", []int{i, i + 1}),
		slog.Group("g", slog.Int("a", i), slog.Group("h", slog.String("b", "deep"))),
		slog.Any("user", user{id: i}),
	)
	return r
}

// TestRoundTrip sends 100,000 records through derived handlers (With
// attributes, groups, context attributes) to a tenant of a real
// VictoriaLogs, and checks with LogsQL that all are stored, in the right
// tenant and streams, with every field as slog.JSONHandler encodes it and
// VictoriaLogs flattens it.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	tenant := vltest.Tenant{AccountID: 3, ProjectID: 4}
	h, _ := newHandler(t, victoria.Options{
		URL:          srv.URL(),
		AccountID:    3,
		ProjectID:    4,
		StreamFields: []string{"service", "shard"},
		// Bigger batches than the default: fewer round trips under -race.
		BatchSize:     5000,
		MaxBatchBytes: 8 << 20,
	})
	// Four streams; odd records go through a WithGroup handler.
	var handlers [4][2]slog.Handler
	for shard := range handlers {
		hs := h.WithAttrs([]slog.Attr{slog.String("service", "checkout"), slog.Int("shard", shard)})
		handlers[shard] = [2]slog.Handler{hs, hs.WithGroup("req")}
	}

	const n = 100_000
	for i := range n {
		// The id travels in the context, so it lands at the top level
		// whatever groups the handler has open.
		ctx := slogx.NewContext(context.Background(), slog.Int("id", i))
		if err := handlers[i%4][i%2].Handle(ctx, kindsRecord(i)); err != nil {
			t.Fatalf("Handle(%d): %v", i, err)
		}
	}
	flush(t, h)
	if got := vltest.WaitCount(t, srv.URL(), "*", n, waitTimeout, tenant); got != n {
		t.Fatalf("stored %d rows in tenant %s, want %d", got, tenant, n)
	}
	if got := queryNumber(t, srv.URL(), "* | stats count_uniq(id) n", tenant); got != n {
		t.Errorf("distinct ids = %d, want %d", got, n)
	}
	if got := vltest.Count(t, srv.URL(), "*"); got != 0 {
		t.Errorf("default tenant holds %d rows; the tenant headers were not applied", got)
	}
	for shard := range 4 {
		q := fmt.Sprintf(`{service="checkout",shard="%d"}`, shard)
		if got := vltest.Count(t, srv.URL(), q, tenant); got != n/4 {
			t.Errorf("stream %s holds %d rows, want %d", q, got, n/4)
		}
	}

	// Spot checks: every field of a few records, against what
	// slog.JSONHandler writes for the same record, flattened.
	for _, i := range []int{0, 1, 2, 3, 4999, 50_001, n - 1} {
		rows := vltest.Query(t, srv.URL(), idQuery(i), tenant)
		if len(rows) != 1 {
			t.Errorf("id %d: %d rows, want 1", i, len(rows))
			continue
		}
		row := rows[0]
		r := kindsRecord(i)
		want := expectedFields(t, r, i)
		for k, v := range want {
			if row[k] != v {
				t.Errorf("id %d: field %q = %q, want %q", i, k, row[k], v)
			}
		}
		if got, err := time.Parse(time.RFC3339Nano, row["_time"]); err != nil || !got.Equal(r.Time) {
			t.Errorf("id %d: _time = %q, want %s (to the nanosecond)", i, row["_time"], r.Time.Format(time.RFC3339Nano))
		}
		if want := fmt.Sprintf(`{service="checkout",shard="%d"}`, i%4); row["_stream"] != want {
			t.Errorf("id %d: _stream = %q, want %q", i, row["_stream"], want)
		}
		for k := range row {
			if _, ok := want[k]; !ok && k != "_time" && k != "_stream" && k != "_stream_id" {
				t.Errorf("id %d: unexpected field %q = %q", i, k, row[k])
			}
		}
	}
	// The flattening, spelled out once.
	rows := vltest.Query(t, srv.URL(), idQuery(3), tenant)
	if len(rows) == 1 {
		for k, v := range map[string]string{"req.g.a": "3", "req.g.h.b": "deep", "req.obj.x": "3", "req.user.role": "admin", "req.list": "[3,4]"} {
			if rows[0][k] != v {
				t.Errorf("id 3: %s = %q, want %q", k, rows[0][k], v)
			}
		}
	}

	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkAllDelivered(t, h.Stats(), n)
}

// expectedFields returns the row VictoriaLogs should store for record i:
// slog.JSONHandler's JSON for the same handler chain, with nested objects
// flattened to dotted names and msg renamed _msg.
func expectedFields(t testing.TB, r slog.Record, i int) map[string]string {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewJSONHandler(&buf, nil)
	h = h.WithAttrs([]slog.Attr{slog.Int("id", i), slog.String("service", "checkout"), slog.Int("shard", i%4)})
	if i%2 == 1 {
		h = h.WithGroup("req")
	}
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	delete(m, "time") // compared as a time, not as text
	out := map[string]string{}
	flatten(t, out, "", m)
	out["_msg"] = out["msg"]
	delete(out, "msg")
	return out
}

func flatten(t testing.TB, out map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, v := range x {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(t, out, k, v)
		}
	case []any:
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		out[prefix] = string(b)
	case string:
		if x != "" {
			out[prefix] = x
		}
	case json.Number:
		out[prefix] = x.String()
	case bool:
		out[prefix] = strconv.FormatBool(x)
	default:
		t.Fatalf("unexpected JSON value %T at %q", v, prefix)
	}
}

// TestLocalOnlyNeverSent logs host-local records in each of the three ways
// between ordinary ones and checks that only the ordinary ones are stored.
func TestLocalOnlyNeverSent(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), FlushInterval: 20 * time.Millisecond})
	logger := slog.New(h)
	localCtx := slogx.NewContext(context.Background(), slogx.LocalOnly())
	localLogger := logger.With(slogx.LocalOnly()).WithGroup("g")

	logger.Info("sent 1")
	logger.Info("local: record attr", slogx.LocalOnly(), "k", "v")
	logger.InfoContext(localCtx, "local: context")
	localLogger.Info("local: handler", "k", "v")
	localLogger.With("more", 1).Info("local: derived from a local handler")
	logger.Info("local: marker inside a group", slog.Group("g", slogx.LocalOnly(), slog.Int("a", 1)))
	logger.Info("sent 2")

	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := vltest.WaitCount(t, srv.URL(), "*", 2, waitTimeout); got != 2 {
		t.Fatalf("stored %d rows, want 2", got)
	}
	if got := vltest.Count(t, srv.URL(), "_msg:local"); got != 0 {
		t.Errorf("%d host-local records were stored", got)
	}
	st := h.Stats()
	if st.Local != 5 {
		t.Errorf("Stats.Local = %d, want 5", st.Local)
	}
	checkAllDelivered(t, st, 2)
}

// TestDerivedHandlersShareOneSender checks that Flush, Stats and Close on
// any derived handler act on the whole family.
func TestDerivedHandlersShareOneSender(t *testing.T) {
	t.Parallel()
	srv := vltest.Start(t)
	h, _ := newHandler(t, victoria.Options{URL: srv.URL(), FlushInterval: time.Hour})
	d1 := h.WithAttrs([]slog.Attr{slog.String("a", "1")}).(*victoria.Handler)
	d2 := d1.WithGroup("g").(*victoria.Handler)
	slog.New(h).Info("root")
	slog.New(d1).Info("d1")
	slog.New(d2).Info("d2", "k", "v")
	// An hour-long interval: only Flush can have sent them.
	flush(t, d2)
	if got := vltest.WaitCount(t, srv.URL(), "*", 3, waitTimeout); got != 3 {
		t.Fatalf("stored %d rows after Flush on a derived handler, want 3", got)
	}
	if st := d1.Stats(); st.Delivered != 3 || st.Batches != 1 {
		t.Errorf("Stats on a derived handler: delivered %d in %d batches, want 3 in 1", st.Delivered, st.Batches)
	}
	if err := d2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0)); !errors.Is(err, victoria.ErrClosed) {
		t.Errorf("Handle on the root after Close on a derived handler = %v, want ErrClosed", err)
	}
}
