package redact

func findSSNs(dst []span, s string) []span {
	for i := 0; i+11 <= len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		if i > 0 && isWord(s[i-1]) {
			// Inside a longer number or token; skip the rest of its digits.
			for i+1 < len(s) && isDigit(s[i+1]) {
				i++
			}
			continue
		}
		if !(isDigit(s[i+1]) && isDigit(s[i+2]) && (s[i+3] == '-' || s[i+3] == ' ') &&
			isDigit(s[i+4]) && isDigit(s[i+5]) && s[i+6] == s[i+3] &&
			isDigit(s[i+7]) && isDigit(s[i+8]) && isDigit(s[i+9]) && isDigit(s[i+10])) {
			continue
		}
		// Dashes make the SSN one token, so numbers beside it after a space
		// (fixed-width records, ids) are neighbours; grouped by spaces, it
		// cannot be told from the digit groups around it.
		dashed := s[i+3] == '-'
		joins := func(c byte) bool { return isNumberJoiner(c) && !(dashed && c == ' ') }
		if i > 1 && joins(s[i-1]) && isDigit(s[i-2]) {
			continue
		}
		en := i + 11
		if en < len(s) && (isWord(s[en]) || (en+1 < len(s) && joins(s[en]) && isDigit(s[en+1]))) {
			continue
		}
		area := prefix([]byte{s[i] - '0', s[i+1] - '0', s[i+2] - '0'}, 3)
		group := int(s[i+4]-'0')*10 + int(s[i+5]-'0')
		serial := int(s[i+7]-'0')*1000 + int(s[i+8]-'0')*100 + int(s[i+9]-'0')*10 + int(s[i+10]-'0')
		if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
			continue
		}
		dst = append(dst, span{start: i, end: en})
		i = en - 1
	}
	return dst
}

// isNumberJoiner reports whether c joins two numbers into one token
// ("1.123-45-6789", "555-123-45-6789", "10:123 45 6789").
func isNumberJoiner(c byte) bool { return c == '-' || c == '.' || c == '/' || c == ':' || c == ' ' }
