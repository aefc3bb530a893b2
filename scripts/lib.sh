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
