#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nightly-demo.sh — `make nightly-demo`: two nights of `run.sh --nightly` on
# a synthetic history on top of Debian's linux-source (the tree and build
# folder of `run.sh --kernel debug`, so every build is incremental), and
# the second night must name the commit that broke it by itself:
#
#   base  pristine (Debian's tree, no configs/patches)    night 1: good
#   c1    a documentation change
#   c2    lrugen-parent-size-lost injected               first bad
#   c3    mm/vmscan.c does not compile                   untestable (125)
#   c4    the build fixed
#   c5    a documentation change                         night 2: bad
#
# Night 2 compares with night 1 (new failures in dying_file: regression),
# finds night 1's commit as the last good one in the history, chooses
# --tries from the failure's rate there, bisects base..c5 with `git bisect
# run run.sh --bisect`, puts the tree back at c5 and writes bisect.md and
# bisect.json.  Asserts: night 1 exit 0, night 2 exit 1, first_bad = c2,
# the tree back at c5, every step's verdict as expected.
#
# For speed the nights run `--profile quick --tests dying_file`
# (NIGHTLY_DEMO_TESTS, NIGHTLY_DEMO_PROFILE): the injected bug fails its
# MGLRU cases every run.  Only mm/ and one document are put under a
# throw-away git; the whole demo holds /tmp/ksrc-tree.lock (the shared tree
# moves under it), and leaves the tree patched with configs/patches, no git,
# no mutation.  Results and the demo's own history in
# results/nightly-demo-<time>/.
# shellcheck disable=SC2016 # the checks at the end are strings for eval
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tests=${NIGHTLY_DEMO_TESTS:-dying_file}
profile=${NIGHTLY_DEMO_PROFILE:-quick}
mut=$top/configs/mutations/lrugen-parent-size-lost.mut
doc=Documentation/admin-guide/cgroup-v2.rst
out="$top/results/nightly-demo-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

tree="$("$top/scripts/fetch-debian-kernel.sh" sid source)/tree"
tree=$(cd "$tree" && pwd -P)

exec 7>/tmp/ksrc-tree.lock
flock -n 7 || { echo "nightly-demo: waiting for /tmp/ksrc-tree.lock"; flock 7; }
[ ! -e "$tree/.git" ] || { echo "nightly-demo: $tree/.git exists (interrupted demo?): remove it" >&2; exit 2; }
[ ! -f "$tree/.memcg-reparent-mutation" ] || { echo "nightly-demo: $tree carries a mutation" >&2; exit 2; }
# --ksrc builds never carry the suite's fixes: the history starts from the
# tree as Debian ships it
"$top/scripts/patch-tree.sh" "$tree" none

cleanup() {
	cd "$tree"
	git bisect reset >/dev/null 2>&1 || true
	git checkout -q -f base 2>/dev/null || true
	rm -rf "$tree/.git"
	rm -f "$tree/.memcg-reparent-mutation" "$tree/mm/vmscan.c.pristine"
	# as the team leaves it: patched with configs/patches, no mutation
	"$top/scripts/patch-tree.sh" "$tree" "$top/configs/patches" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$tree"
git init -q -b next .
# -f: Debian's linux-source ignores everything at its top level ("/*")
git add -f mm "$doc"
gitc() { git -c user.name=demo -c user.email=demo@localhost "$@"; }
commit() { gitc commit -qam "$1"; git rev-parse HEAD; }
gitc commit -qm "base: Debian linux-source 7.2"
git tag base
base=$(git rev-parse HEAD)

nightly() {
	"$top/run.sh" --nightly --ksrc "$tree" --history "$out/history" --profile "$profile" \
		--tests "$tests" --results "$out/$1"
}

start=$(date +%s)
rc1=0
nightly night1 || rc1=$?
t1=$(($(date +%s) - start))
echo "night 1 at base: exit $rc1, ${t1}s"
[ "$rc1" = 0 ] || { echo "0 passed, 1 failed: night 1 must pass"; exit 1; }

echo >>"$doc"; c1=$(commit "c1: documentation")
MR_ALLOW_MUTATION=1 "$top/scripts/mutate.sh" "$mut" "$tree" >/dev/null
rm -f mm/vmscan.c.pristine .memcg-reparent-mutation
c2=$(commit "c2: mm: lrugen-parent-size-lost (the parent's generation sizes not raised)")
echo '#error nightly demo: this commit does not build' >>mm/vmscan.c; c3=$(commit "c3: broken build")
sed -i '$ d' mm/vmscan.c; c4=$(commit "c4: build fixed")
echo >>"$doc"; c5=$(commit "c5: documentation")
echo "history: base $base (night 1), c1 ${c1:0:12}, c2 ${c2:0:12} (bug), c3 ${c3:0:12} (no build), c4 ${c4:0:12}, c5 ${c5:0:12} (night 2)"

s2=$(date +%s)
rc2=0
nightly night2 || rc2=$?
t2=$(($(date +%s) - s2))
echo "night 2 at c5: exit $rc2, ${t2}s (run, compare, bisect)"
b=$out/night2/bisect.json
[ -f "$b" ] && jq -r '"bisect: \(.outcome), first bad \(.first_bad.commit // "none"), \(.steps | length) steps, \(.seconds)s, tries \(.tries) (\(.tries_from))",
	(.steps[] | "  step \(.step) \(.commit[0:12]) \(.subject): \(.verdict) (exit \(.exit_code), \(.seconds)s)")' "$b"
{
	echo "night1_seconds=$t1"
	echo "night2_seconds=$t2"
	echo "night2_run_seconds=$(jq -r '.seconds - (.bisect.seconds // 0)' "$out/night2/nightly.json" 2>/dev/null)"
	echo "bisect_seconds=$(jq -r '.seconds // ""' "$b" 2>/dev/null)"
	echo "total_seconds=$(($(date +%s) - start))"
} | tee "$out/times"

fail=0
check() {
	if eval "$2"; then echo "ok: $1"; else echo "not ok: $1"; fail=$((fail + 1)); fi
}
check "night 2 exits 1 (regression)" '[ "$rc2" = 1 ]'
check "night 2's history line says regression against night 1" \
	'[ "$(tail -n 1 "$out/history/$(basename "$tree").jsonl" | jq -r ".compare.regression, .compare.against_commit" | xargs)" = "true $base" ]'
check "first bad commit is c2" '[ "$(jq -r .first_bad.commit "$b")" = "$c2" ]'
check "the good end is night 1's commit" '[ "$(jq -r .good.commit "$b")" = "$base" ]'
check "c3 (no build) was skipped if tested" \
	'[ "$(jq -r --arg c "$c3" "[.steps[] | select(.commit == \$c) | .verdict] | unique | join(\",\")" "$b")" = "" ] ||
	 [ "$(jq -r --arg c "$c3" "[.steps[] | select(.commit == \$c) | .verdict] | unique | join(\",\")" "$b")" = skip ]'
check "every step before c2 good, from c2 on bad or skipped" \
	'[ "$(jq -r --arg c1 "$c1" --arg c2 "$c2" --arg c3 "$c3" --arg c4 "$c4" "[.steps[] | select((.commit == \$c1 and .verdict != \"good\") or ((.commit == \$c2 or .commit == \$c4) and .verdict != \"bad\"))] | length" "$b")" = 0 ]'
check "tree back at c5" '[ "$(git -C "$tree" rev-parse HEAD)" = "$c5" ] && [ "$(jq -r .tree_restored "$b")" = true ]'
check "bisect.md names c2" 'grep -q "First bad commit: \`${c2:0:12}\`" "$out/night2/bisect.md"'
echo "results: $out"
if [ "$fail" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; exit 1; fi
