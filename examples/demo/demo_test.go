package main

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.slogx.dev/internal/vltest"
)

// TestDemo runs `make demo` end to end against a real VictoriaLogs, so the
// demo cannot rot: it must pass, say so, and leave no server running.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-victorialogs=" + vltest.Binary(t), "-requests=300"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	report := out.String()
	for _, want := range []string{
		"== slogx demo: 300 requests",
		"Records stored per sink",
		"Lead-up of failed request",
		"ERROR inventory call failed",
		"access_token=[REDACTED]",
		"GitHub token in a header",
		"victoria  accepted",
		"remote    accepted",
		"/select/vmui",
		"PASS",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// The three sinks stored the same, non-zero number of records.
	m := regexp.MustCompile(`(?m)^  local +(\d+) records.*\n  victoria +(\d+) records.*\n  remote +(\d+) records`).FindStringSubmatch(report)
	if m == nil || m[1] != m[2] || m[1] != m[3] || m[1] == "0" {
		t.Errorf("records per sink: %q", m)
	}
	// The server is stopped: its UI no longer answers.
	ui := regexp.MustCompile(`http://127\.0\.0\.1:\d+/select/vmui`).FindString(report)
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(ui); err == nil {
		resp.Body.Close()
		t.Errorf("VictoriaLogs still answers at %s after the demo", ui)
	}
	client.CloseIdleConnections()
}

func TestDemoStdoutNeedsNoServer(t *testing.T) {
	var out, errOut bytes.Buffer
	// No binary: -sink=stdout must not look for one.
	t.Setenv("SLOGX_VICTORIALOGS", "")
	if code := run(t.Context(), []string{"-sink=stdout", "-requests=100"}, &out, &errOut); code != 0 {
		t.Fatalf("demo exited %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), `"msg":"http request"`) || !strings.Contains(out.String(), "PASS") {
		t.Errorf("stdout mode printed no records or no verdict:\n%s", out.String())
	}
}

// TestDemoCatchesALeak: without redact the planted secrets reach the sinks,
// and the demo must fail and name them. A report that cannot fail proves
// nothing.
func TestDemoCatchesALeak(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runConfig(t.Context(), config{sink: "stdout", requests: 100, withoutRedact: true}, &out, &errOut)
	if code != 1 {
		t.Fatalf("demo without redact exited %d, want 1", code)
	}
	for _, want := range []string{"FAIL", "records in local contain the password in a JSON body", "records in local contain the GitHub token in a header", "records in local contain the email address"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestDemoFlags(t *testing.T) {
	for _, args := range [][]string{{"-sink=kafka"}, {"-requests=3"}, {"-nosuchflag"}} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"-victorialogs="}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "-sink=stdout") {
		t.Errorf("no binary: exit %d, %q; want 1 and a hint", code, errOut.String())
	}
}
