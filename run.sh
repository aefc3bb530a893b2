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
                                       Debian sid's newest linux-source
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
  --seed N         seed for randomized schedules (default: time; recorded)
  --results DIR    results folder (default results/<time>-<release>)
  --accel A        auto (default: KVM if a boot probe works, else TCG), kvm, tcg
  --bisect         exit codes for \`git bisect run\`: 0 good, 1 bad, 125 skip,
                   128 abort; nothing else
  --list           print the tests and variants of the profile and exit
  -h, --help       this text

Exit codes (normal / --bisect): 0/0 all passed; 1/1 a test failed or the
kernel misbehaved; 2/128 bad command line; 3/125 infrastructure failure
(dependency, QEMU, boot); 4/125 every test skipped.
USAGE
}

bisect=0
# exit_with RC REASON: the single way out once arguments are parsed
exit_with() {
	local rc=$1
	shift
	[ -n "${resdir:-}" ] && [ -d "${resdir:-}" ] && finish_results "$rc" "$*"
	if [ "$bisect" = 1 ]; then
		case $rc in
		0 | 1) ;;
		2 | 130) rc=128 ;;
		*) rc=125 ;;
		esac
	fi
	if [ -n "${resdir:-}" ] && [ -f "$resdir/summary.json" ]; then
		jq -r '"\(.counts.pass) passed, \(.counts.fail) failed, \(.counts.skip) skipped, \(.counts.kernel_badness) kernel badness",
			(.tests[] | select(.status == "fail") | "FAIL \(.name): \(.assertion // "see its log")"),
			(.kernel_badness[] | select(.test != "-") | "KERNEL \(.class) in \(.test): \(.line)")' \
			"$resdir/summary.json" >&2 || true
		log "results in $resdir"
	fi
	[ "$rc" = 0 ] || log "exit $rc: $*"
	exit "$rc"
}

kernel="" modules="" profile=quick tests="" seed="" resdir="" accel=auto list=0
ksrc="" fragments="base lean debug" tries=1
orig_cmd=$(printf '%q ' "$0" "$@")
for a in "$@"; do [ "$a" = --bisect ] && bisect=1; done
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
	--bisect) shift ;;
	--list) list=1; shift ;;
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
case $accel in auto | kvm | tcg) ;; *) exit_with 2 "--accel wants auto, kvm or tcg" ;; esac
case $tries in '' | *[!0-9]* | 0) exit_with 2 "--tries wants a positive number" ;; esac
if [ -n "$ksrc" ]; then
	[ -z "$kernel" ] || exit_with 2 "--ksrc and --kernel exclude each other"
	{ [ -f "$ksrc/Makefile" ] && [ -d "$ksrc/mm" ]; } || exit_with 2 "'$ksrc' is not a kernel tree"
	kernel=build
fi
for f in $fragments; do
	[ -f "$MR_TOP/configs/kernel/$f.config" ] || exit_with 2 "no fragment configs/kernel/$f.config"
done
case $kernel in
'' | debian | debian=* | bookworm | debug | build) ;;
*) [ -r "$kernel" ] || exit_with 2 "kernel image '$kernel' is not readable" ;;
esac
[ -z "$modules" ] || [ -d "$modules" ] || exit_with 2 "modules folder '$modules' does not exist"
[ -z "$modules" ] || [ -n "$kernel" ] || exit_with 2 "--modules needs --kernel"
seed=${seed:-$(date +%s)}

# Dependencies and the test binaries: failures here are infrastructure (3).
"$MR_TOP/scripts/install-deps.sh" || exit_with 3 "missing dependencies"
make -s -C "$MR_TOP/selftests" >"${TMPDIR:-/tmp}/memcg-reparent-build.$$" 2>&1 || {
	cat "${TMPDIR:-/tmp}/memcg-reparent-build.$$" >&2
	rm -f "${TMPDIR:-/tmp}/memcg-reparent-build.$$"
	exit_with 3 "building the test programs failed"
}
rm -f "${TMPDIR:-/tmp}/memcg-reparent-build.$$"

if [ "$list" = 1 ]; then
	for t in $tests; do
		echo "$t"
		"$MR_TOP/selftests/$t" -l 2>&1 | awk 'NR > 1 && !/^---/ { printf "  %s\n", $0 }'
	done
	exit 0
fi

# Resolve the kernel.
kernel_image="" kernel_release="" kernel_package="" kernel_config=""
case $kernel in
'') kernel_release=$(uname -r) ;;
debian | debian=* | bookworm)
	suite=sid
	[ "$kernel" = bookworm ] && suite=bookworm
	spec=$suite
	case $kernel in debian=*) spec="sid=${kernel#debian=}" ;; esac
	kdir=$("$MR_TOP/scripts/fetch-debian-kernel.sh" "$spec" image) ||
		exit_with 3 "could not fetch the $suite kernel"
	kernel_image="$kdir/vmlinuz"
	modules="$kdir/modules"
	kernel_release=$(cat "$kdir/release")
	kernel_package=$(cat "$kdir/package")
	kernel_config="$kdir/config"
	;;
debug | build)
	kernel_image=$("$MR_TOP/scripts/build-kernel.sh" ${ksrc:+--ksrc "$ksrc"} \
		--fragments "$fragments") || exit_with 3 "kernel build failed"
	kernel_config="$(dirname "$kernel_image")/../../../.config"
	kernel_release=$(cat "$(dirname "$kernel_image")/../../../include/config/kernel.release")
	kernel_package="built from ${ksrc:-Debian linux-source} with $fragments"
	;;
*)
	kernel_image=$kernel
	# "Linux kernel x86 boot executable bzImage, version 7.2.0 (...)"
	kernel_release=$(file -bL "$kernel" | sed -n 's/.*version \([^ ,]*\).*/\1/p')
	[ -n "$kernel_release" ] || kernel_release=unknown
	for c in "$(dirname "$kernel")/.config" "$(dirname "$kernel")/../../../.config" \
		"$(dirname "$kernel")/config-$kernel_release"; do
		[ -f "$c" ] && { kernel_config=$c; break; }
	done
	;;
esac

# The results folder holds everything needed to understand and rerun.
if [ -z "$resdir" ]; then
	resdir="$MR_TOP/results/$(date -u +%Y%m%dT%H%M%SZ)-$kernel_release"
fi
mkdir -p "$resdir" || exit_with 2 "cannot create results folder '$resdir'"
resdir=$(cd "$resdir" && pwd)
[ -n "$kernel_config" ] && [ -f "$kernel_config" ] && cp "$kernel_config" "$resdir/config"

finish_results() {
	local reproduce
	reproduce="$(printf '%q ' "$MR_TOP/run.sh")--profile $profile --tests '$tests' --seed $seed"
	case $kernel in
	debian | debian=*) reproduce="$reproduce --kernel debian=$(cut -d' ' -f2 <<<"$kernel_package")" ;;
	debug) reproduce="$reproduce --kernel debug --fragments '$fragments'" ;;
	build) reproduce="$reproduce --ksrc $(printf '%q' "$ksrc") --fragments '$fragments'" ;;
	'') ;;
	*) reproduce="$reproduce --kernel $kernel${modules:+ --modules $modules}" ;;
	esac
	[ "$bisect" = 1 ] && reproduce="$reproduce --bisect"
	{
		echo "mode=$([ -n "$kernel" ] && echo vm || echo local)"
		echo "kernel_release=$kernel_release"
		echo "kernel_package=$kernel_package"
		echo "kernel_image=$kernel_image"
		echo "config_sha256=$([ -f "$resdir/config" ] && sha256sum <"$resdir/config" | cut -c1-64)"
		echo "profile=$profile"
		echo "seed=$seed"
		echo "command=$orig_cmd"
		echo "reproduce=$reproduce"
		echo "exit_code=$1"
		echo "exit_reason=$2"
	} >"$resdir/run.env"
	echo "$reproduce" >"$resdir/command"
	if [ -x "$MR_TOP/selftests/mr_logscan" ] && [ -f "$resdir/console.log" ]; then
		"$MR_TOP/selftests/mr_logscan" "$resdir/console.log" >"$resdir/console-badness.txt" || true
	fi
	"$MR_TOP/scripts/summarize.sh" "$resdir" || log "summary.json could not be written"
	"$MR_TOP/scripts/plot.sh" "$resdir" || log "plots could not be drawn"
}

# run_once DIR: one run of the tests into DIR; sets rc
run_once() {
	local args=(--results "$1" --profile "$profile" --tests "$tests" --seed "$seed")
	rc=0
	# In the background, so that a signal reaches us at once and is passed
	# on: vm.sh then kills QEMU, run-tests.sh the test processes.
	if [ -n "$kernel" ]; then
		"$MR_TOP/scripts/vm.sh" --kernel "$kernel_image" ${modules:+--modules "$modules"} \
			--results "$1" --mem "$MR_VM_MEM" --timeout "$MR_VM_TIMEOUT" \
			--accel "$accel" -- "$MR_TOP/scripts/run-tests.sh" "${args[@]}" &
	else
		"$MR_TOP/scripts/run-tests.sh" "${args[@]}" &
	fi
	child=$!
	wait "$child" || rc=$?
	child=""
}
child=""
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
	trap '' INT TERM
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	exit_with 130 "interrupted"
}
trap on_signal INT TERM

# ktest.pl's BISECT_TRIES: earlier tries that passed keep their own folders;
# the last folder is the one with the verdict.
try=1
while :; do
	log "results: $resdir$([ "$tries" -gt 1 ] && echo " (try $try of $tries)")"
	run_once "$resdir"
	if [ "$rc" != 0 ] || [ "$try" -ge "$tries" ]; then
		break
	fi
	finish_results 0 "try $try of $tries passed"
	try=$((try + 1))
	resdir="${resdir%-try*}-try$try"
	mkdir -p "$resdir"
	[ -f "${resdir%-try*}/config" ] && cp "${resdir%-try*}/config" "$resdir/config"
done

case $rc in
0) reason="all tests passed" ;;
1) reason="test failure or kernel badness" ;;
	# the VM layer's own verdicts are in vm-status
3) reason="infrastructure: $(sed -n 's/^reason=//p' "$resdir/vm-status" 2>/dev/null)" ;;
4) reason="nothing could be tested: every test skipped" ;;
130) reason="interrupted" ;;
*) reason="runner exited $rc" ;;
esac
if [ "$rc" = 1 ] && [ -f "$resdir/vm-status" ] && ! grep -q '^status=ok' "$resdir/vm-status"; then
	reason="kernel: $(sed -n 's/^reason=//p' "$resdir/vm-status")"
fi
exit_with "$rc" "$reason"
