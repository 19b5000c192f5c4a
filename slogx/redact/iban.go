package redact

// ibanLengths holds the length of an IBAN in each country that issues
// them (ISO 13616 registry, SWIFT): a country code and length must agree
// before the mod-97 check runs, which leaves about one random look-alike in
// several thousand.
var ibanLengths = map[[2]byte]uint8{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20,
	{'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'R'}: 29, {'C', 'H'}: 21, {'C', 'R'}: 22,
	{'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'K'}: 18, {'D', 'O'}: 28, {'E', 'E'}: 20,
	{'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22,
	{'G', 'E'}: 22, {'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'R'}: 21,
	{'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27,
	{'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'I'}: 21, {'L', 'T'}: 20,
	{'L', 'U'}: 20, {'L', 'V'}: 21, {'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19,
	{'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'L'}: 18, {'N', 'O'}: 15, {'P', 'K'}: 24,
	{'P', 'L'}: 28, {'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22,
	{'S', 'A'}: 24, {'S', 'E'}: 24, {'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27, {'T', 'N'}: 24,
	{'T', 'R'}: 26, {'U', 'A'}: 29, {'V', 'G'}: 24, {'X', 'K'}: 20,
}

// findIBANs appends the IBANs in s: two capitals and two check digits
// starting a word, then the account, plain or in groups of four joined by
// single spaces.
func findIBANs(dst []span, s string) []span {
	for i := 0; i+4 <= len(s); i++ {
		if !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) || (i > 0 && isWord(s[i-1])) {
			continue
		}
		want, ok := ibanLengths[[2]byte{s[i], s[i+1]}]
		if !ok {
			continue
		}
		var buf [34]byte
		n, j := 0, i
		grouped := i+4 < len(s) && s[i+4] == ' '
		for j < len(s) && n < int(want) {
			c := s[j]
			if c == ' ' && grouped && n%4 == 0 && j+1 < len(s) && isAlnum(s[j+1]) {
				j++
				continue
			}
			if !isDigit(c) && !isUpper(c) {
				break
			}
			buf[n] = c
			n++
			j++
		}
		if n != int(want) || (j < len(s) && isWord(s[j])) || !ibanChecks(buf[:n]) {
			continue
		}
		dst = append(dst, span{start: i, end: j})
		i = j - 1
	}
	return dst
}

// ibanChecks runs the mod-97 check: the first four characters moved to the
// end, letters as 10 to 35, the number taken mod 97 must be 1.
func ibanChecks(b []byte) bool {
	r := 0
	for k := 0; k < len(b); k++ {
		c := b[(k+4)%len(b)]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r == 1
}
