#!/usr/bin/env bash
# make cross: static builds (CGO_ENABLED=0, stripped) of the given commands
# for the Raspberry Pis in schools:
#   bin/linux-arm64/  Pi 3, 4, 5 and Zero 2 W with a 64-bit OS
#   bin/linux-armv7/  Pi 2, 3, 4 with a 32-bit OS
#   bin/linux-armv6/  Pi 1 and Zero W
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
GO=${GO:-go}
[ $# -gt 0 ] || die "usage: cross.sh COMMAND..."

pkgs=()
for c in "$@"; do pkgs+=("./$c"); done

build() { # dir goarch goarm
	local out=bin/$1
	mkdir -p "$out"
	CGO_ENABLED=0 GOOS=linux GOARCH=$2 GOARM=$3 \
		"$GO" build -trimpath -ldflags='-s -w' -o "$out/" "${pkgs[@]}"
	say "$out: $(cd "$out" && for c in "${pkgs[@]}"; do b=${c#./}; printf '%s %s  ' "$b" "$(du -h "$b" | cut -f1)"; done)"
}

build linux-arm64 arm64 ""
build linux-armv7 arm 7
build linux-armv6 arm 6
