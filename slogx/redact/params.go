package redact

import (
	"strings"
)

func isParamNameEnd(c byte) bool {
	return c == '=' || c == '&' || c == '#' || c == '?' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>'
}

func isParamValueEnd(c byte) bool {
	return c == '&' || c == '#' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`'
}

// findParams scrubs the values of the named query parameters in s: those
// after '?', '&' or '#', and the first one when atStart (a raw query).
func findParams(dst []span, s string, names *paramSet, atStart bool) []span {
	for i := 0; i < len(s); i++ {
		name := i // where the parameter name starts
		if !(atStart && i == 0) {
			c := s[i]
			if c != '?' && c != '&' && c != '#' {
				continue
			}
			name = i + 1
		}
		n := name
		for n < len(s) && !isParamNameEnd(s[n]) {
			n++
		}
		if n == len(s) || s[n] != '=' || n == name || !names.has(s[name:n]) {
			i = max(i, n-1) // always move on
			continue
		}
		v := n + 1
		e := v
		for e < len(s) && !isParamValueEnd(s[e]) {
			e++
		}
		if e > v {
			dst = append(dst, span{start: v, end: e})
		}
		i = e - 1
	}
	return dst
}

// paramSet holds query parameter names, compared case-insensitively.
type paramSet struct {
	names  map[string]struct{} // lower case
	maxLen int
}

func newParamSet(names []string) *paramSet {
	p := &paramSet{names: make(map[string]struct{}, len(names))}
	for _, n := range names {
		if n == "" {
			continue
		}
		p.names[strings.ToLower(n)] = struct{}{}
		p.maxLen = max(p.maxLen, len(n))
	}
	return p
}

func (p *paramSet) has(name string) bool {
	if len(name) > p.maxLen || len(name) > 64 {
		return false
	}
	var buf [64]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isUpper(c) {
			c |= 0x20
		}
		buf[i] = c
	}
	_, ok := p.names[string(buf[:len(name)])]
	return ok
}
