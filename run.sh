#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh — run the memcg reparenting suite on this machine or in a VM.
# See --help, and README.md for the exit-code table.
set -eu

MR_TOP=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$MR_TOP/scripts/lib.sh"
# shellcheck source=scripts/profile.sh
. "$MR_TOP/scripts/profile.sh"

usage() {
	cat <<USAGE
usage: run.sh [options]

Runs the test programs of a profile and writes results/<time>-<release>/.

  --kernel K       boot K in QEMU and run inside it.  K is one of:
                     debian[=VERSION]  Debian sid's newest amd64 kernel
                                       (or that version while sid has it)
                     bookworm          Debian 12's 6.1 kernel (no reparenting)
                     debug             the suite's DEBUG_VM kernel, built from
                                       Debian sid's newest linux-source with
                                       the fixes in configs/patches/
                     debug-unpatched   the same build without those fixes
                     PATH              a bzImage/vmlinuz file
                   without --kernel the tests run on this machine's kernel
                   (root, cgroup v2 with the memory controller).
  --modules DIR    lib/modules/<release> of a PATH kernel (built-in drivers
                   need none)
  --ksrc DIR       build DIR (any kernel tree, e.g. a bisect working tree) with
                   the fragments below, out of tree and cached, then boot it
  --fragments "F"  configs/kernel/F.config fragments for --ksrc and debug
                   (default "base lean debug")
  --tries N        run the tests up to N times; the first failure is the
                   verdict (each try has its own results folder)
  --profile NAME   $(cd "$MR_TOP/configs/profiles" && find . -name '*.conf' | sed 's|./||; s|\.conf$||' | sort | xargs | sed 's/ /, /g') (default quick)
  --tests LIST     comma- or space-separated test programs (default: the profile's)
  --seed N         seed for randomized schedules (default: drawn, a new one
                   for each of --tries; recorded)
  --bootargs "A"   VM only: append A to the guest kernel's command line
                   (e.g. "transparent_hugepage=never numa=off"); recorded
                   in summary.json, ktap.log and the reproduce command
  --dry-run        resolve the kernel, write the results folder's command,
                   run.env and guest.env, and stop before booting
  --results DIR    results folder (default results/<time>-<release>)
  --accel A        auto (default: KVM if a boot probe works, else TCG), kvm,
                   tcg (one host thread per vCPU), tcg-single (one host thread
                   for all vCPUs: slower, but rules out multi-threaded TCG when
                   a crash looks like the emulator's)
  --bisect         exit codes for \`git bisect run\`: 0 good, 1 bad, 125 skip,
                   128 abort; nothing else
  --splat REGEX    the verdict is one splat: bad (1) when a kernel badness
                   line matches REGEX (grep -E), good (0) when the run ended
                   without it, whatever else failed; untestable (3/125) when
                   the guest died of something else first
  --strict         count the splats of known kernel issues
                   (configs/known-issues/) as failures too
  --panic-on LIST  VM only: make the guest kernel panic at the first of LIST
                   (comma-separated: warn, oops, softlockup, hung_task,
                   rcu_stall), so the console ends at the splat
  --list           print the tests and variants of the profile and exit
  --nightly        with --ksrc TREE (a git tree): build its HEAD, run the
                   nightly profile, append the run to a history, compare
                   with the tree's last night and bisect a regression
                   (scripts/nightly.sh --help)
  --recheck DIR    judge the kept results folder DIR again with today's rules
                   (log classifier, known issues, verdict), no VM: rewrites
                   its summary.json, junit.xml, plots and index.html and
                   exits with the verdict (--splat, --strict, --bisect apply)
  -h, --help       this text

Exit codes (normal / --bisect): 0/0 all passed; 1/1 a test failed or the
kernel misbehaved; 2/128 bad command line; 3/125 infrastructure failure
(dependency, QEMU, boot); 4/125 every test skipped.

Knobs (configs/knobs.tsv; a profile sets them, the environment overrides:
MR_RACE_SECONDS=60 ./run.sh ...; --list shows a profile's values and the
bounds derived from them): name, default, meaning [range]
$(knobs_list defaults)
USAGE
}

bisect=0
# exit_with RC REASON: the single way out once arguments are parsed
exit_with() {
	local rc=$1
	shift
	# (a --results folder exists before finish_results is defined: an
	# interruption while the kernel is fetched summarizes nothing)
	[ -n "${resdir:-}" ] && [ -d "${resdir:-}" ] && declare -F finish_results >/dev/null &&
		finish_results "$rc" "$*"
	if [ "$bisect" = 1 ]; then
		case $rc in
		0 | 1) ;;
		2 | 130) rc=128 ;;
		*) rc=125 ;;
		esac
	fi
	[ "$rc" = 0 ] || log "exit $rc: $*"
	exit "$rc"
}

kernel="" modules="" profile=quick tests="" seed="" resdir="" accel=auto list=0
ksrc="" fragments="base lean debug" tries=1 splat="" panic_on=""
bootargs=${MR_BOOTARGS:-} dry_run=0 recheck=""
orig_cmd=$(printf '%q ' "$0" "$@")
# The knobs set in the environment, before the profile adds its own: those
# that differ from the profile go into the reproduce command.
env_knobs=$(env | sed -n 's/^\(MR_[A-Z0-9_]*\)=.*/\1/p' | sort |
	grep -vxE 'MR_(TOP|CACHE|SCRATCH|BINDIR|WORKLOADS|KNOWN|BOOTARGS|SEED)' || true)
for a in "$@"; do [ "$a" = --bisect ] && bisect=1; done
# --nightly: build a git tree's HEAD, run, keep the history, compare with the
# last night and bisect a regression (scripts/nightly.sh runs run.sh itself)
for a in "$@"; do [ "$a" = --nightly ] && exec "$MR_TOP/scripts/nightly.sh" "$@"; done
need() { [ $# -ge 2 ] || { log "error: $1 needs a value"; usage >&2; exit_with 2 "bad command line"; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) need "$@"; kernel=$2; shift 2 ;;
	--modules) need "$@"; modules=$2; shift 2 ;;
	--profile) need "$@"; profile=$2; shift 2 ;;
	--tests | -t) need "$@"; tests="$tests ${2//,/ }"; shift 2 ;;
	--seed) need "$@"; seed=$2; shift 2 ;;
	--results) need "$@"; resdir=$2; shift 2 ;;
	--accel) need "$@"; accel=$2; shift 2 ;;
	--ksrc) need "$@"; ksrc=$2; shift 2 ;;
	--fragments) need "$@"; fragments=$2; shift 2 ;;
	--tries) need "$@"; tries=$2; shift 2 ;;
	--splat) need "$@"; splat=$2; shift 2 ;;
	--strict) export MR_KNOWN=0; shift ;;
	--panic-on) need "$@"; panic_on=$2; shift 2 ;;
	--bootargs) need "$@"; bootargs=$2; shift 2 ;;
	--dry-run) dry_run=1; shift ;;
	--bisect) shift ;;
	--list) list=1; shift ;;
	--recheck) need "$@"; recheck=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) log "error: unknown option '$1'"; usage >&2; exit_with 2 "bad command line" ;;
	esac
done

# Validate everything before touching anything.
profile_load "$profile" || exit_with 2 "unknown profile '$profile'"
[ -n "${tests// /}" ] || tests=$MR_TESTS
tests=$(xargs <<<"$tests")
for t in $tests; do
	[ -f "$MR_TOP/selftests/$t.c" ] ||
		exit_with 2 "unknown test '$t' (have: $(cd "$MR_TOP/selftests" && grep -l 'TEST_HARNESS_MAIN' ./*.c | sed 's|./||; s|\.c$||' | xargs))"
done
case $seed in '' | *[!0-9]*) [ -z "$seed" ] || exit_with 2 "--seed wants a number, not '$seed'" ;; esac
# The bounds of this run (program timeouts, the VM's), derived from what
# its cases need with these knobs (configs/bounds.tsv, scripts/knobs.sh);
# a run they cannot hold is refused.  run-tests.sh reads each program's
# from MR_PROGRAM_TIMEOUTS.
profile_bounds "$([ -n "$kernel$ksrc" ] && echo vm || echo local)" "$tests" ||
	exit_with 2 "the bounds cannot hold: $bounds_msg"
[ -z "$bounds_msg" ] || log "warning (MR_SHORT_BOUNDS=1): $bounds_msg"
MR_PROGRAM_TIMEOUTS=$(for t in $tests; do printf '%s:%s ' "$t" "${bounds_timeout[$t]}"; done)
export MR_PROGRAM_TIMEOUTS=${MR_PROGRAM_TIMEOUTS% }
case $accel in auto | kvm | tcg | tcg-single) ;; *) exit_with 2 "--accel wants auto, kvm, tcg or tcg-single" ;; esac
case $tries in '' | *[!0-9]* | 0) exit_with 2 "--tries wants a positive number" ;; esac
if [ -n "$splat" ]; then
	re_rc=0
	grep -qE -- "$splat" </dev/null || re_rc=$?
	[ "$re_rc" -le 1 ] || exit_with 2 "--splat: '$splat' is no extended regular expression"
fi
# Kernel parameters that turn the first splat of a kind into a panic
cmdline=""
for p in ${panic_on//,/ }; do
	case $p in
	warn) cmdline="$cmdline panic_on_warn=1" ;;
	oops) cmdline="$cmdline oops=panic" ;;
	softlockup) cmdline="$cmdline softlockup_panic=1" ;;
	hung_task) cmdline="$cmdline hung_task_panic=1" ;;
	rcu_stall) cmdline="$cmdline sysctl.kernel.panic_on_rcu_stall=1" ;;
	*) exit_with 2 "--panic-on: unknown '$p' (warn, oops, softlockup, hung_task, rcu_stall)" ;;
	esac
done
if [ -n "$ksrc" ]; then
	[ -z "$kernel" ] || exit_with 2 "--ksrc and --kernel exclude each other"
	{ [ -f "$ksrc/Makefile" ] && [ -d "$ksrc/mm" ]; } || exit_with 2 "'$ksrc' is not a kernel tree"
	kernel=build
fi
for f in $fragments; do
	[ -f "$MR_TOP/configs/kernel/$f.config" ] || exit_with 2 "no fragment configs/kernel/$f.config"
done
case $kernel in
'' | debian | debian=* | bookworm | debug | debug-unpatched | build) ;;
*) [ -r "$kernel" ] || exit_with 2 "kernel image '$kernel' is not readable" ;;
esac
[ -z "$modules" ] || [ -d "$modules" ] || exit_with 2 "modules folder '$modules' does not exist"
[ -z "$modules" ] || [ -n "$kernel" ] || exit_with 2 "--modules needs --kernel"
[ -z "$panic_on" ] || [ -n "$kernel" ] ||
	exit_with 2 "--panic-on needs --kernel: it would change this machine's panic settings"
[ -z "$bootargs" ] || [ -n "$kernel" ] ||
	exit_with 2 "--bootargs needs --kernel: this machine's kernel is already booted"
case $bootargs in *[[:cntrl:]]*) exit_with 2 "--bootargs: no control characters" ;; esac
# the guest's runner names them in ktap.log (guest.env carries them there)
if [ -n "$bootargs" ]; then export MR_BOOTARGS=$bootargs; else unset MR_BOOTARGS; fi
# without --seed every try draws its own
seed_fixed=$seed
draw_seed() { seed=${seed_fixed:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; }
draw_seed

# results_writable DIR: a file can be written there (not read-only, not
# full); prints the error otherwise
results_writable() {
	local err
	if err=$({ head -c 65536 /dev/zero >"$1/.write-probe"; } 2>&1); then
		rm -f "$1/.write-probe"
		return 0
	fi
	rm -f "$1/.write-probe" 2>/dev/null
	echo "${err:-write failed}"
	return 1
}
# results_fail DIR WHY: a results folder that cannot hold the results is an
# infrastructure failure (3/125); nothing is summarized there, so no summary
# can claim a pass
results_fail() {
	resdir=""
	exit_with 3 "results folder '$1' $2"
}
# A folder given on the command line is checked before anything is fetched.
if [ -n "$resdir" ]; then
	err=$(mkdir -p "$resdir" 2>&1) || results_fail "$resdir" "cannot be created: $err"
	err=$(results_writable "$resdir") || results_fail "$resdir" "is not writable: $err"
fi

# run.sh's own scratch files, gone however it ends
rundir_tmp=$(mktemp -d "${TMPDIR:-/tmp}/memcg-reparent-run.XXXXXX")
trap 'rm -rf "$rundir_tmp"' EXIT

# Dependencies and the test binaries: failures here are infrastructure (3).
"$MR_TOP/scripts/install-deps.sh" || exit_with 3 "missing dependencies"
# (two runs of one checkout build in turn)
flock "$MR_TOP/selftests" make -s -C "$MR_TOP/selftests" >"$rundir_tmp/make.log" 2>&1 || {
	cat "$rundir_tmp/make.log" >&2
	exit_with 3 "building the test programs failed"
}

# A kept results folder judged again (scripts/verdict.sh --recheck): no VM,
# nothing fetched or built but the log classifier above
if [ -n "$recheck" ]; then
	[ -z "$kernel$ksrc$resdir" ] || exit_with 2 "--recheck takes no --kernel, --ksrc or --results"
	[ -f "$recheck/run.env" ] || exit_with 2 "--recheck: '$recheck' is no results folder of run.sh (no run.env)"
	rc=0 strict_opt=""
	[ "${MR_KNOWN:-1}" != 0 ] || strict_opt=--strict
	reason=$("$MR_TOP/scripts/verdict.sh" --recheck "$recheck" ${splat:+--splat "$splat"} \
		$strict_opt) || rc=$?
	[ -n "$reason" ] || { rc=3 reason="infrastructure: scripts/verdict.sh failed (exit $rc)"; }
	exit_with "$rc" "$reason"
fi

if [ "$list" = 1 ]; then
	for t in $tests; do
		echo "$t"
		"$MR_TOP/selftests/$t" -l 2>&1 | awk 'NR > 1 && !/^---/ { printf "  %s\n", $0 }'
	done
	echo
	echo "Knobs of profile $profile (value, meaning [range]) and the bounds derived:"
	knobs_list
	bounds_list
	exit 0
fi

# Interrupted: stop what runs on our behalf, then leave through exit_with.
# $child handles TERM itself (vm.sh stops QEMU, run-tests.sh its tests);
# $group is a session of its own (kernel fetch or build) killed as a whole.
child="" group=""
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
	trap '' INT TERM
	if [ -n "$group" ]; then
		kill -TERM -- "-$group" 2>/dev/null || true
		wait "$group" 2>/dev/null || true
	fi
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	exit_with 130 "interrupted"
}
trap on_signal INT TERM

# in_group FILE CMD...: run CMD with its stdout in FILE, in the background
# and in a session of its own, so that a signal is acted on at once (bash
# runs a trap only when the foreground command ends) and reaches make's
# children too.
in_group() {
	local out=$1 r=0
	shift
	setsid setpriv --pdeathsig TERM "$@" >"$out" &
	group=$!
	wait "$group" || r=$?
	group=""
	return "$r"
}

# Resolve the kernel.
kernel_image="" kernel_release="" kernel_package="" kernel_config="" kernel_patches=""
case $kernel in
'') kernel_release=$(uname -r) ;;
debian | debian=* | bookworm)
	suite=sid
	[ "$kernel" = bookworm ] && suite=bookworm
	spec=$suite
	case $kernel in debian=*) spec="sid=${kernel#debian=}" ;; esac
	in_group "$rundir_tmp/kdir" "$MR_TOP/scripts/fetch-debian-kernel.sh" "$spec" image ||
		exit_with 3 "could not fetch the $suite kernel"
	kdir=$(cat "$rundir_tmp/kdir")
	kernel_image="$kdir/vmlinuz"
	modules="$kdir/modules"
	kernel_release=$(cat "$kdir/release")
	kernel_package=$(cat "$kdir/package")
	kernel_config="$kdir/config"
	;;
debug | debug-unpatched | build)
	# Only the suite's own debug build carries the suite's fixes; a tree
	# given with --ksrc is built exactly as it is.
	patches=none
	[ "$kernel" = debug ] && patches="$MR_TOP/configs/patches"
	in_group "$rundir_tmp/image" "$MR_TOP/scripts/build-kernel.sh" ${ksrc:+--ksrc "$ksrc"} \
		--fragments "$fragments" --patches "$patches" || exit_with 3 "kernel build failed"
	kernel_image=$(cat "$rundir_tmp/image")
	kernel_config="$(dirname "$kernel_image")/config"
	kernel_release=$(sed -n 's/^release=//p' "$(dirname "$kernel_image")/identity")
	kernel_patches=$(sed -n 's/^patches=//p' "$(dirname "$kernel_image")/identity")
	kernel_package="built from ${ksrc:-Debian linux-source} with $fragments${kernel_patches:+, patches: $kernel_patches}"
	;;
*)
	kernel_image=$kernel
	# "Linux kernel x86 boot executable bzImage, version 7.2.0 (...)"
	kernel_release=$(file -bL "$kernel" | sed -n 's/.*version \([^ ,]*\).*/\1/p')
	[ -n "$kernel_release" ] || kernel_release=unknown
	# a build tree's, the suite's image folder's (images/<digest>/config),
	# a distribution's /boot
	for c in "$(dirname "$kernel")/.config" "$(dirname "$kernel")/../../../.config" \
		"$(dirname "$kernel")/config" "$(dirname "$kernel")/config-$kernel_release"; do
		[ -f "$c" ] && { kernel_config=$c; break; }
	done
	;;
esac

# The build's identity, the only key of a known issue (configs/known-issues/
# build= lines): a Debian binary package, or the suite's own debug build
# (source package, patches and .config digests, no mutation).  --ksrc trees,
# bisects, mutants and bare images have none: nothing is excused there.
MR_BUILD_ID=""
if [ "$bisect" = 0 ]; then
	case $kernel in
	debian | debian=* | bookworm) MR_BUILD_ID="debian $kernel_package" ;;
	debug)
		ident="$(dirname "$kernel_image")/identity"
		grep -q '^mutation=.' "$ident" ||
			MR_BUILD_ID="debug $(sed -n 's/^source=//p' "$ident") patches=$(sed -n 's/^patches_sha256=//p' "$ident" | cut -c1-16) config=$(sed -n 's/^config_sha256=//p' "$ident" | cut -c1-16)"
		;;
	esac
fi
export MR_BUILD_ID

# The results folder holds everything needed to understand and rerun.
# A default folder is claimed with mkdir, so two runs started in the same
# second get two folders.
if [ -z "$resdir" ]; then
	base="$MR_TOP/results/$(date -u +%Y%m%dT%H%M%SZ)-$kernel_release"
	err=$(mkdir -p "$MR_TOP/results" 2>&1) || results_fail "$MR_TOP/results" "cannot be created: $err"
	resdir=$base n=1
	until err=$(mkdir "$resdir" 2>&1); do
		[ -e "$resdir" ] || results_fail "$resdir" "cannot be created: $err"
		n=$((n + 1))
		resdir="$base-$n"
	done
fi
err=$(mkdir -p "$resdir" 2>&1) || results_fail "$resdir" "cannot be created: $err"
err=$(results_writable "$resdir") || results_fail "$resdir" "is not writable: $err"
resdir=$(cd "$resdir" && pwd)
[ -n "$kernel_config" ] && [ -f "$kernel_config" ] && cp "$kernel_config" "$resdir/config"

# reproduce_cmd: the command that reruns this run: the MR_* knobs of the
# environment that differ from the profile, then every option that
# decided the run (kernel identity, profile, tests, seed, boot parameters)
reproduce_cmd() {
	local k pval reproduce=""
	for k in $env_knobs; do
		pval=$(sed -n "s/^$k=//p" "$MR_TOP/configs/profiles/$profile.conf" | tail -n 1)
		[ "${!k-}" = "$pval" ] && grep -q "^$k=" "$MR_TOP/configs/profiles/$profile.conf" &&
			continue
		reproduce="$reproduce$k=$(printf '%q' "${!k-}") "
	done
	reproduce="$reproduce$(printf '%q ' "$MR_TOP/run.sh")--profile $profile --tests $(printf '%q' "$tests") --seed $seed"
	case $kernel in
	debian | debian=*) reproduce="$reproduce --kernel debian=$(cut -d' ' -f2 <<<"$kernel_package")" ;;
	debug | debug-unpatched) reproduce="$reproduce --kernel $kernel --fragments $(printf '%q' "$fragments")" ;;
	build) reproduce="$reproduce --ksrc $(printf '%q' "$ksrc") --fragments $(printf '%q' "$fragments")" ;;
	'') ;;
	*) reproduce="$reproduce --kernel $(printf '%q' "$kernel")${modules:+ --modules $(printf '%q' "$modules")}" ;;
	esac
	[ -n "$bootargs" ] && reproduce="$reproduce --bootargs $(printf '%q' "$bootargs")"
	[ "${MR_KNOWN:-1}" = 0 ] && reproduce="$reproduce --strict"
	[ "$accel" != auto ] && reproduce="$reproduce --accel $accel"
	[ -n "$panic_on" ] && reproduce="$reproduce --panic-on $panic_on"
	[ -n "$splat" ] && reproduce="$reproduce --splat $(printf '%q' "$splat")"
	[ "$bisect" = 1 ] && reproduce="$reproduce --bisect"
	echo "$reproduce"
}

# write_run_env: run.sh's own facts of the run (scripts/verdict.sh adds
# the verdict)
write_run_env() {
	local reproduce
	reproduce=$(reproduce_cmd)
	{
		echo "mode=$([ -n "$kernel" ] && echo vm || echo local)"
		echo "kernel_release=$kernel_release"
		echo "kernel_package=$kernel_package"
		echo "kernel_image=$kernel_image"
		echo "kernel_patches=${kernel_patches:-}"
		echo "build_id=$MR_BUILD_ID"
		[ -f "$(dirname "$kernel_image")/identity" ] &&
			sed 's/^/kernel_identity_/' "$(dirname "$kernel_image")/identity"
		echo "config_sha256=$([ -f "$resdir/config" ] && sha256sum <"$resdir/config" | cut -c1-64)"
		# a --ksrc tree under git: the commit it was built at (nightly
		# history, bisect steps)
		if [ -n "$ksrc" ] && [ "$(git -C "$ksrc" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$ksrc" && pwd -P)" ]; then
			echo "ksrc=$(cd "$ksrc" && pwd -P)"
			echo "ksrc_commit=$(git -C "$ksrc" rev-parse HEAD 2>/dev/null)"
			echo "ksrc_describe=$(git -C "$ksrc" describe --always --tags --dirty 2>/dev/null)"
			echo "ksrc_subject=$(git -C "$ksrc" log -1 --format=%s 2>/dev/null | tr -d '\r')"
		fi
		echo "profile=$profile"
		echo "seed=$seed"
		echo "bootargs=$bootargs"
		echo "command=$orig_cmd"
		echo "reproduce=$reproduce"
		# what a recheck (run.sh --recheck) judges with again
		echo "splat=$splat"
		echo "strict=$([ "${MR_KNOWN:-1}" = 0 ] && echo 1 || echo 0)"
		# the bounds derived for this run (scripts/knobs.sh)
		bounds_env
	} >"$resdir/run.env"
	echo "$reproduce" >"$resdir/command"
}

# finish_results RC REASON: a verdict run.sh reached itself (bad command
# line, a dependency, interrupted), recorded with what the folder holds
finish_results() {
	local why
	write_run_env
	# (verdict.sh exits with the verdict and prints its reason once done)
	why=$("$MR_TOP/scripts/verdict.sh" "$resdir" --rc "$1" --reason "$2") || true
	[ -n "$why" ] || log "the results could not be written"
}

# judge: the verdict of the run that ended in $resdir with the runner's
# code $rc (scripts/verdict.sh decides and writes the reports); sets rc
# and reason
judge() {
	local r=0
	write_run_env
	reason=$("$MR_TOP/scripts/verdict.sh" "$resdir" --runner-rc "$rc" ${splat:+--splat "$splat"}) || r=$?
	rc=$r
	[ -n "$reason" ] || { rc=3 reason="infrastructure: scripts/verdict.sh failed (exit $r)"; }
}

# the guest kernel's extra parameters: --panic-on's, then --bootargs
kargs="${cmdline# }${bootargs:+ $bootargs}"
kargs=${kargs# }

# write_guest_env DIR: the knobs as set here (profile plus environment)
# that reach the guest
write_guest_env() {
	env | sed -n 's/^\(MR_[A-Z0-9_]*\)=.*/\1/p' | sort |
		grep -vxE 'MR_(TOP|CACHE|SCRATCH|BINDIR|WORKLOADS)' |
		while read -r k; do printf '%s=%q\n' "$k" "${!k}"; done >"$1/guest.env"
}

if [ "$dry_run" = 1 ]; then
	write_guest_env "$resdir"
	write_run_env
	log "dry run: $resdir/command, $resdir/run.env, $resdir/guest.env"
	exit 0
fi

# run_once DIR: one run of the tests into DIR; sets rc
run_once() {
	local args=(--results "$1" --profile "$profile" --tests "$tests" --seed "$seed")
	rc=0
	# In the background, so that a signal reaches us at once and is passed
	# on: vm.sh then kills QEMU, run-tests.sh the test processes.
	# Both die with run.sh, however it dies (the parent-death signal:
	# SIGKILL included); vm.sh then stops QEMU (it records this run.sh as
	# QEMU's owner, so a later run reaps a QEMU that escaped).
	if [ -n "$kernel" ]; then
		write_guest_env "$1"
		MEMCG_REPARENT_OWNER=$$ setpriv --pdeathsig TERM \
			"$MR_TOP/scripts/vm.sh" --kernel "$kernel_image" ${modules:+--modules "$modules"} \
			--results "$1" --mem "$MR_VM_MEM" --timeout "$bounds_vm" \
			--accel "$accel" ${kargs:+--cmdline "$kargs"} \
			-- "$MR_TOP/scripts/run-tests.sh" "${args[@]}" &
	else
		setpriv --pdeathsig TERM "$MR_TOP/scripts/run-tests.sh" "${args[@]}" &
	fi
	child=$!
	wait "$child" || rc=$?
	child=""
}

# ktest.pl's BISECT_TRIES: each try is judged in full (console badness and
# --splat too) in its own folder; the first that fails is the verdict.
try=1
while :; do
	log "results: $resdir$([ "$tries" -gt 1 ] && echo " (try $try of $tries)")"
	run_once "$resdir"
	# a folder that filled up (or went read-only) under the run holds no
	# trustworthy results: infrastructure, whatever the tests said
	if [ "$rc" != 130 ] && ! err=$(results_writable "$resdir"); then
		results_fail "$resdir" "is no longer writable after the run: $err"
	fi
	judge
	if [ "$rc" != 0 ] || [ "$try" -ge "$tries" ]; then
		break
	fi
	try=$((try + 1))
	draw_seed
	resdir="${resdir%-try*}-try$try"
	mkdir -p "$resdir"
	[ -f "${resdir%-try*}/config" ] && cp "${resdir%-try*}/config" "$resdir/config"
done

# Every try's folder holds its verdict (judge): nothing left to write.
resdir=""
exit_with "$rc" "$reason"
