package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sinkRows are the records one sink stored, each flattened to dotted keys
// with string values, as VictoriaLogs returns them.
type sinkRows struct {
	name, where string
	rows        []map[string]string
}

// report collects what the demo prints, and the checks that decide its exit
// status.
type report struct {
	w        io.Writer
	failures []string
}

func (r *report) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// check records a failed expectation; the demo exits 1 if there is any.
func (r *report) check(ok bool, format string, args ...any) bool {
	if !ok {
		r.failures = append(r.failures, fmt.Sprintf(format, args...))
	}
	return ok
}

// parseLocal turns the JSON lines the local handler wrote into rows shaped
// like VictoriaLogs': msg and time become _msg and _time, groups are
// flattened with dots, values are strings.
func parseLocal(data []byte) ([]map[string]string, error) {
	var rows []map[string]string
	for line := range strings.Lines(string(data)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("demo: the local handler wrote a line that is not JSON: %w: %.200q", err, line)
		}
		row := map[string]string{}
		flatten(row, "", m)
		row["_msg"], row["_time"] = row["msg"], row["time"]
		delete(row, "msg")
		delete(row, "time")
		rows = append(rows, row)
	}
	return rows, nil
}

func flatten(dst map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			flatten(dst, prefix+k+".", v)
		case string:
			dst[prefix+k] = v
		default:
			b, _ := json.Marshal(v)
			dst[prefix+k] = string(b)
		}
	}
}

// containing counts the rows with s in any key or value.
func containing(rows []map[string]string, s string) int {
	n := 0
	for _, row := range rows {
		for k, v := range row {
			if strings.Contains(v, s) || strings.Contains(k, s) {
				n++
				break
			}
		}
	}
	return n
}

// leadUp returns the rows of one request in the order they were logged.
func leadUp(rows []map[string]string, requestID string) []map[string]string {
	var out []map[string]string
	for _, row := range rows {
		if row["request_id"] == requestID {
			out = append(out, row)
		}
	}
	slices.SortStableFunc(out, func(a, b map[string]string) int { return strings.Compare(a["_time"], b["_time"]) })
	return out
}

// The keys every row has, or that say little in a one-line summary.
var quiet = map[string]bool{
	"_msg": true, "_time": true, "_stream": true, "_stream_id": true, "level": true, "request_id": true,
	"sink": true, "service": true, "service_name": true, "time": true, "stack": true, "remote_addr": true, "user_agent": true, "duration": true,
}

// The keys the service logs durations under.
var durationKeys = map[string]bool{"elapsed": true, "timeout": true, "duration": true}

// summary prints a row on one line: time, level, message, then its other
// fields, cut to fit a terminal.
func summary(row map[string]string) string {
	t := row["_time"]
	if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
		t = ts.Format("15:04:05.000000")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s %-22s", t, row["level"], row["_msg"])
	for _, k := range slices.Sorted(maps.Keys(row)) {
		if quiet[k] {
			continue
		}
		v := row[k]
		// slog writes durations as nanoseconds; a person reads 4.18ms.
		if durationKeys[k] {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = time.Duration(n).String()
			}
		}
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	if _, ok := row["stack"]; ok {
		first, _, _ := strings.Cut(row["stack"], "\n")
		fmt.Fprintf(&b, " stack=%s…", first)
	}
	s := b.String()
	if len(s) > 150 {
		s = s[:149] + "…"
	}
	return s
}

// checkSink checks what one sink stored and prints its line of the report.
func (r *report) checkSink(s sinkRows, want int) {
	ok := r.check(len(s.rows) == want, "%s stored %d records, want %d", s.name, len(s.rows), want)
	r.printf("  %-9s %5d records  %s%s\n", s.name, len(s.rows), s.where, mark(ok))
}

// checkLeadUp prints the lead-up of a failed request from a sink's rows and checks
// that it is complete and in order.
func (r *report) checkLeadUp(s sinkRows, f result) {
	lead := leadUp(s.rows, f.requestID)
	r.printf("\nLead-up of failed request %s (%s %s → %d), as %s stored it, in order:\n", f.requestID, f.method, f.path, f.status, s.name)
	for _, row := range lead {
		r.printf("  %s\n", summary(row))
	}
	debug := 0
	for _, row := range lead {
		if row["level"] == "DEBUG" {
			debug++
		}
	}
	r.check(debug >= 3, "the failed request brought %d DEBUG records, want its lead-up (3 or more)", debug)
	if len(lead) > 0 {
		last := lead[len(lead)-1]
		r.check(last["_msg"] == "http request" && last["status"] == strconv.Itoa(f.status),
			"the failed request's last record is %q (status %s), want its access record", last["_msg"], last["status"])
	}
	for i := 1; i < len(lead); i++ {
		r.check(lead[i-1]["_time"] <= lead[i]["_time"], "the lead-up is out of order")
	}
}

// checkScopes checks that DEBUG records reached storage only for requests
// that failed: breach discarded the lead-up of every other request.
func (r *report) checkScopes(rows []map[string]string, results []result) {
	failed := map[string]bool{}
	for _, res := range results {
		if res.status >= 500 {
			failed[res.requestID] = true
		}
	}
	stray := 0
	for _, row := range rows {
		if row["level"] == "DEBUG" && !failed[row["request_id"]] {
			stray++
		}
	}
	r.check(stray == 0, "%d DEBUG records of requests that did not fail were stored", stray)
}

// checkSecrets prints, for each planted secret, the stored records that
// contain it in each sink (all must be 0).
func (r *report) checkSecrets(sinks []sinkRows) {
	r.printf("\nPlanted secrets: records containing each, per sink (want 0)\n")
	for _, sec := range planted {
		shown := sec.value
		if len(shown) > 12 {
			shown = shown[:12] + "…"
		}
		r.printf("  %-31s %-14s", sec.what, shown)
		for _, s := range sinks {
			n := containing(s.rows, sec.value)
			ok := r.check(n == 0, "%s: %d records in %s contain the %s", sec.what, n, s.name, sec.what)
			r.printf("  %s %d%s", s.name, n, mark(ok))
		}
		r.printf("\n")
	}
	for _, s := range sinks {
		n := containing(s.rows, "[REDACTED]")
		r.check(n > 0, "no record in %s shows a [REDACTED] mark: the secrets never reached the logger?", s.name)
	}
}

// err is the demo's verdict: nil if every check held.
func (r *report) err() error {
	if len(r.failures) > 0 {
		return fmt.Errorf("demo: %d checks failed", len(r.failures))
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return ""
	}
	return "  ✗"
}
