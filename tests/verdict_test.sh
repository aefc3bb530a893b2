#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# verdict_test.sh — scripts/verdict.sh (the one place that judges a run) and
# run.sh --recheck on results folders kept from real runs
# (tests/fixtures/results/):
#   6.1-quick      Debian 6.1 (no reparenting), dying_anon, dying_file and
#                  sizes_match: 15 cases fail on dying_memcgs
#   7.2-old-slots  Debian's 7.2.13, reparent_race, run before the known issue
#                  lrugen_old_slots-debian-7.2.13 existed: one case failed
#                  only on lrugen_old_slots, the other also on dying_memcgs
#   7.2-crash      Debian's 7.2.13 panicked in lru_switch
#   7.2-failures   an early suite's sizes_match and reparent_race failures
#   7.2-scratch-fault  the suite's debug kernel with every ext4 mount failing
#                  (configs/injections/ext4-mount-fails.mut), dying_file under
#                  --bisect: every case skipped, the kernel is bad (vm-status
#                  kernel; config trimmed to the options the rule reads)
# The recheck derives the runner's code from the folder and must land on
# each run's own verdict, except where today's rules differ (the known
# issue); the live path (--runner-rc) is checked row by row against the
# exit-code table (README, "Exit codes").
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fx=$top/tests/fixtures/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# fresh NAME: a copy of fixture NAME to judge (verdict.sh writes into it)
fresh() {
	rm -rf "${tmp:?}/$1"
	cp -r "$fx/$1" "$tmp/$1"
	echo "$tmp/$1"
}

# verdict WANT_RC WANT_REASON_RE DIR ARGS...: verdict.sh DIR ARGS exits
# WANT_RC and prints a reason matching WANT_REASON_RE (grep -E), and
# run.env and summary.json record the same
verdict() {
	local want=$1 re=$2 d=$3 rc=0 why
	shift 3
	why=$("$top/scripts/verdict.sh" "$d" "$@" 2>"$tmp/err") || rc=$?
	if [ "$rc" != "$want" ] || ! grep -qE -- "$re" <<<"$why"; then
		echo "not ok: verdict.sh ${d##*/} $*: exit $rc '$why', expected $want /$re/"
		sed 's/^/#   /' "$tmp/err"
		fail=1
		return 0
	fi
	if [ "$(sed -n 's/^exit_code=//p' "$d/run.env")" != "$rc" ] ||
		[ "$(sed -n 's/^exit_reason=//p' "$d/run.env")" != "$why" ] ||
		! jq -e --argjson rc "$rc" --arg why "$why" '.exit_code == $rc and .exit_reason == $why' \
			"$d/summary.json" >/dev/null; then
		echo "not ok: verdict.sh ${d##*/} $*: run.env or summary.json disagree with exit $rc '$why'"
		fail=1
		return 0
	fi
	echo "ok: verdict.sh ${d##*/} $*: $rc ($why)"
}

# expect DIR JQ WANT: jq JQ of DIR/summary.json prints WANT
expect() {
	local got
	got=$(jq -r "$2" "$1/summary.json")
	if [ "$got" = "$3" ]; then
		echo "ok: ${1##*/}: $2 = $3"
	else
		echo "not ok: ${1##*/}: $2 is '$got', expected '$3'"
		fail=1
	fi
}

echo "# recheck: each kept run judged again lands on its own verdict"
d=$(fresh 6.1-quick)
verdict 1 '^test failure or kernel badness$' "$d" --recheck
expect "$d" '.counts | "\(.pass)/\(.fail)/\(.skip)/\(.kernel_badness)/\(.known_issues)"' "0/15/5/0/0"
expect "$d" '.tests[] | select(.name == "dying_file: dying_file.tree.offline") | "\(.status) \(.assertion)"' \
	"fail dying_memcgs: nr_dying_descendants=12 expected<=0 (waited 10032 ms)"
expect "$d" '.recheck | "\(.previous_exit_code) \(.previous_exit_reason)"' "1 test failure or kernel badness"
cmp -s "$fx/6.1-quick/ktap.log" "$d/ktap.log" ||
	{ echo "not ok: the recheck changed 6.1-quick's ktap.log (no known issue applies)"; fail=1; }
# (the console holds no badness: console-badness.txt is written, empty)
for f in junit.xml index.html console-badness.txt plot-dying_file.png; do
	if [ "$f" = plot-dying_file.png ] && ! command -v gnuplot >/dev/null; then continue; fi
	[ -f "$d/$f" ] || { echo "not ok: 6.1-quick: the recheck wrote no $f"; fail=1; }
done
# (again: a recheck of a rechecked folder says the same)
verdict 1 '^test failure or kernel badness$' "$d" --recheck
cmp -s "$fx/6.1-quick/ktap.log" "$d/ktap.log" || { echo "not ok: a second recheck changed ktap.log"; fail=1; }

d=$(fresh 7.2-crash)
verdict 1 '^kernel: .*Kernel panic - not syncing: Fatal exception in interrupt$' "$d" --recheck
expect "$d" '.tests[] | "\(.name) \(.status)"' "lru_switch: lru_switch.to_mglru.offline crashed"

d=$(fresh 7.2-failures)
verdict 1 '^test failure or kernel badness$' "$d" --recheck
expect "$d" '[.tests[] | select(.status == "fail") | .name] | join(",")' \
	"sizes_match: sizes_match.d2f2.removed,reparent_race: reparent_race.reclaim.offline"

echo "# recheck with today's known issues (added after the run)"
d=$(fresh 7.2-old-slots)
grep -q 'KNOWN' "$d/ktap.log" && { echo "not ok: the fixture already has KNOWN marks"; fail=1; }
verdict 1 '^test failure or kernel badness$' "$d" --recheck
expect "$d" '[.tests[] | "\(.name | sub("^[^:]*: "; "")) \(.status)"] | join(",")' \
	"reparent_race.reclaim.offline known,reparent_race.lrugen.offline fail"
expect "$d" '.tests[0].assertion | split(" ")[0:2] | join(" ")' "lrugen_old_slots-debian-7.2.13 ASSERTION"
expect "$d" '.tests[1].assertion | split(":")[0]' "dying_memcgs"
expect "$d" '.counts.known_issues' 1
# the race cases' intensity figures, in summary.json and on the page
expect "$d" '[.tests[].intensity | "\(.offlines) \(.gen_mismatch_offlines)"] | join(",")' "168 0,81 28"
grep -q '>offlines=81 offlines_per_s=3.6 ' "$d/index.html" ||
	{ echo "not ok: index.html lacks reparent_race.lrugen's intensity figures"; fail=1; }
# both of the reclaim case's lines are marked, in ktap.log and its program log
n=$(grep -c '^  # KNOWN lrugen_old_slots-debian-7.2.13 ASSERTION lrugen_old_slots: ' "$d/ktap.log")
[ "$n" = 2 ] || { echo "not ok: $n lrugen_old_slots lines of ktap.log marked KNOWN, expected 2"; fail=1; }
# the rest of ktap.log is as the guest wrote it
diff <(sed 's/^  # KNOWN [^ ]* ASSERTION /  # ASSERTION /' "$d/ktap.log") "$fx/7.2-old-slots/ktap.log" >/dev/null ||
	{ echo "not ok: the recheck changed more of ktap.log than the known marks"; fail=1; }
# --strict: the known issue counts, both cases fail; the marks go again
verdict 1 '^test failure or kernel badness$' "$d" --recheck --strict
expect "$d" '[.tests[].status] | join(",")' "fail,fail"
cmp -s "$fx/7.2-old-slots/ktap.log" "$d/ktap.log" || { echo "not ok: --strict left KNOWN marks"; fail=1; }
# another build (an identity the known issue does not name): nothing excused
d=$(fresh 7.2-old-slots)
sed -i 's/^build_id=.*/build_id=debian linux-image-7.2.14+deb14-amd64 7.2.14-1/' "$d/run.env"
verdict 1 '^test failure or kernel badness$' "$d" --recheck
expect "$d" '[.tests[].status] | join(",")' "fail,fail"

echo "# the live path: the runner's code, then the console, the VM's end, --splat"
d=$(fresh 6.1-quick)
verdict 1 '^test failure or kernel badness$' "$d" --runner-rc 1
# badness on the console after the last test, where the guest's own scan
# did not look (a real WARN of the debug build, after sizes_match's end
# marker), fails a run the runner passed
warn=$(grep -m1 'WARNING: mm/vmscan.c:3028' "$top/tests/fixtures/debug-7.2.13/dmesg.warn")
sed -i "/reboot: Power down/i $warn" "$d/console.log"
verdict 1 '^kernel badness on the console after the guest.s scan: warning after sizes_match: .*WARNING: mm/vmscan.c:3028 ' \
	"$d" --runner-rc 0
expect "$d" '.kernel_badness[0] | "\(.class) \(.test)"' "warning after sizes_match"
# the same splat named by a known issue of the build: reported, not counted
printf 'vmscan-3028\tmm/vmscan.c:3028\ttry_to_inc_max_seq\n' >"$d/known-issues"
verdict 0 '^all tests passed$' "$d" --runner-rc 0
expect "$d" '.kernel_badness[0].class' "known:vmscan-3028"
# --splat: that splat seen is bad whatever else happened, absent is good
verdict 1 '^splat seen: .*at try_to_inc_max_seq\+' "$d" --runner-rc 0 --splat 'at try_to_inc_max_seq\+'
verdict 0 '^splat not seen \(test failure or kernel badness\)$' "$d" --runner-rc 1 --splat 'at lru_gen_exit_memcg\+'
# a guest that died first cannot say: untestable
d=$(fresh 7.2-crash)
verdict 3 '^splat not seen, but the run ended early: kernel: .*Kernel panic' "$d" --runner-rc 1 --splat 'at lru_gen_exit_memcg\+'
d=$(fresh 7.2-crash)
verdict 1 '^kernel: .*Kernel panic' "$d" --runner-rc 1
# infrastructure: the runner's reason, else the VM's
d=$(fresh 6.1-quick)
echo "undeclared skip in the suite's VM: x.y.z: no scratch fs" >"$d/infra-reason"
verdict 3 "^infrastructure: undeclared skip in the suite's VM: x.y.z: no scratch fs$" "$d" --runner-rc 3
rm "$d/infra-reason"
printf 'status=boot_failure\nreason=kernel did not reach the test runner in 420s\n' >"$d/vm-status"
verdict 3 '^infrastructure: kernel did not reach the test runner in 420s$' "$d" --runner-rc 3
verdict 3 '^infrastructure: kernel did not reach the test runner in 420s$' "$d" --recheck
# a kernel that fails the VM's scratch disk though it has ext4 and the
# disk (vm.sh, scratch_fault): bad live and on a recheck, though every case
# skipped
d=$(fresh 7.2-scratch-fault)
verdict 1 '^kernel: scratch ext4 disk: ext4 registered and /dev/vda present, yet .*can.t read superblock' "$d" --runner-rc 1
verdict 1 '^kernel: scratch ext4 disk: ' "$d" --recheck
d=$(fresh 6.1-quick)
verdict 4 '^nothing could be tested: every test skipped$' "$d" --runner-rc 4
verdict 130 '^interrupted$' "$d" --runner-rc 130 --splat 'x'
# an interrupted run is no verdict to recheck: it keeps its own
verdict 130 '^interrupted$' "$d" --recheck
# run.sh's own verdicts are recorded as they are
verdict 2 '^bad command line$' "$d" --rc 2 --reason "bad command line"

echo "# run.sh --recheck"
d=$(fresh 7.2-crash)
rc=0
"$top/run.sh" --recheck "$d" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q '^run.sh: exit 1: kernel: .*Kernel panic' "$tmp/out"; then
	echo "not ok: run.sh --recheck 7.2-crash: exit $rc"
	cat "$tmp/out"
	fail=1
fi
rc=0
"$top/run.sh" --bisect --recheck "$d" --splat 'at lru_gen_exit_memcg\+' >"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 125 ] || { echo "not ok: run.sh --bisect --recheck --splat on a crash: exit $rc, expected 125"; fail=1; }
rc=0
"$top/run.sh" --recheck "$tmp" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "not ok: run.sh --recheck of no results folder: exit $rc, expected 2"; fail=1; }
[ "$fail" = 0 ] && echo "ok: run.sh --recheck exit codes (1, 125 with --bisect, 2)"
exit "$fail"
