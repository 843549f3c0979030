// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-huge in the admission and operations matrices.  It has no
 * reference in the kernel (no node maps page frames 2 MiB at a time), so
 * each expectation is what the core does with a shared VM_PFNMAP |
 * VM_DONTEXPAND | VM_DONTDUMP VMA, with the reason beside it:
 *  - admission: open mode by protection by mapping type and flags, exact
 *    errnos, and what /proc/self/maps and VmFlags then show;
 *  - operations: mprotect, mlock, madvise, mremap, msync, munmap of part
 *    of a PMD, fork; the data stays the region's throughout.
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define CHUNK (2UL << 20)

static int open_huge(int oflags)
{
	return open(MD_HUGE_PATH, oflags | O_CLOEXEC);
}

static long mmap_err(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/*
 * Admission.  MAP_PRIVATE is refused, whatever else: page frames cannot
 * be copied on write.  The rest is the core's, as for any shared file
 * mapping: MAP_SHARED of a read-only open cannot be writable, an O_WRONLY
 * open cannot map, MAP_SHARED_VALIDATE refuses MAP_SYNC.
 */
TEST(admission)
{
	static const struct {
		int oflags, prot, flags;
		long want;
	} cases[] = {
		{ O_RDWR, PROT_READ, MAP_SHARED, 0 },
		{ O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ O_RDWR, PROT_NONE, MAP_SHARED, 0 },
		{ O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, 0 },
		{ O_RDWR, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC,
		  -EOPNOTSUPP },
		{ O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  0 },
		{ O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, 0 },
		{ O_RDWR, PROT_READ, MAP_PRIVATE, -EINVAL },
		{ O_RDWR, PROT_READ | PROT_WRITE, MAP_PRIVATE, -EINVAL },
		{ O_RDWR, PROT_NONE, MAP_PRIVATE, -EINVAL },
		{ O_RDONLY, PROT_READ, MAP_SHARED, 0 },
		{ O_RDONLY, PROT_READ | PROT_WRITE, MAP_SHARED, -EACCES },
		{ O_RDONLY, PROT_READ, MAP_PRIVATE, -EINVAL },
		{ O_WRONLY, PROT_WRITE, MAP_SHARED, -EACCES },
	};

	if (access(MD_HUGE_PATH, F_OK))
		SKIP(return, "no %s", MD_HUGE_PATH);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = open_huge(cases[i].oflags);

		ASSERT_LE(0, fd);
		EXPECT_EQ(cases[i].want,
			  mmap_err(fd, CHUNK, cases[i].prot, cases[i].flags, 0))
		TH_LOG("case %zu", i);
		close(fd);
	}
}

/* What maps and smaps show: shared, page frames, no core dump. */
TEST(maps_and_vmflags)
{
	int fd = open_huge(O_RDWR);
	char perms[5];
	unsigned char *p;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_HUGE_PATH);
	ASSERT_LE(0, fd);
	p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		 fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(maps_perms(p, perms));
	EXPECT_STREQ("rw-s", perms);
	EXPECT_TRUE(vmflag(p, "pf")); /* VM_PFNMAP */
	EXPECT_TRUE(vmflag(p, "de")); /* VM_DONTEXPAND */
	EXPECT_TRUE(vmflag(p, "dd")); /* VM_DONTDUMP */
	EXPECT_FALSE(vmflag(p, "lo")); /* mlock passes a VM_SPECIAL VMA by */
	munmap(p, CHUNK);
	close(fd);
}

FIXTURE(ops)
{
	int fd;
	unsigned char *p;
};

FIXTURE_SETUP(ops)
{
	self->fd = open_huge(O_RDWR);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "no %s", MD_HUGE_PATH);
	ASSERT_LE(0, self->fd);
	self->p = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	for (size_t off = 0; off < 2 * CHUNK; off += page_size())
		self->p[off] = (unsigned char)(off / page_size() + 3);
}

FIXTURE_TEARDOWN(ops)
{
	munmap(self->p, 2 * CHUNK);
	close(self->fd);
}

static bool data_intact(const unsigned char *p, size_t first, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		if (p[i * page_size()] != (unsigned char)(first + i + 3))
			return false;
	return true;
}

/* mprotect: down to read-only (a store faults), and back. */
TEST_F(ops, mprotect)
{
	ASSERT_EQ(0, mprotect(self->p, CHUNK, PROT_READ));
	EXPECT_EQ(SIGSEGV, poke(self->p, 1).sig);
	EXPECT_EQ(0, mprotect(self->p, CHUNK, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, poke(self->p, 3).sig);
	EXPECT_TRUE(data_intact(self->p, 0, 1024));
}

/* mlock and munlock succeed; a VM_SPECIAL VMA is never really locked. */
TEST_F(ops, mlock)
{
	EXPECT_EQ(0, mlock(self->p, CHUNK));
	EXPECT_FALSE(vmflag(self->p, "lo"));
	EXPECT_EQ(0, munlock(self->p, CHUNK));
	EXPECT_TRUE(data_intact(self->p, 0, 1024));
}

/*
 * madvise: what needs pages the core can reclaim or refcount is refused
 * for VM_PFNMAP (EINVAL); MADV_REMOVE needs the file to punch a hole
 * (ENODEV: a character device has no fallocate()); the rest is accepted
 * and changes no data.  MADV_DOFORK on a VM_SPECIAL VMA: accepted by 6.1
 * and 6.12, refused by 7.3 (madvise_update_vma()); both checked.
 */
TEST_F(ops, madvise)
{
	long dofork = kernel_at_least(7, 0) ? -EINVAL : 0;
	const struct {
		int advice;
		long want;
	} cases[] = {
		{ MADV_NORMAL, 0 },	    { MADV_RANDOM, 0 },
		{ MADV_SEQUENTIAL, 0 },	    { MADV_WILLNEED, 0 },
		{ MADV_DONTNEED, -EINVAL }, { MADV_FREE, -EINVAL },
		{ MADV_REMOVE, -ENODEV },   { MADV_DONTFORK, 0 },
		{ MADV_DOFORK, dofork },    { MADV_WIPEONFORK, -EINVAL },
		{ MADV_COLD, -EINVAL },	    { MADV_PAGEOUT, -EINVAL },
		{ MADV_DONTDUMP, 0 },	    { MADV_DODUMP, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = madvise(self->p, CHUNK, cases[i].advice) ? -errno :
								      0;

		EXPECT_EQ(cases[i].want, got)
		TH_LOG("advice %d", cases[i].advice);
	}
	EXPECT_TRUE(data_intact(self->p, 0, 1024));
}

/*
 * mremap: a fixed size may not grow (VM_DONTEXPAND: EFAULT), may shrink,
 * and may move, taking its entries along; MREMAP_DONTUNMAP is for private
 * anonymous memory only (EINVAL).
 */
TEST_F(ops, mremap)
{
	size_t ps = page_size();
	unsigned char *q;

	q = mremap(self->p, 2 * CHUNK, 3 * CHUNK, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(self->p, 2 * CHUNK, 3 * CHUNK, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(self->p, 2 * CHUNK, 2 * CHUNK,
		   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);

	q = mremap(self->p + CHUNK, CHUNK, CHUNK - ps, 0); /* shrink */
	ASSERT_EQ(self->p + CHUNK, q);
	q = mremap(self->p, CHUNK, CHUNK, MREMAP_MAYMOVE | MREMAP_FIXED,
		   self->p + CHUNK); /* move over the rest */
	ASSERT_EQ(self->p + CHUNK, q);
	EXPECT_TRUE(data_intact(q, 0, 512));
	EXPECT_EQ(SIGSEGV, peek(self->p).sig); /* gone from the old place */
	self->p = mmap(self->p, CHUNK, PROT_READ, MAP_SHARED | MAP_FIXED,
		       self->fd, 0); /* for the teardown */
	ASSERT_NE(MAP_FAILED, self->p);
}

/* Part of a PMD unmapped: the rest stays, page by page. */
TEST_F(ops, munmap_part_of_a_pmd)
{
	size_t ps = page_size();

	ASSERT_EQ(0, munmap(self->p + 16 * ps, 4 * ps));
	EXPECT_EQ(SIGSEGV, peek(self->p + 16 * ps).sig);
	EXPECT_TRUE(data_intact(self->p, 0, 16));
	EXPECT_TRUE(data_intact(self->p + 20 * ps, 20, 1004));
}

TEST_HARNESS_MAIN
