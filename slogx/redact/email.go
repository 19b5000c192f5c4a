package redact

import (
	"strings"
)

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// fileExtensions are last labels that follow '@' in asset names and package
// specs far more often than in addresses ("icon@2x.png", "pkg@1.0.tgz").
var fileExtensions = map[string]bool{
	"png": true, "jpg": true, "jpeg": true, "gif": true, "svg": true, "webp": true, "ico": true,
	"bmp": true, "tif": true, "tiff": true, "css": true, "js": true, "mjs": true, "ts": true,
	"json": true, "yaml": true, "yml": true, "toml": true, "txt": true, "log": true, "lock": true,
	"html": true, "htm": true, "xml": true, "csv": true, "tsv": true, "pdf": true, "gz": true,
	"tgz": true, "bz2": true, "xz": true, "tar": true, "zip": true, "exe": true, "dll": true,
	"so": true, "dylib": true, "bin": true, "wasm": true, "map": true, "go": true, "mov": true,
	"mp4": true, "mp3": true, "wav": true,
}

func findEmails(dst []span, s string, urlCreds bool) []span {
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '@')
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		st := at
		for st > 0 && isLocalChar(s[st-1]) {
			st--
		}
		for st < at && s[st] == '.' {
			st++
		}
		if st == at || s[at-1] == '.' {
			continue
		}
		en := at + 1
		for en < len(s) && isDomainChar(s[en]) {
			en++
		}
		for en > at+1 && (s[en-1] == '.' || s[en-1] == '-') {
			en--
		}
		if !validDomain(s[at+1 : en]) {
			continue
		}
		if st > 0 && isURLUserinfo(s, st, urlCreds) {
			continue
		}
		if isSCPRemote(s, en) {
			continue
		}
		dst = append(dst, span{start: st, end: en})
		off = en
	}
	return dst
}

// isURLUserinfo reports whether the local part starting at st is the user
// part of a URL: "//user@" always (a user name in a URL is not an address),
// "//user:password@" when URLCredentials will take the password.
func isURLUserinfo(s string, st int, urlCreds bool) bool {
	if s[st-1] == '/' {
		return st >= 2 && s[st-2] == '/'
	}
	if s[st-1] != ':' || !urlCreds {
		return false
	}
	j := st - 1
	for j > 0 && isLocalChar(s[j-1]) {
		j--
	}
	return j >= 2 && s[j-1] == '/' && s[j-2] == '/'
}

func validDomain(d string) bool {
	labels := 0
	for len(d) > 0 {
		dot := strings.IndexByte(d, '.')
		label := d
		if dot >= 0 {
			label, d = d[:dot], d[dot+1:]
		} else {
			d = ""
		}
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || len(label) > 63 {
			return false
		}
		labels++
		if dot < 0 {
			// The top-level label.
			if labels < 2 || len(label) < 2 || len(label) > 24 {
				return false
			}
			for i := 0; i < len(label); i++ {
				if !isAlpha(label[i]) {
					return false
				}
			}
			var low [24]byte
			for i := 0; i < len(label); i++ {
				low[i] = label[i] | 0x20
			}
			return !fileExtensions[string(low[:len(label)])]
		}
	}
	return false
}

// isSCPRemote reports whether the host ending at en is followed by ":path",
// as in git's scp-like remotes ("git@github.com:acme/api.git"): a user
// at a host, not an address. A port ("host:22") does not count.
func isSCPRemote(s string, en int) bool {
	return en+1 < len(s) && s[en] == ':' && (isAlpha(s[en+1]) || s[en+1] == '~' || s[en+1] == '/')
}
