package redact

import "testing"

func TestKeyMatch(t *testing.T) {
	ks := newKeySet(append(DefaultKeys(), "user.ssn", "billing.card.number"))
	tests := []struct {
		path []string
		key  string
		want bool
	}{
		{nil, "password", true},
		{nil, "Password", true},
		{nil, "PASSWORD", true},
		{nil, "api_key", true},
		{nil, "API-Key", true},
		{nil, "apiKey", true},
		{nil, "x-api-key", true},
		{nil, "api.key", true},
		{nil, "db_password", true},
		{nil, "dbPassword", true},
		{nil, "DBPassword", true},
		{nil, "X-Auth-Token", true},
		{nil, "csrf_token", true},
		{nil, "Set-Cookie", true},
		{nil, "client_secret", true},
		{nil, "AWS_SECRET_ACCESS_KEY", true},
		{nil, "db.password", true},
		{[]string{"req", "headers"}, "authorization", true},

		{nil, "passwordless", false},
		{nil, "possession", false},
		{nil, "tokens", false},
		{nil, "token_count", false},
		{nil, "input_tokens", false},
		{nil, "githubtoken", false}, // no word boundary to tell it apart
		{nil, "user", false},
		{nil, "key", false},
		{nil, "", false},
		{nil, "PWD", true}, // a password in connection strings; a path under it is kept (TestWorkingDirKept)

		{[]string{"user"}, "ssn", true},
		{[]string{"req", "User"}, "SSN", true},
		{nil, "user.ssn", true},
		{[]string{"a.user"}, "ssn", true},
		{[]string{"billing"}, "card.number", true},
		{[]string{"billing", "card"}, "number", true},
		{[]string{"card"}, "number", false},
		{[]string{"account"}, "number", false},
		{nil, "ssn", true}, // "ssn" is a default key on its own
	}
	for _, tt := range tests {
		if got := ks.match(tt.path, tt.key); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.path, tt.key, got, tt.want)
		}
	}

	none := newKeySet([]string{})
	if none.match(nil, "password") {
		t.Error("an empty key list matched password")
	}
	long := newKeySet([]string{"token"})
	if !long.match(nil, "a_very_long_prefix_that_goes_on_and_on_and_on_beyond_sixty_four_bytes_token") {
		t.Error("a long key ending in _token did not match")
	}
}
