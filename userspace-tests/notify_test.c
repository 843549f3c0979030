// SPDX-License-Identifier: GPL-2.0
/*
 * Write notification: MMAPDEMO_IOC_WRITTEN tells which pages of
 * /dev/mmapdemo or /dev/mmapdemo-huge were written since last reported,
 * and re-arms them; poll() says EPOLLPRI while some are pending.
 *  - notify: a buffer of 128 pages (no 2 MiB folio), reported page by
 *    page: only writes (stores, write() once its copy is done), each once
 *    per interval, never a private copy; from any process or mapping,
 *    through mprotect(), across a shrink; sub-ranges; bad arguments lose
 *    nothing; what poll() says; the write_notifies counter;
 *  - notify_large: 2 MiB folios (large_folios, from 6.12.59) are reported
 *    whole, and re-armed only by a range that covers them whole;
 *  - notify_huge: /dev/mmapdemo-huge, 2 MiB per store where a PMD maps it
 *    (6.12 and 7.x, told by the huge_faults counter), a page where 4 KiB
 *    entries do (6.1, MADV_NOHUGEPAGE); a report unmaps, the data stays.
 * Watchers that sleep until a store, and the stress test, are
 * notify_watch_test's.
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 128 /* the small buffer: 512 KiB, two bitmap words */
#define MB (1UL << 20)
#define CHUNK (2UL << 20)
#define FOLIO_PAGES 512UL
#define POLL_ALWAYS (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* The pages a report should hold, for same_pages(). */
#define PAGES(...) ((const int[]){ __VA_ARGS__, -1 })
#define NONE ((const int[]){ -1 })

/* Are exactly the pages of @want (ended by -1) set among @nbits bits? */
static bool same_pages(const uint64_t *bits, size_t nbits, const int *want)
{
	size_t n = 0;
	bool ok = true;

	for (; want[n] >= 0; n++)
		ok &= (size_t)want[n] < nbits && bit_is_set(bits, want[n]);
	ok &= bits_weight(bits, nbits) == n;
	if (!ok) {
		fprintf(stderr, "# reported:");
		for (size_t i = 0; i < nbits; i++)
			if (bit_is_set(bits, i))
				fprintf(stderr, " %zu", i);
		fprintf(stderr, "\n");
	}
	return ok;
}

/* Are exactly bits [@first, @first + @n) set among @nbits bits? */
static bool same_range(const uint64_t *bits, size_t nbits, size_t first,
		       size_t n)
{
	for (size_t i = 0; i < nbits; i++)
		if (bit_is_set(bits, i) != (i >= first && i < first + n))
			return false;
	return true;
}

/* Store @v at byte @off of page @page. */
static void store_at(unsigned char *p, size_t ps, size_t page, size_t off,
		     unsigned char v)
{
	((volatile unsigned char *)p)[page * ps + off] = v;
}

/* Read one byte of each of the @n pages from @first. */
static unsigned int read_pages(const unsigned char *p, size_t ps, size_t first,
			       size_t n)
{
	unsigned int sum = 0;

	for (size_t i = first; i < first + n; i++)
		sum += ((const volatile unsigned char *)p)[i * ps];
	return sum;
}

/* ---- notify: a buffer of NPAGES pages ---- */

FIXTURE(notify)
{
	int fd;
	size_t ps, len;
	unsigned char *p; /* all of the buffer, MAP_SHARED, read-write */
	uint64_t bits[NPAGES / 64];
};

FIXTURE_SETUP(notify)
{
	self->p = MAP_FAILED;
	self->fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);
	self->ps = page_size();
	self->len = NPAGES * self->ps;
	/* Through zero: a fresh buffer, every earlier write forgotten. */
	ASSERT_EQ(0, md_set_size(self->fd, 0));
	ASSERT_EQ(0, md_set_size(self->fd, self->len));
	self->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(0, md_written(self->fd, 0, self->len, self->bits));
}

FIXTURE_TEARDOWN(notify)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, self->len);
	if (self->fd >= 0) {
		md_set_size(self->fd, MB);
		close(self->fd);
	}
}

/* Report the whole buffer into self->bits: how many pages, or -1. */
static long whole(FIXTURE_DATA(notify) * self)
{
	return md_written(self->fd, 0, self->len, self->bits);
}

/* Store @v at the start of page @page of the fixture's mapping. */
static void store(FIXTURE_DATA(notify) * self, size_t page, unsigned char v)
{
	store_at(self->p, self->ps, page, 0, v);
}

/* Pages only read are never reported; stores are, bit by bit. */
TEST_F(notify, only_writes_reported)
{
	EXPECT_EQ(0U, read_pages(self->p, self->ps, 0, NPAGES));
	memset(self->bits, 0xff, sizeof(self->bits));
	EXPECT_EQ(0, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, NONE));

	store(self, 0, 1);
	store(self, 3, 2);
	store(self, 17, 3);
	EXPECT_EQ(3, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(0, 3, 17)));
	/* Bit b of word w is page w * 64 + b. */
	store(self, 65, 4);
	store(self, 127, 5);
	EXPECT_EQ(2, whole(self));
	EXPECT_EQ(0ULL, self->bits[0]);
	EXPECT_EQ(1ULL << 1 | 1ULL << 63, self->bits[1]);
}

/* Each write once per interval; re-armed, the next store is reported. */
TEST_F(notify, once_per_interval)
{
	store(self, 5, 1);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(5)));
	EXPECT_EQ(0, whole(self));

	store(self, 5, 2);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(5)));

	store(self, 5, 3);
	store_at(self->p, self->ps, 5, 100, 4);
	store_at(self->p, self->ps, 5, self->ps - 1, 5);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(5)));
	EXPECT_EQ(0, whole(self));
}

/*
 * A store through a shared mapping updates the file's mtime, as it does
 * without write notification (the core's fault_dirty_shared_page()).
 */
TEST_F(notify, store_updates_mtime)
{
	const struct timespec past[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };
	struct stat st;

	ASSERT_EQ(0, futimens(self->fd, past));
	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_EQ(1000000, st.st_mtim.tv_sec);
	store(self, 6, 1);
	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_LT(1000000, st.st_mtim.tv_sec);
}

/* write() and pwrite() are reported, each page they touch; read() not. */
TEST_F(notify, write_syscalls)
{
	size_t ps = self->ps;
	char *buf = calloc(1, ps);

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(1, pwrite(self->fd, "a", 1, 2 * ps));
	ASSERT_EQ((off_t)(7 * ps + 10), lseek(self->fd, 7 * ps + 10, SEEK_SET));
	ASSERT_EQ(2, write(self->fd, "bc", 2));
	/* Half of page 9, half of page 10. */
	ASSERT_EQ((ssize_t)ps, pwrite(self->fd, buf, ps, 9 * ps + ps / 2));
	EXPECT_EQ('a', self->p[2 * ps]);
	EXPECT_EQ(4, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(2, 7, 9, 10)));

	for (size_t i = 0; i < NPAGES; i++)
		ASSERT_EQ((ssize_t)ps, pread(self->fd, buf, ps, i * ps));
	EXPECT_EQ(0, whole(self));
	free(buf);
}

struct stalled_write {
	int fd;
	const void *src;
	off_t pos;
	ssize_t ret;
};

static void *do_pwrite(void *arg)
{
	struct stalled_write *sw = arg;

	sw->ret = pwrite(sw->fd, sw->src, 5, sw->pos);
	return NULL;
}

/*
 * A write() is pending once its data is there, not before: while its copy
 * waits for a source page that userfaultfd holds back, poll() says nothing
 * and a report holds nothing; once the page comes, the report holds the
 * page, and a read after it the new bytes.  A write() that stores nothing
 * (EFAULT) leaves nothing pending.
 */
TEST_F(notify, write_marked_after_copy)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct stalled_write sw = { .fd = self->fd, .pos = 5 * self->ps };
	struct pollfd pfd;
	struct uffdio_copy copy;
	char *src, *data, buf[5];
	pthread_t t;
	int uffd;

	src = mmap(NULL, self->ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	data = calloc(1, self->ps);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(NULL, data);
	EXPECT_EQ(-1, pwrite(self->fd, src, 5, sw.pos));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(0, whole(self));

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_EQ(0, mprotect(src, self->ps, PROT_READ | PROT_WRITE));
	reg.range.start = (uintptr_t)src;
	reg.range.len = self->ps;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	sw.src = src;
	ASSERT_EQ(0, pthread_create(&t, NULL, do_pwrite, &sw));
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 10000)); /* the copy waits for the page */
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(0, whole(self));

	memcpy(data, "again", 5);
	copy = (struct uffdio_copy){ .dst = (uintptr_t)src,
				     .src = (uintptr_t)data,
				     .len = self->ps };
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	pthread_join(t, NULL);
	EXPECT_EQ(5, sw.ret);
	EXPECT_EQ(POLLPRI, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(5)));
	EXPECT_EQ(5, pread(self->fd, buf, 5, sw.pos));
	EXPECT_EQ(0, memcmp(buf, "again", 5));
	close(uffd);
	munmap(src, self->ps);
	free(data);
}

/* Stores to a private mapping are the process's own copy: never reported. */
TEST_F(notify, private_never)
{
	unsigned char *q = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE, self->fd, 0);

	ASSERT_NE(MAP_FAILED, q);
	store_at(q, self->ps, 1, 0, 1); /* a copy-on-write fault */
	EXPECT_EQ(0U, read_pages(q, self->ps, 2, 1));
	store_at(q, self->ps, 2, 0, 2); /* a copy of a page a read mapped */
	EXPECT_EQ(0, whole(self));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(0, self->p[self->ps]);
	munmap(q, self->len);
}

/* O_RDONLY cannot write through a mapping, but may watch: ioctl and poll. */
TEST_F(notify, rdonly_watcher)
{
	int ro = reopen(self->fd, O_RDONLY);
	unsigned char *r;

	ASSERT_LE(0, ro);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro, 0));
	EXPECT_EQ(EACCES, errno);
	r = mmap(NULL, self->len, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(-1, mprotect(r, self->len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);

	store(self, 4, 0x44);
	EXPECT_EQ(POLLPRI, poll_events(ro, POLLPRI, 0));
	EXPECT_EQ(1, md_written(ro, 0, self->len, self->bits));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(4)));
	EXPECT_EQ(0, poll_events(ro, POLLPRI, 0));
	EXPECT_EQ(0x44, r[4 * self->ps]);
	munmap(r, self->len);
	close(ro);
}

/*
 * A child's stores through the mapping it inherited are reported to the
 * parent, and a report write-protects the child's entries too.  (Fork
 * copies no entry of a shared file mapping: the child maps page 3 writable
 * by its own first store.)
 */
TEST_F(notify, fork_child_stores)
{
	struct turns t;
	pid_t pid;

	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		store(self, 3, 1);
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		store(self, 3, 2); /* writable before the report */
		store(self, 9, 3);
		_exit(0);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(3)));
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(2, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(3, 9)));
	EXPECT_EQ(2, self->p[3 * self->ps]);
}

/* A process with an open and a mapping of its own: the same. */
TEST_F(notify, second_process)
{
	struct turns t;
	unsigned char *q;
	pid_t pid;

	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);

		q = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (q == MAP_FAILED)
			_exit(1);
		store_at(q, self->ps, 6, 0, 1);
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		store_at(q, self->ps, 6, 1, 2); /* writable before the report */
		store_at(q, self->ps, 11, 0, 3);
		_exit(0);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(6)));
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(2, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(6, 11)));
	EXPECT_EQ(2, self->p[6 * self->ps + 1]);
}

/*
 * mprotect() up to writable: stores are reported.  And back down and up
 * after a report: the upgrade does not make a reported page writable, so
 * the next store is reported again, also when the report came while the
 * mapping was read-only.
 */
TEST_F(notify, mprotect_upgrade)
{
	size_t ps = self->ps;
	unsigned char *q =
		mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0U, read_pages(q, ps, 0, NPAGES));
	ASSERT_EQ(0, mprotect(q, self->len, PROT_READ | PROT_WRITE));
	store_at(q, ps, 1, 0, 1);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(1)));

	ASSERT_EQ(0, mprotect(q, self->len, PROT_READ));
	ASSERT_EQ(0, mprotect(q, self->len, PROT_READ | PROT_WRITE));
	store_at(q, ps, 1, 0, 2);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(1)));

	store_at(q, ps, 1, 0, 3);
	ASSERT_EQ(0, mprotect(q, self->len, PROT_READ));
	EXPECT_EQ(1, whole(self));
	ASSERT_EQ(0, mprotect(q, self->len, PROT_READ | PROT_WRITE));
	store_at(q, ps, 1, 0, 4);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(1)));
	munmap(q, self->len);
}

/* poll(): always readable and writable; EPOLLPRI while writes pend. */
TEST_F(notify, poll_pending)
{
	short all = POLL_ALWAYS | POLLPRI;

	EXPECT_EQ(POLL_ALWAYS, poll_events(self->fd, all, 0));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	store(self, 2, 1);
	EXPECT_EQ(all, poll_events(self->fd, all, 0));
	EXPECT_EQ(1, whole(self));
	EXPECT_EQ(POLL_ALWAYS, poll_events(self->fd, all, 0));
	ASSERT_EQ(1, pwrite(self->fd, "x", 1, 0));
	EXPECT_EQ(POLLPRI, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(1, whole(self));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
}

/*
 * A shrink forgets the pages it cuts: never reported, nor after a grow
 * until written again; the part kept is still reported.
 */
TEST_F(notify, truncate_forgets)
{
	size_t ps = self->ps;

	store(self, 2, 1);
	store(self, 8, 1);
	store(self, 10, 1);
	store(self, 100, 1);
	ASSERT_EQ(0, md_set_size(self->fd, 8 * ps + ps / 2));
	EXPECT_EQ(2, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(2, 8)));

	ASSERT_EQ(0, md_set_size(self->fd, self->len));
	EXPECT_EQ(0, whole(self));
	EXPECT_EQ(0U, read_pages(self->p, ps, 9, NPAGES - 9));
	EXPECT_EQ(0, whole(self));
	store(self, 100, 2);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(100)));

	/* All that pends cut: nothing pends. */
	store(self, 50, 3);
	ASSERT_EQ(0, md_set_size(self->fd, 16 * ps));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(0, whole(self));
}

/* A sub-range reports and re-arms its own pages only. */
TEST_F(notify, sub_range)
{
	size_t ps = self->ps;

	store(self, 1, 1);
	store(self, 5, 1);
	store(self, 70, 1);
	store(self, 100, 1);
	EXPECT_EQ(2, md_written(self->fd, 4 * ps, 76 * ps, self->bits));
	EXPECT_TRUE(same_pages(self->bits, 76, PAGES(1, 66)));
	EXPECT_EQ(2, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(1, 100)));

	store(self, 5, 2); /* re-armed by the sub-range's call */
	store(self, 70, 2);
	store(self, 3, 2);
	EXPECT_EQ(1, md_written(self->fd, 3 * ps, ps, self->bits));
	EXPECT_EQ(1ULL, self->bits[0]);
	EXPECT_EQ(2, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(5, 70)));
	/* Beyond the end: nothing, and no error. */
	EXPECT_EQ(0, md_written(self->fd, self->len, self->len, self->bits));
}

/* ---- bad input changes nothing: page 7 is still reported after ---- */

/* Unaligned offset or length: EINVAL. */
TEST_F(notify, bad_alignment)
{
	size_t ps = self->ps;

	store(self, 7, 1);
	EXPECT_EQ(-1, md_written(self->fd, 1, ps, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, ps / 2, self->len, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, 0, ps + 1, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, 0, ps - 1, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(7)));
}

/* More than MMAPDEMO_WRITTEN_MAX_PAGES pages: EINVAL; that many: fine. */
TEST_F(notify, too_long)
{
	size_t max = (size_t)MMAPDEMO_WRITTEN_MAX_PAGES * self->ps;
	uint64_t *bits = calloc(MMAPDEMO_WRITTEN_MAX_PAGES / 64 + 1, 8);

	ASSERT_NE(NULL, bits);
	store(self, 7, 1);
	EXPECT_EQ(-1, md_written(self->fd, 0, max + self->ps, bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, md_written(self->fd, 0, max, bits));
	EXPECT_TRUE(same_pages(bits, MMAPDEMO_WRITTEN_MAX_PAGES, PAGES(7)));
	free(bits);
}

/* A range that ends beyond MAX_LFS_FILESIZE, or wraps: EINVAL. */
TEST_F(notify, beyond_max_offset)
{
	size_t ps = self->ps;
	/* The last page a range may hold, and the first beyond the limit. */
	uint64_t last = (uint64_t)INT64_MAX / ps * ps - ps;

	store(self, 7, 1);
	EXPECT_EQ(0, md_written(self->fd, last, ps, self->bits));
	EXPECT_EQ(0, md_written(self->fd, last + ps, 0, self->bits));
	EXPECT_EQ(-1, md_written(self->fd, last, 2 * ps, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, last + ps, ps, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, last + 2 * ps, 0, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, -(uint64_t)ps, ps, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, md_written(self->fd, -(uint64_t)ps, 2 * ps, self->bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(7)));
}

/*
 * A bitmap that cannot be written, wholly or in part: EFAULT, and the
 * pages stay to be reported.
 */
TEST_F(notify, bad_bitmap)
{
	size_t ps = self->ps;
	unsigned char *m = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *straddle = (uint64_t *)(m + ps - 8);

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, mprotect(m + ps, ps, PROT_NONE));
	store(self, 7, 1);
	EXPECT_EQ(-1, md_written(self->fd, 0, self->len, bad_address()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, md_written(self->fd, 0, self->len, straddle));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, mprotect(m, ps, PROT_READ));
	EXPECT_EQ(-1, md_written(self->fd, 0, self->len, (uint64_t *)m));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(POLLPRI, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(7)));
	munmap(m, 2 * ps);
}

/* An argument that cannot be read, or written back: EFAULT. */
TEST_F(notify, bad_struct)
{
	size_t ps = self->ps;
	struct mmapdemo_written *w = mmap(NULL, ps, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, w);
	store(self, 7, 1);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_WRITTEN, bad_address()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_WRITTEN, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Read-only: nr_written cannot be written back. */
	*w = (struct mmapdemo_written){ .length = self->len,
					.bitmap = (uintptr_t)self->bits };
	ASSERT_EQ(0, mprotect(w, ps, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_WRITTEN, w));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(7)));
	munmap(w, ps);
}

/* Length 0: nothing to report, whatever the bitmap; nr_written 0. */
TEST_F(notify, zero_length)
{
	struct mmapdemo_written w = { .offset = 3 * self->ps,
				      .nr_written = 99 };

	store(self, 7, 1);
	EXPECT_EQ(0, ioctl(self->fd, MMAPDEMO_IOC_WRITTEN, &w));
	EXPECT_EQ(0ULL, w.nr_written);
	w.bitmap = (uintptr_t)bad_address();
	w.nr_written = 99;
	EXPECT_EQ(0, ioctl(self->fd, MMAPDEMO_IOC_WRITTEN, &w));
	EXPECT_EQ(0ULL, w.nr_written);
	EXPECT_EQ(1, whole(self));
	EXPECT_TRUE(same_pages(self->bits, NPAGES, PAGES(7)));
}

/* Unknown ioctls: ENOTTY on every device; the anon one has no WRITTEN. */
TEST_F(notify, unknown_ioctl)
{
	const char *paths[] = { MD_PATH, MD_HUGE_PATH, MD_ANON_PATH };
	struct mmapdemo_written w = { .length = self->ps,
				      .bitmap = (uintptr_t)self->bits };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd) TH_LOG("%s", paths[i]);
		EXPECT_EQ(-1, ioctl(fd, _IO(MMAPDEMO_IOC_MAGIC, 0x7f)));
		EXPECT_EQ(ENOTTY, errno);
		EXPECT_EQ(-1, ioctl(fd,
				    _IOWR(MMAPDEMO_IOC_MAGIC, 3,
					  struct mmapdemo_written),
				    &w));
		EXPECT_EQ(ENOTTY, errno);
		if (!strcmp(paths[i], MD_ANON_PATH)) {
			EXPECT_EQ(-1, md_written(fd, 0, self->ps, self->bits));
			EXPECT_EQ(ENOTTY, errno);
		}
		close(fd);
	}
}

/*
 * The counters: write_notifies grows by one per first store to a page
 * mapped read-only (a read mapped it, or a report re-armed it); a store
 * to a page not mapped is a write fault too; write() and private stores
 * are no notification.
 */
TEST_F(notify, counters)
{
	struct mmapdemo_info a, b;
	size_t ps = self->ps;
	unsigned char *q;

	EXPECT_EQ(0U, read_pages(self->p, ps, 40, 1));
	ASSERT_EQ(0, md_info(self->fd, &a));
	store(self, 40, 1);
	store(self, 40, 2);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.write_notifies + 1, b.write_notifies);
	EXPECT_EQ(a.write_faults, b.write_faults);

	EXPECT_EQ(1, whole(self));
	store(self, 40, 3); /* write-protected, still mapped */
	ASSERT_EQ(0, md_info(self->fd, &a));
	EXPECT_EQ(b.write_notifies + 1, a.write_notifies);
	EXPECT_EQ(b.write_faults, a.write_faults);

	store(self, 90, 1); /* not mapped yet */
	ASSERT_EQ(1, pwrite(self->fd, "w", 1, 91 * ps));
	q = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		 0);
	ASSERT_NE(MAP_FAILED, q);
	store_at(q, ps, 92, 0, 1);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.write_notifies + 1, b.write_notifies);
	EXPECT_EQ(a.write_faults + 1, b.write_faults);
	EXPECT_EQ(a.cow_faults + 1, b.cow_faults);
	munmap(q, self->len);
}

/* ---- notify_large: 2 MiB folios, where the module makes them ---- */

#define LARGE_PAGES (8 * MB / 4096)

FIXTURE(notify_large)
{
	int fd;
	size_t ps, len;
	unsigned char *p;
	uint64_t bits[LARGE_PAGES / 64];
};

FIXTURE_SETUP(notify_large)
{
	struct mmapdemo_info info;
	bool want = kernel_at_least_patch(6, 12, 59);

	self->p = MAP_FAILED;
	self->fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);
	self->ps = page_size();
	ASSERT_EQ(4096U, self->ps);
	self->len = 8 * MB;
	ASSERT_EQ(0, md_set_size(self->fd, 0));
	ASSERT_EQ(0, md_set_size(self->fd, self->len));
	ASSERT_EQ(0, md_info(self->fd, &info));
	/* Large folios exactly where the kernel maps them safely. */
	ASSERT_EQ(want, info.large_folios > 0)
	TH_LOG("%llu large folios, large_folios=%d", info.large_folios,
	       md_param_bool("large_folios"));
	if (!want)
		SKIP(return, "no large folios before Linux 6.12.59");
	ASSERT_EQ(4ULL, info.large_folios);
	self->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(notify_large)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, self->len);
	if (self->fd >= 0) {
		md_set_size(self->fd, MB);
		close(self->fd);
	}
}

/* Report pages [@first, @first + @n) of the buffer: how many. */
static long large_report(FIXTURE_DATA(notify_large) * self, size_t first,
			 size_t n)
{
	return md_written(self->fd, first * self->ps, n * self->ps, self->bits);
}

/* write_notifies now. */
static uint64_t notifies(int fd)
{
	struct mmapdemo_info info = { 0 };

	md_info(fd, &info);
	return info.write_notifies;
}

/* One store reports its whole folio, once, and the folio is re-armed. */
TEST_F(notify_large, one_store_reports_folio)
{
	store_at(self->p, self->ps, 600, 0, 1);
	EXPECT_EQ(512, large_report(self, 0, LARGE_PAGES));
	EXPECT_TRUE(same_range(self->bits, LARGE_PAGES, 512, 512));
	EXPECT_EQ(0, large_report(self, 0, LARGE_PAGES));
	store_at(self->p, self->ps, 1023, 0, 2);
	EXPECT_EQ(512, large_report(self, 0, LARGE_PAGES));
	EXPECT_TRUE(same_range(self->bits, LARGE_PAGES, 512, 512));
}

/*
 * A range that covers the folio in part reports the pages in it, and
 * leaves the folio recorded and writable; one that covers it whole
 * re-arms it.
 */
TEST_F(notify_large, partial_range_keeps_recorded)
{
	uint64_t n0;

	store_at(self->p, self->ps, 600, 0, 1);
	EXPECT_EQ(256, large_report(self, 512, 256));
	EXPECT_TRUE(same_range(self->bits, 256, 0, 256));
	EXPECT_EQ(POLLPRI, poll_events(self->fd, POLLPRI, 0));
	n0 = notifies(self->fd);
	store_at(self->p, self->ps, 600, 1, 2);
	EXPECT_EQ(n0, notifies(self->fd)) TH_LOG("re-armed by a part");
	EXPECT_EQ(256, large_report(self, 256, 512));
	EXPECT_TRUE(same_range(self->bits, 512, 256, 256));

	EXPECT_EQ(512, large_report(self, 0, LARGE_PAGES));
	EXPECT_EQ(0, large_report(self, 0, LARGE_PAGES));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	store_at(self->p, self->ps, 600, 2, 3);
	EXPECT_EQ(n0 + 1, notifies(self->fd));
	EXPECT_EQ(512, large_report(self, 512, 512));
}

/* A folio a shrink cuts is reported up to the end only. */
TEST_F(notify_large, truncate_cuts_folio)
{
	store_at(self->p, self->ps, 5, 0, 1);
	store_at(self->p, self->ps, 1500, 0, 1);
	ASSERT_EQ(0, md_set_size(self->fd, 100 * self->ps + 100));
	EXPECT_EQ(101, large_report(self, 0, LARGE_PAGES));
	EXPECT_TRUE(same_range(self->bits, LARGE_PAGES, 0, 101));
	ASSERT_EQ(0, md_set_size(self->fd, self->len));
	EXPECT_EQ(0, large_report(self, 0, LARGE_PAGES));
	EXPECT_EQ(0, self->p[1500 * self->ps]);
}

/*
 * A range up to the end of the file covers a folio a shrink cut: reported
 * and re-armed, it is gone, as a watcher that reports [0, size) needs.
 */
TEST_F(notify_large, cut_folio_covered_to_the_end)
{
	uint64_t n0;

	store_at(self->p, self->ps, 5, 0, 1);
	ASSERT_EQ(0, md_set_size(self->fd, 100 * self->ps + 100));
	EXPECT_EQ(101, large_report(self, 0, 101));
	EXPECT_TRUE(same_range(self->bits, 101, 0, 101));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
	EXPECT_EQ(0, large_report(self, 0, 101));
	n0 = notifies(self->fd);
	store_at(self->p, self->ps, 7, 0, 2);
	EXPECT_EQ(n0 + 1, notifies(self->fd)) TH_LOG("not re-armed");
	EXPECT_EQ(101, large_report(self, 0, 101));
}

/* ---- notify_huge: /dev/mmapdemo-huge ---- */

FIXTURE(notify_huge)
{
	int fd;
	size_t ps, npages;
	unsigned char *p; /* its first two chunks */
	uint64_t *bits;
};

FIXTURE_SETUP(notify_huge)
{
	struct mmapdemo_info info;

	self->p = MAP_FAILED;
	self->bits = NULL;
	self->fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   MD_HUGE_PATH);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, md_info(self->fd, &info));
	ASSERT_LE(2 * CHUNK, info.size);
	self->ps = page_size();
	self->npages = info.size / self->ps;
	self->bits = calloc(self->npages / 64 + 1, 8);
	ASSERT_NE(NULL, self->bits);
	/* What earlier tests wrote: reported, so nothing pends. */
	ASSERT_LE(0, md_written(self->fd, 0, info.size, self->bits));
	self->p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(0UL, (uintptr_t)self->p % CHUNK);
}

FIXTURE_TEARDOWN(notify_huge)
{
	if (self->p != MAP_FAILED)
		munmap(self->p, 2 * CHUNK);
	free(self->bits);
	if (self->fd >= 0)
		close(self->fd);
}

/* Report the whole region: how many pages. */
static long huge_all(FIXTURE_DATA(notify_huge) * self)
{
	return md_written(self->fd, 0, self->npages * self->ps, self->bits);
}

/*
 * Store @v to page @page: how many pages that records, by the counters: a
 * chunk if it took a huge fault (a PMD), else one page.
 */
static size_t huge_store(FIXTURE_DATA(notify_huge) * self, size_t page,
			 unsigned char v)
{
	struct mmapdemo_info a, b;

	md_info(self->fd, &a);
	store_at(self->p, self->ps, page, 0, v);
	md_info(self->fd, &b);
	return b.huge_faults > a.huge_faults ? FOLIO_PAGES : 1;
}

/* The pages @huge_store() reported for @page, as same_range() takes them. */
static size_t huge_first(size_t page, size_t n)
{
	return n == 1 ? page : page / FOLIO_PAGES * FOLIO_PAGES;
}

/* Reads are never reported. */
TEST_F(notify_huge, read_only_access)
{
	/* What earlier tests left there: the region is never cleared. */
	read_pages(self->p, self->ps, 0, 2 * FOLIO_PAGES);
	EXPECT_EQ(0, huge_all(self));
	EXPECT_EQ(0, poll_events(self->fd, POLLPRI, 0));
}

/*
 * One store: its chunk where a PMD maps it (6.12, 7.x), its page where
 * 4 KiB entries do (6.1).  Reported once; re-armed by unmapping, so that
 * the next store is reported again; the data stays.
 */
TEST_F(notify_huge, store_granularity)
{
	size_t n = huge_store(self, 3, 0x33);

	EXPECT_EQ(kernel_at_least(6, 12) ? FOLIO_PAGES : 1, n);
	EXPECT_EQ((long)n, huge_all(self));
	EXPECT_TRUE(same_range(self->bits, self->npages, huge_first(3, n), n));
	EXPECT_EQ(0, huge_all(self));
	EXPECT_EQ(0x33, self->p[3 * self->ps]);

	n = huge_store(self, 700, 0x70);
	EXPECT_EQ((long)n, huge_all(self));
	EXPECT_TRUE(
		same_range(self->bits, self->npages, huge_first(700, n), n));
	EXPECT_EQ(0x33, self->p[3 * self->ps]);
	EXPECT_EQ(0x70, self->p[700 * self->ps]);
	EXPECT_EQ(0, huge_all(self));
}

/* Another mapping's entries are unmapped by a report too. */
TEST_F(notify_huge, other_mapping)
{
	int fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *q;
	size_t n;

	ASSERT_LE(0, fd);
	q = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	store_at(q, self->ps, 10, 0, 1);
	n = huge_store(self, 10, 2);
	EXPECT_LE(1L, huge_all(self));
	store_at(q, self->ps, 10, 0, 3);
	EXPECT_LE(1L, huge_all(self)) TH_LOG("a store via q was missed");
	EXPECT_TRUE(same_range(self->bits, self->npages, huge_first(10, n), n));
	EXPECT_EQ(3, self->p[10 * self->ps]);
	munmap(q, CHUNK);
	close(fd);
}

/*
 * A child's entries, which fork copies for page frames (writable ones
 * too), are unmapped by the parent's report: its next store is reported.
 */
TEST_F(notify_huge, fork_child)
{
	size_t ps = self->ps, n = huge_store(self, 20, 1);
	struct turns t;
	pid_t pid;

	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		store_at(self->p, ps, 20, 1, 2);
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		store_at(self->p, ps, 20, 2, 3);
		_exit(0);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ((long)n, huge_all(self));
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ((long)n, huge_all(self));
	EXPECT_TRUE(same_range(self->bits, self->npages, huge_first(20, n), n));
	EXPECT_EQ(3, self->p[20 * ps + 2]);
}

/* A sub-range: the pages outside it, of the chunk stored to, stay. */
TEST_F(notify_huge, sub_range)
{
	size_t ps = self->ps, n = huge_store(self, 515, 1);
	long in = n == 1 ? 1 : 100;

	EXPECT_EQ(in, md_written(self->fd, 512 * ps, 100 * ps, self->bits));
	EXPECT_EQ((long)n - in, huge_all(self));
	EXPECT_EQ(0, huge_all(self));
}

/* 4 KiB entries on every kernel (MADV_NOHUGEPAGE): ->pfn_mkwrite(). */
TEST_F(notify_huge, pfn_mkwrite)
{
	struct mmapdemo_info a, b;

	ASSERT_EQ(0, madvise(self->p, CHUNK, MADV_NOHUGEPAGE));
	read_pages(self->p, self->ps, 9, 1);
	ASSERT_EQ(0, md_info(self->fd, &a));
	store_at(self->p, self->ps, 9, 0, 1);
	store_at(self->p, self->ps, 9, 1, 2);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.write_notifies + 1, b.write_notifies);
	EXPECT_EQ(a.write_faults, b.write_faults);
	EXPECT_EQ(a.huge_faults, b.huge_faults);
	EXPECT_EQ(1, huge_all(self));
	EXPECT_TRUE(same_range(self->bits, self->npages, 9, 1));
	store_at(self->p, self->ps, 9, 2, 3); /* unmapped: faults again */
	ASSERT_EQ(0, md_info(self->fd, &a));
	EXPECT_EQ(b.write_notifies + 1, a.write_notifies);
	EXPECT_EQ(b.write_faults + 1, a.write_faults);
	EXPECT_EQ(1, huge_all(self));
	EXPECT_EQ(2, self->p[9 * self->ps + 1]);
}

/* poll(): EPOLLPRI while a store is not reported. */
TEST_F(notify_huge, poll_pending)
{
	short all = POLL_ALWAYS | POLLPRI;

	EXPECT_EQ(POLL_ALWAYS, poll_events(self->fd, all, 0));
	huge_store(self, 1000, 1);
	EXPECT_EQ(all, poll_events(self->fd, all, 0));
	EXPECT_LE(1L, huge_all(self));
	EXPECT_EQ(POLL_ALWAYS, poll_events(self->fd, all, 0));
}

TEST_HARNESS_MAIN
