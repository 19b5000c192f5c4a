package redact

import (
	"regexp"
	"strings"
	"testing"
)

// scanWith runs one detector alone over s.
func scanWith(d Detector, s string) string {
	e := newEngine(&Options{Detectors: []Detector{d}, URLParams: []string{}}, newKeySet(DefaultKeys()))
	out, _ := e.scan(s, false)
	return out
}

const R = DefaultReplacement

func TestDetectors(t *testing.T) {
	tests := []struct {
		d        Detector
		in, want string
	}{
		// Email.
		{Email, "mail alice@example.com now", "mail " + R + " now"},
		{Email, "<bob.smith+tag@mail.example.co.uk>", "<" + R + ">"},
		{Email, "to: a_b-c%d@x-y.io.", "to: " + R + "."},
		{Email, "mailto:carol@example.org", "mailto:" + R},
		{Email, "two: a@b.cd, e@f.gh", "two: " + R + ", " + R},
		{Email, "ref=dave@example.com&x=1", "ref=" + R + "&x=1"},
		{Email, "ping @alice about it", "ping @alice about it"},
		{Email, "lunch @ 12:30", "lunch @ 12:30"},
		{Email, "icon@2x.png and logo@3x.webp", "icon@2x.png and logo@3x.webp"},
		{Email, "npm i lodash@4.17.21", "npm i lodash@4.17.21"},
		{Email, "user@localhost", "user@localhost"},
		{Email, "image@sha256:abcdef", "image@sha256:abcdef"},
		{Email, "ssh://git@github.com/org/repo", "ssh://git@github.com/org/repo"},
		{Email, "@example.com", "@example.com"},
		{Email, "a.@example.com", "a.@example.com"},

		// Credit cards.
		{CreditCard, "card 4111111111111111 ok", "card " + R + " ok"},
		{CreditCard, "card 4111 1111 1111 1111.", "card " + R + "."},
		{CreditCard, "amex 3782-822463-10005", "amex " + R},
		{CreditCard, "mc 5555555555554444", "mc " + R},
		{CreditCard, "mc2 2223003122003222", "mc2 " + R},
		{CreditCard, "disc 6011111111111117", "disc " + R},
		{CreditCard, "jcb 3530111333300000", "jcb " + R},
		{CreditCard, "diners 30569309025904", "diners " + R},
		{CreditCard, "visa13 4222222222222", "visa13 " + R},
		{CreditCard, "exp 4111 1111 1111 1111 12/27", "exp " + R + " 12/27"},
		{CreditCard, "n=4111111111111111;", "n=" + R + ";"},
		{CreditCard, "luhn fails 4111111111111112", "luhn fails 4111111111111112"},
		{CreditCard, "ts 1700000000000 ms", "ts 1700000000000 ms"},
		{CreditCard, "ts 1712345678903", "ts 1712345678903"},
		{CreditCard, "hex a4111111111111111", "hex a4111111111111111"},
		{CreditCard, "hex 4111111111111111f", "hex 4111111111111111f"},
		{CreditCard, "pi 3.4111111111111111", "pi 3.4111111111111111"},
		{CreditCard, "uuid 41111111-1111-1111-1111-111111111111", "uuid 41111111-1111-1111-1111-111111111111"},
		{CreditCard, "unknown issuer 9111111111111111", "unknown issuer 9111111111111111"},
		{CreditCard, "too long 41111111111111111111", "too long 41111111111111111111"},
		{CreditCard, "mixed 4111-1111 1111-1111", "mixed 4111-1111 1111-1111"},
		{CreditCard, "seed -4576982950128230565,", "seed -4576982950128230565,"},
		{CreditCard, "card-4111111111111111", "card-" + R},

		// SSN.
		{SSN, "ssn 123-45-6789.", "ssn " + R + "."},
		{SSN, "ssn 123 45 6789", "ssn " + R},
		{SSN, "(078-05-1120)", "(" + R + ")"},
		{SSN, "area 000-12-3456", "area 000-12-3456"},
		{SSN, "area 666-12-3456", "area 666-12-3456"},
		{SSN, "area 900-12-3456", "area 900-12-3456"},
		{SSN, "group 123-00-4567", "group 123-00-4567"},
		{SSN, "serial 123-45-0000", "serial 123-45-0000"},
		{SSN, "mixed 123-45 6789", "mixed 123-45 6789"},
		{SSN, "phone 1-123-45-6789", "phone 1-123-45-6789"},
		{SSN, "longer 123-45-67890", "longer 123-45-67890"},
		{SSN, "plain 123456789", "plain 123456789"},
		{SSN, "date 2024-01-15", "date 2024-01-15"},
		{SSN, "x123-45-6789", "x123-45-6789"},

		// Bearer, Basic, Authorization.
		{Bearer, "Authorization: Bearer abc.def-123_x", "Authorization: Bearer " + R},
		{Bearer, "bearer mF_9.B5f-4.1JqM", "bearer " + R},
		{Bearer, `{"authorization":"Token 9f8e7d6c"}`, `{"authorization":"Token ` + R + `"}`},
		{Bearer, "authorization=s3cr3t&x=1", "authorization=" + R + "&x=1"},
		{Bearer, "Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: Basic " + R},
		{Bearer, "got Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "got Basic " + R},
		{Bearer, "the bearer of bad news", "the bearer of bad news"},
		{Bearer, "bearer instruments", "bearer instruments"},
		{Bearer, "basic auth required", "basic auth required"},
		{Bearer, "basic principles", "basic principles"},
		{Bearer, "authorization failed for bob", "authorization failed for bob"},
		{Bearer, "authorization: user not allowed", "authorization: user not allowed"},
		{Bearer, "authorization: invalid token", "authorization: invalid token"},
		{Bearer, "Authorization: denied", "Authorization: denied"},
		{Bearer, "Authorization: Bearer x", "Authorization: Bearer " + R},
		{Bearer, "map[Accept:[*/*] Authorization:[Bearer abc]]", "map[Accept:[*/*] Authorization:[Bearer " + R + "]]"},
		{Bearer, "Authorization: CustomAuth k3y-abc", "Authorization: CustomAuth " + R},
		{Bearer, `Authorization: Digest username="bob", response="6629fae4"` + "\nnext", "Authorization: Digest " + R + "\nnext"},
		{Bearer, "authorization=AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=fe5f80f7", "authorization=AWS4-HMAC-SHA256 " + R},
		{Bearer, `{"Authorization":"OAuth oauth_signature=\"x%3D\"","n":1}`, `{"Authorization":"OAuth ` + R + `","n":1}`},

		// JWT.
		{JWT, "tok eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
			"tok " + R + " end"},
		{JWT, "none eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "none " + R},
		{JWT, "eyJ alone", "eyJ alone"},
		{JWT, "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"},
		{JWT, "eyJhbGciOiJIUzI1NiJ9 no dots", "eyJhbGciOiJIUzI1NiJ9 no dots"},

		// AWS.
		{AWSAccessKey, "key AKIAIOSFODNN7EXAMPLE used", "key " + R + " used"},
		{AWSAccessKey, "temp=ASIAY34FZKBOKMUTVV7A", "temp=" + R},
		{AWSAccessKey, "AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX"},
		{AWSAccessKey, "AKIAiosfodnn7example", "AKIAiosfodnn7example"},
		{AWSAccessKey, "XAKIAIOSFODNN7EXAMPLE", "XAKIAIOSFODNN7EXAMPLE"},

		// PEM.
		{PrivateKey, "k=-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- done", "k=" + R + " done"},
		{PrivateKey, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", R},
		{PrivateKey, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"},

		// URL credentials.
		{URLCredentials, "dsn postgres://admin:hunter2@db:5432/app", "dsn postgres://admin:" + R + "@db:5432/app"},
		{URLCredentials, "https://u:p@ss@example.com/x", "https://u:" + R + "@example.com/x"},
		{URLCredentials, "https://ghp_abcdEFGH1234ijklMNOP5678@github.com/o/r", "https://" + R + "@github.com/o/r"},
		{URLCredentials, "https://alice@example.com/", "https://alice@example.com/"},
		{URLCredentials, "https://example.com/@alice", "https://example.com/@alice"},
	}
	for _, tt := range tests {
		if got := scanWith(tt.d, tt.in); got != tt.want {
			t.Errorf("%s(%q)\n got %q\nwant %q", tt.d.Name(), tt.in, got, tt.want)
		}
	}
}

func TestURLParams(t *testing.T) {
	e := newEngine(&Options{Detectors: []Detector{}}, newKeySet(DefaultKeys()))
	tests := []struct{ in, want string }{
		{"GET /cb?access_token=abc&state=xyz", "GET /cb?access_token=" + R + "&state=xyz"},
		{"GET /?code=404&next=302", "GET /?code=404&next=302"},
		{"https://s3/b/o?X-Amz-Signature=deadbeef&X-Amz-Date=1", "https://s3/b/o?X-Amz-Signature=" + R + "&X-Amz-Date=1"},
		{"https://app/#access_token=t0k&token_type=bearer", "https://app/#access_token=" + R + "&token_type=bearer"},
		{"/api?TOKEN=a b", "/api?TOKEN=" + R + " b"},
		{"/api?page=2&sort=asc", "/api?page=2&sort=asc"},
		{"/api?token=", "/api?token="},
		{"token=abc without a query", "token=abc without a query"},
	}
	for _, tt := range tests {
		if got, _ := e.scan(tt.in, false); got != tt.want {
			t.Errorf("scan(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got, _ := e.scan("sig=abc&x=1", true); got != "sig="+R+"&x=1" {
		t.Errorf("raw query: got %q", got)
	}
	if got, _ := e.scan("sig=x", true); got != "sig="+R {
		t.Errorf("short raw query: got %q", got)
	}
}

func TestCustomDetectors(t *testing.T) {
	ticket := Regexp("ticket", regexp.MustCompile(`TKT-\d{6}`))
	apiKey := Regexp("api_key", regexp.MustCompile(`api_key=(\w+)`))
	digits := Func("digits", func(dst [][2]int, s string) [][2]int {
		if i := strings.Index(s, "PIN "); i >= 0 && i+8 <= len(s) {
			dst = append(dst, [2]int{i + 4, i + 8}, [2]int{-1, 3}, [2]int{5, 500})
		}
		return dst
	})
	panicky := Func("panicky", func([][2]int, string) [][2]int { panic("boom") })
	tests := []struct {
		d        Detector
		in, want string
	}{
		{ticket, "see TKT-123456 now", "see " + R + " now"},
		{ticket, "no ticket here", "no ticket here"},
		{apiKey, "call api_key=abc123&x", "call api_key=" + R + "&x"},
		{digits, "PIN 1234 please", "PIN " + R + " please"},
		{panicky, "anything", R},
		{Email.WithReplacement("<email>"), "a@b.cd", "<email>"},
		{Detector{}, "a@b.cd", "a@b.cd"},
	}
	for _, tt := range tests {
		if got := scanWith(tt.d, tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.d.Name(), tt.in, got, tt.want)
		}
	}
}

func TestRedactingTwiceChangesNothingMore(t *testing.T) {
	for _, opts := range []*Options{{}, {HashKey: []byte("k")}, {Replacement: "***", Detectors: []Detector{Bearer.WithReplacement("<auth>"), Email, URLCredentials}}} {
		e := newEngine(opts, newKeySet(DefaultKeys()))
		for _, in := range []string{
			"Authorization: Bearer abc123", "Authorization:[abc123xyz]", "map[Authorization:[Basic dXNlcjpwYXNz]]",
			"mail a@b.cd /x?token=t&sig=s", "Authorization: x7Yz-abc", "postgres://u:pw@h/db",
		} {
			once, ch := e.scan(in, false)
			if !ch {
				t.Errorf("%q: nothing found", in)
			}
			if twice, _ := e.scan(once, false); twice != once {
				t.Errorf("redacting twice: %q -> %q -> %q", in, once, twice)
			}
		}
	}
}

func TestOverlappingSpansMerge(t *testing.T) {
	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	// The email and the URL password overlap; the line must not be mangled twice.
	in := "dsn=mysql://root:p4ss@db.example.com/x mail=ops@example.com"
	got, ch := e.scan(in, false)
	if !ch || strings.Contains(got, "p4ss") || strings.Contains(got, "ops@") {
		t.Fatalf("scan(%q) = %q", in, got)
	}
	if !strings.Contains(got, "root:") || !strings.Contains(got, "@db.example.com/x") {
		t.Errorf("URL user and host should stay: %q", got)
	}
}

func TestFeaturesMatchFinders(t *testing.T) {
	// Every built-in finder must find nothing in a text whose hints it does
	// not need; otherwise the prefilter would hide secrets.
	texts := []string{
		"4111 1111 1111 1111", "4111-1111-1111-1111", "123-45-6789", "123 45 6789",
		"AKIAIOSFODNN7EXAMPLE", "-----BEGIN PRIVATE KEY-----", "x-----BEGIN EC PRIVATE KEY-----",
		"Bearer abcdefgh1", "BASIC dXNlcjpwYXNz", "AUTHORIZATION: x", "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.",
		"a://u:p@h", "1-----BEGIN RSA PRIVATE KEY-----", "9 4111111111111111",
	}
	for _, s := range texts {
		f := newEngine(&Options{}, newKeySet(DefaultKeys())).features(s)
		for _, d := range DefaultDetectors() {
			if found := d.findSpans(nil, s, &engine{urlCreds: true}); len(found) > 0 && d.need&f != d.need {
				t.Errorf("%s finds %q but features = %b lack %b", d.Name(), s, f, d.need)
			}
		}
	}
}
