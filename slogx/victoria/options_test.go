package victoria_test

import (
	"strings"
	"testing"
	"time"

	"go.slogx.dev/slogx/victoria"
)

// TestNewRejectsBadOptions: every bad option is an error from New, naming
// the option, and all problems are reported at once.
func TestNewRejectsBadOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts victoria.Options
		want []string
	}{
		{"scheme", victoria.Options{URL: "localhost:9428"}, []string{`URL "localhost:9428": scheme must be http or https`}},
		{"no host", victoria.Options{URLs: []string{"http://"}}, []string{`URL "http://": no host`}},
		{"unparsable", victoria.Options{URL: "http://a b"}, []string{`URL "http://a b"`}},
		{"query", victoria.Options{URL: "http://h:9428/?_stream_fields=a"}, []string{"must have no query"}},
		{"duplicate", victoria.Options{URL: "http://h", URLs: []string{"http://h/"}}, []string{"listed twice"}},
		{"stream field comma", victoria.Options{StreamFields: []string{"a,b"}}, []string{"StreamFields"}},
		{"empty ignore field", victoria.Options{IgnoreFields: []string{""}}, []string{"IgnoreFields"}},
		{"extra field key", victoria.Options{ExtraFields: map[string]string{"a=b": "c"}}, []string{"ExtraFields"}},
		{"extra field value", victoria.Options{ExtraFields: map[string]string{"a": "b,c"}}, []string{"ExtraFields"}},
		{"password alone", victoria.Options{Password: "x"}, []string{"Password is set but Username is empty"}},
		{"two auths", victoria.Options{Username: "u", BearerToken: "t"}, []string{"choose one"}},
		{"userinfo and token", victoria.Options{URL: "http://u:p@h", BearerToken: "t"}, []string{"user info and BearerToken"}},
		{"userinfo differs", victoria.Options{URL: "http://u:p@h", Username: "v"}, []string{"differs from Username"}},
		{"reserved header", victoria.Options{Headers: map[string]string{"content-type": "text/plain"}}, []string{`"content-type" is set by the handler`}},
		{"auth header", victoria.Options{BearerToken: "t", Headers: map[string]string{"Authorization": "x"}}, []string{"Authorization conflicts"}},
		{"tenant header", victoria.Options{Headers: map[string]string{"AccountID": "1"}}, []string{"use the AccountID and ProjectID options"}},
		{"header name", victoria.Options{Headers: map[string]string{"X Bad": "1"}}, []string{"not a valid header name"}},
		{"header value", victoria.Options{Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}, []string{"line break"}},
		{"line limit", victoria.Options{MaxLineBytes: 100}, []string{"MaxLineBytes is 100; it must be at least 1024"}},
		{"line over queue", victoria.Options{MaxLineBytes: 4 << 20, QueueBytes: 2 << 20}, []string{"MaxLineBytes 4194304 is larger than QueueBytes"}},
		{"compression", victoria.Options{Compression: 9}, []string{"unknown Compression 9"}},
		{"overflow", victoria.Options{Overflow: 5}, []string{"unknown Overflow 5"}},
		{"negative batch", victoria.Options{BatchSize: -1}, []string{"BatchSize is -1"}},
		{"batch over queue", victoria.Options{BatchSize: 10, QueueSize: 5}, []string{"BatchSize 10 is larger than QueueSize 5"}},
		{"negative interval", victoria.Options{FlushInterval: -time.Second}, []string{"FlushInterval"}},
		{"backoffs", victoria.Options{Retry: victoria.RetryPolicy{MinBackoff: time.Minute, MaxBackoff: time.Second}}, []string{"MinBackoff 1m0s is larger"}},
		{"queue too big", victoria.Options{QueueSize: 1 << 30}, []string{"QueueSize is 1073741824"}},
		{"all at once", victoria.Options{URL: "ftp://h", BatchSize: -2, Compression: 9},
			[]string{"scheme must be http or https", "BatchSize is -2", "unknown Compression 9"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := victoria.New(tt.opts)
			if err == nil {
				h.Close()
				t.Fatalf("New(%+v) succeeded", tt.opts)
			}
			if h != nil {
				t.Errorf("New returned a handler with the error")
			}
			if !strings.HasPrefix(err.Error(), "victoria: bad options: ") {
				t.Errorf("error %q does not start with the package prefix", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestZeroOptions: the zero Options are valid (they point at localhost's
// default port, where nothing needs to listen for New to succeed).
func TestZeroOptions(t *testing.T) {
	h, err := victoria.New(victoria.Options{Fallback: &lockedBuffer{}})
	if err != nil {
		t.Fatalf("New(Options{}) = %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("Close with nothing logged = %v", err)
	}
}

// TestOneFieldNeverContradictsADefault: setting one field alone never
// makes New fail because of a default the user did not choose; the
// dependent defaults follow it. Each of these failed before.
func TestOneFieldNeverContradictsADefault(t *testing.T) {
	for name, opts := range map[string]victoria.Options{
		"QueueSize 500":            {QueueSize: 500},
		"QueueBytes 512 KiB":       {QueueBytes: 512 << 10},
		"QueueBytes 100 KiB":       {QueueBytes: 100 << 10},
		"QueueBytes 1 KiB":         {QueueBytes: 1 << 10},
		"Retry.MaxBackoff 50ms":    {Retry: victoria.RetryPolicy{MaxBackoff: 50 * time.Millisecond}},
		"MaxLineBytes 100 MiB":     {MaxLineBytes: 100 << 20},
		"BatchSize 250000":         {BatchSize: 250_000},
		"MaxBatchBytes 128 MiB":    {MaxBatchBytes: 128 << 20},
		"Retry.MinBackoff 1 min":   {Retry: victoria.RetryPolicy{MinBackoff: time.Minute}},
		"Overflow Block":           {Overflow: victoria.Block},
		"BlockTimeout 1 ms":        {BlockTimeout: time.Millisecond},
		"QueueSize 1, BatchSize 1": {QueueSize: 1, BatchSize: 1},
	} {
		opts.URL = closedPortURL(t)
		opts.Fallback = &lockedBuffer{}
		h, err := victoria.New(opts)
		if err != nil {
			t.Errorf("%s: New = %v", name, err)
			continue
		}
		if err := h.Close(); err != nil {
			t.Errorf("%s: Close = %v", name, err)
		}
	}
}

// TestNoCredentialInNewErrors: New's errors name a bad URL without its
// password, token or query values, including where url.Parse's own message
// would quote them (a password with an unescaped '/' reads as a port).
func TestNoCredentialInNewErrors(t *testing.T) {
	const secret = "hunter2-Xq7/zP9w"
	for _, opts := range []victoria.Options{
		{URL: "https://logs-writer:" + secret + "@vl.example.com:9428"},
		{URL: "ftp://logs-writer:" + strings.ReplaceAll(secret, "/", "") + "@vl.example.com"},
		{URL: "https://logs-writer:" + strings.ReplaceAll(secret, "/", "") + "@vl.example.com/?token=abc"},
		{URLs: []string{"https://vl.example.com", "https://logs-writer:" + strings.ReplaceAll(secret, "/", "") + "@vl.example.com/"}, BearerToken: "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"},
		{URL: "https://vl.example.com/?authKey=" + strings.ReplaceAll(secret, "/", "")},
	} {
		_, err := victoria.New(opts)
		if err == nil {
			t.Errorf("New(%+v) succeeded", opts)
			continue
		}
		for _, part := range []string{"hunter2", "Xq7", "zP9w", "eyJhbGciOiJIUzI1NiJ9"} {
			if strings.Contains(err.Error(), part) {
				t.Errorf("New error shows a credential (%q): %v", part, err)
			}
		}
	}
}
