package redact_test

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"regexp"

	"go.slogx.dev/slogx"
	"go.slogx.dev/slogx/redact"
)

// stdout is the handler the examples redact for: JSON without the time, so
// that the output can be checked.
func stdout() slog.Handler {
	return slogx.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})
}

func ExampleNew() {
	logger := slog.New(redact.New(stdout(), nil))

	logger.Info("signup alice@example.com",
		"password", "hunter2",
		"card", "4111 1111 1111 1111",
		"order_ts", "1712345678901",
		"err", errors.New("smtp: 550 bob@example.org unknown"),
	)
	// Output:
	// {"level":"INFO","msg":"signup [REDACTED]","password":"[REDACTED]","card":"[REDACTED]","order_ts":"1712345678901","err":"smtp: 550 [REDACTED] unknown"}
}

func ExampleNew_nested() {
	type Login struct {
		User     string
		Password string
		Answer   string `redact:"true"`
	}
	u, _ := url.Parse("https://app.example.com/cb?access_token=xyz&state=42")
	logger := slog.New(redact.New(stdout(), nil)).With("session", "s3cr3t")

	logger.WithGroup("req").Info("login",
		"login", Login{User: "alice", Password: "pw", Answer: "Rex"},
		"headers", map[string]string{"Authorization": "Bearer abc123", "Accept": "*/*"},
		"callback", u.String(),
		"dsn", "postgres://app:pa55@db:5432/app",
	)
	// Output:
	// {"level":"INFO","msg":"login","session":"[REDACTED]","req":{"login":{"User":"alice","Password":"[REDACTED]","Answer":"[REDACTED]"},"headers":{"Accept":"*/*","Authorization":"[REDACTED]"},"callback":"https://app.example.com/cb?access_token=[REDACTED]&state=42","dsn":"postgres://app:[REDACTED]@db:5432/app"}}
}

func ExampleMiddleware() {
	handler := slogx.Pipe(stdout(), redact.Middleware(nil))
	logger := slog.New(handler)

	// Context attributes, written at the root by slogx handlers, are
	// redacted too.
	ctx := slogx.NewContext(context.Background(), slog.String("request_id", "r-7"), slog.String("user", "carol@example.com"))
	logger.InfoContext(ctx, "token refreshed", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "ttl", 3600)
	// Output:
	// {"level":"INFO","msg":"token refreshed","request_id":"r-7","user":"[REDACTED]","jwt":"[REDACTED]","ttl":3600}
}

// With a hash key, equal secrets get equal stand-ins, so that one can
// follow a user or a key through the logs without seeing it. The stand-in
// is the first 16 hex digits of HMAC-SHA256(key, secret); anyone holding
// the key can check a guess, so keep it with the other secrets.
func ExampleOptions_hashKey() {
	logger := slog.New(redact.New(stdout(), &redact.Options{
		HashKey: []byte("rotate-me-with-the-log-retention"),
	}))
	logger.Info("login", "email", "alice@example.com")
	logger.Info("logout", "email", "alice@example.com")
	logger.Info("login", "email", "bob@example.com")
	// Output:
	// {"level":"INFO","msg":"login","email":"[HMAC:fc3adb0a7eac227f]"}
	// {"level":"INFO","msg":"logout","email":"[HMAC:fc3adb0a7eac227f]"}
	// {"level":"INFO","msg":"login","email":"[HMAC:9a00fe740704b109]"}
}

// Detectors are picked one by one, given their own replacement, or
// written for secrets only one application knows.
func ExampleOptions_detectors() {
	logger := slog.New(redact.New(stdout(), &redact.Options{
		Keys: append(redact.DefaultKeys(), "patient.dob"),
		Detectors: []redact.Detector{
			redact.Email.WithReplacement("<email>"),
			redact.CreditCard,
			redact.Regexp("ticket_secret", regexp.MustCompile(`tks_[0-9a-f]{16}`)),
		},
	}))
	logger.Info("booked by dave@example.com with tks_0123456789abcdef",
		slog.Group("patient", "dob", "1984-07-23", "ward", "3B"))
	// Output:
	// {"level":"INFO","msg":"booked by <email> with [REDACTED]","patient":{"dob":"[REDACTED]","ward":"3B"}}
}

// Vendor tokens keep their prefix, which names the vendor; credentials
// written inside text keep their key; the look-alikes around them are left
// as they are.
func ExampleTokens() {
	logger := slog.New(redact.New(stdout(), nil))

	logger.Info("github call failed",
		"request", "GET /repos/acme/api Authorization: token ghp_x8Kq2Lm9Vn4Rb7Tz1Wc5Yd3Fh6Jp0Ga8Se2U",
		"body", `{"grant_type":"password","username":"bob","password":"Tr0ub4dor&3"}`,
		"dsn", "host=db.internal user=app password=s3cr3t dbname=orders",
		"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736",
		"remote", "git@github.com:acme/api.git",
	)
	// Output:
	// {"level":"INFO","msg":"github call failed","request":"GET /repos/acme/api Authorization: token [REDACTED]","body":"{\"grant_type\":\"password\",\"username\":\"bob\",\"password\":\"[REDACTED]\"}","dsn":"host=db.internal user=app password=[REDACTED] dbname=orders","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","remote":"git@github.com:acme/api.git"}
}
