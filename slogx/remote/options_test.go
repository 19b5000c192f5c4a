package remote_test

import (
	"strings"
	"testing"

	"go.slogx.dev/slogx/remote"
)

// TestNewRejectsBadOptions: the worst values a program passes are errors
// from New that name the problem, and never show the API key, even where
// the key itself is the problem or sits in a bad URL.
func TestNewRejectsBadOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		opts remote.Options
		want string
	}{
		{"no scheme", remote.Options{Endpoint: "intake.example.com/v1/logs"}, "scheme must be http or https"},
		{"no host", remote.Options{Endpoint: "https:///v1/logs"}, "no host"},
		{"unparsable URL with the key", remote.Options{Endpoint: "https://intake.example.com/%zz?key=" + ddKey, APIKey: ddKey}, "not a valid URL"},
		{"user info", remote.Options{Endpoint: "https://api:" + ddKey + "@intake.example.com/v1/logs"}, "put the credential in APIKey"},
		{"key in query, bad scheme", remote.Options{Endpoint: "ftp://intake.example.com/?api_key=" + ddKey, APIKey: ddKey}, "scheme"},
		{"fragment", remote.Options{Endpoint: "https://intake.example.com/v1/logs#x"}, "fragment"},
		{"key with a newline", remote.Options{Endpoint: "https://x.example", APIKey: bearerKey + "\r\nX-Evil: 1"}, "APIKey contains a line break"},
		{"AuthHeader without key", remote.Options{Endpoint: "https://x.example", AuthHeader: "DD-API-KEY"}, "APIKey is empty"},
		{"AuthHeader with a space", remote.Options{Endpoint: "https://x.example", APIKey: ddKey, AuthHeader: "DD API KEY"}, "not a valid header name"},
		{"Headers override the key", remote.Options{Endpoint: "https://x.example", APIKey: ddKey, AuthHeader: "DD-API-KEY", Headers: map[string]string{"dd-api-key": ddKey}}, "carries APIKey"},
		{"Headers override bearer", remote.Options{Endpoint: "https://x.example", APIKey: bearerKey, Headers: map[string]string{"Authorization": "Bearer " + bearerKey}}, "carries APIKey"},
		{"Headers value with CRLF", remote.Options{Endpoint: "https://x.example", Headers: map[string]string{"X-Scope-OrgID": "1\r\nAuthorization: Bearer " + bearerKey}}, "line break"},
		{"Headers Content-Type", remote.Options{Endpoint: "https://x.example", Headers: map[string]string{"content-type": "text/plain"}}, "set by the handler"},
		{"unknown format", remote.Options{Format: remote.Format(42)}, "unknown Format 42"},
		{"labels not Loki", remote.Options{Format: remote.Datadog, Labels: []string{"service"}}, "Labels are for the Loki format"},
		{"too many labels", remote.Options{Format: remote.Loki, Labels: strings.Fields("a b c d e f g h i j k l m n o p")}, "at most"},
		{"record limit above Datadog's", remote.Options{Format: remote.Datadog, MaxRecordBytes: 2 << 20}, "Datadog accepts records of at most"},
		{"record limit tiny", remote.Options{MaxRecordBytes: 100}, "at least 1024"},
		{"negative batch", remote.Options{BatchSize: -1}, "BatchSize is -1"},
		{"bulk batch whose answer is too long", remote.Options{Format: remote.ElasticBulk, BatchSize: 10_000}, "at most 2000"},
		{"unknown compression", remote.Options{Compression: remote.Compression(9)}, "unknown Compression 9"},
		{"unknown overflow", remote.Options{Overflow: remote.Overflow(9)}, "unknown Overflow 9"},
		{"negative close timeout", remote.Options{CloseTimeout: -1}, "CloseTimeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := remote.New(c.opts)
			if err == nil {
				h.Close()
				t.Fatalf("New accepted %+v", c.opts)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "remote: bad options: ") {
				t.Errorf("error %q does not say where it comes from", err)
			}
			checkNoSecret(t, "New's error", []byte(err.Error()))
		})
	}
}

// TestZeroOptions: the zero Options work (development mode), and so does
// every format with nothing but an endpoint.
func TestZeroOptions(t *testing.T) {
	h, err := remote.New(remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []remote.Format{remote.NDJSON, remote.JSONArray, remote.Datadog, remote.Loki, remote.ElasticBulk, remote.OTLP} {
		h, err := remote.New(remote.Options{Endpoint: "http://127.0.0.1:1/intake", Format: f})
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		if err := h.Close(); err != nil {
			t.Fatalf("%v: Close with nothing logged: %v", f, err)
		}
	}
}

// TestDefaultsFollowWhatIsSet: a default never contradicts a value the
// program set (a small queue, a short MaxBackoff).
func TestDefaultsFollowWhatIsSet(t *testing.T) {
	for _, o := range []remote.Options{
		{QueueSize: 500},
		{QueueBytes: 512 << 10},
		{Retry: remote.RetryPolicy{MaxBackoff: 200_000_000}},
		{Format: remote.Datadog, BatchSize: 5000}, // the format cuts batches to 1000
	} {
		o.Endpoint = "http://127.0.0.1:1/intake"
		h, err := remote.New(o)
		if err != nil {
			t.Errorf("%+v: %v", o, err)
			continue
		}
		h.Close()
	}
}
