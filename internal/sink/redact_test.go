package sink

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestNoCredentialInMessages: a password or token in an endpoint URL, or
// one the face names in Secrets, appears in no error, Stats field or
// fallback line, even when the server echoes it back.
func TestNoCredentialInMessages(t *testing.T) {
	const (
		password = "Tr0ub4dor-3x9Q"
		apiKey   = "dd0c1f2e3a4b5c6d7e8f90a1b2c3d4e5"
		token    = "glpat-Xk2v9RbT4qLmN8sW1zYc"
	)
	// An ingest endpoint that refuses the credentials and quotes them, as
	// careless proxies do.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad credentials: Authorization=%q X-Token=%q url=%s", r.Header.Get("Authorization"), r.Header.Get("X-Token"), r.URL)
	}))
	t.Cleanup(srv.Close)
	fb := &lockedBuffer{}
	ep := strings.Replace(srv.URL, "http://", "http://ingest:"+password+"@", 1) + "/v1/logs?api_key=" + apiKey
	cfg := testConfig(fb, ep)
	cfg.Prepare = func(req *fasthttp.Request, _ string) { req.Header.Set("X-Token", token) }
	cfg.Secrets = []string{token, apiKey}
	cfg.CloseTimeout = time.Second
	s := mustNew(t, cfg)
	for i := range 5 {
		s.Enqueue(realLine(i))
	}
	eventually(t, 10*time.Second, "the rejection", func() bool { return s.Stats().DroppedRejected == 5 })
	closeErr := s.Close()
	st := s.Stats()
	if closeErr == nil || st.LastError == nil {
		t.Fatalf("Close = %v, LastError = %v; want the rejection reported", closeErr, st.LastError)
	}
	shown := map[string]string{
		"Close":     closeErr.Error(),
		"Stats":     fmt.Sprintf("%+v", st),
		"LastError": st.LastError.Error(),
		"fallback":  fb.String(),
	}
	basic := base64.StdEncoding.EncodeToString([]byte("ingest:" + password))
	for where, text := range shown {
		for _, secret := range []string{password, apiKey, token, basic} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the secret %q: %s", where, secret, text)
			}
		}
	}
	if !strings.Contains(shown["LastError"], "status 401") || !strings.Contains(shown["LastError"], "/v1/logs") {
		t.Errorf("LastError no longer says what happened: %s", shown["LastError"])
	}
}

// TestNoCredentialInConfigErrors: New's errors never quote a password, even
// when url.Parse's own message would: a password with an unescaped '/'
// reads as the host's port.
func TestNoCredentialInConfigErrors(t *testing.T) {
	for _, ep := range []string{
		"https://svc-logs:s3cr3t/Pa55w0rd@logs.example.com/ingest", // parse error quoting the "port"
		"ftp://svc-logs:s3cr3tPa55w0rd@logs.example.com/",          // wrong scheme
		"https://svc-logs:s3cr3tPa55w0rd@/ingest",                  // no host
		"https://logs.example.com/ingest?token=s3cr3tPa55w0rd\x7f", // control character, a token in the query
		"https://s3cr3tPa55w0rd@logs.example.com:port/",            // a token as the user name, bad port
	} {
		_, err := New(Config{Endpoints: []string{ep}})
		if err == nil {
			t.Errorf("New(%q) succeeded", ep)
			continue
		}
		for _, part := range []string{"s3cr3t", "Pa55w0rd"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("New(%q) error shows the password: %v", ep, err)
			}
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:9428/insert":               "http://127.0.0.1:9428/insert",
		"https://u:p@h/x":                            "https://u:xxxxx@h/x",
		"https://u:p/q@h/x":                          "https://u:xxxxx@h/x",
		"https://ghp_0123456789abcdef@github.com/":   "https://xxxxx@github.com/",
		"https://h/p?api_key=abc&dd-api-key=def#top": "https://h/p?api_key=xxxxx&dd-api-key=xxxxx#top",
		"h:9428": "h:9428",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
