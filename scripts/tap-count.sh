#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the results of kselftest output (TAP 13), program by program:
#   tap-count.sh OUTPUT.LOG [DEPTH]  ->  "PASS FAIL SKIP"
# DEPTH is how many "# " prefixes the programs' results carry: 0 for the
# programs' own output (mmapdemo.sh), 1 inside the kselftest runner's.
#
# A program starts at the line "# mmapdemo.sh: running NAME" that the
# loader prints before it, or at a "TAP version" line after a complete
# stream.  Each program must print its plan and as many results as the
# plan says: one that never printed a plan (it died first) counts as one
# failure, each result it planned and never printed as one more.  A plan
# "1..0 # SKIP" is one skipped program.  At DEPTH 1 the runner's own
# "not ok" lines (a program that exited with failure) count as failures
# too.
set -u
awk -v depth="${2:-0}" '
function finish() {
	if (!started)
		return
	if (!planned)
		fail++ # died before its plan
	else if (plan == 0 && skipall)
		skip++
	else if (plan > seen)
		fail += plan - seen # died before its last result
	started = planned = plan = seen = skipall = 0
}
{
	line = $0
	sub(/\r$/, "", line)
	# The results of the runner itself, one level up.
	if (depth > 0 && substr(line, 1, 2) != "# " && line ~ /^not ok [0-9]+ /)
		fail++
	for (i = 0; i < depth; i++) {
		if (substr(line, 1, 2) != "# ")
			next
		line = substr(line, 3)
	}
}
line ~ /^# mmapdemo\.sh: running / { finish(); started = 1; next }
line ~ /^TAP version / { if (planned) finish(); started = 1; next }
line ~ /^1\.\.[0-9]+/ {
	split(line, a, /[. ]+/)
	plan += a[2]
	planned = 1
	if (a[2] == 0 && line ~ /# *SKIP/)
		skipall = 1
	next
}
line ~ /^ok [0-9]+ / { seen++; if (line ~ /# SKIP/) skip++; else pass++ }
line ~ /^not ok [0-9]+ / { seen++; fail++ }
END {
	finish()
	printf "%d %d %d\n", pass, fail, skip
}' "$1"
