package redact

import (
	"log/slog"
	"strings"
	"testing"
)

// TestCredentialsInText checks credentials named by a key inside text, in
// the renderings programs log, and the texts that must read as written.
func TestCredentialsInText(t *testing.T) {
	tests := []struct{ in, want string }{
		// JSON bodies, also escaped inside a JSON string.
		{`{"username":"alice","password":"hunter2!"}`, `{"username":"alice","password":"` + R + `"}`},
		{`{"grant_type":"client_credentials","client_secret": "s3cr3t-v4lue"}`, `{"grant_type":"client_credentials","client_secret": "` + R + `"}`},
		{`body={\"password\":\"hunter2\",\"user\":\"bob\"}`, `body={\"password\":\"` + R + `\",\"user\":\"bob\"}`},
		{`{"otp":482913,"user":"a"}`, `{"otp":` + R + `,"user":"a"}`},
		{`{"password":null,"token":""}`, `{"password":null,"token":""}`},
		{`{"token_type":"Bearer","expires_in":3600}`, `{"token_type":"Bearer","expires_in":3600}`},
		// Form bodies and query strings.
		{"grant_type=password&username=bob&password=pa55word&scope=read", "grant_type=password&username=bob&password=" + R + "&scope=read"},
		{"client_id=web&client_secret=Zx81kLmQ", "client_id=web&client_secret=" + R},
		// %+v struct dumps and fmt of maps.
		{"{Host:db.internal Port:5432 User:app Password:Tr0ub4dor}", "{Host:db.internal Port:5432 User:app Password:" + R + "}"},
		{"map[api_key:AbC123xyz region:eu]", "map[api_key:" + R + " region:eu]"},
		{"map[X-Api-Key:[k3y-v4lue-123] Accept:[*/*]]", "map[X-Api-Key:[" + R + "] Accept:[*/*]]"},
		// Env dumps, command lines.
		{"SECRET_KEY_BASE=9f8e7d6c5b4a DATABASE_HOST=db", "SECRET_KEY_BASE=" + R + " DATABASE_HOST=db"},
		{"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY=" + R},
		{"PWD=/srv/app HOME=/root DB_PASS=letmein1", "PWD=/srv/app HOME=/root DB_PASS=" + R},
		{"exec: pg_dump --host db --password S3cret! --dbname app", "exec: pg_dump --host db --password " + R + " --dbname app"},
		{"mysql --user=root --password=S3cret! app", "mysql --user=root --password=" + R + " app"},
		{"pg_dump --password --no-owner", "pg_dump --password --no-owner"},
		// Connection strings.
		{"host=db port=5432 user=app password=p@ss;w0rd dbname=orders sslmode=require", "host=db port=5432 user=app password=" + R + ";w0rd dbname=orders sslmode=require"},
		{"Server=tcp:sql.example.net,1433;Database=app;User ID=svc;Password=Pa$$w0rd;Encrypt=True;", "Server=tcp:sql.example.net,1433;Database=app;User ID=svc;Password=" + R + ";Encrypt=True;"},
		{"Data Source=db;Initial Catalog=x;pwd=abc123;", "Data Source=db;Initial Catalog=x;pwd=" + R + ";"},
		// Headers.
		{"X-Api-Key: 8f14e45fceea167a5a36dedd4bea2543", "X-Api-Key: " + R},
		{"Cookie: session_id=abc123def; theme=dark", "Cookie: session_id=" + R + "; theme=" + R},
		{"Set-Cookie: sid=Qx8a9; Path=/; HttpOnly; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "Set-Cookie: sid=" + R + "; Path=/; HttpOnly; Expires=Wed, 21 Oct 2026 07:28:00 GMT"},
		{`{"Cookie":["_gh_sess=abc; logged_in=yes"]}`, `{"Cookie":["_gh_sess=` + R + `; logged_in=` + R + `"]}`},
		// Prose stays.
		{"validation failed: password: must be at least 8 characters", "validation failed: password: must be at least 8 characters"},
		{"token: expired", "token: expired"},
		{"password reset requested for account 42", "password reset requested for account 42"},
		{"session=closed", "session=" + R}, // errs toward redacting: a session value is a session
		{"cookie consent accepted", "cookie consent accepted"},
		{"tokens=512 passwords=3", "tokens=512 passwords=3"},
		{"deploy --token-file /etc/token", "deploy --token-file /etc/token"},
	}
	for _, tc := range tests {
		if got := scanWith(Credentials, tc.in); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestIBAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"refund to GB82WEST12345698765432 today", "refund to " + R + " today"},
		{"iban DE89 3704 0044 0532 0130 00.", "iban " + R + "."},
		{"FR1420041010050500013M02606", R},
		{"GB82WEST12345698765431", "GB82WEST12345698765431"},   // check digits fail
		{"GB82WEST123456987654321", "GB82WEST123456987654321"}, // too long for GB
		{"XX82WEST12345698765432", "XX82WEST12345698765432"},   // no such country
		{"order AB12CD34EF56GH78", "order AB12CD34EF56GH78"},
	}
	for _, tc := range tests {
		if got := scanWith(IBAN, tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMoreShapes(t *testing.T) {
	tests := []struct {
		d        Detector
		in, want string
	}{
		{URLCredentials, "smtp://alerts@example.com:Sm7pP4ss@smtp.example.com:587", "smtp://alerts@example.com:" + R + "@smtp.example.com:587"},
		{URLCredentials, "dsn=app:S3cret!@tcp(10.0.0.5:3306)/orders?parseTime=true", "dsn=app:" + R + "@tcp(10.0.0.5:3306)/orders?parseTime=true"},
		{URLCredentials, "root:hunter2@unix(/var/run/mysqld.sock)/app", "root:" + R + "@unix(/var/run/mysqld.sock)/app"},
		{URLCredentials, "git@github.com:acme/api.git", "git@github.com:acme/api.git"},
		{URLCredentials, "ssh://git@github.com:22/acme/api.git", "ssh://git@github.com:22/acme/api.git"},
		{URLCredentials, "postgres://app@db:5432/orders", "postgres://app@db:5432/orders"},
		{Bearer, "we use Bearer token-based auth", "we use Bearer token-based auth"},
		{Bearer, "token_type=Bearer&expires_in=3600", "token_type=Bearer&expires_in=3600"},
		{Bearer, `{"Authorization":["Bearer eyJ0eXAiOiJKV1Qi.abc.def"]}`, `{"Authorization":["Bearer ` + R + `"]}`},
		{Bearer, `{\"Authorization\":\"SSWS 00aBcD3fGh1jK\"}`, `{\"Authorization\":\"SSWS ` + R + `\"}`},
		{Bearer, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/s3/aws4_request, Signature=fe5f80f77d5fa3beca038a248ff027", "Authorization: AWS4-HMAC-SHA256 " + R},
		{SSN, "0042 078-05-1120 10001", "0042 " + R + " 10001"},
		{SSN, "555-078-05-1120", "555-078-05-1120"},
		{SSN, "0042 078 05 1120 10001", "0042 078 05 1120 10001"},
	}
	for _, tc := range tests {
		if got := scanWith(tc.d, tc.in); got != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q", tc.d.Name(), tc.in, got, tc.want)
		}
	}
}

// TestWorkingDirKept: $PWD in an env dump or as an attribute is a
// directory, and reads as written; pwd holding anything else is masked.
func TestWorkingDirKept(t *testing.T) {
	for _, tc := range []struct {
		v    string
		keep bool
	}{{"/srv/app", true}, {"~/src", true}, {"hunter2", false}} {
		var got string
		h := New(captureHandler(func(r slog.Record) {
			r.Attrs(func(a slog.Attr) bool { got = a.Value.String(); return true })
		}), nil)
		slog.New(h).Info("env", "PWD", tc.v)
		if (got == tc.v) != tc.keep {
			t.Errorf("PWD=%q logged as %q", tc.v, got)
		}
	}
}

// TestAWSSecretNeedsContext: a 40-character secret access key is found by
// the key that names it, in every way it is written, and random base64 of
// the same length alone is left alone.
func TestAWSSecretNeedsContext(t *testing.T) {
	const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	e := newEngine(&Options{}, newKeySet(DefaultKeys()))
	for _, s := range []string{
		"aws_secret_access_key = " + key,
		"AWS_SECRET_ACCESS_KEY=" + key,
		`{"SecretAccessKey":"` + key + `","Expiration":"2026-03-14T10:26:53Z"}`,
		"aws_secret=" + key,
		"export AWS_SECRET_KEY=" + key,
	} {
		if got, _ := e.scan(s, false); strings.Contains(got, key) {
			t.Errorf("%q: secret survives in %q", s, got)
		}
	}
	for _, s := range []string{
		"etag " + key,
		"blob=" + key,
		`{"checksum":"` + key + `"}`,
	} {
		if got, _ := e.scan(s, false); got != s {
			t.Errorf("look-alike %q changed to %q", s, got)
		}
	}
}
