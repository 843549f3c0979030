// SPDX-License-Identifier: GPL-2.0
/*
 * Write notification, watched: processes and threads that sleep until a
 * page of /dev/mmapdemo or /dev/mmapdemo-huge is written, and read it.
 *  - watcher: poll(), select() and epoll wake a watcher (an O_RDONLY open
 *    and mapping) when a writer process or thread stores; it reports, then
 *    reads what was reported, and at the end has seen every value stored;
 *    mmapdemo-watch, the example program, does the same;
 *  - stress: writer threads and a process store unique values while a
 *    reporter reports; at the end every page holds what the reporter last
 *    read from it, or a notification was missed.
 * What a report holds, and bad input, are notify_test's.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 128 /* the watcher's buffer: 512 KiB, two bitmap words */
#define MB (1UL << 20)
#define SEC 1000000000ULL

static uint64_t seed;

/* One seed for every test of the run, said first (replay: MMAPDEMO_SEED). */
static void __attribute__((constructor)) notify_init(void)
{
	seed = test_seed();
}

/* The first word of page @page. */
static uint64_t *word(const unsigned char *p, size_t ps, size_t page)
{
	return (uint64_t *)(p + page * ps);
}

/* ---- a watcher that sleeps until a writer stores ---- */

/*
 * A writer, in memory shared with a forked one: once @watcher sleeps, it
 * stores round << 32 | page into the first word of each of @npages pages,
 * @rounds times over, then sets @done.
 */
struct writer {
	unsigned char *p;
	size_t ps, npages;
	int rounds;
	pid_t watcher;
	int done;
};

static struct writer *writer_new(unsigned char *p, size_t ps, size_t npages,
				 int rounds)
{
	struct writer *w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (w == MAP_FAILED)
		return NULL;
	*w = (struct writer){ p, ps, npages, rounds, gettid(), 0 };
	return w;
}

static void *write_rounds(void *arg)
{
	struct writer *w = arg;

	wait_asleep(w->watcher, 10 * SEC);
	for (int r = 1; r <= w->rounds; r++)
		for (size_t i = 0; i < w->npages; i++)
			__atomic_store_n(word(w->p, w->ps, i),
					 (uint64_t)r << 32 | i,
					 __ATOMIC_RELAXED);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Did the first poll() end early, by a wake-up, with EPOLLPRI? */
static bool woken(int fd)
{
	uint64_t t0 = now_ns();
	short ev = poll_events(fd, POLLPRI, 20000);

	return ev == POLLPRI && now_ns() - t0 < 10 * SEC;
}

/* Report @npages pages, and read each one reported into @seen. */
static void watch_once(int fd, const unsigned char *r, size_t ps, size_t npages,
		       uint64_t *bits, uint64_t *seen)
{
	if (md_written(fd, 0, npages * ps, bits) <= 0)
		return;
	for (size_t i = 0; i < npages; i++)
		if (bit_is_set(bits, i))
			seen[i] = __atomic_load_n(word(r, ps, i),
						  __ATOMIC_RELAXED);
}

/* Pages whose value now the watcher never read (@seen): none is missed. */
static size_t unseen(const unsigned char *r, size_t ps, size_t npages,
		     const uint64_t *seen)
{
	size_t n = 0;

	for (size_t i = 0; i < npages; i++) {
		uint64_t now = *word(r, ps, i);

		if (now != seen[i] && n++ < 5)
			fprintf(stderr, "# page %zu holds %#llx, seen %#llx\n",
				i, (unsigned long long)now,
				(unsigned long long)seen[i]);
	}
	return n;
}

/*
 * Watch (an O_RDONLY fd and mapping) while @w writes: wait in poll() until
 * woken, then report and read until it is done, and once after.
 */
static bool watch(int fd, const unsigned char *r, struct writer *w,
		  uint64_t *seen)
{
	uint64_t bits[NPAGES / 64];
	bool woke = woken(fd);

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		watch_once(fd, r, w->ps, w->npages, bits, seen);
		poll_events(fd, POLLPRI, 100);
	}
	watch_once(fd, r, w->ps, w->npages, bits, seen);
	return woke;
}

FIXTURE(watcher)
{
	int fd, ro;
	size_t ps, len;
	unsigned char *p, *r; /* read-write, and the watcher's read-only */
	struct writer *w;
	uint64_t seen[NPAGES];
};

FIXTURE_SETUP(watcher)
{
	self->fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);
	self->ps = page_size();
	self->len = NPAGES * self->ps;
	ASSERT_EQ(0, md_set_size(self->fd, 0));
	ASSERT_EQ(0, md_set_size(self->fd, self->len));
	self->ro = reopen(self->fd, O_RDONLY);
	ASSERT_LE(0, self->ro);
	self->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	self->r = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->ro, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_NE(MAP_FAILED, self->r);
	self->w = writer_new(self->p, self->ps, NPAGES, 8);
	ASSERT_NE(NULL, self->w);
	memset(self->seen, 0, sizeof(self->seen));
}

FIXTURE_TEARDOWN(watcher)
{
	if (self->fd < 0)
		return;
	close(self->ro);
	md_set_size(self->fd, MB);
	close(self->fd);
}

/*
 * A watcher blocked in poll() wakes when a writer process stores; what it
 * reads after each report, at the end, is everything the writer stored.
 */
TEST_F_TIMEOUT(watcher, poll_wakes_process, 60)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		write_rounds(self->w);
		_exit(0);
	}
	EXPECT_TRUE(watch(self->ro, self->r, self->w, self->seen))
	TH_LOG("poll() was not woken by the store");
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(0U, unseen(self->r, self->ps, NPAGES, self->seen));
	EXPECT_EQ(8ULL << 32 | 5, self->seen[5]);
}

/* The same with a writer thread of the watcher's process. */
TEST_F_TIMEOUT(watcher, poll_wakes_thread, 60)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, write_rounds, self->w));
	EXPECT_TRUE(watch(self->ro, self->r, self->w, self->seen))
	TH_LOG("poll() was not woken by the store");
	pthread_join(t, NULL);
	EXPECT_EQ(0U, unseen(self->r, self->ps, NPAGES, self->seen));
	EXPECT_EQ(8ULL << 32 | 5, self->seen[5]);
}

/* select(): the pending writes are an exceptional condition. */
TEST_F_TIMEOUT(watcher, select_exceptfds, 60)
{
	struct timeval zero = { 0 }, tv = { 20, 0 };
	fd_set rd, wr, ex;
	uint64_t t0;
	pthread_t t;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	FD_SET(self->ro, &rd);
	FD_SET(self->ro, &wr);
	FD_SET(self->ro, &ex);
	EXPECT_EQ(2, select(self->ro + 1, &rd, &wr, &ex, &zero));
	EXPECT_FALSE(FD_ISSET(self->ro, &ex));

	self->w->npages = 1;
	self->w->rounds = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, write_rounds, self->w));
	t0 = now_ns();
	FD_SET(self->ro, &ex);
	EXPECT_EQ(1, select(self->ro + 1, NULL, NULL, &ex, &tv));
	EXPECT_GT(10 * SEC, now_ns() - t0);
	EXPECT_TRUE(FD_ISSET(self->ro, &ex));
	pthread_join(t, NULL);
	EXPECT_EQ(1, md_written(self->ro, 0, self->len, self->seen));
	FD_SET(self->ro, &ex);
	EXPECT_EQ(0, select(self->ro + 1, NULL, NULL, &ex, &zero));
}

/* epoll: EPOLLPRI, level-triggered, gone once reported. */
TEST_F_TIMEOUT(watcher, epoll_pri, 60)
{
	struct epoll_event ev = { .events = EPOLLPRI };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t t0;
	pthread_t t;

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->ro, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));

	self->w->npages = 1;
	self->w->rounds = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, write_rounds, self->w));
	t0 = now_ns();
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 20000));
	EXPECT_GT(10 * SEC, now_ns() - t0);
	EXPECT_EQ((uint32_t)EPOLLPRI, ev.events);
	pthread_join(t, NULL);
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0)); /* still pending */
	EXPECT_EQ(1, md_written(self->ro, 0, self->len, self->seen));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	close(ep);
}

/*
 * mmapdemo-watch, the example program: it prints the pages written before
 * it started (stores through a mapping, one in the bitmap's second word),
 * sleeps in poll(), and wakes for a write() to print that page too.
 */
TEST_F_TIMEOUT(watcher, example_program, 60)
{
	static const char *const want[] = {
		"report 1, pages 0-127:\n", "  page 3: hello\n",
		"  page 100: world\n",	    "report 2, pages 0-127:\n",
		"  page 5: again\n",
	};
	char *argv[] = { "mmapdemo-watch", "-n", "2", MD_PATH, NULL };
	char line[128];
	FILE *out;
	pid_t pid;
	int fd, i;

	memcpy(self->p + 3 * self->ps, "hello", 5);
	memcpy(self->p + 100 * self->ps, "world", 5);
	pid = spawn_beside_me("mmapdemo-watch", argv, &fd);
	ASSERT_LE(0, pid);
	out = fdopen(fd, "r");
	for (i = 0; out && i < 5; i++) {
		if (i == 3) {
			EXPECT_EQ(0, wait_asleep(pid, 10 * SEC))
			TH_LOG("mmapdemo-watch did not sleep in poll()");
			EXPECT_EQ(5,
				  pwrite(self->fd, "again", 5, 5 * self->ps));
		}
		if (!fgets(line, sizeof(line), out))
			break;
		EXPECT_STREQ(want[i], line);
	}
	EXPECT_EQ(5, i) TH_LOG("mmapdemo-watch printed %d lines of 5", i);
	/* Then it exits: -n 2.  Else it must not outlive the test. */
	if (i < 5 || fgets(line, sizeof(line), out))
		kill(pid, SIGKILL);
	if (out)
		fclose(out);
	else
		close(fd);
	EXPECT_EQ(0, wait_child(pid));
}

/* ---- stress: writers, a reporter, and the pages' final values ---- */

/*
 * Shared with the forked writer: the next value to store (each store a
 * new one) and the stop flag.
 */
struct shared {
	uint64_t next;
	int stop;
};

struct stress {
	int fd;
	unsigned char *p;
	size_t ps, npages;
	struct shared *sh;
	uint64_t *seen, *bits, stores, reported;
	int id;
};

/* Store new values to random pages until told to stop. */
static void *stress_write(void *arg)
{
	struct stress *s = arg;
	uint64_t rng = seed * 0x9e3779b97f4a7c15ULL + s->id, n = 0;

	while (!__atomic_load_n(&s->sh->stop, __ATOMIC_RELAXED)) {
		size_t page = xorshift64s(&rng) % s->npages;
		uint64_t v =
			__atomic_add_fetch(&s->sh->next, 1, __ATOMIC_RELAXED);

		__atomic_store_n(word(s->p, s->ps, page), v, __ATOMIC_RELAXED);
		n++;
	}
	s->stores = n;
	return NULL;
}

/* Report, and read the pages reported, until told to stop. */
static void *stress_report(void *arg)
{
	struct stress *s = arg;

	while (!__atomic_load_n(&s->sh->stop, __ATOMIC_RELAXED)) {
		watch_once(s->fd, s->p, s->ps, s->npages, s->bits, s->seen);
		s->reported++;
	}
	return NULL;
}

FIXTURE(stress)
{
	struct stress s;
	size_t len;
};

FIXTURE_VARIANT(stress)
{
	const char *path;
	size_t len;
};

/* The harness declares variants with macros clang-format misreads. */
/* clang-format off */
/* Pages: below 2 MiB. */
FIXTURE_VARIANT_ADD(stress, pages)
{
	.path = MD_PATH,
	.len = 1 * MB,
};

/* Two 2 MiB folios where the module makes them. */
FIXTURE_VARIANT_ADD(stress, folios)
{
	.path = MD_PATH,
	.len = 4 * MB,
};

FIXTURE_VARIANT_ADD(stress, huge)
{
	.path = MD_HUGE_PATH,
	.len = 4 * MB,
};
/* clang-format on */

FIXTURE_SETUP(stress)
{
	struct stress *s = &self->s;

	memset(s, 0, sizeof(*s));
	self->len = variant->len;
	s->fd = open(variant->path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   variant->path);
	ASSERT_LE(0, s->fd);
	s->ps = page_size();
	s->npages = self->len / s->ps;
	s->seen = calloc(s->npages, 8);
	s->bits = calloc(s->npages / 64 + 1, 8);
	ASSERT_NE(NULL, s->seen);
	ASSERT_NE(NULL, s->bits);
	if (!strcmp(variant->path, MD_PATH)) {
		ASSERT_EQ(0, md_set_size(s->fd, 0));
		ASSERT_EQ(0, md_set_size(s->fd, self->len));
	}
	s->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		    0);
	ASSERT_NE(MAP_FAILED, s->p);
	/* The huge region keeps its data: start from zeroes, nothing pending. */
	memset(s->p, 0, self->len);
	ASSERT_LE(0, md_written(s->fd, 0, self->len, s->bits));
	s->sh = mmap(NULL, sizeof(*s->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s->sh);
}

FIXTURE_TEARDOWN(stress)
{
	if (self->s.fd < 0)
		return;
	free(self->s.seen);
	free(self->s.bits);
	if (!strcmp(variant->path, MD_PATH))
		md_set_size(self->s.fd, MB);
	close(self->s.fd);
}

#define WRITERS 3

/*
 * Three writer threads and a writer process store unique values to random
 * pages; a reporter thread reports and reads.  After the writers stop, one
 * last report: then every page must hold what the reporter last read from
 * it, else a store was never reported after it landed.
 */
TEST_F_TIMEOUT(stress, integrity, 180)
{
	struct stress w[WRITERS + 1], *s = &self->s;
	pthread_t t[WRITERS + 1];
	uint64_t stores = 0;
	pid_t pid;

	ksft_print_msg("seed %llu\n", (unsigned long long)seed);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		w[0] = *s;
		w[0].id = WRITERS + 1;
		stress_write(&w[0]);
		_exit(0);
	}
	ASSERT_EQ(0, pthread_create(&t[WRITERS], NULL, stress_report, s));
	for (int i = 0; i < WRITERS; i++) {
		w[i] = *s;
		w[i].id = i + 1;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, stress_write, &w[i]));
	}
	sleep(long_run() ? 30 : 3);
	__atomic_store_n(&s->sh->stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i <= WRITERS; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, wait_child(pid));
	watch_once(s->fd, s->p, s->ps, s->npages, s->bits, s->seen);

	for (int i = 0; i < WRITERS; i++)
		stores += w[i].stores;
	TH_LOG("%llu stores by the threads, %llu reports",
	       (unsigned long long)stores, (unsigned long long)s->reported);
	EXPECT_LT(0ULL, stores);
	EXPECT_LT(1ULL, s->reported);
	EXPECT_EQ(0U, unseen(s->p, s->ps, s->npages, s->seen));
}

TEST_HARNESS_MAIN
