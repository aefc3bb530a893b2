#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# compare.sh [--noise PCT] A B — what changed from results folder A (e.g.
# last night) to B (tonight), per stable KTAP name, from their summary.json
# (and ktap.log for intensity figures a summary does not carry yet).  The
# folders may come from different machines: only names are matched.
#
#   new failures      fail/crashed/hung in B; pass, skip or absent in A
#   fixed             failing in A, pass in B
#   still failing     failing in both (B's assertion, A's if it differs)
#   new known issues  a known kernel issue (class known:<id>) on a case in B
#                     that A's same case did not have
#   newly skipped     skip/not_run in B, run in A
#   not in B, new in B  names only one side has (renamed or added tests)
#   changes           duration_ms of a case, program_seconds of a program,
#                     and each number of a case's intensity figures (the
#                     "# intensity: key=value ..." line of its KTAP block, or
#                     summary.json's .intensity), when B differs from A by
#                     more than PCT percent (default 25) of A; durations only
#                     when they also differ by 1 s or more (timer and
#                     start-up jitter of short cases)
#
# Exit: 0 no regression, 1 regression (a new failure), 2 usage (bad
# arguments, a folder without summary.json).  Newly skipped cases, known
# issues and changes are reported, not judged: a profile or an environment
# explains most of them, and a B that tested nothing (exit 3 or 4, e.g. a
# tree that did not build) is never a regression of the suite.
set -eu -o pipefail

usage() {
	echo "usage: compare.sh [--noise PCT] RESULTS_A RESULTS_B" >&2
	exit 2
}

noise=25
while [ $# -gt 0 ]; do
	case $1 in
	--noise)
		[ $# -ge 2 ] || usage
		[[ $2 =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
		noise=$2
		shift 2
		;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# = 2 ] || usage
for d in "$1" "$2"; do
	[ -f "$d/summary.json" ] || {
		echo "compare.sh: no summary.json in '$d'" >&2
		usage
	}
	jq -e '.tests | type == "array"' "$d/summary.json" >/dev/null 2>&1 || {
		echo "compare.sh: '$d/summary.json' has no tests array" >&2
		usage
	}
done

# intensity KTAP: {"<program>: <case>": {key: number}} from the cases'
# "# intensity: key=value ..." lines
intensity() {
	[ -f "$1/ktap.log" ] || { echo '{}'; return; }
	awk '
		/^# selftests: memcg_reparent: / { prog = $4; name = ""; next }
		/^  # +RUN / { name = $0; sub(/^  # +RUN +/, "", name); sub(/ \.\.\.$/, "", name); next }
		/^  # intensity: / && name != "" {
			line = $0
			sub(/^  # intensity: /, "", line)
			printf "%s: %s\t%s\n", prog, name, line
		}' "$1/ktap.log" |
		jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
			| {key: .[0], value: (.[1] | split(" ") | map(select(test("^[A-Za-z_]+=-?[0-9.]+$"))
				| split("=") | {key: .[0], value: (.[1] | tonumber)}) | from_entries)})
			| from_entries'
}

out=$(jq -n -r \
	--slurpfile a "$1/summary.json" --slurpfile b "$2/summary.json" \
	--argjson ia "$(intensity "$1")" --argjson ib "$(intensity "$2")" \
	--arg da "$1" --arg db "$2" --argjson noise "$noise" '
	def failing: . == "fail" or . == "crashed" or . == "hung";
	def skipped: . == "skip" or . == "not_run";
	def byname($i): map({key: .name, value: (. + {intensity: (.intensity // $i[.name] // {})})})
		| from_entries;
	def known: [(.kernel_badness // [])[] | select(startswith("known:")) | split(":")[1]] | unique;
	def run($d): "\($d) (\(.kernel.release // "?"), profile \(.profile // "?"), seed \(.seed // "?"), exit \(.exit_code // "?"))";
	def pct($x; $y): if $x == 0 then "new" else ((($y - $x) * 100 / $x) | round
		| if . > 0 then "+\(.)%" else "\(.)%" end) end;
	def beyond($x; $y; $floor): ($x | type) == "number" and ($y | type) == "number"
		and ($y - $x | fabs) >= $floor
		and (if $x == 0 then $y != 0 else (($y - $x) | fabs) * 100 / ($x | fabs) > $noise end);
	def section($title; $rows): "\($title): \($rows | length)", ($rows[] | "  " + .);

	$a[0] as $A | $b[0] as $B
	| ($A.tests | byname($ia)) as $ta | ($B.tests | byname($ib)) as $tb
	| ($B.tests | map(.name)) as $nb
	| ($A.tests | map(.name)) as $na
	| [$nb[] | select($tb[.].status | failing)
		| select(($ta[.].status // "absent") | failing | not)
		| "\(.): \($tb[.].assertion // $tb[.].status) (A: \($ta[.].status // "absent"))"] as $new
	| [$nb[] | select(($ta[.].status // "") | failing) | select($tb[.].status == "pass")
		| "\(.) (A: \($ta[.].assertion // $ta[.].status))"] as $fixed
	| [$nb[] | select(($ta[.].status // "") | failing) | select($tb[.].status | failing)
		| "\(.): \($tb[.].assertion // $tb[.].status)"
		  + (if ($ta[.].assertion // $ta[.].status) != ($tb[.].assertion // $tb[.].status)
		     then " (A: \($ta[.].assertion // $ta[.].status))" else "" end)] as $still
	| [$nb[] | . as $n | ($tb[$n] | known) - (($ta[$n] // {}) | known)
		| select(length > 0) | "\($n): \(join(", "))"] as $newknown
	| [$nb[] | select($tb[.].status | skipped) | select($ta[.] != null)
		| select($ta[.].status | skipped | not)
		| "\(.): \($tb[.].skip_reason // $tb[.].status) (A: \($ta[.].status))"] as $newskip
	| [$na[] | select($tb[.] == null)] as $gone
	| [$nb[] | select($ta[.] == null)] as $added
	| ([$nb[] | select($ta[.] != null) | . as $n
		| ($ta[$n].duration_ms) as $x | ($tb[$n].duration_ms) as $y
		| select(beyond($x; $y; 1000))
		| "\($n): duration_ms \($x) -> \($y) (\(pct($x; $y)))"]
	   + ([$B.tests[] | {program, s: .program_seconds}] | unique_by(.program) | map(. as $p
		| ([$A.tests[] | select(.program == $p.program) | .program_seconds] | first) as $x
		| select(beyond($x; $p.s; 1))
		| "\($p.program): program_seconds \($x) -> \($p.s) (\(pct($x; $p.s)))"))
	   + [$nb[] | select($ta[.] != null) | . as $n | $tb[$n].intensity | to_entries[]
		| . as $e | ($ta[$n].intensity[$e.key]) as $x
		| select($x != null and ($x | type) == "number" and ($e.value | type) == "number")
		| select(beyond($x; $e.value; 0))
		| "\($n): \($e.key) \($x) -> \($e.value) (\(pct($x; $e.value)))"]) as $changes
	| "A: " + ($A | run($da)), "B: " + ($B | run($db)),
	  section("new failures"; $new),
	  section("fixed"; $fixed),
	  section("still failing"; $still),
	  section("new known issues"; $newknown),
	  section("newly skipped"; $newskip),
	  section("not in B"; $gone),
	  section("new in B"; $added),
	  section("changes beyond \($noise)%"; $changes),
	  (if ($B.exit_code == 3 or $B.exit_code == 4) then
		"note: B tested nothing (exit \($B.exit_code): \($B.exit_reason // "?")): not a regression of the suite"
	   else empty end),
	  (if ($new | length) > 0 then "verdict: regression (\($new | length) new failure(s))"
	   else "verdict: no regression" end)
	') || {
	echo "compare.sh: cannot compare '$1' and '$2' (unreadable summary.json?)" >&2
	exit 2
}
echo "$out"
case $(tail -n 1 <<<"$out") in
"verdict: regression"*) exit 1 ;;
*) exit 0 ;;
esac
