// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo as a file: MAP_SHARED coherence, MAP_PRIVATE copy-on-write,
 * SIGBUS beyond the end, truncation while mapped, read/write/lseek.
 *
 * The "file" tests run twice: on /dev/mmapdemo and on a memfd, the kernel's
 * own file in memory, so that every expectation here is first shown to be
 * what Linux does.  The "dev" tests cover what only the device has: its
 * counters, its ioctls and its size limit.
 */
#include <sys/resource.h>
#include <sys/sendfile.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 16ULL

static unsigned char *map(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

FIXTURE(file)
{
	int fd;
	size_t ps;
};

FIXTURE_VARIANT(file)
{
	enum backend backend;
};

/* The harness declares variants with macros clang-format misreads. */
/* clang-format off */
FIXTURE_VARIANT_ADD(file, mmapdemo)
{
	.backend = BACKEND_MMAPDEMO,
};

FIXTURE_VARIANT_ADD(file, memfd)
{
	.backend = BACKEND_MEMFD,
};
/* clang-format on */

FIXTURE_SETUP(file)
{
	self->ps = page_size();
	self->fd = backend_open(variant->backend, NPAGES * self->ps);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   backend_name(variant->backend));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(file)
{
	close(self->fd);
}

/* Fill pages [first, first + n) with @c through write(). */
static int fill(int fd, size_t ps, size_t first, size_t n, unsigned char c)
{
	unsigned char buf[65536];

	memset(buf, c, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		if (pwrite(fd, buf, ps, (off_t)((first + i) * ps)) !=
		    (ssize_t)ps)
			return -1;
	return 0;
}

/* Stores through one open show in the other's mapping and read(). */
TEST_F(file, shared_coherent_two_opens)
{
	size_t ps = self->ps;
	unsigned char *a, *b, c = 0;
	int fd2;

	fd2 = reopen(self->fd, O_RDWR);
	ASSERT_LE(0, fd2);
	a = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	b = map(fd2, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);

	a[ps + 7] = 0x5a;
	EXPECT_EQ(0x5a, b[ps + 7]);
	ASSERT_EQ(1, pread(fd2, &c, 1, ps + 7));
	EXPECT_EQ(0x5a, c);

	ASSERT_EQ(1, pwrite(fd2, "\x77", 1, 3 * ps));
	EXPECT_EQ(0x77, a[3 * ps]);
	EXPECT_EQ(0x77, b[3 * ps]);

	b[2 * ps + 1] = 0x33;
	EXPECT_EQ(0x33, a[2 * ps + 1]);

	munmap(a, 4 * ps);
	munmap(b, 4 * ps);
	close(fd2);
}

/* A second process with its own open and mapping sees our stores. */
TEST_F(file, shared_coherent_two_processes)
{
	size_t ps = self->ps;
	struct turns t;
	unsigned char *a;
	unsigned char c = 0;
	pid_t pid;

	a = map(self->fd, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, turns_init(&t));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = reopen(self->fd, O_RDWR);
		unsigned char *b;

		munmap(a, 8 * ps);
		if (fd2 < 0)
			_exit(1);
		b = map(fd2, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		if (b == MAP_FAILED)
			_exit(2);
		b[5 * ps] = 0x42;
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(b[6 * ps] == 0x43 ? 0 : 3);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ(0x42, a[5 * ps]);
	ASSERT_EQ(1, pread(self->fd, &c, 1, 5 * ps));
	EXPECT_EQ(0x42, c);
	a[6 * ps] = 0x43;
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	munmap(a, 8 * ps);
}

/* A shared mapping stays shared across fork, both ways. */
TEST_F(file, shared_fork)
{
	size_t ps = self->ps;
	struct turns t;
	unsigned char *a;
	pid_t pid;

	a = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	a[0] = 1; /* populated before the fork, and not */
	ASSERT_EQ(0, turns_init(&t));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		a[0] = 0x11;
		a[2 * ps] = 0x12;
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(a[3 * ps] == 0x13 && a[ps] == 0x14 ? 0 : 1);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ(0x11, a[0]);
	EXPECT_EQ(0x12, a[2 * ps]);
	a[3 * ps] = 0x13;
	ASSERT_EQ(1, pwrite(self->fd, "\x14", 1, ps));
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	munmap(a, 4 * ps);
}

/*
 * Private stores go to the process's own copy: never to the file, another
 * mapping or another private mapping.  Page 0 is stored to first (the copy
 * is made in the fault), page 1 is read first (the copy is made on the
 * later write-protect fault).
 */
TEST_F(file, private_cow_isolated)
{
	size_t ps = self->ps;
	unsigned char *p, *p2, *s, buf[2];

	ASSERT_EQ(0, fill(self->fd, ps, 0, 4, 'A'));
	p = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	p2 = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	s = map(self->fd, 4 * ps, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, p2);
	ASSERT_NE(MAP_FAILED, s);

	p[0] = 'B';
	EXPECT_EQ('A', p[ps]);
	p[ps] = 'C';

	EXPECT_EQ('B', p[0]);
	EXPECT_EQ('C', p[ps]);
	EXPECT_EQ('A', s[0]);
	EXPECT_EQ('A', s[ps]);
	EXPECT_EQ('A', p2[0]);
	EXPECT_EQ('A', p2[ps]);
	ASSERT_EQ(1, pread(self->fd, &buf[0], 1, 0));
	ASSERT_EQ(1, pread(self->fd, &buf[1], 1, ps));
	EXPECT_EQ('A', buf[0]);
	EXPECT_EQ('A', buf[1]);

	munmap(p, 4 * ps);
	munmap(p2, 4 * ps);
	munmap(s, 4 * ps);
}

/*
 * Until a private mapping stores to a page, it shows the file's page, and
 * so later writes to the file; after the store, only its own copy.
 */
TEST_F(file, private_sees_updates_until_stored)
{
	size_t ps = self->ps;
	unsigned char *p;

	p = map(self->fd, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[0]); /* page 0: mapped by a read */
	p[2 * ps] = 'P'; /* page 2: private copy; page 1 untouched */

	ASSERT_EQ(0, fill(self->fd, ps, 0, 3, 'N'));
	EXPECT_EQ('N', p[0]);
	EXPECT_EQ('N', p[ps]);
	EXPECT_EQ('P', p[2 * ps]);

	p[0] = 'Q';
	ASSERT_EQ(0, fill(self->fd, ps, 0, 3, 'M'));
	EXPECT_EQ('Q', p[0]);
	EXPECT_EQ('N', p[1]);
	EXPECT_EQ('M', p[ps]);
	EXPECT_EQ('P', p[2 * ps]);
	munmap(p, 3 * ps);
}

/* After fork, parent and child each copy on their own stores. */
TEST_F(file, private_fork_cow)
{
	size_t ps = self->ps;
	struct turns t;
	unsigned char *p, c = 1;
	pid_t pid;

	p = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'P';
	ASSERT_EQ(0, turns_init(&t));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (p[0] != 'P')
			_exit(1);
		p[0] = 'C';
		p[ps] = 'D';
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(p[2 * ps] == 0 && p[0] == 'C' ? 0 : 2);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ('P', p[0]);
	EXPECT_EQ(0, p[ps]);
	ASSERT_EQ(1, pread(self->fd, &c, 1, ps));
	EXPECT_EQ(0, c);
	p[2 * ps] = 'E';
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	munmap(p, 4 * ps);
}

/* A page wholly beyond the end: SIGBUS, BUS_ADRERR, at that address. */
TEST_F(file, sigbus_beyond_size)
{
	size_t ps = self->ps;
	int types[] = { MAP_SHARED, MAP_PRIVATE };

	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 2 * ps + 100));
	for (int i = 0; i < 2; i++) {
		unsigned char *p;
		struct touch r;

		p = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, types[i], 0);
		ASSERT_NE(MAP_FAILED, p);
		r = peek(p + 2 * ps + 100);
		EXPECT_EQ(0, r.sig);
		r = peek(p + 3 * ps);
		EXPECT_EQ(SIGBUS, r.sig);
		EXPECT_EQ(BUS_ADRERR, r.code);
		EXPECT_EQ(p + 3 * ps, r.addr);
		r = poke(p + 3 * ps + 9, 1);
		EXPECT_EQ(SIGBUS, r.sig);
		EXPECT_EQ(BUS_ADRERR, r.code);
		EXPECT_EQ(p + 3 * ps + 9, r.addr);
		munmap(p, 4 * ps);
	}
}

/* The last partial page reads zero past the end; stores there are not data. */
TEST_F(file, partial_page_tail)
{
	size_t ps = self->ps;
	unsigned char *p, buf[4096];

	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, ps + 100));
	memset(buf, 'A', 100);
	ASSERT_EQ(100, pwrite(self->fd, buf, 100, ps));
	p = map(self->fd, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);

	EXPECT_TRUE(all_bytes(p + ps, 100, 'A'));
	EXPECT_TRUE(all_bytes(p + ps + 100, ps - 100, 0));
	EXPECT_EQ(0, poke(p + ps + 200, 'X').sig);

	EXPECT_EQ(100, pread(self->fd, buf, sizeof(buf), ps));
	EXPECT_EQ(0, pread(self->fd, buf, sizeof(buf), ps + 100));
	EXPECT_EQ((off_t)(ps + 100), lseek(self->fd, 0, SEEK_END));
	munmap(p, 2 * ps);
}

/*
 * Shrinking removes the cut pages from every mapping in every process:
 * shared pages, pages a private mapping only read, and private copies.
 */
TEST_F(file, shrink_sigbus_two_processes)
{
	size_t ps = self->ps;
	unsigned char *s, *p;
	struct turns t;
	struct touch r;
	pid_t pid;

	ASSERT_EQ(0, fill(self->fd, ps, 0, 8, 'A'));
	s = map(self->fd, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	p = map(self->fd, 8 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ('A', s[7 * ps]);
	EXPECT_EQ('A', p[5 * ps]);
	p[6 * ps] = 'P';
	ASSERT_EQ(0, turns_init(&t));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd2 = reopen(self->fd, O_RDWR);
		unsigned char *s2, *p2;

		if (fd2 < 0)
			_exit(1);
		s2 = map(fd2, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		p2 = map(fd2, 8 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
		if (s2 == MAP_FAILED || p2 == MAP_FAILED)
			_exit(2);
		s2[7 * ps] = 'S';
		p2[6 * ps] = 'C';
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		if (peek(s2 + 4 * ps).sig != SIGBUS ||
		    peek(s2 + 7 * ps).code != BUS_ADRERR ||
		    peek(p2 + 6 * ps).sig != SIGBUS ||
		    peek(p + 6 * ps).sig != SIGBUS) /* inherited copy */
			_exit(3);
		if (s2[3 * ps] != 'A' || p2[3 * ps] != 'A')
			_exit(4);
		_exit(0);
	}
	turn_wait(t.to_parent[0]);
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 4 * ps));
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));

	r = peek(s + 4 * ps);
	EXPECT_EQ(SIGBUS, r.sig);
	EXPECT_EQ(BUS_ADRERR, r.code);
	EXPECT_EQ(SIGBUS, peek(s + 7 * ps).sig);
	EXPECT_EQ(SIGBUS, peek(p + 5 * ps).sig);
	EXPECT_EQ(SIGBUS, peek(p + 6 * ps).sig);
	EXPECT_EQ('A', s[3 * ps]);
	EXPECT_EQ('A', p[3 * ps]);
	munmap(s, 8 * ps);
	munmap(p, 8 * ps);
}

/* Growing adds zeroes, in mappings and through read(). */
TEST_F(file, grow_reads_zero)
{
	size_t ps = self->ps, keep = 2 * ps + 10;
	unsigned char *s, buf[4096];

	ASSERT_EQ(0, fill(self->fd, ps, 0, 8, 'A'));
	s = map(self->fd, 8 * ps, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, keep));
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 8 * ps));

	EXPECT_TRUE(all_bytes(s, keep, 'A'));
	EXPECT_TRUE(all_bytes(s + keep, 8 * ps - keep, 0));
	for (size_t off = keep; off < 8 * ps; off += sizeof(buf)) {
		ssize_t n = pread(self->fd, buf, sizeof(buf), off);

		ASSERT_LT(0, n);
		EXPECT_TRUE(all_bytes(buf, n, 0));
	}
	munmap(s, 8 * ps);
}

/* Nothing of the old contents survives a shrink to zero and a regrow. */
TEST_F(file, shrink_grow_no_stale)
{
	size_t ps = self->ps;
	unsigned char *s, buf[4096];

	s = map(self->fd, 8 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	memset(s, 0xaa, 8 * ps);
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 0));
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 8 * ps));
	EXPECT_TRUE(all_bytes(s, 8 * ps, 0));
	for (size_t i = 0; i < 8; i++) {
		ASSERT_EQ((ssize_t)ps, pread(self->fd, buf, ps, i * ps));
		EXPECT_TRUE(all_bytes(buf, ps, 0));
	}
	munmap(s, 8 * ps);
}

/* write() past the end grows the file with a zero gap; lseek follows. */
TEST_F(file, read_write_lseek)
{
	size_t ps = self->ps;
	off_t end = 3 * ps + 8;
	unsigned char buf[4096];
	int afd;

	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 2 * ps));
	ASSERT_EQ(3, pwrite(self->fd, "xyz", 3, 3 * ps + 5));
	EXPECT_EQ(end, lseek(self->fd, 0, SEEK_END));
	ASSERT_EQ((ssize_t)ps, pread(self->fd, buf, ps, 2 * ps));
	EXPECT_TRUE(all_bytes(buf, ps, 0));
	ASSERT_EQ(8, pread(self->fd, buf, sizeof(buf), 3 * ps));
	EXPECT_EQ(0, memcmp(buf, "\0\0\0\0\0xyz", 8));

	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf))); /* at the end */
	EXPECT_EQ(end - 3, lseek(self->fd, -3, SEEK_CUR));
	EXPECT_EQ(3, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);

	afd = reopen(self->fd, O_WRONLY | O_APPEND);
	ASSERT_LE(0, afd);
	EXPECT_EQ(1, write(afd, "q", 1));
	EXPECT_EQ(end + 1, lseek(self->fd, 0, SEEK_END));
	close(afd);

	EXPECT_EQ(-1, pread(self->fd, bad_address(), 16, 0));
	EXPECT_EQ(EFAULT, errno);
}

/*
 * A write from a bad buffer fails with EFAULT.  Before 6.14 it changes
 * nothing, not even the size; since, tmpfs has grown the file to where the
 * write began, and the device does as tmpfs does.
 */
TEST_F(file, write_efault_changes_nothing)
{
	size_t ps = self->ps;
	off_t pos = NPAGES * ps + 50;

	EXPECT_EQ(-1, pwrite(self->fd, bad_address(), 100, pos));
	EXPECT_EQ(EFAULT, errno);
	/* Since 6.14 tmpfs grows the file to the write's start first. */
	EXPECT_EQ(write_grows_first() ? pos : (off_t)(NPAGES * ps),
		  lseek(self->fd, 0, SEEK_END));
}

/*
 * sendfile() and splice() move data through the file's ->read_iter and
 * ->write_iter, at the file's offsets.  copy_file_range() is only for
 * regular files: a character device gets EINVAL (docs/differential.md).
 */
TEST_F(file, splice_sendfile_copy_file_range)
{
	size_t ps = self->ps;
	unsigned char buf[64], back[64];
	int pfd[2], mfd = memfd_create("peer", MFD_CLOEXEC);
	off_t off = ps + 10;
	loff_t in = 5, out = 0;

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, pipe(pfd));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(self->fd, buf, sizeof(buf), off));

	/* sendfile(): the file's bytes at @off into the memfd. */
	EXPECT_EQ((ssize_t)sizeof(buf),
		  sendfile(mfd, self->fd, &off, sizeof(buf)));
	EXPECT_EQ((off_t)(ps + 10 + sizeof(buf)), off);
	EXPECT_EQ((ssize_t)sizeof(back), pread(mfd, back, sizeof(back), 0));
	EXPECT_EQ(0, memcmp(buf, back, sizeof(buf)));

	/* splice() out to a pipe, and from the pipe back in at page 3. */
	off = ps + 10;
	EXPECT_EQ((ssize_t)sizeof(buf),
		  splice(self->fd, &off, pfd[1], NULL, sizeof(buf), 0));
	off = 3 * ps;
	EXPECT_EQ((ssize_t)sizeof(buf),
		  splice(pfd[0], NULL, self->fd, &off, sizeof(buf), 0));
	memset(back, 0, sizeof(back));
	EXPECT_EQ((ssize_t)sizeof(back),
		  pread(self->fd, back, sizeof(back), 3 * ps));
	EXPECT_EQ(0, memcmp(buf, back, sizeof(buf)));

	/* copy_file_range(): regular files only. */
	if (variant->backend == BACKEND_MEMFD) {
		EXPECT_EQ(16, copy_file_range(self->fd, &in, mfd, &out, 16, 0));
	} else {
		EXPECT_EQ(-1, copy_file_range(self->fd, &in, mfd, &out, 16, 0));
		EXPECT_EQ(EINVAL, errno);
	}
	close(pfd[0]);
	close(pfd[1]);
	close(mfd);
}

/* fsync() and msync() succeed: there is nothing to write back. */
TEST_F(file, fsync_msync)
{
	size_t ps = self->ps;
	unsigned char *s;

	EXPECT_EQ(0, fsync(self->fd));
	EXPECT_EQ(0, fdatasync(self->fd));
	s = map(self->fd, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	s[0] = 1;
	EXPECT_EQ(0, msync(s, 2 * ps, MS_SYNC));
	EXPECT_EQ(0, msync(s, 2 * ps, MS_ASYNC));
	EXPECT_EQ(0, msync(s, 2 * ps, MS_INVALIDATE));
	EXPECT_EQ(-1, msync(s, 2 * ps, MS_SYNC | MS_ASYNC));
	EXPECT_EQ(EINVAL, errno);
	munmap(s, 2 * ps);
}

/* What only the device has: counters, ioctls, max_size. */
FIXTURE(dev)
{
	int fd;
	size_t ps;
};

FIXTURE_SETUP(dev)
{
	self->ps = page_size();
	self->fd = backend_open(BACKEND_MMAPDEMO, NPAGES * self->ps);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static struct mmapdemo_info info(int fd)
{
	struct mmapdemo_info i;

	memset(&i, 0xff, sizeof(i));
	if (md_info(fd, &i))
		abort();
	return i;
}

/* Fresh pages are allocated with the size, zeroed, and reported. */
TEST_F(dev, fresh_pages_zero)
{
	struct mmapdemo_info i = info(self->fd);
	size_t ps = self->ps;
	unsigned char *s, buf[4096];

	EXPECT_EQ(NPAGES * ps, i.size);
	EXPECT_EQ(NPAGES, i.nr_pages);
	for (size_t r = 0; r < sizeof(i.reserved) / sizeof(i.reserved[0]); r++)
		EXPECT_EQ(0ULL, i.reserved[r]);

	s = map(self->fd, NPAGES * ps, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	EXPECT_TRUE(all_bytes(s, NPAGES * ps, 0));
	munmap(s, NPAGES * ps);
	for (size_t off = 0; off < NPAGES * ps; off += sizeof(buf)) {
		ASSERT_EQ((ssize_t)sizeof(buf),
			  pread(self->fd, buf, sizeof(buf), off));
		EXPECT_TRUE(all_bytes(buf, sizeof(buf), 0));
	}
}

/* mmap() allocates nothing and faults nothing; it adds one mapping. */
TEST_F(dev, mmap_allocates_nothing)
{
	size_t ps = self->ps;
	struct mmapdemo_info a, b;
	unsigned char *s, *p;

	a = info(self->fd);
	s = map(self->fd, NPAGES * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	p = map(self->fd, NPAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	b = info(self->fd);
	EXPECT_EQ(a.nr_pages, b.nr_pages);
	EXPECT_EQ(a.read_faults, b.read_faults);
	EXPECT_EQ(a.write_faults, b.write_faults);
	EXPECT_EQ(a.cow_faults, b.cow_faults);
	EXPECT_EQ(a.nr_mappings + 2, b.nr_mappings);
	munmap(s, NPAGES * ps);
	munmap(p, NPAGES * ps);
	EXPECT_EQ(a.nr_mappings, info(self->fd).nr_mappings);
}

/* @n pages at an address aligned to 2 MiB: inside one page table. */
static unsigned char *map_aligned(int fd, size_t n, int type)
{
	size_t len = n * page_size();
	void *p = reserve(len, 2UL << 20);

	if (p == MAP_FAILED)
		return p;
	return mmap(p, len, PROT_READ | PROT_WRITE, type | MAP_FIXED, fd, 0);
}

/*
 * Without fault-around, the first touch of each page faults once, on the
 * path its access picks: read, shared write or copy-on-write; later touches
 * do not fault.  A private page first read and then written is copied by
 * the core without asking the driver.
 */
TEST_F(dev, first_touch_faults_once)
{
	size_t ps = self->ps;
	struct mmapdemo_info a, b;
	unsigned char *s, *p;
	long old = fault_around_bytes(-1);

	if (old < 0)
		SKIP(return, "no debugfs fault_around_bytes to turn it off");
	ASSERT_EQ(old, fault_around_bytes(ps));
	s = map_aligned(self->fd, 8, MAP_SHARED);
	p = map_aligned(self->fd, 8, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);

	a = info(self->fd);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < 4; i++)
			EXPECT_EQ(0, s[i * ps]);
	b = info(self->fd);
	EXPECT_EQ(a.read_faults + 4, b.read_faults);

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 4; i < 8; i++)
			s[i * ps] = 1;
	a = info(self->fd);
	EXPECT_EQ(b.read_faults, a.read_faults);
	/* Fault-around is for reads: each page written faults once. */
	EXPECT_EQ(b.write_faults + 4, a.write_faults);

	p[0] = 1; /* copy-on-write in the fault */
	p[1] = 2; /* the same page: no fault */
	EXPECT_EQ(0, p[ps]); /* read fault ... */
	p[ps] = 1; /* ... then the core copies alone */
	b = info(self->fd);
	EXPECT_EQ(a.cow_faults + 1, b.cow_faults);
	EXPECT_EQ(a.read_faults + 1, b.read_faults);
	EXPECT_EQ(a.write_faults, b.write_faults);
	EXPECT_EQ(a.around_windows + 0, b.around_windows);
	munmap(s, 8 * ps);
	munmap(p, 8 * ps);
	fault_around_bytes(old);
}

/*
 * With fault-around (16 pages by default), a read fault maps its whole
 * aligned window from the page cache without calling the fault handler:
 * 32 pages read take two windows.  A first write to a shared mapping goes
 * to the handler, page by page.
 */
TEST_F(dev, fault_around_windows)
{
	size_t ps = self->ps, window;
	struct mmapdemo_info a, b;
	long bytes = fault_around_bytes(-1);
	unsigned char *s;

	ASSERT_EQ(0, md_set_size(self->fd, 64 * ps));
	window = bytes > 0 ? (size_t)bytes / ps : 16;
	if (window != 16)
		SKIP(return, "fault_around_bytes is %ld, not the default",
			   bytes);
	s = map_aligned(self->fd, 64, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, s);

	a = info(self->fd);
	for (size_t i = 0; i < 32; i++)
		EXPECT_EQ(0, s[i * ps]);
	b = info(self->fd);
	EXPECT_EQ(a.read_faults, b.read_faults);
	EXPECT_EQ(a.around_windows + 2, b.around_windows);
	EXPECT_EQ(a.around_pages + 2 * window, b.around_pages);
	EXPECT_EQ(32UL, pages_present(s, 64));

	for (size_t i = 32; i < 64; i++)
		s[i * ps] = 1;
	a = info(self->fd);
	EXPECT_EQ(b.write_faults + 32, a.write_faults);
	EXPECT_EQ(b.around_windows, a.around_windows);
	EXPECT_EQ(64UL, pages_present(s, 64));
	/* Only the pages written hold the store, of course. */
	EXPECT_EQ(0, s[31 * ps + 1]);
	munmap(s, 64 * ps);
}

/*
 * With ->map_pages, Linux 6.7 and later serve our faults under the VMA's
 * own lock; before, every fault holds mmap_lock.  The first copy-on-write
 * of a VMA still retries under mmap_lock (it sets up the anon_vma).
 */
TEST_F(dev, faults_under_vma_lock)
{
	size_t ps = self->ps;
	struct mmapdemo_info a, b;
	unsigned char *s;

	s = map_aligned(self->fd, 16, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, s);
	a = info(self->fd);
	s[0] = 1;
	b = info(self->fd);
	EXPECT_EQ(a.write_faults + 1, b.write_faults);
	EXPECT_EQ(a.vma_lock_faults + kernel_at_least(6, 4), b.vma_lock_faults);
	munmap(s, 16 * ps);
}

/* Splits and forks add VMAs, and so mappings; unmapping removes them. */
TEST_F(dev, mappings_follow_vmas)
{
	size_t ps = self->ps;
	__u64 base = info(self->fd).nr_mappings;
	unsigned char *s;
	pid_t pid;

	s = map(self->fd, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	EXPECT_EQ(base + 1, info(self->fd).nr_mappings);
	ASSERT_EQ(0, munmap(s + ps, ps));
	EXPECT_EQ(base + 2, info(self->fd).nr_mappings);
	ASSERT_EQ(0, mprotect(s + 3 * ps, ps, PROT_READ));
	EXPECT_EQ(base + 3, info(self->fd).nr_mappings);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(info(self->fd).nr_mappings == base + 6 ? 0 : 1);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(base + 3, info(self->fd).nr_mappings);

	ASSERT_EQ(0, munmap(s, 4 * ps));
	EXPECT_EQ(base, info(self->fd).nr_mappings);
}

/* Bad ioctls get a clean errno and change nothing. */
TEST_F(dev, ioctl_errors)
{
	struct mmapdemo_info i = info(self->fd);
	uint64_t size;
	int rofd;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(MMAPDEMO_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, 0x1234, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, NULL));
	EXPECT_EQ(EFAULT, errno);

	size = i.max_size + 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(EFBIG, errno);
	size = UINT64_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(EFBIG, errno);

	/* As ftruncate() of a file not open for writing: EINVAL. */
	rofd = open(MD_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rofd);
	size = 0;
	EXPECT_EQ(-1, ioctl(rofd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(rofd, MMAPDEMO_IOC_GET_INFO, &i));
	close(rofd);

	i = info(self->fd);
	EXPECT_EQ(NPAGES * self->ps, i.size);
	EXPECT_EQ(NPAGES, i.nr_pages);
}

static volatile sig_atomic_t xfsz;

static void on_xfsz(int sig)
{
	xfsz++;
}

/*
 * SET_SIZE is the device's ftruncate(): past RLIMIT_FSIZE it sends SIGXFSZ
 * and fails with EFBIG, and changes nothing; a shrink is always allowed.
 * A memfd's ftruncate() shows the same.
 */
TEST_F(dev, set_size_honours_rlimit_fsize)
{
	struct rlimit old, lim = { 8 * self->ps, RLIM_INFINITY };
	uint64_t size = 2 * NPAGES * self->ps; /* a grow */
	int mfd = memfd_create("ref", MFD_CLOEXEC);

	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, on_xfsz);
	lim.rlim_max = old.rlim_max;
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &lim));

	xfsz = 0;
	EXPECT_EQ(-1, ftruncate(mfd, (off_t)size));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(1, xfsz);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(2, xfsz);
	EXPECT_EQ(NPAGES * self->ps, info(self->fd).size);
	size = 4 * self->ps; /* a shrink, past the limit or not */
	EXPECT_EQ(0, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(2, xfsz);

	EXPECT_EQ(0, setrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_DFL);
	close(mfd);
}

/* Writes stop at max_size with EFBIG, as a file's do at its size limit. */
TEST_F(dev, write_stops_at_max_size)
{
	struct mmapdemo_info i = info(self->fd);

	EXPECT_EQ(-1, pwrite(self->fd, "x", 1, i.max_size));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(-1, pwrite(self->fd, "x", 1, i.max_size + 4096));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(i.size, info(self->fd).size);
}

/*
 * What a mapping stores beyond the end of the last page is never data: not
 * even once the size grows over it.  (A memfd keeps such stores; POSIX
 * says they must not be written out.)
 */
TEST_F(dev, tail_not_persisted_after_grow)
{
	size_t ps = self->ps;
	unsigned char *s, c = 1;

	ASSERT_EQ(0, md_set_size(self->fd, ps + 100));
	s = map(self->fd, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	s[ps + 200] = 'X';
	ASSERT_EQ(0, md_set_size(self->fd, 2 * ps));
	ASSERT_EQ(1, pread(self->fd, &c, 1, ps + 200));
	EXPECT_EQ(0, c);
	EXPECT_EQ(0, s[ps + 200]);

	s[ps + 300] = 'Y'; /* now inside the file: it stays */
	ASSERT_EQ(1, pread(self->fd, &c, 1, ps + 300));
	EXPECT_EQ('Y', c);

	/* Growing by write() past the end clears the old tail too. */
	ASSERT_EQ(0, md_set_size(self->fd, ps + 100));
	s[ps + 200] = 'X';
	ASSERT_EQ(1, pwrite(self->fd, "w", 1, ps + 400));
	ASSERT_EQ(1, pread(self->fd, &c, 1, ps + 200));
	EXPECT_EQ(0, c);
	munmap(s, 2 * ps);
}

TEST_HARNESS_MAIN
