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
