// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-huge: a shared region mapped 2 MiB at a time where the
 * kernel lets a driver (6.12 and 7.x: one PMD per 2 MiB, one fault), and in
 * 4 KiB entries where it does not (6.1 never calls ->huge_fault() for such
 * a VMA, the VMA does not cover an aligned 2 MiB, or MADV_NOHUGEPAGE vetoes
 * it).  Data, placement, SIGBUS, fork, partial munmap, and what it refuses:
 * MAP_PRIVATE (no copy-on-write of page frames) and growth by mremap().
 */
#include <limits.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define CHUNK (2UL << 20)

FIXTURE(huge)
{
	int fd;
	struct mmapdemo_info info;
};

FIXTURE_SETUP(huge)
{
	self->fd = open(MD_HUGE_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   MD_HUGE_PATH);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, md_info(self->fd, &self->info));
	ASSERT_LE(2 * CHUNK, self->info.size);
}

FIXTURE_TEARDOWN(huge)
{
	close(self->fd);
}

static unsigned char *map(int fd, size_t len, int flags, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
}

/* Does this kernel hand a PFN-mapped VMA's faults to ->huge_fault()? */
static bool huge_kernel(void)
{
	return kernel_at_least(6, 12);
}

/*
 * Touching every page of two aligned chunks: on 6.12 and 7.x two faults,
 * each mapping 2 MiB; on 6.1 one 4 KiB fault per page.  Either way the data is
 * the region's, seen by a second mapping.
 *
 * The driver's counters are exact.  ru_minflt also counts faults elsewhere
 * in the process: allocating a chunk can wake compaction, which migrates
 * (and so briefly unmaps) our own stack pages.  So the process's count is
 * taken from a second mapping after the chunks exist, best of a few tries.
 */
TEST_F(huge, one_fault_per_2mib)
{
	struct mmapdemo_info a, b;
	size_t len = 2 * CHUNK, ps = page_size();
	long flt, best = LONG_MAX;
	unsigned char *p, *q;

	p = map(self->fd, len, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	/* thp_get_unmapped_area() placed it on a 2 MiB boundary. */
	EXPECT_EQ(0UL, (uintptr_t)p % CHUNK);

	ASSERT_EQ(0, md_info(self->fd, &a));
	for (size_t off = 0; off < len; off += ps)
		p[off] = (unsigned char)(off / ps);
	ASSERT_EQ(0, md_info(self->fd, &b));
	if (huge_kernel()) {
		EXPECT_EQ(a.huge_faults + 2, b.huge_faults);
		EXPECT_EQ(a.write_faults, b.write_faults);
	} else {
		EXPECT_EQ(a.huge_faults, b.huge_faults);
		EXPECT_EQ(a.write_faults + len / ps, b.write_faults);
	}

	for (int try = 0; try < 5 && best > 2; try++) {
		q = map(self->fd, len, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, q);
		EXPECT_EQ(0UL, (uintptr_t)q % CHUNK);
		flt = minflt(NULL);
		for (size_t off = 0; off < len; off += ps)
			ASSERT_EQ((unsigned char)(off / ps), q[off]);
		flt = minflt(NULL) - flt;
		munmap(q, len);
		if (flt < best)
			best = flt;
	}
	if (huge_kernel()) {
		EXPECT_GE(2, best);
	} else {
		EXPECT_LE((long)(len / ps), best);
	}
	munmap(p, len);
}

/* A mapping that does not cover an aligned chunk falls back to 4 KiB. */
TEST_F(huge, misaligned_offset_falls_back)
{
	struct mmapdemo_info a, b;
	size_t ps = page_size();
	unsigned char *p, *q;

	p = map(self->fd, CHUNK, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[ps] = 0x77;
	q = map(self->fd, CHUNK - ps, MAP_SHARED, ps);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, md_info(self->fd, &a));
	EXPECT_EQ(0x77, q[0]);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.huge_faults, b.huge_faults);
	EXPECT_EQ(a.read_faults + 1, b.read_faults);
	munmap(p, CHUNK);
	munmap(q, CHUNK - ps);
}

/* MADV_NOHUGEPAGE vetoes the PMD: the core never asks ->huge_fault(). */
TEST_F(huge, nohugepage_vetoes)
{
	struct mmapdemo_info a, b;
	unsigned char *p;

	p = map(self->fd, CHUNK, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, CHUNK, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, md_info(self->fd, &a));
	p[0] = 1;
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.huge_faults, b.huge_faults);
	EXPECT_EQ(a.write_faults + 1, b.write_faults);
	munmap(p, CHUNK);
}

/* Beyond the region: SIGBUS, whether the fault is huge or not. */
TEST_F(huge, sigbus_beyond_region)
{
	size_t size = self->info.size;
	unsigned char *p;
	struct touch t;

	p = map(self->fd, CHUNK, MAP_SHARED, size);
	ASSERT_NE(MAP_FAILED, p);
	t = poke(p, 1);
	EXPECT_EQ(SIGBUS, t.sig);
	EXPECT_EQ(BUS_ADRERR, t.code);
	munmap(p, CHUNK);

	p = map(self->fd, 2 * CHUNK, MAP_SHARED, size - CHUNK);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, poke(p + CHUNK - 1, 1).sig);
	EXPECT_EQ(SIGBUS, poke(p + CHUNK, 1).sig);
	munmap(p, 2 * CHUNK);
}

/* Fork copies the entries: parent and child share the region. */
TEST_F(huge, fork_shares)
{
	unsigned char *p;

	p = map(self->fd, CHUNK, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, fork_shares(p));
	EXPECT_EQ('c', p[200]);
	munmap(p, CHUNK);
}

/* Unmapping 4 KiB inside a 2 MiB entry splits it; the rest stays. */
TEST_F(huge, partial_munmap)
{
	size_t ps = page_size();
	unsigned char *p;

	p = map(self->fd, CHUNK, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, CHUNK);
	ASSERT_EQ(0, munmap(p + 10 * ps, ps));
	EXPECT_EQ(0x5a, p[9 * ps]);
	EXPECT_EQ(0x5a, p[11 * ps]);
	EXPECT_EQ(0x5a, p[CHUNK - 1]);
	EXPECT_EQ(SIGSEGV, peek(p + 10 * ps).sig);
	EXPECT_EQ(SEGV_MAPERR, peek(p + 10 * ps).code);
	munmap(p, CHUNK);
}

/* Page frames cannot be copied on write; the region cannot grow. */
TEST_F(huge, refusals)
{
	unsigned char *p;
	int rofd;

	EXPECT_EQ(MAP_FAILED, map(self->fd, CHUNK, MAP_PRIVATE, 0));
	EXPECT_EQ(EINVAL, errno);

	p = map(self->fd, CHUNK, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, CHUNK, 2 * CHUNK, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	munmap(p, CHUNK);

	/* A read-only fd maps it shared and read-only. */
	rofd = open(MD_HUGE_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, rofd);
	p = mmap(NULL, CHUNK, PROT_READ, MAP_SHARED, rofd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, peek(p).sig);
	EXPECT_EQ(-1, mprotect(p, CHUNK, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, CHUNK);
	close(rofd);
}

TEST_HARNESS_MAIN
