package wire

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"go.slogx.dev/internal/ndjson"
)

// message extracts the server's reason from an error body and makes it
// safe to print: the protocol's error field when the body has one (JSON
// error objects, OTLP's google.rpc.Status), else the body itself.
func (f *Format) message(body []byte) string {
	if f.kind == OTLP {
		if m, ok := rpcStatusMessage(body); ok {
			return sanitize(m)
		}
	}
	if m, ok := jsonMessage(body); ok {
		return sanitize(m)
	}
	return sanitize(string(body))
}

// jsonMessage finds the reason in the error bodies providers send:
// Elasticsearch {"error":{"type":..,"reason":..}} or {"error":"..."};
// Datadog {"errors":["Forbidden"]} or {"errors":[{"title":..,"detail":..}]};
// and the common {"message":".."} and {"detail":".."}.
func jsonMessage(body []byte) (string, bool) {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	if m := reason(v["error"]); m != "" {
		return m, true
	}
	if errs, ok := v["errors"].([]any); ok {
		var parts []string
		for _, e := range errs {
			if m := reason(e); m != "" {
				parts = append(parts, m)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; "), true
		}
	}
	for _, k := range []string{"message", "detail", "reason", "error_message"} {
		if s, ok := v[k].(string); ok && s != "" {
			return s, true
		}
	}
	return "", false
}

// reason renders one error value: a string, or an object with a type and
// a reason (Elasticsearch), a title and a detail (Datadog, JSON:API) or a
// message.
func reason(e any) string {
	switch e := e.(type) {
	case string:
		return e
	case map[string]any:
		str := func(k string) string { s, _ := e[k].(string); return s }
		first := func(keys ...string) string {
			for _, k := range keys {
				if s := str(k); s != "" {
					return s
				}
			}
			return ""
		}
		kind, why := first("type", "title"), first("reason", "detail", "message")
		switch {
		case kind != "" && why != "":
			return kind + ": " + why
		case why != "":
			return why
		default:
			return kind
		}
	}
	return ""
}

// sanitize puts a server's text on one line of valid UTF-8, without
// control or bidirectional-override characters that could forge log lines
// or hide text in a terminal, and cuts it to MaxMessageBytes.
func sanitize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0,
			r == '\u2028', r == '\u2029', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			if r == utf8.RuneError {
				r = '\ufffd' // keep the sign that something was there
			} else {
				r = ' '
			}
		}
		if r == ' ' {
			if space || b.Len() == 0 {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	out := strings.TrimRight(b.String(), " ")
	if len(out) <= MaxMessageBytes {
		return out
	}
	const ellipsis = "…"
	return strings.TrimRight(ndjson.CutUTF8(out, MaxMessageBytes-len(ellipsis)), " ") + ellipsis
}
