#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summarize.sh RESULTS_DIR — write RESULTS_DIR/summary.json from what the run
# left there: ktap.log, programs, badness.txt, console-badness.txt,
# guest-env, vm-status, console.log and run.env (run.sh's own facts: kernel, command,
# exit code and reason).  Uses only awk and jq; prints nothing on success.
# A flood of badness (hundreds of thousands of list corruption reports) must
# not cost the report: data reaches jq through files, never as arguments,
# and summary.json keeps per class the count and the first MR_BADNESS_CAP
# (20) lines; badness.txt and console-badness.txt keep them all.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
dir=${1:?usage: summarize.sh RESULTS_DIR}
cd "$dir"
cap=${MR_BADNESS_CAP:-20}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcg-reparent-summary.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Test cases as a JSON array (see ktap-cases.awk for the TSV columns).
cases_json() {
	[ -f ktap.log ] || { echo '[]'; return; }
	awk -f "$here/ktap-cases.awk" ktap.log |
		awk -F'\t' -v lost="$(cut -f1 <<<"$lost" | xargs)" '
			BEGIN { n = split(lost, l, " "); for (i = 1; i <= n; i++) skip[l[i]] = 1 }
			!($1 in skip)' |
		jq -R -s --rawfile progs <(cat programs 2>/dev/null || true) '
		($progs | split("\n") | map(select(length > 0) | split(" ")
			| {key: .[0], value: (.[2] | tonumber)}) | from_entries) as $secs
		| split("\n") | map(select(length > 0) | split("\t")
			| {program: .[0], name: (.[0] + ": " + .[1]), status: .[2],
			   assertion: (if .[3] == "" then null else .[3] end),
			   skip_reason: (if .[4] == "" then null else .[4] end),
			   duration_ms: (if .[5] == "" then null else (.[5] | tonumber) end),
			   program_seconds: ($secs[.[0]] // null),
			   # the figures of "# intensity: key=value ...", numbers only
			   intensity: (if (.[6] // "") == "" then null else (.[6] | split(" ")
				| map(select(test("^[A-Za-z_]+=-?[0-9.]+$")) | split("=")
					| {key: .[0], value: (.[1] | tonumber)}) | from_entries) end)})'
}

# When the guest did not come back (vm-status panic, hang, died), the
# program that was running has no KTAP block.  The console's markers say
# which program and case had started and not ended: that case gets a
# "crashed" (panic, died) or "hung" row; programs of guest-env's tests= that
# never started get "not_run" rows.  TSV: program  case  status  why
lost_cases() {
	local status reason
	status=$(sed -n 's/^status=//p' vm-status 2>/dev/null)
	reason=$(sed -n 's/^reason=//p' vm-status 2>/dev/null)
	case $status in
	panic | died | oops) status=crashed ;;
	hang) status=hung ;;
	*) return 0 ;;
	esac
	[ -f console.log ] || return 0
	tr -d '\r' <console.log | awk -F'\t' -v status="$status" -v why="$reason" \
		-v tests="$(sed -n 's/^tests=//p' guest-env 2>/dev/null)" \
		-v done_list="$(cut -d' ' -f1 programs 2>/dev/null | xargs)" '
		function marked(what,   s) {
			s = $0
			sub(".*memcg_reparent: " what " ", "", s)
			sub(/[ \t].*/, "", s)
			return s
		}
		/memcg_reparent: start / { s = marked("start"); open[s] = ++n }
		/memcg_reparent: end / { delete open[marked("end")] }
		END {
			split(done_list, d, " ")
			for (i in d) finished[d[i]] = 1
			nt = split(tests, t, " ")
			for (i = 1; i <= nt; i++) {
				p = t[i]
				if (p in finished)
					continue
				if (!(p in open)) {
					printf "%s\t%s\tnot_run\t\n", p, p
					continue
				}
				c = ""
				for (k in open)
					if (index(k, p ".") == 1 && (c == "" || open[k] > open[c]))
						c = k
				printf "%s\t%s\t%s\t%s\n", p, (c == "" ? p : c), status, why
			}
		}'
}

# badness.txt and console-badness.txt rows (class <TAB> test <TAB> line) as
# one list: the guest's log is complete when the guest survived, the
# console when it did not, so a console line the guest also has counts
# once.  Writes $tmp/bad.tsv (at most $cap rows per class) and
# $tmp/classes.tsv (class, rows, rows kept, rows that count: in or after a
# test's window and not a known issue).
badness_merge() {
	awk -F'\t' -v cap="$cap" -v classes="$tmp/classes.tsv" '
		FNR == 1 { file++ }
		NF < 3 { next }
		{
			line = $3
			for (i = 4; i <= NF; i++)
				line = line "\t" $i
		}
		file == 1 { seen[line] = 1 }
		file == 2 && (line in seen) { next }
		{
			if (!($1 in total))
				order[++nc] = $1
			total[$1]++
			if ($2 != "-" && $1 !~ /^known:/)
				counted[$1]++
			if (kept[$1] < cap) {
				kept[$1]++
				print $1 "\t" $2 "\t" line
			}
		}
		END {
			for (i = 1; i <= nc; i++)
				printf "%s\t%d\t%d\t%d\n", order[i], total[order[i]],
					kept[order[i]], counted[order[i]] + 0 >classes
		}' "$(ls badness.txt 2>/dev/null || echo /dev/null)" \
		"$(ls console-badness.txt 2>/dev/null || echo /dev/null)" >"$tmp/bad.tsv"
	touch "$tmp/classes.tsv"
}

# KEY=VALUE files as a JSON object (values stay strings)
kv_json() {
	if [ -f "$1" ]; then
		jq -R -s 'split("\n") | map(select(test("^[A-Za-z_][A-Za-z0-9_]*="))
			| {key: (split("=")[0]), value: (.[(index("=") + 1):])}) | from_entries' "$1"
	else
		echo '{}'
	fi
}

# The KTAP of a guest that died lacks the results of the programs it did
# not finish: complete it (once) so that KTAP readers see every program of
# the plan: the one that was running "not ok" with the kernel's verdict,
# those never started as skipped.
complete_ktap() {
	local n=0 p st why add="" progs
	[ -n "$lost" ] && [ -f ktap.log ] || return 0
	read -ra progs <<<"$(sed -n 's/^tests=//p' guest-env)"
	for p in "${progs[@]}"; do
		n=$((n + 1))
		grep -qE "^(not )?ok [0-9]+ selftests: memcg_reparent: $p( |\$)" ktap.log && continue
		IFS=$'\t' read -r _ _ st why < <(awk -F'\t' -v p="$p" '$1 == p' <<<"$lost")
		case $st in
		crashed | hung) add+=$(ktap_result "not ok" "$n" "selftests: memcg_reparent: $p" "$st: $why")$'\n' ;;
		not_run) add+=$(ktap_result ok "$n" "selftests: memcg_reparent: $p" "SKIP not run: the guest died before")$'\n' ;;
		esac
	done
	printf '%s' "$add" >>ktap.log
}
# computed once: the KTAP completion, the case list and the lost rows use it
lost=$(lost_cases)

lost_json() {
	printf '%s' "$lost" | jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
		| {program: .[0], name: (.[0] + ": " + .[1]), status: .[2],
		   assertion: (if .[3] == "" then null else .[3] end),
		   skip_reason: null, duration_ms: null, program_seconds: null, intensity: null})'
}

cases_json >"$tmp/cases.json"
lost_json >"$tmp/lost.json"
badness_merge
kv_json guest-env >"$tmp/guest.json"
kv_json vm-status >"$tmp/vm.json"
kv_json run.env >"$tmp/run.json"
jq -n \
	--slurpfile cases "$tmp/cases.json" \
	--slurpfile lost "$tmp/lost.json" \
	--rawfile bad "$tmp/bad.tsv" \
	--rawfile classes "$tmp/classes.tsv" \
	--slurpfile guest "$tmp/guest.json" \
	--slurpfile vm "$tmp/vm.json" \
	--slurpfile run "$tmp/run.json" '
	$guest[0] as $guest | $vm[0] as $vm | $run[0] as $run
	# a case the guest marked "crashed" replaces the harness row of the
	# same case (the harness may have seen its child die first)
	| ($cases[0] + $lost[0]) as $all
	| ($all | map(select(.status == "crashed") | .name)) as $crashed
	| ($all | map(select(.status == "crashed" or (.name as $n | $crashed | index($n) | not))))
		as $cases
	| ($bad | split("\n") | map(select(length > 0) | split("\t")
		| {class: .[0], test: .[1], line: (.[2:] | join("\t"))})) as $bad
	| ($classes | split("\n") | map(select(length > 0) | split("\t")
		| {class: .[0], count: (.[1] | tonumber), shown: (.[2] | tonumber),
		   counted: (.[3] | tonumber)})) as $classes
	| {
	  kernel: {release: ($guest.release // $run.kernel_release),
		   package: $run.kernel_package, image: $run.kernel_image,
		   build_id: $run.build_id,
		   config_sha256: $run.config_sha256,
		   lru_gen_enabled: $guest.lru_gen_enabled,
		   taint_before: $guest.taint_before, taint_after: $guest.taint_after,
		   nodes: $guest.nodes, cpus: $guest.cpus},
	  profile: $run.profile, seed: $run.seed, mode: $run.mode,
	  command: $run.command, reproduce: $run.reproduce,
	  # the commit a --ksrc tree under git was built at (run.sh), else null
	  source: (if ($run.ksrc_commit // "") != "" then {tree: $run.ksrc,
		commit: $run.ksrc_commit, describe: $run.ksrc_describe,
		subject: $run.ksrc_subject} else null end),
	  # the bounds run.sh derived (scripts/knobs.sh): "prog:seconds ..." lists
	  bounds: ($run | def progs: (. // "") | split(" ") | map(select(length > 0) | split(":")
			| {key: .[0], value: (.[1] | tonumber)}) | from_entries;
		{vm_timeout: (.bounds_vm_timeout | tonumber? // null),
		 budget: (.bounds_budget | tonumber? // null),
		 test_timeouts: (.bounds_test_timeouts | progs),
		 needs: (.bounds_needs | progs)}),
	  exit_code: ($run.exit_code | tonumber? // null), exit_reason: $run.exit_reason,
	  vm: $vm,
	  counts: {pass: ($cases | map(select(.status == "pass")) | length),
		   fail: ($cases | map(select(.status == "fail" or .status == "crashed"
			or .status == "hung")) | length),
		   # its machinery failed (ktap-cases.awk): no verdict
		   broken: ($cases | map(select(.status == "broken")) | length),
		   not_run: ($cases | map(select(.status == "not_run")) | length),
		   skip: ($cases | map(select(.status == "skip")) | length),
		   kernel_badness: ($classes | map(.counted) | add // 0),
		   known_issues: (($classes | map(select(.class | startswith("known:")) | .count)
			| add // 0) + ($cases | map(select(.status == "known")) | length))},
	  # a splat belongs to the test whose window holds it, or, outside
	  # every window, to the test before it ("after <test>")
	  tests: ($cases | map(. as $c | . + {kernel_badness:
		($bad | map(select((.test | sub("^after "; "")) as $t
			| $t == $c.program or ($t | startswith($c.program + "."))
			or ($t | startswith($c.program + ":"))))
		| map((if (.test | startswith("after ")) then "\(.test): " else "" end)
			+ .class + ": " + .line))})),
	  kernel_badness_classes: $classes,
	  kernel_badness: $bad
	}' >summary.json
complete_ktap
