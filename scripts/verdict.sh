#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# verdict.sh RESULTS_DIR --runner-rc RC [--splat REGEX]
# verdict.sh RESULTS_DIR --rc RC --reason TEXT
# verdict.sh --recheck RESULTS_DIR [--splat REGEX] [--strict]
#
# The one place that judges a run: turns a results folder into its exit
# code and reason, and writes what reports them (run.env's exit_code= and
# exit_reason=, console-badness.txt, summary.json, junit.xml, the plots,
# index.html).  Prints the reason on stdout, a short report on stderr, and
# exits with the code (README, "Exit codes"; run.sh maps it for --bisect).
#
#   --runner-rc RC   a run that just ended: RC is what the runner returned
#                    (vm.sh: the guest's run-tests.sh, or the VM's end;
#                    run-tests.sh in local mode)
#   --rc RC --reason TEXT   a verdict run.sh reached itself (bad command
#                    line, a dependency missing, interrupted): recorded as is
#   --recheck        a kept folder judged again with today's rules and no VM
#                    (rcutorture's kvm-recheck): the runner's code is derived
#                    from the folder, the kernel logs are scanned again
#                    (mr_logscan) and the known issues of the run's build are
#                    applied again (configs/known-issues/), splats and
#                    assertions; summary.json keeps the previous verdict in
#                    .recheck.  A folder whose run never got to judge
#                    anything (interrupted, nothing run) keeps its verdict.
#   --splat REGEX    the verdict is one splat (run.sh --splat); a recheck
#                    takes the run's own (run.env splat=) unless given
#   --strict         recheck: count known issues (also when the run did:
#                    run.env strict=1, guest.env MR_KNOWN=0)
#
# What decides, in order: the runner's code (0 pass, 1 a test failed or
# kernel badness, 3 infrastructure or a broken case and nothing failed, 4
# every test skipped, 130 interrupted);
# kernel badness the console holds after the guest's own scan turns a pass
# into 1; a VM that ended early (vm-status) names the kernel's end as the
# reason; --splat makes that one splat the verdict (1 seen, 0 not seen in a
# run that ended normally, 3 not seen because the guest died first).
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

usage() {
	sed -n '4,6s/^# /usage: /p' "$0" >&2
	exit 2
}

dir="" runner_rc="" given_rc="" given_reason="" splat="" splat_set=0 recheck=0 strict=0
while [ $# -gt 0 ]; do
	case $1 in
	--runner-rc) [ $# -ge 2 ] || usage; runner_rc=$2; shift 2 ;;
	--rc) [ $# -ge 2 ] || usage; given_rc=$2; shift 2 ;;
	--reason) [ $# -ge 2 ] || usage; given_reason=$2; shift 2 ;;
	--splat) [ $# -ge 2 ] || usage; splat=$2 splat_set=1; shift 2 ;;
	--recheck) recheck=1; shift ;;
	--strict) strict=1; shift ;;
	-h | --help) usage ;;
	-*) log "error: unknown option '$1'"; usage ;;
	*) [ -z "$dir" ] || usage; dir=$1; shift ;;
	esac
done
[ -n "$dir" ] || usage
[ -d "$dir" ] || { log "error: no results folder '$dir'"; exit 2; }
dir=$(cd "$dir" && pwd)
# exactly one of --runner-rc, --rc (with its --reason) and --recheck
[ "$(printf '%s' "${runner_rc:+r}${given_rc:+g}" | wc -c)" = $((1 - recheck)) ] || usage
[ -z "$given_rc" ] || [ -n "$given_reason" ] || usage
case ${runner_rc:-0}${given_rc:-0} in *[!0-9]*) usage ;; esac
cd "$dir"

# kv FILE KEY: the value of KEY= in FILE (the last one), empty without
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcg-reparent-verdict.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
scan=$MR_TOP/selftests/mr_logscan
mode=$(kv run.env mode)
# (a folder of vm.sh alone has no run.env)
[ -n "$mode" ] || [ ! -f vm-status ] || mode=vm

# ---- recheck: today's classifier and known issues over the kept logs ----

# excuse_again LOG: LOG's assertions judged by today's known issues of the
# run's build (run-tests.sh --excuse, as the guest did): earlier marks undone
excuse_again() {
	sed -i 's/^# KNOWN [^ ]* ASSERTION /# ASSERTION /' "$1"
	MR_BUILD_ID=$build_id MR_KNOWN=$known "$here/run-tests.sh" --excuse "$1" >/dev/null
}

# rescan: known-issues, badness.txt and the program blocks of ktap.log (and
# tests/*.log) as today's rules make them from what the run recorded
rescan() {
	local b n
	"$here/run-tests.sh" --print-known >known-issues.new
	mv known-issues.new known-issues
	if [ -f dmesg ] && [ -x "$scan" ]; then
		MR_KNOWN_FILE=$dir/known-issues "$scan" dmesg >badness.txt.new || true
		mv badness.txt.new badness.txt
	fi
	for b in tests/*.log; do
		[ -f "$b" ] && excuse_again "$b"
	done
	[ -f ktap.log ] || return 0
	# each program block (its harness output, indented by two spaces) out
	# to a file of its own, judged, and put back in place
	awk -v t="$tmp" '
		/^# selftests: memcg_reparent: / { n++; inblock = 1; print; print "@@block " n; next }
		inblock && /^  / { print substr($0, 3) >(t "/block." n); next }
		{ inblock = 0; print }' ktap.log >"$tmp/skeleton"
	for b in "$tmp"/block.*; do
		[ -f "$b" ] && excuse_again "$b"
	done
	awk -v t="$tmp" '
		/^@@block [0-9]+$/ {
			f = t "/block." $2
			while ((getline l <f) > 0)
				print "  " l
			close(f)
			next
		}
		{ print }' "$tmp/skeleton" >ktap.log.new
	n=$(wc -l <ktap.log)
	[ "$(wc -l <ktap.log.new)" = "$n" ] || { rm -f ktap.log.new; log "ktap.log not rejudged: its blocks changed length"; return 0; }
	mv ktap.log.new ktap.log
}

# ---- the runner's code, derived from the folder (recheck) ----

# booted: the guest reached its test runner
booted() { grep -q 'memcg_reparent-guest: running' console.log 2>/dev/null; }

# ktap_rc: what run-tests.sh returns for the folder's KTAP and badness.txt:
# 1 a program failed (a case failed, crashed or hung, or the program ended
# "not ok" other than on assertions a known issue excuses) or badness counts
# in or after a test's window; 3 a program that failed only on broken
# cases (its machinery, ktap-cases.awk) or an undeclared skip in the suite's
# VM; 4 every program skipped; else 0
ktap_rc() {
	local counts nfail npass nskip nbad nbroken
	[ -f ktap.log ] || { cat guest.rc 2>/dev/null || echo 3; return; }
	awk -f "$here/ktap-cases.awk" ktap.log | cut -f1,3 >"$tmp/cases"
	counts=$(awk -F'\t' '
		FNR == NR { st[$1] = st[$1] " " $2; next }
		/^(not )?ok [0-9]+ selftests: memcg_reparent: / {
			p = $0
			sub(/^(not )?ok [0-9]+ selftests: memcg_reparent: /, "", p)
			d = ""
			if ((i = index(p, " # ")) > 0) {
				d = substr(p, i + 3)
				p = substr(p, 1, i - 1)
			}
			if (st[p] ~ / (fail|crashed|hung)( |$)/)
				nfail++
			else if ($0 ~ /^not ok/ && d ~ /^(exit=1$|BROKEN )/ && st[p] ~ / broken( |$)/)
				nbroken++
			else if ($0 ~ /^not ok/ && !(d == "exit=1" && st[p] ~ / known( |$)/))
				nfail++
			else if (d ~ /^SKIP/)
				nskip++
			else
				npass++
		}
		END { print nfail + 0, npass + 0, nskip + 0, nbroken + 0 }' "$tmp/cases" ktap.log)
	read -r nfail npass nskip nbroken <<<"$counts"
	nbad=$(awk -F'\t' '$2 != "-" && $1 !~ /^known:/' badness.txt 2>/dev/null | wc -l)
	if [ "$nfail" -gt 0 ] || [ "$nbad" -gt 0 ]; then
		echo 1
	elif [ "$nbroken" -gt 0 ] || grep -q "^# undeclared skip in the suite's VM: " ktap.log; then
		echo 3
	elif [ "$npass" = 0 ] && [ "$nskip" -gt 0 ]; then
		echo 4
	else
		echo 0
	fi
}

# derived_rc: vm.sh's code (the VM's end, else the guest's) or run-tests.sh's
derived_rc() {
	[ "$mode" = vm ] || { ktap_rc; return; }
	case $(kv vm-status status) in
	ok) ktap_rc ;;
	panic | oops) if booted; then echo 1; else echo 3; fi ;;
	hang | died | kernel) echo 1 ;;
	*) echo 3 ;;
	esac
}

# infra_reason: why a run is untestable (the runner's own words)
infra_reason() {
	local why
	why=$(cat infra-reason 2>/dev/null || kv vm-status reason)
	if [ -z "$why" ] && [ -f ktap.log ]; then
		# the broken cases (ktap-cases.awk), as run-tests.sh words them
		why=$(awk -f "$here/ktap-cases.awk" ktap.log | awk -F'\t' '
			$3 == "broken" { s = s (s == "" ? "" : "; ") $2 ": " $4 }
			END { if (s != "") print "test machinery broken: " s }')
	fi
	if [ -z "$why" ] && [ -f ktap.log ]; then
		# run-tests.sh's words: the first undeclared skip of each program
		why=$(awk '
			/^# selftests: memcg_reparent: / { p = $4 }
			/^# undeclared skip in the suite.s VM: / && !(p in seen) {
				seen[p] = 1
				l = $0
				sub(/^# undeclared skip in the suite.s VM: /, "", l)
				s = s (s == "" ? "" : "; ") l
			}
			END { if (s != "") print "undeclared skip in the suite'"'"'s VM: " s }' ktap.log)
	fi
	echo "$why"
}

# ---- the verdict ----

prev_rc=$(kv run.env exit_code) prev_reason=$(kv run.env exit_reason)
if [ "$recheck" = 1 ]; then
	[ -f run.env ] || { log "error: '$dir' has no run.env: not a results folder of run.sh"; exit 2; }
	build_id=$(kv run.env build_id)
	known=1
	if [ "$strict" = 1 ] || [ "$(kv run.env strict)" = 1 ] || [ "$(kv guest.env MR_KNOWN)" = 0 ]; then
		known=0
	fi
	[ "$splat_set" = 1 ] || splat=$(kv run.env splat)
	export MR_BUILD_ID=$build_id MR_KNOWN=$known
	case $prev_rc in
	0 | 1 | 3 | 4)
		if [ -f ktap.log ] || [ -f vm-status ]; then
			rescan
			runner_rc=$(derived_rc)
		else
			# nothing ran (a kernel that did not build, a dependency)
			given_rc=$prev_rc given_reason=$prev_reason
		fi
		;;
	*) given_rc=${prev_rc:-3} given_reason=${prev_reason:-no verdict recorded} ;;
	esac
fi

# the console holds what the guest's own scan could not see (and all of it
# when the guest died): classified with the known issues the guest applied
if [ -f console.log ] && [ -x "$scan" ]; then
	MR_KNOWN_FILE=$([ -s known-issues ] && echo "$dir/known-issues") "$scan" console.log \
		>console-badness.txt.new || true
	mv console-badness.txt.new console-badness.txt
fi

if [ -n "$given_rc" ]; then
	rc=$given_rc reason=$given_reason
else
	rc=$runner_rc
	# badness on the console after the first test's start marker, in no
	# test's window the guest scanned (a workqueue's splat after the last
	# test, at power-off), fails a run that passed
	late=""
	if [ "$rc" = 0 ] && [ -s console-badness.txt ]; then
		late=$(awk -F'\t' '$2 != "-" && $1 !~ /^known:/ { print $1 " " $2 ": " $3; exit }' \
			console-badness.txt)
		[ -z "$late" ] || rc=1
	fi
	case $rc in
	0) reason="all tests passed" ;;
	1) reason="test failure or kernel badness" ;;
	3) reason="infrastructure: $(infra_reason)" ;;
	4) reason="nothing could be tested: every test skipped" ;;
	130) reason="interrupted" ;;
	*) reason="runner exited $rc" ;;
	esac
	if [ "$rc" = 1 ] && [ -f vm-status ] && [ "$(kv vm-status status)" != ok ]; then
		reason="kernel: $(kv vm-status reason)"
	fi
	[ -z "$late" ] || reason="kernel badness on the console after the guest's scan: $late"
	# One splat decides (--splat): found anywhere in the kernel's log of
	# the run, the tree is bad; absent after a run that ended normally,
	# good; absent because the guest died of something else first,
	# untestable.
	if [ -n "$splat" ] && [ "$rc" != 130 ]; then
		hit=$(cat badness.txt console-badness.txt 2>/dev/null | cut -f3- | grep -m1 -E -- "$splat" || true)
		if [ -n "$hit" ]; then
			rc=1 reason="splat seen: $hit"
		elif [ "$rc" = 0 ] || { [ "$rc" = 1 ] && [ "$(kv vm-status status)" = ok ]; } ||
			{ [ "$rc" = 1 ] && [ "$mode" != vm ]; }; then
			rc=0 reason="splat not seen ($reason)"
		elif [ "$rc" = 1 ]; then
			rc=3 reason="splat not seen, but the run ended early: $reason"
		fi
	fi
fi

# ---- what reports it ----

{
	grep -v '^exit_code=\|^exit_reason=' run.env 2>/dev/null || true
	echo "exit_code=$rc"
	echo "exit_reason=$reason"
} >run.env.new
mv run.env.new run.env
"$here/summarize.sh" "$dir" || log "summary.json could not be written"
if [ "$recheck" = 1 ] && [ -f summary.json ]; then
	jq --arg rc "$prev_rc" --arg why "$prev_reason" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'.recheck = {at: $at, previous_exit_code: ($rc | tonumber? // null),
			previous_exit_reason: (if $why == "" then null else $why end)}' \
		summary.json >summary.json.new && mv summary.json.new summary.json
fi
if [ -f summary.json ]; then
	"$here/junit.sh" "$dir" || log "junit.xml could not be written"
fi
"$here/plot.sh" "$dir" || log "plots could not be drawn"
"$here/report-html.sh" "$dir" || log "index.html could not be written"

if [ -f summary.json ]; then
	jq -r '"\(.counts.pass) passed, \(.counts.fail) failed, \(.counts.skip) skipped, \(.counts.broken // 0) broken, \(.counts.kernel_badness) kernel badness, \(.counts.known_issues) known issue(s)",
		(.tests[] | select(.status == "fail" or .status == "crashed" or .status == "hung"
				or .status == "known" or .status == "broken")
			| "\(.status | ascii_upcase) \(.name): \(.assertion // "see its log")"),
		(.kernel_badness[] | select(.test != "-") | if (.class | startswith("known:"))
			then "KNOWN \(.class[6:]) in \(.test): \(.line)"
			else "KERNEL \(.class) in \(.test): \(.line)" end)' \
		summary.json >&2 || true
	log "results in $dir"
fi
[ "$recheck" = 0 ] || [ "$prev_rc" = "$rc" ] ||
	log "recheck: the verdict was $prev_rc ($prev_reason), it is $rc now"
echo "$reason"
exit "$rc"
