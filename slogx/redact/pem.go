package redact

import (
	"strings"
)

func findPEMs(dst []span, s string) []span {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "-----BEGIN ")
		if i < 0 {
			break
		}
		st := off + i
		lab := st + len("-----BEGIN ")
		le := strings.Index(s[lab:], "-----")
		if le < 0 || strings.IndexByte(s[lab:lab+le], '\n') >= 0 || !strings.Contains(s[lab:lab+le], "PRIVATE KEY") {
			off = lab
			continue
		}
		en := len(s)
		if e := strings.Index(s[lab+le+5:], "-----END "); e >= 0 {
			e += lab + le + 5 + len("-----END ")
			if c := strings.Index(s[e:], "-----"); c >= 0 {
				en = e + c + 5
			}
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}
