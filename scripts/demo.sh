#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's kernel in a VM, load mmapdemo and walk through
# its mappings with mmapdemo-tour.  `make shell` (demo.sh --shell): a shell
# in the VM instead, with the module loaded and the tests in /mmapdemo.
# KERNEL=6.1 picks Debian's 6.1 kernel instead of 6.12.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${KERNEL:-6.12}
shell=""
[ "${1:-}" = --shell ] && shell=1

"$MMAPDEMO_TOP/scripts/setup.sh"
"$MMAPDEMO_TOP/scripts/ksft.sh"
note "building mmapdemo.ko for $kernel and the programs"
ko=$("$MMAPDEMO_TOP/scripts/build-module.sh" "$kernel" "$(kernel_kdir "$kernel")")
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
note "booting Linux $kernel in QEMU (about 10 s)"
rc=0
"$MMAPDEMO_TOP/scripts/vm.sh" -k "$(kernel_image "$kernel")" \
	-i "$dir/initramfs.cpio.gz" -o "$dir" -t 300 || rc=$?
cat "$dir/output.log"
[ "$rc" -eq 0 ] || die "the VM failed (status $rc): see ${dir#"$MMAPDEMO_TOP"/}/console.log"
