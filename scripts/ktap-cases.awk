# SPDX-License-Identifier: GPL-2.0-only
#
# ktap-cases.awk ktap.log — one TSV row per test case of run-tests.sh's KTAP:
#   program  case  status(pass|fail|skip|known|broken)  assertion  skip_reason
#   duration_ms
#   intensity (the case's "# intensity: key=value ..." figures, race cases)
# A program block opens with "# selftests: memcg_reparent: PROG"; its harness
# output follows indented by two spaces.  A case starts at "#  RUN name" and
# ends at its "ok"/"not ok" line.  The failing assertion is the case's first
# "# ASSERTION" diagnostic, else the harness's own "file.c:line:" message.
# A failed case whose only assertions are "# KNOWN ID ASSERTION ..." lines
# (excused by a known issue of this build, run-tests.sh) is "known", with
# the first of them as its assertion.
# A failed case with a "# BROKEN step: ..." line (a step of the test's own
# machinery failed: mr_test.h's MR_OK) and no assertion of its own, excused
# or not, and no harness timeout, is "broken", with that step as its
# assertion: no verdict on the kernel.  A failed assertion or a timeout in
# the same case wins (fail); a known issue never excuses a broken case.
# A program that failed without reporting any case gets a "(program)" row.
# run-tests.sh's own result lines add rows: "not ok N selftests: ...: PROG
# # crashed in CASE: LINES" (the kernel oopsed in CASE: a "crashed" row with
# the oops's first lines) and "ok N ...: PROG # SKIP not run: WHY" (a
# program never started after an oops: a "not_run" row).

function row(name, status, why, skip) {
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", prog, name, status, why, skip, dur, intensity
	ncases++
	why_case = ""
	dur = ""
	intensity = ""
}

/^# selftests: memcg_reparent: / {
	prog = $4
	ncases = 0
	why_case = ""
	dur = ""
	next
}

/^  / {
	line = substr($0, 3)
	if (line ~ /^# +RUN /) {
		why_case = ""
		why_known = ""
		why_broken = ""
		nass = 0
		ntimeout = 0
		dur = ""
		intensity = ""
	} else if (line ~ /^# BROKEN /) {
		if (why_broken == "")
			why_broken = substr(line, 10)
	} else if (line ~ /^# [^ ]+: Test terminated by timeout$/) {
		ntimeout++
	} else if (line ~ /^# KNOWN [^ ]+ ASSERTION /) {
		if (why_known == "")
			why_known = substr(line, 9)
	} else if (line ~ /^# ASSERTION /) {
		nass++
		if (why_case == "")
			why_case = substr(line, 13)
	} else if (line ~ /^# [^ :]+\.c:[0-9]+:/ && why_case == "") {
		why_case = substr(line, 3)
	} else if (line ~ /^# duration_ms=[0-9]+$/) {
		dur = substr(line, 15)
	} else if (line ~ /^# intensity: /) {
		intensity = substr(line, 14)
	} else if (line ~ /^(ok|not ok) [0-9]+ /) {
		status = (line ~ /^ok/) ? "pass" : "fail"
		name = line
		sub(/^(ok|not ok) [0-9]+ /, "", name)
		skip = ""
		if ((i = index(name, " # ")) > 0) {
			directive = substr(name, i + 3)
			name = substr(name, 1, i - 1)
			if (directive ~ /^SKIP/) {
				status = "skip"
				skip = directive
				sub(/^SKIP */, "", skip)
			}
		}
		# failed on assertions that a known issue of this build excuses
		# (run-tests.sh marked them "# KNOWN ID ASSERTION ..."), and on
		# nothing else
		if (status == "fail" && nass == 0 && ntimeout == 0 && why_broken != "")
			row(name, "broken", why_broken, skip)
		else if (status == "fail" && nass == 0 && why_known != "")
			row(name, "known", why_known, skip)
		else
			row(name, status, status == "fail" ? why_case : "", skip)
		nass = 0
		ntimeout = 0
		why_known = ""
		why_broken = ""
	}
	next
}

/^not ok [0-9]+ selftests: memcg_reparent: [^ ]+ # crashed in [^ :]+: / {
	prog = $6
	d = $0
	sub(/^[^#]*# crashed in /, "", d)
	c = d
	sub(/: .*/, "", c)
	sub(/^[^:]*: /, "", d)
	row(c, "crashed", d, "")
	next
}

/^ok [0-9]+ selftests: memcg_reparent: [^ ]+ # SKIP not run: / {
	prog = $5
	d = $0
	sub(/^[^#]*# SKIP /, "", d)
	row(prog, "not_run", "", d)
	next
}

/^not ok [0-9]+ selftests: memcg_reparent: / {
	# a result without its block (the host completed the KTAP of a guest
	# that died) belongs to the program it names
	p = $0
	sub(/^not ok [0-9]+ selftests: memcg_reparent: /, "", p)
	sub(/ .*/, "", p)
	if (p != prog) {
		prog = p
		ncases = 0
	}
	if (ncases == 0) {
		d = $0
		sub(/^[^#]*# */, "", d)
		row("(program)", "fail", d, "")
	}
}
