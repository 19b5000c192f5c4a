// Package redact keeps secrets from reaching a [slog.Handler].
//
// A redacting handler sits in front of any other handler — slogx's own or
// one written elsewhere — and rewrites each record before passing it on:
//
//	logger := slog.New(redact.New(slogx.NewJSONHandler(os.Stdout, nil), nil))
//	logger.Info("signup alice@example.com", "password", "hunter2")
//	// {"time":...,"level":"INFO","msg":"signup [REDACTED]","password":"[REDACTED]"}
//
// or, as one stage of a pipeline,
//
//	slogx.Pipe(sink, redact.Middleware(nil), breach.Middleware(nil))
//
// A nil *[Options] (or the zero Options) turns everything on: every
// built-in detector, the default keys and URL parameters, the message
// scanned, and "[REDACTED]" as the replacement.
//
// # Two ways to recognize a secret
//
// By its key. An attribute whose key names a secret ([Options.Keys],
// [DefaultKeys]: password, token, api_key, authorization, cookie, session,
// private_key, client_secret, ...) has its value replaced whole, whatever
// its kind. Keys match case-insensitively with '-', '_', '.' and ' '
// ignored ("API-Key" is "api_key"), and also match keys that end with them
// at a word boundary ("db_password", "userPassword", "X-Auth-Token", but
// not "possession" or "tokens"). A dotted key such as "user.ssn" matches
// the key ssn inside a group, a WithGroup, a map or a struct named user.
// Struct fields tagged `redact:"true"` are always masked. An empty string
// is left empty: it reveals nothing, and shows that no secret was set.
//
// By its text. Detectors ([Options.Detectors]) find secrets inside text and
// replace only the secret, keeping the rest of the line readable:
//
//   - [Tokens]: vendor tokens by the prefixes vendors give them (GitHub,
//     GitLab, Slack tokens and webhook URLs, Stripe, Google, SendGrid,
//     Twilio, npm, Docker Hub, Vault, Telegram bot URLs, Azure storage and
//     Service Bus keys, AWS session tokens, OpenAI, Anthropic and more), a
//     catalogue that follows gitleaks' and trufflehog's public rules; the
//     prefix is kept, the body replaced ("ghp_[REDACTED]");
//   - [Credentials]: values named by a key of [Options.Keys] inside text:
//     JSON and form bodies, %+v struct dumps, fmt of maps, env dumps,
//     command lines, libpq and ADO.NET connection strings, header dumps,
//     Cookie and Set-Cookie;
//   - [Bearer]: Authorization values of every scheme, in header dumps, in
//     JSON of an http.Header and in fmt of a map, and "Bearer x" or
//     "Basic x" anywhere;
//   - [URLCredentials]: the password in scheme://user:password@host (also
//     with an address as the user, as smtp URLs have) and in
//     go-sql-driver DSNs (user:password@tcp(host)/db);
//   - [Email], [CreditCard], [SSN], [IBAN], [JWT], [AWSAccessKey],
//     [PrivateKey] (PEM blocks);
//   - and the values of credential-carrying query parameters
//     ([Options.URLParams]: token, access_token, signature, sig,
//     X-Amz-Signature, ...).
//
// [Regexp] and [Func] add detectors for secrets only an application knows.
//
// # Where it looks
//
//   - the message (unless [Options.SkipMessage]);
//   - attributes at every depth, in groups and in groups opened with
//     WithGroup;
//   - attributes given to WithAttrs (Logger.With), redacted once, when the
//     derived handler is made, not on every record;
//   - the results of [slog.LogValuer]s, which are resolved and passed on
//     resolved, so that what was checked is what gets written;
//   - the text of errors, of fmt.Stringer, encoding.TextMarshaler and
//     json.Marshaler values;
//   - *url.URL values: password, query, fragment, path, also
//     percent-decoded;
//   - typed values: http.Header and url.Values by their keys (and
//     url.Values by [Options.URLParams]), every cookie value of an
//     *http.Cookie (the name is kept: cookies carry sessions), json.RawMessage
//     and MarshalJSON output as text, and numbers inside Any values that
//     are card numbers (a JSON body decoded into a map holds them as
//     float64);
//   - maps, slices, arrays, structs and pointers inside Any values, walked
//     by reflection up to [Options.MaxDepth], stopping at cycles;
//   - the attributes of a context made by [slogx.NewContext], which slogx
//     handlers write at the root of each record. The next handler gets a
//     context whose attributes are the redacted ones (replaced, not
//     appended to), with every other context value, the deadline and
//     cancellation kept, and the [slogx.LocalOnly] marker kept.
//
// The caller's values are never modified. A value inside an Any attribute
// is copied only along the path to a secret, and only when there is one;
// a clean value is passed on as it is. A secret-holding field that cannot
// hold the replacement string (an int PIN, say) is set to its zero value.
// A secret found in what a value prints (its Error, String or MarshalJSON
// output) replaces the value by its redacted text, kept as raw JSON when it
// came from MarshalJSON and still parses. [slogx.LocalOnly]
// markers pass through untouched, so that sinks still see them.
//
// # Replacements
//
// Each secret becomes [Options.Replacement] ("[REDACTED]"), or a
// detector's own replacement ([Detector.WithReplacement]). With
// [Options.HashKey] set, each becomes "[HMAC:" and 16 hex digits of
// HMAC-SHA256(key, secret) and "]" instead: equal secrets get equal
// stand-ins, so one can follow a user or a key through the logs without
// seeing it, and nobody without the key can test guesses against them.
//
// # False positives
//
// A redactor that flags look-alikes gets turned off, so each detector
// checks structure, not just shape:
//
//   - cards need an issuer prefix, a length that issuer uses and the Luhn
//     check: millisecond timestamps start with 1, which no issuer uses;
//     digits glued to letters, decimals and UUIDs (even all-digit ones)
//     are left alone;
//   - SSNs need the dashes or spaces and the SSA's area, group and serial
//     rules; nine bare digits are left to the ssn key. A dashed SSN may
//     stand between other numbers (fixed-width records); one grouped by
//     spaces may not, since it cannot be told from the groups around it;
//   - IBANs need a known country, that country's length and the mod-97
//     check;
//   - an address needs a dotted domain whose last label is letters and not
//     a file extension ("icon@2x.png", "lodash@4.17.21", "@channel",
//     "user@localhost" and git remotes such as "git@github.com:acme/api"
//     are not addresses);
//   - a vendor token needs its exact prefix at the start of a word, its
//     alphabet and length, and a digit and a letter in its body: trace and
//     span ids, UUIDs, hashes, "ghp_" in prose and "risk_live_score" are
//     left alone, and so are Stripe's publishable pk_ keys;
//   - a bearer token must look like one outside an Authorization context:
//     "the bearer of bad news", "Bearer token-based auth" and
//     token_type=Bearer stay;
//   - a credential named by a key needs the key itself, not a longer word
//     ("tokens=5", "password_policy", "--password-file" stay); after
//     "key: " with a space only a credential-like value counts, so
//     "password: must be 8 characters" stays; null, true, false and nil
//     are not secrets; PWD holding a path is a directory;
//   - a JWT's header must decode to JSON text (a base64 paging cursor has
//     one segment, not three); an AWS key ID must be exactly AKIA or ASIA
//     and 16 capitals or digits, standing alone;
//   - only private key blocks are removed, not certificates or public keys.
//
// Where a rule cannot tell, it errs toward redacting: a session=x pair is
// redacted whatever x is; every value of a Cookie header and of a typed
// *http.Cookie is replaced; a number inside an Any value that passes a
// card's checks is replaced even if it was an id; a "pwd" key is a
// password unless its value is a path. And it errs toward keeping text
// readable where the alternative would eat a line: an unquoted value ends
// at a space, '&', ';' or ',' (what follows such a byte in a password
// shows), and a password holding a raw '/' in a URL-like string ends
// where a URL parser would end it.
//
// The corpora in testdata/redact at the module root hold over a thousand
// secrets of over a hundred kinds in every place above and over a thousand
// look-alikes; the tests require every secret gone and every look-alike
// byte-identical.
//
// Limits worth knowing: unexported struct fields are not inspected (JSON
// encoders do not print them; text handlers using %+v do); secrets in a
// URL path or text that are percent-encoded are found in *url.URL values
// but not in plain strings; a vendor token without a documented prefix
// (a bare 40-character AWS secret key, say) is found only by its key.
//
// # Performance
//
// Redaction is built to be left on. Options are compiled once, by [New] or
// [Middleware]: keys are normalized into tables compared without hashing,
// detectors into one list, token rules into a table keyed by the byte each
// rule's prefix is anchored on. Each string is read once by a branch-free
// pass that notes which of the bytes hints start on occur in it ('@', ':',
// '=', '_', '.', '-', a few letters, any byte that ends a word) and how
// many digits it holds; most strings stop there. Cards, SSNs and IBANs
// start after a byte that ends a word, so a text of word bytes alone (an
// id like "req_7f3a9c2e41b8...") is not searched for digit runs unless it
// starts with a digit or a capital.
// Only where such a byte occurs, and the other bytes its hints need do
// too, are those positions visited to check that a hint really starts
// there: a whole token prefix, a sensitive key before '=', a run of nine
// digits (found eight bytes at a time), "Authorization:". A detector runs
// only on such a hint. No regular expression runs on the built-in path.
// Numbers, durations, times and booleans need no scanning; only their keys
// are checked. The handlers made by one call of [New] or [Middleware], and
// those derived from them, remember up to 512 attribute keys they found
// clean, so a key logged before costs one lookup, and, apart, up to 512
// messages and 512 error texts of up to 128 bytes they found clean, so a
// constant message or a sentinel error is one comparison instead of a
// scan;
// a key not remembered (a program that makes keys from data fills the
// slots, each once, and then stops growing) is scanned and matched every
// time, most of them rejected by their last bytes. A record is first
// looked at without copying anything; one with nothing to redact is passed
// on as it is: no copy and no allocation.
// A record with secrets costs a new record and one string per rewritten
// text. BenchmarkLogger in logger_bench_test.go measures the cost through
// slog.Logger against the bare handler and a handler that does nothing.
package redact
