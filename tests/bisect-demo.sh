#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bisect-demo.sh — `make bisect-demo`: `git bisect run` with run.sh over a
# synthetic history on top of Debian's linux-source, the tree of `run.sh
# --kernel debug` (so every step is an incremental build):
#
#   base  pristine                                   good
#   c1    a documentation change                     good
#   c2    mm/vmscan.c does not compile               untestable (125)
#   c3    the build fixed                            good
#   c4    seed review's bug injected (mm-state-seq-skipped)   first bad
#   c5    a documentation change                     bad
#
# Asserts that the bisect names c4, and that run.sh at c2 exits 125.
# Only mm/ and one document are put under git; the tree is restored and
# its .git removed on exit.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tree="$("$top/scripts/fetch-debian-kernel.sh" sid source)/tree"
tree=$(cd "$tree" && pwd -P)
tests=${BISECT_TESTS:-reparent_race}
doc=Documentation/admin-guide/cgroup-v2.rst
[ ! -e "$tree/.git" ] || { echo "bisect-demo: $tree/.git exists (interrupted demo?): remove it" >&2; exit 2; }
# --ksrc builds never carry the suite's fixes (configs/patches/): the demo's
# history starts from the tree as Debian ships it
"$top/scripts/patch-tree.sh" "$tree" none

cleanup() {
	cd "$tree"
	git bisect reset -q >/dev/null 2>&1 || true
	git checkout -q -f base 2>/dev/null || true
	rm -rf "$tree/.git"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$tree"
git init -q -b base .
# -f: Debian's linux-source ignores everything at its top level ("/*")
git add -f mm "$doc"
git -c user.name=demo -c user.email=demo@localhost commit -qm base
commit() { git -c user.name=demo -c user.email=demo@localhost commit -qam "$1"; git rev-parse --short HEAD; }
git checkout -q -b demo
echo >>"$doc"; c1=$(commit "c1: documentation")
echo '#error bisect demo: this commit does not build' >>mm/vmscan.c; c2=$(commit "c2: broken build")
sed -i '$ d' mm/vmscan.c; c3=$(commit "c3: build fixed")
MR_ALLOW_MUTATION=1 "$top/scripts/mutate.sh" "$top/configs/mutations/mm-state-seq-skipped.mut" "$tree"
rm -f mm/vmscan.c.pristine .memcg-reparent-mutation
c4=$(commit "c4: mm-state-seq-skipped")
echo >>"$doc"; c5=$(commit "c5: documentation")
echo "history: base(good) $c1 $c2(no build) $c3 $c4(bug) $c5"

start=$(date +%s)
git checkout -q "$c2"
rc=0
"$top/run.sh" --bisect --ksrc "$tree" --tests "$tests" --seed 1 || rc=$?
echo "run.sh --bisect at $c2 (does not build): exit $rc"
[ "$rc" = 125 ] || { echo "not ok: expected 125"; exit 1; }

git checkout -q demo
git bisect start "$c5" base
git bisect run "$top/run.sh" --bisect --ksrc "$tree" --tests "$tests" --seed 1 | tee "$top/results/bisect-demo.log"
first=$(git bisect log | sed -n 's/^# first bad commit: \[\([0-9a-f]*\)\].*/\1/p')
secs=$(($(date +%s) - start))
echo "first bad commit: ${first:0:7} (expected $c4), ${secs}s in all"
case $first in
"$c4"*) echo "1 passed, 0 failed" ;;
*) echo "0 passed, 1 failed"; exit 1 ;;
esac
