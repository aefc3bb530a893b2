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
cg2=${MR_CG2:-}
[ -n "$cg2" ] || cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || exit 0
[ -s "$csv" ] || echo "t_s,test,cgroup,nr_descendants,nr_dying,memory_current,anon,file,pgscan,pgsteal,workingset_refault_file,lrugen_gens,lrugen_pages" >"$csv"
start=$EPOCHREALTIME
trap 'exit 0' TERM INT

# One awk per sample reads every file: forks are dear in a TCG guest.
while :; do
	set -- "$cg2"/memcg_reparent.*
	if [ -d "$1" ]; then
		awk -v t0="$start" -v now="$EPOCHREALTIME" -v test="$test" -v cg2="$cg2" '
		function val(file, key,   line, f, v) {
			v = ""
			while ((getline line < file) > 0) {
				split(line, f, " ")
				if (f[1] == key) v = f[2]
			}
			close(file)
			return v
		}
		function first(file,   line) {
			line = ""
			getline line < file
			close(file)
			return line
		}
		BEGIN {
			for (i = 1; i < ARGC; i++) {
				d = ARGV[i]
				name = substr(d, length(cg2) + 1)
				cur = first(d "/memory.current")
				if (cur == "") continue
				gens = 0; pages = 0; n = 0; mine = 0
				while ((getline line < "/sys/kernel/debug/lru_gen") > 0) {
					nf = split(line, f, " ")
					if (f[1] == "memcg") { mine = (f[3] == name); continue }
					if (!mine) continue
					if (f[1] == "node") { n = 0; continue }
					if (nf >= 4 && f[1] ~ /^[0-9]+$/) {
						n++
						if (n > gens) gens = n
						pages += f[3] + f[4]
					}
				}
				close("/sys/kernel/debug/lru_gen")
				st = d "/memory.stat"
				printf "%.2f,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%d\n", now - t0, test, name,
					val(d "/cgroup.stat", "nr_descendants"),
					val(d "/cgroup.stat", "nr_dying_descendants"), cur,
					val(st, "anon"), val(st, "file"), val(st, "pgscan"),
					val(st, "pgsteal"), val(st, "workingset_refault_file"), gens, pages
			}
		}' "$@" >>"$csv" 2>/dev/null || true
	fi
	sleep "$interval"
done
