#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# history.sh — the nightly history of one kernel tree: a JSON Lines file,
# one line per nightly run (scripts/nightly.sh), each pointing at its
# results folder.  Subcommands (FILE is the history file):
#
#   line RESULTS TREE_NAME START_EPOCH [RC REASON]
#       print the history line of a finished run.sh results folder (its
#       run.env and summary.json): time, tree, commit, describe, subject,
#       release, config digest, profile, tests, results, exit code, status,
#       per-program status and failing cases; RC and REASON are run.sh's own
#       exit and reason, for a folder without a verdict (run.sh records none
#       when the kernel did not build)
#   append FILE JSON     append one line (compacted, under a lock)
#   last-tested FILE     the last line that tested something (status pass or
#                        fail) and whose results folder still holds a
#                        summary.json
#   last-good FILE COMMIT PROGRAM...
#                        the last line at another commit than COMMIT in which
#                        every PROGRAM ran and passed: the good end of a
#                        bisect of a regression in them
#   passed-at FILE COMMIT PROGRAM...
#                        the last line at COMMIT in which every PROGRAM
#                        passed: tonight's failure at that same commit is
#                        intermittent, no commit to bisect
#   tries FILE CASE...   how many tries a bisect step needs to see the
#                        failure of CASEs (tonight's new failures) with 95 %
#                        confidence, from their observed rate: over the
#                        tree's last 30 tested runs plus tonight, from the
#                        first run where a CASE failed, the runs of its
#                        program in which it failed; the highest rate among
#                        CASEs decides (any one of them failing marks the
#                        step bad); N = ceil(ln 0.05 / ln(1 - p)), 1 for
#                        p = 1, at most 10.  Prints "N rate failed runs".
#   html FILE            a page of the history, newest night first (one
#                        row a night: time, commit, status, counts, new
#                        failures, the bisect's first bad commit, links to
#                        the results folder's index.html, compare.txt and
#                        bisect.md); self-contained, readable offline
#
# Status of a run: pass (exit 0), fail (1), build_failed (3 because the
# kernel did not build: never a regression of the suite), infrastructure
# (other 3), untestable (4), usage (2), interrupted (130).
set -eu -o pipefail

die() {
	echo "history.sh: $*" >&2
	exit 2
}

# status_of RC REASON
status_of() {
	case $1 in
	0) echo pass ;;
	1) echo fail ;;
	2) echo usage ;;
	3) case $2 in *"kernel build failed"*) echo build_failed ;; *) echo infrastructure ;; esac ;;
	4) echo untestable ;;
	130) echo interrupted ;;
	*) echo infrastructure ;;
	esac
}

# kv FILE KEY: a key=value line's value (the last one)
kv() {
	[ -f "$1" ] || return 0
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

cmd_line() {
	local res=$1 name=$2 start=$3 rc reason summary='null'
	res=$(cd "$res" && pwd)
	rc=$(kv "$res/run.env" exit_code)
	reason=$(kv "$res/run.env" exit_reason)
	[ -n "$rc" ] || { rc=${4:-3} reason=${5:-"infrastructure: no verdict in $res"}; }
	[ -f "$res/summary.json" ] && summary=$(cat "$res/summary.json")
	jq -c -n --argjson s "$summary" \
		--arg time "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" \
		--argjson seconds "$(($(date +%s) - start))" \
		--arg name "$name" --arg res "$res" \
		--arg tree "$(kv "$res/run.env" ksrc)" \
		--arg commit "$(kv "$res/run.env" ksrc_commit)" \
		--arg describe "$(kv "$res/run.env" ksrc_describe)" \
		--arg subject "$(kv "$res/run.env" ksrc_subject)" \
		--arg release "$(kv "$res/run.env" kernel_release)" \
		--arg config "$(kv "$res/run.env" config_sha256)" \
		--arg profile "$(kv "$res/run.env" profile)" \
		--arg tests "$(kv "$res/run.env" bounds_test_timeouts | sed 's/:[0-9]*//g')" \
		--argjson rc "$rc" --arg reason "$reason" --arg status "$(status_of "$rc" "$reason")" '
		def failing: . == "fail" or . == "crashed" or . == "hung";
		($s // {}) as $s
		| {time: $time, tree: $tree, tree_name: $name, commit: $commit,
		   describe: $describe, subject: $subject, release: $release,
		   config_sha256: $config, profile: $profile,
		   tests: ($tests | split(" ") | map(select(length > 0))),
		   results: $res, exit_code: $rc, status: $status, reason: $reason,
		   seconds: $seconds,
		   counts: ($s.counts // null),
		   programs: (if $status == "pass" or $status == "fail" then
			(($s.tests // []) | group_by(.program) | map({key: .[0].program,
			 value: (if any(.[]; .status | failing) then "fail"
				elif any(.[]; .status == "pass" or .status == "known") then "pass"
				else "skip" end)}) | from_entries)
			else {} end),
		   failing: [($s.tests // [])[] | select(.status | failing) | .name],
		   compare: null, bisect: null}'
}

cmd_append() {
	local file=$1 json=$2 line
	line=$(jq -c . <<<"$json") || die "append: not JSON"
	[ "$(wc -l <<<"$line")" = 1 ] || die "append: one JSON value per line"
	mkdir -p "$(dirname "$file")"
	(
		flock 9
		printf '%s\n' "$line" >>"$file"
	) 9>>"$file.lock"
}

# lines FILE: the valid JSON lines of FILE (a torn last line is skipped)
lines() {
	[ -f "$1" ] || return 0
	while IFS= read -r l; do
		jq -e -c 'select(type == "object")' <<<"$l" 2>/dev/null || true
	done <"$1"
}

cmd_last_tested() {
	lines "$1" | jq -s -c 'map(select(.status == "pass" or .status == "fail"))
		| reverse | .[]' | while IFS= read -r l; do
		[ -f "$(jq -r .results <<<"$l")/summary.json" ] && { echo "$l"; break; }
	done
}

cmd_last_good() {
	local file=$1 commit=$2
	shift 2
	lines "$file" | jq -s -c --arg c "$commit" '$ARGS.positional as $p
		| map(select(.status == "pass" or .status == "fail")
			| select(.commit != "" and .commit != $c)
			| select(. as $l | all($p[]; $l.programs[.] == "pass")))
		| last // empty' --args "$@"
}

cmd_passed_at() {
	local file=$1 commit=$2
	shift 2
	lines "$file" | jq -s -c --arg c "$commit" '$ARGS.positional as $p
		| map(select(.commit == $c) | select(. as $l | all($p[]; $l.programs[.] == "pass")))
		| last // empty' --args "$@"
}

cmd_tries() {
	local file=$1
	shift
	lines "$file" | jq -s -r '$ARGS.positional as $cases
		| map(select(.status == "pass" or .status == "fail")) | .[-30:] as $h
		| [$cases[] | . as $c | ($c | split(": ")[0]) as $prog
			# tonight counts as a failed run of each case
			| ($h | map(select(.programs[$prog] == "pass" or .programs[$prog] == "fail"))) as $runs
			| ([$runs | to_entries[] | select(.value.failing | index($c)) | .key] | first) as $first
			| (if $first == null then [] else $runs[$first:] end) as $since
			| {failed: (($since | map(select(.failing | index($c))) | length) + 1),
			   runs: (($since | length) + 1)}
			| . + {p: (.failed / .runs)}]
		| max_by(.p) // {failed: 1, runs: 1, p: 1}
		| (if .p >= 1 then 1 else ((0.05 | log) / ((1 - .p) | log)) | ceil end) as $n
		| "\([([$n, 1] | max), 10] | min) \(.p * 100 | round / 100) \(.failed) \(.runs)"' \
		--args "$@"
}

cmd_html() {
	lines "$1" | jq -s -r --arg name "$(basename "$1" .jsonl)" '
		def link($href; $text): "<a href=\"file://\($href | @uri | gsub("%2F"; "/"))\">\($text | @html)</a>";
		def cls: if . == "pass" then "pass" elif . == "fail" then "fail" else "other" end;
		"<!DOCTYPE html>",
		"<html><head><meta charset=\"utf-8\"><title>nightly history: \($name | @html)</title>",
		"<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}",
		"td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top;font-size:90%}",
		".pass{background:#d8f5d8}.fail{background:#f8d0d0}.other{background:#eee}",
		".reg{font-weight:bold;color:#a00}code{font-size:95%}</style></head><body>",
		"<h1>Nightly history: \($name | @html)</h1>",
		"<p>\(length) nights; newest first.  Regressions: \(map(select(.compare.regression == true)) | length);",
		"build failures: \(map(select(.status == "build_failed")) | length).</p>",
		"<table><tr><th>time (UTC)</th><th>commit</th><th>release</th><th>status</th><th>pass/fail/skip</th><th>compared with last night</th><th>bisect</th><th>results</th></tr>",
		(reverse[] |
		"<tr class=\"\(.status | cls)\"><td>\(.time // "" | @html)</td>" +
		"<td><code>\(.commit // "" | .[0:12] | @html)</code> \(.describe // "" | @html)<br>\(.subject // "" | @html)</td>" +
		"<td>\(.release // "" | @html)</td>" +
		"<td>\(.status | @html) (exit \(.exit_code))<br>\(.reason // "" | @html)</td>" +
		"<td>\(if .counts then "\(.counts.pass)/\(.counts.fail)/\(.counts.skip)" else "" end)</td>" +
		"<td>\(if .compare.regression == true then
			"<span class=\"reg\">regression</span>: " + (.compare.new_failures | map(@html) | join("<br>"))
		  elif .compare.against then "no regression" else (.compare.note // "" | @html) end)</td>" +
		"<td>\(if .bisect == null then "" elif .bisect.first_bad then
			"first bad <code>\(.bisect.first_bad.commit[0:12] | @html)</code> \(.bisect.first_bad.subject | @html) (\(.bisect.steps | length) steps, \(.bisect.seconds) s)"
		  else "\(.bisect.outcome | @html): \(.bisect.reason // "" | @html)" end)</td>" +
		"<td>\(link(.results + "/index.html"; "index.html"))" +
		"\(if .compare.report then " " + link(.results + "/compare.txt"; "compare.txt") else "" end)" +
		"\(if .bisect.report then " " + link(.results + "/bisect.md"; "bisect.md") else "" end)</td></tr>"),
		"</table></body></html>"'
}

[ $# -ge 1 ] || die "usage: history.sh line|append|last-tested|last-good|passed-at|tries|html ..."
sub=$1
shift
case $sub in
line) [ $# = 3 ] || [ $# = 5 ] || die "usage: line RESULTS TREE_NAME START_EPOCH [RC REASON]"; cmd_line "$@" ;;
append) [ $# = 2 ] || die "usage: append FILE JSON"; cmd_append "$@" ;;
last-tested) [ $# = 1 ] || die "usage: last-tested FILE"; cmd_last_tested "$@" ;;
last-good) [ $# -ge 3 ] || die "usage: last-good FILE COMMIT PROGRAM..."; cmd_last_good "$@" ;;
passed-at) [ $# -ge 3 ] || die "usage: passed-at FILE COMMIT PROGRAM..."; cmd_passed_at "$@" ;;
html) [ $# = 1 ] || die "usage: html FILE"; cmd_html "$@" ;;
tries) [ $# -ge 2 ] || die "usage: tries FILE CASE..."; cmd_tries "$@" ;;
*) die "unknown subcommand '$sub'" ;;
esac
