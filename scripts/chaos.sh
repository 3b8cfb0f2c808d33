#!/usr/bin/env bash
# make chaos: the fault matrix (scripts/chaos): the real programs, a known
# number of taps from several gateways, one fault per cell, every stage
# counted; the rows go to docs/RELIABILITY.md (each with the date and commit
# of its run, replacing the earlier rows of the same cells and size) and the
# exit status is non-zero when a cell lost or doubled a tap.
#
#   scripts/chaos.sh                 the full size: outages of 10 minutes per cell
#   scripts/chaos.sh -quick          outages of seconds (about 2 minutes here; CI runs it in make test)
#   scripts/chaos.sh -cells 'kill'   only the cells whose name matches
#   scripts/chaos.sh -out FILE       write the table elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
size=full out=$PWD/docs/RELIABILITY.md cells= timeout=240m
while [ $# -gt 0 ]; do
	case $1 in
	-quick) size=quick timeout=30m; shift ;;
	-cells) cells=$2; shift 2 ;;
	-out) out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
	*) echo "usage: scripts/chaos.sh [-quick] [-cells REGEXP] [-out FILE]" >&2; exit 2 ;;
	esac
done
args=(-chaos "$size" -chaos.out "$out")
[ -n "$cells" ] && args+=(-chaos.cells "$cells")
go test -count=1 -timeout "$timeout" -run '^TestChaos$' ./scripts/chaos "${args[@]}"
echo "chaos: the table is in $out"
