#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summarize.sh RESULTS_DIR — write RESULTS_DIR/summary.json from what the run
# left there: ktap.log, programs, badness.txt, console-badness.txt,
# guest-env, vm-status, console.log and run.env (run.sh's own facts: kernel, command,
# exit code and reason).  Uses only awk and jq; prints nothing on success.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: summarize.sh RESULTS_DIR}
cd "$dir"

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
			   program_seconds: ($secs[.[0]] // null)})'
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
	panic | died) status=crashed ;;
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

# badness.txt / console-badness.txt rows: class <TAB> test <TAB> line
badness_json() {
	if [ -f "$1" ]; then
		jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
			| {class: .[0], test: .[1], line: (.[2:] | join("\t"))})' "$1"
	else
		echo '[]'
	fi
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
		crashed | hung) add+="not ok $n selftests: memcg_reparent: $p # $st: $why"$'\n' ;;
		not_run) add+="ok $n selftests: memcg_reparent: $p # SKIP not run: the guest died before"$'\n' ;;
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
		   skip_reason: null, duration_ms: null, program_seconds: null})'
}

jq -n \
	--argjson cases "$(cases_json)" \
	--argjson lost "$(lost_json)" \
	--argjson guest_badness "$(badness_json badness.txt)" \
	--argjson console_badness "$(badness_json console-badness.txt)" \
	--argjson guest "$(kv_json guest-env)" \
	--argjson vm "$(kv_json vm-status)" \
	--argjson run "$(kv_json run.env)" '
	# a splat belongs to the test that was running; the guest log is
	# complete when the guest survived, the console when it did not
	($cases + $lost) as $cases
	| ($guest_badness + ($console_badness
		| map(select(.line as $l | $guest_badness | map(.line) | index($l) | not))))
		as $bad
	| {
	  kernel: {release: ($guest.release // $run.kernel_release),
		   package: $run.kernel_package, image: $run.kernel_image,
		   config_sha256: $run.config_sha256,
		   lru_gen_enabled: $guest.lru_gen_enabled,
		   taint_before: $guest.taint_before, taint_after: $guest.taint_after,
		   nodes: $guest.nodes, cpus: $guest.cpus},
	  profile: $run.profile, seed: $run.seed, mode: $run.mode,
	  command: $run.command, reproduce: $run.reproduce,
	  exit_code: ($run.exit_code | tonumber? // null), exit_reason: $run.exit_reason,
	  vm: $vm,
	  counts: {pass: ($cases | map(select(.status == "pass")) | length),
		   fail: ($cases | map(select(.status == "fail" or .status == "crashed"
			or .status == "hung")) | length),
		   not_run: ($cases | map(select(.status == "not_run")) | length),
		   skip: ($cases | map(select(.status == "skip")) | length),
		   kernel_badness: ($bad | map(select(.test != "-" and
			(.class | startswith("known:") | not))) | length),
		   known_issues: ($bad | map(select(.class | startswith("known:"))) | length)},
	  tests: ($cases | map(. as $c | . + {kernel_badness:
		($bad | map(select(.test == $c.program or (.test | startswith($c.program + "."))
			or (.test | startswith($c.program + ":")))) | map(.class + ": " + .line))})),
	  kernel_badness: $bad
	}' >summary.json
complete_ktap
