package wire

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// corpus encodes n records of varied real shapes and sizes with f.
func corpus(t testing.TB, f *Format, n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	enc := f.Encoder().WithAttrs([]slog.Attr{slog.String("pod", "api-7d9f8b6c5-x2v4q")})
	out := make([][]byte, n)
	for i := range out {
		msg := message60
		switch rng.IntN(5) {
		case 0:
			msg = strings.Repeat("é\"\n", rng.IntN(1200))
		case 1:
			msg = httpDump
		}
		r := slog.NewRecord(time.Date(2026, 12, 1, 18, 0, i, rng.IntN(1e9), time.UTC), slog.Level(rng.IntN(16)-4), msg, 0)
		r.AddAttrs(slog.String("request_id", reqID), slog.Int("i", i), slog.String("level_name", []string{"a", "b"}[rng.IntN(2)]))
		if rng.IntN(3) == 0 {
			r.AddAttrs(slog.Group("http", slog.String("body", jsonBody), slog.Int("status", 200+rng.IntN(400))))
		}
		out[i], _ = enc.AppendRecord(nil, &r, nil)
	}
	return out
}

func sum(rs [][]byte) int {
	s := 0
	for _, r := range rs {
		s += len(r)
	}
	return s
}

// TestOverheadBound checks len(body) <= sum + Overhead(n) for batches of
// every size up to 300, including the empty one, for every format, and
// that each body decodes to exactly its records.
func TestOverheadBound(t *testing.T) {
	for _, k := range allKinds {
		o := Options{Service: "checkout", Environment: "prod", Labels: labelsFor(k, "level_name")}
		f := mustNew(t, k, o)
		rs := corpus(t, f, 300, uint64(k))
		for n := 0; n <= len(rs); n += 1 + n/3 {
			body := f.AppendBody(nil, rs[:n])
			if bound := sum(rs[:n]) + f.Overhead(n); len(body) > bound {
				t.Fatalf("%v: %d records: body %d bytes > bound %d", k, n, len(body), bound)
			}
			if n == 0 {
				checkEmptyBody(t, f, body)
				continue
			}
			es := decode(t, f, body)
			if len(es) != n {
				t.Fatalf("%v: %d records framed, %d decoded", k, n, len(es))
			}
			for i, e := range es {
				if e.Fields["i"] != float64(i) && e.Fields["i"] != int64(i) {
					t.Fatalf("%v: record %d decoded as %v", k, i, e.Fields["i"])
				}
			}
		}
	}
}

func checkEmptyBody(t *testing.T, f *Format, body []byte) {
	t.Helper()
	switch f.Kind() {
	case NDJSON, ElasticBulk:
		if len(body) != 0 {
			t.Errorf("%v: empty batch gives %q", f.Kind(), body)
		}
	case JSONArray, Datadog, Loki:
		if !json.Valid(body) {
			t.Errorf("%v: empty batch gives invalid JSON %q", f.Kind(), body)
		}
	case OTLP:
		if es := decode(t, f, body); len(es) != 0 {
			t.Errorf("OTLP: empty batch decodes to %d records", len(es))
		}
	}
}

func TestTake(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{})
		rs := corpus(t, f, 2000, 3)
		lim := f.Limits()
		for _, c := range []struct{ maxBytes, maxRecords int }{
			{0, 0}, {1 << 20, 0}, {0, 10}, {50_000, 500}, {1, 0}, {0, 1}, {-5, -5},
		} {
			rest := rs
			total := 0
			for len(rest) > 0 {
				n := f.Take(rest, c.maxBytes, c.maxRecords)
				if n < 1 || n > len(rest) {
					t.Fatalf("%v %+v: Take = %d of %d", k, c, n, len(rest))
				}
				body := f.AppendBody(nil, rest[:n])
				mb, mr := minLimit(c.maxBytes, lim.MaxBodyBytes), minLimit(c.maxRecords, lim.MaxRecords)
				if n > 1 && mb > 0 && len(body) > mb {
					t.Fatalf("%v %+v: %d records make %d bytes > %d", k, c, n, len(body), mb)
				}
				if mr > 0 && n > mr {
					t.Fatalf("%v %+v: %d records > %d", k, c, n, mr)
				}
				// Maximal: one more record would not have fit.
				if n < len(rest) && (mr <= 0 || n < mr) && mb > 0 {
					if more := sum(rest[:n+1]) + f.Overhead(n+1); more <= mb {
						t.Fatalf("%v %+v: took %d, but %d fit in %d bytes", k, c, n, n+1, more)
					}
				}
				total += n
				rest = rest[n:]
			}
			if total != len(rs) {
				t.Fatalf("%v: took %d of %d", k, total, len(rs))
			}
		}
	}
	// Datadog's entry limit applies even with no limit of the caller.
	f := mustNew(t, Datadog, Options{})
	if n := f.Take(corpus(t, f, 1500, 1), 0, 0); n != 1000 {
		t.Errorf("Datadog took %d records, want its limit 1000", n)
	}
}

// TestHugeRecord: one record larger than every limit still leaves the
// queue alone (Take is 1) and frames to a valid body.
func TestHugeRecord(t *testing.T) {
	for _, k := range allKinds {
		f := mustNew(t, k, Options{})
		r := slog.NewRecord(time.Now(), slog.LevelInfo, strings.Repeat("0123456789abcdef\"\n", 60_000), 0)
		b, _ := f.Encoder().AppendRecord(nil, &r, nil)
		if n := f.Take([][]byte{b, b}, 1000, 0); n != 1 {
			t.Errorf("%v: Take of two huge records = %d, want 1", k, n)
		}
		if lim := f.Limits().MaxRecordBytes; lim > 0 && len(b) <= lim {
			t.Errorf("%v: a %d-byte record is within MaxRecordBytes %d", k, len(b), lim)
		}
		es := decode(t, f, f.AppendBody(nil, [][]byte{b}))
		if len(es) != 1 || es[0].Fields["msg"] != r.Message {
			t.Errorf("%v: huge record did not survive framing", k)
		}
	}
}

func TestContentType(t *testing.T) {
	want := map[Kind]string{NDJSON: "application/x-ndjson", JSONArray: "application/json", Datadog: "application/json",
		Loki: "application/json", ElasticBulk: "application/x-ndjson", OTLP: "application/x-protobuf"}
	for _, k := range allKinds {
		if got := mustNew(t, k, Options{}).ContentType(); got != want[k] {
			t.Errorf("%v: %q, want %q", k, got, want[k])
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		o    Options
		want string // substring of the error; empty: valid
	}{
		{Loki, Options{Labels: []string{"env", "tenant_id", "_x"}}, ""},
		{Loki, Options{Labels: []string{"http.method"}}, "not a valid Loki label name"},
		{Loki, Options{Labels: []string{"9lives"}}, "not a valid Loki label name"},
		{Loki, Options{Labels: []string{"__name__"}}, "not a valid Loki label name"},
		{Loki, Options{Labels: []string{""}}, "not a valid Loki label name"},
		{Loki, Options{Labels: []string{strings.Repeat("a", 1025)}}, "at most 1024"},
		{Loki, Options{Labels: []string{"a", "a"}}, "named twice"},
		{Loki, Options{Labels: []string{"service_name"}}, "always sent"},
		{Loki, Options{Labels: strings.Split("a b c d e f g h i j k l m n o", " ")}, "at most 14"},
		{NDJSON, Options{Labels: []string{"a"}}, "Labels are for the Loki format"},
		{Datadog, Options{Environment: "prod,eu"}, "separates Datadog tags"},
		{Datadog, Options{Index: "x"}, "Index is for the ElasticBulk format"},
		{OTLP, Options{Source: "go"}, "Source is for the Datadog format"},
		{ElasticBulk, Options{Index: "Logs"}, "lower case"},
		{ElasticBulk, Options{Index: "_logs"}, "starts with"},
		{ElasticBulk, Options{Index: "logs/x"}, "forbids"},
		{ElasticBulk, Options{Index: ".."}, "not a valid"},
		{ElasticBulk, Options{Index: strings.Repeat("a", 256)}, "255"},
		{ElasticBulk, Options{Index: "logs-app-default"}, ""},
		{Kind(42), Options{}, "unknown format"},
	} {
		_, err := New(c.k, c.o)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v %+v: %v", c.k, c.o, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v %+v: error %v, want one saying %q", c.k, c.o, err, c.want)
		}
	}
	// Every problem is reported at once.
	_, err := New(Loki, Options{Labels: []string{"a-b", "c.d"}, Index: "x"})
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("want three problems, got %v", err)
	}
}

func TestKindStrings(t *testing.T) {
	if Kind(9).String() != "Kind(9)" || OTLP.String() != "OTLP" || Action(7).String() != "Action(7)" || Split.String() != "Split" {
		t.Error("String methods")
	}
}
