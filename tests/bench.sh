#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh [SECONDS] — `make bench`: the churn benchmark in one VM boot of
# Debian sid's newest kernel.  Prints cycles/s of the bare loop and of the
# suite's driver, their ratio (goal: >= 0.8), cycles/s of the bare loop
# with reclaim and aging running, and offlines/s of the race tests' churn
# engine beside them (race_over_bare, goal: >= 0.5).  Results in
# results/bench-<time>/.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
# the bench links the suite's library objects
make -s -C "$top/selftests"
make -s -C "$top/tests/bench"
k=$("$top/scripts/fetch-debian-kernel.sh" sid image)
out="$top/results/bench-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
"$top/scripts/vm.sh" --kernel "$k/vmlinuz" --modules "$k/modules" --results "$out" \
	--timeout $((secs * 10 + 120)) -- "$top/tests/bench/guest-bench.sh" "$out" "$secs"
echo "kernel: $(cat "$k/package")"
jq . "$out/bench.json"
