#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest-bench.sh OUT_DIR SECONDS — inside the VM (tests/bench.sh starts it):
# churn_bench bare and driver, alternated twice each in this one boot, and
# the race tests' churn engine (race_bench: concurrent churners, subtrees
# loaded at every level) plain and with its reclaim and lru_gen workers,
# then bare again with memory.reclaim and MGLRU aging of the parent running
# concurrently.  Writes OUT_DIR/bench.json.
set -eu

out=${1:?usage: guest-bench.sh OUT_DIR SECONDS}
secs=${2:?usage: guest-bench.sh OUT_DIR SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
cg2=/sys/fs/cgroup
parent="$cg2/mr_bench.$$"
scratch=${MR_SCRATCH:?no scratch disk}
bg=()

cleanup() {
	local p
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	find "$parent" -depth -type d -exec rmdir {} + 2>/dev/null || true
}
trap cleanup EXIT

echo +memory >"$cg2/cgroup.subtree_control"
mkdir "$parent"
echo +memory >"$parent/cgroup.subtree_control"

run() { "$here/churn_bench" "$1" "$parent" "$scratch" "$secs" | tee -a "$out/bench.txt"; }

: >"$out/bench.txt"
for round in 1 2; do
	echo "round $round" >&2
	run bare
	run driver
done
# offlines/s of the race engine: no workers, then its own workers running
# (memory.reclaim of its root and random memcgs, MGLRU shaping, aging and
# eviction), beside bare and bare with reclaim and aging
"$here/race_bench" plain "$parent" "$scratch" "$secs" | grep '^mode=' | tee -a "$out/bench.txt"
"$here/race_bench" pressure "$parent" "$scratch" "$secs" | grep '^mode=' | tee -a "$out/bench.txt"
rm -f "$scratch"/churn.k*

# Concurrent pressure: reclaim from the parent, and age its MGLRU lists
# (the "+ memcg_id node max_seq" command; EINVAL/EEXIST answers to a stale
# max_seq are normal).
(while :; do echo 1M >"$parent/memory.reclaim" 2>/dev/null || true; sleep 0.05; done) &
bg+=($!)
if [ -w /sys/kernel/debug/lru_gen ]; then
	(while :; do
		awk -v path="/${parent#"$cg2"/}" '
			$1 == "memcg" { mine = ($3 == path); id = $2; next }
			mine && $1 == "node" { node = $2; next }
			mine && $1 ~ /^[0-9]+$/ { last[id " " node] = $1 }
			END { for (k in last) print "+ " k " " last[k] }' /sys/kernel/debug/lru_gen |
			while read -r cmd; do echo "$cmd" >/sys/kernel/debug/lru_gen 2>/dev/null || true; done
		sleep 0.05
	done) &
	bg+=($!)
fi
"$here/churn_bench" bare "$parent" "$scratch" "$secs" | sed 's/mode=bare/mode=bare+reclaim+aging/' |
	tee -a "$out/bench.txt"

awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	m = v["mode"]; rate[m] += v["rate"]; n[m]++
	for (k in v) if (k ~ /_ms$/) ms[m, k] += v[k] }
	function steps(m,   s) {
		s = sprintf("{\"create\": %.2f, \"charge\": %.2f, \"rmdir\": %.2f, \"unlink\": %.2f}",
			ms[m, "create_ms"] / n[m], ms[m, "charge_ms"] / n[m],
			ms[m, "rmdir_ms"] / n[m], ms[m, "unlink_ms"] / n[m])
		return s
	}
	END {
		b = rate["bare"] / n["bare"]; d = rate["driver"] / n["driver"]
		printf "{\"bare_cycles_per_s\": %.1f, \"driver_cycles_per_s\": %.1f, ", b, d
		printf "\"ratio\": %.2f, ", d / b
		printf "\"bare_with_reclaim_and_aging_cycles_per_s\": %.1f, ", rate["bare+reclaim+aging"]
		r = rate["race"] / n["race"]; rp = rate["race+pressure"] / n["race+pressure"]
		printf "\"race_offlines_per_s\": %.1f, \"race_over_bare\": %.2f, ", r, r / b
		printf "\"race_with_workers_offlines_per_s\": %.1f, ", rp
		printf "\"race_with_workers_over_bare_with_reclaim_and_aging\": %.2f, ", rp / rate["bare+reclaim+aging"]
		printf "\"step_ms\": {\"bare\": %s, \"driver\": %s}}\n", steps("bare"), steps("driver")
	}' "$out/bench.txt" >"$out/bench.json"
cat "$out/bench.json"
