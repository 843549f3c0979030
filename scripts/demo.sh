#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's kernel in a VM, load mmapdemo and walk through
# its mappings with mmapdemo-tour.  `make shell` (demo.sh --shell): a shell
# in the VM instead, with the module loaded and the tests in /mmapdemo.
# KERNEL=6.1, 6.12, newest or debug picks the kernel; the default is the
# newest Debian ships (6.12 if it could not be fetched).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

shell=""
[ "${1:-}" = --shell ] && shell=1

"$MMAPDEMO_TOP/scripts/setup.sh"
kernel=${KERNEL:-newest}
if [ "$kernel" = newest ] && [ -z "$(newest_release)" ]; then
	echo "demo: the newest Debian kernel is not available; using 6.12" >&2
	kernel=6.12
fi
[ "$kernel" != debug ] || "$MMAPDEMO_TOP/scripts/debug-kernel.sh" >/dev/null
"$MMAPDEMO_TOP/scripts/ksft.sh"
note "building mmapdemo.ko for $kernel and the programs"
ko=$("$MMAPDEMO_TOP/scripts/build-module.sh" "$kernel" "$kernel")
mkdir -p "$BUILD/tests"
make -s -C "$MMAPDEMO_TOP/userspace-tests" OUTPUT="$BUILD/tests" LDFLAGS=-static

dir=$BUILD/vm/demo-$kernel
mkdir -p "$dir"
files=("$BUILD/tests:mmapdemo" "$ko:mmapdemo/mmapdemo.ko"
	"$MMAPDEMO_TOP/userspace-tests/mmapdemo.sh:mmapdemo/mmapdemo.sh")

if [ -n "$shell" ]; then
	cat >"$dir/run.sh" <<'RUN'
insmod /mmapdemo/mmapdemo.ko
echo "mmapdemo is loaded; try /mmapdemo/mmapdemo-tour. 'exit' powers off."
cd /mmapdemo && setsid cttyhack sh
RUN
else
	cat >"$dir/run.sh" <<'RUN'
insmod /mmapdemo/mmapdemo.ko || exit 1
/mmapdemo/mmapdemo-tour --explain
RUN
fi
"$MMAPDEMO_TOP/scripts/initramfs.sh" "$dir/initramfs.cpio.gz" "$dir/run.sh" "${files[@]}"

if [ -n "$shell" ]; then
	exec "$MMAPDEMO_TOP/scripts/vm.sh" -I -k "$(kernel_image "$kernel")" \
		-i "$dir/initramfs.cpio.gz" -o "$dir"
fi
note "booting Linux $(kernel_release "$kernel") in QEMU (about 10 s)"
rc=0
"$MMAPDEMO_TOP/scripts/vm.sh" -k "$(kernel_image "$kernel")" \
	-i "$dir/initramfs.cpio.gz" -o "$dir" -t 300 || rc=$?
cat "$dir/output.log"
[ "$rc" -eq 0 ] || die "the VM failed (status $rc): see ${dir#"$MMAPDEMO_TOP"/}/console.log"
