# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared shell helpers, sourced by run.sh and scripts/*.sh.

# Cache outside the repo: downloads and built kernels survive a fresh clone.
MR_CACHE=${MR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memcg-reparent}
export MR_TOP
MR_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# ktap_result ok|"not ok" N NAME [DIRECTIVE]: one KTAP/TAP result line,
# "ok 3 NAME # SKIP why"; the directive (SKIP, TIMEOUT, exit=RC, crashed
# in ..., known: IDS, a time) follows " # " when given.  The shell side's
# one writer of result lines (run-tests.sh, summarize.sh, run-checks.sh).
ktap_result() {
	case $1 in ok | "not ok") ;; *) return 2 ;; esac
	printf '%s %s %s%s\n' "$1" "$2" "$3" "${4:+ # $4}"
}

# die RC MESSAGE: print and exit with RC (the exit-code table in README.md)
die() {
	local rc=$1
	shift
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit "$rc"
}

# proc_start PID: the process's start time (clock ticks after boot), empty
# when it is gone; a pid with the same start time is the same process.
proc_start() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	# the fields after "(comm)": state is the 1st, starttime the 20th
	s=${s##*) }
	# shellcheck disable=SC2086 # split into fields
	set -- $s
	echo "${20:-}"
}

# proc_alive PID START: PID runs and is the process that started at START
proc_alive() { [ -n "$1" ] && [ -n "$2" ] && [ "$(proc_start "$1")" = "$2" ]; }

# Running VMs are registered in $MR_CACHE/running/qemu.<pid>, one line:
# "QEMU-PID START OWNER-PID START VMSH-PID START RUNDIR" (OWNER is run.sh,
# or whoever started vm.sh).  QEMU dies with vm.sh (parent-death signal)
# and vm.sh with run.sh; mr_reap_stale catches what escaped that (an older
# checkout, a setpriv that never ran): a QEMU whose owner or vm.sh is gone
# is killed and its scratch folder removed.
mr_reap_stale() {
	local f qpid qstart opid ostart vpid vstart dir
	for f in "$MR_CACHE"/running/qemu.*; do
		[ -f "$f" ] || continue
		read -r qpid qstart opid ostart vpid vstart dir <"$f" || continue
		if proc_alive "$opid" "$ostart" && proc_alive "$vpid" "$vstart"; then
			continue
		fi
		if proc_alive "$qpid" "$qstart"; then
			log "reaping QEMU $qpid of a run that is gone (owner $opid, vm.sh $vpid)"
			kill -KILL "$qpid" 2>/dev/null || true
		fi
		case $dir in "${TMPDIR:-/tmp}"/memcg-reparent-vm.*) rm -rf "$dir" ;; esac
		rm -f "$f"
	done
}

# config_value CONFIG NAME: CONFIG_NAME's value in the .config file CONFIG
# ("" when the file or the option is missing)
config_value() { sed -n "s/^CONFIG_$2=//p" "$1" 2>/dev/null | head -n 1; }

# scratch_fault FACTS CONFIG CMDLINE: whose fault a scratch ext4 disk that
# did not mount in the suite's VM is.  FACTS is the guest's
# guest.scratch-failed (mount=, vda=, ext4=, dmesg= lines), CONFIG the
# kernel's .config (may be missing), CMDLINE the guest's command line.
# Prints "kernel: WHY" when the kernel has what the disk needs and still
# fails it (bad, like a kernel built with CONFIG_MEMCG=y without a memory
# controller: the same VM gave the good kernel its disk), else
# "untestable: WHY" (the support was not built or not loaded, the command
# line switched it off, or the host's mkfs.ext4 made features this kernel
# predates).
scratch_fault() {
	local facts=$1 config=$2 cmdline=$3 mnt vda ext4 feat
	mnt=$(sed -n 's/^mount=//p' "$facts" | head -n 1)
	vda=$(sed -n 's/^vda=//p' "$facts" | head -n 1)
	ext4=$(sed -n 's/^ext4=//p' "$facts" | head -n 1)
	if grep -qE '(^| )(initcall_blacklist|module_blacklist|modprobe\.blacklist)=([^ ]*,)?(ext4|ext4_init_fs|virtio_blk|virtio_blk_init)(,| |$)' <<<"$cmdline"; then
		echo "untestable: the command line switches the scratch disk's driver or ext4 off"
		return
	fi
	feat=$(sed -n 's/^dmesg=//p' "$facts" | grep -m1 -iE 'unsupported|unknown.*feature|not supported' || true)
	if [ -n "$feat" ]; then
		echo "untestable: the host's mkfs.ext4 made a scratch disk this kernel cannot mount: $feat"
		return
	fi
	if [ "$vda" = present ] && [ "$ext4" = registered ]; then
		echo "kernel: ext4 registered and /dev/vda present, yet the scratch disk did not mount: $mnt"
	elif [ "$ext4" != registered ] && [ "$(config_value "$config" EXT4_FS)" = y ]; then
		echo "kernel: built with CONFIG_EXT4_FS=y (results/config), yet no ext4 at run time"
	elif [ "$vda" != present ] && [ "$(config_value "$config" VIRTIO_BLK)" = y ]; then
		echo "kernel: built with CONFIG_VIRTIO_BLK=y (results/config), yet no /dev/vda at run time"
	elif [ "$ext4" != registered ]; then
		echo "untestable: no ext4 in this kernel (CONFIG_EXT4_FS=$(config_value "$config" EXT4_FS); a module needs --modules)"
	else
		echo "untestable: no /dev/vda (CONFIG_VIRTIO_BLK=$(config_value "$config" VIRTIO_BLK); a module needs --modules)"
	fi
}
