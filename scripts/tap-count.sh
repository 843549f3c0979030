#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the results of kselftest harness output (TAP 13):
#   tap-count.sh OUTPUT.LOG [DEPTH]  ->  "PASS FAIL SKIP"
# DEPTH is how many "# " prefixes the results carry: 0 for the programs'
# own output, 1 inside the kselftest runner's.  A test a program planned
# ("1..N") but never reported (it crashed, or the guest died) counts as
# failed.
set -u
awk -v depth="${2:-0}" '
{
	line = $0
	for (i = 0; i < depth; i++) {
		if (substr(line, 1, 2) != "# ")
			next
		line = substr(line, 3)
	}
}
line ~ /^1\.\.[0-9]+/ { split(line, a, /[. ]+/); planned += a[2] }
line ~ /^ok [0-9]+ / { if (line ~ /# SKIP/) skip++; else pass++ }
line ~ /^not ok [0-9]+ / { fail++ }
END {
	missing = planned - pass - fail - skip
	if (missing > 0) fail += missing
	printf "%d %d %d\n", pass, fail, skip
}' "$1"
