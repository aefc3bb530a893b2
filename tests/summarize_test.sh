#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summarize_test.sh — summarize.sh and ktap-cases.awk on results folders
# captured from real runs: 7.2-failures (Debian 7.2 kernel, an early version
# of the suite whose sizes_match and reparent_race failed): counts, names,
# statuses and the failing assertions must come out of its KTAP exactly;
# 7.2-crash (Debian 7.2 panicked in lru_switch, the oops of
# tests/fixtures/7.2.13+deb14-amd64/console.oops): the case that was running
# gets a "crashed" row and the KTAP a result line for it, once.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/r"
cp -r "$top/tests/fixtures/results/7.2-crash" "$tmp/c"
"$top/scripts/summarize.sh" "$tmp/r"
s="$tmp/r/summary.json"

expect() {
	local got
	got=$(jq -r "$1" "$s")
	[ "$got" = "$2" ] || { echo "not ok: $1 is '$got', expected '$2'"; exit 1; }
	echo "ok: $1 = $2"
}
expect '.counts | "\(.pass)/\(.fail)/\(.skip)"' "5/2/0"
expect '.kernel.release' "7.2.13+deb14-amd64"
expect '.tests | length' 7
expect '[.tests[] | select(.status == "fail") | .name] | join(",")' \
	"sizes_match: sizes_match.d2f2.removed,reparent_race: reparent_race.reclaim.offline"
expect '.tests[] | select(.name == "reparent_race: reparent_race.reclaim.offline") | .assertion' \
	"load: c1 anon=20480 expected>=16777216"
expect '.tests[] | select(.name == "dying_file: dying_file.tree.offline") | .program_seconds' 5.4
expect '.tests[] | select(.status == "pass") | .assertion' "null
null
null
null
null"

s="$tmp/c/summary.json"
for pass in first again; do
	"$top/scripts/summarize.sh" "$tmp/c"
	echo "# summarize.sh on 7.2-crash ($pass)"
	expect '.counts | "\(.pass)/\(.fail)/\(.skip)/\(.not_run)"' "0/1/0/0"
	expect '.tests[] | "\(.name) \(.status)"' "lru_switch: lru_switch.to_mglru.offline crashed"
	expect '.tests[0].assertion | test("Kernel panic - not syncing")' true
	expect '[.tests[0].kernel_badness[] | split(":")[0]] | join(",")' "oops,panic"
	expect '.kernel_badness | length' 2
done
n=$(grep -c '^not ok 1 selftests: memcg_reparent: lru_switch # crashed: .*Kernel panic' "$tmp/c/ktap.log")
[ "$n" = 1 ] || { echo "not ok: KTAP result line for lru_switch written $n times"; exit 1; }
echo "ok: KTAP completed once"

# the duration a test prints at its teardown (mr_teardown()) becomes the
# case's duration_ms; a case without one gets none
row=$(printf '%s\n' '# selftests: memcg_reparent: dying_file' \
	'  #  RUN           dying_file.tree.offline ...' \
	'  # duration_ms=1834' '  ok 1 dying_file.tree.offline' \
	'  #  RUN           dying_file.chain8.offline ...' \
	'  ok 2 dying_file.chain8.offline' |
	awk -f "$top/scripts/ktap-cases.awk" | cut -f 2,6 | tr '\t\n' ':,')
[ "$row" = "dying_file.tree.offline:1834,dying_file.chain8.offline:," ] ||
	{ echo "not ok: durations '$row'"; exit 1; }
echo "ok: duration_ms of each case"

# Badness outside every window (issue 7.1): mr_logscan over a log with a
# WARN between dying_file's end and dying_anon's start and a Bad page state
# after the last test (tests/fixtures/debug-7.2.13/dmesg.after-a): both
# count, each named after the test before it
cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/a"
rc=0
"$top/selftests/mr_logscan" "$top/tests/fixtures/debug-7.2.13/dmesg.after-a" >"$tmp/a/badness.txt" || rc=$?
[ "$rc" = 1 ] || { echo "not ok: mr_logscan exit $rc on dmesg.after-a, expected 1"; exit 1; }
"$top/scripts/summarize.sh" "$tmp/a"
s="$tmp/a/summary.json"
echo "# summarize.sh with badness after the windows"
expect '.counts.kernel_badness' 2
expect '[.kernel_badness[] | "\(.class) \(.test)"] | join(",")' \
	"warning after dying_file,bad_page after reparent_race"
expect '[.tests[] | select(.program == "dying_file") | .kernel_badness[0] | split(":")[0]] | unique | join(",")' \
	"after dying_file"
expect '[.tests[] | select(.program == "reparent_race") | .kernel_badness[0] | split(": ")[1]] | unique | join(",")' \
	"bad_page"
expect '[.tests[] | select(.program == "dying_anon") | .kernel_badness | length] | add' 0

# A case the guest ended "crashed" (its kernel oopsed: run-tests.sh's
# result line names the case and the oops's first lines) replaces the
# harness's own row for it; programs never started are "not_run"
cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/k"
head -n 17 "$top/tests/fixtures/results/7.2-failures/ktap.log" >"$tmp/k/ktap.log"
printf '%s\n' '  not ok 2 dying_file.chain8.offline' \
	'not ok 1 selftests: memcg_reparent: dying_file # crashed in dying_file.chain8.offline: BUG: kernel NULL pointer dereference, address: 0000000000000008 | #PF: supervisor read access in kernel mode' \
	'ok 2 selftests: memcg_reparent: dying_anon # SKIP not run: the kernel oopsed in dying_file.chain8.offline' \
	'ok 3 selftests: memcg_reparent: sizes_match # SKIP not run: the kernel oopsed in dying_file.chain8.offline' \
	'ok 4 selftests: memcg_reparent: reparent_race # SKIP not run: the kernel oopsed in dying_file.chain8.offline' \
	>>"$tmp/k/ktap.log"
sed -i '2,$d' "$tmp/k/programs"
"$top/scripts/summarize.sh" "$tmp/k"
s="$tmp/k/summary.json"
echo "# summarize.sh on a run whose kernel oopsed in dying_file.chain8"
expect '.counts | "\(.pass)/\(.fail)/\(.skip)/\(.not_run)"' "1/1/0/3"
expect '.tests[] | select(.status == "crashed") | .name' "dying_file: dying_file.chain8.offline"
expect '.tests[] | select(.status == "crashed") | .assertion | test("^BUG: kernel NULL pointer dereference.*#PF")' true

# A flood (issue 7.2): 10 MB of badness on each side (the real WARN line of
# dmesg.warn, renumbered), the console's copy of the guest's lines plus its
# own.  summary.json is written, small, with the full counts.
cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/f"
line=$(grep -m1 'WARNING: mm/vmscan.c:3028' "$top/tests/fixtures/debug-7.2.13/dmesg.warn" | sed 's/^\[ *[0-9.]*\] //')
awk -v l="$line" 'BEGIN { for (i = 0; i < 80000; i++)
	printf "warning\treparent_race.reclaim.offline\t[%12.6f] %s\n", i / 1000, l }' >"$tmp/f/badness.txt"
{ cat "$tmp/f/badness.txt"
  awk -v l="$line" 'BEGIN { for (i = 0; i < 100; i++)
	printf "list_corruption\tafter reparent_race\t[%12.6f] list_del corruption. %s\n", 900 + i, l }'
} >"$tmp/f/console-badness.txt"
size=$(du -m "$tmp/f/badness.txt" | cut -f1)
[ "$size" -ge 10 ] || { echo "not ok: flood fixture only ${size} MB"; exit 1; }
start=$(date +%s)
"$top/scripts/summarize.sh" "$tmp/f" || { echo "not ok: summarize.sh failed on a ${size} MB flood"; exit 1; }
s="$tmp/f/summary.json"
echo "# summarize.sh on a ${size} MB flood in $(($(date +%s) - start)) s"
expect '.counts.kernel_badness' 80100
expect '[.kernel_badness_classes[] | "\(.class)=\(.count)/\(.shown)"] | join(",")' \
	"warning=80000/20,list_corruption=100/20"
expect '.kernel_badness | length' 40
sz=$(stat -c %s "$s")
[ "$sz" -lt 200000 ] || { echo "not ok: summary.json is $sz bytes"; exit 1; }
echo "ok: summary.json is $sz bytes"
