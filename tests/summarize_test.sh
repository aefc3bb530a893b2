#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summarize_test.sh — summarize.sh and ktap-cases.awk on a results folder
# captured from a real run (Debian 7.2 kernel, an early version of the suite
# whose sizes_match and reparent_race failed): counts, names, statuses and
# the failing assertions must come out of its KTAP exactly.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/tests/fixtures/results/7.2-failures" "$tmp/r"
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
