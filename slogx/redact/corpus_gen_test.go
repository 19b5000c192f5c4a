package redact

import (
	"bytes"
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

// A secretText is a text that holds secrets, and the secrets.
type secretText struct {
	kind    string
	text    string
	secrets []string
	inURL   string // a URL carrying the secret, for the url placement; "" if none makes sense
	// urlSecrets are the secrets as inURL spells them, when it differs.
	urlSecrets []string
	// whole texts (bodies, dumps, headers) are logged as they are, or
	// after a short lead-in, not inside a sentence's quotes.
	whole bool
}

func ruleByID(id string) *tokenRule {
	for i := range tokenRules {
		if tokenRules[i].id == id {
			return &tokenRules[i]
		}
	}
	panic(id)
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
	case "iban":
		i := g.iban()
		return one(i, i, "")
	}
	if id, ok := strings.CutPrefix(kind, "token/"); ok {
		r := ruleByID(id)
		n := r.min + g.r.IntN(min(r.max, r.min+40)-r.min+1)
		if r.check == checkTelegram {
			n = 45
		}
		tok := exampleToken(r, n, g.r)
		st := one(tok, tok[len(r.prefix):], "")
		switch {
		case r.check == checkTelegram && r.prefix[0] == '/':
			st.inURL = "https://api.telegram.org" + tok + "/sendMessage?chat_id=-100" + fmt.Sprint(g.r.IntN(1e9))
		case r.check == checkTelegram:
			st.inURL = "https://" + tok + "/getUpdates"
		case isAlnum(r.prefix[0]) && !strings.ContainsAny(tok, "/+=:"):
			st.inURL = "https://hooks." + g.pick(domains...) + "/v1/cb?ref=build&key=" + tok
		}
		return st
	}
	text, secret := g.textCredential(kind)
	return secretText{kind: kind, text: text, secrets: []string{secret}, whole: true}
}

var sentences = []string{
	"%s",
	"user signed up with %s",
	"retrying request with %s after 3 attempts",
	`payload {"field":"%s","ok":true}`,
	"value=%s status=ok",
	"failed to process (%s): upstream timeout",
}

var leadIns = []string{"%s", "request body: %s", "exec failed: %s", "upstream said %s"}

func (g *gen) sentence(st secretText) string {
	if st.whole {
		return fmt.Sprintf(g.pick(leadIns...), st.text)
	}
	return fmt.Sprintf(g.pick(sentences...), st.text)
}

var placements = []string{
	"message", "attr", "group", "nested_group", "with", "group_with", "ctx",
	"error", "stringer", "valuer", "map", "slice", "strings", "struct", "raw", "marshaler", "url",
}

func (g *gen) place(where string, st secretText) (corpusRecord, bool) {
	g.n++
	rec := corpusRecord{Name: fmt.Sprintf("%s/%s/%03d", st.kind, where, g.n), Msg: "event", Secrets: st.secrets}
	text := g.sentence(st)
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
	case "strings":
		rec.Attrs = []corpusAttr{{Key: "argv", Kind: "strings", Value: jsonValue([]string{"worker", text})}}
	case "raw", "marshaler":
		rec.Attrs = []corpusAttr{strAttr("payload", where, string(jsonValue(map[string]any{"id": g.r.IntN(1000), "note": text})))}
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
	add := func(rec corpusRecord, ok bool) {
		if ok {
			recs = append(recs, rec)
		}
	}
	// The detectors of the first round, twice in every place.
	for _, kind := range []string{"email", "card", "ssn", "bearer", "jwt", "aws", "pem", "url_credentials", "url_params", "iban"} {
		for _, where := range placements {
			for range 2 {
				add(g.place(where, g.secretText(kind)))
			}
		}
	}
	// Every vendor token rule, in nine places, rotating.
	for k, r := range tokenRules {
		for j := range 9 {
			add(g.place(placements[(k+j*2)%len(placements)], g.secretText("token/"+r.id)))
		}
	}
	// Credentials inside text, in eight places, rotating.
	for k, kind := range textCredentialKinds {
		for j := range 8 {
			where := placements[(k+j*2)%len(placements)]
			if where == "url" {
				where = "attr"
			}
			add(g.place(where, g.secretText(kind)))
		}
	}
	// Typed values, at the root, in a group and bound with With.
	for _, kind := range typedKinds {
		for j := range 4 {
			a, secret := g.typedSecret(kind)
			g.n++
			rec := corpusRecord{Name: fmt.Sprintf("%s/%d/%03d", kind, j, g.n), Msg: "outbound request", Secrets: []string{secret}}
			switch j % 3 {
			case 0:
				rec.Attrs = []corpusAttr{a}
			case 1:
				rec.Attrs = []corpusAttr{{Key: "http", Kind: "group", Value: jsonValue([]corpusAttr{a})}}
			default:
				rec.With = []corpusAttr{a}
			}
			recs = append(recs, rec)
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
	// Secrets only the application knows, for its own detectors.
	for range 6 {
		badge := fmt.Sprintf("EMP-%06d-%s", g.r.IntN(999999), g.chars(2, "ABCDEFGHJKLMNPQRSTUVWXYZ"))
		lic := "ACME-" + g.chars(4, "ABCDEF0123456789") + "-" + g.chars(4, "ABCDEF0123456789") + "-" + g.chars(4, "ABCDEF0123456789") + "-" + g.chars(4, "ABCDEF0123456789")
		g.n++
		recs = append(recs, corpusRecord{
			Name:    fmt.Sprintf("custom/attr/%03d", g.n),
			Msg:     "license check",
			Attrs:   []corpusAttr{strAttr("detail", "string", "badge "+badge+" activated "+lic)},
			Secrets: []string{badge, lic},
		})
	}
	return recs
}
