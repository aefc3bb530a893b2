#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# summarize.sh RESULTS_DIR — write RESULTS_DIR/summary.json from what the run
# left there: ktap.log, programs, badness.txt, console-badness.txt,
# guest-env, vm-status and run.env (run.sh's own facts: kernel, command,
# exit code and reason).  Uses only awk and jq; prints nothing on success.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: summarize.sh RESULTS_DIR}
cd "$dir"

# Test cases as a JSON array (see ktap-cases.awk for the TSV columns).
cases_json() {
	[ -f ktap.log ] || { echo '[]'; return; }
	awk -f "$here/ktap-cases.awk" ktap.log |
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

jq -n \
	--argjson cases "$(cases_json)" \
	--argjson guest_badness "$(badness_json badness.txt)" \
	--argjson console_badness "$(badness_json console-badness.txt)" \
	--argjson guest "$(kv_json guest-env)" \
	--argjson vm "$(kv_json vm-status)" \
	--argjson run "$(kv_json run.env)" '
	# a splat belongs to the test that was running; the guest log is
	# complete when the guest survived, the console when it did not
	($guest_badness + ($console_badness
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
		   fail: ($cases | map(select(.status == "fail")) | length),
		   skip: ($cases | map(select(.status == "skip")) | length),
		   kernel_badness: ($bad | map(select(.test != "-")) | length)},
	  tests: ($cases | map(. as $c | . + {kernel_badness:
		($bad | map(select(.test == $c.program or (.test | startswith($c.program + "."))
			or (.test | startswith($c.program + ":")))) | map(.class + ": " + .line))})),
	  kernel_badness: $bad
	}' >summary.json
