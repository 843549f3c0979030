// SPDX-License-Identifier: GPL-2.0
/*
 * Stress both mmapdemo devices from many processes and threads at once, for
 * a bounded time, and check every byte that any of them sees.
 *
 * What runs.  -t SECONDS in all (default 10, 60 with MMAPDEMO_LONG=1, as
 * mmapdemo.sh --long runs it): a quarter on /dev/mmapdemo alone, a quarter
 * on /dev/mmapdemo-anon alone, half on both together.
 *  - Worker processes of a few threads each.  Every thread picks operations
 *    at random: stores and loads through a mapping that the threads of its
 *    process share, read() and write(), stores to its own MAP_PRIVATE
 *    mapping (copy-on-write), first-touch fault storms on fresh shared and
 *    private mappings (every thread at once when a bell rings), fork (the
 *    child works on for its parent thread, then exits), munmap of a piece of
 *    a mapping, mremap (move, grow, shrink), mprotect, mlock, MAP_POPULATE,
 *    madvise (DONTNEED, POPULATE_READ/WRITE, COLD, PAGEOUT, WILLNEED),
 *    msync, open and close, reads through /proc/self/mem (GUP), and read()
 *    and write() whose buffer is a mapping of the device itself (the copy
 *    faults while the driver holds its locks).
 *  - In the controlling process, which keeps both devices open throughout:
 *    a resizer thread that shrinks and grows /dev/mmapdemo with
 *    MMAPDEMO_IOC_SET_SIZE (or grows it by writing past the end), to aligned
 *    and unaligned sizes, and checks after each resize that the buffer holds
 *    exactly the pages below the size; and a thread that tries to unload the
 *    module (delete_module(O_NONBLOCK)), which must fail with EWOULDBLOCK.
 *    At the end it checks every page once more, that no mapping or anon
 *    page is left (MMAPDEMO_IOC_GET_INFO), and puts the buffer back to the
 *    size it had, zeroed.
 *
 * The integrity model.  Memory is written in 64-bit words
 *
 *	tag (8 bits) | who (8) | page (16) | generation (32)
 *
 * where tag tells whose data it is (a page's owner in the file, a page's
 * owner in an anon object, or a store to a private mapping), who is the
 * anon object or the author of a private store, page the index of the page
 * in the file or object, and generation counts the writes to the page.
 *  - Ownership: each page of the file and of each anon object has one owner
 *    thread, the only one that writes it (a fork child may, while the owner
 *    waits for it), always the whole page with a new generation, through a
 *    shared mapping or write().  In memory shared by all processes the owner
 *    publishes the page's state: a seqcount, odd while it writes, the
 *    generation, and whether the page holds it or zeroes (a write cut short
 *    by SIGBUS leaves zeroes: the page was truncated under it).
 *  - Resizes: the resizer makes a seqcount odd around each resize, and for
 *    each page it cut keeps a cut word: how many cuts, and the fewest bytes
 *    a cut kept (a shrink keeps size - page start bytes of the page the new
 *    size falls in, none of the pages after it; a grow zeroes the last page
 *    after the old size).  The owner resets the word when it writes, so a
 *    reader knows exactly which bytes a later cut zeroed.  A write() never
 *    overlaps a resize (a handshake on the seqcount), so it cannot grow the
 *    file behind the resizer's back.  A write that a resize overlapped may
 *    have lost part of its bytes to the cut: the page holds its generation
 *    or zeroes, byte by byte, until the next write.
 *  - A reader, in any thread or process, takes the seqcounts, the cut word
 *    and the size, reads the page, and takes the seqcounts again.  If
 *    neither moved, what the page must hold is exact: the owner's generation
 *    up to the bytes kept and zeroes after, or zeroes, or SIGBUS (BUS_ADRERR)
 *    if it lies wholly beyond the size, and the length read() returns is
 *    exact too.  If the owner wrote meanwhile, each byte may be from one of
 *    the generations it wrote, or older by one.  While a resize runs, the
 *    pages it cuts show what they held until the truncation reaches them:
 *    any generation since the owner's last write that no resize overlapped,
 *    zeroes, or SIGBUS.
 *  - Private stores write their author's marker, and the author remembers
 *    its copies; a count of whole-page cuts tells it when a truncation
 *    removed them.  A private word anywhere else (in the buffer, in read(),
 *    in another mapping or process) is a copy-on-write leak.
 * So a lost write (zeroes, an older generation), stale data (what a cut must
 * have removed: old contents after a shrink then grow, a page readable
 * beyond the size), a copy-on-write leak and another page's or object's
 * data are each reported; so are a signal or an errno nothing explains.
 * Any of them fails the test.  Mapping stores are 8-byte aligned, so a torn
 * word can only come through read() or write(): the loose check goes byte
 * by byte.
 *
 * The checker is checked first: on made-up pages, then by short runs that
 * make the model lie or corrupt a page on purpose (expect a generation
 * never written, pretend a cut, store a private marker through the shared
 * mapping, write with another object's id); each must be reported.  -S
 * runs only that.  -r runs the same stress on the kernel's own references,
 * a memfd and /dev/zero, to show the model expects only what Linux does.
 *
 * Its seed comes first in the output ("# seed N"): -s, else $MMAPDEMO_SEED,
 * else the clock.  The threads' timing is not replayed, their choices are.
 *
 *	stress_test [-t SECONDS] [-v] [-S] [-r] [-s SEED]
 *
 * This file runs the processes and the checks at the end; stress_test.h
 * lists the other parts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/syscall.h>

#include "kselftest.h"
#include "stress_test.h"

size_t ps;
unsigned int file_pages = FILE_PAGES;
bool verbose, reference;
uint64_t seed;
struct ctl *ctl;
const struct config *cfg;
int file_fd = -1;
int anon_fd = -1;
bool rmmod_ok = true, procmem_ok, mlock_ok;

/* ---- processes ---- */

static void on_worker_alarm(int sig)
{
	static const char msg[] =
		"# ERROR: watchdog: a worker process did not finish in time\n";

	emit(msg, sizeof(msg) - 1);
	_exit(3);
}

/*
 * A worker process: one shared view for all its threads (the file, or a new
 * anon object whose pages they own between them), and for each thread its
 * own private mapping.
 */
static __noreturn void worker_main(bool anon, int w)
{
	struct actor *actors = calloc(cfg->threads, sizeof(*actors));
	struct view sv, pv;
	struct region *r;
	int fd, t, bad = 0;
	size_t len;

	signal(SIGALRM, on_worker_alarm);
	alarm((unsigned int)cfg->secs + 2 * GRACE);
	if (anon) {
		fd = open_anon();
		r = &ctl->anon[w];
		treg_init(r, OBJ_PAGES);
	} else {
		fd = file_fd;
		r = &ctl->file;
	}
	len = (size_t)r->npages * ps;
	sv.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!actors || fd < 0 || sv.addr == MAP_FAILED) {
		fail(NULL, ERR_ERRNO, "worker setup: %s", strerror(errno));
		atomic_fetch_add(&ctl->ready, cfg->threads);
		_exit(1);
	}
	sv.npages = r->npages;
	sv.pgoff = 0;
	sv.shared = true;
	sv.r = r;
	sv.pp = NULL;

	for (t = 0; t < cfg->threads; t++) {
		struct actor *a = &actors[t];

		snprintf(a->name, sizeof(a->name), "%s.w%d.t%d",
			 anon ? "anon" : "file", w, t);
		a->anon = anon;
		a->fd = fd;
		a->sv = sv;
		a->owner = anon ? t : w * cfg->threads + t;
		a->nowners = anon ? cfg->threads :
				    cfg->file_procs * cfg->threads;
		a->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
		a->rng = seed ^ ((uint64_t)(anon * 64 + w * 8 + t + 1) << 40) ^
			 0x9e3779b97f4a7c15ULL;
		a->buf = malloc(ps);
		/* Temporary anon objects: their state, shared with children */
		a->treg = mmap(NULL, sizeof(*a->treg), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pv.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			       fd, 0);
		if (!a->buf || a->treg == MAP_FAILED || pv.addr == MAP_FAILED) {
			fail(a, ERR_ERRNO, "thread setup: %s", strerror(errno));
			bad = 1;
			break;
		}
		pv.npages = r->npages;
		pv.pgoff = 0;
		pv.shared = false;
		pv.r = anon ? NULL : r;
		pv.pp = a->pp;
		a->pv = pv;
		if (pthread_create(&a->thread, NULL, actor_main, a)) {
			fail(a, ERR_ERRNO, "pthread_create failed");
			bad = 1;
			break;
		}
	}
	atomic_fetch_add(&ctl->ready, cfg->threads);
	if (bad)
		atomic_store(&ctl->stop, 1);
	while (--t >= 0)
		pthread_join(actors[t].thread, NULL);
	_exit(bad);
}

/* Zeroes, for growing the file with write(). */
static unsigned char *zeroes;

/*
 * Resize the file to @n bytes, with the ioctl (ftruncate() on a memfd) or,
 * to grow, at times by writing zeroes past the end; and tell the model what
 * the cut took.
 */
static void resize(struct actor *a, uint64_t n)
{
	struct region *r = &ctl->file;
	uint64_t o = atomic_load(&r->size), end;
	bool by_write = n > o && !rndn(a, 3);
	struct mmapdemo_info info;
	int err;

	/*
	 * The device zeroes all of the old last page after the old size; a
	 * write() to a memfd only the bytes it writes: keep to writes that
	 * cover the rest of that page.
	 */
	if (reference && o % ps && n / ps == o / ps)
		by_write = false;

	atomic_fetch_add(&r->rseq, 1);
	end = now_ns() + 10 * 1000000000ULL;
	while (atomic_load(&r->sys_writers)) {
		if (now_ns() > end) {
			fail(a, ERR_OTHER, "a pwrite() did not end in 10 s");
			break;
		}
		sleep_us(20);
	}
	if (by_write)
		err = pwrite(file_fd, zeroes, n - o, (off_t)o) !=
		      (ssize_t)(n - o);
	else if (reference)
		err = ftruncate(file_fd, (off_t)n);
	else
		err = md_set_size(file_fd, n);
	if (err) {
		fail(a, ERR_ERRNO, "resize from %llu to %llu%s: %s",
		     (unsigned long long)o, (unsigned long long)n,
		     by_write ? " with write()" : "", strerror(errno));
		goto out;
	}
	if (n < o) {
		for (unsigned int p = n / ps; p < r->npages; p++)
			cut_record(r, p,
				   n > (uint64_t)p * ps ? n - (uint64_t)p * ps :
							  0);
		count(OP_SHRINK);
	} else if (n > o) {
		/*
		 * The device zeroes the old last page's tail, tmpfs does not;
		 * but a write() of zeroes does, on both.
		 */
		if (o % ps && (!reference || by_write))
			cut_record(r, o / ps, o % ps);
		count(by_write ? OP_GROWW : OP_GROW);
	}
	atomic_store(&r->size, n);
	/* Nothing else adds or removes pages now: exactly those below n. */
	if (!reference) {
		if (md_info(file_fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		else if (info.size != n || info.nr_pages != (n + ps - 1) / ps)
			fail(a, ERR_STALE,
			     "after a resize to %llu: size %llu, %llu pages in the buffer, expected %llu",
			     (unsigned long long)n,
			     (unsigned long long)info.size,
			     (unsigned long long)info.nr_pages,
			     (unsigned long long)((n + ps - 1) / ps));
		count(OP_INFO);
	}
out:
	atomic_fetch_add(&r->rseq, 1);
}

static uint64_t writes(void)
{
	return atomic_load(&ctl->ops[OP_WRITE]) +
	       atomic_load(&ctl->ops[OP_PWRITE]);
}

static void *resizer_main(void *arg)
{
	struct actor *a = arg;
	uint64_t max = (uint64_t)file_pages * ps;

	while (!stopping()) {
		uint64_t cur = atomic_load(&ctl->file.size), n, t0, us;

		/*
		 * Mostly the whole file, or cut in its upper half, so that
		 * most pages hold data to check; now and then anywhere.
		 */
		switch (rndn(a, 20)) {
		case 0:
			n = 0;
			break;
		case 1 ... 2:
			n = rnd(a) % (max + 1);
			break;
		case 3 ... 4:
			n = (uint64_t)rndn(a, file_pages + 1) * ps;
			break;
		case 5 ... 7:
			n = max / 2 + rnd(a) % (max / 2);
			break;
		case 8 ... 10:
			n = (uint64_t)(file_pages / 2 +
				       rndn(a, file_pages / 2)) *
			    ps;
			break;
		default:
			n = max;
			break;
		}
		t0 = now_ns();
		if (n != cur)
			resize(a, n);
		/*
		 * Mostly quiet, so that most checks can be exact: at least
		 * three times as long as the resize took, and until the owners
		 * have rewritten a quarter of the pages (up to 250 ms), so that
		 * slow kernels (TCG, KASAN) still have data to check.  Now and
		 * then a burst.
		 */
		if (!rndn(a, 6)) {
			sleep_us(rndn(a, 200));
			continue;
		}
		us = (now_ns() - t0) / 1000 * (3 + rndn(a, 4));
		if (us < 2000 + rndn(a, 20000))
			us = 2000 + rndn(a, 20000);
		sleep_us(us < 1000000 ? us : 1000000);
		for (uint64_t w0 = writes(), end = now_ns() + 250000000ULL;
		     writes() - w0 < file_pages / 4 && now_ns() < end &&
		     !stopping();)
			sleep_us(1000);
	}
	return NULL;
}

/*
 * Try to unload the module: refused, since we hold it open and mapped; and
 * ring the bell for a fault storm now and then.
 */
static void *misc_main(void *arg)
{
	struct actor *a = arg;
	struct mmapdemo_info info;
	uint64_t bell = now_ns();

	while (!stopping()) {
		sleep_us(10000 + rndn(a, 40000));
		if (now_ns() - bell > 1000000000ULL) {
			atomic_fetch_add(&ctl->bell, 1);
			bell = now_ns();
		}
		if (reference)
			continue;
		if (anon_fd >= 0 && md_info(anon_fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		if (!rmmod_ok)
			continue;
		if (!syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK)) {
			fail(a, ERR_OTHER,
			     "delete_module(\"mmapdemo\") succeeded while mapped");
			atomic_store(&ctl->stop, 1);
		} else if (errno != EWOULDBLOCK) {
			fail(a, ERR_ERRNO,
			     "delete_module(\"mmapdemo\"): %s, expected EWOULDBLOCK",
			     strerror(errno));
		}
		count(OP_RMMOD);
	}
	return NULL;
}

/* After the run, with nobody else around: every page of the file, exactly. */
static void final_check(struct actor *a)
{
	struct region *r = &ctl->file;
	struct view v;

	a->op = "final-check";
	a->fd = file_fd;
	if (!map_view(a, &v, file_fd, r, 0, file_pages, true, NULL))
		return;
	a->sv = v;
	for (unsigned int p = 0; p < file_pages; p++) {
		check_page(a, &v, p);
		pread_page(a, p);
	}
	unmap_view(a, &v);
}

static void on_run_alarm(int sig)
{
	static const char msg[] =
		"# ERROR: watchdog: the stress run did not finish in time\n";

	emit(msg, sizeof(msg) - 1);
	ctl->watchdog = 1;
	kill(0, SIGKILL); /* us and every worker */
}

static void print_summary(double secs)
{
	uint64_t total = 0, integ = nr_errors(0, NR_INTEGRITY);
	uint64_t other = nr_errors(NR_INTEGRITY, NR_ERR);
	char line[160];
	int n = 0;

	for (int i = 0; i < NR_OPS; i++)
		if (i != OP_TOUCH)
			total += atomic_load(&ctl->ops[i]);
	note("%s: %.1f s, %llu operations, %.0f/s", cfg->name, secs,
	     (unsigned long long)total, total / secs);
	for (int i = 0; i < NR_OPS; i++) {
		uint64_t c = atomic_load(&ctl->ops[i]);

		if (!c)
			continue;
		n += snprintf(line + n, sizeof(line) - n, " %s %llu (%.0f/s)",
			      op_name[i], (unsigned long long)c, c / secs);
		if (n > 90) {
			note(" %s", line);
			n = 0;
		}
	}
	if (n)
		note(" %s", line);
	note("  pages checked: %llu exactly (%llu holding data), %llu loosely, %llu skipped; expected SIGBUS %llu, SIGSEGV %llu",
	     (unsigned long long)atomic_load(&ctl->ev[EV_STRICT]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_DATA]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_LOOSE]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SKIP]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SIGBUS]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SIGSEGV]));
	note("  integrity errors: %llu (lost %llu, stale %llu, cow %llu, foreign %llu); other errors: %llu (signal %llu, errno %llu, other %llu)",
	     (unsigned long long)integ,
	     (unsigned long long)atomic_load(&ctl->err[ERR_LOST]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_STALE]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_COW]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_FOREIGN]),
	     (unsigned long long)other,
	     (unsigned long long)atomic_load(&ctl->err[ERR_SIGNAL]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_ERRNO]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_OTHER]));
}

/* Reap the workers, a bounded time; kill what will not go. */
static void reap(struct actor *a, pid_t *pids, int n)
{
	uint64_t end = now_ns() + GRACE * 1000000000ULL;
	bool killed = false;
	int left = n;

	while (left) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (int i = 0; i < n; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				left--;
				if (WIFSIGNALED(status))
					fail(a, ERR_SIGNAL,
					     "worker %d killed by signal %d", i,
					     WTERMSIG(status));
				else if (WEXITSTATUS(status))
					fail(a, ERR_OTHER,
					     "worker %d exited with %d", i,
					     WEXITSTATUS(status));
			}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (now_ns() > end) {
			if (killed) {
				fail(a, ERR_OTHER,
				     "%d workers cannot be reaped (stuck in the kernel?)",
				     left);
				return;
			}
			fail(a, ERR_OTHER, "%d workers hang: killing them",
			     left);
			for (int i = 0; i < n; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			killed = true;
			end = now_ns() + GRACE * 1000000000ULL;
		}
		sleep_us(10000);
	}
}

/*
 * One stress run, in a process of its own (and group, so that a watchdog
 * can kill it whole).  Returns its exit status: 0 if nothing went wrong.
 */
static int stress_run(void)
{
	struct actor me = { .name = "control", .rng = seed ^ 0x5eed };
	struct actor rs = { .name = "resizer",
			    .op = "resize",
			    .rng = seed ^ 0x12345 };
	struct actor mi = { .name = "misc",
			    .op = "rmmod",
			    .rng = seed ^ 0x6789 };
	int nworkers = cfg->file_procs + cfg->anon_procs, w = 0;
	pthread_t resizer, misc;
	bool have_resizer = false, have_misc = false;
	struct mmapdemo_info info = { 0 };
	pid_t pids[2 * MAX_WORKERS];
	uint64_t start, deadline, next_note;
	double secs;

	setpgid(0, 0);
	signal(SIGALRM, on_run_alarm);
	alarm((unsigned int)cfg->secs + 4 * GRACE);
	me.buf = malloc(ps);
	zeroes = calloc(file_pages, ps);

	/* Hold the devices open all along: no rmmod may succeed. */
	anon_fd = open_anon();
	if (anon_fd < 0 && cfg->anon_procs) {
		fail(&me, ERR_ERRNO, "open %s: %s", MD_ANON_PATH,
		     strerror(errno));
		return 1;
	}
	if (reference)
		file_fd = memfd_create("stress_test", MFD_CLOEXEC);
	else
		file_fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (file_fd < 0 && cfg->file_procs) {
		fail(&me, ERR_ERRNO, "open %s: %s", MD_PATH, strerror(errno));
		return 1;
	}
	if (!reference && file_fd >= 0 && md_info(file_fd, &info)) {
		fail(&me, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
		     strerror(errno));
		return 1;
	}
	if (cfg->file_procs) {
		struct region *r = &ctl->file;

		/* Through zero, so that nothing from before is left. */
		if (reference ?
			    ftruncate(file_fd, 0) ||
				    ftruncate(file_fd, (off_t)file_pages * ps) :
			    md_set_size(file_fd, 0) ||
				    md_set_size(file_fd,
						(uint64_t)file_pages * ps)) {
			fail(&me, ERR_ERRNO, "resize: %s", strerror(errno));
			return 1;
		}
		r->tag = TAG_FILE;
		r->npages = file_pages;
		r->resizable = true;
		atomic_store(&r->size, (uint64_t)file_pages * ps);
		for (unsigned int p = 0; p < MAX_PAGES; p++)
			atomic_store(&r->cut[p], ps);
	}

	fflush(stdout);
	for (int i = 0; i < nworkers; i++) {
		bool anon = i >= cfg->file_procs;
		pid_t pid = fork();

		if (pid < 0) {
			fail(&me, ERR_ERRNO, "fork: %s", strerror(errno));
			atomic_store(&ctl->stop, 1);
			break;
		}
		if (!pid)
			worker_main(anon, anon ? i - cfg->file_procs : i);
		pids[w++] = pid;
	}
	start = now_ns() + 60 * 1000000000ULL;
	while (atomic_load(&ctl->ready) < w * cfg->threads && !stopping()) {
		if (now_ns() > start) {
			fail(&me, ERR_OTHER, "workers did not start in 60 s");
			atomic_store(&ctl->stop, 1);
		}
		sleep_us(1000);
	}

	start = now_ns();
	deadline = start + (uint64_t)(cfg->secs * 1e9);
	atomic_store(&ctl->deadline, deadline);
	atomic_store(&ctl->go, 1);
	if (cfg->file_procs &&
	    !pthread_create(&resizer, NULL, resizer_main, &rs))
		have_resizer = true;
	if (!pthread_create(&misc, NULL, misc_main, &mi))
		have_misc = true;

	next_note = start + 5000000000ULL;
	while (now_ns() < deadline && !stopping()) {
		sleep_us(20000);
		if (cfg->expect_err >= 0 &&
		    atomic_load(&ctl->err[cfg->expect_err]))
			break;
		if (nr_errors(0, NR_ERR) > 10000) {
			fail(&me, ERR_OTHER, "too many errors: stopping");
			break;
		}
		if (verbose && now_ns() > next_note) {
			uint64_t ops = 0;

			for (int i = 0; i < NR_OPS; i++)
				ops += atomic_load(&ctl->ops[i]);
			note("%s: %.0f s, %llu operations, %llu errors",
			     cfg->name, (now_ns() - start) / 1e9,
			     (unsigned long long)ops,
			     (unsigned long long)nr_errors(0, NR_ERR));
			next_note += 5000000000ULL;
		}
	}
	atomic_store(&ctl->stop, 1);
	secs = (now_ns() - start) / 1e9;
	if (have_resizer)
		pthread_join(resizer, NULL);
	if (have_misc)
		pthread_join(misc, NULL);
	reap(&me, pids, w);

	if (cfg->file_procs)
		final_check(&me);
	if (!reference) {
		/* Every mapping is gone: no VMA counted, no anon page kept. */
		struct mmapdemo_info fi = { 0 }, ai = { 0 };

		if ((file_fd >= 0 && md_info(file_fd, &fi)) ||
		    (anon_fd >= 0 && md_info(anon_fd, &ai))) {
			fail(&me, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		} else if (fi.nr_mappings || ai.nr_mappings || ai.nr_pages) {
			fail(&me, ERR_OTHER,
			     "after the run: %llu mappings of %s, %llu mappings and %llu pages of %s",
			     (unsigned long long)fi.nr_mappings, MD_PATH,
			     (unsigned long long)ai.nr_mappings,
			     (unsigned long long)ai.nr_pages, MD_ANON_PATH);
		}
		/* Back to the size it had, zeroed. */
		if (cfg->file_procs && (md_set_size(file_fd, 0) ||
					md_set_size(file_fd, info.size)))
			fail(&me, ERR_ERRNO, "resize back to %llu: %s",
			     (unsigned long long)info.size, strerror(errno));
	}
	if (cfg->expect_err < 0)
		print_summary(secs);
	return nr_errors(0, NR_ERR) ? 1 : 0;
}

/*
 * Run @c in a child process and wait for it, a bounded time.  Returns its
 * exit status (0: clean), or -1 if it died or hung.
 */
int run_config(const struct config *c)
{
	uint64_t end = now_ns() + (uint64_t)((c->secs + 6 * GRACE) * 1e9);
	int status, rc;
	pid_t pid;

	memset(ctl, 0, sizeof(*ctl));
	cfg = c;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ksft_print_msg("fork: %s\n", strerror(errno));
		return -1;
	}
	if (!pid)
		_exit(stress_run());
	rc = wait_child_until(pid, end, &status);
	if (rc < 0) {
		ksft_print_msg("waitpid: %s\n", strerror(errno));
		return -1;
	}
	if (rc > 0) {
		ksft_print_msg("%s: hangs: killing it\n", c->name);
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		if (wait_child_until(pid, now_ns() + GRACE * 1000000000ULL,
				     &status))
			ksft_print_msg("%s: cannot reap it\n", c->name);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		ksft_print_msg("%s: killed by signal %d%s\n", c->name,
			       WTERMSIG(status),
			       ctl->watchdog ? " (watchdog)" : "");
		return -1;
	}
	return WEXITSTATUS(status);
}

static void usage(const char *prog)
{
	printf("usage: %s [-t SECONDS] [-v] [-S] [-r] [-s SEED]\n"
	       "  -t  run time in all (default 10, 60 with MMAPDEMO_LONG=1): a quarter\n"
	       "      on each device, half on both\n"
	       "  -v  verbose: progress, and every error\n"
	       "  -S  only the self-check of the checker\n"
	       "  -r  run on a memfd and /dev/zero, the kernel's references\n"
	       "  -s  random seed (default: $MMAPDEMO_SEED, else the clock)\n",
	       prog);
}

int main(int argc, char **argv)
{
	double secs = long_run() ? 60 : 10;
	bool only_self = false, have_file, have_anon, ok;
	int opt, rc;

	seed = test_seed();
	while ((opt = getopt(argc, argv, "t:vSrs:h")) != -1) {
		switch (opt) {
		case 't':
			secs = atof(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			only_self = true;
			break;
		case 'r':
			reference = true;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : KSFT_FAIL;
		}
	}
	if (secs < 1)
		secs = 1;
	ps = page_size();
	procmem_ok = !access("/proc/self/mem", R_OK);
	mlock_ok = !geteuid(); /* no RLIMIT_MEMLOCK to mind */
	catch_faults();
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ksft_print_header();
	ksft_print_msg("seed %llu\n", (unsigned long long)seed);
	if (ctl == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	have_file = reference || !access(MD_PATH, F_OK);
	have_anon = reference || !access(MD_ANON_PATH, F_OK);
	if (!have_file && !have_anon)
		ksft_exit_skip("no %s or %s: mmapdemo is not loaded\n", MD_PATH,
			       MD_ANON_PATH);
	if (!reference && have_file) {
		struct mmapdemo_info info;
		int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);

		if (fd < 0 || md_info(fd, &info)) {
			ksft_print_msg("%s: %s: no stress on it\n", MD_PATH,
				       strerror(errno));
			have_file = false;
		} else if (info.max_size < 8 * ps) {
			ksft_print_msg("%s: max_size %llu is too small\n",
				       MD_PATH,
				       (unsigned long long)info.max_size);
			have_file = false;
		} else if (info.max_size < (uint64_t)file_pages * ps) {
			file_pages = info.max_size / ps;
		}
		if (fd >= 0)
			close(fd);
		if (syscall(SYS_delete_module, "", O_NONBLOCK) &&
		    errno == EPERM) {
			ksft_print_msg(
				"no rmmod attempts: not allowed to unload modules\n");
			rmmod_ok = false;
		}
	}
	ksft_print_msg("%.0f s%s\n", secs,
		       reference ? ", on memfd and /dev/zero" : "");
	ksft_set_plan(only_self ? 1 : 4);
	ksft_test_result(selfcheck(have_file, have_anon), "selfcheck\n");
	if (only_self)
		ksft_finished();

	{
		const struct config runs[] = {
			{ "file", 3, 0, 2, secs / 4, INJ_NONE, -1 },
			{ "anon", 0, 3, 2, secs / 4, INJ_NONE, -1 },
			{ "combined", 2, 2, 2, secs / 2, INJ_NONE, -1 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
			const struct config *c = &runs[i];

			if ((c->file_procs && !have_file) ||
			    (c->anon_procs && !have_anon)) {
				ksft_test_result_skip("%s: device missing\n",
						      c->name);
				continue;
			}
			rc = run_config(c);
			ok = !rc && !nr_errors(0, NR_ERR);
			ksft_test_result(ok, "%s\n", c->name);
		}
	}
	ksft_finished();
}
