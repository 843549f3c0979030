#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract from the kernel source (lib.sh's kernel_source: the newest Debian
# ships) what we build and check with, into
# the ignored build folder (nothing of the kernel is kept in the repository):
#   build/ksft/    the kselftest harness, lib.mk and runner
#   build/ktools/  checkpatch.pl with its data files, .clang-format
# (kernel-doc runs from the source tree: 7.x's needs its Python library).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(kernel_source)
stamp=$BUILD/ksft/.from
[ "$(cat "$stamp" 2>/dev/null)" = "$src" ] && exit 0

rm -rf "$BUILD/ksft" "$BUILD/ktools"
mkdir -p "$BUILD/ksft/kselftest" "$BUILD/ktools/scripts"
sel=$src/tools/testing/selftests
cp "$sel"/{kselftest_harness.h,kselftest.h,lib.mk,run_kselftest.sh} "$BUILD/ksft/"
cp "$sel"/kselftest/{runner.sh,prefix.pl,ktap_helpers.sh,module.sh} "$BUILD/ksft/kselftest/"
cp "$src"/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} \
	"$BUILD/ktools/scripts/"
cp "$src/.clang-format" "$BUILD/ktools/"
echo "$src" >"$stamp"
