# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# profile_load NAME: export the MR_* settings of configs/profiles/NAME.conf.
# Profiles are data: only `MR_KEY=value` lines are taken, nothing is executed.
# Values already in the environment win, so a caller can override one knob.
# Every key must be a knob of configs/knobs.tsv and every value in effect
# fit its range (else it says which and returns 2).  The bounds derived
# from them (profile_bounds) and the table's other uses: scripts/knobs.sh.

# shellcheck source=scripts/knobs.sh
. "$MR_TOP/scripts/knobs.sh"

profile_load() {
	local file="$MR_TOP/configs/profiles/$1.conf" key val why
	if [ ! -f "$file" ]; then
		printf '%s: error: unknown profile "%s" (have: %s)\n' "${0##*/}" "$1" \
			"$(cd "$MR_TOP/configs/profiles" && find . -name '*.conf' | sed 's|^./||; s|\.conf$||' | sort | xargs)" >&2
		return 2
	fi
	while IFS='=' read -r key val; do
		case $key in
		MR_[A-Z0-9_]*) ;;
		*) continue ;;
		esac
		[ -n "${!key+set}" ] || export "$key=$val"
	done <"$file"
	profile_name=$1
	why=$(knobs_validate "$file") || {
		printf '%s: error: profile %s: %s\n' "${0##*/}" "$1" "$why" >&2
		return 2
	}
}

# profile_program_timeout PROG: the bound of test program PROG: run.sh's
# derivation (MR_PROGRAM_TIMEOUTS, "prog:seconds ..."), else MR_TEST_TIMEOUT,
# else derived here for the loaded profile
profile_program_timeout() {
	local pt
	for pt in ${MR_PROGRAM_TIMEOUTS:-}; do
		[ "${pt%%:*}" != "$1" ] || { echo "${pt#*:}"; return 0; }
	done
	if [ -n "${MR_TEST_TIMEOUT:-}" ]; then echo "$MR_TEST_TIMEOUT"; return 0; fi
	profile_bounds local "$1" || echo "$bounds_msg" >&2
	echo "${bounds_timeout[$1]:-$(bound_const slack_min)}"
}
