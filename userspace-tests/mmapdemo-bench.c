// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-bench: what a page costs when it arrives through mmapdemo's fault
 * handlers, next to what it costs through the kernel's own memory, measured
 * in the same boot.  `make bench` (scripts/bench.sh) runs it in QEMU VMs.
 *
 * Targets, each mapped 2 MiB-aligned, and the baseline each is compared to:
 *
 *   mmapdemo-shared        /dev/mmapdemo MAP_SHARED       memfd-shared
 *   mmapdemo-private       /dev/mmapdemo MAP_PRIVATE      memfd-private
 *   mmapdemo-anon-shared   /dev/mmapdemo-anon MAP_SHARED  zero-shared
 *   mmapdemo-anon-private  /dev/mmapdemo-anon MAP_PRIVATE zero-private
 *   mmapdemo-huge          /dev/mmapdemo-huge MAP_SHARED  memfd-shared
 *                          (rows only where the node exists)
 *   mmapdemo-insert        /dev/mmapdemo-insert MAP_SHARED: mapped whole
 *                          by mmap() (vm_insert_pages())  memfd-shared+pop
 *   mmapdemo-remap         /dev/mmapdemo-remap MAP_SHARED (remap_pfn_range())
 *                                                      memfd-shared+pop
 *   memfd-shared/-private  a memfd prefilled by write(2): its pages exist,
 *                          as the driver's buffer pages do
 *   memfd-thp-shared       the same, written while shmem_enabled is
 *                          "always": in 2 MiB folios, as tmpfs with huge
 *                          pages keeps a file (the driver's buffer is in
 *                          2 MiB folios too where large_folios is on)
 *   anon-private-thp-off   MAP_PRIVATE|MAP_ANONYMOUS, THP "never"
 *   anon-private-thp-on    the same with THP "always"  anon-private-thp-off
 *   anon-shared            MAP_SHARED|MAP_ANONYMOUS (shmem)
 *   zero-shared            /dev/zero MAP_SHARED        anon-shared
 *   zero-private           /dev/zero MAP_PRIVATE, THP "never"
 *                                                      anon-private-thp-off
 *   X+pop                  X mapped with MAP_POPULATE: the timed region is
 *                          mmap() and the touch (write workload only; the
 *                          same for mmapdemo-insert and -remap);
 *                          compared to its baseline's +pop row (a
 *                          baseline's to its own plain row)
 *
 * Workloads (one byte per page, in page order unless said):
 *   read      first touch, loads
 *   write     first touch, stores
 *   rand      first touch, stores, pages in a fixed-seed random order
 *   retouch   stores after the range was written and MADV_DONTNEED'ed
 *             (not on mmapdemo-huge: a VM_PFNMAP range refuses DONTNEED)
 *   rewrite   stores after a read of the range mapped it: the devices
 *             that report writes hear of each first store (write-notify)
 *   rearm     stores after the range was written and MMAPDEMO_IOC_WRITTEN
 *             reported it (untimed), which write-protected it again; on a
 *             memfd, stores after the range was written
 *   report    MMAPDEMO_IOC_WRITTEN over the range, written all over (the
 *             devices that report writes only: no baseline)
 *   munmap    munmap() of a range written all over
 *   mmap      mmap() alone (the mapcost section: next to write, it shows
 *             what mmap() costs against what first touch costs, for
 *             the eager nodes and MAP_POPULATE against the fault handlers)
 *   fork      fork() of a process whose private range is written all over
 *   cow       the fork child's stores to that range (copy-on-write)
 *   t1        one thread writes the range (the two-thread reference)
 *   t2-disjoint    two threads write one half each
 *   t2-interleave  two threads write every other page each
 *   t2-mmaploop    one thread writes the range while another loops
 *                  mmap()/munmap() of an unrelated 64 KiB
 *
 * Each case is timed around the whole pass with CLOCK_MONOTONIC, after a
 * warm-up, for N repetitions with every target of a workload interleaved
 * (ABAB...), and reported as ns per page (minimum and median), page faults
 * per MiB (getrusage() ru_minflt, which counts faults taken for
 * MAP_POPULATE too) and, for the mmapdemo devices, the driver's own view
 * from MMAPDEMO_IOC_GET_INFO: faults its handler served (read + write +
 * cow) and fault-around windows.  The ratio is median over baseline median.
 *
 * It prints a table on stdout, then the same as CSV between marker lines,
 * and the goals, met or missed.  Run it as root (it sets THP in sysfs and
 * restores it) with the module loaded; `-h` lists the options.
 *
 * This file has the targets, the workloads, the sections of a run and
 * main(); a timed pass is bench_run.c's, the table and the goals
 * bench_report.c's (bench.h).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mmapdemo_util.h"
#include "bench.h"

/* clang-format off */
static const struct target targets[] = {
	{ "mmapdemo-shared", "memfd-shared", K_DEV, true, false, THP_ANY },
	{ "mmapdemo-private", "memfd-private", K_DEV, false, false, THP_ANY },
	{ "mmapdemo-anon-shared", "zero-shared", K_DEVANON, true, false, THP_ANY },
	{ "mmapdemo-anon-private", "zero-private", K_DEVANON, false, false, THP_ANY },
	{ "mmapdemo-huge", "memfd-shared", K_HUGE, true, false, THP_ANY },
	{ "mmapdemo-insert", "memfd-shared+pop", K_INSERT, true, false, THP_ANY },
	{ "mmapdemo-remap", "memfd-shared+pop", K_REMAP, true, false, THP_ANY },
	{ "memfd-shared", NULL, K_MEMFD, true, false, THP_ANY },
	{ "memfd-private", NULL, K_MEMFD, false, false, THP_ANY },
	{ "memfd-thp-shared", "memfd-shared", K_MEMFD_THP, true, false, THP_ANY },
	{ "anon-private-thp-off", NULL, K_ANON, false, false, THP_NEVER },
	{ "anon-private-thp-on", "anon-private-thp-off", K_ANON, false, false, THP_ALWAYS },
	{ "anon-shared", NULL, K_ANON, true, false, THP_ANY },
	{ "zero-shared", "anon-shared", K_ZERO, true, false, THP_ANY },
	{ "zero-private", "anon-private-thp-off", K_ZERO, false, false, THP_NEVER },
	{ "mmapdemo-shared+pop", "memfd-shared+pop", K_DEV, true, true, THP_ANY },
	{ "mmapdemo-private+pop", "memfd-private+pop", K_DEV, false, true, THP_ANY },
	{ "mmapdemo-anon-shared+pop", "zero-shared+pop", K_DEVANON, true, true, THP_ANY },
	{ "mmapdemo-anon-private+pop", "zero-private+pop", K_DEVANON, false, true, THP_ANY },
	{ "mmapdemo-huge+pop", "memfd-shared+pop", K_HUGE, true, true, THP_ANY },
	{ "memfd-shared+pop", "memfd-shared", K_MEMFD, true, true, THP_ANY },
	{ "memfd-private+pop", "memfd-private", K_MEMFD, false, true, THP_ANY },
	{ "anon-private-thp-off+pop", "anon-private-thp-off", K_ANON, false, true, THP_NEVER },
	{ "zero-shared+pop", "zero-shared", K_ZERO, true, true, THP_ANY },
	{ "zero-private+pop", "zero-private", K_ZERO, false, true, THP_NEVER },
};
/* clang-format on */
#define NR_TARGETS (sizeof(targets) / sizeof(targets[0]))

/*
 * Not a mapping: the two-thread cases' calibration.  Its "pages" are
 * arithmetic only, so its speed-up is what two vCPUs can give at all.
 */
/* clang-format off */
static const struct target cpu_target = {
	"cpu-only", NULL, K_CPU, false, false, THP_ANY
};
/* clang-format on */

/*
 * The targets of the scaling check (ours, and the memfd for the kernel's
 * own curve) and of the two-thread cases (ours and their baselines).
 */
/* clang-format off */
static const char *const scale_targets[] = {
	"mmapdemo-shared", "mmapdemo-private", "mmapdemo-anon-shared",
	"mmapdemo-anon-private", "mmapdemo-huge", "memfd-shared",
};
/* clang-format on */

/* clang-format off */
static const char *const thread_targets[] = {
	"mmapdemo-shared", "memfd-shared", "mmapdemo-private", "memfd-private",
	"mmapdemo-anon-shared", "zero-shared", "mmapdemo-anon-private",
	"zero-private", "mmapdemo-huge",
};
/* clang-format on */

/*
 * The mapcost section: the eager nodes, and the fault-served nodes with and
 * without MAP_POPULATE, with the memfd for the kernel's own cost.
 */
/* clang-format off */
static const char *const mapcost_targets[] = {
	"mmapdemo-insert", "mmapdemo-remap", "mmapdemo-huge",
	"mmapdemo-huge+pop", "mmapdemo-shared", "mmapdemo-shared+pop",
	"mmapdemo-anon-shared", "mmapdemo-anon-shared+pop", "memfd-shared",
	"memfd-shared+pop",
};
/* clang-format on */

/* clang-format off */
const char *const work_names[] = {
	"read", "write", "rand", "retouch", "rewrite", "rearm", "report",
	"munmap", "fork", "cow", "t1", "t2-disjoint", "t2-interleave",
	"t2-mmaploop", "mmap",
};
/* clang-format on */

/* Options. */
static int reps = 5, warmup = 1, scale_reps = 2;
size_t main_size = 16 * MIB;
size_t scale_sizes[MAX_SIZES] = { 1 * MIB, 16 * MIB, 64 * MIB, 256 * MIB };
int nr_scale_sizes = 4;
static size_t mapcost_sizes[] = { 1 * MIB, 16 * MIB, 256 * MIB };
bool do_main = true, do_scale = true, do_threads;
static bool do_warm, do_mapcost;
static const char *only_works; /* -k: the workloads to run, or NULL */
const char *label = "run";

size_t ps;
int ncpus;
char kernel[128];

static const struct target *find_target(const char *name)
{
	size_t i;

	for (i = 0; i < NR_TARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

/* Is @w in the -k list?  Names match whole, fork goes with cow. */
static bool work_selected(enum work w)
{
	char list[256], *tok, *save = NULL;

	if (!only_works)
		return true;
	snprintf(list, sizeof(list), "%s", only_works);
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, work_names[w]))
			return true;
	return false;
}

static bool applies(const struct target *t, enum work w)
{
	if (!available(t))
		return false;
	/* MAP_POPULATE does the same work whatever the touch: writes only. */
	if (eager(t) && w != W_WRITE && w != W_MMAP)
		return false;
	if ((w == W_FORK || w == W_COW) && t->shared)
		return false;
	/* MADV_DONTNEED refuses VM_PFNMAP: EINVAL. */
	if (w == W_RETOUCH && t->kind == K_HUGE)
		return false;
	/* Write notification: the shared file-like targets. */
	if (w == W_REWRITE || w == W_REARM)
		return t->shared &&
		       (t->kind == K_DEV || t->kind == K_HUGE ||
			t->kind == K_MEMFD || t->kind == K_MEMFD_THP);
	if (w == W_REPORT)
		return t->shared && (t->kind == K_DEV || t->kind == K_HUGE);
	return true;
}

/*
 * Run workload @w on @list for warm-up plus @nreps passes, the targets
 * interleaved within each pass, and add a row per target.
 */
static void run_work(const char *section, enum work w,
		     const struct target *const *list, int nr, int nreps,
		     bool warm_all)
{
	double t0 = now_ns();
	int first = nr_rows, i, rep;

	/* fork() is timed in the cow passes: its rows come first. */
	if (w == W_COW)
		for (i = 0; i < nr; i++)
			new_row(section, W_FORK, list[i], env.size);
	for (i = 0; i < nr; i++)
		new_row(section, w, list[i], env.size);
	for (rep = -warmup; rep < nreps; rep++) {
		for (i = 0; i < nr; i++) {
			struct row *r = &rows[first + i], *f = NULL;
			struct sample s, fs;

			if (w == W_COW) {
				f = r;
				r += nr;
			}
			/*
			 * Only the huge node changes with its first pass (it
			 * allocates its chunks then): the others may skip
			 * the warm-up where time is short.
			 */
			if (rep < 0 && !warm_all && list[i]->kind != K_HUGE)
				continue;
			run_case(list[i], w, &s, &fs);
			if (rep < 0)
				continue;
			r->s[r->nr++] = s;
			if (f)
				f->s[f->nr++] = fs;
		}
	}
	printf("# %-8s %-13s %4zu MiB  %2d targets x %d passes (+%d warm-up)  %.1f s\n",
	       section, work_names[w], env.size / MIB, nr, nreps, warmup,
	       (now_ns() - t0) / 1e9);
	fflush(stdout);
}

static int select_targets(const char *const *names, int nr_names, enum work w,
			  const struct target **list)
{
	int i, nr = 0;

	for (i = 0; i < nr_names; i++) {
		const struct target *t = find_target(names[i]);

		if (t && applies(t, w))
			list[nr++] = t;
	}
	return nr;
}

static void run_main(void)
{
	static const enum work works[] = {
		W_READ,	 W_WRITE,  W_RAND,   W_RETOUCH, W_REWRITE,
		W_REARM, W_REPORT, W_MUNMAP, W_COW,
	};
	const struct target *list[NR_TARGETS];
	size_t i, w;
	int nr;

	env_setup(main_size);
	for (w = 0; w < sizeof(works) / sizeof(works[0]); w++) {
		if (!work_selected(works[w]))
			continue;
		nr = 0;
		for (i = 0; i < NR_TARGETS; i++)
			if (applies(&targets[i], works[w]))
				list[nr++] = &targets[i];
		run_work("main", works[w], list, nr, reps, true);
	}
}

static void run_scale(void)
{
	const struct target *list[NR_TARGETS];
	int i, nr;

	for (i = 0; i < nr_scale_sizes; i++) {
		if (!work_selected(W_READ) && !work_selected(W_WRITE))
			break;
		env_setup(scale_sizes[i]);
		nr = select_targets(scale_targets,
				    sizeof(scale_targets) /
					    sizeof(scale_targets[0]),
				    W_READ, list);
		if (work_selected(W_READ))
			run_work("scale", W_READ, list, nr, scale_reps, false);
		if (work_selected(W_WRITE))
			run_work("scale", W_WRITE, list, nr, scale_reps, false);
	}
}

/* mmap() and first touch, 1 to 256 MiB: what an eager mapping costs. */
static void run_mapcost(void)
{
	const struct target *list[NR_TARGETS];
	size_t i;
	int nr;

	for (i = 0; i < ARRAY_SIZE(mapcost_sizes); i++) {
		env_setup(mapcost_sizes[i]);
		nr = select_targets(mapcost_targets,
				    ARRAY_SIZE(mapcost_targets), W_MMAP, list);
		run_work("mapcost", W_MMAP, list, nr, scale_reps, false);
		run_work("mapcost", W_WRITE, list, nr, scale_reps, false);
	}
}

static void run_thread_cases(void)
{
	static const enum work works[] = { W_T1, W_T2D, W_T2I, W_T2M };
	const struct target *list[NR_TARGETS + 1];
	size_t w;
	int nr;

	env_setup(main_size);
	for (w = 0; w < sizeof(works) / sizeof(works[0]); w++) {
		if (!work_selected(works[w]))
			continue;
		nr = select_targets(thread_targets,
				    sizeof(thread_targets) /
					    sizeof(thread_targets[0]),
				    works[w], list);
		if (works[w] == W_T1 || works[w] == W_T2D)
			list[nr++] = &cpu_target;
		run_work("threads", works[w], list, nr, reps, true);
	}
}

/*
 * Touch nearly all free memory once before measuring.  Under QEMU's TCG the
 * first use of a guest-physical page was seen to cost up to twice what
 * later uses do (in -icount guest time), so without this the first
 * workload pays more than the same workload later in the same boot.
 */
static void warm_memory(void)
{
	char line[128];
	size_t kb = 0, size;
	double t0 = now_ns();
	FILE *f = fopen("/proc/meminfo", "r");
	void *p;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %zu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	if (kb < 256 * 1024)
		return;
	size = (kb - 128 * 1024) * 1024 & ~(PMD_SIZE_ - 1);
	thp_set("always");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_NORESERVE, -1,
		 0);
	if (p != MAP_FAILED)
		munmap(p, size);
	thp_restore();
	printf("# warmed %zu MiB of memory in %.1f s\n", size / MIB,
	       (now_ns() - t0) / 1e9);
}

/*
 * The string-instruction flags: with ERMS the kernel clears and copies
 * pages with "rep stosb/movsb", which -icount counts per byte.
 */
static void print_cpu_flags(void)
{
	static const char *const flags[] = { "erms", "fsrm", "rep_good" };
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	size_t i;

	printf("env: cpu_flags=");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			char word[32];

			snprintf(word, sizeof(word), " %s", flags[i]);
			printf("%s%s:%s", i ? " " : "", flags[i],
			       strstr(line, word) ? "yes" : "no");
		}
		break;
	}
	printf("\n");
	if (f)
		fclose(f);
}

/* What the numbers depend on, for the record. */
static void print_env(int argc, char **argv)
{
	static const char *const files[][2] = {
		{ "clocksource",
		  "/sys/devices/system/clocksource/clocksource0/current_clocksource" },
		{ "thp", THP_PATH },
		{ "thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag" },
		{ "shmem_enabled",
		  "/sys/kernel/mm/transparent_hugepage/shmem_enabled" },
		{ "fault_around_bytes",
		  "/sys/kernel/debug/fault_around_bytes" },
		{ "meltdown",
		  "/sys/devices/system/cpu/vulnerabilities/meltdown" },
		{ "randomize_va_space", "/proc/sys/kernel/randomize_va_space" },
		{ "mmapdemo_max_size",
		  "/sys/module/mmapdemo/parameters/max_size" },
		{ "cmdline", "/proc/cmdline" },
	};
	char buf[512];
	size_t i;
	int a;

	printf("mmapdemo-bench: %s on Linux %s, %d CPUs, page %zu\n", label,
	       kernel, ncpus, ps);
	printf("env: args=");
	for (a = 1; a < argc; a++)
		printf("%s%s", a > 1 ? " " : "", argv[a]);
	printf("\n");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (read_line(files[i][1], buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "(none)");
		printf("env: %s=%s\n", files[i][0], buf);
	}
	print_cpu_flags();
	printf("env: /dev/mmapdemo-huge %s\n",
	       access("/dev/mmapdemo-huge", F_OK) ?
		       "absent: its rows are skipped" :
		       "present");
	fflush(stdout);
}

static void usage(int rc)
{
	printf("usage: mmapdemo-bench [options]\n"
	       "  -r, --reps N        measured passes per case (default 5)\n"
	       "  -w, --warmup N      warm-up passes per case (default 1)\n"
	       "  -s, --size MiB      size of each case (default 16)\n"
	       "  -S, --scale LIST    sizes of the scaling check, MiB (default 1,16,64,256)\n"
	       "  -R, --scale-reps N  passes per size in the scaling check (default 2)\n"
	       "  -o, --only LIST     sections: main, scale, threads, mapcost (default main,scale)\n"
	       "  -k, --workloads LIST  only these workloads (read, write, rand, retouch,\n"
	       "                      munmap, cow, t1, t2-disjoint, ...; default all)\n"
	       "  -q, --quick         -r 2 -w 1 -s 4 -S 1,4,16 -R 2\n"
	       "  -l, --label NAME    name of this run in the output (default run)\n"
	       "  -W, --warm-memory   touch nearly all free memory once first\n"
	       "  -h, --help\n");
	exit(rc);
}

static void parse_sizes(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	nr_scale_sizes = 0;
	for (tok = strtok_r(copy, ",", &save);
	     tok && nr_scale_sizes < MAX_SIZES;
	     tok = strtok_r(NULL, ",", &save))
		scale_sizes[nr_scale_sizes++] = strtoul(tok, NULL, 0) * MIB;
	free(copy);
}

static void parse_only(const char *arg)
{
	do_main = strstr(arg, "main");
	do_scale = strstr(arg, "scale");
	do_threads = strstr(arg, "threads");
	do_mapcost = strstr(arg, "mapcost");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 's' },
		{ "scale", required_argument, NULL, 'S' },
		{ "scale-reps", required_argument, NULL, 'R' },
		{ "only", required_argument, NULL, 'o' },
		{ "workloads", required_argument, NULL, 'k' },
		{ "quick", no_argument, NULL, 'q' },
		{ "label", required_argument, NULL, 'l' },
		{ "warm-memory", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct utsname u;
	double t0 = now_ns();
	int c;

	while ((c = getopt_long(argc, argv, "r:w:s:S:R:o:k:ql:Wh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 's':
			main_size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'S':
			parse_sizes(optarg);
			break;
		case 'R':
			scale_reps = atoi(optarg);
			break;
		case 'o':
			parse_only(optarg);
			break;
		case 'k':
			only_works = optarg;
			break;
		case 'q':
			reps = 2;
			warmup = 1;
			main_size = 4 * MIB;
			parse_sizes("1,4,16");
			scale_reps = 2;
			break;
		case 'l':
			label = optarg;
			break;
		case 'W':
			do_warm = true;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (reps < 1 || reps > MAX_REPS || scale_reps < 1 ||
	    scale_reps > MAX_REPS || warmup < 0 || !main_size ||
	    !nr_scale_sizes)
		usage(2);

	ps = (size_t)sysconf(_SC_PAGESIZE);
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	setvbuf(stdout, NULL, _IOLBF, 0);
	print_env(argc, argv);

	if (!thp_init())
		printf("# no THP sysfs: the thp-on/off rows run as the kernel has it\n");
	if (access("/dev/mmapdemo", F_OK))
		printf("# no /dev/mmapdemo: is the module loaded?  Baselines only\n");
	if (do_warm)
		warm_memory();

	if (do_main)
		run_main();
	if (do_scale)
		run_scale();
	if (do_threads)
		run_thread_cases();
	if (do_mapcost)
		run_mapcost();
	thp_restore();

	summarize();
	print_table();
	print_csv();
	evaluate_goals();
	printf("\n# %s done in %.1f s of guest time\n", label,
	       (now_ns() - t0) / 1e9);
	return 0;
}
