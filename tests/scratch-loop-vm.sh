#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# scratch-loop-vm.sh [IMAGE] — local mode's own scratch file system, proven
# in a VM instead of on this host's cgroups: boots IMAGE (default: the
# suite's debug build, which has the loop driver built in) and runs
# tests/scratch-loop-guest.sh there: run-tests.sh in local mode without a
# scratch disk runs dying_file and sizes_match on its loop-mounted image and
# leaves nothing behind, after a full run, a SIGTERM and a SIGKILL.  Prints
# the guest's proof lines; exit 0 when all are ok.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
img=${1:-}
if [ -z "$img" ]; then
	img=$("$top/scripts/build-kernel.sh" --fragments "base lean debug" --patches "$top/configs/patches")
fi
mkdir -p "$top/results"
out=$(mktemp -d "$top/results/scratch-loop-vm.XXXXXX")
rc=0
"$top/scripts/vm.sh" --kernel "$img" --results "$out" --timeout 900 \
	-- "$top/tests/scratch-loop-guest.sh" "$out" || rc=$?
cat "$out/proof.txt" 2>/dev/null || echo "no proof.txt: see $out/console.log"
echo "results: $out"
[ "$rc" = 0 ] && [ -s "$out/proof.txt" ] && ! grep -q '^not ok' "$out/proof.txt"
