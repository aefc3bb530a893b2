#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-tests.sh --results DIR [--profile NAME] [--tests "A B"] [--seed N]
#
# Runs the selected test programs on the kernel it is on (inside the VM, or on
# a host in local mode) and writes into DIR:
#   ktap.log          KTAP version 1, one subtest block per program
#   tests/<prog>.log  the program's own output
#   dmesg, badness.txt (mr_logscan over dmesg: class, test, line)
#   guest-env         kernel release, cmdline, taint before/after, MGLRU state
#   known-issues      the known kernel issues applied to this build
#                     (ID, FILE:LINE, FUNCTION)
#   config            the running kernel's .config when /proc/config.gz exists
#   crashed           program, case, first lines of the oops that ended it
#   infra-reason      why the run is untestable (exit 3)
#   broken            program, case, step of each program whose only failed
#                     cases are broken ("# BROKEN step: ...": the test's own
#                     machinery failed, ktap-cases.awk)
# A program whose kernel oopses (taint D, or an oops line in its window) is
# stopped at once; its case is "crashed" and no further program starts.
# Exit: 0 all passed, 1 a test failed or the kernel misbehaved (badness in
# a test's window or after it), 3 nothing failed but a case was broken (its
# program's result line "not ok ... # BROKEN CASE: STEP: ...") or skipped in
# the suite's VM without the profile declaring it (MR_ALLOWED_SKIPS), 4 all
# skipped, 2 bad arguments.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
# shellcheck source=scripts/profile.sh
. "$here/profile.sh"

results="" profile=quick tests="" seed="" print_known=0 excuse_log=""
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	# the known-issues lines for MR_BUILD_ID, nothing run (unit tests)
	--print-known) print_known=1 results=-; shift ;;
	# apply the known assertions of MR_BUILD_ID to a program's LOG in place,
	# print "FAILED EXCUSED" (unit tests)
	--excuse) excuse_log=$2 results=-; shift 2 ;;
	*) die 2 "unknown argument '$1'" ;;
	esac
done
[ -n "$results" ] || die 2 "--results DIR is required"
profile_load "$profile" || exit 2
[ -n "$tests" ] || tests=$MR_TESTS
MR_SEED=${seed:-${MR_SEED:-$(date +%s)}}
export MR_SEED

# Known kernel issues (configs/known-issues/*.known) that name this build
# by identity (a build= line equal to MR_BUILD_ID, which run.sh sets for a
# Debian binary kernel and for the suite's own debug build, never for a
# --ksrc tree, a bisect, a mutant or a bare image): their one splat site is
# reported as known, not as a failure.  MR_KNOWN=0 (run.sh --strict)
# applies none.  Written as ID<TAB>FILE:LINE<TAB>FUNCTION (mr_known_load()).
known_issues() {
	local f id site func
	[ "${MR_KNOWN:-1}" != 0 ] && [ -n "${MR_BUILD_ID:-}" ] || return 0
	for f in "$MR_TOP"/configs/known-issues/*.known; do
		[ -f "$f" ] || continue
		grep -qxF "build=$MR_BUILD_ID" "$f" || continue
		id=$(basename "$f" .known)
		# assertion issues are applied by known_assertions()
		grep -q '^assertion=' "$f" && continue
		site=$(sed -n 's/^site=//p' "$f")
		func=$(sed -n 's/^function=//p' "$f")
		if [ -z "$site" ] || [ -z "$func" ]; then die 2 "$f: no site= or function= line"; fi
		printf '%s\t%s\t%s\n' "$id" "$site" "$func"
	done
}
# Known issues that name a failed assertion instead of a splat: an
# assertion=NAME and a cause=TOKEN line.  An "# ASSERTION NAME: ..." line
# whose message ends with "cause=TOKEN" (the test's own diagnosis proved the
# cause, e.g. dying_memcgs freed by draining the CPUs' charge stocks) is
# excused on the named builds; the same assertion without that proof, or
# any other, is not.  cause=none: no test can prove the cause line by line,
# the issue excuses every line of that assertion on the named builds (its
# file says on what evidence).  An optional case=GLOB (KTAP case names,
# fixture.variant.test; default every case) narrows it to the cases the
# evidence came from.  Written as ID<TAB>NAME<TAB>CAUSE<TAB>GLOB.
known_assertions() {
	local f id name cause glob
	[ "${MR_KNOWN:-1}" != 0 ] && [ -n "${MR_BUILD_ID:-}" ] || return 0
	for f in "$MR_TOP"/configs/known-issues/*.known; do
		[ -f "$f" ] || continue
		grep -q '^assertion=' "$f" || continue
		grep -qxF "build=$MR_BUILD_ID" "$f" || continue
		id=$(basename "$f" .known)
		name=$(sed -n 's/^assertion=//p' "$f")
		cause=$(sed -n 's/^cause=//p' "$f")
		glob=$(sed -n 's/^case=//p' "$f")
		if [ -z "$cause" ]; then die 2 "$f: an assertion= issue needs its cause= line"; fi
		case $name$cause$glob in *[[:space:]]*) die 2 "$f: one assertion=, cause= and case= line each, without blanks" ;; esac
		printf '%s\t%s\t%s\t%s\n' "$id" "$name" "$cause" "${glob:-*}"
	done
}

# excuse_assertions LOG KNOWN: mark the ASSERTION lines of LOG that KNOWN
# (known_assertions' lines) excuses as "# KNOWN ID ASSERTION ...", in place;
# prints "FAILED EXCUSED" counts of failed cases and of those whose every
# assertion is excused (a failed case without any ASSERTION line is never
# excused: a crash or a harness error is no known assertion; nor is a case
# with a BROKEN line: its machinery failed, its verdict is missing).
excuse_assertions() {
	awk -F'\t' -v out="$1.excused" '
		# a case glob as an anchored regex: only * is special in it
		function glob_re(g) {
			gsub(/[][.^$+?(){}|\\]/, "\\\\&", g)
			gsub(/\*/, ".*", g)
			return "^" g "$"
		}
		FILENAME == ARGV[1] {
			ids[++nids] = $1
			aname[$1] = $2
			acause[$1] = $3
			acase[$1] = glob_re($4 == "" ? "*" : $4)
			next
		}
		/^# +RUN / {
			nass = 0; nknown = 0; nbroken = 0
			kcase = $0
			sub(/^# +RUN +/, "", kcase)
			sub(/ .*/, "", kcase)
		}
		/^# BROKEN / { nbroken++ }
		/^# ASSERTION / {
			nass++
			name = $0
			sub(/^# ASSERTION /, "", name)
			sub(/:.*/, "", name)
			for (i = 1; i <= nids; i++) {
				id = ids[i]
				if (aname[id] == name && kcase ~ acase[id] &&
				    (acause[id] == "none" || $0 ~ (" cause=" acause[id] "$"))) {
					$0 = "# KNOWN " id " " substr($0, 3)
					nknown++
					break
				}
			}
		}
		/^not ok [0-9]+ / { failed++; if (nass > 0 && nass == nknown && !nbroken) excused++ }
		{ print > out }
		END { printf "%d %d\n", failed, excused }
	' "$2" "$1" && mv -f "$1.excused" "$1"
}

if [ "$print_known" = 1 ]; then
	known_issues
	exit 0
fi
if [ -n "$excuse_log" ]; then
	known_assertions >"$excuse_log.known"
	excuse_assertions "$excuse_log" "$excuse_log.known"
	rm -f "$excuse_log.known"
	exit 0
fi
bindir=${MR_BINDIR:-$MR_TOP/selftests}
export MR_WORKLOADS=${MR_WORKLOADS:-$MR_TOP/workloads}
mkdir -p "$results/tests"
ktap="$results/ktap.log"

taint() { cat /proc/sys/kernel/tainted; }
kmsg() { echo "memcg_reparent: $*" >/dev/kmsg 2>/dev/null || true; }

# Kill what a program left running if we are interrupted: every test
# program runs in its own session, and its cgroups are reaped after.
current_sid="" sampler="" beat="" watch=""
reap_cgroups() {
	local cg2 d pid
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg2" ] || return 0
	for d in "$cg2"/memcg_reparent.*; do
		[ -d "$d" ] || continue
		pid=${d##*.}
		kill -0 "$pid" 2>/dev/null && continue
		[ -e "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill"
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
	[ -n "$current_sid" ] && pkill -KILL -s "$current_sid" 2>/dev/null
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$beat" ] && kill "$beat" 2>/dev/null
	[ -n "$watch" ] && kill "$watch" 2>/dev/null
	sleep 0.2
	reap_cgroups
	log "interrupted; test processes killed, cgroups reaped"
	exit 130
}
trap on_signal INT TERM

# heartbeat N/M PROG PID: every MR_PROGRESS_SECONDS (default 30) while PID
# runs, a progress line: elapsed time, cases finished, the case running
heartbeat() {
	local every=${MR_PROGRESS_SECONDS:-30} start=$SECONDS f="$results/tests/$2.log" ncases running i=0
	# 1 s naps: killed with the program, it leaves no long sleep behind
	while sleep 1 && kill -0 "$3" 2>/dev/null; do
		i=$((i + 1))
		[ $((i % every)) = 0 ] || continue
		ncases=$(grep -cE '^(not )?ok [0-9]+ ' "$f" 2>/dev/null || true)
		running=$(sed -n 's/^#  RUN  *\([^ ]*\).*/\1/p' "$f" 2>/dev/null | tail -n 1)
		log "[$1] $2: $((SECONDS - start))s, ${ncases:-0} case(s) done${running:+, running $running}"
	done
}

{
	echo "release=$(uname -r)"
	echo "cmdline=$(cat /proc/cmdline)"
	echo "taint_before=$(taint)"
	echo "lru_gen_enabled=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo none)"
	echo "nodes=$(cat /sys/devices/system/node/online 2>/dev/null)"
	echo "cpus=$(nproc)"
	echo "profile=$profile"
	echo "seed=$MR_SEED"
	echo "tests=$tests"
} >"$results/guest-env"
if [ -r /proc/config.gz ]; then zcat /proc/config.gz >"$results/config"; fi

known_file="$results/known-issues"
known_issues >"$known_file"
while IFS=$'\t' read -r id site func; do
	log "known issue applies to build '$MR_BUILD_ID': $id ($func at $site)"
done <"$known_file"
export MR_KNOWN_FILE=$known_file
known_asserts="$results/known-assertions"
known_assertions >"$known_asserts"
while IFS=$'\t' read -r id name cause; do
	log "known issue applies to build '$MR_BUILD_ID': $id (assertion $name with cause=$cause)"
done <"$known_asserts"

# Inside the suite's own VM (booted by vm.sh: mr.init= on the command
# line) the environment every case needs is provided (scratch ext4, swap,
# debugfs, 2 nodes): a case that SKIPs there is an infrastructure error
# unless the profile declares the skip (MR_ALLOWED_SKIPS: case-name globs).
# Local mode keeps the harness's skips.
in_vm=${MR_SUITE_VM:-auto}
if [ "$in_vm" = auto ]; then
	in_vm=0
	grep -qE '(^| )mr\.init=' /proc/cmdline 2>/dev/null && in_vm=1
fi
# Local mode without a scratch file system (MR_SCRATCH unset): the suite
# makes its own, an ext4 image of the cache on a loop device, mounted on
# RESULTS/scratch (scripts/scratch-loop.sh), and removes it on every exit,
# signals included; the image of a run killed with SIGKILL is released by
# the next one.  Only where the tests can run at all: root, and cgroup v2
# with the memory controller (else every test skips anyway).
scratch_mnt=""
# shellcheck disable=SC2317 # invoked by the trap
scratch_down() {
	[ -z "$scratch_mnt" ] || "$here/scratch-loop.sh" down "$scratch_mnt" || true
	scratch_mnt=""
}
trap scratch_down EXIT
memcg_v2() {
	local cg2
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg2" ] && grep -qw memory "$cg2/cgroup.controllers" 2>/dev/null
}
if [ "$in_vm" = 0 ] && [ -z "${MR_SCRATCH:-}" ] && [ "$(id -u)" = 0 ] && memcg_v2; then
	if "$here/scratch-loop.sh" up "$results/scratch" $$; then
		scratch_mnt=$results/scratch
		export MR_SCRATCH=$scratch_mnt
		echo "scratch=$(findmnt -n -o SOURCE --mountpoint "$scratch_mnt") (loop, suite's own)" >>"$results/guest-env"
	else
		log "no scratch file system of its own: the page cache tests will skip"
	fi
fi
undeclared_skips() {
	local name why g ok globs
	read -ra globs <<<"${MR_ALLOWED_SKIPS:-}"
	sed -n 's/^ok [0-9]* \([^ ]*\) # SKIP *\(.*\)/\1\t\2/p' "$1" |
		while IFS=$'\t' read -r name why; do
			ok=0
			for g in "${globs[@]}"; do
				# shellcheck disable=SC2053 # $g is a glob on purpose
				[[ $name == $g ]] && { ok=1; break; }
			done
			[ "$ok" = 1 ] || printf '%s: %s\n' "$name" "${why:-no reason given}"
		done
}

# broken_case LOG PROG: "CASE<TAB>STEP: ..." of the first broken case of
# PROG's LOG when none of its cases failed (the statuses ktap-cases.awk
# gives the summary), else nothing: such a program is broken, not failed.
broken_case() {
	{ echo "# selftests: memcg_reparent: $2"; sed 's/^/  /' "$1"; } |
		awk -f "$here/ktap-cases.awk" |
		awk -F'\t' '$3 == "fail" || $3 == "crashed" || $3 == "hung" { failed = 1 }
			$3 == "broken" && first == "" { first = $2 "\t" $4 }
			END { if (!failed && first != "") print first }'
}

# A kernel that oopsed (taint D, bit 7) is in an unknown state: the program
# running is stopped at once, its case ends "crashed", no further program
# starts.  oops_watch SID: kill session SID when D appears.
TAINT_D=128
oopsed_now() { [ $(($(taint) & TAINT_D & ~taint0)) != 0 ]; }
oops_watch() {
	while sleep 1 && kill -0 "$1" 2>/dev/null; do
		oopsed_now || continue
		log "kernel oopsed (taint D): stopping $2"
		pkill -KILL -s "$1" 2>/dev/null
		return
	done
}
# crash_case PROG: "class<TAB>case<TAB>first lines" of the first oops in
# PROG's window (the case whose markers hold it), from the kernel log now.
# A plain "BUG:" line (class bug: a NULL dereference, but also a sleeping
# function called from atomic context) is an oops only with taint D.
crash_case() {
	local rows
	dmesg >"$results/.dmesg-crash" 2>/dev/null || return 0
	rows=$("$bindir/mr_logscan" "$results/.dmesg-crash" 2>/dev/null |
		awk -F'\t' -v p="$1" '($2 == p || index($2, p ".") == 1) &&
			$1 ~ /^(bug|kernel_bug|oops|gpf|invalid_opcode|kasan|panic)$/' || true)
	if [ -n "$rows" ]; then
		# the incident's first line and the four after it
		awk -F'\t' 'NR == 1 { print $1 "\t" $2 "\t" $3; exit }' <<<"$rows" | {
			IFS=$'\t' read -r class c first
			printf '%s\t%s\t%s' "$class" "$c" "$(grep -A4 -xF -- "$first" "$results/.dmesg-crash" | head -n 5 |
				sed 's/^\[ *[0-9.]*\] //' | paste -sd'|' | sed 's/|/ | /g')"
		}
	fi
	rm -f "$results/.dmesg-crash"
}
taint0=$(taint)

read -ra progs <<<"$tests"
set -- "${progs[@]}"
echo "KTAP version 1" >"$ktap"
echo "1..$#" >>"$ktap"
# the boot parameters run.sh --bootargs added (guest.env's MR_BOOTARGS)
[ -z "${MR_BOOTARGS:-}" ] || echo "# bootargs: $MR_BOOTARGS" >>"$ktap"
n=0 npass=0 nfail=0 nskip=0 ncrash=0 nbroken=0 oopsed="" infra="" broken_why=""
for t in "$@"; do
	n=$((n + 1))
	prog="$bindir/$t"
	name="selftests: memcg_reparent: $t"
	if [ -n "$oopsed" ]; then
		ktap_result ok "$n" "$name" "SKIP not run: the kernel oopsed in $oopsed" >>"$ktap"
		continue
	fi
	# its bound, derived from its cases (run.sh: MR_PROGRAM_TIMEOUTS)
	tmo=$(profile_program_timeout "$t")
	log "[$n/$#] $t (timeout ${tmo}s)"
	kmsg "start $t"
	start=$(date +%s.%N)
	watch=""
	if [ -x "$prog" ]; then
		"$here/sampler.sh" "$results/timeseries.csv" "$t" "${MR_SAMPLE_INTERVAL:-1}" &
		sampler=$!
		setsid timeout --kill-after=10 "$tmo" "$prog" \
			>"$results/tests/$t.log" 2>&1 &
		current_sid=$!
		heartbeat "$n/$#" "$t" "$current_sid" &
		beat=$!
		oops_watch "$current_sid" "$t" &
		watch=$!
		rc=0
		wait "$current_sid" || rc=$?
		kill "$beat" "$watch" 2>/dev/null || true
		wait "$beat" "$watch" 2>/dev/null || true
		current_sid="" watch=""
		kill "$sampler" 2>/dev/null || true
		wait "$sampler" 2>/dev/null || true
	else
		echo "# $prog: not built (run make)" >"$results/tests/$t.log"
		rc=127
	fi
	end=$(date +%s.%N)
	kmsg "end $t"
	dur=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	# A program that failed only on known assertions of this build passes,
	# with the known issues in its result line and KNOWN in its log.
	known_note=""
	if [ "$rc" = 1 ] && [ -s "$known_asserts" ] && [ -f "$results/tests/$t.log" ]; then
		# (no process substitution: the guest has no /dev/fd)
		kcounts=$(excuse_assertions "$results/tests/$t.log" "$known_asserts")
		read -r kfailed kexcused <<<"$kcounts"
		if [ "${kfailed:-0}" -gt 0 ] && [ "$kfailed" = "$kexcused" ]; then
			rc=0
			known_note="known: $(sed -n 's/^# KNOWN \([^ ]*\) .*/\1/p' "$results/tests/$t.log" | sort -u | xargs)"
			log "[$n/$#] $t: every failed case failed only on known assertions of this build:${known_note#*:}"
		fi
	fi
	echo "$t $rc $dur" >>"$results/programs"
	echo "# selftests: memcg_reparent: $t" >>"$ktap"
	sed 's/^/  /' "$results/tests/$t.log" >>"$ktap"
	# An oops in this program's window, or taint D since the run began:
	# its case crashed, whatever the harness had time to say.
	crash=""
	if [ -x "$bindir/mr_logscan" ]; then crash=$(crash_case "$t"); fi
	IFS=$'\t' read -r cclass ccase clines <<<"$crash"
	if oopsed_now || { [ -n "$crash" ] && [ "$cclass" != bug ] && [ "$cclass" != kasan ]; }; then
		ccase=${ccase:-$t} clines=${clines:-taint D set, no oops line in the kernel log}
		oopsed=$ccase
		printf '%s\t%s\t%s\n' "$t" "$ccase" "$clines" >>"$results/crashed"
		ktap_result "not ok" "$n" "$name" "crashed in $ccase: $clines" >>"$ktap"
		ncrash=$((ncrash + 1)) nfail=$((nfail + 1))
		log "[$n/$#] $t: the kernel oopsed in $ccase ($clines); starting no further programs"
		continue
	fi
	if [ "$in_vm" = 1 ]; then
		bad=$(undeclared_skips "$results/tests/$t.log")
		if [ -n "$bad" ]; then
			while IFS= read -r l; do
				echo "# undeclared skip in the suite's VM: $l"
				log "undeclared skip in the suite's VM (infrastructure): $l"
			done <<<"$bad" >>"$ktap"
			infra="$infra${infra:+; }$(head -n 1 <<<"$bad")"
		fi
	fi
	# The harness exits 0 when every case skipped: that program tested nothing.
	if [ "$rc" = 0 ] && grep -qE '^ok [0-9]+ ' "$results/tests/$t.log" &&
		! grep -E '^ok [0-9]+ ' "$results/tests/$t.log" | grep -qv '# SKIP'; then
		rc=4
	fi
	# failed only on broken cases: the test's machinery, no kernel verdict
	broken=""
	if [ "$rc" = 1 ]; then broken=$(broken_case "$results/tests/$t.log" "$t"); fi
	if [ -n "$broken" ]; then
		IFS=$'\t' read -r bcase bwhy <<<"$broken"
		printf '%s\t%s\t%s\n' "$t" "$bcase" "$bwhy" >>"$results/broken"
		broken_why="$broken_why${broken_why:+; }$bcase: $bwhy"
		rc=broken
	fi
	case $rc in
	0) ktap_result ok "$n" "$name" "$known_note"; npass=$((npass + 1)) ;;
	broken) ktap_result "not ok" "$n" "$name" "BROKEN $bcase: $bwhy"; nbroken=$((nbroken + 1)) ;;
	4) ktap_result ok "$n" "$name" SKIP; nskip=$((nskip + 1)) ;;
	124) ktap_result "not ok" "$n" "$name" "TIMEOUT $tmo seconds"; nfail=$((nfail + 1)) ;;
	*) ktap_result "not ok" "$n" "$name" "exit=$rc"; nfail=$((nfail + 1)) ;;
	esac >>"$ktap"
	log "[$n/$#] $t exit=$rc after ${dur}s"
done
echo "taint_after=$(taint)" >>"$results/guest-env"
reap_cgroups

dmesg >"$results/dmesg" 2>/dev/null || log "dmesg failed: kernel log not saved"
nbad=0
if [ -x "$bindir/mr_logscan" ]; then
	"$bindir/mr_logscan" "$results/dmesg" >"$results/badness.txt" || true
	# badness before the first test is the boot's: recorded, not ours to
	# judge; known issues are listed, not counted.  Badness outside every
	# window after the first start marker is the test's before it ("after
	# <test>": the work its rmdirs queued) and counts; the tests saw only
	# their own windows, so it is reported here (at most 20 lines).
	nbad=$(awk -F'\t' '$2 != "-" && $1 !~ /^known:/' "$results/badness.txt" | wc -l)
	awk -F'\t' '$2 ~ /^after / {
			if (++n <= 20) printf "# kernel %s %s: %s\n", $2, $1, $3
		}
		END { if (n > 20) printf "# kernel: %d more outside the windows (badness.txt)\n", n - 20 }' \
		"$results/badness.txt" >>"$ktap"
else
	log "mr_logscan not built: kernel log not scanned"
	nfail=$((nfail + 1))
fi
echo "# totals: pass:$npass fail:$nfail skip:$nskip crashed:$ncrash broken:$nbroken kernel_badness:$nbad" >>"$ktap"

if [ "$nfail" -gt 0 ] || [ "$nbad" -gt 0 ]; then
	exit 1
fi
# A verdict needs the environment and the test's own machinery: a broken
# case (and nothing failed), or in the suite's VM an undeclared skip, makes
# the run untestable as it stands (exit 3), never a pass.
if [ -n "$broken_why" ] || [ -n "$infra" ]; then
	why=${broken_why:+test machinery broken: $broken_why}
	[ -z "$infra" ] || why="$why${why:+; }undeclared skip in the suite's VM: $infra"
	echo "$why" >"$results/infra-reason"
	exit 3
fi
if [ "$npass" -eq 0 ] && [ "$nskip" -gt 0 ]; then
	exit 4
fi
exit 0
