#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# knobs.sh — the one loader of configs/knobs.tsv (what each MR_* knob is)
# and configs/bounds.tsv (what each test case needs), sourced by
# scripts/profile.sh, and a command for what is generated from them:
#
#   knobs.sh list [PROFILE]     knob, value (PROFILE's, else the default),
#                               meaning; with a profile also the derived
#                               bounds of its tests
#   knobs.sh bounds PROFILE [TESTS]   the derived bounds (exit 2: refused)
#   knobs.sh cases PROG         the cases of selftests/PROG.c (KTAP names)
#   knobs.sh header             selftests/lib/mr_knob_table.h
#   knobs.sh settings           selftests/settings (kselftest's timeout)
#   knobs.sh readme             the README's knob table
#   knobs.sh check              exit 1 when a generated file or the README's
#                               table disagrees with the tables
#   knobs.sh update             rewrite them from the tables
#
# The knob functions use MR_TOP; a knob's value is the environment's (a
# loaded profile exports its values there), else the table's default.

# (once: run as a command, it sources profile.sh, which sources it)
if [ -n "${knobs_loaded:-}" ]; then return 0; fi
knobs_loaded=1

# knob_rows: the rows of configs/knobs.tsv (name type default range meaning)
knob_rows() {
	awk -F'\t' '!/^#/ && NF >= 5 && $1 != "name"' "$MR_TOP/configs/knobs.tsv"
}

# knob_field NAME COLUMN: one field of NAME's row (2 type, 3 default, 4
# range, 5 meaning); fails for an unknown knob
knob_field() {
	awk -F'\t' -v k="$1" -v c="$2" '!/^#/ && $1 == k { print $c; f = 1 } END { exit !f }' \
		"$MR_TOP/configs/knobs.tsv"
}

# knob_cpus: the CPUs the tests see (the suite's VM has 2)
knob_cpus() {
	if [ -n "${MR_KNOB_CPUS:-}" ]; then echo "$MR_KNOB_CPUS"; else nproc; fi
}

# knob_default NAME: the table's default as a value ("" for -, drawn, derived)
knob_default() {
	local d
	d=$(knob_field "$1" 3) || return 1
	case $d in
	- | drawn | derived) echo "" ;;
	*'*cpus') echo $((${d%\*cpus} * $(knob_cpus))) ;;
	*) echo "$d" ;;
	esac
}

# knob_value NAME: the value in effect (environment or profile, else default)
knob_value() {
	if [ -n "${!1:-}" ]; then echo "${!1}"; else knob_default "$1"; fi
}

# size_mb SIZE: 2G -> 2048, 1536M -> 1536
size_mb() {
	case $1 in
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	esac
}

# knob_check NAME VALUE: VALUE fits NAME's type and range; prints why not
knob_check() {
	local row type range lo hi
	row=$(awk -F'\t' -v k="$1" '!/^#/ && $1 == k' "$MR_TOP/configs/knobs.tsv")
	[ -n "$row" ] || { echo "$1 is no knob (configs/knobs.tsv)"; return 1; }
	IFS=$'\t' read -r _ type _ range _ <<<"$row"
	case $2 in *[[:cntrl:]]*) echo "$1: no control characters"; return 1 ;; esac
	lo=${range%..*} hi=${range#*..}
	case $type in
	int)
		# (19 digits at most: bash's arithmetic is 64 bit)
		if ! [[ $2 =~ ^[0-9]{1,19}$ ]] || [ "$2" -lt "$lo" ] || [ "$2" -gt "$hi" ]; then
			echo "$1=$2: expected an integer in $lo..$hi"
			return 1
		fi
		;;
	size)
		if ! [[ $2 =~ ^[0-9]{1,7}[MG]$ ]] || [ "$(size_mb "$2")" -lt "$(size_mb "$lo")" ] ||
			[ "$(size_mb "$2")" -gt "$(size_mb "$hi")" ]; then
			echo "$1=$2: expected a size in $lo..$hi (e.g. 2G, 1536M)"
			return 1
		fi
		;;
	enum)
		case "|$range|" in
		*"|$2|"*) ;;
		*) echo "$1=$2: expected one of ${range//|/, }"; return 1 ;;
		esac
		;;
	esac
	return 0
}

# knobs_validate FILE: every MR_* key of profile FILE is a knob, and every
# knob set now (environment, or the profile just loaded) fits its range;
# prints the errors, returns 2 on any
knobs_validate() {
	local k why bad=0
	while read -r k; do
		knob_field "$k" 1 >/dev/null ||
			{ echo "$1: $k is no knob: add it to configs/knobs.tsv"; bad=1; }
	done < <(sed -n 's/^\(MR_[A-Z0-9_]*\)=.*/\1/p' "$1")
	for k in $(knob_rows | cut -f1); do
		[ -n "${!k:-}" ] || continue
		why=$(knob_check "$k" "${!k}") || { echo "$why"; bad=1; }
	done
	[ "$bad" = 0 ] || return 2
}

# program_cases PROG: the KTAP case names of selftests/PROG.c, read from
# its source as kselftest_harness.h registers them: fixture.variant.test
# per FIXTURE_VARIANT_ADD and TEST_F, fixture.test without variants,
# global.test for TEST (tests/knobs_test.sh compares with the binary's -l)
program_cases() {
	awk '
	function args(s) {
		sub(/^[A-Z_]*\(/, "", s); sub(/\).*/, "", s); gsub(/[ \t]/, "", s)
		return s
	}
	/^FIXTURE_VARIANT_ADD\(/ { split(args($0), a, ","); nv[a[1]]++; var[a[1], nv[a[1]]] = a[2] }
	/^TEST_F(_TIMEOUT)?\(/ { split(args($0), a, ","); nt++; tf[nt] = a[1]; tn[nt] = a[2] }
	/^TEST(_SIGNAL)?\(/ { split(args($0), a, ","); nt++; tf[nt] = "global"; tn[nt] = a[1] }
	END {
		for (i = 1; i <= nt; i++) {
			if (!nv[tf[i]]) { print tf[i] "." tn[i]; continue }
			for (j = 1; j <= nv[tf[i]]; j++)
				print tf[i] "." var[tf[i], j] "." tn[i]
		}
	}' "$MR_TOP/selftests/$1.c"
}

# bound_const NAME: a @NAME row of configs/bounds.tsv
bound_const() {
	awk -F'\t' -v k="@$1" '$1 == k { print $2; f = 1 } END { exit !f }' "$MR_TOP/configs/bounds.tsv"
}

# case_formula CASE: the need of CASE as written in configs/bounds.tsv
# (the first row whose glob matches); fails when none does
case_formula() {
	local glob formula
	while IFS=$'\t' read -r glob formula; do
		case $glob in '' | '#'* | @* | case) continue ;; esac
		# shellcheck disable=SC2254 # the first column is a glob
		case $1 in $glob) echo "$formula"; return 0 ;; esac
	done <"$MR_TOP/configs/bounds.tsv"
	return 1
}

# eval_need FORMULA: its value with the knobs in effect; only integers and
# arithmetic are left to evaluate (a knob's value was checked as one)
eval_need() {
	local expr=$1 k v arith='^[0-9 ()+*/%<>=?:-]+$'
	# (longest first: no knob's name is replaced inside a longer one's)
	for k in $(grep -o 'MR_[A-Z0-9_]*' <<<"$1" | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2 | uniq); do
		v=$(knob_value "$k")
		[[ $v =~ ^[0-9]+$ ]] || v=0
		expr=${expr//$k/$v}
	done
	[[ $expr =~ $arith ]] || { echo "configs/bounds.tsv: '$1' is no arithmetic over knobs"; return 1; }
	echo $((expr))
}

# case_skipped CASE: the profile declares CASE skipped (MR_ALLOWED_SKIPS)
case_skipped() {
	local - g
	# (the globs are matched against case names, never against files)
	set -f
	for g in ${MR_ALLOWED_SKIPS:-}; do
		# shellcheck disable=SC2254 # globs on case names
		case $1 in $g) return 0 ;; esac
	done 2>/dev/null
	return 1
}

# profile_bounds vm|local TESTS: derive the bounds of a run of TESTS with
# the knobs in effect (a local run boots nothing).  Sets bounds_need[PROG],
# bounds_timeout[PROG], bounds_why[PROG] (its largest case and formula),
# bounds_vm, bounds_slack, bounds_sum, and bounds_msg: why a bound cannot
# hold, then it returns 2: a case without a row, a VM bound above
# MR_BUDGET, an MR_TEST_TIMEOUT or MR_VM_TIMEOUT set below the need (with
# MR_SHORT_BOUNDS=1 that is a warning in bounds_msg, and it returns 0).
declare -A bounds_need bounds_timeout bounds_why
bounds_vm=0 bounds_slack=0 bounds_sum=0 bounds_msg=""
profile_bounds() {
	local mode=$1 tests=$2 p c f n need slack maxslack=0 sum=0 big bigc k
	local boot tail prog slack_min slack_div bad=0 short=${MR_SHORT_BOUNDS:-0}
	boot=$(bound_const boot) tail=$(bound_const tail) prog=$(bound_const program)
	slack_min=$(bound_const slack_min) slack_div=$(bound_const slack_div)
	[ "$mode" = vm ] || boot=0 tail=0
	bounds_need=() bounds_timeout=() bounds_why=() bounds_msg=""
	for p in $tests; do
		need=$prog big=-1 bigc=""
		for c in $(program_cases "$p"); do
			case_skipped "$c" && continue
			if ! f=$(case_formula "$c"); then
				bounds_msg="no need for case $c in configs/bounds.tsv: add a row for it"
				return 2
			fi
			n=$(eval_need "$f") || { bounds_msg=$n; return 2; }
			need=$((need + n))
			[ "$n" -le "$big" ] && continue
			big=$n bigc="$c $n s = $f"
			while read -r k; do
				bigc="$bigc, $k=$(knob_value "$k")"
			done < <(grep -o 'MR_[A-Z0-9_]*' <<<"$f" | sort -u)
		done
		slack=$((need / slack_div))
		[ "$slack" -ge "$slack_min" ] || slack=$slack_min
		bounds_need[$p]=$need
		bounds_why[$p]=$bigc
		bounds_timeout[$p]=$((need + slack))
		[ "$slack" -le "$maxslack" ] || maxslack=$slack
		sum=$((sum + need))
		if [ -n "${MR_TEST_TIMEOUT:-}" ]; then
			bounds_timeout[$p]=$MR_TEST_TIMEOUT
			if [ "$MR_TEST_TIMEOUT" -lt "$need" ]; then
				bounds_msg="$bounds_msg${bounds_msg:+$'\n'}MR_TEST_TIMEOUT=$MR_TEST_TIMEOUT s cannot hold $p: its cases need $need s (largest: $bigc)"
				[ "$short" = 1 ] || bad=1
			fi
		fi
	done
	bounds_slack=$maxslack bounds_sum=$sum
	bounds_vm=$((boot + sum + maxslack + tail))
	# (a short selection: boot and the guest's tail alone vary by more than
	# its slack beside other VMs)
	if [ "$mode" = vm ] && [ "$bounds_vm" -lt "$(bound_const vm_min)" ]; then
		bounds_vm=$(bound_const vm_min)
	fi
	if [ -n "${MR_BUDGET:-}" ] && [ "$bounds_vm" -gt "$MR_BUDGET" ]; then
		bounds_msg="$bounds_msg${bounds_msg:+$'\n'}the run needs $bounds_vm s (boot $boot + programs $sum + slack $maxslack + $tail), over MR_BUDGET=$MR_BUDGET s of profile ${profile_name:-?}:"
		for p in $tests; do
			bounds_msg="$bounds_msg"$'\n'"  $p ${bounds_need[$p]} s (largest: ${bounds_why[$p]})"
		done
		bad=1
	fi
	if [ -n "${MR_VM_TIMEOUT:-}" ] && [ "$mode" = vm ]; then
		if [ "$MR_VM_TIMEOUT" -lt $((boot + sum + tail)) ]; then
			bounds_msg="$bounds_msg${bounds_msg:+$'\n'}MR_VM_TIMEOUT=$MR_VM_TIMEOUT s cannot hold the run: boot $boot + programs $sum + $tail s"
			[ "$short" = 1 ] || bad=1
		fi
		bounds_vm=$MR_VM_TIMEOUT
	fi
	[ "$bad" = 0 ] || return 2
}

# bounds_env: the derived bounds as KEY=value lines (run.env, summary.json)
bounds_env() {
	local p t="" n=""
	for p in "${!bounds_need[@]}"; do
		t="$t${t:+ }$p:${bounds_timeout[$p]}" n="$n${n:+ }$p:${bounds_need[$p]}"
	done
	echo "bounds_vm_timeout=$bounds_vm"
	echo "bounds_test_timeouts=$(tr ' ' '\n' <<<"$t" | sort | xargs)"
	echo "bounds_needs=$(tr ' ' '\n' <<<"$n" | sort | xargs)"
	echo "bounds_budget=${MR_BUDGET:-}"
}

# knobs_list [defaults]: knob, value in effect (with "defaults": the
# table's default), meaning; for run.sh --help and --list
knobs_list() {
	local name type def range meaning v
	while IFS=$'\t' read -r name type def range meaning; do
		v=$def
		[ "${1:-}" = defaults ] || v=${!name:-$def}
		[ "$type" = int ] && [ "$range" != - ] && meaning="$meaning [$range]"
		# (markdown's code spans read better without their backticks here)
		printf '%-20s %-12s %s\n' "$name" "${v:0:40}" "${meaning//\`/}"
	done < <(knob_rows)
}

# bounds_list: the derived bounds, one line per program and the VM's
bounds_list() {
	local p
	for p in "${!bounds_need[@]}"; do
		printf 'timeout %-16s %6d s (cases need %d s; largest: %s)\n' "$p" \
			"${bounds_timeout[$p]}" "${bounds_need[$p]}" "${bounds_why[$p]}"
	done | sort -k2,2
	printf 'timeout %-16s %6d s (boot, programs %d s, slack %d s; MR_BUDGET %s)\n' VM \
		"$bounds_vm" "$bounds_sum" "$bounds_slack" "${MR_BUDGET:-none}"
}

# profile_value PROFILE NAME: NAME as PROFILE's file sets it ("" if not)
profile_value() {
	sed -n "s/^$2=//p" "$MR_TOP/configs/profiles/$1.conf" | tail -n 1
}

# profile_names: the profiles, the shipped ones first
profile_names() {
	(cd "$MR_TOP/configs/profiles" && find . -name '*.conf' | sed 's|^\./||; s/\.conf$//' |
		awk '{ print ($0 == "quick" ? 1 : $0 == "nightly" ? 2 : $0 == "soak" ? 3 : 4), $0 }' |
		sort -k1,1n -k2 | cut -d' ' -f2)
}

# knobs_readme: the README's knob table and each profile's derived bounds
# (make check compares)
knobs_readme() {
	local name type def range meaning p v profiles row k big
	profiles=$(profile_names)
	row="| knob | default |"
	for p in $profiles; do row="$row $p |"; done
	echo "$row range | meaning |"
	row="|---|---|"
	for p in $profiles; do row="$row---|"; done
	echo "$row---|---|"
	while IFS=$'\t' read -r name type def range meaning; do
		row="| \`$name\` | $def |"
		for p in $profiles; do
			v=$(profile_value "$p" "$name")
			case $type in list | text) [ -z "$v" ] || v="(profile)" ;; esac
			row="$row ${v:-·} |"
		done
		echo "$row $range | $meaning |"
	done < <(knob_rows)
	echo
	echo "| profile | \`MR_BUDGET\` | VM bound | programs' needs | largest program timeout |"
	echo "|---|---|---|---|---|"
	for p in $profiles; do
		(
			for k in $(knob_rows | cut -f1); do unset "$k"; done
			profile_load "$p" 2>/dev/null || exit 0
			if ! profile_bounds vm "$MR_TESTS"; then
				echo "| $p | ${MR_BUDGET:-none} | refused | | |"
				exit 0
			fi
			big=""
			for k in "${!bounds_timeout[@]}"; do
				[ -n "$big" ] && [ "${bounds_timeout[$k]}" -le "${bounds_timeout[$big]}" ] || big=$k
			done
			echo "| $p | ${MR_BUDGET:-none} | $bounds_vm s | $bounds_sum s | \`$big\` ${bounds_timeout[$big]} s |"
		)
	done
}

# knobs_header: the C side's copy of the integer knobs
knobs_header() {
	cat <<'EOF'
/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generated by scripts/knobs.sh header from configs/knobs.tsv: edit the
 * table, then run `scripts/knobs.sh update` (make check compares).  One
 * MR_KNOB(name, default, min, max, per_cpu, has_default) per integer knob:
 * the default is per_cpu times the CPUs when per_cpu is set, the caller's
 * for a drawn or derived knob (has_default 0).
 */
EOF
	knob_rows | awk -F'\t' '$2 == "int" {
		def = $3; per = 0; has = 1
		if (def ~ /\*cpus$/) { per = def; sub(/\*cpus$/, "", per); def = 0 }
		else if (def !~ /^[0-9]+$/) { def = 0; has = 0 }
		split($4, r, /\.\./)
		printf "MR_KNOB(\"%s\", %s, %s, %sL, %s, %d)\n", $1, def, r[1], r[2], per, has
	}'
}

# knobs_settings: kselftest's settings: the largest program timeout of a
# run with the knobs' defaults (what the programs use without a profile),
# every program, no case declared skipped
knobs_settings() {
	local k p max=0 progs
	progs=$(awk '/^TEST_GEN_PROGS := / { sub(/^[^=]*= */, ""); print; exit }' "$MR_TOP/selftests/Makefile")
	# (a subshell: the defaults only)
	(
		for k in $(knob_rows | cut -f1); do unset "$k"; done
		# shellcheck disable=SC2030 # the defaults' CPUs: the suite's VM
		MR_KNOB_CPUS=2
		profile_bounds local "$progs" || { echo "$bounds_msg" >&2; exit 1; }
		for p in $progs; do
			[ "${bounds_timeout[$p]}" -le "$max" ] || max=${bounds_timeout[$p]}
		done
		echo "timeout=$max"
	)
}

# readme_region FILE: the knob table of README FILE (between its markers)
readme_region() {
	awk '/^<!-- knobs: / { on = 1; next } /^<!-- \/knobs -->/ { on = 0 } on' "$1"
}

knobs_main() {
	local tmp rc=0
	case ${1:-} in
	list)
		if [ -z "${2:-}" ]; then
			knobs_list defaults
			return 0
		fi
		profile_load "$2" || return 2
		knobs_list
		profile_bounds vm "${3:-$MR_TESTS}" || { echo "$bounds_msg" >&2; return 2; }
		bounds_list
		;;
	bounds)
		profile_load "$2" || return 2
		profile_bounds vm "${3:-$MR_TESTS}" || { echo "$bounds_msg" >&2; return 2; }
		[ -z "$bounds_msg" ] || echo "warning: $bounds_msg" >&2
		bounds_env
		;;
	cases) program_cases "$2" ;;
	header) knobs_header ;;
	settings) knobs_settings ;;
	readme) knobs_readme ;;
	check | update)
		tmp=$(mktemp -d)
		if ! { knobs_header >"$tmp/h" && knobs_settings >"$tmp/s" && knobs_readme >"$tmp/r"; }; then
			rm -rf "$tmp"
			return 1
		fi
		if [ "$1" = update ]; then
			cp "$tmp/h" "$MR_TOP/selftests/lib/mr_knob_table.h.tmp" &&
				mv "$MR_TOP/selftests/lib/mr_knob_table.h.tmp" "$MR_TOP/selftests/lib/mr_knob_table.h"
			cp "$tmp/s" "$MR_TOP/selftests/settings.tmp" &&
				mv "$MR_TOP/selftests/settings.tmp" "$MR_TOP/selftests/settings"
			awk -v t="$tmp/r" '/^<!-- knobs: / { print; while ((getline l < t) > 0) print l; skip = 1; next }
				/^<!-- \/knobs -->/ { skip = 0 } !skip' "$MR_TOP/README.md" >"$tmp/readme" &&
				cat "$tmp/readme" >"$MR_TOP/README.md.tmp" && mv "$MR_TOP/README.md.tmp" "$MR_TOP/README.md"
		else
			diff -u "$MR_TOP/selftests/lib/mr_knob_table.h" "$tmp/h" || rc=1
			diff -u "$MR_TOP/selftests/settings" "$tmp/s" || rc=1
			readme_region "$MR_TOP/README.md" | diff -u - "$tmp/r" || rc=1
			[ "$rc" = 0 ] || echo "generated from configs/knobs.tsv and configs/bounds.tsv: run scripts/knobs.sh update"
		fi
		rm -rf "$tmp"
		return "$rc"
		;;
	*)
		sed -n '4,21s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -eu
	MR_TOP=$(cd "$(dirname "$0")/.." && pwd)
	# shellcheck source=scripts/profile.sh
	. "$MR_TOP/scripts/profile.sh"
	knobs_main "$@"
fi
