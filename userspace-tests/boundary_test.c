// SPDX-License-Identifier: GPL-2.0
/*
 * Exact boundaries, from the contract rather than from the code:
 *  - "file" (on /dev/mmapdemo and on a memfd): the last byte and the first
 *    byte past the end, for faults and for read() and write() whose buffer
 *    is a mapping of the very file, across the end; first faults in a
 *    mapping at a file offset, after its front was unmapped;
 *  - "dev": max_size itself and one past it; the pages the device holds
 *    after each resize and after a write that failed or stopped short;
 *  - "pinned": the module cannot be unloaded while a mapping of any kind
 *    (file shared and private, anon shared and private, huge) outlives the
 *    file it was made from;
 *  - "huge": a 2 MiB-aligned address over an unaligned offset falls back
 *    to pages; msync() succeeds.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

FIXTURE(file)
{
	int fd;
	size_t ps;
};

FIXTURE_VARIANT(file)
{
	enum backend backend;
};

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
	self->fd = backend_open(variant->backend, 2 * self->ps + 100);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device",
			   backend_name(variant->backend));
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(file)
{
	close(self->fd);
}

/* The last byte maps; the first page wholly past the end does not. */
TEST_F(file, fault_at_the_end)
{
	size_t ps = self->ps, size = 2 * ps + 100;
	unsigned char *p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
				MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, poke(p + size - 1, 'L').sig);
	EXPECT_EQ(0, peek(p + size).sig); /* in the last page: reads 0 */
	EXPECT_EQ(0, peek(p + 3 * ps - 1).sig);
	EXPECT_EQ(SIGBUS, peek(p + 3 * ps).sig);
	EXPECT_EQ(SIGBUS, poke(p + 3 * ps, 1).sig);
	munmap(p, 4 * ps);
}

/*
 * read() into, and write() from, a mapping of the same file that runs
 * past its end: the copy stops where the mapping stops being backed.
 */
TEST_F(file, read_write_through_own_mapping)
{
	size_t ps = self->ps, size = 2 * ps + 100;
	unsigned char *p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
				MAP_SHARED, self->fd, 0);
	struct stat st;
	ssize_t n;

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 'a', ps);
	/* Page 0 read into pages 2 and 3: 3 * ps - size... then SIGBUS. */
	n = pread(self->fd, p + 2 * ps, 2 * ps, 0);
	EXPECT_EQ((ssize_t)ps, n);
	EXPECT_EQ('a', p[2 * ps]);
	EXPECT_EQ('a', p[3 * ps - 1]);
	/* Nothing of it persists past the end. */
	EXPECT_EQ((ssize_t)100, pread(self->fd, p + ps, ps, 2 * ps));

	/* The first byte past the end is no source: a short write. */
	n = pwrite(self->fd, p + size - 10, 2 * ps, 0);
	EXPECT_EQ((ssize_t)(3 * ps - (size - 10)), n);
	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, size));
	n = pwrite(self->fd, p + 3 * ps, 10, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);

	if (variant->backend == BACKEND_MEMFD) {
		ASSERT_EQ(0, fstat(self->fd, &st));
		EXPECT_EQ((off_t)size, st.st_size);
	} else {
		struct mmapdemo_info info;

		ASSERT_EQ(0, md_info(self->fd, &info));
		EXPECT_EQ(size, info.size);
	}
	munmap(p, 4 * ps);
}

/*
 * A mapping that starts at a file offset, or whose front was unmapped: the
 * first write to each page, shared or private, goes to (or copies) the
 * page at the file offset the VMA says, not at its distance from the
 * VMA's start.
 */
TEST_F(file, faults_at_file_offsets)
{
	size_t ps = self->ps;
	unsigned char *s, *p, c = 0;

	ASSERT_EQ(0, backend_resize(variant->backend, self->fd, 8 * ps));
	for (size_t i = 0; i < 8; i++) {
		unsigned char b = (unsigned char)(0x10 + i);

		ASSERT_EQ(1, pwrite(self->fd, &b, 1, (off_t)(i * ps)));
	}
	s = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 (off_t)(2 * ps));
	p = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd,
		 (off_t)(2 * ps));
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(s, ps)); /* the VMA now starts at offset 3 */
	ASSERT_EQ(0, munmap(p, ps));
	s[ps + 1] = 'S'; /* a first access, and a write: file page 3 */
	p[2 * ps + 1] = 'P'; /* a copy of file page 4 */
	EXPECT_EQ(0x13, s[ps]);
	EXPECT_EQ(0x14, p[2 * ps]);
	EXPECT_EQ(1, pread(self->fd, &c, 1, (off_t)(3 * ps + 1)));
	EXPECT_EQ('S', c);
	EXPECT_EQ(1, pread(self->fd, &c, 1, (off_t)(4 * ps + 1)));
	EXPECT_EQ(0, c); /* the private store stayed private */
	munmap(s + ps, 3 * ps);
	munmap(p + ps, 3 * ps);
}

FIXTURE(dev)
{
	int fd;
	size_t ps;
	struct mmapdemo_info info;
};

FIXTURE_SETUP(dev)
{
	self->ps = page_size();
	self->fd = backend_open(BACKEND_MMAPDEMO, 4 * self->ps);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device", MD_PATH);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, md_info(self->fd, &self->info));
}

FIXTURE_TEARDOWN(dev)
{
	md_set_size(self->fd, 4 * self->ps);
	close(self->fd);
}

static uint64_t pages_held(int fd)
{
	struct mmapdemo_info info;

	return md_info(fd, &info) ? UINT64_MAX : info.nr_pages;
}

static uint64_t pages_for(uint64_t size, size_t ps)
{
	return (size + ps - 1) / ps;
}

/* max_size is a size like any other; one byte more is EFBIG. */
TEST_F(dev, max_size_itself)
{
	uint64_t max = self->info.max_size, size = max + 1;

	if (max > (512ULL << 20))
		SKIP(return, "max_size %llu: too big to allocate here",
			   (unsigned long long)max);
	EXPECT_EQ(-1, ioctl(self->fd, MMAPDEMO_IOC_SET_SIZE, &size));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(0, md_set_size(self->fd, max));
	EXPECT_EQ(pages_for(max, self->ps), pages_held(self->fd));
	EXPECT_EQ(1, pwrite(self->fd, "z", 1, (off_t)max - 1));
	EXPECT_EQ(-1, pwrite(self->fd, "z", 1, (off_t)max));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_EQ(0, md_set_size(self->fd, 4 * self->ps));
}

/* After every resize the device holds the pages below the size, no more. */
TEST_F(dev, pages_follow_every_resize)
{
	size_t ps = self->ps;
	uint64_t sizes[] = { 0,		  1,	      ps - 1, ps,
			     ps + 1,	  3 * ps + 7, 2 * ps, 10 * ps,
			     10 * ps - 1, 1,	      0 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, md_set_size(self->fd, sizes[i]));
		EXPECT_EQ(pages_for(sizes[i], ps), pages_held(self->fd))
		TH_LOG("size %llu", (unsigned long long)sizes[i]);
	}
}

/*
 * A write past the end that stops short, or fails, leaves the pages of
 * the size it reached, no page beyond: the source runs into a guard page.
 */
TEST_F(dev, pages_after_short_and_failed_writes)
{
	size_t ps = self->ps;
	unsigned char *src = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mmapdemo_info info;
	ssize_t n;

	ASSERT_NE(MAP_FAILED, src);
	memset(src, 's', 3 * ps);
	ASSERT_EQ(0, munmap(src + 2 * ps, ps)); /* the guard */

	/* From page 4 of a 4-page file: 2 pages land, then EFAULT. */
	n = pwrite(self->fd, src, 3 * ps, 4 * ps);
	EXPECT_EQ((ssize_t)(2 * ps), n);
	ASSERT_EQ(0, md_info(self->fd, &info));
	EXPECT_EQ(6 * ps, info.size);
	EXPECT_EQ(6ULL, info.nr_pages);

	/* Nothing lands: the size is as tmpfs leaves it, pages to match. */
	n = pwrite(self->fd, src + 2 * ps, ps, 9 * ps + 5);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, md_info(self->fd, &info));
	EXPECT_EQ(write_grows_first() ? 9 * ps + 5 : 6 * ps, info.size);
	EXPECT_EQ(pages_for(info.size, ps), info.nr_pages);
	munmap(src, 2 * ps);
}

/* ---- pinned ---- */

static int try_unload(void)
{
	return syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK);
}

/* Map one page of @path (@type), then close the file. */
static void *map_closed(const char *path, int type)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, type, fd, 0);
	close(fd);
	return p;
}

TEST(pinned)
{
	static const struct {
		const char *path;
		int type;
	} kinds[] = {
		{ MD_PATH, MAP_SHARED },	 { MD_PATH, MAP_PRIVATE },
		{ MD_ANON_PATH, MAP_SHARED },	 { MD_ANON_PATH, MAP_PRIVATE },
		{ MD_HUGE_PATH, MAP_SHARED },	 { MD_INSERT_PATH, MAP_SHARED },
		{ MD_INSERT_PATH, MAP_PRIVATE }, { MD_REMAP_PATH, MAP_SHARED },
	};

	if (access("/sys/module/mmapdemo", F_OK))
		SKIP(return, "mmapdemo is not loaded");
	if (geteuid())
		SKIP(return, "unloading needs root");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		unsigned char *p = map_closed(kinds[i].path, kinds[i].type);

		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s", kinds[i].path);
		p[0] = 1; /* a page of it, from the driver's handler */
		EXPECT_EQ(-1, try_unload())
		TH_LOG("%s %s", kinds[i].path,
		       kinds[i].type == MAP_SHARED ? "shared" : "private");
		EXPECT_EQ(EWOULDBLOCK, errno);
		EXPECT_EQ(1, p[0]);
		munmap(p, page_size());
	}
}

/* ---- huge ---- */

#define CHUNK (2UL << 20)

/*
 * An address aligned to 2 MiB over a file offset that is not: a PMD there
 * would map the wrong 2 MiB, off by the offset.  The device must fall back
 * to pages, which its data shows, seen through an aligned mapping.
 */
TEST(huge_aligned_address_unaligned_offset)
{
	size_t ps = page_size();
	int fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *room, *a, *p, *q;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_HUGE_PATH);
	ASSERT_LE(0, fd);
	q = mmap(NULL, 3 * CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	for (size_t off = 0; off < 3 * CHUNK; off += ps)
		q[off] = (unsigned char)(off / ps * 7 + 1);

	room = mmap(NULL, 4 * CHUNK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	ASSERT_NE(MAP_FAILED, room);
	a = (unsigned char *)(((uintptr_t)room + CHUNK - 1) & ~(CHUNK - 1));
	p = mmap(a, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, (off_t)ps);
	ASSERT_EQ(a, p);
	for (size_t off = 0; off < 2 * CHUNK; off += ps) {
		size_t pg = off / ps;

		ASSERT_EQ(q[off + ps], p[off]) TH_LOG("page %zu", pg);
	}
	munmap(room, 4 * CHUNK);
	munmap(q, 3 * CHUNK);
	close(fd);
}

/* msync(MS_SYNC) of the huge device succeeds, as on the other nodes. */
TEST(huge_msync)
{
	int fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	unsigned char *p;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_HUGE_PATH);
	ASSERT_LE(0, fd);
	p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(0, msync(p, CHUNK, MS_SYNC));
	EXPECT_EQ(0, fsync(fd));
	munmap(p, CHUNK);
	close(fd);
}

TEST_HARNESS_MAIN
