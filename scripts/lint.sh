#!/usr/bin/env bash
# make lint: gofmt (fails on any file it would change), go vet, and
# staticcheck (installed into .tools/bin on first use; if it cannot be
# installed, say so and go on with the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}
STATICCHECK_VERSION=v0.8.2
TOOLS=$PWD/.tools/bin

failed=()

if git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files -co --exclude-standard -- '*.go')
else
	mapfile -t files < <(find . -name '*.go' -not -path './.*' -not -path './bin/*')
fi
unformatted=$(gofmt -l "${files[@]}")
if [ -n "$unformatted" ]; then
	say "gofmt would change:"
	printf '%s\n' "$unformatted" | sed 's/^/  /'
	failed+=(gofmt)
fi

"$GO" vet ./... || failed+=("go vet")

staticcheck_ok() {
	[ -x "$TOOLS/staticcheck" ] && "$TOOLS/staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"
}
if ! staticcheck_ok; then
	say "installing staticcheck $STATICCHECK_VERSION into .tools/bin"
	GOBIN=$TOOLS "$GO" install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ||
		say "staticcheck could not be installed: skipping it"
fi
if staticcheck_ok; then
	"$TOOLS/staticcheck" ./... || failed+=(staticcheck)
fi

[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
say "clean"
