#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# plot.sh RESULTS_DIR — render RESULTS_DIR/timeseries.csv (scripts/sampler.sh)
# into RESULTS_DIR/plot-<test>.png: dying memcgs and descendants on top,
# memory of the test subtree (current, file, anon) and its MGLRU generation
# count below, and under them each case's intensity figures ("# intensity:"
# lines, as summary.json has them).  Needs gnuplot; without it, or without
# samples, says so.
set -eu

dir=${1:?usage: plot.sh RESULTS_DIR}
csv="$dir/timeseries.csv"
[ -s "$csv" ] || { echo "plot.sh: no samples in $csv" >&2; exit 0; }
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not installed" >&2; exit 0; }

awk -F, 'NR > 1 { print $2 }' "$csv" | sort -u | while read -r t; do
	data=$(mktemp)
	# the subtree root rows of this test, time rebased to its first sample
	awk -F, -v t="$t" 'NR > 1 && $2 == t {
		if (t0 == "") t0 = $1
		printf "%.2f %s %s %.2f %.2f %.2f %s\n", $1 - t0, $4, $5,
			$6 / 1048576, $8 / 1048576, $7 / 1048576, ($12 == "" ? 0 : $12) }' "$csv" >"$data"
	# a line needs two points
	if [ "$(wc -l <"$data")" -lt 2 ]; then
		rm -f "$data"
		continue
	fi
	# one line per case that reported intensity: the race rates belong
	# beside the curves they produced
	inten=$(jq -r --arg t "$t" '.tests[]? | select(.program == $t and .intensity != null)
		| "\(.name | sub("^[^:]*: "; "")): \(.intensity | to_entries[:6]
		| map("\(.key)=\(.value)") | join(" "))"' "$dir/summary.json" 2>/dev/null |
		sed 's/"/'"'"'/g' | awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }' || true)
	gnuplot <<GP
set terminal pngcairo noenhanced size 1000,$([ -n "$inten" ] && echo 760 || echo 700) font ",10"
set output "$dir/plot-$t.png"
$([ -n "$inten" ] && printf 'set label 99 "%s" at screen 0.01, screen 0.06 font ",8"\nset bmargin 6\n' "$inten")
set multiplot layout 2,1 title "$t — $(sed -n 's/^release=//p' "$dir/guest-env" 2>/dev/null)"
set grid
set key top left
set ylabel "cgroups"
plot "$data" using 1:3 with lines lw 2 title "nr_dying_descendants", \
     "$data" using 1:2 with lines title "nr_descendants"
set xlabel "seconds"
set ylabel "MiB"
set y2label "MGLRU generations"
set y2range [0:5]
set y2tics 1
plot "$data" using 1:4 with lines lw 2 title "memory.current", \
     "$data" using 1:5 with lines title "file", \
     "$data" using 1:6 with lines title "anon", \
     "$data" using 1:7 axes x1y2 with steps title "generations (root)"
unset multiplot
GP
	rm -f "$data"
done
