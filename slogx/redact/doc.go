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
// [Email], [CreditCard], [SSN], [Bearer] (bearer and basic credentials and
// Authorization values), [JWT], [AWSAccessKey], [PrivateKey] (PEM blocks),
// [URLCredentials] (the password in scheme://user:password@host), and the
// values of credential-carrying query parameters ([Options.URLParams]:
// token, access_token, signature, X-Amz-Signature, ...). [Regexp] and
// [Func] add detectors for secrets only an application knows.
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
//     rules; nine bare digits are left to the ssn key;
//   - an address needs a dotted domain whose last label is letters and not
//     a file extension ("icon@2x.png", "lodash@4.17.21", "@channel" and
//     "user@localhost" are not addresses);
//   - a bearer token must look like one outside an Authorization context
//     ("the bearer of bad news" stays);
//   - a JWT's header must decode to JSON text; an AWS key ID must be exactly
//     AKIA or ASIA and 16 capitals or digits, standing alone;
//   - only private key blocks are removed, not certificates.
//
// The corpora in testdata/redact at the module root hold hundreds of
// secrets in every place above and hundreds of look-alikes (timestamps,
// order numbers, UUIDs, versions, '@' in prose, IP:port); the tests
// require every secret gone and every look-alike byte-identical.
//
// Limits worth knowing: unexported struct fields are not inspected (JSON
// encoders do not print them; text handlers using %+v do); secrets in a
// URL path or text that are percent-encoded are found in *url.URL values
// but not in plain strings; a password holding a raw '/' in a URL-like
// string ends where a URL parser would end it.
//
// # Performance
//
// Redaction is built to be left on. Options are compiled once, by [New] or
// [Middleware]: keys are normalized into tables compared without hashing,
// detectors into one list. For each string, one pass over its bytes looks
// for cheap hints — an '@', a run of at least 9 or 13 digits, "eyJ",
// "AKIA", "-----BEGIN", "://", "bearer" — anchored on their rarest byte,
// and a detector's precise check runs only when its hint is present. No
// regular expression runs on the built-in path. Numbers, durations, times
// and booleans need no scanning; only their keys are checked. A record
// with nothing to redact is passed on as it is: no copy and no allocation.
// A record with secrets costs a new record and one string per rewritten
// text.
//
// On a shared 2-core machine (medians of 6 runs of BenchmarkHandle, which
// vary with the load), a record with five attributes (string, int,
// duration, time, error) and nothing sensitive costs 240 to 300 ns over
// slogx.JSONHandler alone, about 170 ns of CPU by profile, and no
// allocation; a record with three secrets 1.5 to 2 µs in all, with 3
// allocations. A ReplaceAttr function running equivalent regular
// expressions costs 14 to 19 µs and 80 allocations on the same records,
// and over 100 times as much as redact on a kilobyte of prose. See
// redact_bench_test.go.
package redact
