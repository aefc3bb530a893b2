#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# known_assertions_test.sh — an assertion known issue (assertion= and cause=
# in configs/known-issues/) excuses exactly the assertion lines that carry
# its cause, on exactly the build it names, and a case only when every
# assertion it failed is excused.  On dying_percpu's log captured on
# Debian's 7.2.13 (both cases failed dying_memcgs with cause=percpu_stock).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
fx=$top/tests/fixtures/7.2.13+deb14-amd64/dying_percpu.log
sid="debian linux-image-7.2.13+deb14-amd64 7.2.13-1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect NAME WANT BUILD LOG [ENV...]: run-tests.sh --excuse on a copy of
# LOG under MR_BUILD_ID=BUILD prints WANT ("FAILED EXCUSED")
expect() {
	local name=$1 want=$2 build=$3 log=$4 got
	shift 4
	cp "$log" "$tmp/log"
	got=$(env MR_BUILD_ID="$build" "$@" "$top/scripts/run-tests.sh" --excuse "$tmp/log")
	if [ "$got" = "$want" ]; then
		echo "ok: $name"
	else
		echo "not ok: $name: got '$got', expected '$want'"
		fail=1
	fi
}

expect "sid 7.2.13: both failed cases excused" "2 2" "$sid" "$fx"
grep -q '^# KNOWN memcg_stock-zero-slot ASSERTION dying_memcgs: .* cause=percpu_stock$' "$tmp/log" ||
	{ echo "not ok: the excused lines are not marked KNOWN"; fail=1; }
expect "another Debian version: nothing excused" "2 0" "debian linux-image-7.2.14+deb14-amd64 7.2.14-1" "$fx"
expect "the suite's debug build: nothing excused" "2 0" "debug linux-source-7.2-7.2.13-1 patches=0 config=0" "$fx"
expect "no build identity (--ksrc, bisect, mutant): nothing excused" "2 0" "" "$fx"
expect "--strict (MR_KNOWN=0): nothing excused" "2 0" "$sid" "$fx" MR_KNOWN=0

# the proof is the cause: the same assertion without it is not excused
sed '0,/ cause=percpu_stock$/s/ cause=percpu_stock$//' "$fx" >"$tmp/one-unproven"
expect "one assertion without its cause: that case stays failed" "2 1" "$sid" "$tmp/one-unproven"
# another assertion in the same case is never excused with it
awk '/^# ASSERTION dying_memcgs/ && !done { print; print "# ASSERTION file_absorbed: file=0 expected==8388608 (+-524288)"; done = 1; next } { print }' \
	"$fx" >"$tmp/other-assertion"
expect "another assertion beside it: that case stays failed" "2 1" "$sid" "$tmp/other-assertion"
# a failed case without any assertion (a crash, a harness error) is no known assertion
printf '#  RUN           x.y.z ...\n# x.c:12:z:Expected 0 got 1\nnot ok 1 x.y.z\n' >"$tmp/no-assertion"
expect "a failed case without assertions: not excused" "1 0" "$sid" "$tmp/no-assertion"

# cause=none (lrugen_old_slots on the same build): every line of that
# assertion, and nothing else, on that build only
printf '#  RUN           reparent_race.reclaim.offline ...\n# ASSERTION lrugen_old_slots: /m/t (id 67) pages_below_min_seq=1 expected==0\nnot ok 1 reparent_race.reclaim.offline\n' >"$tmp/old-slots"
expect "cause=none: the named assertion is excused on its build" "1 1" "$sid" "$tmp/old-slots"
expect "cause=none: not on another build" "1 0" "debian linux-image-7.2.14+deb14-amd64 7.2.14-1" "$tmp/old-slots"
sed 's/lrugen_old_slots/lru_gen_absent/' "$tmp/old-slots" >"$tmp/sizes"
expect "cause=none: another assertion is not" "1 0" "$sid" "$tmp/sizes"
sed 's/reparent_race\.reclaim\.offline/dying_file.tree.offline/' "$tmp/old-slots" >"$tmp/old-slots-other"
expect "cause=none: not in a test its evidence did not come from" "1 0" "$sid" "$tmp/old-slots-other"

# case=GLOB narrows an issue to the cases its evidence came from
# (lru_split-reparent_race-debian-7.2.13: case=reparent_race.*)
printf '#  RUN           reparent_race.reclaim.offline ...\n# ASSERTION lru_split: /m/t active_anon+inactive_anon=2097152 expected in anon+shmem=0 .. +swapcached=0 (+-524288)\nnot ok 1 reparent_race.reclaim.offline\n' >"$tmp/split"
expect "case=: the assertion in a case of the glob is excused" "1 1" "$sid" "$tmp/split"
sed 's/reparent_race\.reclaim\.offline/sizes_match.d2f2.removed/' "$tmp/split" >"$tmp/split-other"
expect "case=: the same assertion in another test is not" "1 0" "$sid" "$tmp/split-other"
sed 's/reparent_race\.reclaim\.offline/xreparent_race.reclaim.offline/' "$tmp/split" >"$tmp/split-prefix"
expect "case=: the glob is anchored (a longer name does not match)" "1 0" "$sid" "$tmp/split-prefix"
expect "case=: not on the debug build" "1 0" "debug linux-source-7.2-7.2.13-1 patches=0 config=0" "$tmp/split"

# cases LOG WANT NAME: after --excuse on a copy of LOG, ktap-cases.awk's
# rows of the program are WANT ("case status;" each)
cases() {
	local rows
	cp "$1" "$tmp/log"
	MR_BUILD_ID=$sid "$top/scripts/run-tests.sh" --excuse "$tmp/log" >/dev/null
	{ echo "# selftests: memcg_reparent: dying_percpu"; sed 's/^/  /' "$tmp/log"; } >"$tmp/ktap"
	rows=$(awk -f "$top/scripts/ktap-cases.awk" "$tmp/ktap" | cut -f2,3 | tr '\t\n' ' ;')
	if [ "$rows" = "$2" ]; then
		echo "ok: ktap-cases: $3"
	else
		echo "not ok: ktap-cases: $3: rows '$rows', expected '$2'"
		fail=1
	fi
}
cases "$fx" "dying_percpu.cpu0.offline known;dying_percpu.cpu1.offline known;" \
	"excused cases are known"
cases "$tmp/one-unproven" "dying_percpu.cpu0.offline fail;dying_percpu.cpu1.offline known;" \
	"a case with an unproven assertion fails"
exit "$fail"
