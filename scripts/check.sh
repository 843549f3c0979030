#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: everything that proves mmapdemo, on a fresh Debian 12 machine.
#  1. install what is missing (setup.sh)
#  2. static checks: W=1 builds for Debian's 6.1, 6.12 and newest kernel
#     (7.x) with warnings as errors, sparse, checkpatch --strict, kernel-doc
#  3. the debug kernel (cached, from the newest source) and the module
#     built against it
#  4. the selftests in a VM on each kernel, with the kernel log checked
# Logs go to build/check/.  The last line is "N passed, N failed, N skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-$ALL_KERNELS}
LOGS=$BUILD/check
passed=0 failed=0 skipped=0
failures=()

result() {	# result NAME pass|fail [detail]
	if [ "$2" = pass ]; then
		passed=$((passed + 1))
		echo "ok    $1${3:+ ($3)}"
	else
		failed=$((failed + 1))
		failures+=("$1")
		echo "FAIL  $1${3:+ ($3)}"
	fi
}

# check NAME LOGFILE COMMAND...: a step that passes when COMMAND succeeds
# and prints no warning.
check() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1 && ! grep -qE 'warning:|error:' "$log"; then
		result "$name" pass
	else
		result "$name" fail "see ${log#"$MMAPDEMO_TOP"/}"
		sed 's/^/      /' "$log" | head -n 20
	fi
}

# The kernel's own KTAP parser must accept the kselftest runner's output
# and find every test passed.
ktap_valid() {
	local out

	out=$(python3 "$(kernel_source)/tools/testing/kunit/kunit.py" parse "$1") || return 1
	echo "$out"
	echo "$out" | grep -q 'Testing complete. Ran [1-9][0-9]* tests: passed: [1-9]' &&
		! echo "$out" | grep -qiE 'fail|crash|error|skipped'
}

start=$(date +%s)
"$MMAPDEMO_TOP/scripts/setup.sh" || die "setup failed"
"$MMAPDEMO_TOP/scripts/ksft.sh" || die "cannot extract the kselftest files"
rm -rf "$LOGS"
mkdir -p "$LOGS"
# Without the newest kernel the run covers less, and must say so by failing.
if [ -z "$(newest_release)" ]; then
	result "newest Debian kernel fetched" fail "see ~/.cache/mmapdemo/newest/*.log; 6.1 and 6.12 only"
	KERNELS=${KERNELS/newest/}
fi
# The Debian kernels built against: all of them, whatever KERNELS says.
debian_kernels=""
for k in 6.1 6.12 newest; do
	[ -z "$(headers_dir "$k")" ] || debian_kernels+="${debian_kernels:+ }$k"
done
tools=$BUILD/ktools/scripts
sources=("$MMAPDEMO_TOP"/module/*.[ch] "$MMAPDEMO_TOP"/module/uapi/*.h)

note "static checks"
for k in $debian_kernels; do
	check "build $k ($(kernel_release "$k")) W=1 -Werror, sparse" "$LOGS/build-$k.log" \
		"$MMAPDEMO_TOP/scripts/build-module.sh" "$k" "$k" W=1 C=2 KCFLAGS=-Werror
done
checkpatch() {
	local f ok=0

	for f in "${sources[@]}"; do
		# Version guards belong in compat.h, and only there.
		if [ "${f##*/}" = compat.h ]; then
			set -- --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON
		else
			set --
		fi
		perl "$tools/checkpatch.pl" --strict --no-tree --quiet --show-types \
			"$@" -f "$f" || ok=1
	done
	return $ok
}
check "checkpatch --strict" "$LOGS/checkpatch.log" checkpatch
check "kernel-doc" "$LOGS/kernel-doc.log" \
	"$(kernel_source)/scripts/kernel-doc" -none -Wall "${sources[@]}"

# The project's files of a kind: tracked ones where there is git.
files() {
	if git -C "$MMAPDEMO_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$MMAPDEMO_TOP" ls-files "$@" | sed "s|^|$MMAPDEMO_TOP/|"
	else
		(cd "$MMAPDEMO_TOP" && for f in "$@"; do [ -f "$f" ] && echo "$MMAPDEMO_TOP/$f"; done)
	fi
}

clang_format_check() {
	local f bad=0

	for f in $(files 'module/*.[ch]' 'module/uapi/*.h' 'userspace-tests/*.[ch]'); do
		clang-format --style="file:$BUILD/ktools/.clang-format" "$f" |
			diff -u "$f" - || bad=1
	done
	return $bad
}

# Every module parameter has a description (modinfo shows "name:text").
modinfo_check() {
	local ko=$1 parms

	parms=$(modinfo -F parm "$ko") || return 1
	echo "$parms"
	[ -n "$parms" ] && ! echo "$parms" | grep -qE '^[a-z_]+:[[:space:]]*(\(|$)'
}

# DKMS builds it for each Debian kernel, as on a machine that installs
# them: this machine's dkms for 6.1 and 6.12, the newest kernel's root's.
dkms_check() {
	local tmp k n=0 rc=0

	tmp=$BUILD/dkms
	rm -rf "$tmp"
	mkdir -p "$tmp/src/mmapdemo-1.0" "$tmp/tree"
	cp -r "$MMAPDEMO_TOP"/{Kbuild,Makefile,dkms.conf,module} "$tmp/src/mmapdemo-1.0/"
	for k in $debian_kernels; do
		set -- dkms build -m mmapdemo -v 1.0 -k "$(kernel_release "$k")" \
			--dkmstree "$tmp/tree" --sourcetree "$tmp/src"
		if [ "$k" = newest ]; then
			newest_root_run "$@" || rc=1
		else
			"$@" || rc=1
		fi
		n=$((n + 1))
	done
	find "$tmp/tree" -name 'mmapdemo.ko*'
	[ "$(find "$tmp/tree" -name 'mmapdemo.ko*' | wc -l)" -eq "$n" ] || rc=1
	rm -rf "$tmp"
	return $rc
}

# make install and uninstall, into a scratch root instead of the system.
install_check() {
	local tmp kdir rel rc=0

	tmp=$(mktemp -d)
	kdir=$(headers_dir 6.12) rel=$(headers_release "$(headers_dir 6.12)")
	cp -r "$MMAPDEMO_TOP"/{Kbuild,Makefile,module} "$tmp/"
	make -C "$tmp" install KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" &&
		grep -q mmapdemo "$tmp/root/lib/modules/$rel/modules.dep" || rc=1
	make -C "$tmp" uninstall KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" &&
		! grep -q mmapdemo "$tmp/root/lib/modules/$rel/modules.dep" || rc=1
	rm -rf "$tmp"
	return $rc
}

# The tour's output quoted in the tutorial is the one tour_test expects.
tour_doc_check() {
	sed -n '/<!-- tour-output-begin -->/,/<!-- tour-output-end -->/p' \
		"$MMAPDEMO_TOP/docs/tutorial.md" | sed '1,2d' | head -n -2 |
		diff -u "$MMAPDEMO_TOP/userspace-tests/mmapdemo-tour.expected" -
}

# Every test program is one the loader runs: a test nobody runs passes.
loader_runs_all() {
	local t bad=0

	# shellcheck disable=SC2013 # words: the programs
	for t in $(awk '/^TEST_GEN_PROGS_EXTENDED/ { on = 1; $1 = $2 = "" }
		on { more = sub(/\\$/, ""); print; if (!more) exit }' \
		"$MMAPDEMO_TOP/userspace-tests/Makefile"); do
		case $t in # run by tour_test and notify_watch_test
		mmapdemo-tour | mmapdemo-watch) continue ;;
		esac
		grep -qw -- "$t" "$MMAPDEMO_TOP/userspace-tests/mmapdemo.sh" ||
			{ echo "mmapdemo.sh does not run $t"; bad=1; }
	done
	return $bad
}

note "userspace, scripts, packaging"
check "clang-format (the kernel's .clang-format): no diff" "$LOGS/clang-format.log" \
	clang_format_check
# shellcheck disable=SC2046
check "shellcheck" "$LOGS/shellcheck.log" shellcheck -x -P SCRIPTDIR \
	$(files 'scripts/*.sh' 'userspace-tests/*.sh' .ci/run)
check "mmapdemo.sh runs every test program" "$LOGS/loader.log" \
	loader_runs_all
# Kernel style declares variables at the top of a block: no variableScope.
# shellcheck disable=SC2046
check "cppcheck on the userspace programs" "$LOGS/cppcheck.log" \
	cppcheck --quiet --error-exitcode=1 --std=c11 -D_GNU_SOURCE \
	--enable=warning,style,performance,portability --inline-suppr \
	-I "$BUILD/ksft" -I "$MMAPDEMO_TOP/module/uapi" \
	--suppress=missingIncludeSystem --suppress="*:$BUILD/ksft/*" \
	--suppress=variableScope \
	$(files 'userspace-tests/*.c')
check "code references in the docs resolve" "$LOGS/docrefs.log" \
	"$MMAPDEMO_TOP/scripts/docrefs.sh" "$(kernel_source)"
check "the tutorial quotes the tour's expected output" "$LOGS/tour-doc.log" \
	tour_doc_check
check "the tutorial quotes the code as it is" "$LOGS/docquotes.log" \
	"$MMAPDEMO_TOP/scripts/docquotes.sh" -k "$(kernel_source)"
check "modinfo: every parameter described" "$LOGS/modinfo.log" \
	modinfo_check "$BUILD/k/6.12/mmapdemo.ko"
check "dkms build against $debian_kernels" "$LOGS/dkms.log" dkms_check
check "make install and uninstall (scratch root)" "$LOGS/install.log" install_check

note "debug kernel"
if "$MMAPDEMO_TOP/scripts/debug-kernel.sh" >"$LOGS/debug-kernel.log" 2>&1; then
	# Sparse ran on the same source through the newest kernel's build; this
	# machine's sparse is too old for a 7.x tree.
	check "build debug ($(kernel_release debug)) W=1 -Werror" "$LOGS/build-debug.log" \
		"$MMAPDEMO_TOP/scripts/build-module.sh" debug debug W=1 KCFLAGS=-Werror
else
	result "debug kernel build" fail "see build/check/debug-kernel.log"
	tail -n 20 "$LOGS/debug-kernel.log"
	KERNELS=${KERNELS/debug/}
fi

note "selftests"
mkdir -p "$BUILD/tests"
check "selftests build" "$LOGS/tests-build.log" \
	make -C "$MMAPDEMO_TOP/userspace-tests" OUTPUT="$BUILD/tests" LDFLAGS=-static

# The same directory copied into the newest kernel's source tree, built
# from there and installed the way kselftest does it; the newest kernel's
# VM runs that install (the debug kernel is built from the same tree).  The
# objects go to an output tree (O=), build/khdr, which already holds the
# tree's uapi headers (ksft.sh): the selftests' Makefile then points
# KHDR_INCLUDES there, and the source tree stays clean for the debug
# kernel's own O= build.
intree_install() {
	local src sel

	src=$(kernel_source) && sel=$src/tools/testing/selftests
	exec 8>"$CACHE/src.lock" && flock 8 || return 1
	rm -rf "$sel/mmapdemo" "$BUILD/kselftest" "$BUILD/khdr/kselftest"
	cp -r "$MMAPDEMO_TOP/userspace-tests" "$sel/mmapdemo" &&
		make -C "$sel" O="$BUILD/khdr" TARGETS=mmapdemo install \
			INSTALL_PATH="$BUILD/kselftest" \
			MMAPDEMO_UAPI="$MMAPDEMO_TOP/module/uapi" LDFLAGS=-static
	local rc=$?
	rm -rf "$sel/mmapdemo"
	flock -u 8
	return $rc
}
check "selftests built and installed in the $(basename "$(kernel_source)") tree" \
	"$LOGS/tests-intree.log" intree_install
# Which VM runs the in-tree install through run_kselftest.sh: the newest
# Debian kernel, or 6.12 when it is missing.
intree_vm=newest
case " $KERNELS " in *" newest "*) ;; *) intree_vm=6.12 ;; esac

# The suite's long run (mmapdemo.sh --long; MMAPDEMO_LONG=1 through the
# kselftest runner, which passes no arguments and would stop it at the
# default run's timeout in ./settings: it gets the VM's instead).
VM_TIMEOUT=2400

# The randomized tests' seeds (MMAPDEMO_SEED): one fixed seed on every
# Debian kernel, so that a run compares with the last one and the kernels
# with each other; and one fresh seed per run, on the debug kernel (the
# last kernel of the run without it), whose sanitizers make new sequences
# count most.  MMAPDEMO_SEED=N make check makes N the fresh one: a replay.
# The fixed seed is one the suite passed with on every Debian kernel when it
# was chosen: with it, a red run is a change, not a sequence never run
# before.
FIXED_SEED=2000
fresh_seed=${MMAPDEMO_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
fresh_vm=debug
case " $KERNELS " in
*" debug "*) ;;
*) for fresh_vm in $KERNELS; do :; done ;;
esac
seed_of() {
	if [ "$1" = "$fresh_vm" ]; then echo "$fresh_seed"; else echo "$FIXED_SEED"; fi
}

# run_vm KERNEL: boot it with the suite and leave "STATUS SECONDS" in
# build/vm/KERNEL/status.  $intree_vm runs the in-tree install through
# run_kselftest.sh; the others the loader, as a standalone selftest run.
run_vm() {
	local k=$1 vmdir=$BUILD/vm/$1 ko=$BUILD/k/$1/mmapdemo.ko t0 status

	rm -rf "$vmdir"
	mkdir -p "$vmdir"
	[ -f "$ko" ] || { echo "125 0" >"$vmdir/status"; return; }
	{
		# On the debug kernel, tests needing its features must not skip;
		# trace-cmd is always there to decode the trace.
		[ "$k" = debug ] && echo "export MMAPDEMO_REQUIRE_DEBUG=1"
		echo "export MMAPDEMO_REQUIRE_TRACE_CMD=1"
		# vm.sh's test disk, for O_DIRECT: pin_test must use it.
		echo "export MMAPDEMO_DISK=/dev/vda"
		echo "export MMAPDEMO_SEED=$(seed_of "$k")"
		if [ "$k" = "$intree_vm" ]; then
			echo "cd /kselftest && MMAPDEMO_KO=/mmapdemo.ko MMAPDEMO_LONG=1" \
				"./run_kselftest.sh --override-timeout $VM_TIMEOUT"
		else
			echo "cd /mmapdemo && MMAPDEMO_KO=/mmapdemo/mmapdemo.ko ./mmapdemo.sh --long"
		fi
	} >"$vmdir/run.sh"
	if [ "$k" = "$intree_vm" ]; then
		set -- "$BUILD/kselftest:kselftest" "$ko:mmapdemo.ko"
	else
		set -- "$BUILD/tests:mmapdemo" "$ko:mmapdemo/mmapdemo.ko" \
			"$MMAPDEMO_TOP/userspace-tests/mmapdemo.sh:mmapdemo/mmapdemo.sh"
	fi
	set -- "$@" +/usr/bin/trace-cmd "@$k"
	"$MMAPDEMO_TOP/scripts/initramfs.sh" "$vmdir/initramfs.cpio.gz" \
		"$vmdir/run.sh" "$@" || { echo "125 0" >"$vmdir/status"; return; }
	t0=$(date +%s)
	"$MMAPDEMO_TOP/scripts/vm.sh" -k "$(kernel_image "$k")" \
		-i "$vmdir/initramfs.cpio.gz" -o "$vmdir" -t "$VM_TIMEOUT" -m 2048 \
		>"$vmdir/vm.log" 2>&1
	status=$?
	echo "$status $(( $(date +%s) - t0 ))" >"$vmdir/status"
}

note "VMs: $KERNELS, in parallel; seeds: $FIXED_SEED (fixed), $fresh_seed (fresh, on $fresh_vm)"
for k in $KERNELS; do
	run_vm "$k" &
done
wait

summary=()
for k in $KERNELS; do
	vmdir=$BUILD/vm/$k
	read -r status secs <"$vmdir/status"
	depth=0
	[ "$k" = "$intree_vm" ] && depth=1
	read -r p f s < <("$MMAPDEMO_TOP/scripts/tap-count.sh" "$vmdir/output.log" "$depth")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	sed -n 's/^\(# \)*not ok /not ok /p' "$vmdir/output.log" | sed "s/^/FAIL  $k: /"
	if [ "$f" -ne 0 ]; then
		failures+=("$f selftests on $k")
		echo "      replay: KERNEL=$k make shell; in the VM: MMAPDEMO_SEED=$(seed_of "$k") ./mmapdemo.sh --long"
	fi
	if [ "$status" -eq 0 ]; then
		result "$k: VM run and kernel log" pass "${secs}s"
	else
		result "$k: VM run and kernel log" fail "status $status, see ${vmdir#"$MMAPDEMO_TOP"/}"
		cat "$vmdir/vm.log" 2>/dev/null
	fi
	if [ "$k" = "$intree_vm" ]; then
		check "$k: run_kselftest.sh output is valid KTAP (kunit.py parse)" \
			"$LOGS/ktap-parse.log" ktap_valid "$vmdir/output.log"
	fi
	summary+=("$(printf '%-7s %-28s %4d passed, %d failed, %d skipped, VM status %d, %ds, seed %s' \
		"$k:" "$(kernel_release "$k")" "$p" "$f" "$s" "$status" "$secs" "$(seed_of "$k")")")
done

note "the checks themselves"
check "klog-check, tap-count and vm.sh catch what they must" "$LOGS/selftest-scripts.log" \
	"$MMAPDEMO_TOP/scripts/selftest-scripts.sh" "$(kernel_image 6.12)"

note "summary ($(( $(date +%s) - start ))s)"
printf '%s\n' "${summary[@]}"
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
