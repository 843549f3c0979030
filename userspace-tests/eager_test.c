// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo-insert (vm_insert_pages(), VM_MIXEDMAP) and
 * /dev/mmapdemo-remap (remap_pfn_range(), VM_PFNMAP): one region, mapped
 * whole by mmap() itself.  Populated before the first touch (no fault, no
 * fault handler), the same bytes through both nodes, what each VMA is
 * marked, admission (beyond the region ENXIO; copy-on-write only for
 * pages), fork, partial munmap, mremap (moves, never grows), MADV_DONTNEED
 * (an entry that goes is not refilled), and the mapping count.
 * Pinning (GUP) is pin_test's.
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

FIXTURE(eager)
{
	int fd;
	struct mmapdemo_info info;
	size_t ps;
};

FIXTURE_VARIANT(eager)
{
	const char *path;
	bool pfnmap; /* remap_pfn_range(): page frames, not pages */
};

/* clang-format off */
FIXTURE_VARIANT_ADD(eager, insert)
{
	.path = MD_INSERT_PATH,
	.pfnmap = false,
};

FIXTURE_VARIANT_ADD(eager, remap)
{
	.path = MD_REMAP_PATH,
	.pfnmap = true,
};
/* clang-format on */

FIXTURE_SETUP(eager)
{
	self->ps = page_size();
	self->fd = open(variant->path, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)",
			   variant->path);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, md_info(self->fd, &self->info));
	ASSERT_LE(2UL << 20, self->info.size);
	ASSERT_EQ(self->info.size / self->ps, self->info.nr_pages);
}

FIXTURE_TEARDOWN(eager)
{
	close(self->fd);
}

static unsigned char *map(int fd, size_t len, int flags, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
}

/* The other node: the same region. */
static const char *other(const char *path)
{
	return strcmp(path, MD_INSERT_PATH) ? MD_INSERT_PATH : MD_REMAP_PATH;
}

/*
 * Every page is in the page table when mmap() returns: touching them all
 * takes no fault (ru_minflt; best of a few tries, as a stack page may
 * fault), and the driver has no fault handler to count.
 */
TEST_F(eager, populated_by_mmap)
{
	size_t len = self->info.size;
	struct mmapdemo_info a, b;
	long flt, best = 1000;
	unsigned char *p;

	for (int try = 0; try < 5 && best > 0; try++) {
		p = map(self->fd, len, MAP_SHARED, 0);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, md_info(self->fd, &a));
		flt = minflt(NULL);
		for (size_t off = 0; off < len; off += self->ps)
			p[off] = p[off + 1];
		flt = minflt(NULL) - flt;
		ASSERT_EQ(0, md_info(self->fd, &b));
		EXPECT_EQ(a.read_faults, b.read_faults);
		EXPECT_EQ(a.write_faults, b.write_faults);
		munmap(p, len);
		if (flt < best)
			best = flt;
	}
	EXPECT_GE(2, best);
}

/*
 * The page at file offset N * 4 KiB is the region's page N, through either
 * node, any mapping, any offset.
 */
TEST_F(eager, same_region_both_nodes)
{
	size_t len = self->info.size, n = len / self->ps;
	unsigned char *p, *q, *r;
	int ofd;

	if (len < (2UL << 20) + 2 * self->ps)
		SKIP(return, "needs more than one 2 MiB chunk (eager_size)");
	ofd = open(other(variant->path), O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ofd);
	p = map(self->fd, len, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < n; i++)
		memcpy(p + i * self->ps, &i, sizeof(i));
	q = map(ofd, len, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, q);
	for (size_t i = 0; i < n; i++) {
		size_t v;

		memcpy(&v, q + i * self->ps, sizeof(v));
		ASSERT_EQ(i, v);
	}
	/* an offset that crosses from one chunk into the next */
	r = map(self->fd, 2 * self->ps, MAP_SHARED, (2UL << 20) - self->ps);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(0, memcmp(r, p + (2UL << 20) - self->ps, 2 * self->ps));
	munmap(r, 2 * self->ps);
	munmap(q, len);
	munmap(p, len);
	close(ofd);
}

/* What the VMA is: VmFlags of smaps (mm: mixed map; pf: PFN map; io). */
TEST_F(eager, vma_flags)
{
	unsigned char *p = map(self->fd, self->ps, MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(!variant->pfnmap, vmflag(p, "mm"));
	EXPECT_EQ(variant->pfnmap, vmflag(p, "pf"));
	EXPECT_EQ(variant->pfnmap, vmflag(p, "io"));
	EXPECT_EQ(variant->pfnmap, vmflag(p, "dd"));
	EXPECT_TRUE(vmflag(p, "de"));
	munmap(p, self->ps);
}

/* A range not wholly inside the region: ENXIO, and nothing is mapped. */
TEST_F(eager, beyond_region_enxio)
{
	size_t size = self->info.size;
	struct {
		size_t len;
		off_t off;
	} bad[] = {
		{ self->ps, size },
		{ 2 * self->ps, size - self->ps },
		{ size + self->ps, 0 },
		{ self->ps, (off_t)1 << 44 },
	};
	struct mmapdemo_info a, b;
	void *p;

	ASSERT_EQ(0, md_info(self->fd, &a));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		p = map(self->fd, bad[i].len, MAP_SHARED, bad[i].off);

		EXPECT_EQ(MAP_FAILED, p) TH_LOG("case %zu", i);
		EXPECT_EQ(ENXIO, errno) TH_LOG("case %zu", i);
	}
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
	/* the last page is fine */
	p = map(self->fd, self->ps, MAP_SHARED, size - self->ps);
	EXPECT_NE(MAP_FAILED, p);
	munmap(p, self->ps);
}

/*
 * MAP_PRIVATE: the insert node's pages are copied on write, as a file's
 * are, and the region keeps its bytes; page frames have no page to copy,
 * so the remap node refuses every private mapping with EINVAL (even a
 * read-only one: mprotect() could make it writable).
 */
TEST_F(eager, private_copy_on_write)
{
	unsigned char *s, *p, b;

	s = map(self->fd, self->ps, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, s);
	s[0] = 'r';
	p = map(self->fd, self->ps, MAP_PRIVATE, 0);
	if (variant->pfnmap) {
		int ro;

		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
		/* even read-only: a private mapping may always be written */
		ro = open(variant->path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, ro);
		p = mmap(NULL, self->ps, PROT_READ, MAP_PRIVATE, ro, 0);
		close(ro);
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
		munmap(s, self->ps);
		return;
	}
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ('r', p[0]);
	p[0] = 'c';
	EXPECT_EQ('r', s[0]);
	b = p[1];
	s[1] = b ^ 0xff; /* the copy no longer sees the region */
	EXPECT_EQ(b, p[1]);
	EXPECT_EQ('c', p[0]);
	munmap(p, self->ps);
	munmap(s, self->ps);
}

/* A read-only open maps read-only only: the core refuses the rest. */
TEST_F(eager, readonly_open)
{
	int fd = open(variant->path, O_RDONLY | O_CLOEXEC);
	unsigned char *p;

	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, map(fd, self->ps, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, self->ps, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, self->ps, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, self->ps);
	close(fd);
}

/* Fork copies the entries: parent and child share the region. */
TEST_F(eager, fork_shares)
{
	unsigned char *p = map(self->fd, self->ps, MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, fork_shares(p));
	EXPECT_EQ('c', p[200]);
	munmap(p, self->ps);
}

/* Unmapping a page in the middle leaves two VMAs, both still mapped. */
TEST_F(eager, partial_munmap)
{
	size_t len = 8 * self->ps;
	struct mmapdemo_info a, b;
	unsigned char *p;

	ASSERT_EQ(0, md_info(self->fd, &a));
	p = map(self->fd, len, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, len);
	ASSERT_EQ(0, munmap(p + 3 * self->ps, self->ps));
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.nr_mappings + 2, b.nr_mappings);
	EXPECT_EQ(0x5a, p[2 * self->ps]);
	EXPECT_EQ(0x5a, p[4 * self->ps]);
	EXPECT_EQ(SIGSEGV, peek(p + 3 * self->ps).sig);
	munmap(p, len);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
}

/*
 * mremap(): a move takes the entries along and a shrink drops the tail;
 * growing is refused (VM_DONTEXPAND: nothing would fill the new part).
 */
TEST_F(eager, mremap_moves_never_grows)
{
	size_t len = 4 * self->ps;
	unsigned char *p, *q, *dst;

	p = map(self->fd, len, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x6b, len);
	EXPECT_EQ(MAP_FAILED, mremap(p, len, 2 * len, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);

	dst = reserve(len, self->ps);
	ASSERT_NE(MAP_FAILED, dst);
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, q);
	EXPECT_TRUE(all_bytes(q, len, 0x6b));
	q = mremap(q, len, self->ps, 0);
	ASSERT_EQ(dst, q);
	EXPECT_EQ(SIGSEGV, peek(q + self->ps).sig);
	munmap(q, self->ps);
}

/*
 * MADV_DONTNEED drops the insert node's entries, and nothing refills them
 * (no ->fault): SIGBUS.  The core refuses it on a PFN map.
 */
TEST_F(eager, dontneed_is_final)
{
	unsigned char *p = map(self->fd, 2 * self->ps, MAP_SHARED, 0);
	struct touch t;

	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	if (variant->pfnmap) {
		EXPECT_EQ(-1, madvise(p, self->ps, MADV_DONTNEED));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(1, p[0]);
	} else {
		ASSERT_EQ(0, madvise(p, self->ps, MADV_DONTNEED));
		t = peek(p);
		EXPECT_EQ(SIGBUS, t.sig);
		EXPECT_EQ(0, peek(p + self->ps).sig);
	}
	munmap(p, 2 * self->ps);
}

/* Hostile lengths and flags: the core's errno, and nothing mapped. */
TEST_F(eager, hostile)
{
	struct mmapdemo_info a, b;

	ASSERT_EQ(0, md_info(self->fd, &a));
	EXPECT_EQ(MAP_FAILED, map(self->fd, 0, MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, map(self->fd, self->ps, MAP_SHARED, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED,
		  map(self->fd, SIZE_MAX & ~(self->ps - 1), MAP_SHARED, 0));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(MAP_FAILED,
		  map(self->fd, self->ps, MAP_SHARED, -(off_t)self->ps));
	EXPECT_TRUE(errno == EINVAL || errno == EOVERFLOW || errno == ENXIO);
	ASSERT_EQ(0, md_info(self->fd, &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
}

TEST_HARNESS_MAIN
