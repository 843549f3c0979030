// SPDX-License-Identifier: GPL-2.0
/*
 * The operations stress_test's threads pick at random, with their weights,
 * and the mappings ("views") they work on.  Each checks every page it
 * touches against the model (stress_model.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/syscall.h>

#include "stress_test.h"

/* ---- views ---- */

/*
 * Map @npages of @fd from page @pgoff; at times with MAP_POPULATE, which in
 * a private mapping copies each page it can (a write fault): copies of the
 * file's pages we cannot tell apart from it, so unknown until stored to.
 */
bool map_view(struct actor *a, struct view *v, int fd, struct region *r,
	      unsigned int pgoff, unsigned int npages, bool shared,
	      struct ppage *pp)
{
	bool populate = !rndn(a, 4);
	void *m = mmap(NULL, (size_t)npages * ps, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) |
			       (populate ? MAP_POPULATE : 0),
		       fd, (off_t)pgoff * ps);

	if (m == MAP_FAILED) {
		fail(a, ERR_ERRNO, "mmap of %u pages at page %u (%s): %s",
		     npages, pgoff, shared ? "shared" : "private",
		     strerror(errno));
		return false;
	}
	v->addr = m;
	v->npages = npages;
	v->pgoff = pgoff;
	v->shared = shared;
	v->r = r;
	v->pp = shared ? NULL : pp;
	if (v->pp)
		memset(v->pp, 0, sizeof(*pp) * (npages + 1));
	if (v->pp && populate && r)
		for (unsigned int i = 0; i < npages; i++)
			v->pp[i].state = PP_UNKNOWN;
	return true;
}

void unmap_view(struct actor *a, struct view *v)
{
	if (munmap(v->addr, (size_t)v->npages * ps))
		fail(a, ERR_ERRNO, "munmap: %s", strerror(errno));
	v->addr = NULL;
}

/* A fresh anon object for a temporary view: zeroes, owned by us. */
void treg_init(struct region *r, unsigned int npages)
{
	memset(r, 0, sizeof(*r));
	r->tag = TAG_ANON;
	r->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
	r->npages = npages;
	atomic_store(&r->size, (uint64_t)npages * ps);
}

/* A temporary view of @npages: of the file, or of a new anon object. */
static bool tmp_view(struct actor *a, struct view *v, unsigned int npages,
		     bool shared)
{
	unsigned int pgoff = 0;
	struct region *r = a->sv.r;

	if (!a->anon) {
		pgoff = rndn(a, file_pages - npages + 1);
	} else if (shared) {
		r = a->treg;
		treg_init(r, npages);
	} else {
		r = NULL;
	}
	return map_view(a, v, a->fd, r, pgoff, npages, shared, a->tpp);
}

/* Touch every page of a view: our stores where we may, else loads. */
static void touch_view(struct actor *a, struct view *v)
{
	for (unsigned int i = 0; i < v->npages && !stopping(); i++) {
		if (!v->shared && rndn(a, 2))
			priv_store(a, v, i);
		else if (v->shared && owns(a, v, v->pgoff + i) && rndn(a, 2))
			write_page(a, v, i);
		else
			check_page(a, v, i);
	}
}

static void check_view(struct actor *a, struct view *v)
{
	for (unsigned int i = 0; i < v->npages; i++)
		check_page(a, v, i);
}

static unsigned int own_page(struct actor *a)
{
	unsigned int n = a->sv.npages, k;

	k = (n - 1 - a->owner) / a->nowners + 1; /* how many we own */
	return a->owner + rndn(a, k) * a->nowners;
}

/* ---- operations ---- */

static void op_write(struct actor *a)
{
	write_page(a, &a->sv, own_page(a));
}

static void op_pwrite(struct actor *a)
{
	pwrite_page(a, own_page(a));
}

static void op_verify(struct actor *a)
{
	check_page(a, &a->sv, own_page(a));
}

static void op_read(struct actor *a)
{
	check_page(a, &a->sv, rndn(a, a->sv.npages));
}

static void op_pread(struct actor *a)
{
	pread_page(a, rndn(a, a->sv.npages));
}

static void op_pstore(struct actor *a)
{
	priv_store(a, &a->pv, rndn(a, a->pv.npages));
}

static void op_pcheck(struct actor *a)
{
	check_page(a, &a->pv, rndn(a, a->pv.npages));
}

/*
 * Write faults copied what a private view showed of the file (populate,
 * mlock): unknown from now on, until stored to.  That includes pages whose
 * copy of ours a cut removed, if we have not noticed it yet.
 */
static void copies_unknown(struct view *v, unsigned int i, unsigned int n)
{
	if (!v->pp || !v->r)
		return;
	for (unsigned int k = i; k < i + n; k++) {
		struct ppage *pp = &v->pp[k];

		if (pp->state == PP_NONE ||
		    (pp->state == PP_MINE &&
		     atomic_load(&v->r->fullcut[v->pgoff + k]) != pp->fullcut0))
			pp->state = PP_UNKNOWN;
	}
}

/*
 * madvise() a range, or msync() it; then check it.  DONTNEED drops the
 * PTEs (shared data stays, private copies go); POPULATE_READ and _WRITE
 * fault the pages in (_WRITE copies them in a private mapping; both fail
 * with EFAULT where a page lies beyond the size); COLD and PAGEOUT would
 * reclaim them, which the driver's pages must survive; WILLNEED asks for
 * read-ahead; msync(MS_SYNC) succeeds, as on tmpfs and /dev/zero.  None may
 * change what the pages hold.
 */
static void op_madvise(struct actor *a)
{
	static const struct {
		int advice;
		const char *name;
	} advs[] = {
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_POPULATE_READ, "MADV_POPULATE_READ" },
		{ MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE" },
		{ MADV_COLD, "MADV_COLD" },
		{ MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_WILLNEED, "MADV_WILLNEED" },
		{ -1, "msync(MS_SYNC)" },
	};
	struct view *v = rndn(a, 2) ? &a->pv : &a->sv;
	unsigned int i = rndn(a, v->npages), n, k = rndn(a, ARRAY_SIZE(advs));
	bool file = v->r && v->r->resizable;
	unsigned char *addr = v->addr + (size_t)i * ps;
	size_t len;
	int rc;

	n = 1 + rndn(a, v->npages - i < 8 ? v->npages - i : 8);
	len = (size_t)n * ps;
	count(OP_MADVISE);
	if (advs[k].advice < 0)
		rc = msync(addr, len, MS_SYNC);
	else
		rc = madvise(addr, len, advs[k].advice);
	if (rc && !(errno == EFAULT && file &&
		    (advs[k].advice == MADV_POPULATE_READ ||
		     advs[k].advice == MADV_POPULATE_WRITE)))
		fail(a, ERR_ERRNO, "%s of %u pages from page %u (%s view): %s",
		     advs[k].name, n, v->pgoff + i,
		     v->shared ? "shared" : "private", strerror(errno));
	if (advs[k].advice == MADV_DONTNEED && v->pp) {
		for (unsigned int j = i; j < i + n; j++)
			v->pp[j].state = PP_NONE;
	} else if (advs[k].advice == MADV_POPULATE_WRITE && !v->shared) {
		copies_unknown(v, i, n);
	}
	for (unsigned int j = i; j < i + n; j++)
		check_page(a, v, j);
}

/* Read a page through /proc/self/mem (GUP), from either view. */
static void op_procmem(struct actor *a)
{
	struct view *v = rndn(a, 2) ? &a->pv : &a->sv;

	if (!procmem_ok)
		return;
	count(OP_PROCMEM);
	a->via_procmem = true;
	check_page(a, v, rndn(a, v->npages));
	a->via_procmem = false;
}

/* Wait for a child, a bounded time; false (and reported) if it failed. */
static bool wait_child_bounded(struct actor *a, pid_t pid, const char *what)
{
	uint64_t end = atomic_load(&ctl->deadline), now = now_ns();
	int status, rc;

	end = (end > now ? end : now) + GRACE * 1000000000ULL;
	rc = wait_child_until(pid, end, &status);
	if (rc < 0) {
		fail(a, ERR_ERRNO, "waitpid: %s", strerror(errno));
		return false;
	}
	if (rc > 0) {
		fail(a, ERR_OTHER, "%s child %d hangs: killed", what, pid);
		kill(pid, SIGKILL);
		wait_child_until(pid, now_ns() + 10 * 1000000000ULL, &status);
		return false;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return true;
	if (WIFSIGNALED(status))
		fail(a, ERR_SIGNAL, "%s child killed by signal %d", what,
		     WTERMSIG(status));
	else
		fail(a, ERR_OTHER, "%s child exited with %d", what,
		     WEXITSTATUS(status));
	return false;
}

/* In a fork child: a watchdog, and a name of its own. */
static void child_setup(struct actor *a, const char *suffix)
{
	uint64_t left = atomic_load(&ctl->deadline);

	left = left > now_ns() ? (left - now_ns()) / 1000000000ULL : 0;
	alarm(left + GRACE);
	strncat(a->name, suffix, sizeof(a->name) - strlen(a->name) - 1);
	a->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
	a->rng ^= (uint64_t)getpid() << 32;
}

/*
 * Fork: the child inherits the shared mapping (and sees and writes our
 * pages while we wait) and our private mapping (and sees our copies, but
 * its own stores stay its own).  Some children exit at once.
 */
static void op_fork(struct actor *a)
{
	pid_t pid = fork();

	if (pid < 0) {
		fail(a, ERR_ERRNO, "fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		unsigned int n = rndn(a, 3) ? 12 : 0;

		child_setup(a, "/child");
		for (unsigned int k = 0; k < n && !stopping(); k++) {
			switch (rndn(a, 4)) {
			case 0:
				op_write(a);
				break;
			case 1:
				op_read(a);
				break;
			case 2:
				op_pcheck(a);
				break;
			default:
				op_pstore(a);
				break;
			}
		}
		_exit(0);
	}
	wait_child_bounded(a, pid, "fork");
	count(OP_FORK);
	for (unsigned int k = 0; k < 3; k++) {
		op_pcheck(a);
		op_verify(a);
	}
}

/* mremap: move a mapping, grow it by a page, shrink it to one. */
static void op_mremap(struct actor *a)
{
	unsigned int n = 2 + rndn(a, 4);
	bool shared = rndn(a, 2);
	struct view v;
	void *res, *q;

	if (!tmp_view(a, &v, n, shared))
		return;
	touch_view(a, &v);
	res = mmap(NULL, (size_t)(n + 1) * ps, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED) {
		fail(a, ERR_ERRNO, "mmap: %s", strerror(errno));
		unmap_view(a, &v);
		return;
	}
	q = mremap(v.addr, (size_t)n * ps, (size_t)n * ps,
		   MREMAP_MAYMOVE | MREMAP_FIXED, res);
	if (q != res) {
		fail(a, ERR_ERRNO, "mremap to a fixed address: %s",
		     strerror(errno));
		munmap(res, (size_t)(n + 1) * ps);
		unmap_view(a, &v);
		return;
	}
	v.addr = q;
	munmap((char *)res + (size_t)n * ps, ps);
	check_view(a, &v);

	/* One more page: the file's next, or beyond the anon object. */
	if (a->anon || v.pgoff + n < file_pages) {
		q = mremap(v.addr, (size_t)n * ps, (size_t)(n + 1) * ps,
			   MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			fail(a, ERR_ERRNO, "mremap to grow: %s",
			     strerror(errno));
		} else {
			v.addr = q;
			v.npages = n + 1;
			if (v.pp)
				v.pp[n].state = PP_NONE;
			check_view(a, &v);
		}
	}
	q = mremap(v.addr, (size_t)v.npages * ps, ps, 0);
	if (q != v.addr) {
		fail(a, ERR_ERRNO, "mremap to shrink: %s", strerror(errno));
	} else {
		v.npages = 1;
		check_page(a, &v, 0);
	}
	unmap_view(a, &v);
	count(OP_MREMAP);
}

/* Expect SIGSEGV (SEGV_ACCERR) from an access the protection forbids. */
static void expect_segv(struct actor *a, void *addr, bool store,
			const char *prot)
{
	struct touch t = touch(addr, store, 0);

	if (t.sig == SIGSEGV && t.code == SEGV_ACCERR)
		event(EV_SIGSEGV);
	else
		fail(a, ERR_SIGNAL,
		     "%s a %s mapping: signal %d, si_code %d, expected SIGSEGV (SEGV_ACCERR)",
		     store ? "storing to" : "loading from", prot, t.sig,
		     t.code);
}

/* mprotect: read-only, then no access, then read-write again. */
static void op_mprotect(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4), i;
	size_t len = (size_t)n * ps;
	struct view v;

	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	touch_view(a, &v);
	i = rndn(a, n);
	if (mprotect(v.addr, len, PROT_READ)) {
		fail(a, ERR_ERRNO, "mprotect(PROT_READ): %s", strerror(errno));
	} else {
		check_page(a, &v, i);
		expect_segv(a, v.addr + (size_t)i * ps, true, "PROT_READ");
	}
	if (mprotect(v.addr, len, PROT_NONE))
		fail(a, ERR_ERRNO, "mprotect(PROT_NONE): %s", strerror(errno));
	else
		expect_segv(a, v.addr + (size_t)i * ps, false, "PROT_NONE");
	if (mprotect(v.addr, len, PROT_READ | PROT_WRITE))
		fail(a, ERR_ERRNO, "mprotect(PROT_READ | PROT_WRITE): %s",
		     strerror(errno));
	else
		touch_view(a, &v);
	unmap_view(a, &v);
	count(OP_MPROTECT);
}

/* Cut a hole in a mapping, then unmap it piece by piece. */
static void op_munmap(struct actor *a)
{
	unsigned int n = 3 + rndn(a, 3), mid = 1 + rndn(a, n - 2);
	unsigned char *hole;
	struct view v;

	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	touch_view(a, &v);
	hole = v.addr + (size_t)mid * ps;
	if (mmap(hole, ps, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) != hole) {
		fail(a, ERR_ERRNO, "mmap over a page: %s", strerror(errno));
	} else {
		expect_segv(a, hole, false, "PROT_NONE");
		for (unsigned int i = 0; i < n; i++)
			if (i != mid)
				check_page(a, &v, i);
		/* Only ours to unmap from now on: the rest may be reused. */
		if (munmap(hole + ps, (size_t)(n - mid - 1) * ps))
			fail(a, ERR_ERRNO, "munmap: %s", strerror(errno));
		v.npages = mid + 1;
		for (unsigned int i = 0; i < mid; i++)
			check_page(a, &v, i);
	}
	unmap_view(a, &v);
	count(OP_MUNMAP);
}

static int open_file(int flags)
{
	if (reference)
		return reopen(file_fd, flags);
	return open(MD_PATH, flags | O_CLOEXEC);
}

int open_anon(void)
{
	return open(reference ? "/dev/zero" : MD_ANON_PATH, O_RDWR | O_CLOEXEC);
}

/*
 * A storm: map the whole file afresh (through a new open, at times, closed
 * at once) and touch every page, starting anywhere: first-touch faults,
 * on pages other threads storm and the resizer cuts.
 */
static void file_storm(struct actor *a)
{
	bool shared = rndn(a, 2), fresh = !rndn(a, 3);
	unsigned int start = rndn(a, file_pages);
	int fd = a->fd;
	struct view v;

	if (fresh) {
		fd = open_file(O_RDWR);
		if (fd < 0) {
			fail(a, ERR_ERRNO, "open: %s", strerror(errno));
			return;
		}
	}
	if (map_view(a, &v, fd, a->sv.r, 0, file_pages, shared, a->tpp)) {
		if (fresh)
			close(fd);
		fresh = false;
		for (unsigned int k = 0; k < file_pages && !stopping(); k++) {
			unsigned int i = (start + k) % file_pages;

			if (!shared && rndn(a, 2))
				priv_store(a, &v, i);
			else if (shared && owns(a, &v, i) && rndn(a, 2))
				write_page(a, &v, i);
			else
				check_page(a, &v, i);
			count(OP_TOUCH);
		}
		unmap_view(a, &v);
	}
	if (fresh)
		close(fd);
	count(OP_STORM);
}

/*
 * Anon storms: a private mapping touched all over, or a new shared object
 * that a fork child and we fault at once, each writing half the pages, then
 * each checking all of them: the child's stores must show here.
 */
static void anon_storm(struct actor *a)
{
	unsigned int n = OBJ_PAGES;
	struct view v;
	pid_t pid;

	count(OP_STORM);
	if (rndn(a, 2)) {
		if (!tmp_view(a, &v, n, false))
			return;
		touch_view(a, &v);
		check_view(a, &v);
		unmap_view(a, &v);
		return;
	}
	if (!tmp_view(a, &v, n, true))
		return;
	pid = fork();
	if (pid < 0) {
		fail(a, ERR_ERRNO, "fork: %s", strerror(errno));
		unmap_view(a, &v);
		return;
	}
	for (unsigned int k = 0; k < n && !stopping(); k++) {
		unsigned int i = (k * 7 + (pid ? 0 : 3)) % n;

		if (i % 2 == !pid)
			write_page(a, &v, i);
		else
			check_page(a, &v, i);
		count(OP_TOUCH);
	}
	if (!pid) {
		check_view(a, &v);
		_exit(0);
	}
	wait_child_bounded(a, pid, "storm");
	check_view(a, &v);
	unmap_view(a, &v);
}

/* Open, map, close, use the mapping; then what a read-only open refuses. */
static void file_open(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4);
	struct mmapdemo_info info;
	struct view v;
	void *m;
	int fd;

	count(OP_OPEN);
	fd = open_file(O_RDWR);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open: %s", strerror(errno));
		return;
	}
	if (map_view(a, &v, fd, a->sv.r, rndn(a, file_pages - n + 1), n, true,
		     NULL)) {
		close(fd);
		touch_view(a, &v);
		unmap_view(a, &v);
	} else {
		close(fd);
	}

	fd = open_file(O_RDONLY);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open O_RDONLY: %s", strerror(errno));
		return;
	}
	m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED || errno != EACCES)
		fail(a, ERR_ERRNO,
		     "writable MAP_SHARED of an O_RDONLY open: %s, expected EACCES",
		     m == MAP_FAILED ? strerror(errno) : "mapped");
	if (m != MAP_FAILED)
		munmap(m, ps);
	v = (struct view){ .npages = 1, .shared = true, .r = a->sv.r };
	v.addr = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	if (v.addr == MAP_FAILED) {
		fail(a, ERR_ERRNO, "read-only MAP_SHARED: %s", strerror(errno));
	} else {
		if (!mprotect(v.addr, ps, PROT_READ | PROT_WRITE) ||
		    errno != EACCES)
			fail(a, ERR_ERRNO,
			     "mprotect(PROT_WRITE) of it: %s, expected EACCES",
			     strerror(errno));
		check_page(a, &v, 0);
		unmap_view(a, &v);
	}
	if (!reference) {
		uint64_t size = 0;

		if (md_info(fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		if (!ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &size) || errno != EINVAL)
			fail(a, ERR_ERRNO,
			     "MMAPDEMO_IOC_SET_SIZE on an O_RDONLY open: %s, expected EINVAL",
			     strerror(errno));
	}
	close(fd);
}

/* A new open, a new object through it, closed before it is used. */
static void anon_open(struct actor *a)
{
	struct mmapdemo_info info;
	struct view v;
	int fd = open_anon();

	count(OP_OPEN);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open: %s", strerror(errno));
		return;
	}
	if (!reference && md_info(fd, &info))
		fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
		     strerror(errno));
	treg_init(a->treg, 2);
	if (map_view(a, &v, fd, a->treg, 0, 2, true, NULL)) {
		close(fd);
		touch_view(a, &v);
		check_view(a, &v);
		unmap_view(a, &v);
	} else {
		close(fd);
	}
}

/* read() of the anon device gives zeroes, write() takes anything. */
static void op_rw(struct actor *a)
{
	ssize_t n;

	count(OP_RW);
	memset(a->buf, 0xee, ps);
	n = read(a->fd, a->buf, ps);
	if (n != (ssize_t)ps)
		fail(a, ERR_ERRNO, "read: %zd (%s)", n,
		     n < 0 ? strerror(errno) : "short");
	else if (!all_bytes(a->buf, ps, 0))
		fail(a, ERR_STALE, "read() of %s returned data",
		     reference ? "/dev/zero" : MD_ANON_PATH);
	n = write(a->fd, a->buf, ps);
	if (n != (ssize_t)ps)
		fail(a, ERR_ERRNO, "write: %zd (%s)", n,
		     n < 0 ? strerror(errno) : "short");
}

/*
 * read() and write() whose user buffer is a mapping of the device itself:
 * the copy faults on it while the driver holds its inode lock and a
 * reference on the page being copied.
 *  - read page p of the file into our private mapping's page p: the copy
 *    write-faults there, and the core copies page p on write;
 *  - write our own page p from our shared mapping of that very page, its
 *    PTE dropped first so that the copy faults it back in;
 *  - read page p into a fresh private mapping of the anon device.
 */
static void op_selfcopy(struct actor *a)
{
	struct region *r = a->sv.r;
	unsigned int p = rndn(a, file_pages), kind = rndn(a, 3);
	unsigned char *dst = NULL, *src;
	struct access acc;
	struct want w;
	struct obs o;
	char msg[256];
	int sigbus, fd;
	ssize_t n;
	long bad;

	count(OP_SELFCOPY);
	if (kind == 1) {
		p = own_page(a);
		src = a->sv.addr + (size_t)p * ps;
		if (!nores_enter(r))
			return;
		/* Inside the size, which no resize may change meanwhile. */
		if ((uint64_t)(p + 1) * ps <= atomic_load(&r->size)) {
			if (madvise(src, ps, MADV_DONTNEED))
				fail(a, ERR_ERRNO, "madvise(MADV_DONTNEED): %s",
				     strerror(errno));
			n = pwrite(a->fd, src, ps, (off_t)p * ps);
			if (n != (ssize_t)ps)
				fail(a, ERR_ERRNO,
				     "pwrite of page %u from its own mapping: %zd (%s)",
				     p, n, n < 0 ? strerror(errno) : "short");
		}
		atomic_fetch_sub(&r->sys_writers, 1);
		check_page(a, &a->sv, p);
		return;
	}

	if (kind == 0) {
		dst = a->pv.addr + (size_t)p * ps;
		a->pv.pp[p].state = PP_UNKNOWN; /* a copy of the file's */
	} else {
		fd = open_anon();
		if (fd >= 0) {
			dst = mmap(NULL, ps, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0);
			close(fd);
		}
		if (fd < 0 || dst == MAP_FAILED) {
			fail(a, ERR_ERRNO, "private map of %s: %s",
			     reference ? "/dev/zero" : MD_ANON_PATH,
			     strerror(errno));
			return;
		}
	}
	/* Read it back before a cut may take our copy of page p. */
	obs_begin(r, p, &o);
	n = pread(a->fd, dst, ps, (off_t)p * ps);
	acc = guarded_words(a->buf, dst, ps, false, 0);
	obs_end(r, p, &o);
	if (n < 0) {
		/* A cut may take our private page while the copy faults. */
		if (errno == EFAULT && !kind && !obs_rclean(&o))
			event(EV_SIGBUS);
		else
			fail(a, ERR_ERRNO, "pread into a mapping: %s",
			     strerror(errno));
		goto out;
	}
	if (!shared_want(r, p, &o, &w, &sigbus)) {
		event(EV_SKIP);
		goto out;
	}
	if (acc.sig && (kind == 2 || !sigbus_ok(&acc, sigbus))) {
		fail(a, ERR_SIGNAL,
		     "reading back what pread() put in a mapping: signal %d, si_code %d",
		     acc.sig, acc.code);
		goto out;
	}
	if ((size_t)n > acc.done)
		n = acc.done;
	event(w.exact ? EV_STRICT : EV_LOOSE);
	bad = check_bytes(a->buf, 0, n, &w);
	if (bad >= 0) {
		enum err ekind =
			classify(a->buf, 0, n, bad, &w, msg, sizeof(msg));

		fail(a, ekind, "page %u via pread into a mapping: %s", p, msg);
	}
out:
	if (kind == 2)
		munmap(dst, ps);
}

/*
 * mlock a temporary view: it faults every page in (a write fault in a
 * private mapping: copies); pages beyond the size make it fail with ENOMEM.
 * Locked pages are then truncated by the resizer, or unlocked.
 */
static void op_mlock(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4);
	struct view v;

	if (!mlock_ok)
		return;
	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	count(OP_MLOCK);
	if (mlock(v.addr, (size_t)n * ps) &&
	    !(errno == ENOMEM && v.r && v.r->resizable))
		fail(a, ERR_ERRNO, "mlock of %u pages: %s", n, strerror(errno));
	if (!v.shared)
		copies_unknown(&v, 0, n);
	touch_view(a, &v);
	if (rndn(a, 2) && munlock(v.addr, (size_t)n * ps))
		fail(a, ERR_ERRNO, "munlock: %s", strerror(errno));
	check_view(a, &v);
	unmap_view(a, &v);
}

static void op_storm(struct actor *a)
{
	if (a->anon)
		anon_storm(a);
	else
		file_storm(a);
}

static void op_open(struct actor *a)
{
	if (a->anon)
		anon_open(a);
	else
		file_open(a);
}

struct op_choice {
	unsigned int weight;
	void (*fn)(struct actor *a);
	const char *name;
};

/* How often each operation runs, relative to the others. */
static const struct op_choice file_ops[] = {
	{ 16, op_write, "write" },	   { 5, op_pwrite, "pwrite" },
	{ 12, op_verify, "verify" },	   { 14, op_read, "read" },
	{ 8, op_pread, "pread" },	   { 8, op_pstore, "private-store" },
	{ 8, op_pcheck, "private-check" }, { 4, op_madvise, "madvise" },
	{ 2, op_storm, "storm" },	   { 2, op_mremap, "mremap" },
	{ 2, op_mprotect, "mprotect" },	   { 2, op_munmap, "munmap" },
	{ 2, op_open, "open-close" },	   { 1, op_fork, "fork" },
	{ 2, op_selfcopy, "self-copy" },   { 2, op_procmem, "proc-mem" },
	{ 1, op_mlock, "mlock" },
};

static const struct op_choice anon_ops[] = {
	{ 16, op_write, "write" },
	{ 12, op_verify, "verify" },
	{ 14, op_read, "read" },
	{ 4, op_rw, "read-write" },
	{ 8, op_pstore, "private-store" },
	{ 8, op_pcheck, "private-check" },
	{ 4, op_madvise, "madvise" },
	{ 2, op_storm, "storm" },
	{ 2, op_mremap, "mremap" },
	{ 2, op_mprotect, "mprotect" },
	{ 2, op_munmap, "munmap" },
	{ 2, op_open, "open-close" },
	{ 1, op_fork, "fork" },
	{ 2, op_procmem, "proc-mem" },
	{ 1, op_mlock, "mlock" },
};

static void run_one(struct actor *a)
{
	const struct op_choice *ops = a->anon ? anon_ops : file_ops;
	size_t n = a->anon ? ARRAY_SIZE(anon_ops) : ARRAY_SIZE(file_ops);
	unsigned int total = 0, pick;

	for (size_t k = 0; k < n; k++)
		total += ops[k].weight;
	pick = rndn(a, total);
	for (size_t k = 0; k < n; k++) {
		if (pick < ops[k].weight) {
			a->op = ops[k].name;
			ops[k].fn(a);
			return;
		}
		pick -= ops[k].weight;
	}
}

void *actor_main(void *arg)
{
	struct actor *a = arg;

	while (!atomic_load(&ctl->go) && !stopping())
		sleep_us(1000);
	while (!stopping()) {
		unsigned int bell = atomic_load(&ctl->bell);

		if (bell != a->bell) {
			a->bell = bell;
			a->op = "storm";
			op_storm(a);
		} else {
			run_one(a);
		}
	}
	/* The last word: every page we own, once more. */
	a->op = "final-verify";
	for (unsigned int p = a->owner; p < a->sv.npages; p += a->nowners)
		check_page(a, &a->sv, p);
	return NULL;
}
