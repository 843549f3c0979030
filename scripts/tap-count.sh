#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the results of kselftest harness output (TAP 13):
#   tap-count.sh OUTPUT.LOG  ->  "PASS FAIL SKIP"
# A test a program planned ("1..N") but never reported (it crashed, or the
# guest died) counts as failed.
set -u
awk '
/^1\.\.[0-9]+/ { planned += substr($1, 4) }
/^ok [0-9]+ / { if ($0 ~ /# SKIP/) skip++; else pass++ }
/^not ok [0-9]+ / { fail++ }
END {
	missing = planned - pass - fail - skip
	if (missing > 0) fail += missing
	printf "%d %d %d\n", pass, fail, skip
}' "$1"
