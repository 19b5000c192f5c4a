package redact

func findAWSKeys(dst []span, s string) []span {
	for i := 0; i+20 <= len(s); i++ {
		if s[i] != 'A' || s[i+2] != 'I' || s[i+3] != 'A' || (s[i+1] != 'K' && s[i+1] != 'S') {
			continue
		}
		if i > 0 && isWord(s[i-1]) {
			continue
		}
		ok := true
		for k := i + 4; k < i+20; k++ {
			if !isUpper(s[k]) && !isDigit(s[k]) {
				ok = false
				break
			}
		}
		if !ok || (i+20 < len(s) && isWord(s[i+20])) {
			continue
		}
		dst = append(dst, span{start: i, end: i + 20})
		i += 19
	}
	return dst
}
