#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# selfcheck.sh [MUTATION...] — mutation testing of the suite (`make selfcheck`).
#
# Builds the suite's debug kernel from Debian's linux-source (the build of
# `run.sh --kernel debug`, with configs/patches/), runs the quick profile on
# it strictly (must exit 0), then the same tree without the patches (the real
# bugs they fix must be found), then for each
# bug injection in configs/mutations/ (default: all) applies it, rebuilds
# incrementally and runs the quick profile again: it must exit 1, and the
# failing test, its first failing assertion or the kernel splat class must
# match the mutation's expect=.
# Writes results/selfcheck-<time>/table.md (mutation, verdict, detected by,
# failed cases under the classic LRU and under MGLRU, seconds to detect) and
# ends with "N passed, M failed".
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

muts=("$@")
if [ ${#muts[@]} = 0 ]; then
	mapfile -t muts < <(find "$top/configs/mutations" -name '*.mut' -printf '%f\n' | sed 's/\.mut$//' | sort)
fi
profile=${SELFCHECK_PROFILE:-quick}

# The mutations go into the very tree and build folder of `run.sh --kernel
# debug`, so every mutant is an incremental build; the tree is restored
# on exit, and build-kernel.sh refuses a tree left mutated.
tree="$("$top/scripts/fetch-debian-kernel.sh" sid source)/tree"
tree=$(cd "$tree" && pwd -P)
restore() { "$top/scripts/mutate.sh" --restore "$tree"; }
trap restore EXIT
trap 'exit 130' INT TERM
export MR_ALLOW_MUTATION=1

out="$top/results/selfcheck-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
table="$out/table.md"
printf '| mutation | verdict | run.sh exit | detected by | failed: classic LRU | failed: MGLRU | seconds to detect |\n|---|---|---|---|---|---|---|\n' >"$table"
npass=0 nfail=0

# detected RESULTS: the failing programs, the first failing assertion of
# each failed case (so that expect= can name the check that must catch a
# mutation) and the splat classes of a run
detected() {
	jq -r '[(.tests[] | select(.status == "fail") | .program),
		(.tests[] | select(.status == "fail") | .assertion // empty | split(":")[0]),
		(.kernel_badness[] | select(.test != "-") | .class),
		(if .vm.status != "ok" then .vm.status else empty end)]
		| unique | join(",")' "$1/summary.json" 2>/dev/null
}

# by_lru RESULTS: "failed/all" cases under the classic LRU (the *_classic
# variants) and under MGLRU (the rest), tab-separated: a bug in one
# reparenting path must fail that path's cases and leave the other's
by_lru() {
	jq -r '[.tests[] | select(.status != "skip" and .status != "not_run")]
		| (map(select(.name | test("_classic[.]"))) ) as $c
		| (map(select(.name | test("_classic[.]") | not))) as $m
		| "\($c | map(select(.status != "pass")) | length)/\($c | length)\t\($m | map(select(.status != "pass")) | length)/\($m | length)"' \
		"$1/summary.json" 2>/dev/null || printf -- '-\t-'
}

verdict_text() {
	case $1:$2 in
	ok:pass) echo "passes" ;;
	ok:*) echo "caught" ;;
	*:pass) echo "FAILS unmodified" ;;
	*) echo "MISSED (expected $2)" ;;
	esac
}

# run_case NAME EXPECT [PATCHES]: build the tree as it is now, with the
# suite's fixes (configs/patches/) unless PATCHES says none, and run the
# profile strictly: no known issue excuses anything here.
run_case() {
	local name=$1 expect=$2 patches=${3:-$top/configs/patches} img rc=0 start by verdict classic mglru
	start=$(date +%s)
	img=$("$top/scripts/build-kernel.sh" --ksrc "$tree" --fragments "base lean debug" \
		--patches "$patches") || {
		echo "not ok $((npass + nfail + 1)) $name # kernel build failed"
		nfail=$((nfail + 1))
		printf '| %s | build failed | - | - | - | - | - |\n' "$name" >>"$table"
		return
	}
	local built=$(($(date +%s) - start))
	start=$(date +%s)
	"$top/run.sh" --kernel "$img" --profile "$profile" --seed 1 --strict --results "$out/$name" || rc=$?
	local secs=$(($(date +%s) - start))
	by=$(detected "$out/$name")
	if [ "$expect" = pass ]; then
		[ "$rc" = 0 ] && verdict=ok || verdict="not ok"
	else
		verdict="not ok"
		[ "$rc" = 1 ] && grep -qE "(^|,)($expect)(,|$)" <<<"$by" && verdict=ok
	fi
	if [ "$verdict" = ok ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	echo "$verdict $((npass + nfail)) $name # exit=$rc detected_by=${by:-nothing} expected=$expect build=${built}s run=${secs}s"
	IFS=$'\t' read -r classic mglru < <(by_lru "$out/$name")
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" \
		"$(verdict_text "$verdict" "$expect")" \
		"$rc" "${by:--}" "$classic" "$mglru" "$secs" >>"$table"
}

restore
run_case unmodified pass
# The real bugs the suite found, each fixed by a patch of configs/patches/:
# the tree without the fixes must fail (docs/bugs/).
if [ -z "${SELFCHECK_NO_REAL_BUGS:-}" ]; then
	run_case "real-bug:unpatched" "dying_percpu|walk_race|reparent_race|lru_switch|warning|known:lru_gen_exit_memcg-nr_pages" none
fi
# Mutations go on top of the fixed tree (their .pristine copies must be the
# patched files, or --restore would drop the fixes).
"$top/scripts/patch-tree.sh" "$tree" "$top/configs/patches" >/dev/null
for m in "${muts[@]}"; do
	f="$top/configs/mutations/$m.mut"
	[ -f "$f" ] || { echo "selfcheck: no mutation $m" >&2; exit 2; }
	restore
	if ! "$top/scripts/mutate.sh" "$f" "$tree"; then
		echo "not ok $((npass + nfail + 1)) $m # does not apply to $(basename "$tree")"
		nfail=$((nfail + 1))
		continue
	fi
	run_case "$m" "$(sed -n 's/^expect=//p' "$f")"
done
cat "$table"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
