#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load mmapdemo.ko, run the mmapdemo selftests, unload it.  Exits 4 (the
# kselftest skip code) where it cannot run: not root, or no module to load.
# The module comes from $MMAPDEMO_KO, else mmapdemo.ko next to this script,
# else modprobe; one already loaded is used as it is and left loaded.
#
#	mmapdemo.sh [--long]
#
# By default the run fits the kselftest timeout in ./settings.  --long, or
# MMAPDEMO_LONG=1 (the kselftest runner passes no arguments), runs the long
# versions, as make check does: stress_test for 60 s, diff_test's 1000
# sequences per device, hostile_test's 3000 calls per device and
# unload_test's 100 load/unload cycles.  MMAPDEMO_SEED=N seeds every
# randomized test; without it the run picks one and prints it first, so
# that MMAPDEMO_SEED=N mmapdemo.sh replays the run.
ksft_skip=4
dir=$(cd "$(dirname "$0")" && pwd)

case "${1:-}" in
--long) MMAPDEMO_LONG=1 ;;
"") ;;
*)
	echo "usage: $0 [--long]" >&2
	exit 1
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "# SKIP: mmapdemo.sh must run as root"
	exit $ksft_skip
fi

if [ -z "${MMAPDEMO_SEED:-}" ]; then
	MMAPDEMO_SEED=$(od -An -N4 -tu4 /dev/urandom 2>/dev/null | tr -d ' ')
	[ -n "$MMAPDEMO_SEED" ] || MMAPDEMO_SEED=$(date +%s)
fi
export MMAPDEMO_SEED MMAPDEMO_LONG
mode=default
[ -n "${MMAPDEMO_LONG:-}" ] && [ "$MMAPDEMO_LONG" != 0 ] && mode=long
echo "# seed $MMAPDEMO_SEED, $mode run (replay: MMAPDEMO_SEED=$MMAPDEMO_SEED" \
	"${MMAPDEMO_LONG:+MMAPDEMO_LONG=$MMAPDEMO_LONG }$0)"

# What the kernel holds before and after, and kmemleak (debug kernels).
meminfo() {
	awk '/^(MemFree|Slab):/ { printf "%s %s kB  ", $1, $2 } END { print "" }' \
		/proc/meminfo
}
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear >$kmemleak
echo "# memory before: $(meminfo)"

ko=${MMAPDEMO_KO:-$dir/mmapdemo.ko}
loaded_here=
if [ -d /sys/module/mmapdemo ]; then
	echo "# mmapdemo is already loaded: testing it as it is"
elif [ -f "$ko" ]; then
	insmod "$ko" || exit 1
	loaded_here=1
elif modprobe -q mmapdemo 2>/dev/null; then
	ko=$(modinfo -n mmapdemo)
	loaded_here=1
else
	echo "# SKIP: no mmapdemo.ko (set MMAPDEMO_KO) and modprobe cannot find it"
	exit $ksft_skip
fi
export MMAPDEMO_KO="$ko"

rc=0
# unload_test goes last: it reloads the module, and checks nothing is left.
for t in file_test anon_test huge_test admit_test flags_test ops_test \
	trace_test tour_test limits_test fault_inject_test hostile_test \
	reliability_test folio_test boundary_test uffd_test remote_test \
	huge_ops_test notify_test notify_watch_test eager_test pin_test \
	stress_test; do
	echo "# mmapdemo.sh: running $t" # tap-count.sh's mark
	"$dir/$t" || rc=1
done
# The devices against memfd and /dev/zero (100 random sequences each, 1000
# in a long run), and the same machinery on the references alone.
echo "# mmapdemo.sh: running diff_test"
"$dir/diff_test" || rc=1
echo "# mmapdemo.sh: running diff_test -S"
"$dir/diff_test" -S -n 100 || rc=1
echo "# mmapdemo.sh: running unload_test"
"$dir/unload_test" || rc=1

if [ -n "$loaded_here" ] && ! rmmod mmapdemo; then
	echo "# rmmod mmapdemo failed"
	rc=1
fi
echo "# memory after:  $(meminfo)"
if [ -n "$loaded_here" ] && [ -w $kmemleak ]; then
	# kmemleak reports objects older than 5 s, found by two scans.
	sleep 6
	echo scan >$kmemleak
	echo scan >$kmemleak
	if [ -s $kmemleak ]; then
		echo "# kmemleak found leaks:"
		sed 's/^/# /' $kmemleak
		rc=1
	else
		echo "# kmemleak: no leaks"
	fi
fi
exit $rc
