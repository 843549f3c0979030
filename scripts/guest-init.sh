#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
#
# /init of mmapdemo's test guest (busybox).  Mounts what the tests use, runs
# /run.sh with its output on the second serial port, and hands run.sh's exit
# status to QEMU through the isa-debug-exit port (QEMU exits with 2*status+1).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# What udev would add, and the kselftest runner writes to (/dev/stdout).
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname mmapdemo

# The test disk's driver, where the kernel has it as modules (initramfs.sh).
for m in /lib/modules/disk/*.ko; do
	[ -e "$m" ] && insmod "$m"
done

out=/dev/ttyS1
grep -q 'mmapdemo_interactive' /proc/cmdline && out=/dev/console
# vm.sh looks for this line: a crash before it is the boot's, not a test's.
echo "guest: starting /run.sh"
cd / && sh /run.sh >"$out" 2>&1
rc=$?
echo "guest: /run.sh exited with status $rc"
printf '%b' "\\$(printf %03o "$rc")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
