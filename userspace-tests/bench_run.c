// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-bench: one timed pass of a workload on a target.  The files the
 * targets map (env), THP's setting for each, the touches, and the probe
 * that reads the process's faults and the driver's counters around the
 * clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmapdemo_util.h"
#include "bench.h"

struct bench_env env = { .dev = -1,
			 .devanon = -1,
			 .huge = -1,
			 .insert = -1,
			 .remap = -1,
			 .memfd = -1,
			 .memfd_thp = -1,
			 .zero = -1 };

static char thp_saved[32];
static char thp_now[32];

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

void thp_set(const char *v)
{
	if (!thp_saved[0] || !strcmp(thp_now, v))
		return;
	if (write_str(THP_PATH, v))
		fprintf(stderr, "# cannot set THP to %s: %s\n", v,
			strerror(errno));
	thp_read(thp_now, sizeof(thp_now));
}

void thp_restore(void)
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

/* Is the target's device there?  Rows of a missing node are left out. */
bool available(const struct target *t)
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
bool ours(const struct target *t)
{
	return t->kind == K_DEV || t->kind == K_DEVANON || t->kind == K_HUGE ||
	       t->kind == K_INSERT || t->kind == K_REMAP;
}

/* Mapped whole by mmap() itself, as MAP_POPULATE does. */
bool eager(const struct target *t)
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
void env_setup(size_t size)
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
void run_case(const struct target *t, enum work w, struct sample *s,
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

/* Note THP's setting, to restore it at the end: false if there is none. */
bool thp_init(void)
{
	thp_read(thp_saved, sizeof(thp_saved));
	strcpy(thp_now, thp_saved);
	return thp_saved[0];
}
