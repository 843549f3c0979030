#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: what a page costs through mmapdemo's fault handlers, next to
# the kernel's memfd, anonymous memory and /dev/zero, on Debian's 6.1, 6.12
# and newest kernels, with userspace-tests/mmapdemo-bench in QEMU VMs.
#
#  1. install what is missing, build mmapdemo.ko for each kernel and the
#     benchmark (static);
#  2. per kernel, an "icount" run: one vCPU with -icount (vm.sh -x), so that
#     guest time counts instructions and is the same from run to run
#     whatever the host is doing; the single-threaded cases and the scaling
#     check.  The kernels' icount runs go in parallel;
#  3. per kernel, a "tcg2" run: two vCPUs on plain multi-threaded TCG, for
#     the two-thread cases (wall-clock time: these vary with host load);
#  4. the CSV of each run in build/bench/, then one table of both kernels,
#     the goals, and the command that reproduces it all.
#
# Guests run with ASLR off, THP "never" (the rows that need THP set it
# themselves and restore it), and the memory debugging that vm.sh turns on
# for the checks (slub_debug, init_on_free, page_poison, KFENCE) turned
# back off, so that allocating and freeing cost what they cost on Debian.
# They also run without ERMS/FSRM (clearcpuid=erms,fsrm): -icount counts
# every iteration of a "rep stosb/movsb" as an instruction, so with them a
# page clear or copy would count 4096 "ns", several times the whole fault
# around it, where real hardware needs a fraction of it; without them the
# kernel clears and copies with "rep stosq/movsq" (512 iterations).
#
# Environment: KERNELS (default "6.1 6.12 newest"), BENCH_QUICK=1 (a smoke run of a
# minute or two), BENCH_ARGS (more arguments for the icount runs, e.g.
# "-r 11"), BENCH_THREAD_ARGS (for the tcg2 runs), BENCH_RUNS (default
# "icount pages tcg2"), BENCH_APPEND (kernel command line added to vm.sh's).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KERNELS=${KERNELS:-6.1 6.12 newest}
BENCH_RUNS=${BENCH_RUNS:-icount pages tcg2}
BENCH_QUICK=${BENCH_QUICK:-}
BENCH_ARGS=${BENCH_ARGS:-}
BENCH_THREAD_ARGS=${BENCH_THREAD_ARGS:-}
BENCH_APPEND=${BENCH_APPEND-slub_debug=- init_on_free=0 page_poison=0 kfence.sample_interval=0 clearcpuid=erms,fsrm}
OUT=$BUILD/bench
# The largest size the benchmark maps: the huge and eager nodes' fixed size.
HUGE_SIZE=$((256 << 20))

start=$(date +%s)
"$MMAPDEMO_TOP/scripts/setup.sh"
"$MMAPDEMO_TOP/scripts/ksft.sh"
rm -rf "$OUT"
mkdir -p "$OUT/bin"

note "building mmapdemo.ko for $KERNELS and mmapdemo-bench"
declare -A ko
for k in $KERNELS; do
	ko[$k]=$("$MMAPDEMO_TOP/scripts/build-module.sh" "bench-$k" "$k")
done
make -s -C "$MMAPDEMO_TOP/userspace-tests" OUTPUT="$OUT/bin" LDFLAGS=-static \
	"$OUT/bin/mmapdemo-bench"

quick=""
[ -n "$BENCH_QUICK" ] && quick="-q"
# run NAME -> "vm.sh options|mmapdemo-bench arguments|module parameters"
# "pages": the icount run's main cases with large_folios=0, where it is on
# by default (not 6.1): the figures the driver gives in pages.
run_config() {
	case $1 in
	icount) echo "-x -c 1|$quick -W -r 3 --only main,scale,mapcost $BENCH_ARGS|" ;;
	pages) echo "-x -c 1|$quick -W -r 3 --only main $BENCH_ARGS|large_folios=0" ;;
	tcg2) echo "-c 2|$quick -W -r 7 --only threads $BENCH_THREAD_ARGS|" ;;
	*) die "unknown run $1" ;;
	esac
}

# Boot kernel $1 for run $2; the guest's output lands in $OUT/$1-$2/.
boot() {
	local k=$1 run=$2 dir=$OUT/$1-$2 cfg vmopts args params t0 rc=0

	cfg=$(run_config "$run")
	vmopts=${cfg%%|*} params=${cfg##*|} args=${cfg#*|}
	args=${args%|*}
	mkdir -p "$dir"
	cat >"$dir/run.sh" <<RUN
echo 0 >/proc/sys/kernel/randomize_va_space
echo never >/sys/kernel/mm/transparent_hugepage/enabled
echo never >/sys/kernel/mm/transparent_hugepage/shmem_enabled
echo 1 >/proc/sys/vm/compact_memory
insmod /bench/mmapdemo.ko huge_size=$HUGE_SIZE eager_size=$HUGE_SIZE $params || exit 1
/bench/mmapdemo-bench --label $run $args
rc=\$?
rmmod mmapdemo || rc=1
exit \$rc
RUN
	"$MMAPDEMO_TOP/scripts/initramfs.sh" "$dir/initramfs.cpio.gz" "$dir/run.sh" \
		"$OUT/bin/mmapdemo-bench:bench/mmapdemo-bench" "${ko[$k]}:bench/mmapdemo.ko"
	# shellcheck disable=SC2086
	echo "scripts/vm.sh $vmopts -m 2048 -t 1500 -a '$BENCH_APPEND'" \
		"-k $(kernel_image "$k") -i ${dir#"$MMAPDEMO_TOP"/}/initramfs.cpio.gz" \
		"-o ${dir#"$MMAPDEMO_TOP"/}  # guest: mmapdemo-bench --label $run $args" \
		>"$dir/command"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	"$MMAPDEMO_TOP/scripts/vm.sh" $vmopts -m 2048 -t 1500 -a "$BENCH_APPEND" \
		-k "$(kernel_image "$k")" -i "$dir/initramfs.cpio.gz" -o "$dir" || rc=$?
	echo "$(( $(date +%s) - t0 ))" >"$dir/seconds"
	sed -n '/^--- mmapdemo-bench csv begin/,/^--- mmapdemo-bench csv end/p' \
		"$dir/output.log" | sed '1d;$d' >"$OUT/$k-$run.csv"
	sed -n '/^--- mmapdemo-bench goals csv begin/,/^--- mmapdemo-bench goals csv end/p' \
		"$dir/output.log" | sed '1d;$d' >"$OUT/$k-$run-goals.csv"
	if [ "$rc" -ne 0 ] || [ ! -s "$OUT/$k-$run.csv" ]; then
		echo "bench: $k $run failed (status $rc): see ${dir#"$MMAPDEMO_TOP"/}/" >&2
		tail -n 5 "$dir/output.log" "$dir/console.log" >&2 || true
		return 1
	fi
	note "$k $run: $(cat "$dir/seconds") s"
}

failed=0
# The icount runs measure guest instructions: host load does not matter,
# so the kernels run side by side.  The tcg2 runs measure wall time: alone.
pids=()
for run in $BENCH_RUNS; do
	[ "$run" != tcg2 ] || continue
	for k in $KERNELS; do
		[ "$run.$k" != pages.6.1 ] || continue # in pages already
		note "booting $k for the $run run"
		boot "$k" "$run" &
		pids+=($!)
	done
done
for p in "${pids[@]}"; do
	wait "$p" || failed=1
done
for run in $BENCH_RUNS; do
	[ "$run" = tcg2 ] || continue
	for k in $KERNELS; do
		note "booting $k for the $run run"
		boot "$k" "$run" || failed=1
	done
done

# Everything in one CSV each, header once.
for kind in "" "-goals"; do
	first=1
	for run in $BENCH_RUNS; do
		for k in $KERNELS; do
			f=$OUT/$k-$run$kind.csv
			[ -s "$f" ] || continue
			if [ -n "$first" ]; then cat "$f"; first=""; else tail -n +2 "$f"; fi
		done
	done >"$OUT/all$kind.csv"
done

# The combined table: one line per case, the kernels side by side.
{
	echo "mmapdemo-bench, $(date -u '+%Y-%m-%d %H:%M UTC'), mmapdemo $(git -C "$MMAPDEMO_TOP" describe --always --dirty 2>/dev/null || echo '?')"
	echo "ns/pg: guest ns per page, median (icount runs: 1 ns = 1 instruction; tcg2: wall time)"
	echo "guest kernel command line adds: $BENCH_APPEND"
	echo "ratio: median over the baseline's median, same boot; flt: page faults/MiB (getrusage);"
	echo "drv: faults the driver's handler served + fault-around windows, per MiB"
	awk -F, -v kernels="$KERNELS" '
	FNR == 1 { next }
	{
		key = $1 SUBSEP $3 SUBSEP $4 SUBSEP $5 SUBSEP $7
		if (!(key in seen)) {
			seen[key] = 1
			order[++n] = key
			base[key] = $6 == "" ? "-" : $6
		}
		k = $2
		sub(/-amd64$/, "", k)
		kname[$2] = k
		med[key, $2] = $10
		ratio[key, $2] = $11
		flt[key, $2] = $12
		drv[key, $2] = ($14 > 0 || $13 > 0) ? sprintf("%.1f+%.1f", $13, $14) : "-"
		if ($15 > 0) drv[key, $2] = sprintf("%.2fhuge", $15)
		if ($16 != "") extra[key, $2] = sprintf("%s %.2f", $16, $17)
		if (!($2 in kseen)) { kseen[$2] = 1; kl[++nk] = $2 }
	}
	END {
		last = ""
		for (i = 1; i <= n; i++) {
			split(order[i], f, SUBSEP)
			sec = f[1] "/" f[2]
			if (sec != last) {
				last = sec
				printf "\n== %s\n%-13s %-26s %4s %-21s", sec, "workload", "target", "MiB", "baseline"
				for (j = 1; j <= nk; j++)
					printf " | %-36s", kname[kl[j]] ": ns/pg ratio flt drv"
				printf "\n"
			}
			printf "%-13s %-26s %4s %-21s", f[3], f[4], f[5], base[order[i]]
			for (j = 1; j <= nk; j++) {
				kk = kl[j]
				if (!((order[i], kk) in med)) { printf " | %-36s", "-"; continue }
				r = ratio[order[i], kk]
				printf " | %8.0f %6s %6.1f %-13s", med[order[i], kk], r == "-" ? "-" : sprintf("%.2f", r), flt[order[i], kk], drv[order[i], kk]
				if ((order[i], kk) in extra) printf " %s", extra[order[i], kk]
			}
			printf "\n"
		}
	}' "$OUT/all.csv"
	echo
	echo "== goals (status: met / missed; info = measured where it is not a goal; n/a = not measured)"
	for k in $KERNELS; do
		tail -n +2 "$OUT/all-goals.csv" | awk -F, -v k="$(kernel_release "$k")" '
			$2 == k { printf "%-6s %-5s %-7s %-52s %9s %s %-7s %s\n", $1, substr(k, 1, index(k, "-") - 1), $7, $3, $4, $5, $6, $8 }'
	done
} >"$OUT/table.txt"

cat "$OUT/table.txt"
total=$(( $(date +%s) - start ))
{
	echo
	echo "== reproduce"
	printf 'cd %s && git checkout %s && ' "$MMAPDEMO_TOP" \
		"$(git -C "$MMAPDEMO_TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
	printf 'KERNELS=%q BENCH_RUNS=%q BENCH_QUICK=%q BENCH_ARGS=%q BENCH_THREAD_ARGS=%q BENCH_APPEND=%q scripts/bench.sh\n' \
		"$KERNELS" "$BENCH_RUNS" "$BENCH_QUICK" "$BENCH_ARGS" "$BENCH_THREAD_ARGS" "$BENCH_APPEND"
	echo "each VM, as booted (from build/bench/*/command):"
	cat "$OUT"/*/command | sed 's/^/  /'
	echo "files: ${OUT#"$MMAPDEMO_TOP"/}/table.txt, all.csv, all-goals.csv, <kernel>-<run>.csv, <kernel>-<run>/output.log"
	echo "wall time: ${total} s"
} | tee -a "$OUT/table.txt"
[ "$failed" -eq 0 ] || die "a VM run failed"
