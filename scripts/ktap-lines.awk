# SPDX-License-Identifier: GPL-2.0-only
#
# ktap-lines.awk ktap.log — the lines of each test case's block in
# run-tests.sh's KTAP, one TSV row a line:  PROG: CASE <TAB> line
# (the line without the subtest indentation).  A program's block opens with
# "# selftests: memcg_reparent: PROG"; a case's block runs from its
# "#  RUN CASE ..." line to its "ok"/"not ok" line, both included.
# With -v complete=1 only blocks that reached their result line are
# printed (a case whose guest died mid-way has none: the reports show its
# program's log instead).  One parser for junit.sh and report-html.sh;
# ktap-cases.awk gives the cases' statuses.

function flush(   i) {
	for (i = 1; i <= n; i++)
		printf "%s: %s\t%s\n", prog, name, buf[i]
	n = 0
}

/^# selftests: memcg_reparent: / { prog = $4; name = ""; n = 0; next }
/^  / {
	line = substr($0, 3)
	if (line ~ /^# +RUN /) {
		name = line
		sub(/^# +RUN +/, "", name)
		sub(/ \.\.\.$/, "", name)
		n = 0
	}
	if (name == "")
		next
	buf[++n] = line
	if (!complete)
		flush()
	if (line ~ /^(ok|not ok) [0-9]+ /) {
		flush()
		name = ""
	}
}
