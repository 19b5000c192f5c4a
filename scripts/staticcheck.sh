#!/usr/bin/env bash
# Runs staticcheck with the given arguments (default: ./...) from the module
# root, installing the pinned version into .cache/bin first if it is missing.
#
# Why pinned: staticcheck must understand the Go version in go.mod; releases
# older than 2026.1 fail on Go 1.26 code. 2026.2.2 (module v0.8.2) is the
# newest on the module proxy and checks Go 1.26 code (e.g. new(expr)).
# Bump VERSION deliberately; the binary is reinstalled when it changes.
set -euo pipefail

VERSION=v0.8.2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
bindir="$root/.cache/bin"
bin="$bindir/staticcheck"
stamp="$bin.version"

if [[ ! -x "$bin" || ! -f "$stamp" || "$(cat "$stamp")" != "$VERSION" ]]; then
	mkdir -p "$bindir"
	echo "staticcheck.sh: installing honnef.co/go/tools/cmd/staticcheck@$VERSION into $bindir" >&2
	# GOFLAGS is cleared so a caller's -mod=vendor or similar cannot break
	# `go install pkg@version`, which always builds outside the main module.
	GOBIN="$bindir" GOFLAGS= GOWORK=off go install "honnef.co/go/tools/cmd/staticcheck@$VERSION"
	echo "$VERSION" >"$stamp"
fi

cd "$root"
if [[ $# -eq 0 ]]; then
	set -- ./...
fi
exec "$bin" "$@"
