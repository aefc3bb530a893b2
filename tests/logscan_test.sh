#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# logscan_test.sh — mr_logscan (the classifier the guest and the host use)
# on kernel logs captured from real runs: which splats it reports, their
# class, and the test it attributes them to through the start/end markers.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
scan=$top/selftests/mr_logscan
fx=$top/tests/fixtures
fail=0

# expect FILE RC ROWS: mr_logscan FILE exits RC and prints exactly ROWS
# (class<TAB>test per line, the log line itself left out)
expect() {
	local rc=0 got
	got=$(set -o pipefail; "$scan" "$fx/$1" | cut -f1,2) || rc=$?
	if [ "$rc" = "$2" ] && [ "$got" = "$3" ]; then
		echo "ok: $1"
	else
		printf 'not ok: %s: exit %s, rows:\n%s\nexpected exit %s, rows:\n%s\n' "$1" "$rc" "$got" "$2" "$3"
		fail=1
	fi
}

tab=$(printf '\t')
expect debug-7.2.13/dmesg 0 ""
expect debug-7.2.13/console.log 0 ""
expect 7.2.13+deb14-amd64/console.log 0 ""
expect 6.1.0-50-amd64/dmesg 0 ""
# the seed review's warning, from the mm-state-seq-skipped injection
expect debug-7.2.13/dmesg.warn 1 "warning${tab}reparent_race.reclaim.offline"
# classic LRU injection: pages left to a freed memcg
expect debug-7.2.13/dmesg.warn2 1 "warning${tab}reparent_race.lrugen.offline"
# 6.1 panic (sysrq c) after a start marker, as the host sees the console
expect 6.1.0-50-amd64/console.panic 1 "panic${tab}panic_probe"
# 7.2 (Debian) oops + panic under lru_switch (int3 while MGLRU's static
# keys were being switched; TCG), as the host saw the console
expect 7.2.13+deb14-amd64/console.oops 1 "oops${tab}lru_switch.to_classic.offline
panic${tab}lru_switch.to_classic.offline"
# Badness between windows belongs to the test before it ("after <test>"),
# and so does badness after the last end marker (issue 7.1): a WARN and a
# Bad page state report, each in both places
expect debug-7.2.13/dmesg.after-a 1 "warning${tab}after dying_file
bad_page${tab}after reparent_race"
expect debug-7.2.13/dmesg.after-b 1 "bad_page${tab}after dying_file
warning${tab}after reparent_race"

# Known issues are one exact site (ID<TAB>FILE:LINE<TAB>FUNCTION, as
# run-tests.sh writes them): the real nr_pages WARN is known, the other
# VM_WARN_ON_ONCE of lru_gen_exit_memcg() (mm_list, line 5808) is not
known=$(mktemp)
trap 'rm -f "$known"' EXIT
printf 'lru_gen_exit_memcg-nr_pages\tmm/vmscan.c:5814\tlru_gen_exit_memcg\n' >"$known"
export MR_KNOWN_FILE=$known
expect debug-7.2.13/dmesg.exit-memcg 0 "known:lru_gen_exit_memcg-nr_pages${tab}reparent_race.lrugen.offline"
expect debug-7.2.13/dmesg.mm-list 1 "warning${tab}reparent_race.lrugen.offline"
# known and after the window: still known, still named
expect debug-7.2.13/dmesg.after-b 1 "bad_page${tab}after dying_file
known:lru_gen_exit_memcg-nr_pages${tab}after reparent_race"
MR_KNOWN_FILE="" expect debug-7.2.13/dmesg.exit-memcg 1 "warning${tab}reparent_race.lrugen.offline"

# Which builds a known issue applies to: run-tests.sh writes the known-issues
# file only for a build named by identity in a .known file (MR_BUILD_ID, set
# by run.sh).  The same splat on a look-alike build (another Debian version,
# the debug build, a --ksrc tree or mutant without identity) is a failure.
deb="debian linux-image-7.2.13+deb14-amd64 7.2.13-1"
for id in "$deb" "debian linux-image-7.2.13+deb14-amd64 7.2.13-2" \
	"debian linux-image-7.2.14+deb14-amd64 7.2.14-1" \
	"debug linux-source-7.2-7.2.13-1 patches=0123456789abcdef config=0123456789abcdef" ""; do
	MR_BUILD_ID=$id "$top/scripts/run-tests.sh" --print-known >"$known"
	if [ "$id" = "$deb" ]; then
		want="known:lru_gen_exit_memcg-nr_pages${tab}reparent_race.lrugen.offline" wrc=0
	else
		want="warning${tab}reparent_race.lrugen.offline" wrc=1
	fi
	echo "# build '$id'"
	expect debug-7.2.13/dmesg.exit-memcg "$wrc" "$want"
done
MR_KNOWN=0 MR_BUILD_ID=$deb "$top/scripts/run-tests.sh" --print-known >"$known"
echo "# build '$deb' with --strict (MR_KNOWN=0)"
expect debug-7.2.13/dmesg.exit-memcg 1 "warning${tab}reparent_race.lrugen.offline"
exit $fail
