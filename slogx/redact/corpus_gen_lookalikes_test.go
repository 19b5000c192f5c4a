package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

func (g *gen) uuid() string {
	h := g.chars(32, hexDigits)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + g.pick("8", "9", "a", "b") + h[17:20] + "-" + h[20:]
}

// numericUUID is a UUID made of digits only, the kind that fools card checks.
func (g *gen) numericUUID() string {
	h := g.chars(32, "0123456789")
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *gen) msTimestamp() string {
	return fmt.Sprint(int64(1_000_000_000_000) + g.r.Int64N(1_000_000_000_000)) // 2001 to 2033
}

// nonCard returns a 13 to 19 digit number that no issuer check accepts:
// an unused first digit, or a card prefix that fails Luhn.
func (g *gen) nonCard() string {
	n := 13 + g.r.IntN(7)
	if g.r.IntN(2) == 0 {
		return g.pick("1", "7", "8", "9") + g.chars(n-1, "0123456789")
	}
	is := issuers[g.r.IntN(len(issuers))]
	d := g.luhnDigits(is.prefix, is.length)
	last := d[len(d)-1] - '0'
	d[len(d)-1] = '0' + (last+1+byte(g.r.IntN(9)))%10
	return string(d)
}

func (g *gen) badSSN() string {
	switch g.r.IntN(4) {
	case 0:
		return fmt.Sprintf("%03d-%02d-%04d", g.pick2(0, 666, 900+g.r.IntN(100)), 1+g.r.IntN(99), 1+g.r.IntN(9999))
	case 1:
		return fmt.Sprintf("%03d-00-%04d", 1+g.r.IntN(665), 1+g.r.IntN(9999))
	case 2:
		return fmt.Sprintf("%03d-%02d-0000", 1+g.r.IntN(665), 1+g.r.IntN(99))
	default:
		return fmt.Sprintf("+1-%03d-%03d-%04d", 200+g.r.IntN(700), 200+g.r.IntN(700), g.r.IntN(10000))
	}
}

func (g *gen) pick2(xs ...int) int { return xs[g.r.IntN(len(xs))] }

func (g *gen) version() string {
	return g.pick("v", "", "go", "release-") + fmt.Sprintf("%d.%d.%d", g.r.IntN(3), g.r.IntN(30), g.r.IntN(20)) + g.pick("", "-rc.1", "+build.20240115", "-beta")
}

func (g *gen) ipPort() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d:%d", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), 1024+g.r.IntN(60000))
	case 1:
		return fmt.Sprintf("[2001:db8::%x]:%d", g.r.IntN(65536), 1+g.r.IntN(65535))
	default:
		return fmt.Sprintf("%d.%d.%d.%d:443", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	}
}

func (g *gen) atProse() string {
	return g.pick(
		"ping @"+g.pick(firstNames...)+" about the deploy",
		"meet @ "+fmt.Sprint(1+g.r.IntN(12))+"pm in room 4",
		"asset icon@"+g.pick("2x", "3x")+".png missing",
		"npm install lodash@4.17."+fmt.Sprint(g.r.IntN(22)),
		"go get golang.org/x/net@v0."+fmt.Sprint(g.r.IntN(30))+".0",
		"image nginx@sha256:"+g.chars(64, hexDigits),
		"cc @channel: build "+fmt.Sprint(g.r.IntN(9999))+" is green",
		"ssh://git@github.com/org/repo.git",
		g.pick(firstNames...)+"@localhost refused the connection",
		"price: 3 @ $4.99",
		"@types/node@20."+fmt.Sprint(g.r.IntN(12))+".0 installed",
	)
}

func (g *gen) prose() string {
	return g.pick(
		"the bearer of this note may pass",
		"basic auth is disabled for this route",
		"authorization failed for "+g.pick(firstNames...),
		"authorization: "+g.pick("user not allowed", "invalid token", "denied", "expired session"),
		"token bucket refilled, 5 tokens left",
		"password policy updated",
		"secret rotation scheduled for "+fmt.Sprintf("2025-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28)),
		"eyJ is how base64 JSON starts",
		"AKIA prefix means a long-term key",
		"-----BEGIN CERTIFICATE-----\nMIIB"+g.chars(40, alnum)+"\n-----END CERTIFICATE-----",
		"https://example.com/search?q=golang&page="+fmt.Sprint(1+g.r.IntN(9)),
		"https://"+g.pick(firstNames...)+"@example.com/profile",
		"GET /api/v1/orders?sort=desc&limit=50 200",
	)
}

// moreLookalikes are values that share a shape, a prefix or a word with a
// secret and are not one; each must come through byte-identical.
func (g *gen) moreLookalike() (string, string) {
	switch g.r.IntN(30) {
	case 0:
		return "trace_id", g.hex(32)
	case 1:
		return "span_id", g.hex(16)
	case 2:
		return "traceparent", "00-" + g.hex(32) + "-" + g.hex(16) + "-01"
	case 3:
		return "digest", g.pick("sha256:", "") + g.hex(64)
	case 4:
		return "etag", `"` + g.hex(32) + `"`
	case 5:
		// Luhn-valid numbers no issuer uses: ids and timestamps.
		return "event_id", string(g.luhnDigits(g.pick("1", "7", "8", "9"), 13+g.r.IntN(7)))
	case 6:
		return "pubkey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + g.chars(43, alnum+"+/") + " deploy@ci-runner"
	case 7:
		return "public_key", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + g.chars(52, alnum+"+/") + "\n-----END PUBLIC KEY-----"
	case 8:
		return "publishable_key", "pk_live_" + g.chars(24, alnum)
	case 9:
		c := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"page":%d,"after":"%s"}`, 2+g.r.IntN(50), g.hex(12)))
		return "next", g.pick("cursor=", "/v1/items?cursor=", "") + c
	case 10:
		return "text", g.pick("we use Bearer token-based auth for the public API",
			"token_type=Bearer&expires_in=3600&scope=read",
			`{"token_type":"Bearer","expires_in":3600,"scope":"orders:read"}`,
			"basic auth is disabled for this route",
			"Authorization header missing",
			"authorization: user not allowed")
	case 11:
		return "remote", g.pick("git@github.com:acme/payments.git", "git@gitlab.example.com:platform/infra.git",
			"ssh://git@github.com:22/acme/api.git", "https://github.com/acme/api.git")
	case 12:
		return "pod", g.pick("api", "worker", "payments") + "-" + g.chars(10, "bcdfghjklmnpqrstvwxz2456789") + "-" + g.chars(5, "bcdfghjklmnpqrstvwxz2456789")
	case 13:
		return "note", g.pick("rotate ghp_ tokens every 90 days", "sk_test_ keys only work in test mode",
			"xoxb- tokens belong to bots", "AIza keys are restricted by referrer", "use glpat- tokens with api scope",
			"hvs. tokens expire after 32 days", "disk_usage task_list risk_live_score", "MSG.SENT SG.handler ready",
			"key-value store warmed up", "the SK prefix marks an API key")
	case 14:
		return "body", fmt.Sprintf(`{"user":"%s","password_policy":"strict","tokens_used":%d,"session_count":%d,"passwordless":true}`,
			g.pick(firstNames...), g.r.IntN(99999), g.r.IntN(9))
	case 15:
		return "form", "grant_type=authorization_code&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=" + g.hex(16)
	case 16:
		return "env", fmt.Sprintf("HOME=/root PATH=/usr/local/bin:/usr/bin PWD=/srv/app LANG=C.UTF-8 GOMAXPROCS=%d", 1+g.r.IntN(8))
	case 17:
		return "cmd", g.pick("server --port 8080 --password-file /run/secrets/db --token-ttl 1h",
			"pg_dump --no-password --host db.internal orders", "deploy --token-file /etc/ci/token --dry-run")
	case 18:
		return "dsn", g.pick("postgres://app@db.internal:5432/orders?sslmode=require",
			"host=db.internal port=5432 user=app dbname=orders sslmode=disable",
			"Server=tcp:sql.example.net,1433;Database=orders;Encrypt=True;",
			"redis://cache.internal:6379/0", "mongodb+srv://cluster0.example.net/?retryWrites=true")
	case 19:
		return "text", g.pick("validation failed: password: must be at least 12 characters", "token: expired",
			"session: 42 active", "cookie consent accepted", "password reset requested for account "+fmt.Sprint(g.r.IntN(99999)),
			"secret: not found in vault", "api_key: missing")
	case 20:
		return "arn", fmt.Sprintf("arn:aws:iam::%012d:role/%s", g.r.Int64N(1e12), g.pick("deploy", "reader", "ci"))
	case 21:
		return "url", "https://" + g.pick("s3.amazonaws.com/bucket", "storage.googleapis.com/b") + "/exports/" + g.hex(8) + ".csv?versionId=" + g.chars(32, alnum)
	case 22:
		i := g.ibanOf(g.pick("DE", "FR", "GB"), "")
		last := i[len(i)-1]
		return "ref", i[:len(i)-1] + string('0'+(last-'0'+1+byte(g.r.IntN(8)))%10)
	case 23:
		return "phone", g.pick(fmt.Sprintf("+1-555-%03d-%04d", g.r.IntN(999), g.r.IntN(9999)), fmt.Sprintf("(555) %03d-%04d", g.r.IntN(999), g.r.IntN(9999)),
			fmt.Sprintf("%05d-%04d", g.r.IntN(99999), g.r.IntN(9999)))
	case 24:
		return "ts", fmt.Sprintf("2026-%02d-%02dT%02d:%02d:%02d.%06dZ", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(999999))
	case 25:
		return "order", fmt.Sprintf(`{"order_id":%s,"amount":%d,"currency":"EUR"}`, g.msTimestamp(), g.r.IntN(99999))
	case 26:
		return "mac", fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
	case 27:
		return "header", g.pick("Accept: application/json", "Content-Type: application/json; charset=utf-8",
			"X-Request-Id: "+g.uuid(), "Cache-Control: no-store")
	case 28:
		return "id", "req_" + g.hex(48)
	default:
		return "duration", fmt.Sprintf("%d.%03dms", g.r.IntN(999), g.r.IntN(999))
	}
}

func (g *gen) lookalikeValue() (string, string) {
	switch g.r.IntN(11) {
	case 0:
		return "ts_ms", g.msTimestamp()
	case 1:
		return "order", g.pick("ORD-", "#", "PO-", "INV-2024-") + g.chars(6+g.r.IntN(5), "0123456789")
	case 2:
		return "order_number", g.nonCard()
	case 3:
		return "request_id", g.uuid()
	case 4:
		return "trace_id", g.numericUUID()
	case 5:
		return "version", g.version()
	case 6:
		return "note", g.atProse()
	case 7:
		return "addr", g.ipPort()
	case 8:
		return "ref", g.badSSN()
	case 9:
		return "sha", g.chars(40, hexDigits)
	default:
		return "text", g.prose()
	}
}

func (g *gen) lookalikes() []corpusRecord {
	var recs []corpusRecord
	lookWhere := []string{"message", "attr", "group", "with", "group_with", "ctx", "error", "map", "slice", "struct", "valuer",
		"strings", "raw", "marshaler", "stringer"}
	for i := 0; i < 1125; i++ {
		where := lookWhere[i%len(lookWhere)]
		key, v := g.lookalikeValue()
		if i%3 != 0 {
			key, v = g.moreLookalike()
		}
		g.n++
		rec := corpusRecord{Name: fmt.Sprintf("lookalike/%s/%s/%03d", key, where, g.n), Msg: "event"}
		num := corpusAttr{Key: g.pick("tokens", "input_tokens", "keys", "passwordless", "session_count", "n"), Kind: "int", Value: json.RawMessage(g.msTimestamp())}
		switch where {
		case "message":
			rec.Msg = fmt.Sprintf("%s=%s handled", key, v)
			rec.Attrs = []corpusAttr{num}
		case "attr":
			rec.Attrs = []corpusAttr{strAttr(key, "string", v), num}
		case "group":
			rec.Attrs = []corpusAttr{{Key: "req", Kind: "group", Value: jsonValue([]corpusAttr{strAttr(key, "string", v), num})}}
		case "with":
			rec.With = []corpusAttr{strAttr(key, "string", v)}
		case "group_with":
			rec.Groups = []string{"job"}
			rec.GroupWith = []corpusAttr{strAttr(key, "string", v)}
			rec.Attrs = []corpusAttr{num}
		case "ctx":
			rec.Ctx = []corpusAttr{strAttr(key, "string", v)}
		case "error":
			rec.Attrs = []corpusAttr{strAttr("err", "error", key+" "+v+" not found")}
		case "map":
			rec.Attrs = []corpusAttr{{Key: "data", Kind: "map", Value: jsonValue(map[string]any{key: v, "count": 3})}}
		case "slice":
			rec.Attrs = []corpusAttr{{Key: "items", Kind: "slice", Value: jsonValue([]any{v, "next"})}}
		case "struct":
			rec.Attrs = []corpusAttr{{Key: "profile", Kind: "struct", Value: jsonValue(corpusProfile{Name: "n", Note: v, Tags: []string{key}})}}
		case "valuer":
			rec.Attrs = []corpusAttr{strAttr(key, "valuer", v)}
		case "stringer":
			rec.Attrs = []corpusAttr{strAttr(key, "stringer", v)}
		case "strings":
			rec.Attrs = []corpusAttr{{Key: "argv", Kind: "strings", Value: jsonValue([]string{key, v})}}
		case "raw", "marshaler":
			rec.Attrs = []corpusAttr{strAttr("payload", where, string(jsonValue(map[string]any{key: v, "n": 3})))}
		}
		recs = append(recs, rec)
	}
	// Typed values with nothing secret in them.
	for i := range 30 {
		g.n++
		rec := corpusRecord{Name: fmt.Sprintf("lookalike/typed/%d/%03d", i%3, g.n), Msg: "outbound request"}
		switch i % 3 {
		case 0:
			rec.Attrs = []corpusAttr{{Key: "headers", Kind: "header", Value: jsonValue(map[string][]string{
				"Accept": {"application/json"}, "X-Request-Id": {g.uuid()}, "Traceparent": {"00-" + g.hex(32) + "-" + g.hex(16) + "-01"},
				"Content-Length": {fmt.Sprint(g.r.IntN(99999))}})}}
		case 1:
			rec.Attrs = []corpusAttr{{Key: "query", Kind: "values", Value: jsonValue(map[string][]string{
				"page": {fmt.Sprint(1 + g.r.IntN(9))}, "sort": {"desc"}, "cursor": {g.hex(24)}, "token_type": {"Bearer"}})}}
		default:
			rec.Attrs = []corpusAttr{{Key: "totals", Kind: "float", Value: json.RawMessage(g.msTimestamp())}}
		}
		recs = append(recs, rec)
	}
	return recs
}
