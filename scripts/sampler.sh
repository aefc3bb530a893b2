#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# sampler.sh CSV TEST [INTERVAL] — append one row per test subtree every
# INTERVAL seconds (default 1) until killed:
#   t_s,test,cgroup,nr_descendants,nr_dying,memory_current,anon,file,
#   pgscan,pgsteal,workingset_refault_file,lrugen_gens,lrugen_pages
# The subtrees are the tests' memcg_reparent.<pid> folders under the cgroup2
# root.  lrugen_gens and lrugen_pages are the subtree root's generation count
# (widest over nodes) and pages on its MGLRU lists, from /sys/kernel/debug/lru_gen.
set -eu

csv=${1:?usage: sampler.sh CSV TEST [INTERVAL]}
test=${2:?usage: sampler.sh CSV TEST [INTERVAL]}
interval=${3:-1}
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || exit 0
[ -s "$csv" ] || echo "t_s,test,cgroup,nr_descendants,nr_dying,memory_current,anon,file,pgscan,pgsteal,workingset_refault_file,lrugen_gens,lrugen_pages" >"$csv"
start=$(date +%s.%N)
trap 'exit 0' TERM INT

while :; do
	now=$(date +%s.%N)
	for d in "$cg2"/memcg_reparent.*; do
		[ -d "$d" ] || continue
		name=/${d#"$cg2"/}
		# exact keys; a file that vanished with its cgroup ends the row
		{
			awk '$1 == "nr_descendants" { a = $2 } $1 == "nr_dying_descendants" { b = $2 }
				END { printf "%s,%s", a, b }' "$d/cgroup.stat"
			printf ',%s' "$(cat "$d/memory.current")"
			awk '$1 == "anon" { a = $2 } $1 == "file" { f = $2 } $1 == "pgscan" { s = $2 }
				$1 == "pgsteal" { t = $2 } $1 == "workingset_refault_file" { r = $2 }
				END { printf ",%s,%s,%s,%s,%s", a, f, s, t, r }' "$d/memory.stat"
			awk -v path="$name" '
				$1 == "memcg" { mine = ($3 == path); next }
				!mine { next }
				$1 == "node" { n = 0; next }
				NF >= 4 && $1 ~ /^[0-9]+$/ { n++; if (n > g) g = n; p += $3 + $4 }
				END { printf ",%d,%d", g, p }' /sys/kernel/debug/lru_gen 2>/dev/null || printf ',,'
		} 2>/dev/null | awk -v t="$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.2f", b - a }')" \
			-v test="$test" -v cg="$name" 'NF { print t "," test "," cg "," $0 }' >>"$csv"
	done
	sleep "$interval"
done
