package wire

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/ctxattrs"
)

func TestLokiLabels(t *testing.T) {
	f := mustNew(t, Loki, Options{Service: "checkout", Environment: "prod", Labels: []string{"environment", "tenant", "region", "code"}})
	ctx := ctxattrs.With(context.Background(), slog.String("tenant", "from-ctx"), slog.String("region", "eu-west-1"))
	rec := newRecorder(f)
	l := slog.New(rec)
	l.InfoContext(ctx, "ctx only")
	l.With("tenant", "from-with").InfoContext(ctx, "with beats ctx")
	l.With("tenant", "from-with").InfoContext(ctx, "record beats with", "tenant", "from-record", "code", 503)
	l.WithGroup("g").InfoContext(ctx, "grouped attrs are no labels", "tenant", "in-group")
	l.InfoContext(ctx, "empty values are left out", "region", "", "environment", "")
	l.Info(`quotes "and" \ newlines`, "tenant", "a\"b\nc\\d")
	es := decode(t, f, rec.body())
	want := []map[string]string{
		{"service_name": "checkout", "environment": "prod", "tenant": "from-ctx", "region": "eu-west-1"},
		{"service_name": "checkout", "environment": "prod", "tenant": "from-with", "region": "eu-west-1"},
		{"service_name": "checkout", "environment": "prod", "tenant": "from-record", "region": "eu-west-1", "code": "503"},
		{"service_name": "checkout", "environment": "prod", "tenant": "from-ctx", "region": "eu-west-1"},
		{"service_name": "checkout", "tenant": "from-ctx"},
		{"service_name": "checkout", "environment": "prod", "tenant": "a\"b\nc\\d"},
	}
	if len(es) != len(want) {
		t.Fatalf("%d entries", len(es))
	}
	for i, e := range es {
		if got := e.Extra["labels"].(map[string]string); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("entry %d (%s): labels %v, want %v", i, e.Fields["msg"], got, want[i])
		}
	}
	// Entries 1 and 4 have the same labels but are not adjacent: the
	// framing keeps the order and so does not merge them.
	if n := es[0].Extra["streams"]; n != 6 {
		t.Errorf("%v streams, want 6", n)
	}
}

func TestLokiServiceNameAlwaysSet(t *testing.T) {
	f := mustNew(t, Loki, Options{})
	rec := newRecorder(f)
	slog.New(rec).Info("m")
	if got := decode(t, f, rec.body())[0].Extra["labels"]; !reflect.DeepEqual(got, map[string]string{"service_name": "unknown_service"}) {
		t.Errorf("labels %v: Loki refuses a stream without labels", got)
	}
}

// TestLokiMergesAdjacentStreams checks the framing: runs of entries with
// the same labels become one stream, in order, and the body is what Loki's
// own push format says (checked by decoding into its exact shape).
func TestLokiMergesAdjacentStreams(t *testing.T) {
	f := mustNew(t, Loki, Options{Labels: []string{"level_name"}})
	rec := newRecorder(f)
	l := slog.New(rec)
	names := []string{"a", "a", "a", "b", "a", "a", "c"}
	for i, n := range names {
		l.Info("m", "level_name", n, "i", i)
	}
	body := rec.body()
	var push struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][2]string       `json:"values"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(body, &push); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range push.Streams {
		got = append(got, s.Stream["level_name"]+":"+itoaTest(len(s.Values)))
	}
	if want := []string{"a:3", "b:1", "a:2", "c:1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("streams %v, want %v", got, want)
	}
	es := decode(t, f, body)
	for i, e := range es {
		if e.Fields["i"] != float64(i) {
			t.Errorf("entry %d is %v: order lost", i, e.Fields["i"])
		}
	}
}

func itoaTest(n int) string { return strconv.Itoa(n) }

func TestLokiTimestamp(t *testing.T) {
	f := mustNew(t, Loki, Options{})
	when := time.Date(2026, 12, 1, 18, 27, 31, 1, time.FixedZone("x", 3600))
	r := slog.NewRecord(when, slog.LevelInfo, "m", 0)
	b, _ := f.Encoder().AppendRecord(nil, &r, nil)
	if e := decode(t, f, f.AppendBody(nil, [][]byte{b}))[0]; e.Extra["ns"] != when.UnixNano() {
		t.Errorf("ns %v, want %d", e.Extra["ns"], when.UnixNano())
	}
	// A record without a time (slog leaves it out of the line) still needs
	// one in the push: the time of encoding.
	before := time.Now().UnixNano()
	r = slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	b, _ = f.Encoder().AppendRecord(nil, &r, nil)
	e := decode(t, f, f.AppendBody(nil, [][]byte{b}))[0]
	if ns := e.Extra["ns"].(int64); ns < before || ns > time.Now().UnixNano() {
		t.Errorf("zero time became %d", ns)
	}
	if _, ok := e.Fields["time"]; ok {
		t.Errorf("zero time in the line: %v", e.Fields)
	}
}

func TestLokiLabelValueKinds(t *testing.T) {
	f := mustNew(t, Loki, Options{Labels: []string{"a", "b", "c", "d", "e", "f", "g"}})
	rec := newRecorder(f)
	slog.New(rec).Info("m", "a", 1.5, "b", true, "c", uint64(7), "d", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		"e", slog.GroupValue(slog.Int("x", 1)), "f", 2*time.Second, "g", nil)
	got := decode(t, f, rec.body())[0].Extra["labels"]
	want := map[string]string{"service_name": "unknown_service", "a": "1.5", "b": "true", "c": "7", "d": "2026-01-02T03:04:05Z", "f": "2s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
}

func TestLokiLongLabelValueIsCut(t *testing.T) {
	f := mustNew(t, Loki, Options{Labels: []string{"tenant"}})
	rec := newRecorder(f)
	long := strings.Repeat("é", 1500) // 3000 bytes; the cut must not split a rune
	slog.New(rec).Info("m", "tenant", long)
	e := decode(t, f, rec.body())[0]
	got := e.Extra["labels"].(map[string]string)["tenant"]
	if len(got) != 2048 || !strings.HasPrefix(long, got) {
		t.Errorf("label value of %d bytes, want the first 2048 of %d", len(got), len(long))
	}
	if e.Fields["tenant"] != long {
		t.Error("the line lost the full value")
	}
}

func TestLokiLongServiceIsCut(t *testing.T) {
	f := mustNew(t, Loki, Options{Service: strings.Repeat("s", 5000)})
	rec := newRecorder(f)
	slog.New(rec).Info("m")
	if got := decode(t, f, rec.body())[0].Extra["labels"].(map[string]string)["service_name"]; len(got) != 2048 {
		t.Errorf("service_name of %d bytes", len(got))
	}
}
