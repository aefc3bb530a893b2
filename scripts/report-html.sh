#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# report-html.sh RESULTS_DIR — write RESULTS_DIR/index.html: one static page
# that reads offline and stands alone (styles inline, the plots embedded as
# data: URIs), for a person looking at one run:
#   the verdict (exit code and reason) and the run's facts (kernel, build,
#   profile, seed, VM end, the command that reproduces it);
#   the cases, failing first (fail, crashed, hung, then broken, known, skip,
#   not_run, pass), each with every assertion line its KTAP block printed
#   (excused ones marked KNOWN, steps of the test's own machinery that
#   failed marked BROKEN) and its splats;
#   the known kernel issues that applied (splats and assertions) and those
#   in effect for the build (known-issues);
#   the kernel badness lines (per class, the first of them);
#   the intensity figures of the cases that print them ("# intensity:");
#   the plots (plot-*.png).
# Reads summary.json (written by summarize.sh) and ktap.log; uses jq, awk
# and base64.  Prints nothing on success; exit 2 without summary.json.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: report-html.sh RESULTS_DIR}
[ -f "$dir/summary.json" ] || {
	echo "report-html.sh: no summary.json in '$dir'" >&2
	exit 2
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcg-reparent-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Per case, the lines of its KTAP block a reader needs first: KTAP name
# <TAB> kind <TAB> line; kinds: assertion (every ASSERTION line in the
# order printed, KNOWN ones with their mark, and the BROKEN lines), known
# (those a known issue excused), intensity (the figures)
if [ -f "$dir/ktap.log" ]; then
	awk -f "$here/ktap-lines.awk" "$dir/ktap.log" | awk -F'\t' '
		{ name = $1; line = $2 }
		line ~ /^# (ASSERTION|BROKEN) / {
			printf "%s\tassertion\t%s\n", name, substr(line, 3)
		}
		line ~ /^# KNOWN [^ ]+ ASSERTION / {
			printf "%s\tassertion\t%s\n", name, substr(line, 3)
			printf "%s\tknown\t%s\n", name, substr(line, 9)
		}
		line ~ /^# intensity: / {
			printf "%s\tintensity\t%s\n", name, substr(line, 14)
		}' >"$tmp/lines.tsv"
else
	: >"$tmp/lines.tsv"
fi
# the plots, as name <TAB> base64
for p in "$dir"/plot-*.png; do
	[ -f "$p" ] || continue
	printf '%s\t%s\n' "$(basename "$p")" "$(base64 -w0 "$p")"
done >"$tmp/plots.tsv"
cat "$dir/known-issues" 2>/dev/null >"$tmp/known.tsv" || : >"$tmp/known.tsv"

jq -r \
	--rawfile lines "$tmp/lines.tsv" \
	--rawfile plots "$tmp/plots.tsv" \
	--rawfile known "$tmp/known.tsv" '
	def h: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;")
		| gsub("\""; "&quot;");
	def rows: split("\n") | map(select(length > 0) | split("\t"));
	def failing: . == "fail" or . == "crashed" or . == "hung";
	def rank: {fail: 0, crashed: 0, hung: 0, broken: 1, known: 1, skip: 2, not_run: 3, pass: 4}[.] // 5;
	def tr($cells): "<tr>" + ($cells | map("<td>" + . + "</td>") | join("")) + "</tr>";
	def table($head; $body): if ($body | length) == 0 then "<p class=\"none\">none</p>" else
		"<table>" + (if ($head | join("")) == "" then "" else
			"<tr>" + ($head | map("<th>" + h + "</th>") | join("")) + "</tr>\n" end)
		+ ($body | join("\n")) + "</table>" end;

	. as $s
	| ($lines | rows | reduce .[] as $r ({}; .[$r[0]][$r[1]] += [$r[2:] | join("\t")])) as $by
	| ($s.exit_code) as $rc
	| (if $rc == 0 then "pass" elif $rc == 1 then "fail" else "other" end) as $vclass
	| ($s.tests | sort_by([(.status | rank), .name])) as $cases
	| ($s.tests | map(select(.status | failing))) as $failed
	| [.kernel_badness[] | select(.class | startswith("known:"))] as $known_splats
	| [.tests[] | select(.status == "known" or (($by[.name].known // []) | length > 0))] as $known_cases
	| [$cases[] | select($by[.name].intensity)] as $intense
	| "<!DOCTYPE html>",
	"<html lang=\"en\"><head><meta charset=\"utf-8\">",
	"<title>memcg_reparent: \($s.kernel.release // "?" | h): exit \($rc // "?")</title>",
	"<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 80em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
.verdict { padding: .8em 1em; border-radius: 4px; font-size: 1.2em; font-weight: bold; }
.verdict.pass { background: #d7f5dc; border: 2px solid #2a8c3c; }
.verdict.fail { background: #fbdada; border: 2px solid #b3261e; }
.verdict.other { background: #fdf0c8; border: 2px solid #a86b00; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { border: 1px solid #ccc; padding: .25em .5em; vertical-align: top; text-align: left; }
th { background: #eee; }
td.fail, td.crashed, td.hung { background: #fbdada; font-weight: bold; }
td.known { background: #fdf0c8; } td.broken { background: #fdf0c8; font-weight: bold; } td.pass { background: #d7f5dc; } td.skip, td.not_run { background: #eee; }
code, pre, .mono { font-family: monospace; font-size: .92em; }
ul.asserts { margin: 0; padding-left: 1.2em; } .none { color: #777; }
img { max-width: 100%; border: 1px solid #ccc; margin: .5em 0; }
</style></head><body>",
	"<h1>memcg_reparent: \($s.kernel.release // "?" | h)</h1>",
	"<p class=\"verdict \($vclass)\">exit \($rc // "?" | h): \($s.exit_reason // "no verdict recorded" | h)</p>",
	"<p>\($s.counts.pass) passed, \($s.counts.fail) failed, \($s.counts.skip) skipped, \($s.counts.not_run) not run, \($s.counts.broken // 0) broken (test machinery), \($s.counts.kernel_badness) kernel badness, \($s.counts.known_issues) known issue(s)</p>",
	(if $s.recheck then "<p>judged again \($s.recheck.at | h) (run.sh --recheck, the rules of that day); the run itself said exit \($s.recheck.previous_exit_code // "?" | h): \($s.recheck.previous_exit_reason // "" | h)</p>" else empty end),
	"<h2>Run</h2>",
	table(["", ""]; [
		["kernel", $s.kernel.release], ["package", $s.kernel.package],
		["build identity", $s.kernel.build_id], ["config sha256", $s.kernel.config_sha256],
		["MGLRU", $s.kernel.lru_gen_enabled], ["nodes, cpus", (if $s.kernel.nodes then "\($s.kernel.nodes), \($s.kernel.cpus)" else null end)],
		["taint before, after", (if $s.kernel.taint_before then "\($s.kernel.taint_before), \($s.kernel.taint_after // "?")" else null end)],
		["profile, seed, mode", "\($s.profile // "?"), \($s.seed // "?"), \($s.mode // "?")"],
		["VM", (if $s.vm.status then "\($s.vm.status): \($s.vm.reason // "")" else null end)],
		["boot parameters", $s.vm.bootargs], ["command", $s.command], ["reproduce", $s.reproduce]]
		| map(select(.[1] != null and .[1] != "") | tr([(.[0] | h), "<span class=\"mono\">" + (.[1] | h) + "</span>"]))),
	"<h2>Cases (\($cases | length); failing first)</h2>",
	table(["case", "status", "ms", "assertions, splats"]; [$cases[] | . as $c
		| ((($by[$c.name].assertion // []) | map("<li>" + h + "</li>"))
		   + ((.kernel_badness // []) | map("<li>kernel: " + h + "</li>"))) as $items
		| (if ($items | length) > 0 then "<ul class=\"asserts mono\">" + ($items | join("")) + "</ul>"
		   elif .assertion then "<span class=\"mono\">" + (.assertion | h) + "</span>"
		   elif .skip_reason then (.skip_reason | h) else "" end) as $what
		| "<tr><td><span class=\"mono\">\(.name | h)</span></td><td class=\"\(.status | h)\">\(.status | h)</td>"
		  + "<td>\(.duration_ms // "" | h)</td><td>\($what)</td></tr>"]),
	"<h2>Known kernel issues applied</h2>",
	table(["where", "what"];
		[$known_splats[] | tr([(.test | h), "<span class=\"mono\">" + (.class | ltrimstr("known:") | h) + ": " + (.line | h) + "</span>"])]
		+ [$known_cases[] | . as $c | ($by[$c.name].known // [$c.assertion])[]
			| tr([($c.name | h), "<span class=\"mono\">" + h + "</span>"])]),
	(if ($known | length) > 0 then
		"<p>In effect for this build (splat sites): "
		+ ($known | rows | map("<span class=\"mono\">" + (.[0] | h) + "</span> (" + ((.[2] // "") | h) + " at " + ((.[1] // "") | h) + ")") | join(", ")) + "</p>"
	 else empty end),
	"<h2>Kernel badness</h2>",
	(if ($s.kernel_badness_classes | length) > 0 then
		"<p>" + ($s.kernel_badness_classes | map("\(.class | h): \(.count) (\(.counted) counted)") | join(", "))
		+ "; badness.txt and console-badness.txt keep every line.</p>" else empty end),
	table(["class", "test", "line"]; [$s.kernel_badness[]
		| tr([(.class | h), (.test | h), "<span class=\"mono\">" + (.line | h) + "</span>"])]),
	(if ($intense | length) > 0 then
		"<h2>Intensity</h2>",
		([$intense[] | . as $c | $by[$c.name].intensity[]
			| tr(["<span class=\"mono\">" + ($c.name | h) + "</span>",
				"<span class=\"mono\">" + (split(" ") | map(h) | join(" ")) + "</span>"])]
			| table(["case", "figures"]; .))
	 else empty end),
	"<h2>Plots</h2>",
	(($plots | rows) as $p | if ($p | length) == 0 then "<p class=\"none\">none</p>" else
		($p[] | "<p><b>\(.[0] | h)</b><br><img alt=\"\(.[0] | h)\" src=\"data:image/png;base64,\(.[1])\"></p>") end),
	"<h2>Files</h2>",
	"<p>" + (["summary.json", "ktap.log", "junit.xml", "console.log", "dmesg", "badness.txt",
		"console-badness.txt", "timeseries.csv", "run.env", "command"]
		| map("<a href=\"" + . + "\">" + . + "</a>") | join(" · ")) + " (beside this page)</p>",
	"</body></html>"
	' "$dir/summary.json" >"$dir/index.html.tmp"
mv "$dir/index.html.tmp" "$dir/index.html"
