// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-anon: anonymous-style memory.  The "anon" tests run on the
 * device and on /dev/zero, the kernel's own, so that each expectation is
 * first shown to be what Linux does; "anondev" covers the device's
 * counters: what is allocated when, and freed with the last mapping.
 */
#include <sys/sendfile.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 8

FIXTURE(anon)
{
	int fd;
	size_t ps;
};

FIXTURE_VARIANT(anon)
{
	const char *path;
};

/* The harness declares variants with macros clang-format misreads. */
/* clang-format off */
FIXTURE_VARIANT_ADD(anon, mmapdemo)
{
	.path = MD_ANON_PATH,
};

FIXTURE_VARIANT_ADD(anon, devzero)
{
	.path = "/dev/zero",
};
/* clang-format on */

FIXTURE_SETUP(anon)
{
	self->ps = page_size();
	self->fd = open(variant->path, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   variant->path);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(anon)
{
	close(self->fd);
}

static unsigned char *map(int fd, size_t len, int flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
}

/* Both kinds start zero-filled, and take stores. */
TEST_F(anon, zero_filled)
{
	size_t len = NPAGES * self->ps;
	int types[] = { MAP_SHARED, MAP_PRIVATE };

	for (int i = 0; i < 2; i++) {
		unsigned char *p = map(self->fd, len, types[i]);

		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(all_bytes(p, len, 0));
		memset(p + self->ps, 0x5a, self->ps);
		EXPECT_TRUE(all_bytes(p + self->ps, self->ps, 0x5a));
		EXPECT_TRUE(all_bytes(p + 2 * self->ps, self->ps, 0));
		munmap(p, len);
	}
}

/* MAP_SHARED is shared with fork children, both ways. */
TEST_F(anon, shared_with_children)
{
	size_t ps = self->ps;
	struct turns t;
	unsigned char *p;
	pid_t pid;

	p = map(self->fd, NPAGES * ps, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[ps] = 0x11;
		p[0] = 0x12;
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(p[2 * ps] == 0x13 ? 0 : 1);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ(0x11, p[ps]);
	EXPECT_EQ(0x12, p[0]);
	p[2 * ps] = 0x13;
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	munmap(p, NPAGES * ps);
}

/* Each mmap() is a new object: two shared mappings share nothing. */
TEST_F(anon, shared_not_between_mmaps)
{
	size_t len = NPAGES * self->ps;
	unsigned char *a, *b;
	int fd2;

	fd2 = open(variant->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	a = map(self->fd, len, MAP_SHARED);
	b = map(self->fd, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	a[0] = 'a';
	EXPECT_EQ(0, b[0]);
	munmap(b, len);
	b = map(fd2, len, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_EQ(0, b[0]);
	munmap(a, len);
	munmap(b, len);
	close(fd2);
}

/* MAP_PRIVATE is copy-on-write across fork: no store leaks either way. */
TEST_F(anon, private_cow_fork)
{
	size_t ps = self->ps;
	struct turns t;
	unsigned char *p;
	pid_t pid;

	p = map(self->fd, NPAGES * ps, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'P';
	EXPECT_EQ(0, p[ps]);
	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (p[0] != 'P')
			_exit(1);
		p[0] = 'C';
		p[ps] = 'D';
		p[2 * ps] = 'E';
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(p[3 * ps] == 0 && p[0] == 'C' ? 0 : 2);
	}
	turn_wait(t.to_parent[0]);
	EXPECT_EQ('P', p[0]);
	EXPECT_EQ(0, p[ps]);
	EXPECT_EQ(0, p[2 * ps]);
	p[3 * ps] = 'F';
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	munmap(p, NPAGES * ps);
}

/* The pieces of a split shared mapping keep sharing one object. */
TEST_F(anon, shared_split_keeps_object)
{
	size_t ps = self->ps;
	unsigned char *p;
	pid_t pid;

	p = map(self->fd, NPAGES * ps, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	p[ps] = 1;
	p[5 * ps] = 5;
	ASSERT_EQ(0, munmap(p + 3 * ps, ps));
	ASSERT_EQ(0, mprotect(p + 6 * ps, ps, PROT_READ));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		p[2 * ps] = 2;
		p[7 * ps] = 7;
		_exit(p[ps] == 1 && p[5 * ps] == 5 ? 0 : 1);
	}
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(2, p[2 * ps]);
	EXPECT_EQ(7, p[7 * ps]);
	munmap(p, NPAGES * ps);
}

/* Grown by mremap(): a shared object ends (SIGBUS), private memory goes on. */
TEST_F(anon, mremap_grow)
{
	size_t ps = self->ps;
	int types[] = { MAP_SHARED, MAP_PRIVATE };

	for (int i = 0; i < 2; i++) {
		unsigned char *p, *q;
		struct touch r;

		p = map(self->fd, 2 * ps, types[i]);
		ASSERT_NE(MAP_FAILED, p);
		p[ps] = 9;
		q = mremap(p, 2 * ps, 4 * ps, MREMAP_MAYMOVE);
		ASSERT_NE(MAP_FAILED, q);
		EXPECT_EQ(9, q[ps]);
		r = peek(q + 3 * ps);
		if (types[i] == MAP_SHARED) {
			EXPECT_EQ(SIGBUS, r.sig);
			EXPECT_EQ(BUS_ADRERR, r.code);
		} else {
			EXPECT_EQ(0, r.sig);
			EXPECT_EQ(0, r.val);
		}
		munmap(q, 4 * ps);
	}
}

/*
 * The object covers offsets 0 to its size, so a shared mapping at offset
 * one page has one page less of memory: /dev/zero's way, kept on purpose.
 */
TEST_F(anon, shared_offset_shifts_object)
{
	size_t ps = self->ps;
	unsigned char *p;

	p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 ps);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, peek(p).sig);
	EXPECT_EQ(SIGBUS, peek(p + ps).sig);
	munmap(p, 2 * ps);
	p = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		 ps);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, peek(p + ps).sig);
	munmap(p, 2 * ps);
}

/* read() gives zeroes, write() takes anything and keeps nothing. */
TEST_F(anon, read_write_lseek)
{
	unsigned char buf[10000];

	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ((ssize_t)sizeof(buf), read(self->fd, buf, sizeof(buf)));
	EXPECT_TRUE(all_bytes(buf, sizeof(buf), 0));
	EXPECT_EQ(5, write(self->fd, "hello", 5));
	EXPECT_EQ(16, write(self->fd, bad_address(), 16));
	EXPECT_EQ(-1, read(self->fd, bad_address(), 16));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, lseek(self->fd, 12345, SEEK_SET));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_END));
}

/* splice() and sendfile(), as on /dev/zero: zeroes out, writes dropped. */
TEST_F(anon, splice_sendfile)
{
	unsigned char buf[100];
	int pfd[2], mfd = memfd_create("peer", MFD_CLOEXEC);
	ssize_t n;

	ASSERT_LE(0, mfd);
	/* Non-blocking, so that a splice that fails cannot hang the read. */
	ASSERT_EQ(0, pipe2(pfd, O_NONBLOCK));
	memset(buf, 0xa5, sizeof(buf));
	EXPECT_EQ((ssize_t)sizeof(buf), pwrite(mfd, buf, sizeof(buf), 0));
	n = sendfile(mfd, self->fd, NULL, 60);
	if (n < 0 && errno == EINVAL && !strcmp(variant->path, "/dev/zero")) {
		close(pfd[0]);
		close(pfd[1]);
		close(mfd);
		SKIP(return, "/dev/zero cannot splice here (6.12's can)");
	}
	EXPECT_EQ(60, n);
	EXPECT_EQ((ssize_t)sizeof(buf), pread(mfd, buf, sizeof(buf), 0));
	EXPECT_TRUE(all_bytes(buf, 60, 0));
	EXPECT_TRUE(all_bytes(buf + 60, 40, 0xa5));

	EXPECT_EQ(40, splice(self->fd, NULL, pfd[1], NULL, 40, 0));
	EXPECT_EQ(40, read(pfd[0], buf, sizeof(buf)));
	EXPECT_TRUE(all_bytes(buf, 40, 0));
	EXPECT_EQ(40, write(pfd[1], buf, 40));
	EXPECT_EQ(40, splice(pfd[0], NULL, self->fd, NULL, 40, 0));
	close(pfd[0]);
	close(pfd[1]);
	close(mfd);
}

/* What only the device shows: its counters. */
FIXTURE(anondev)
{
	int fd;
	size_t ps;
};

FIXTURE_SETUP(anondev)
{
	self->ps = page_size();
	self->fd = open(MD_ANON_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   MD_ANON_PATH);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(anondev)
{
	close(self->fd);
}

static struct mmapdemo_info info(int fd)
{
	struct mmapdemo_info i;

	if (md_info(fd, &i))
		abort();
	return i;
}

/*
 * mmap() allocates nothing; the first touch of a shared page allocates one
 * page, later touches none; private pages are never the device's.  The
 * last unmap frees the object's pages.
 */
TEST_F(anondev, pages_follow_touches)
{
	size_t ps = self->ps;
	struct mmapdemo_info a, b;
	unsigned char *s, *p;

	a = info(self->fd);
	s = map(self->fd, NPAGES * ps, MAP_SHARED);
	p = map(self->fd, NPAGES * ps, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	b = info(self->fd);
	EXPECT_EQ(a.nr_pages, b.nr_pages);
	EXPECT_EQ(a.nr_mappings + 2, b.nr_mappings);
	EXPECT_EQ(a.read_faults, b.read_faults);

	EXPECT_EQ(0, s[0]);
	s[ps] = 1;
	s[ps + 1] = 1;
	EXPECT_EQ(0, s[0]);
	EXPECT_EQ(0, p[0]);
	p[ps] = 1;
	p[2 * ps] = 1;
	b = info(self->fd);
	EXPECT_EQ(a.nr_pages + 2, b.nr_pages);
	EXPECT_EQ(a.read_faults + 2, b.read_faults);
	EXPECT_EQ(a.write_faults + 1, b.write_faults);
	EXPECT_EQ(a.cow_faults + 2, b.cow_faults);

	munmap(p, NPAGES * ps);
	EXPECT_EQ(a.nr_pages + 2, info(self->fd).nr_pages);
	munmap(s, NPAGES * ps);
	b = info(self->fd);
	EXPECT_EQ(a.nr_pages, b.nr_pages);
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
}

/*
 * Linux 6.7 and later serve our faults under the VMA's own lock, as they do
 * a memfd's, not retried under mmap_lock: shared reads and writes, and
 * private reads.
 */
TEST_F(anondev, faults_under_vma_lock)
{
	size_t ps = self->ps;
	struct mmapdemo_info a, b;
	unsigned char *s, *p;

	s = map(self->fd, NPAGES * ps, MAP_SHARED);
	p = map(self->fd, NPAGES * ps, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	a = info(self->fd);
	EXPECT_EQ(0, s[0]);
	s[ps] = 1;
	EXPECT_EQ(0, p[0]);
	b = info(self->fd);
	EXPECT_EQ(a.read_faults + 2, b.read_faults);
	EXPECT_EQ(a.write_faults + 1, b.write_faults);
	EXPECT_EQ(a.vma_lock_faults + 3 * kernel_at_least(6, 4),
		  b.vma_lock_faults);
	munmap(s, NPAGES * ps);
	munmap(p, NPAGES * ps);
}

/* A fork child's VMAs keep the object alive after the parent unmaps. */
TEST_F(anondev, object_lives_with_last_vma)
{
	size_t ps = self->ps;
	struct mmapdemo_info a = info(self->fd);
	struct turns t;
	unsigned char *s;
	pid_t pid;

	s = map(self->fd, NPAGES * ps, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, s);
	s[0] = 'x';
	ASSERT_EQ(0, turns_init(&t));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		turn_wait(t.to_child[0]);
		_exit(s[0] == 'x' ? 0 : 1);
	}
	munmap(s, NPAGES * ps);
	EXPECT_EQ(a.nr_pages + 1, info(self->fd).nr_pages);
	turn_give(t.to_child[1]);
	EXPECT_EQ(0, wait_child(pid));
	EXPECT_EQ(a.nr_pages, info(self->fd).nr_pages);
	EXPECT_EQ(a.nr_mappings, info(self->fd).nr_mappings);
}

/* MAP_ANONYMOUS ignores the fd: the driver is never called. */
TEST_F(anondev, map_anonymous_ignores_fd)
{
	struct mmapdemo_info a = info(self->fd);
	unsigned char *p;

	p = mmap(NULL, self->ps, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(a.nr_mappings, info(self->fd).nr_mappings);
	EXPECT_EQ(a.write_faults, info(self->fd).write_faults);
	munmap(p, self->ps);
}

/* The ioctls of the file device are not the anon device's. */
TEST_F(anondev, ioctls)
{
	uint64_t size = 4096;
	struct mmapdemo_info i;

	EXPECT_EQ(-1, md_set_size(self->fd, size));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, md_info(self->fd, &i));
	EXPECT_EQ(0ULL, i.size);
	EXPECT_EQ(0ULL, i.max_size);
}

TEST_HARNESS_MAIN
