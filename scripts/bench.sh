#!/usr/bin/env bash
# Runs the benchmarks of every package that has them and compares the
# alternatives in each with benchstat.
#
# Why this way: the machines are small and shared. `go test -count=N` runs
# one sub-benchmark N times in a row, so a burst of load lands on one side of
# a comparison. Here each package's test binary is built once and run with
# -count=1 N times, so every round measures all sides close together.
set -euo pipefail

count=${1:-10}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out="$root/.cache/bench"
mkdir -p "$out"
cd "$root"

benchstat() { go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$@"; }

# package → the sub-benchmark key benchstat compares across (-col). A package
# whose benchmark families compare on different keys lists them as
# Family=key pairs (key may be empty); each family is compared on its own.
declare -A col=(
	[./slogx]=/handler
	[./internal/ringbuf]=/impl
	[./slogx/breach]=
	[./slogx/redact]="Handle=/handler Overhead=/handler WithAttrs=/handler Logger=/redact Scan= MayFind="
	[./slogx/victoria]=/handler
)

for pkg in "${!col[@]}"; do
	[[ -d $pkg ]] || continue
	name=$(echo "${pkg#./}" | tr / _)
	bin="$out/$name.test"
	go test -c -o "$bin" "$pkg"
	: >"$out/$name.txt"
	for ((i = 1; i <= count; i++)); do
		(cd "$pkg" && "$bin" -test.run '^$' -test.bench . -test.benchmem -test.count 1) >>"$out/$name.txt"
	done
	echo "== $pkg"
	case ${col[$pkg]} in
	"")
		benchstat "$out/$name.txt"
		;;
	*=*)
		for pair in ${col[$pkg]}; do
			family=${pair%%=*} key=${pair#*=}
			echo "-- Benchmark$family"
			# benchstat -filter keeps one family, so that its -col key
			# applies to every row it prints.
			if [[ -n $key ]]; then
				benchstat -filter ".name:$family" -col "$key" "$out/$name.txt"
			else
				benchstat -filter ".name:$family" "$out/$name.txt"
			fi
		done
		;;
	*)
		benchstat -col "${col[$pkg]}" "$out/$name.txt"
		;;
	esac
done
