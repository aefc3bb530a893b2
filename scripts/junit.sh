#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# junit.sh RESULTS_DIR — write RESULTS_DIR/junit.xml from its summary.json
# (and ktap.log) for CI systems that read JUnit (Jenkins, GitLab, GitHub
# test reporters).  One <testsuite> per test program, one <testcase> per
# KTAP case, named by its stable KTAP name (`<program>: <case>`):
#   fail            <failure>: the assertion line, then the case's splats
#   crashed, hung   <error type="crashed|hung">: the kernel's last word
#   broken          <error type="broken">: the step of the test's own
#                   machinery that failed (no verdict on the kernel)
#   skip, not_run   <skipped>: the reason
#   every case      <system-out>: known kernel issues first (excused, still
#                   shown), other splats, then the case's log excerpt (its
#                   KTAP block, else the tail of tests/<program>.log),
#                   at most 16 KiB like KCIDB's log_excerpt
# Run-level facts (kernel, profile, seed, exit code, reproduce command,
# splats outside any test, known issues) are <properties> of each suite.
# Uses awk and jq; prints nothing on success; exit 2 without summary.json.
set -eu -o pipefail

usage() {
	echo "usage: junit.sh RESULTS_DIR (writes RESULTS_DIR/junit.xml from summary.json)" >&2
	exit 2
}
[ $# = 1 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
[ -f "$dir/summary.json" ] || {
	echo "junit.sh: no summary.json in '$dir'" >&2
	usage
}

# Each case's KTAP block, from its "#  RUN" line to its result line,
# as TSV rows: KTAP name <TAB> line (the subtest indentation removed).
excerpts() {
	[ -f "$dir/ktap.log" ] || return 0
	awk -v complete=1 -f "$here/ktap-lines.awk" "$dir/ktap.log"
}

# the program logs, for cases without a KTAP block (the guest died)
program_logs() {
	local f
	for f in "$dir"/tests/*.log; do
		[ -f "$f" ] || continue
		printf '%s\t' "$(basename "$f" .log)"
		tail -c 16384 "$f" | jq -R -s .
	done
}

jq -r \
	--rawfile ex <(excerpts) \
	--rawfile logs <(program_logs) '
	def limit16k: if length > 16384 then "[...]\n" + .[-16384:] else . end;
	# characters XML 1.0 cannot carry, then the five escapes
	def x: tostring | gsub("[\u0000-\u0008\u000b\u000c\u000e-\u001f]"; "?")
		| gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
		| gsub("\""; "&quot;");
	def xa: x | gsub("\n"; "&#10;") | gsub("\t"; "&#9;");
	def attr($k; $v): if $v == null then "" else " \($k)=\"\($v | xa)\"" end;
	def secs: if . == null then null else (. * 1000 | round) / 1000 | tostring end;
	def known: startswith("known:");

	($ex | split("\n") | map(select(length > 0) | split("\t")
		| {key: .[0], value: (.[1:] | join("\t"))})
		| reduce .[] as $l ({}; .[$l.key] += [$l.value])
		| map_values(join("\n"))) as $excerpt
	| ($logs | split("\n") | map(select(length > 0) | split("\t")
		| {key: .[0], value: (.[1:] | join("\t") | fromjson)}) | from_entries) as $plog
	| . as $s
	| (reduce ($s.tests[].program) as $p ([]; if index([$p]) then . else . + [$p] end))
		as $programs
	| def count($st): map(select(.status as $x | $st | index($x))) | length;
	  def props:
		[["kernel.release", $s.kernel.release], ["kernel.package", $s.kernel.package],
		 ["kernel.config_sha256", $s.kernel.config_sha256], ["profile", $s.profile],
		 ["seed", $s.seed], ["mode", $s.mode], ["exit_code", $s.exit_code],
		 ["exit_reason", $s.exit_reason], ["reproduce", $s.reproduce],
		 ["vm.status", $s.vm.status]]
		+ ($s.kernel_badness | map(select(.class | known)
			| ["known_issue", "\(.class | ltrimstr("known:")) in \(.test): \(.line)"]))
		+ ($s.kernel_badness | map(select(.test == "-")
			| ["kernel_badness_outside_tests", "\(.class): \(.line)"]))
		| map(select(.[1] != null) | "      <property\(attr("name"; .[0]))\(attr("value"; .[1]))/>")
		| if length > 0 then ["    <properties>"] + . + ["    </properties>"] else [] end;
	  def testcase:
		. as $c
		| ($c.kernel_badness // []) as $bad
		| ([($bad | map(select(known) | "known kernel issue (excused): " + .)[]),
		    ($bad | map(select(known | not) | "kernel badness: " + .)[]),
		    ($excerpt[$c.name] // $plog[$c.program] // empty)]
		   | join("\n") | limit16k) as $out
		| "    <testcase\(attr("name"; $c.name))\(attr("classname"; "memcg_reparent." + $c.program))"
		  + "\(attr("time"; (if $c.duration_ms then $c.duration_ms / 1000 else null end) | secs))>",
		  (if $c.status == "fail" then
			"      <failure\(attr("message"; $c.assertion // "failed"))\(attr("type"; "assertion"))>"
			+ ([$c.assertion // "failed"] + ($bad | map(select(known | not))) | join("\n") | x)
			+ "</failure>"
		   elif $c.status == "crashed" or $c.status == "hung" or $c.status == "broken" then
			"      <error\(attr("message"; $c.assertion // $c.status))\(attr("type"; $c.status))>"
			+ ([$c.assertion // $c.status] + $bad | join("\n") | x) + "</error>"
		   elif $c.status == "skip" then
			"      <skipped\(attr("message"; $c.skip_reason // "skipped"))/>"
		   elif $c.status == "not_run" then
			"      <skipped\(attr("message"; "not run: the guest died before it started"))/>"
		   else empty end),
		  (if $out == "" then empty else "      <system-out>" + ($out | x) + "</system-out>" end),
		  "    </testcase>";
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
	"<testsuites\(attr("name"; "memcg_reparent"))\(attr("tests"; $s.tests | length))"
	+ "\(attr("failures"; $s.tests | count(["fail"])))"
	+ "\(attr("errors"; $s.tests | count(["crashed", "hung", "broken"])))"
	+ "\(attr("skipped"; $s.tests | count(["skip", "not_run"])))>",
	($programs[] as $p
	 | ($s.tests | map(select(.program == $p))) as $cases
	 | "  <testsuite\(attr("name"; "memcg_reparent: " + $p))\(attr("tests"; $cases | length))"
	   + "\(attr("failures"; $cases | count(["fail"])))"
	   + "\(attr("errors"; $cases | count(["crashed", "hung", "broken"])))"
	   + "\(attr("skipped"; $cases | count(["skip", "not_run"])))"
	   + "\(attr("time"; $cases[0].program_seconds | secs))>",
	   props[],
	   ($cases[] | testcase),
	   "  </testsuite>"),
	"</testsuites>"
	' "$dir/summary.json" >"$dir/junit.xml.tmp"
mv "$dir/junit.xml.tmp" "$dir/junit.xml"
