#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test machinery itself, so that a broken check cannot pass
# silently: klog-check.sh must flag each kind of kernel report and pass a
# clean boot log; tap-count.sh must count crashes as failures; docrefs.sh
# must catch a stale reference, docquotes.sh a stale quote; vm.sh must
# return the guest's status, fail a guest that crashes, and boot again one
# that dies booting.
#   selftest-scripts.sh [KERNEL_IMAGE]   (the VM cases only with an image)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
expect() {	# expect WHAT WANTED_STATUS COMMAND...
	local what=$1 want=$2 got
	shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		echo "selftest-scripts: $what: status $got, expected $want" >&2
		sed 's/^/  /' "$tmp/out" >&2
		bad=1
	fi
}

# One line of each report the kernel log check must catch.
while IFS= read -r line; do
	printf '[    1.0] booting\n[    2.0] %s\n' "$line" >"$tmp/log"
	expect "klog-check on '$line'" 1 "$MMAPDEMO_TOP/scripts/klog-check.sh" "$tmp/log"
done <<'LINES'
WARNING: CPU: 0 PID: 1 at mm/memory.c:100 do_thing+0x1/0x2
BUG: KASAN: slab-use-after-free in mmapdemo_fault+0x10/0x20
kernel BUG at mm/filemap.c:1500!
Oops: general protection fault, probably for non-canonical address
BUG: KFENCE: out-of-bounds read in foo+0x1/0x2
kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
WARNING: possible circular locking dependency detected
BUG: Bad page state in process file_test  pfn:0x1234
BUG: Bad rss-counter state mm:000000001 type:MM_FILEPAGES val:1
refcount_t: underflow; use-after-free.
list_add corruption. prev->next should be next
INFO: task file_test:123 blocked for more than 120 seconds.
watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [file_test:99]
Kernel panic - not syncing: panic_on_warn set ...
LINES
# Inside a window a test announced, an OOM report's stack dump is expected;
# any other report there, and a stack dump outside, still fail.
oom='mmapdemo-selftest: expect oom-kill'
printf '%s begin\nCall Trace:\n%s end\n' "$oom" "$oom" >"$tmp/log"
expect "klog-check on an announced OOM report" 0 "$MMAPDEMO_TOP/scripts/klog-check.sh" "$tmp/log"
printf '%s begin\nWARNING: CPU: 0\n%s end\n' "$oom" "$oom" >"$tmp/log"
expect "klog-check on a warning during an OOM window" 1 "$MMAPDEMO_TOP/scripts/klog-check.sh" "$tmp/log"
printf '%s begin\n%s end\nCall Trace:\n' "$oom" "$oom" >"$tmp/log"
expect "klog-check on a stack dump after the window" 1 "$MMAPDEMO_TOP/scripts/klog-check.sh" "$tmp/log"

for log in "$BUILD"/vm/*/console.log; do
	[ -f "$log" ] || continue
	expect "klog-check on a clean boot" 0 "$MMAPDEMO_TOP/scripts/klog-check.sh" "$log"
	break
done

printf 'TAP version 13\n1..3\nok 1 a\nnot ok 2 b\nok 3 c # SKIP why\n1..4\nok 1 d\n' >"$tmp/tap"
expect "tap-count counts a crashed program's missing tests as failed" 0 \
	bash -c "[ \"\$('$MMAPDEMO_TOP/scripts/tap-count.sh' '$tmp/tap')\" = '2 4 1' ]"

printf '# TAP version 13\n# 1..3\n# ok 1 a\n# not ok 2 b\nok 1 top\n' >"$tmp/tap"
expect "tap-count counts the results nested in the kselftest runner's output" 0 \
	bash -c "[ \"\$('$MMAPDEMO_TOP/scripts/tap-count.sh' '$tmp/tap' 1)\" = '1 2 0' ]"

printf '# mmapdemo.sh: running x\n# mmapdemo.sh: running y\nTAP version 13\n1..1\nok 1 a\n' \
	>"$tmp/tap"
expect "tap-count counts a program that died before its plan as failed" 0 \
	bash -c "[ \"\$('$MMAPDEMO_TOP/scripts/tap-count.sh' '$tmp/tap')\" = '1 1 0' ]"

printf 'TAP version 13\n1..0 # SKIP no device\nTAP version 13\n1..1\nok 1 a\n' >"$tmp/tap"
expect "tap-count counts a skip-all plan as skipped" 0 \
	bash -c "[ \"\$('$MMAPDEMO_TOP/scripts/tap-count.sh' '$tmp/tap')\" = '1 0 1' ]"

printf '# TAP version 13\n# 1..1\n# ok 1 a\nnot ok 1 selftests: mmapdemo: mmapdemo.sh # exit=1\n' \
	>"$tmp/tap"
expect "tap-count counts the kselftest runner's own failures" 0 \
	bash -c "[ \"\$('$MMAPDEMO_TOP/scripts/tap-count.sh' '$tmp/tap' 1)\" = '1 1 0' ]"

# docrefs.sh must catch a function that is not where a doc says, a missing
# file and a line number, and pass what resolves.
src=$(kernel_source)
# shellcheck disable=SC2016 # Markdown backticks, not a command
printf 'See `module/file_mmap.c: mmapdemo_file_fault()` and `mm/memory.c: do_cow_fault()`.\n' \
	>"$tmp/good.md"
expect "docrefs passes references that resolve" 0 \
	"$MMAPDEMO_TOP/scripts/docrefs.sh" "$src" "$tmp/good.md"
for ref in 'module/file_mmap.c: mmapdemo_no_such_fault()' 'module/nothing.c' \
	'mm/memory.c: do_no_such_fault()' 'mm/memory.c:5301'; do
	# shellcheck disable=SC2016
	printf 'See `%s`.\n' "$ref" >"$tmp/bad.md"
	expect "docrefs on '$ref'" 1 "$MMAPDEMO_TOP/scripts/docrefs.sh" "$src" "$tmp/bad.md"
done

# docquotes.sh must pass a quote that is the code as it is, with or without
# its comment, and catch one that is not (a line added, a line lost) or
# that names a function the file does not define.
anon=$MMAPDEMO_TOP/module/anon.c fn=mmapdemo_anon_shared_fault
first=$(grep -n "^static vm_fault_t $fn(" "$anon" | cut -d: -f1)
comment=$(head -n "$first" "$anon" | grep -n '^/\*' | tail -n 1 | cut -d: -f1)
quote() {	# quote MARKER_ARGS FIRST_LINE: anon.c from FIRST_LINE, marked
	# shellcheck disable=SC2016 # Markdown backticks, not a command
	printf '<!-- quote: module/anon.c %s -->\n```c\n' "$1"
	sed -n "$2,/^}\$/p" "$anon"
	# shellcheck disable=SC2016
	printf '```\n'
}
quote "$fn" "$first" >"$tmp/quote.md"
expect "docquotes passes a quote as in the source" 0 \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" "$tmp/quote.md"
quote "$fn +comment" "$comment" >"$tmp/quote.md"
expect "docquotes passes a quote with its comment" 0 \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" "$tmp/quote.md"
quote "$fn" "$first" | sed '5a\	/* abridged */' >"$tmp/quote.md"
expect "docquotes on a quote with a line the code lacks" 1 \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" "$tmp/quote.md"
quote "$fn" "$first" | sed '5d' >"$tmp/quote.md"
expect "docquotes on a quote that lost a line" 1 \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" "$tmp/quote.md"
quote mmapdemo_no_such_fault "$first" >"$tmp/quote.md"
expect "docquotes on a quote of a function that is not there" 1 \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" "$tmp/quote.md"

if [ -n "${1:-}" ]; then
	echo 'exit 3' >"$tmp/run3.sh"
	"$MMAPDEMO_TOP/scripts/initramfs.sh" "$tmp/exit3.cpio.gz" "$tmp/run3.sh"
	expect "vm.sh returns the guest's status" 3 \
		"$MMAPDEMO_TOP/scripts/vm.sh" -k "$1" -i "$tmp/exit3.cpio.gz" -o "$tmp/vm3" -t 120
	echo 'echo c >/proc/sysrq-trigger; sleep 5; exit 0' >"$tmp/crash.sh"
	"$MMAPDEMO_TOP/scripts/initramfs.sh" "$tmp/crash.cpio.gz" "$tmp/crash.sh"
	expect "vm.sh fails a guest that crashes" 125 \
		"$MMAPDEMO_TOP/scripts/vm.sh" -k "$1" -i "$tmp/crash.cpio.gz" -o "$tmp/vmc" -t 120
	# A guest that dies booting (here: no init) is booted again, twice,
	# and then fails; the failed boots' logs are kept.
	expect "vm.sh boots again a guest that dies booting, then fails" 125 \
		"$MMAPDEMO_TOP/scripts/vm.sh" -k "$1" -i "$tmp/crash.cpio.gz" -o "$tmp/vmb" \
		-t 120 -a "rdinit=/no-such-init"
	expect "vm.sh keeps the logs of the failed boots" 0 \
		test -s "$tmp/vmb/console-boot-failure-2.log"
	# A guest that hangs booting (here: an init that only sleeps) is
	# stopped after MMAPDEMO_BOOT_TIMEOUT, booted again, and then fails.
	expect "vm.sh stops a guest that hangs booting, then fails" 124 \
		env MMAPDEMO_BOOT_TIMEOUT=20 "$MMAPDEMO_TOP/scripts/vm.sh" -k "$1" \
		-i "$tmp/crash.cpio.gz" -o "$tmp/vmh" -t 120 \
		-a "rdinit=/bin/busybox -- sleep 1000"
	cp "$tmp/out" "$tmp/hang.out"
	expect "vm.sh says it stopped the hung boot" 0 \
		grep -q 'did not start /run.sh in 20s' "$tmp/hang.out"
fi
exit $bad
