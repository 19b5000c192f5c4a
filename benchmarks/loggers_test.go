package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSameFacts checks that the comparison is fair: every logger writes
// each record as one JSON line with the same message, level and five
// fields, at the precision log/slog uses (phuslu's native API writes
// milliseconds and has no setting for more). A logger that wrote less, or
// nothing, would look faster than it is.
func TestSameFacts(t *testing.T) {
	type writer struct {
		name string
		ms   bool // times and durations in milliseconds
		log  func(*bytes.Buffer, *Record)
	}
	var ws []writer
	for _, h := range Handlers {
		if h.Name == NopName {
			continue
		}
		ws = append(ws, writer{"slog.Logger+" + h.Name, false, func(b *bytes.Buffer, r *Record) {
			LogAttrs(context.Background(), slog.New(h.New(b)), r)
		}})
	}
	for _, n := range Natives {
		ws = append(ws, writer{"native " + n.Name, n.Name == "phuslu", func(b *bytes.Buffer, r *Record) {
			n.New(b)(r)
		}})
	}
	for _, w := range ws {
		for i := range Records {
			r := &Records[i]
			t.Run(w.name+"/"+r.Name, func(t *testing.T) {
				var b bytes.Buffer
				before := time.Now()
				w.log(&b, r)
				after := time.Now()
				line := b.String()
				if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
					t.Fatalf("want one line, got %q", line)
				}
				var got map[string]any
				d := json.NewDecoder(strings.NewReader(line))
				d.UseNumber()
				if err := d.Decode(&got); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				if len(got) != 8 {
					t.Errorf("%d fields, want 8 (time, level, message, 5 attributes): %s", len(got), line)
				}
				msg, ok := got["msg"]
				if !ok {
					msg = got["message"]
				}
				if msg != r.Msg {
					t.Errorf("message %v, want %q", msg, r.Msg)
				}
				if lv, _ := got["level"].(string); !strings.EqualFold(lv, "info") {
					t.Errorf("level %v, want info", got["level"])
				}
				if got[r.StrKey] != r.Str {
					t.Errorf("%s = %v, want %q", r.StrKey, got[r.StrKey], r.Str)
				}
				if n, _ := got[r.IntKey].(json.Number); n.String() != strconv.Itoa(r.Int) {
					t.Errorf("%s = %v, want %d", r.IntKey, got[r.IntKey], r.Int)
				}
				if got["err"] != r.Err.Error() {
					t.Errorf("err = %v, want %q", got["err"], r.Err)
				}
				prec := time.Duration(1)
				if w.ms {
					prec = time.Millisecond
				}
				n, _ := got["elapsed"].(json.Number)
				ns, err := n.Float64()
				if w.ms {
					ns *= float64(time.Millisecond)
				}
				if err != nil || time.Duration(ns+0.5) != r.Elapsed {
					t.Errorf("elapsed = %v, want %v", got["elapsed"], r.Elapsed)
				}
				if dl := parseTime(t, got["deadline"]); !dl.Equal(r.Deadline.Truncate(prec)) {
					t.Errorf("deadline = %v, want %v", dl, r.Deadline.Truncate(prec))
				}
				if ts := parseTime(t, got["time"]); ts.Before(before.Truncate(prec)) || ts.After(after) {
					t.Errorf("time = %v, not between %v and %v", ts, before, after)
				}
			})
		}
	}
}

func parseTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("time %v: %v", v, err)
	}
	return ts
}

// TestRecordShapes pins what the report says about the records.
func TestRecordShapes(t *testing.T) {
	if n := len(Realistic.Msg); n != 60 {
		t.Errorf("realistic message has %d characters, want 60", n)
	}
	id := Realistic.Str
	if len(id) != 50 || strings.Trim(id, "0123456789abcdef-") != "" {
		t.Errorf("request id %q: want 50 characters of hex, digits and dashes", id)
	}
}
