#!/usr/bin/env bash
# Builds the VictoriaLogs server that slogx's integration tests run against
# and prints the absolute path of the binary on stdout (build chatter goes to
# stderr, so `bin=$(scripts/victorialogs.sh)` works).
#
# Why build from source: the only outside source reachable on developer and
# CI machines is the Go module proxy, so the server comes from the module
# pinned in testdata/victorialogs/go.mod + go.sum (checksum-verified), not
# from a downloaded release binary.
#
# Why a stamp: building takes ~30 s, so the binary in .cache/bin is reused
# until the tools module (go.mod/go.sum) or this recipe changes. A cached call
# only hashes two small files.
#
# Why CGO_ENABLED=0: VictoriaMetrics' lib/encoding/zstd has a pure-Go variant
# (klauspost/compress) selected by the !cgo build tag. It needs no C compiler
# and no prebuilt libzstd archive, so it builds the same on any fresh machine
# that has only Go; the on-disk format is identical.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
tools="$root/testdata/victorialogs"
bindir="$root/.cache/bin"
bin="$bindir/victoria-logs"
stamp="$bin.stamp"

# Bump when the build command below changes, so existing binaries are rebuilt.
recipe="v1 CGO_ENABLED=0 -trimpath"

want=$( { echo "$recipe"; cat "$tools/go.mod" "$tools/go.sum"; } | sha256sum | cut -d' ' -f1)

if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$bindir"
vmversion=$(sed -n 's#^require github.com/VictoriaMetrics/VictoriaMetrics \(v[^ ]*\).*#\1#p' "$tools/go.mod")
echo "victorialogs.sh: building VictoriaLogs from github.com/VictoriaMetrics/VictoriaMetrics ${vmversion:-?} into $bin" >&2
start=$SECONDS

# Build into a temporary file and rename it, so a concurrent caller never
# sees (or executes) a half-written binary. GOWORK=off and -mod=readonly keep
# the build to exactly what go.mod/go.sum pin, whatever the caller's setup.
tmp=$(mktemp "$bindir/.victoria-logs.XXXXXX")
trap 'rm -f "$tmp"' EXIT
(
	cd "$tools"
	GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
		-ldflags "-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-${vmversion:-unknown}-slogx" \
		-o "$tmp" github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-logs
)
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
echo "$want" >"$stamp"
echo "victorialogs.sh: built in $((SECONDS - start)) s" >&2
echo "$bin"
