#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# compare_test.sh — scripts/compare.sh on two nights made from one captured
# run (tests/fixtures/results/7.2-failures, summarized by summarize.sh):
# night A is that run with durations and intensity figures filled in, night
# B the same folder with one change of each kind compare.sh reports, made
# with jq below, next to what it must report.  Also: exit 0 for a night
# compared with itself and for a night that only fixed something, exit 0
# with a note for a night that tested nothing, exit 2 for bad arguments.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmp_sh=$top/scripts/compare.sh

fail() {
	echo "not ok: $*"
	exit 1
}

# section OUTPUT TITLE: the rows of one section of compare.sh's report
section() {
	awk -v t="$2" 'index($0, t ": ") == 1 { on = 1; next } /^[^ ]/ { on = 0 } on { sub(/^  /, ""); print }' <<<"$1"
}

expect_section() {
	local got
	got=$(section "$out" "$1")
	[ "$got" = "$2" ] || fail "section '$1': got
$got
expected
$2"
	echo "ok: $1: $(grep -c . <<<"$2" || true) row(s)"
}

cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/a"
"$top/scripts/summarize.sh" "$tmp/a"
cp -r "$tmp/a" "$tmp/b"

# Night A: durations (the captured run predates them) and an intensity line
# in reparent_race's case, as mr_churn prints it.
jq '(.tests[] | select(.name == "dying_file: dying_file.chain8.offline") | .duration_ms) = 1000
	| (.tests[] | select(.name == "dying_file: dying_file.tree.offline") | .duration_ms) = 10000
	| (.tests[] | select(.name == "dying_anon: dying_anon.sibling.offline") | .duration_ms) = 200
	| (.tests[] | select(.name == "dying_anon: dying_anon.sibling.offline") | .intensity)
		= {offlines_per_s: 40.0, cycles: 12}' \
	"$tmp/a/summary.json" >"$tmp/s" && mv "$tmp/s" "$tmp/a/summary.json"
sed -i '/^  #  RUN  *reparent_race.reclaim.offline/a\  # intensity: offlines=100 offlines_per_s=2.0 cycles=50 seconds=50.0' "$tmp/a/ktap.log"

# Night B: one change of each kind.
warn='[   54.988469] WARNING: mm/vmscan.c:5814 at lru_gen_exit_memcg+0x11b/0x150, CPU#1: kworker/1:1/41'
jq --arg w "$warn" '
	def case($n): .tests[] | select(.name == $n);
	# new failure
	(case("dying_file: dying_file.tree.offline") | .status) = "fail"
	| (case("dying_file: dying_file.tree.offline") | .assertion) = "dying_memcgs: 3 still dying"
	| (case("dying_file: dying_file.tree.offline") | .duration_ms) = 11000
	# fixed
	| (case("sizes_match: sizes_match.d2f2.removed") | .status) = "pass"
	| (case("sizes_match: sizes_match.d2f2.removed") | .assertion) = null
	# still failing, with another assertion
	| (case("reparent_race: reparent_race.reclaim.offline") | .assertion) = "dying_memcgs: 1 still dying"
	# a known issue on a passing case; a duration within 1 s
	| (case("dying_anon: dying_anon.sibling.offline") | .kernel_badness) = ["known:lru_gen_exit_memcg-nr_pages: " + $w]
	| (case("dying_anon: dying_anon.sibling.offline") | .duration_ms) = 900
	| (case("dying_anon: dying_anon.sibling.offline") | .intensity) = {offlines_per_s: 20.0, cycles: 13}
	# newly skipped
	| (case("dying_anon: dying_anon.nested.offline") | .status) = "skip"
	| (case("dying_anon: dying_anon.nested.offline") | .skip_reason) = "MGLRU off"
	# duration beyond the band
	| (case("dying_file: dying_file.chain8.offline") | .duration_ms) = 3000
	# program times: one beyond, one within the band
	| (.tests[] | select(.program == "dying_file") | .program_seconds) = 9.0
	| (.tests[] | select(.program == "sizes_match") | .program_seconds) = 110.0
	# renamed: chain4 gone, a new case
	| .tests |= map(select(.name != "sizes_match: sizes_match.chain4.removed"))
	| .tests += [{program: "lru_switch", name: "lru_switch: lru_switch.to_mglru.offline", status: "pass"}]' \
	"$tmp/b/summary.json" >"$tmp/s" && mv "$tmp/s" "$tmp/b/summary.json"
sed -i '/^  #  RUN  *reparent_race.reclaim.offline/a\  # intensity: offlines=60 offlines_per_s=1.9 cycles=50 seconds=50.0' "$tmp/b/ktap.log"

rc=0
out=$("$cmp_sh" "$tmp/a" "$tmp/b") || rc=$?
[ "$rc" = 1 ] || fail "a new failure: exit $rc, expected 1
$out"
echo "ok: a new failure exits 1"
expect_section "new failures" "dying_file: dying_file.tree.offline: dying_memcgs: 3 still dying (A: pass)"
expect_section "fixed" "sizes_match: sizes_match.d2f2.removed (A: load: holder of /sys/fs/cgroup/memcg_reparent.210/t/n0/n0 failed)"
expect_section "still failing" "reparent_race: reparent_race.reclaim.offline: dying_memcgs: 1 still dying (A: load: c1 anon=20480 expected>=16777216)"
expect_section "new known issues" "dying_anon: dying_anon.sibling.offline: lru_gen_exit_memcg-nr_pages"
expect_section "newly skipped" "dying_anon: dying_anon.nested.offline: MGLRU off (A: pass)"
expect_section "not in B" "sizes_match: sizes_match.chain4.removed"
expect_section "new in B" "lru_switch: lru_switch.to_mglru.offline"
# not reported: tree 10000 -> 11000 ms (10%), sibling 200 -> 900 ms (< 1 s),
# sizes_match 103.2 -> 110 s (7%), offlines_per_s 2.0 -> 1.9 (5%), cycles 50 -> 50
expect_section "changes beyond 25%" "dying_file: dying_file.chain8.offline: duration_ms 1000 -> 3000 (+200%)
dying_file: program_seconds 5.4 -> 9 (+67%)
dying_anon: dying_anon.sibling.offline: offlines_per_s 40 -> 20 (-50%)
reparent_race: reparent_race.reclaim.offline: offlines 100 -> 60 (-40%)"
grep -qx 'verdict: regression (1 new failure(s))' <<<"$out" || fail "verdict line: $out"

# a narrower band reports the 5% and 10% changes too (durations still >= 1 s)
out=$("$cmp_sh" --noise 4 "$tmp/a" "$tmp/b") || true
section "$out" "changes beyond 4%" | grep -qx 'reparent_race: reparent_race.reclaim.offline: offlines_per_s 2 -> 1.9 (-5%)' ||
	fail "--noise 4 does not report offlines_per_s -5%: $out"
section "$out" "changes beyond 4%" | grep -qx 'dying_file: dying_file.tree.offline: duration_ms 10000 -> 11000 (+10%)' ||
	fail "--noise 4 does not report the +10% duration: $out"
section "$out" "changes beyond 4%" | grep -q 'dying_anon.sibling.offline: duration_ms' &&
	fail "--noise 4 reports a duration change under 1 s"
echo "ok: --noise sets the band"

# the same night twice: still failing only, exit 0
out=$("$cmp_sh" "$tmp/a" "$tmp/a") || fail "A vs A: exit $?"
{ [ "$(section "$out" "still failing" | wc -l)" = 2 ] && [ -z "$(section "$out" "new failures")" ]; } ||
	fail "A vs A: $out"
echo "ok: a night against itself: no regression, 2 still failing"

# only fixes: B with every failure passing
jq '(.tests[] | select(.status == "fail") | .status) = "pass"' "$tmp/a/summary.json" >"$tmp/s"
mkdir "$tmp/fixed" && mv "$tmp/s" "$tmp/fixed/summary.json"
out=$("$cmp_sh" "$tmp/a" "$tmp/fixed") || fail "only fixes: exit $?"
[ "$(section "$out" "fixed" | wc -l)" = 2 ] || fail "only fixes: $out"
echo "ok: only fixes: exit 0, 2 fixed"

# a night that tested nothing (the tree did not build)
mkdir "$tmp/nobuild"
echo '{"exit_code": 3, "exit_reason": "kernel build failed", "tests": []}' >"$tmp/nobuild/summary.json"
out=$("$cmp_sh" "$tmp/a" "$tmp/nobuild") || fail "untested night: exit $?"
grep -q '^note: B tested nothing (exit 3: kernel build failed)' <<<"$out" || fail "untested night: $out"
echo "ok: a night that tested nothing: exit 0 with a note"

for args in "$tmp/a" "$tmp/a $tmp/nosuch" "--noise x $tmp/a $tmp/b" "--frob $tmp/a $tmp/b" "$tmp/a $tmp/b $tmp/a"; do
	rc=0
	# shellcheck disable=SC2086 # the argument lists are split on purpose
	"$cmp_sh" $args >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "compare.sh $args: exit $rc, expected 2"
done
echo "ok: bad arguments exit 2"
