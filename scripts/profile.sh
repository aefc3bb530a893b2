# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# profile_load NAME: export the MR_* settings of configs/profiles/NAME.conf.
# Profiles are data: only `MR_KEY=value` lines are taken, nothing is executed.
# Values already in the environment win, so a caller can override one knob.

profile_load() {
	local file="$MR_TOP/configs/profiles/$1.conf" key val
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
}
