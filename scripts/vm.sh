#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.sh --kernel IMAGE [--modules DIR] --results DIR [--mem SIZE]
#       [--timeout SECONDS] [--accel auto|kvm|tcg|tcg-single] [--cmdline "ARGS"]
#       -- COMMAND [ARGS...]
#
# Boots IMAGE in QEMU with the host root read-only over 9p, RESULTS shared
# read-write at the same path, a scratch ext4 disk and two NUMA nodes (one
# vCPU and half the memory each, one socket per node: a shared socket makes
# 7.2 WARN in topology_sane at boot).  Inside, scripts/guest-init.sh runs
# COMMAND (an absolute path on the host root, e.g. scripts/run-tests.sh)
# with the MR_* settings of RESULTS/guest.env if the caller left one.
# --cmdline adds kernel parameters (e.g. panic_on_warn=1).  Writes
# RESULTS/{console.log,qemu-cmd,vm-status} and exits with the guest's code, or:
#   1  the kernel died during the tests (panic), oopsed (the run ends
#      MR_VM_OOPS_GRACE seconds, default 15, after the console's last line,
#      at most 3 times that after the oops) or hung (outer timeout)
#   3  QEMU could not start, the kernel did not boot, or it cannot be tested
#      (no cgroup v2 memory controller)
# QEMU dies with vm.sh (parent-death signal), and QEMUs of runs that are
# gone are reaped first (lib.sh, mr_reap_stale).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

kernel="" modules="" results="" mem=2G timeout=420 accel=auto cmdline=""
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--) shift; break ;;
	*) die 2 "unknown argument '$1'" ;;
	esac
done
[ -r "$kernel" ] || die 2 "kernel image '$kernel' is not readable"
[ -d "$results" ] || die 2 "results folder '$results' does not exist"
results=$(cd "$results" && pwd)

case $mem in
*G) mem_mb=$((${mem%G} * 1024)) ;;
*M) mem_mb=${mem%M} ;;
*) die 2 "--mem wants e.g. 2G or 1536M, not '$mem'" ;;
esac
node_mb=$((mem_mb / 2))

status() {
	printf 'status=%s\nreason=%s\nbootargs=%s\n' "$1" "$2" "$cmdline" >"$results/vm-status"
}

mr_reap_stale

# The initramfs depends on the modules and on our init: cache it by both.
key=$( { echo "$modules"; cat "$here/guest-initramfs-init" "$here/mkinitramfs.sh"; } |
	sha256sum | cut -c1-16)
initrd="$MR_CACHE/initrd/$key.cpio.gz"
if [ ! -f "$initrd" ]; then
	mkdir -p "$MR_CACHE/initrd"
	log "building initramfs ($key)"
	# (written to a temporary name and renamed: a concurrent run sees the
	# whole file or none)
	"$here/mkinitramfs.sh" "$initrd" ${modules:+"$modules"} || { status infra "initramfs build failed"; exit 3; }
fi

rundir=$(mktemp -d "${TMPDIR:-/tmp}/memcg-reparent-vm.XXXXXX")
qpid=""
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
	[ -n "$qpid" ] && kill -KILL "$qpid" 2>/dev/null
	rm -rf "$rundir"
	[ -z "${registered:-}" ] || rm -f "$registered"
}
trap cleanup EXIT
trap 'log "interrupted: stopping QEMU"; exit 130' INT TERM

# Scratch disk: sparse, ext4 made on the host (no root needed for a file).
truncate -s 4G "$rundir/scratch.img"
mkfs.ext4 -q -F -L mr-scratch "$rundir/scratch.img"

printf '%s\n' "$@" >"$results/guest.args"
rm -f "$results/guest.rc"

# qemu_args ACCEL CONSOLE CMDLINE-EXTRA: the QEMU command line in array q
# shellcheck disable=SC2054 # commas belong to QEMU option values
qemu_args() {
	q=(qemu-system-x86_64 -accel "$1" -cpu max -m "${mem_mb}M"
		-smp 2,sockets=2,cores=1,threads=1
		-object "memory-backend-ram,id=m0,size=${node_mb}M"
		-object "memory-backend-ram,id=m1,size=${node_mb}M"
		-numa node,nodeid=0,cpus=0,memdev=m0
		-numa node,nodeid=1,cpus=1,memdev=m1
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 loglevel=7 $3"
		-virtfs "local,path=/,mount_tag=hostroot,readonly=on,security_model=none,multidevs=remap"
		-virtfs "local,path=$results,mount_tag=results,security_model=none"
		-drive "file=$rundir/scratch.img,if=virtio,format=raw,cache=unsafe"
		-display none -monitor none -nodefaults -no-reboot
		-serial "file:$2")
}

# KVM when it works: /dev/kvm may exist and still not run a stock kernel
# (PVM-only hosts hang silently after the BIOS), so boot the initramfs
# once with a short deadline.  The answer is kept until the host reboots.
pick_accel() {
	local boot_id cache
	[ "$accel" != auto ] && { echo "$accel"; return; }
	[ -w /dev/kvm ] || { echo tcg-auto; return; }
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	cache="$MR_CACHE/accel/$boot_id"
	if [ ! -f "$cache" ]; then
		mkdir -p "$MR_CACHE/accel"
		qemu_args kvm "$rundir/probe.log" "mr.probe=1"
		timeout -s KILL 20 "${q[@]}" >/dev/null 2>&1 || true
		# renamed into place: a concurrent run reads a whole answer
		if grep -q 'memcg_reparent-initramfs: probe ok' "$rundir/probe.log" 2>/dev/null; then
			echo kvm >"$cache.$$"
		else
			echo tcg-auto >"$cache.$$"
		fi
		mv -f "$cache.$$" "$cache"
	fi
	# (a cache written before tcg-auto existed says "tcg")
	sed 's/^tcg$/tcg-auto/' "$cache"
}
accel=$(pick_accel)
# Without KVM: one host thread for all vCPUs unless MR_VM_TCG=multi asks
# for one per vCPU: Debian's 7.2 oopses on an int3 left by static-key
# patching when MGLRU is switched with thread=multi, never seen with
# thread=single (README, "The VM").  --accel tcg is multi-threaded.
case $accel in
tcg-auto) accel=tcg,thread=${MR_VM_TCG:-single} ;;
tcg) accel=tcg,thread=multi ;;
tcg-single) accel=tcg,thread=single ;;
esac

qemu_args "$accel" "$results/console.log" \
	"mr.init=$here/guest-init.sh mr.results=$results${cmdline:+ $cmdline}"
printf '%q ' "${q[@]}" >"$results/qemu-cmd"
echo >>"$results/qemu-cmd"
log "booting $(basename "$kernel") (${accel/,thread=/ }, ${mem_mb} MiB, 2 nodes, timeout ${timeout}s)"

start=$(date +%s)
# The parent-death signal kills QEMU when vm.sh goes, however it goes
# (SIGKILL included); setpriv execs QEMU, so $! is QEMU's pid.
setpriv --pdeathsig KILL "${q[@]}" >"$rundir/qemu.out" 2>&1 &
qpid=$!
owner=${MEMCG_REPARENT_OWNER:-$PPID}
mkdir -p "$MR_CACHE/running"
registered="$MR_CACHE/running/qemu.$qpid"
echo "$qpid $(proc_start "$qpid") $owner $(proc_start "$owner") $$ $(proc_start $$) $rundir" \
	>"$registered"
# The outer bound: a hung guest is killed and classified below.
deadline=$((start + timeout))
# The guest runner's progress lines reach the terminal as they come, and
# the first oops ends the useful run: the kernel's state is unknown from
# there on.  The guest gets a grace to write its results (it stops on its
# own when it sees the oops), bounded by console silence and a hard cap.
shown=0 oops="" oops_at=0 last_out=$start
grace=${MR_VM_OOPS_GRACE:-15}
# a kernel line (after the printk time, or at the start without one)
oops_re='(^|\] )(Oops:|kernel BUG at|BUG: unable to handle|BUG: kernel NULL pointer|general protection fault)'
progress() {
	local n
	# QEMU creates the console file a moment after it starts.
	[ -r "$results/console.log" ] || return 0
	n=$(wc -l <"$results/console.log") || return 0
	[ "$n" -gt "$shown" ] || return 0
	last_out=$(date +%s)
	sed -n "$((shown + 1)),${n}p" "$results/console.log" | tr -d '\r' >"$rundir/new"
	grep -a '^run-tests\.sh: ' "$rundir/new" >&2 || true
	if [ -z "$oops" ] && oops=$(grep -a -m1 -E "$oops_re" "$rundir/new"); then
		oops_at=$last_out
		case $oops in "["*) oops=${oops#*] } ;; esac
		log "kernel oops: $oops; stopping the VM after ${grace}s without console output"
	fi
	shown=$n
}
while kill -0 "$qpid" 2>/dev/null; do
	now=$(date +%s)
	if [ "$now" -ge "$deadline" ]; then
		log "guest still running after ${timeout}s: killing QEMU"
		kill -KILL "$qpid" 2>/dev/null
		timed_out=1
		break
	fi
	if [ -n "$oops" ] && { [ $((now - last_out)) -ge "$grace" ] ||
		[ $((now - oops_at)) -ge $((3 * grace)) ]; }; then
		log "$((now - oops_at))s after the oops: killing QEMU"
		kill -KILL "$qpid" 2>/dev/null
		break
	fi
	progress
	sleep 1
done
progress
qrc=0
wait "$qpid" || qrc=$?
qpid=""
elapsed=$(($(date +%s) - start))
echo "$qrc" >"$results/qemu-retval"
cat "$rundir/qemu.out" >>"$results/qemu-cmd.out" 2>/dev/null

console="$results/console.log"
booted=0
grep -q 'memcg_reparent-guest: running' "$console" 2>/dev/null && booted=1
# guest-init.sh found nothing the suite can test (no memory controller).
# Untestable is a kernel built without CONFIG_MEMCG, or one whose command
# line switched the controller off.  A kernel built with it that has none
# at run time is broken, not untestable: the same VM gave the good kernel of
# a bisect its controller, so it is bad (1), not skipped (125).
if [ -f "$results/guest.untestable" ]; then
	why=$(head -n 1 "$results/guest.untestable")
	if [ "$why" = "no cgroup v2 memory controller on this kernel" ] &&
		grep -qx 'CONFIG_MEMCG=y' "$results/config" 2>/dev/null; then
		status kernel "built with CONFIG_MEMCG=y (results/config), yet no cgroup v2 memory controller at run time"
		exit 1
	fi
	status untestable "$why"
	exit 3
fi
# The scratch disk did not mount: a kernel that has what it needs and
# fails it is bad; one without the support keeps the run's verdict, whose
# page cache cases skipped (an infrastructure error, 3/125).
if [ -f "$results/guest.scratch-failed" ]; then
	fault=$(scratch_fault "$results/guest.scratch-failed" "$results/config" "$cmdline")
	case $fault in
	kernel:*)
		status kernel "scratch ext4 disk: ${fault#kernel: }"
		exit 1
		;;
	*)
		# an infrastructure verdict names the disk's own reason first
		why="scratch ext4 disk: ${fault#untestable: }"
		[ ! -s "$results/infra-reason" ] || why="$why; $(head -n 1 "$results/infra-reason")"
		echo "$why" >"$results/infra-reason"
		;;
	esac
fi
if grep -q 'Kernel panic - not syncing' "$console" 2>/dev/null; then
	status panic "$(grep -m1 'Kernel panic - not syncing' "$console" | tr -d '\r')"
	[ "$booted" = 1 ] && exit 1
	exit 3
fi
if [ -n "$oops" ]; then
	if [ -f "$results/guest.rc" ]; then
		status oops "$oops (guest exited $(cat "$results/guest.rc") $((elapsed - oops_at + start))s after it)"
	else
		status oops "$oops (VM stopped $((elapsed - oops_at + start))s after it)"
	fi
	[ "$booted" = 1 ] && exit 1
	exit 3
fi
if [ -f "$results/guest.rc" ]; then
	rc=$(cat "$results/guest.rc")
	status ok "guest exited $rc after ${elapsed}s"
	exit "$rc"
fi
if [ "${timed_out:-0}" = 1 ]; then
	if [ "$booted" = 1 ]; then
		status hang "no result after ${timeout}s (tests running)"
		exit 1
	fi
	status boot_failure "kernel did not reach the test runner in ${timeout}s"
	exit 3
fi
if [ "$booted" = 1 ]; then
	status died "guest stopped without a result (QEMU exit $qrc)"
	exit 1
fi
if [ ! -s "$console" ]; then
	status qemu_failure "QEMU exited $qrc: $(head -c 300 "$rundir/qemu.out")"
else
	status boot_failure "guest stopped before the test runner (QEMU exit $qrc)"
fi
exit 3
