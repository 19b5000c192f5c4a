package redact

func findCards(dst []span, s string) []span {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if i > 0 && isWord(s[i-1]) {
			// Digits glued to a word belong to it ("v2", "x4111..."); a
			// run may still start after them.
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		// A maximal run of digit groups joined by single separators of one
		// kind. Where the kind changes ("4111 1111 1111 1111 001-01-0001")
		// the run ends, and the next starts after the separator: a card is
		// printed with one kind, and the number beside it is another
		// token. (Rejecting the whole run instead left the card to be
		// found once the number beside it was redacted, so that redacting
		// twice changed more than once.)
		var groups [8]int // digits per group
		ng, total := 0, 0
		var sepKind byte
		overflow := false
		st, j := i, i
		for {
			g := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if ng < len(groups) {
				groups[ng] = j - g
				ng++
			} else {
				overflow = true
			}
			total += j - g
			if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
				if sepKind == 0 {
					sepKind = s[j]
				} else if s[j] != sepKind {
					break
				}
				j++
				continue
			}
			break
		}
		i = j
		if total < 13 || overflow || !cardBoundaries(s, st, j) {
			continue
		}
		if total <= 19 && (ng == 1 || plausibleGroups(groups[:ng])) && isCard(s[st:j]) {
			dst = append(dst, span{start: st, end: j})
			continue
		}
		// A card followed or preceded by another number in the same run
		// ("4111 1111 1111 1111 12"): try the card groupings inside it.
		if ng < 4 {
			continue
		}
		dst = findGroupedCard(dst, s, st, groups[:ng])
	}
	return dst
}

// cardBoundaries rejects runs that are part of a larger token: glued to a
// letter, a decimal fraction or integer part, or a UUID.
func cardBoundaries(s string, st, en int) bool {
	if st > 0 {
		c := s[st-1]
		if isWord(c) {
			return false
		}
		if c == '.' && st > 1 && isDigit(s[st-2]) {
			return false
		}
		// A sign makes it a signed number ("-4576982950128230565"); a dash
		// after a word is a label ("card-4111...").
		if (c == '-' || c == '+') && (st == 1 || !isAlnum(s[st-2])) {
			return false
		}
	}
	if en < len(s) {
		c := s[en]
		if isWord(c) {
			return false
		}
		if c == '.' && en+1 < len(s) && isDigit(s[en+1]) {
			return false
		}
	}
	return !inUUID(s, st, en)
}

// inUUID reports whether s[st:en] lies inside a UUID (8-4-4-4-12 hex).
func inUUID(s string, st, en int) bool {
	a, b := st, en
	for a > 0 && (isHex(s[a-1]) || s[a-1] == '-') {
		a--
	}
	for b < len(s) && (isHex(s[b]) || s[b] == '-') {
		b++
	}
	if b-a < 36 {
		return false
	}
	// Try each UUID-length window of the hyphenated token that covers the run.
	for w := max(a, en-36); w <= st && w+36 <= b; w++ {
		if isUUID(s[w : w+36]) {
			return true
		}
	}
	return false
}

func isUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if u[i] != '-' {
				return false
			}
		} else if !isHex(u[i]) {
			return false
		}
	}
	return true
}

// plausibleGroups accepts the ways cards are printed: groups of 3 to 6
// digits, the first of 4.
func plausibleGroups(g []int) bool {
	if g[0] != 4 {
		return false
	}
	for _, n := range g {
		if n < 3 || n > 6 {
			return false
		}
	}
	return true
}

// cardGroupings are the printed layouts tried inside longer runs.
var cardGroupings = [][]int{{4, 4, 4, 4}, {4, 4, 4, 4, 3}, {4, 6, 5}, {4, 6, 4}}

func findGroupedCard(dst []span, s string, st int, groups []int) []span {
	// Byte offset of each group in s.
	var offs [9]int
	offs[0] = st
	for k, n := range groups {
		offs[k+1] = offs[k] + n + 1
	}
	for k := 0; k < len(groups); k++ {
		for _, layout := range cardGroupings {
			if k+len(layout) > len(groups) {
				continue
			}
			ok := true
			for x, n := range layout {
				if groups[k+x] != n {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			a, b := offs[k], offs[k+len(layout)]-1
			if isCard(s[a:b]) {
				return append(dst, span{start: a, end: b})
			}
		}
	}
	return dst
}

// isCard checks issuer prefix, length and Luhn of a digit run that may hold
// separators.
func isCard(run string) bool {
	var d [19]byte
	n := 0
	for i := 0; i < len(run); i++ {
		if isDigit(run[i]) {
			if n == len(d) {
				return false
			}
			d[n] = run[i] - '0'
			n++
		}
	}
	return n >= 13 && issuerAccepts(d[:n]) && luhn(d[:n])
}

func prefix(d []byte, k int) int {
	v := 0
	for i := 0; i < k && i < len(d); i++ {
		v = v*10 + int(d[i])
	}
	return v
}

func issuerAccepts(d []byte) bool {
	n := len(d)
	p1, p2, p3, p4, p6 := prefix(d, 1), prefix(d, 2), prefix(d, 3), prefix(d, 4), prefix(d, 6)
	switch {
	case p1 == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16
	case p2 == 62: // UnionPay
		return n >= 16
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n == 14 || n == 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p4 >= 2200 && p4 <= 2204: // Mir
		return n >= 16
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, p4 >= 6761 && p4 <= 6763: // Maestro
		return n >= 13
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
