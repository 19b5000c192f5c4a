package redact

import (
	"encoding/base64"
	"strings"
)

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

func findJWTs(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "eyJ")
		if i < 0 {
			break
		}
		st := off + i
		off = st + 3
		if st > 0 && isB64URL(s[st-1]) {
			continue
		}
		j := st
		segs := 0
		lens := [5]int{}
		for segs < 5 {
			k := j
			for k < len(s) && isB64URL(s[k]) {
				k++
			}
			lens[segs] = k - j
			segs++
			j = k
			if j < len(s) && s[j] == '.' && segs < 5 {
				j++
				continue
			}
			break
		}
		if segs < 3 || lens[0] < 12 || lens[1] < 2 || !printableJSON(s[st:st+lens[0]]) {
			continue
		}
		// A trailing dot ends a sentence, not a segment.
		en := j
		if s[en-1] == '.' && segs > 3 {
			en--
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}

// printableJSON decodes the start of a JWT header and checks that it reads
// as JSON text, which random base64url starting "eyJ" rarely does.
func printableJSON(seg string) bool {
	n := min(len(seg), 32) &^ 3
	var buf [24]byte
	m, err := base64.RawURLEncoding.Decode(buf[:], []byte(seg[:n]))
	if err != nil || m < 3 || buf[0] != '{' || buf[1] != '"' {
		return false
	}
	for _, c := range buf[:m] {
		if c < ' ' && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f {
			return false
		}
	}
	return true
}
