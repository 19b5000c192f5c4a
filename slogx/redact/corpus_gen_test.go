package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update", false, "rewrite testdata/redact/*.jsonl from the generator")

// TestCorpusMatchesGenerator checks that testdata/redact holds what the
// generator writes, so that the corpora and the code that explains them do
// not drift apart; with -update it rewrites them:
//
//	go test ./slogx/redact -run TestCorpusMatchesGenerator -args -update
//
// The generator is deterministic (a fixed PCG seed). The committed files
// are what TestSecretsCorpus and TestLookalikesCorpus read.
func TestCorpusMatchesGenerator(t *testing.T) {
	g := &gen{r: rand.New(rand.NewPCG(2024, 11))}
	for _, c := range []struct {
		name string
		recs []corpusRecord
	}{
		{"secrets.jsonl", g.secrets()},
		{"lookalikes.jsonl", g.lookalikes()},
	} {
		want := encodeCorpus(t, c.recs)
		path := filepath.Join(corpusDir, c.name)
		if *updateCorpus {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %d records to %s", len(c.recs), c.name)
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator writes; edit the generator and rerun with -update", c.name)
		}
	}
}

func encodeCorpus(t *testing.T, recs []corpusRecord) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

type gen struct {
	r *rand.Rand
	n int
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64url    = alnum + "-_"
	hexDigits = "0123456789abcdef"
)

func jsonValue(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSpace(buf.Bytes())
}

func strAttr(key, kind, v string) corpusAttr {
	return corpusAttr{Key: key, Kind: kind, Value: jsonValue(v)}
}

// ---- secrets ----

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

func (g *gen) stripe() string { return g.pick("sk", "rk") + "_live_" + g.chars(24, alnum) }

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

// A secretText is a text that holds secrets, and the secrets.
type secretText struct {
	kind    string
	text    string
	secrets []string
	inURL   string // a URL carrying the secret, for the url placement; "" if none makes sense
	// urlSecrets are the secrets as inURL spells them, when it differs.
	urlSecrets []string
}

func (g *gen) secretText(kind string) secretText {
	one := func(text, secret, inURL string) secretText {
		return secretText{kind: kind, text: text, secrets: []string{secret}, inURL: inURL}
	}
	switch kind {
	case "email":
		e := g.email()
		return one(e, e, "https://crm."+g.pick(domains...)+"/contacts/"+e)
	case "card":
		c := g.card()
		dashed := strings.ReplaceAll(c, " ", "-")
		st := one(c, c, "https://pay."+g.pick(domains...)+"/charge?amount=120&pan="+dashed)
		st.urlSecrets = []string{dashed}
		return st
	case "ssn":
		s := g.ssn()
		dashed := strings.ReplaceAll(s, " ", "-")
		st := one(s, s, "https://hr."+g.pick(domains...)+"/lookup?q="+dashed)
		st.urlSecrets = []string{dashed}
		return st
	case "bearer":
		text, s := g.bearer()
		return one(text, s, "")
	case "jwt":
		j := g.jwt()
		return one(j, j, "https://app."+g.pick(domains...)+"/sso?assertion="+j)
	case "aws":
		k := g.aws()
		return one(k, k, "https://console."+g.pick(domains...)+"/iam?id="+k)
	case "pem":
		block, lines := g.pem()
		return secretText{kind: kind, text: block, secrets: lines}
	case "url_credentials":
		u, pw := g.urlCreds()
		// A *url.URL prints its password escaped: use a plain one there.
		plain := g.pick("Kx", "Zq", "Wv") + g.chars(14, alnum)
		st := one(u, pw, strings.Replace(u, ":"+pw+"@", ":"+plain+"@", 1))
		st.urlSecrets = []string{plain}
		return st
	case "url_params":
		u, v := g.urlParam()
		return one(u, v, u)
	case "stripe_key":
		k := g.stripe()
		return one(k, k, "https://hooks."+g.pick(domains...)+"/cb?live="+k)
	case "iban":
		i := g.iban()
		return one(i, i, "")
	}
	panic(kind)
}

var sentences = []string{
	"%s",
	"user signed up with %s",
	"retrying request with %s after 3 attempts",
	`payload {"field":"%s","ok":true}`,
	"value=%s status=ok",
	"failed to process (%s): upstream timeout",
}

func (g *gen) sentence(s string) string {
	// PEM blocks and Authorization texts read best on their own.
	return fmt.Sprintf(g.pick(sentences...), s)
}

var placements = []string{
	"message", "attr", "group", "nested_group", "with", "group_with", "ctx",
	"error", "stringer", "valuer", "map", "slice", "struct", "url",
}

func (g *gen) place(where string, st secretText) (corpusRecord, bool) {
	g.n++
	rec := corpusRecord{Name: fmt.Sprintf("%s/%s/%03d", st.kind, where, g.n), Msg: "event", Secrets: st.secrets}
	text := g.sentence(st.text)
	plain := strAttr("request_id", "string", fmt.Sprintf("req-%06d", g.r.IntN(1e6)))
	switch where {
	case "message":
		rec.Msg = text
		rec.Attrs = []corpusAttr{plain}
	case "attr":
		rec.Attrs = []corpusAttr{plain, strAttr(g.pick("detail", "note", "input", "body"), "string", text)}
	case "group":
		rec.Attrs = []corpusAttr{{Key: "req", Kind: "group", Value: jsonValue([]corpusAttr{plain, strAttr("detail", "string", text)})}}
	case "nested_group":
		inner := corpusAttr{Key: "headers", Kind: "group", Value: jsonValue([]corpusAttr{strAttr("x-debug", "string", text)})}
		rec.Attrs = []corpusAttr{{Key: "http", Kind: "group", Value: jsonValue([]corpusAttr{plain, inner})}}
	case "with":
		rec.With = []corpusAttr{strAttr("context", "string", text)}
		rec.Attrs = []corpusAttr{plain}
	case "group_with":
		rec.Groups = []string{g.pick("svc", "worker", "api")}
		rec.GroupWith = []corpusAttr{strAttr("context", "string", text)}
		rec.Attrs = []corpusAttr{plain}
	case "ctx":
		rec.Ctx = []corpusAttr{plain, strAttr("origin", "string", text)}
	case "error":
		rec.Attrs = []corpusAttr{strAttr("err", "error", text)}
	case "stringer":
		rec.Attrs = []corpusAttr{strAttr("obj", "stringer", text)}
	case "valuer":
		rec.Attrs = []corpusAttr{strAttr("lazy", "valuer", text)}
	case "map":
		rec.Attrs = []corpusAttr{{Key: "payload", Kind: "map", Value: jsonValue(map[string]any{
			"id": g.r.IntN(1000), "user": map[string]any{"comment": text, "roles": []any{"admin"}}})}}
	case "slice":
		rec.Attrs = []corpusAttr{{Key: "lines", Kind: "slice", Value: jsonValue([]any{"starting", text, 42})}}
	case "struct":
		p := corpusProfile{Name: g.pick(firstNames...)}
		switch g.r.IntN(3) {
		case 0:
			p.Note = text
		case 1:
			p.Contact = &corpusContact{Phone: "+1 555 0100", Notes: []any{text}}
		default:
			p.Meta = map[string]string{"source": text}
		}
		rec.Attrs = []corpusAttr{{Key: "profile", Kind: "struct", Value: jsonValue(p)}}
	case "url":
		if st.inURL == "" {
			return rec, false
		}
		rec.Attrs = []corpusAttr{strAttr("url", "url", st.inURL)}
		if st.urlSecrets != nil {
			rec.Secrets = st.urlSecrets
		}
	}
	return rec, true
}

// keyed returns records whose secrets only their keys give away.
func (g *gen) keyed() []corpusRecord {
	keys := []string{"password", "Password", "db_password", "dbPassword", "X-Auth-Token", "api_key", "API-Key",
		"apiKey", "client_secret", "Set-Cookie", "cookie", "session_id", "private_key", "AWS_SECRET_ACCESS_KEY",
		"credentials", "refresh_token", "otp", "passphrase", "authorization", "secret", "jwt", "ssn", "cvv"}
	var recs []corpusRecord
	add := func(name string, secret string, rec corpusRecord) {
		g.n++
		rec.Name = fmt.Sprintf("key/%s/%03d", name, g.n)
		if rec.Msg == "" {
			rec.Msg = "config loaded"
		}
		rec.Secrets = []string{secret}
		recs = append(recs, rec)
	}
	for i, k := range keys {
		v := g.password()
		switch i % 6 {
		case 0:
			add("attr", v, corpusRecord{Attrs: []corpusAttr{strAttr(k, "string", v)}})
		case 1:
			add("group", v, corpusRecord{Attrs: []corpusAttr{{Key: "db", Kind: "group", Value: jsonValue([]corpusAttr{strAttr("host", "string", "db1"), strAttr(k, "string", v)})}}})
		case 2:
			add("with", v, corpusRecord{With: []corpusAttr{strAttr(k, "string", v)}})
		case 3:
			add("group_with", v, corpusRecord{Groups: []string{"cfg"}, GroupWith: []corpusAttr{strAttr(k, "string", v)}})
		case 4:
			add("map", v, corpusRecord{Attrs: []corpusAttr{{Key: "env", Kind: "map", Value: jsonValue(map[string]any{"HOME": "/root", k: v})}}})
		case 5:
			add("ctx", v, corpusRecord{Ctx: []corpusAttr{strAttr(k, "string", v)}})
		}
	}
	// Every key in the struct, the slice, an int value, a group value.
	for _, k := range keys[:8] {
		v := g.password()
		add("struct_meta", v, corpusRecord{Attrs: []corpusAttr{{Key: "profile", Kind: "struct", Value: jsonValue(corpusProfile{Name: "n", Meta: map[string]string{k: v}})}}})
	}
	for range 4 {
		pin := fmt.Sprint(80000000 + g.r.IntN(9999999))
		add("int", pin, corpusRecord{Attrs: []corpusAttr{{Key: g.pick("otp", "cvv", "ssn"), Kind: "int", Value: json.RawMessage(pin)}}})
	}
	for range 3 {
		v := g.password()
		add("group_value", v, corpusRecord{Attrs: []corpusAttr{{Key: "credentials", Kind: "group", Value: jsonValue([]corpusAttr{strAttr("user", "string", "svc"), strAttr("value", "string", v)})}}})
	}
	// The redact:"true" tag masks whatever the field holds.
	for range 4 {
		v := g.pick("mother's maiden name ", "first pet ") + g.chars(8, alnum)
		add("tag", v, corpusRecord{Attrs: []corpusAttr{{Key: "profile", Kind: "struct", Value: jsonValue(corpusProfile{Name: "n", SecretAnswer: v})}}})
	}
	// Dotted keys: patient.dob and billing.account, inline and through WithGroup.
	for range 3 {
		dob := fmt.Sprintf("19%02d-%02d-%02d", 40+g.r.IntN(60), 1+g.r.IntN(12), 1+g.r.IntN(28))
		add("dotted_group", dob, corpusRecord{Attrs: []corpusAttr{{Key: "patient", Kind: "group", Value: jsonValue([]corpusAttr{strAttr("dob", "string", dob), strAttr("ward", "string", "3B")})}}})
		acct := "ACCT-" + g.chars(10, "0123456789")
		add("dotted_withgroup", acct, corpusRecord{Groups: []string{"billing"}, Attrs: []corpusAttr{strAttr("account", "string", acct)}})
		dob2 := fmt.Sprintf("19%02d-%02d-%02d", 40+g.r.IntN(60), 1+g.r.IntN(12), 1+g.r.IntN(28))
		add("dotted_map", dob2, corpusRecord{Attrs: []corpusAttr{{Key: "patient", Kind: "map", Value: jsonValue(map[string]any{"dob": dob2, "ward": "4C"})}}})
	}
	return recs
}

func (g *gen) secrets() []corpusRecord {
	var recs []corpusRecord
	kinds := []string{"email", "card", "ssn", "bearer", "jwt", "aws", "pem", "url_credentials", "url_params", "stripe_key", "iban"}
	for _, kind := range kinds {
		for _, where := range placements {
			for range 2 {
				if rec, ok := g.place(where, g.secretText(kind)); ok {
					recs = append(recs, rec)
				}
			}
		}
	}
	recs = append(recs, g.keyed()...)
	// Several secrets in one text.
	for range 6 {
		a, b, c := g.secretText("email"), g.secretText("card"), g.secretText("jwt")
		g.n++
		recs = append(recs, corpusRecord{
			Name:    fmt.Sprintf("mixed/message/%03d", g.n),
			Msg:     fmt.Sprintf("user %s paid with %s using %s", a.text, b.text, c.text),
			Secrets: []string{a.text, b.text, c.text},
		})
	}
	return recs
}

// ---- look-alikes ----

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
	lookWhere := []string{"message", "attr", "group", "with", "group_with", "ctx", "error", "map", "slice", "struct", "valuer"}
	for i := 0; i < 264; i++ {
		where := lookWhere[i%len(lookWhere)]
		key, v := g.lookalikeValue()
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
		}
		recs = append(recs, rec)
	}
	return recs
}
