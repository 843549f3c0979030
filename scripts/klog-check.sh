#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fail (exit 1) if a guest's kernel log holds any report of a kernel problem,
# whatever the tests said: warnings, BUGs, oopses, KASAN/KFENCE/kmemleak and
# lockdep reports, bad pages, refcount and list corruption, hung tasks and
# soft lockups.  Prints the offending lines.
set -u
log=$1
pattern='WARNING:|BUG:|BUG [a-z]|Oops|Kernel panic|general protection fault|KASAN|KFENCE|kmemleak: [1-9]|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|lock held when returning|suspicious RCU usage|Bad page|bad pte|refcount_t:|list_add corruption|list_del corruption|blocked for more than|soft lockup|hard LOCKUP|rcu_sched detected stalls|rcu: INFO|UBSAN|page_table_check|Call Trace:'
# A test that provokes an OOM kill on purpose brackets it with these lines
# (written to /dev/kmsg); the OOM report's stack dump inside is expected.
begin='mmapdemo-selftest: expect oom-kill begin'
end='mmapdemo-selftest: expect oom-kill end'
if awk -v pat="$pattern" -v b="$begin" -v e="$end" '
	index($0, b) { inside = 1 }
	index($0, e) { inside = 0 }
	$0 ~ pat && !(inside && /Call Trace:/) { print NR ": " $0; found = 1 }
	END { exit !found }' "$log"; then
	echo "klog-check: kernel log $log reports a problem (lines above)" >&2
	exit 1
fi
exit 0
