#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build mmapdemo's debug kernel (KASAN, lockdep, DEBUG_VM, PAGE_TABLE_CHECK,
# KFENCE, kmemleak, fault injection, page poisoning) from the newest
# linux-source Debian ships (lib.sh's kernel_source): tinyconfig plus
# debug-kernel.config, with this machine's gcc.  The build tree, with its bzImage and
# Module.symvers, is cached outside the checkout under a key made of the
# fragment, the source version and the compiler, so later runs reuse it.
# Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fragment=$MMAPDEMO_TOP/scripts/debug-kernel.config
src=$(kernel_source)
key=$( (cat "$fragment"; basename "$src"; gcc --version | head -n 1) |
	sha256sum | cut -c1-16)
out=$CACHE/debug-kernel/$key

# One build at a time: a second caller waits, then finds it built.
mkdir -p "$CACHE"
exec 9>"$CACHE/debug-kernel.lock"
flock 9
if [ ! -f "$out/.built" ]; then
	note "building the debug kernel in $out (about 5 minutes on 2 cores)" >&2
	rm -rf "$out"
	mkdir -p "$out"
	kmake() {
		make -s -C "$src" O="$out" ARCH=x86_64 "$@"
	}
	kmake tinyconfig >&2
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$fragment" >/dev/null
	kmake olddefconfig >&2
	# Every option of the fragment must have survived the dependency checks.
	missing=$(grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$fragment" | while read -r line; do
		grep -qxF "$line" "$out/.config" || echo "$line"
	done)
	[ -z "$missing" ] || die "options that did not stick: $missing"
	kmake -j"$(nproc)" all >&2
	touch "$out/.built"
	# Keep this build and the one before it (a run may still use it).
	find "$CACHE/debug-kernel" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
		sort -rn | tail -n +3 | cut -d' ' -f2- | xargs -r rm -rf
fi
echo "$out" >"$CACHE/debug-kernel.current"
echo "$out"
