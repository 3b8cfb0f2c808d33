#!/usr/bin/env bash
# make fuzz: runs every FuzzXxx target of the module for FUZZTIME (default
# 10s) each, found with `go test -list '^Fuzz'`. A failing input is saved by
# go test under the package's testdata/fuzz/ — commit it with the fix, so it
# stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}

# go test -list prints a package's matching names, then "ok  <package> …".
listing=$("$GO" test -list '^Fuzz' ./...) || die "go test -list failed:
$listing"
targets=()
names=()
while read -r first second _; do
	case $first in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	esac
done <<<"$listing"
[ ${#targets[@]} -gt 0 ] || die "no fuzz targets found"

say "${#targets[@]} fuzz targets, $FUZZTIME each"
failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	say "$pkg $name"
	"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" || failed+=("$pkg $name")
done
if [ ${#failed[@]} -gt 0 ]; then
	die "failed: ${failed[*]} (the failing inputs are in testdata/fuzz/)"
fi
say "all ${#targets[@]} fuzz targets passed"
