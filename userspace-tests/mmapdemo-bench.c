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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmapdemo_util.h"

#define MIB (1024UL * 1024)
#define PMD_SIZE_ (2 * MIB)
#define THP_PATH "/sys/kernel/mm/transparent_hugepage/enabled"
#define MAX_REPS 64
#define MAX_SIZES 8
#define LOOP_SIZE (64 * 1024UL)

enum tkind {
	K_DEV,
	K_DEVANON,
	K_HUGE,
	K_INSERT,
	K_REMAP,
	K_MEMFD,
	K_MEMFD_THP,
	K_ANON,
	K_ZERO,
	K_CPU
};
enum thp { THP_ANY, THP_NEVER, THP_ALWAYS };

struct target {
	const char *name;
	const char *base; /* the row it is compared to, or NULL */
	enum tkind kind;
	bool shared;
	bool populate;
	enum thp thp;
};

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
enum work {
	W_READ, W_WRITE, W_RAND, W_RETOUCH, W_REWRITE, W_REARM, W_REPORT,
	W_MUNMAP, W_FORK, W_COW, W_T1, W_T2D, W_T2I, W_T2M, W_MMAP, NR_WORK
};
/* clang-format on */

/* clang-format off */
static const char *const work_names[] = {
	"read", "write", "rand", "retouch", "rewrite", "rearm", "report",
	"munmap", "fork", "cow", "t1", "t2-disjoint", "t2-interleave",
	"t2-mmaploop", "mmap",
};
/* clang-format on */

/* What one timed pass measured. */
struct sample {
	double ns;
	double minflt;
	double drv_faults; /* read + write + cow faults the driver served */
	double drv_windows; /* fault-around windows */
	double drv_huge; /* 2 MiB mappings */
	double aux; /* mmap/munmap loops of t2-mmaploop */
	double csw; /* involuntary context switches */
};

/* One line of the table. */
struct row {
	const char *section;
	enum work work;
	const struct target *t;
	size_t size;
	int nr;
	struct sample s[MAX_REPS];
	double ns_min, ns_med, flt, drv, win, huge, aux, csw;
	double ratio; /* NAN without a baseline */
	const char *extra_name;
	double extra;
};

static struct row *rows;
static int nr_rows, max_rows;

/* Options. */
static int reps = 5, warmup = 1, scale_reps = 2;
static size_t main_size = 16 * MIB;
static size_t scale_sizes[MAX_SIZES] = { 1 * MIB, 16 * MIB, 64 * MIB,
					 256 * MIB };
static int nr_scale_sizes = 4;
static size_t mapcost_sizes[] = { 1 * MIB, 16 * MIB, 256 * MIB };
static bool do_main = true, do_scale = true, do_threads, do_warm, do_mapcost;
static const char *only_works; /* -k: the workloads to run, or NULL */
static const char *label = "run";

static size_t ps;
static int ncpus;
static char kernel[128];
static char thp_saved[32];
static char thp_now[32];

/* The files the targets map, for the current size. */
static struct {
	size_t size;
	int dev, devanon, huge, insert, remap, memfd, memfd_thp, zero;
	bool large_folios; /* the module's large_folios parameter */
	size_t huge_size; /* fixed by the module's huge_size parameter */
	size_t eager_size; /* and the eager nodes' by eager_size */
	uint32_t *perm;
} env = { .dev = -1,
	  .devanon = -1,
	  .huge = -1,
	  .insert = -1,
	  .remap = -1,
	  .memfd = -1,
	  .memfd_thp = -1,
	  .zero = -1 };

/* THP's "enabled" setting: the word in brackets. */
static void thp_read(char *buf, size_t len)
{
	char line[128], *a, *b;

	buf[0] = '\0';
	if (read_line(THP_PATH, line, sizeof(line)))
		return;
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b && (size_t)(b - a) < len) {
		memcpy(buf, a + 1, b - a - 1);
		buf[b - a - 1] = '\0';
	}
}

static void thp_set(const char *v)
{
	if (!thp_saved[0] || !strcmp(thp_now, v))
		return;
	if (write_str(THP_PATH, v))
		fprintf(stderr, "# cannot set THP to %s: %s\n", v,
			strerror(errno));
	thp_read(thp_now, sizeof(thp_now));
}

static void thp_restore(void)
{
	if (thp_saved[0])
		thp_set(thp_saved);
}

static void thp_for(const struct target *t)
{
	if (t->thp == THP_NEVER)
		thp_set("never");
	else if (t->thp == THP_ALWAYS)
		thp_set("always");
}

static const struct target *find_target(const char *name)
{
	size_t i;

	for (i = 0; i < NR_TARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

/* Is the target's device there?  Rows of a missing node are left out. */
static bool available(const struct target *t)
{
	switch (t->kind) {
	case K_DEV:
		return env.dev >= 0;
	case K_DEVANON:
		return env.devanon >= 0;
	case K_HUGE:
		return env.huge >= 0 && env.huge_size >= env.size;
	case K_INSERT:
		return env.insert >= 0 && env.eager_size >= env.size;
	case K_REMAP:
		return env.remap >= 0 && env.eager_size >= env.size;
	default:
		return true;
	}
}

static int info_fd(const struct target *t)
{
	switch (t->kind) {
	case K_DEV:
		return env.dev;
	case K_DEVANON:
		return env.devanon;
	case K_HUGE:
		return env.huge;
	case K_INSERT:
		return env.insert;
	case K_REMAP:
		return env.remap;
	default:
		return -1;
	}
}

/* One of mmapdemo's devices, which its counters cover. */
static bool ours(const struct target *t)
{
	return t->kind == K_DEV || t->kind == K_DEVANON || t->kind == K_HUGE ||
	       t->kind == K_INSERT || t->kind == K_REMAP;
}

/* Mapped whole by mmap() itself, as MAP_POPULATE does. */
static bool eager(const struct target *t)
{
	return t->populate || t->kind == K_INSERT || t->kind == K_REMAP;
}

static void drv_info(const struct target *t, struct mmapdemo_info *info)
{
	int fd = info_fd(t);

	memset(info, 0, sizeof(*info));
	if (fd >= 0 && ioctl(fd, MMAPDEMO_IOC_GET_INFO, info))
		die("MMAPDEMO_IOC_GET_INFO");
}

#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/*
 * A new memfd in place of @fd, @size bytes written all over from @chunk
 * (1 MiB), with shmem_enabled set to @shmem_thp while it is written.
 */
static int memfd_fill(int fd, size_t size, const char *chunk,
		      const char *shmem_thp)
{
	char saved[128] = "", *a, *b;
	size_t off;

	if (fd >= 0)
		close(fd);
	if (shmem_thp && !read_line(SHMEM_THP, saved, sizeof(saved))) {
		a = strchr(saved, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b) {
			memmove(saved, a + 1, b - a - 1);
			saved[b - a - 1] = '\0';
		}
		write_str(SHMEM_THP, shmem_thp);
	}
	fd = memfd_create("mmapdemo-bench", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	for (off = 0; off < size; off += MIB)
		if (pwrite(fd, chunk, size - off < MIB ? size - off : MIB,
			   (off_t)off) < 0)
			die("prefilling the memfd");
	if (saved[0])
		write_str(SHMEM_THP, saved);
	return fd;
}

/*
 * Open what the targets map and size it: the driver's buffer to @size, a
 * new memfd of @size written all over, and the huge node if there is one.
 */
static void env_setup(size_t size)
{
	uint64_t sz = size;
	size_t npages = size / ps, i;
	char *chunk;

	if (env.dev < 0) {
		env.dev = open("/dev/mmapdemo", O_RDWR | O_CLOEXEC);
		env.devanon = open("/dev/mmapdemo-anon", O_RDWR | O_CLOEXEC);
		env.huge = open("/dev/mmapdemo-huge", O_RDWR | O_CLOEXEC);
		env.insert = open("/dev/mmapdemo-insert", O_RDWR | O_CLOEXEC);
		env.remap = open("/dev/mmapdemo-remap", O_RDWR | O_CLOEXEC);
		env.zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
		if (env.zero < 0)
			die("/dev/zero");
	}
	/* Through zero: a buffer made afresh, in 2 MiB folios where it can. */
	if (env.dev >= 0) {
		uint64_t zero = 0;
		char on[8] = "";

		if (ioctl(env.dev, MMAPDEMO_IOC_SET_SIZE, &zero) ||
		    ioctl(env.dev, MMAPDEMO_IOC_SET_SIZE, &sz))
			die("MMAPDEMO_IOC_SET_SIZE");
		read_line("/sys/module/mmapdemo/parameters/large_folios", on,
			  sizeof(on));
		env.large_folios = on[0] == 'Y';
	}
	/*
	 * The huge node has a fixed size (the huge_size parameter) and keeps
	 * its chunks once touched: its rows run where the size allows.
	 */
	if (env.huge >= 0) {
		struct mmapdemo_info info;

		ioctl(env.huge, MMAPDEMO_IOC_SET_SIZE, &sz);
		if (!ioctl(env.huge, MMAPDEMO_IOC_GET_INFO, &info))
			env.huge_size = info.size;
		if (env.huge_size < size)
			printf("# /dev/mmapdemo-huge has %zu MiB: no huge rows at %zu MiB (load with huge_size=)\n",
			       env.huge_size / MIB, size / MIB);
	}

	if (env.insert >= 0) {
		struct mmapdemo_info info;

		if (!ioctl(env.insert, MMAPDEMO_IOC_GET_INFO, &info))
			env.eager_size = info.size;
		if (env.eager_size < size)
			printf("# /dev/mmapdemo-insert has %zu MiB: no eager rows at %zu MiB (load with eager_size=)\n",
			       env.eager_size / MIB, size / MIB);
	}

	chunk = malloc(MIB);
	if (!chunk)
		die("malloc");
	memset(chunk, 0x5a, MIB);
	env.memfd = memfd_fill(env.memfd, size, chunk, NULL);
	env.memfd_thp = memfd_fill(env.memfd_thp, size, chunk, "always");
	free(chunk);

	/* A fixed-seed permutation of the pages (xorshift, Fisher-Yates). */
	free(env.perm);
	env.perm = malloc(npages * sizeof(*env.perm));
	if (!env.perm)
		die("malloc");
	for (i = 0; i < npages; i++)
		env.perm[i] = (uint32_t)i;
	{
		uint64_t x = 88172645463325252ULL;

		for (i = npages - 1; i > 0; i--) {
			uint32_t tmp;
			size_t j;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			j = x % (i + 1);
			tmp = env.perm[i];
			env.perm[i] = env.perm[j];
			env.perm[j] = tmp;
		}
	}
	env.size = size;
}

/*
 * Address space for @size bytes at a 2 MiB boundary, held by a PROT_NONE
 * reservation that the target's mmap(MAP_FIXED) then replaces.  With ASLR
 * off this is the same address every time, so each pass has the same page
 * table layout.
 */
static char *reserve_pmd(size_t size)
{
	char *p = reserve(size, PMD_SIZE_);

	if (p == MAP_FAILED)
		die("mmap (reserve)");
	return p;
}

static void map_target(const struct target *t, char *at, size_t size)
{
	int flags = (t->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
	int fd = -1;
	void *p;

	switch (t->kind) {
	case K_DEV:
		fd = env.dev;
		break;
	case K_DEVANON:
		fd = env.devanon;
		break;
	case K_HUGE:
		fd = env.huge;
		break;
	case K_INSERT:
		fd = env.insert;
		break;
	case K_REMAP:
		fd = env.remap;
		break;
	case K_MEMFD:
		fd = env.memfd;
		break;
	case K_MEMFD_THP:
		fd = env.memfd_thp;
		break;
	case K_ZERO:
		fd = env.zero;
		break;
	case K_ANON:
	case K_CPU:
		flags |= MAP_ANONYMOUS;
		break;
	}
	if (t->populate)
		flags |= MAP_POPULATE;
	p = mmap(at, size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mmapdemo-bench: mmap %s: %s\n", t->name,
			strerror(errno));
		exit(1);
	}
}

static unsigned long sink;

static void touch_read(const char *p, size_t first, size_t n, size_t step)
{
	const volatile char *v = p;
	unsigned long sum = 0;
	size_t i;

	for (i = first; i < n; i += step)
		sum += v[i * ps];
	sink += sum;
}

static void touch_write(char *p, size_t first, size_t n, size_t step)
{
	volatile char *v = p;
	size_t i;

	for (i = first; i < n; i += step)
		v[i * ps] = (char)i;
}

/* The calibration's work for pages @first, @first + @step, ... below @n. */
static void compute(size_t first, size_t n, size_t step)
{
	uint64_t x = 88172645463325252ULL + first;
	size_t i, j;

	for (i = first; i < n; i += step) {
		for (j = 0; j < 2000; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
	}
	sink += x;
}

static void touch_rand(char *p, size_t n)
{
	volatile char *v = p;
	size_t i;

	for (i = 0; i < n; i++)
		v[(size_t)env.perm[i] * ps] = (char)i;
}

/* MMAPDEMO_IOC_WRITTEN over the first @size bytes of @t's device. */
static void report_written(const struct target *t, size_t size)
{
	static uint64_t bits[MMAPDEMO_WRITTEN_MAX_PAGES / 64];

	if (md_written(info_fd(t), 0, size, bits) < 0)
		die("MMAPDEMO_IOC_WRITTEN");
}

/* The timed region: counters outside, the clock inside. */
struct probe {
	const struct target *t;
	struct mmapdemo_info info;
	long flt, csw;
	double t0;
};

/*
 * Let whatever the previous steps left to kernel threads (freeing, page
 * table and VMA RCU callbacks, vmstat) run now, not inside the timed region.
 */
static void settle(void)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void probe_begin(struct probe *pr, const struct target *t)
{
	settle();
	pr->t = t;
	drv_info(t, &pr->info);
	pr->flt = minflt(&pr->csw);
	pr->t0 = now_ns();
}

static void probe_end(struct probe *pr, struct sample *s)
{
	double t1 = now_ns();
	struct mmapdemo_info info;
	long csw;

	s->minflt = (double)(minflt(&csw) - pr->flt);
	s->csw = (double)(csw - pr->csw);
	drv_info(pr->t, &info);
	s->ns = t1 - pr->t0;
	s->drv_faults = (double)(info.read_faults - pr->info.read_faults +
				 info.write_faults - pr->info.write_faults +
				 info.cow_faults - pr->info.cow_faults);
	s->drv_windows =
		(double)(info.around_windows - pr->info.around_windows);
	s->drv_huge = (double)(info.huge_faults - pr->info.huge_faults);
}

/*
 * fork() under SCHED_FIFO with SCHED_RESET_ON_FORK: the child is an
 * ordinary task and cannot run before the parent's clock stops.
 */
static void fifo(bool on)
{
	struct sched_param sp = { .sched_priority = on ? 1 : 0 };

	sched_setscheduler(
		0, on ? SCHED_FIFO | SCHED_RESET_ON_FORK : SCHED_OTHER, &sp);
}

/*
 * The range is written all over, then fork() is timed in the parent and
 * the child's copy-on-write stores in the child: @fs and @s.
 */
static void run_cow(const struct target *t, char *p, size_t n, struct sample *s,
		    struct sample *fs)
{
	struct mmapdemo_info after;
	struct sample cs;
	struct probe pr;
	int fds[2];
	pid_t pid;

	touch_write(p, 0, n, 1);
	if (pipe(fds))
		die("pipe");
	fifo(true);
	probe_begin(&pr, t);
	pid = fork();
	if (pid == 0) {
		long c0, c1, f0 = minflt(&c0);
		double t0 = now_ns();

		touch_write(p, 0, n, 1);
		memset(&cs, 0, sizeof(cs));
		cs.ns = now_ns() - t0;
		cs.minflt = (double)(minflt(&c1) - f0);
		cs.csw = (double)(c1 - c0);
		if (write(fds[1], &cs, sizeof(cs)) != sizeof(cs))
			_exit(1);
		_exit(0);
	}
	probe_end(&pr, fs);
	fifo(false);
	if (pid < 0)
		die("fork");
	waitpid(pid, NULL, 0);
	if (read(fds[0], &cs, sizeof(cs)) != sizeof(cs))
		die("the cow child");
	close(fds[0]);
	close(fds[1]);
	drv_info(t, &after);
	*s = cs;
	s->drv_faults = (double)(after.read_faults - pr.info.read_faults +
				 after.write_faults - pr.info.write_faults +
				 after.cow_faults - pr.info.cow_faults);
	s->drv_windows =
		(double)(after.around_windows - pr.info.around_windows);
	s->drv_huge = (double)(after.huge_faults - pr.info.huge_faults);
}

/* Two-thread cases: each toucher times itself after a common barrier. */
struct toucher {
	pthread_t tid;
	char *p;
	size_t first, n, step;
	int cpu;
	bool looper;
	double t0, t1;
	unsigned long loops;
};

static pthread_barrier_t barrier;
static volatile int touch_done;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *toucher_main(void *arg)
{
	struct toucher *tc = arg;

	pin(tc->cpu);
	pthread_barrier_wait(&barrier);
	tc->t0 = now_ns();
	if (tc->looper) {
		while (!touch_done) {
			void *q = mmap(NULL, LOOP_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q != MAP_FAILED)
				munmap(q, LOOP_SIZE);
			tc->loops++;
		}
	} else {
		if (tc->p)
			touch_write(tc->p, tc->first, tc->n, tc->step);
		else
			compute(tc->first, tc->n, tc->step);
		__atomic_store_n(&touch_done, 1, __ATOMIC_RELEASE);
	}
	tc->t1 = now_ns();
	return NULL;
}

static void run_threads(const struct target *t, enum work w, char *p, size_t n,
			struct sample *s)
{
	struct toucher tc[2];
	int i, nr = w == W_T1 ? 1 : 2;
	struct probe pr;
	double t0 = 0, t1 = 0;

	memset(tc, 0, sizeof(tc));
	touch_done = 0;
	for (i = 0; i < nr; i++) {
		tc[i].p = p;
		tc[i].cpu = i;
		tc[i].n = n;
		tc[i].step = 1;
	}
	if (w == W_T2D) {
		tc[0].n = n / 2;
		tc[1].first = n / 2;
	} else if (w == W_T2I) {
		tc[0].step = 2;
		tc[1].first = 1;
		tc[1].step = 2;
	} else if (w == W_T2M) {
		tc[1].looper = true;
	}
	if (pthread_barrier_init(&barrier, NULL, nr + 1))
		die("pthread_barrier_init");
	for (i = 0; i < nr; i++)
		if (pthread_create(&tc[i].tid, NULL, toucher_main, &tc[i]))
			die("pthread_create");
	probe_begin(&pr, t);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < nr; i++)
		pthread_join(tc[i].tid, NULL);
	probe_end(&pr, s);
	pthread_barrier_destroy(&barrier);
	/* The touchers' span: from the first start to the last end. */
	for (i = 0; i < nr; i++) {
		if (tc[i].looper)
			continue;
		if (!t0 || tc[i].t0 < t0)
			t0 = tc[i].t0;
		if (tc[i].t1 > t1)
			t1 = tc[i].t1;
	}
	s->ns = t1 - t0;
	s->aux = nr > 1 && tc[1].looper ? (double)tc[1].loops : 0;
}

/*
 * One pass of workload @w on target @t, at the current env size.  W_COW
 * also gives the pass's fork() in @fs.
 */
static void run_case(const struct target *t, enum work w, struct sample *s,
		     struct sample *fs)
{
	size_t size = env.size, n = size / ps;
	struct probe pr;
	char *p;

	memset(s, 0, sizeof(*s));
	if (t->kind == K_CPU) {
		run_threads(t, w, NULL, n, s);
		return;
	}
	thp_for(t);
	p = reserve_pmd(size);
	switch (w) {
	case W_MMAP:
		probe_begin(&pr, t);
		map_target(t, p, size);
		probe_end(&pr, s);
		break;
	case W_READ:
	case W_WRITE:
		if (eager(t)) {
			probe_begin(&pr, t);
			map_target(t, p, size);
		} else {
			map_target(t, p, size);
			probe_begin(&pr, t);
		}
		if (w == W_READ)
			touch_read(p, 0, n, 1);
		else
			touch_write(p, 0, n, 1);
		probe_end(&pr, s);
		break;
	case W_RAND:
		map_target(t, p, size);
		probe_begin(&pr, t);
		touch_rand(p, n);
		probe_end(&pr, s);
		break;
	case W_RETOUCH:
		map_target(t, p, size);
		touch_write(p, 0, n, 1);
		if (madvise(p, size, MADV_DONTNEED))
			die("madvise");
		probe_begin(&pr, t);
		touch_write(p, 0, n, 1);
		probe_end(&pr, s);
		break;
	case W_REWRITE:
		map_target(t, p, size);
		touch_read(p, 0, n, 1);
		probe_begin(&pr, t);
		touch_write(p, 0, n, 1);
		probe_end(&pr, s);
		break;
	case W_REARM:
	case W_REPORT:
		map_target(t, p, size);
		touch_write(p, 0, n, 1);
		if (ours(t) && w == W_REARM)
			report_written(t, size);
		probe_begin(&pr, t);
		if (w == W_REARM)
			touch_write(p, 0, n, 1);
		else
			report_written(t, size);
		probe_end(&pr, s);
		break;
	case W_MUNMAP:
		map_target(t, p, size);
		touch_write(p, 0, n, 1);
		probe_begin(&pr, t);
		munmap(p, size);
		probe_end(&pr, s);
		return;
	case W_COW:
		map_target(t, p, size);
		run_cow(t, p, n, s, fs);
		break;
	default:
		map_target(t, p, size);
		run_threads(t, w, p, n, s);
		break;
	}
	munmap(p, size);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of one field of a row's samples. */
static double row_median(const struct row *r, size_t offset)
{
	double v[MAX_REPS] = { 0 };
	int i;

	for (i = 0; i < r->nr; i++)
		memcpy(&v[i], (const char *)&r->s[i] + offset, sizeof(v[i]));
	return median(v, r->nr);
}

#define ROW_MEDIAN(r, field) row_median(r, offsetof(struct sample, field))

static struct row *new_row(const char *section, enum work w,
			   const struct target *t, size_t size)
{
	struct row *r;

	if (nr_rows == max_rows) {
		max_rows = max_rows ? 2 * max_rows : 128;
		rows = realloc(rows, max_rows * sizeof(*rows));
		if (!rows)
			die("realloc");
	}
	r = &rows[nr_rows++];
	memset(r, 0, sizeof(*r));
	r->section = section;
	r->work = w;
	r->t = t;
	r->size = size;
	r->ratio = NAN;
	r->extra = NAN;
	return r;
}

static struct row *find_row(const char *section, enum work w,
			    const char *target, size_t size)
{
	int i;

	for (i = 0; i < nr_rows; i++)
		if (rows[i].work == w && rows[i].size == size &&
		    !strcmp(rows[i].section, section) &&
		    !strcmp(rows[i].t->name, target))
			return &rows[i];
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

/* Medians, ratios to the baselines, and the two-thread speed-ups. */
static void summarize(void)
{
	int i;

	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		double mib = (double)r->size / MIB,
		       npages = (double)r->size / ps;
		int j;

		r->ns_min = r->s[0].ns;
		for (j = 1; j < r->nr; j++)
			if (r->s[j].ns < r->ns_min)
				r->ns_min = r->s[j].ns;
		r->ns_min /= npages;
		r->ns_med = ROW_MEDIAN(r, ns) / npages;
		r->flt = ROW_MEDIAN(r, minflt) / mib;
		r->drv = ROW_MEDIAN(r, drv_faults) / mib;
		r->win = ROW_MEDIAN(r, drv_windows) / mib;
		r->huge = ROW_MEDIAN(r, drv_huge) / mib;
		r->aux = ROW_MEDIAN(r, aux);
		r->csw = ROW_MEDIAN(r, csw);
	}
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i], *b;

		if (r->t->base) {
			b = find_row(r->section, r->work, r->t->base, r->size);
			if (b && b->ns_med > 0)
				r->ratio = r->ns_med / b->ns_med;
		}
		if (r->work == W_T2D || r->work == W_T2I || r->work == W_T2M) {
			b = find_row(r->section, W_T1, r->t->name, r->size);
			if (!b || r->ns_med <= 0)
				continue;
			if (r->work == W_T2M) {
				r->extra_name = "slowdown";
				r->extra = r->ns_med / b->ns_med;
			} else {
				r->extra_name = "speedup";
				r->extra = b->ns_med / r->ns_med;
			}
		}
	}
}

static void fmt_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static void print_table(void)
{
	const char *section = "";
	int i;

	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		char ratio[16], drv[16], win[16], extra[64];

		if (strcmp(section, r->section)) {
			section = r->section;
			printf("\n== %s (%s, %s)\n", section, label, kernel);
			printf("%-13s %-26s %5s %9s %9s %7s %8s %8s %8s  %-21s %s\n",
			       "workload", "target", "MiB", "ns/pg min",
			       "ns/pg med", "ratio", "flt/MiB", "drv/MiB",
			       "win/MiB", "baseline", "extra");
		}
		fmt_num(ratio, sizeof(ratio), r->ratio, "%.2f");
		fmt_num(drv, sizeof(drv), ours(r->t) ? r->drv : NAN, "%.1f");
		fmt_num(win, sizeof(win), ours(r->t) ? r->win : NAN, "%.1f");
		extra[0] = '\0';
		if (r->extra_name)
			snprintf(extra, sizeof(extra), "%s %.2f", r->extra_name,
				 r->extra);
		if (r->work == W_T2M)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra), " loops %.0f",
				 r->aux);
		if (r->csw)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra), " csw %.0f",
				 r->csw);
		if (r->t->kind == K_HUGE)
			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra),
				 " huge/MiB %.2f", r->huge);
		printf("%-13s %-26s %5zu %9.0f %9.0f %7s %8.1f %8s %8s  %-21s %s\n",
		       work_names[r->work], r->t->name, r->size / MIB,
		       r->ns_min, r->ns_med, ratio, r->flt, drv, win,
		       r->t->base ? r->t->base : "-", extra);
	}
}

static void print_csv(void)
{
	int i;

	printf("\n--- mmapdemo-bench csv begin ---\n");
	printf("run,kernel,section,workload,target,baseline,size_mib,reps,ns_page_min,ns_page_med,ratio,faults_mib,drv_faults_mib,drv_windows_mib,drv_huge_mib,extra_name,extra,aux,csw\n");
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];
		char ratio[16], extra[16];

		fmt_num(ratio, sizeof(ratio), r->ratio, "%.4f");
		fmt_num(extra, sizeof(extra), r->extra, "%.4f");
		printf("%s,%s,%s,%s,%s,%s,%zu,%d,%.1f,%.1f,%s,%.2f,%.2f,%.2f,%.3f,%s,%s,%.0f,%.0f\n",
		       label, kernel, r->section, work_names[r->work],
		       r->t->name, r->t->base ? r->t->base : "", r->size / MIB,
		       r->nr, r->ns_min, r->ns_med, ratio, r->flt,
		       ours(r->t) ? r->drv : 0, ours(r->t) ? r->win : 0,
		       ours(r->t) ? r->huge : 0,
		       r->extra_name ? r->extra_name : "", extra, r->aux,
		       r->csw);
	}
	printf("--- mmapdemo-bench csv end ---\n");
}

/* The goals of the issue, each with what this run measured. */
static int nr_goals;
static char goals[32][320];
/* Measured, but "info" (not a goal here) or "inconclusive" (see notes). */
static const char *status_override;

static void goal(const char *name, double measured, const char *op,
		 double limit, const char *fmt, const char *note)
{
	char m[32], l[32];
	const char *status;

	if (isnan(measured)) {
		status = "n/a";
		snprintf(m, sizeof(m), "-");
	} else {
		bool met = !strcmp(op, "<=") ? measured <= limit :
					       measured >= limit;

		status = status_override ? status_override :
			 met		 ? "met" :
					   "missed";
		snprintf(m, sizeof(m), fmt, measured);
	}
	snprintf(l, sizeof(l), fmt, limit);
	snprintf(goals[nr_goals++], sizeof(goals[0]), "%s,%s,%s,%s,%s,%s,%s,%s",
		 label, kernel, name, m, op, l, status, note);
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

static double row_val(const char *section, enum work w, const char *target,
		      size_t size, int what)
{
	struct row *r = find_row(section, w, target, size);

	if (!r)
		return NAN;
	switch (what) {
	case 0:
		return r->flt;
	case 1:
		return r->ratio;
	default:
		return r->extra;
	}
}

/* The median ns per page of @target at the main size, or NAN. */
static double row_ns(const char *section, enum work w, const char *target)
{
	struct row *r = find_row(section, w, target, main_size);

	return r ? r->ns_med : NAN;
}

/*
 * The scaling check of @target under workload @w: ns per page at the
 * largest size over the cheapest of the smaller sizes.  Flat, or no
 * super-linear growth, is at most 1.2.
 */
static double growth(const char *target, int w)
{
	struct row *big =
		find_row("scale", w, target, scale_sizes[nr_scale_sizes - 1]);
	double best = NAN;
	int k;

	for (k = 0; big && k < nr_scale_sizes - 1; k++) {
		struct row *r = find_row("scale", w, target, scale_sizes[k]);

		if (r && (isnan(best) || r->ns_med < best))
			best = r->ns_med;
	}
	return big ? big->ns_med / best : NAN;
}

static void evaluate_goals(void)
{
	char note[160];
	int i;

	if (do_main) {
		struct row *rd =
			find_row("main", W_READ, "mmapdemo-shared", main_size);
		struct row *wr =
			find_row("main", W_WRITE, "mmapdemo-shared", main_size);

		note[0] = '\0';
		if (rd)
			snprintf(
				note, sizeof(note),
				"driver: %.1f windows + %.1f faults /MiB; memfd-shared %.1f",
				rd->win, rd->drv,
				row_val("main", W_READ, "memfd-shared",
					main_size, 0));
		/*
		 * In 2 MiB folios (large_folios, from 6.12.59): one fault per
		 * 2 MiB, reads and writes, and at least as fast as tmpfs with
		 * huge pages.  In pages (6.1, or large_folios=0): reads fault
		 * once per fault-around window, writes once per page.
		 */
		if (env.large_folios) {
			goal("shared first-touch read faults/MiB",
			     rd ? rd->flt : NAN, "<=", 0.5, "%.1f", note);
			goal("shared first-touch write faults/MiB",
			     wr ? wr->flt : NAN, "<=", 0.5, "%.1f", "");
			goal("shared first-touch read ns/page vs memfd-shared",
			     rd ? rd->ratio : NAN, "<=", 0.1, "%.3fx", "");
			goal("shared first-touch write ns/page vs memfd-shared",
			     wr ? wr->ratio : NAN, "<=", 0.1, "%.3fx", "");
			goal("shared first-touch read ns/page vs memfd-thp-shared",
			     rd ? rd->ns_med / row_ns("main", W_READ,
						      "memfd-thp-shared") :
				  NAN,
			     "<=", 1.0, "%.3fx", "");
			goal("shared first-touch write ns/page vs memfd-thp-shared",
			     wr ? wr->ns_med / row_ns("main", W_WRITE,
						      "memfd-thp-shared") :
				  NAN,
			     "<=", 1.0, "%.3fx", "");
		} else {
			status_override = "info";
			goal("shared first-touch read faults/MiB (pages)",
			     rd ? rd->flt : NAN, "<=", 16, "%.1f", note);
			goal("shared first-touch write faults/MiB (pages)",
			     wr ? wr->flt : NAN, "<=", 256, "%.1f",
			     "large folios off: one fault per page, as a memfd's");
			goal("shared first-touch read ns/page vs memfd-shared (pages)",
			     rd ? rd->ratio : NAN, "<=", 1.0, "%.3fx", "");
			status_override = NULL;
		}
		/* The huge path is a goal on 6.12 only: 6.1 has no huge faults. */
		{
			struct row *hw = find_row("main", W_WRITE,
						  "mmapdemo-huge", main_size);
			struct row *hr = find_row("main", W_READ,
						  "mmapdemo-huge", main_size);
			int major = 0, minor = 0;
			bool info_only;

			sscanf(kernel, "%d.%d", &major, &minor);
			info_only = major < 6 || (major == 6 && minor < 12);
			status_override = info_only ? "info" : NULL;
			if (hw && hr) {
				snprintf(
					note, sizeof(note),
					"write %.2f / read %.2f faults/MiB; driver %.2f huge/MiB%s",
					hw->flt, hr->flt, hw->huge,
					info_only ? "; a 6.12 goal" : "");
				goal("huge first-touch faults/MiB (1 per 2 MiB)",
				     max_d(hw->flt, hr->flt), "<=", 0.5, "%.2f",
				     note);
				snprintf(note, sizeof(note),
					 "write %.3fx / read %.3fx%s",
					 hw->ratio, hr->ratio,
					 info_only ? "; a 6.12 goal" : "");
				goal("huge first-touch ns/page vs memfd-shared",
				     max_d(hw->ratio, hr->ratio), "<=", 0.1,
				     "%.3fx", note);
			} else {
				goal("huge first-touch faults/MiB (1 per 2 MiB)",
				     NAN, "<=", 0.5, "%.2f",
				     "no /dev/mmapdemo-huge of this size");
				goal("huge first-touch ns/page vs memfd-shared",
				     NAN, "<=", 0.1, "%.3fx",
				     "no /dev/mmapdemo-huge of this size");
			}
			status_override = NULL;
		}
		/*
		 * What write notification costs: the first store to a page
		 * that a read mapped, and the stores after a report.  Not
		 * goals: a memfd hears of nothing, so it takes no fault.
		 */
		status_override = "info";
		for (i = 0; i < 2; i++) {
			const char *dev = i ? "mmapdemo-huge" :
					      "mmapdemo-shared";
			struct row *rw =
				find_row("main", W_REWRITE, dev, main_size);
			struct row *ra =
				find_row("main", W_REARM, dev, main_size);
			struct row *rp =
				find_row("main", W_REPORT, dev, main_size);

			if (!rw || !ra || !rp)
				continue;
			snprintf(note, sizeof(note),
				 "%s: %.1f faults/MiB; %.0f vs %.0f ns/page",
				 dev, rw->flt, rw->ns_med,
				 row_ns("main", W_REWRITE, "memfd-shared"));
			goal(i ? "huge store after read vs memfd-shared" :
				 "shared store after read vs memfd-shared",
			     rw->ratio, "<=", 1.0, "%.2fx", note);
			snprintf(note, sizeof(note),
				 "%s: %.1f faults/MiB; report %.0f ns/page",
				 dev, ra->flt, rp->ns_med);
			goal(i ? "huge store after report vs memfd-shared" :
				 "shared store after report vs memfd-shared",
			     ra->ratio, "<=", 1.0, "%.2fx", note);
		}
		status_override = NULL;
		goal("private first-touch write ns/page vs memfd-private",
		     row_val("main", W_WRITE, "mmapdemo-private", main_size, 1),
		     "<=", 1.1, "%.3fx", "");
		goal("anon private first-touch write vs zero-private (THP off)",
		     row_val("main", W_WRITE, "mmapdemo-anon-private",
			     main_size, 1),
		     "<=", 1.2, "%.3fx", "");
	}
	if (do_scale && nr_scale_sizes > 1) {
		static const char *const ourt[] = {
			"mmapdemo-shared",	"mmapdemo-private",
			"mmapdemo-anon-shared", "mmapdemo-anon-private",
			"mmapdemo-huge",
		};
		double worst = NAN, g;
		char where[64] = "";
		size_t t;
		int w;

		for (t = 0; t < sizeof(ourt) / sizeof(ourt[0]); t++) {
			for (w = W_READ; w <= W_WRITE; w++) {
				g = growth(ourt[t], w);
				if (!isnan(g) && (isnan(worst) || g > worst)) {
					worst = g;
					snprintf(where, sizeof(where),
						 "worst: %s %s", ourt[t],
						 work_names[w]);
				}
			}
		}
		snprintf(note, sizeof(note),
			 "ns/page at %zu MiB over the best smaller size; %s",
			 scale_sizes[nr_scale_sizes - 1] / MIB, where);
		goal("cost per page flat from smallest to largest size", worst,
		     "<=", 1.2, "%.2fx", note);
	}
	if (do_threads) {
		double cpu =
			row_val("threads", W_T2D, "cpu-only", main_size, 2);
		double dev, ref;

		/*
		 * Speed-ups mean something only where two threads of plain
		 * arithmetic do run in parallel in this VM.
		 */
		if (!(cpu >= 1.5))
			status_override = "inconclusive";
		dev = row_val("threads", W_T2D, "mmapdemo-shared", main_size,
			      2);
		ref = row_val("threads", W_T2D, "memfd-shared", main_size, 2);
		snprintf(note, sizeof(note),
			 "memfd-shared %.2f; cpu-only %.2f on %d vCPUs%s", ref,
			 cpu, ncpus,
			 status_override ? ": no parallelism to measure" : "");
		goal("two-thread disjoint first-touch speed-up (shared)", dev,
		     ">=", ref, "%.2f", note);
		dev = row_val("threads", W_T2D, "mmapdemo-private", main_size,
			      2);
		ref = row_val("threads", W_T2D, "memfd-private", main_size, 2);
		snprintf(note, sizeof(note), "memfd-private %.2f", ref);
		goal("two-thread disjoint first-touch speed-up (private)", dev,
		     ">=", ref, "%.2f", note);
		status_override = NULL;
	}

	printf("\n== goals (%s, %s)\n", label, kernel);
	for (i = 0; i < nr_goals; i++) {
		char copy[320], *f[8], *save = NULL, *tok;
		int n = 0;

		strcpy(copy, goals[i]);
		for (tok = strtok_r(copy, ",", &save); tok && n < 8;
		     tok = strtok_r(NULL, ",", &save))
			f[n++] = tok;
		if (n < 7)
			continue;
		printf("%-7s %-58s %8s %s %-7s %s\n", f[6], f[2], f[3], f[4],
		       f[5], n > 7 ? f[7] : "");
	}
	printf("\n--- mmapdemo-bench goals csv begin ---\n");
	printf("run,kernel,goal,measured,op,limit,status,note\n");
	for (i = 0; i < nr_goals; i++)
		printf("%s\n", goals[i]);
	printf("--- mmapdemo-bench goals csv end ---\n");
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

	thp_read(thp_saved, sizeof(thp_saved));
	strcpy(thp_now, thp_saved);
	if (!thp_saved[0])
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
