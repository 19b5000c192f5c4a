package redact

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Generators of secrets as programs hold them: each returns a value in its
// real shape, with the random parts drawn from the generator's seeded
// source so that the corpus is the same on every run.

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"}
	domains    = []string{"example.com", "example.org", "mail.example.co.uk", "corp.example.net", "test.example.io", "example.de"}
)

func (g *gen) email() string {
	local := g.pick(firstNames...)
	switch g.r.IntN(4) {
	case 0:
		local += "." + g.pick(firstNames...)
	case 1:
		local += "+" + g.pick("news", "billing", "dev")
	case 2:
		local += fmt.Sprint(g.r.IntN(1000))
	}
	return local + "@" + g.pick(domains...)
}

type issuer struct {
	prefix string
	length int
	layout []int
}

var issuers = []issuer{
	{"4", 16, []int{4, 4, 4, 4}}, {"4", 13, nil}, {"4", 19, []int{4, 4, 4, 4, 3}},
	{"51", 16, []int{4, 4, 4, 4}}, {"55", 16, []int{4, 4, 4, 4}}, {"2221", 16, []int{4, 4, 4, 4}},
	{"2720", 16, []int{4, 4, 4, 4}}, {"34", 15, []int{4, 6, 5}}, {"37", 15, []int{4, 6, 5}},
	{"6011", 16, []int{4, 4, 4, 4}}, {"65", 16, []int{4, 4, 4, 4}}, {"3528", 16, []int{4, 4, 4, 4}},
	{"36", 14, []int{4, 6, 4}}, {"62", 16, []int{4, 4, 4, 4}}, {"6759", 16, []int{4, 4, 4, 4}},
	{"2200", 16, []int{4, 4, 4, 4}},
}

// luhnDigits returns prefix filled to n digits with a valid check digit.
func (g *gen) luhnDigits(prefix string, n int) []byte {
	d := []byte(prefix)
	for len(d) < n-1 {
		d = append(d, byte('0'+g.r.IntN(10)))
	}
	for c := byte('0'); c <= '9'; c++ {
		try := append(append([]byte(nil), d...), c)
		ds := make([]byte, len(try))
		for i, x := range try {
			ds[i] = x - '0'
		}
		if luhn(ds) {
			return try
		}
	}
	panic("unreachable")
}

func layout(d []byte, groups []int, sep string) string {
	if groups == nil || sep == "" {
		return string(d)
	}
	var parts []string
	i := 0
	for _, n := range groups {
		parts = append(parts, string(d[i:i+n]))
		i += n
	}
	return strings.Join(parts, sep)
}

func (g *gen) card() string {
	is := issuers[g.r.IntN(len(issuers))]
	d := g.luhnDigits(is.prefix, is.length)
	return layout(d, is.layout, g.pick("", " ", "-"))
}

func (g *gen) ssn() string {
	area := 1 + g.r.IntN(898)
	if area == 666 {
		area = 667
	}
	sep := g.pick("-", "-", " ")
	return fmt.Sprintf("%03d%s%02d%s%04d", area, sep, 1+g.r.IntN(99), sep, 1+g.r.IntN(9999))
}

func (g *gen) token(n int) string { return g.chars(n, alnum+"-._~") }

// bearer returns an Authorization-style text and the credential in it.
func (g *gen) bearer() (text, secret string) {
	switch g.r.IntN(5) {
	case 0:
		secret = g.token(32)
		return "Bearer " + secret, secret
	case 1:
		secret = g.token(40)
		return "Authorization: Bearer " + secret, secret
	case 2:
		secret = base64.StdEncoding.EncodeToString([]byte(g.pick(firstNames...) + ":" + g.chars(12, alnum)))
		return "Authorization: Basic " + secret, secret
	case 3:
		secret = g.chars(24, hexDigits)
		return "authorization=" + secret, secret
	default:
		secret = g.token(28)
		return `"Authorization": "Token ` + secret + `"`, secret
	}
}

func (g *gen) jwt() string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(g.pick(`{"alg":"HS256","typ":"JWT"}`, `{"alg":"RS256","kid":"`+g.chars(8, hexDigits)+`"}`, `{"typ":"JWT","alg":"ES256"}`)))
	p := enc.EncodeToString(fmt.Appendf(nil, `{"sub":"%s","iat":%d,"email":"%s"}`, g.chars(10, alnum), 1700000000+g.r.IntN(1e7), g.pick(firstNames...)))
	return h + "." + p + "." + g.chars(43, b64url)
}

func (g *gen) aws() string {
	return g.pick("AKIA", "ASIA") + g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
}

// pem returns a private key block and its body lines, each a secret.
func (g *gen) pem() (block string, lines []string) {
	label := g.pick("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY")
	for range 2 + g.r.IntN(3) {
		lines = append(lines, g.chars(64, alnum+"+/"))
	}
	return "-----BEGIN " + label + "-----\n" + strings.Join(lines, "\n") + "\n-----END " + label + "-----", lines
}

func (g *gen) password() string {
	return g.pick("Tr0ub4dor", "hunter", "CorrectHorse", "s3cr3t", "letmein", "P@55w0rd") + g.chars(6, alnum) + g.pick("!", "#", "*", "")
}

// urlCreds returns a URL with a password and the password.
func (g *gen) urlCreds() (string, string) {
	pw := g.password()
	scheme := g.pick("postgres", "mysql", "redis", "https", "amqp", "mongodb+srv")
	return fmt.Sprintf("%s://%s:%s@%s:%d/%s", scheme, g.pick(firstNames...), pw, g.pick("db", "cache", "mq")+"."+g.pick(domains...), 1024+g.r.IntN(9000), g.pick("app", "orders", "")), pw
}

// urlParam returns a URL whose query carries a credential, and the credential.
func (g *gen) urlParam() (string, string) {
	name := g.pick(DefaultURLParams()...)
	v := g.chars(20+g.r.IntN(20), alnum+"-_")
	sep := "?"
	pre := ""
	if g.r.IntN(2) == 0 {
		pre = "?page=" + fmt.Sprint(g.r.IntN(9)+1)
		sep = "&"
	}
	if name == "access_token" && g.r.IntN(2) == 0 {
		return "https://app." + g.pick(domains...) + "/callback#" + name + "=" + v + "&token_type=bearer", v
	}
	return "https://" + g.pick("s3.amazonaws.com/bucket", "storage.googleapis.com/b", "api."+g.pick(domains...)) + "/v1/items" + pre + sep + name + "=" + v + "&lang=en", v
}

func (g *gen) iban() string {
	for {
		bban := g.chars(4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + g.chars(14, "0123456789")
		for check := 2; check <= 98; check++ {
			s := fmt.Sprintf("GB%02d%s", check, bban)
			if ibanChecks([]byte(s)) {
				return s
			}
		}
	}
}

// ibanOf returns a valid IBAN of country cc with a bank code of letters or
// digits and an account of digits, of the length the country uses.
func (g *gen) ibanOf(cc string, bank string) string {
	n := int(ibanLengths[[2]byte{cc[0], cc[1]}])
	for {
		bban := bank + g.chars(n-4-len(bank), "0123456789")
		for check := 2; check <= 98; check++ {
			s := fmt.Sprintf("%s%02d%s", cc, check, bban)
			if ibanChecks([]byte(s)) {
				return s
			}
		}
	}
}

func grouped4(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func (g *gen) b64(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

func (g *gen) hex(n int) string { return g.chars(n, hexDigits) }

// textCredential returns a text a program logs as a string that holds a
// credential named by its key, and the credential.
func (g *gen) textCredential(kind string) (string, string) {
	pw := g.password()
	user := g.pick(firstNames...)
	host := g.pick("db", "pg-primary", "mysql-2", "orders-db") + "." + g.pick("internal", "svc.cluster.local", "example.net")
	switch kind {
	case "json_body":
		key := g.pick("password", "client_secret", "api_key", "access_token", "refresh_token", "secret", "new_password", "apiKey")
		return fmt.Sprintf(`{"username":%q,%q:%q,"remember_me":true}`, user, key, pw), pw
	case "json_escaped":
		return fmt.Sprintf(`{"level":"debug","body":"{\"grant_type\":\"password\",\"username\":\"%s\",\"password\":\"%s\"}"}`, user, pw), pw
	case "json_otp":
		otp := fmt.Sprint(100000 + g.r.IntN(899999))
		return fmt.Sprintf(`{"user_id":%d,"otp":%s,"channel":"sms"}`, g.r.IntN(99999), otp), otp
	case "form_body":
		key := g.pick("password", "client_secret", "api_key", "refresh_token")
		return fmt.Sprintf("grant_type=%s&username=%s&%s=%s&client_id=web-%d", g.pick("password", "refresh_token", "client_credentials"), user, key, pw, g.r.IntN(99)), pw
	case "struct_dump":
		return fmt.Sprintf("{Host:%s Port:5432 User:%s Password:%s SSLMode:require MaxConns:%d}", host, user, pw, 5+g.r.IntN(50)), pw
	case "fmt_map":
		return fmt.Sprintf("map[api_key:%s region:eu-west-%d timeout:30s]", pw, 1+g.r.IntN(3)), pw
	case "env_dump":
		v := g.hex(64)
		return fmt.Sprintf("RAILS_ENV=production\nSECRET_KEY_BASE=%s\nPORT=%d\nPWD=/srv/app", v, 3000+g.r.IntN(9)), v
	case "env_db_pass":
		return fmt.Sprintf("DB_HOST=%s DB_USER=%s DB_PASS=%s DB_NAME=orders", host, user, pw), pw
	case "cmdline":
		return fmt.Sprintf("exec /usr/bin/pg_dump --host %s --username %s --password %s --dbname orders", host, user, pw), pw
	case "cmdline_eq":
		return fmt.Sprintf("mysql --host=%s --user=%s --password=%s orders", host, user, pw), pw
	case "libpq":
		return fmt.Sprintf("host=%s port=5432 user=%s password=%s dbname=orders sslmode=require", host, user, pw), pw
	case "ado_net":
		return fmt.Sprintf("Server=tcp:%s,1433;Database=orders;User ID=%s;Password=%s;Encrypt=True;Connection Timeout=30;", host, user, pw), pw
	case "azure_storage_conn":
		k := g.b64(64)
		return "DefaultEndpointsProtocol=https;AccountName=acct" + fmt.Sprint(g.r.IntN(999)) + ";AccountKey=" + k + ";EndpointSuffix=core.windows.net", k
	case "azure_servicebus_conn":
		k := g.b64(32)
		return "Endpoint=sb://orders-" + fmt.Sprint(g.r.IntN(99)) + ".servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + k, k
	case "azure_sas_url":
		sig := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(g.b64(32))
		return "https://acct.blob.core.windows.net/exports/report.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&spr=https&sig=" + sig, sig
	case "go_sql_dsn":
		return fmt.Sprintf("%s:%s@tcp(10.0.%d.%d:3306)/orders?parseTime=true&loc=UTC", user, pw, g.r.IntN(255), g.r.IntN(255)), pw
	case "smtp_url":
		return fmt.Sprintf("smtp://alerts@%s:%s@smtp.%s:587", g.pick(domains...), pw, g.pick(domains...)), pw
	case "redis_url":
		return fmt.Sprintf("redis://:%s@cache.internal:6379/%d", pw, g.r.IntN(16)), pw
	case "cookie_header":
		v := g.hex(32)
		return fmt.Sprintf("Cookie: %s=%s; theme=dark; lang=en", g.pick("_session_id", "sessionid", "JSESSIONID", "PHPSESSID", "connect.sid", "_gh_sess"), v), v
	case "set_cookie_header":
		v := g.chars(40, alnum)
		return fmt.Sprintf("Set-Cookie: %s=%s; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax", g.pick("sid", "auth", "remember_token"), v), v
	case "auth_token":
		v := "ghp_" + g.chars(36, alnum)
		return "GET /repos/acme/api Authorization: token " + v, v[4:]
	case "auth_ssws":
		v := "00" + g.chars(40, alnum+"-_")
		return "Authorization: SSWS " + v, v
	case "auth_digest":
		v := g.hex(32)
		return fmt.Sprintf(`Authorization: Digest username="%s", realm="api", nonce="%s", uri="/v1/me", response="%s"`, user, g.hex(16), v), v
	case "auth_aws4":
		v := g.hex(64)
		return "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + v, v
	case "auth_header_json":
		v := g.chars(40, alnum+"-_.")
		return fmt.Sprintf(`{"Accept":["application/json"],"Authorization":["Bearer %s"],"X-Request-Id":["%s"]}`, v, g.hex(16)), v
	case "auth_header_fmt":
		v := g.chars(40, alnum+"-_.")
		return fmt.Sprintf("map[Accept:[*/*] Authorization:[Bearer %s] User-Agent:[Go-http-client/1.1]]", v), v
	case "api_key_header":
		v := g.hex(32)
		return "X-Api-Key: " + v, v
	case "aws_sts_json":
		v := g.chars(40, alnum+"+/")
		return fmt.Sprintf(`{"Credentials":{"AccessKeyId":"ASIA%s","SecretAccessKey":"%s","Expiration":"2026-03-14T10:26:53Z"}}`, g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), v), v
	case "aws_ini":
		v := g.chars(40, alnum+"+/")
		return "[default]\naws_access_key_id = AKIA" + g.chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") + "\naws_secret_access_key = " + v, v
	case "ssn_fixed_width":
		s := g.ssn()
		s = strings.ReplaceAll(s, " ", "-")
		return fmt.Sprintf("%06d %s %08d %05d", g.r.IntN(999999), s, g.r.IntN(99999999), g.r.IntN(99999)), s
	case "iban_grouped":
		i := g.ibanOf(g.pick("DE", "FR", "NL", "ES", "GB", "IT"), "")
		return "refund to " + grouped4(i), grouped4(i)
	case "card_json_number":
		c := string(g.luhnDigits(g.pick("4", "51", "6011"), 16))
		return fmt.Sprintf(`{"amount":%d,"currency":"EUR","card":%s,"exp":"%02d/%d"}`, 100+g.r.IntN(9000), c, 1+g.r.IntN(12), 27+g.r.IntN(5)), c
	}
	panic(kind)
}

var textCredentialKinds = []string{
	"json_body", "json_escaped", "json_otp", "form_body", "struct_dump", "fmt_map", "env_dump", "env_db_pass",
	"cmdline", "cmdline_eq", "libpq", "ado_net", "azure_storage_conn", "azure_servicebus_conn", "azure_sas_url",
	"go_sql_dsn", "smtp_url", "redis_url", "cookie_header", "set_cookie_header", "auth_token", "auth_ssws",
	"auth_digest", "auth_aws4", "auth_header_json", "auth_header_fmt", "api_key_header", "aws_sts_json", "aws_ini",
	"ssn_fixed_width", "iban_grouped", "card_json_number",
}

// typedSecret returns an attribute of a typed value that holds a secret:
// http.Header, []*http.Cookie, url.Values, json.RawMessage, a
// json.Marshaler, a JSON-decoded body with a card number.
func (g *gen) typedSecret(kind string) (corpusAttr, string) {
	v := g.chars(32, alnum)
	switch kind {
	case "typed_header":
		h := map[string][]string{"Accept": {"application/json"}, "X-Request-Id": {g.hex(16)}}
		switch g.r.IntN(3) {
		case 0:
			h["Authorization"] = []string{"Bearer " + v}
		case 1:
			h["Cookie"] = []string{"sid=" + v}
		default:
			h["X-Api-Key"] = []string{v}
		}
		return corpusAttr{Key: "headers", Kind: "header", Value: jsonValue(h)}, v
	case "typed_cookies":
		cs := []map[string]string{{"name": g.pick("_gh_sess", "sid", "__Host-session", "csrftoken"), "value": v}, {"name": "theme", "value": "dark"}}
		return corpusAttr{Key: "cookies", Kind: "cookies", Value: jsonValue(cs)}, v
	case "typed_values":
		k := g.pick("client_secret", "password", "sig", "access_token", "refresh_token")
		return corpusAttr{Key: "form", Kind: "values", Value: jsonValue(map[string][]string{"grant_type": {"client_credentials"}, k: {v}})}, v
	case "typed_raw":
		return strAttr("body", "raw", fmt.Sprintf(`{"user":"%s","password":"%s"}`, g.pick(firstNames...), v)), v
	case "typed_marshaler":
		return strAttr("client", "marshaler", fmt.Sprintf(`{"id":%d,"api_key":"%s","region":"eu"}`, g.r.IntN(999), v)), v
	case "typed_card_number":
		c := string(g.luhnDigits(g.pick("4", "51", "6011", "37"), 16))
		if c[0] == '3' {
			c = string(g.luhnDigits("37", 15))
		}
		return corpusAttr{Key: "payment", Kind: "float", Value: []byte(c)}, c
	}
	panic(kind)
}

var typedKinds = []string{"typed_header", "typed_cookies", "typed_values", "typed_raw", "typed_marshaler", "typed_card_number"}
