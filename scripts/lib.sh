# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Shared shell helpers, sourced by run.sh and scripts/*.sh.

# Cache outside the repo: downloads and built kernels survive a fresh clone.
MR_CACHE=${MR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memcg-reparent}
export MR_TOP
MR_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# die RC MESSAGE: print and exit with RC (the exit-code table in README.md)
die() {
	local rc=$1
	shift
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit "$rc"
}
