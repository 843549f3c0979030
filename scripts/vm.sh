#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel under QEMU (TCG: KVM does not work on our build machines)
# with an initramfs from initramfs.sh, and return the guest's exit status.
#
#   vm.sh -k KERNEL -i INITRAMFS -o OUTDIR [-t SECONDS] [-m MiB] [-c CPUS]
#         [-a APPEND] [-I] [-x]
#
# OUTDIR gets console.log (the kernel's console, ttyS0) and output.log (what
# /run.sh printed, ttyS1).  The guest has a 64 MiB raw virtio disk,
# /dev/vda, for O_DIRECT (pin_test); OUTDIR/disk.img is made afresh.  -I: interactive, the console on this terminal.
# -x: count time in instructions (-icount) for repeatable benchmarks.
# Exit: the guest's status; 124 on timeout (or a guest that never starts
# /run.sh: MMAPDEMO_BOOT_TIMEOUT, 300 s); 125 if the guest stopped without
# one (a panic); 1 if the kernel log reports a problem (klog-check.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

timeout=600 mem=1024 cpus=2 append="" interactive="" icount=""
kernel="" initrd="" outdir=""
while getopts k:i:o:t:m:c:a:Ix opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	o) outdir=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	a) append=$OPTARG ;;
	I) interactive=1 ;;
	x) icount=1 ;;
	*) die "bad option" ;;
	esac
done
if [ ! -r "$kernel" ] || [ ! -r "$initrd" ] || [ -z "$outdir" ]; then
	die "need -k, -i and -o"
fi
mkdir -p "$outdir"
console=$outdir/console.log output=$outdir/output.log
rm -f "$console" "$output"

# Memory-error detectors that stock kernels have but leave off by default,
# and a panic on any warning, so that a problem cannot scroll past.
cmdline="console=ttyS0,115200 panic=-1 oops=panic panic_on_warn=1"
cmdline+=" softlockup_panic=1 slub_debug=FZPU init_on_free=1 page_poison=1"
cmdline+=" kfence.sample_interval=10 mitigations=off $append"

rm -f "$outdir/disk.img"
truncate -s 64M "$outdir/disk.img"
args=(-machine pc -cpu max -smp "$cpus" -m "$mem" -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-drive "file=$outdir/disk.img,format=raw,if=virtio"
	-device "isa-debug-exit,iobase=0xf4,iosize=0x04" -display none)
if [ -n "$icount" ]; then
	args+=(-accel tcg -icount "shift=0,sleep=off")
else
	args+=(-accel "tcg,thread=multi")
fi
if [ -n "$interactive" ]; then
	args+=(-serial mon:stdio -serial null -append "$cmdline mmapdemo_interactive")
	qemu-system-x86_64 "${args[@]}"
	exit 0
fi
args+=(-serial "file:$console" -serial "file:$output" -monitor none -append "$cmdline")

# A guest that dies before it starts /run.sh died booting, before any test
# or module: under TCG a 7.x kernel's boot-time code patching (int3) now
# and then meets the other vCPU (cross-modifying code).  One that has not
# started it after $boot_timeout seconds hangs booting (seen once: a 7.3
# guest silent after its HPET line), and is stopped.  Boot it again, at
# most twice, keeping each failed boot's log; anything after the start of
# /run.sh is never retried.
boot_timeout=${MMAPDEMO_BOOT_TIMEOUT:-300}
started() {
	grep -q '^guest: starting /run.sh' "$console" 2>/dev/null
}
for attempt in 1 2 3; do
	timeout --foreground -k 10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null &
	qemu=$! waited=0 hung=""
	while kill -0 "$qemu" 2>/dev/null && ! started; do
		if [ "$waited" -ge "$boot_timeout" ]; then
			hung=1
			kill "$qemu"
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qemu"
	rc=$?
	if [ -n "$hung" ]; then
		echo "vm: the guest did not start /run.sh in ${boot_timeout}s: stopped" >&2
		rc=124
	fi
	started && break
	[ "$attempt" -lt 3 ] || break
	mv "$console" "$outdir/console-boot-failure-$attempt.log"
	rm -f "$output"
	echo "vm: the guest died booting, before /run.sh (qemu rc $rc):" \
		"booting again; its log is console-boot-failure-$attempt.log" >&2
done
case $rc in
124 | 137)
	[ -n "$hung" ] || echo "vm: timed out after ${timeout}s" >&2
	status=124
	;;
*)
	if [ $((rc % 2)) -eq 1 ]; then
		status=$((rc >> 1))
	else
		echo "vm: guest stopped without an exit status (qemu rc $rc)" >&2
		status=125
	fi
	;;
esac
if ! "$MMAPDEMO_TOP/scripts/klog-check.sh" "$console"; then
	[ "$status" -ne 0 ] || status=1
fi
exit "$status"
