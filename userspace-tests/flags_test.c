// SPDX-License-Identifier: GPL-2.0
/*
 * Every mmap() flag, and the geometry of a request (length and offset), on
 * both devices and both mapping types, with exact results: the errno, what
 * is mapped and populated, the VM flags (smaps VmFlags), the address.  Each
 * case runs on the device and on its reference (memfd, /dev/zero), which
 * must agree with the same expectation.
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 4UL

#define MAP_UNKNOWN (1 << 10) /* no meaning on x86-64 */

FIXTURE(flags)
{
	int fd[2]; /* [0] the device, [1] its reference */
	size_t ps;
	size_t len;
};

FIXTURE_VARIANT(flags)
{
	enum kind kind;
	int type;
};

/* The harness declares variants with macros clang-format misreads. */
/* clang-format off */
FIXTURE_VARIANT_ADD(flags, file_shared)
{
	.kind = KIND_FILE, .type = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(flags, file_private)
{
	.kind = KIND_FILE, .type = MAP_PRIVATE,
};

FIXTURE_VARIANT_ADD(flags, anon_shared)
{
	.kind = KIND_ANON, .type = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(flags, anon_private)
{
	.kind = KIND_ANON, .type = MAP_PRIVATE,
};
/* clang-format on */

FIXTURE_SETUP(flags)
{
	self->ps = page_size();
	self->len = NPAGES * self->ps;
	for (int ref = 0; ref < 2; ref++) {
		self->fd[ref] =
			kind_open(variant->kind, ref, O_RDWR, self->len);
		if (self->fd[ref] < 0 && errno == ENOENT && !ref)
			SKIP(return, "%s: no such device (module not loaded)",
				   kind_path(variant->kind, ref));
		ASSERT_LE(0, self->fd[ref]);
	}
}

FIXTURE_TEARDOWN(flags)
{
	close(self->fd[0]);
	close(self->fd[1]);
}

#define RW (PROT_READ | PROT_WRITE)
#define WHO TH_LOG("%s", kind_path(variant->kind, ref))

static unsigned char *map_at(void *addr, size_t len, int flags, int fd,
			     off_t off)
{
	return mmap(addr, len, RW, flags, fd, off);
}

/* A free, page-aligned range of @len bytes, left unmapped. */
static void *hole(size_t len)
{
	void *p =
		mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, len);
	return p;
}

/* The pieces before and after a MAP_FIXED replacement stay as they were. */
TEST_F(flags, fixed_over_own_mapping)
{
	size_t ps = self->ps;

	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p, *q;

		p = map_at(NULL, 4 * ps, variant->type, self->fd[ref], 0);
		ASSERT_NE(MAP_FAILED, p);
		for (size_t i = 0; i < 4; i++)
			p[i * ps] = 'a' + i;
		/* The file's pages 2 and 3 (anon: a new object) at pages 1 and 2. */
		q = map_at(p + ps, 2 * ps, variant->type | MAP_FIXED,
			   self->fd[ref],
			   variant->kind == KIND_FILE ? 2 * ps : 0);
		ASSERT_EQ(p + ps, q) WHO;
		EXPECT_EQ('a', p[0]) WHO;
		EXPECT_EQ('d', p[3 * ps]) WHO;
		if (variant->kind == KIND_FILE && variant->type == MAP_SHARED) {
			EXPECT_EQ('c', q[0]) WHO;
			EXPECT_EQ('d', q[ps]) WHO;
		} else {
			/* anon: a new object; file private: own copies gone */
			EXPECT_EQ(0, q[0]) WHO;
			EXPECT_EQ(0, q[ps]) WHO;
		}
		munmap(p, 4 * ps);
	}
}

TEST_F(flags, fixed_misaligned)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *h = hole(2 * self->ps);

		EXPECT_EQ(MAP_FAILED,
			  map_at(h + 1, self->ps, variant->type | MAP_FIXED,
				 self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
	}
}

/* MAP_FIXED_NOREPLACE: exactly there in a hole, EEXIST on any overlap. */
TEST_F(flags, fixed_noreplace)
{
	size_t ps = self->ps;

	for (int ref = 0; ref < 2; ref++) {
		unsigned char *h = hole(4 * ps), *p, *q;

		p = map_at(h, 2 * ps, variant->type | MAP_FIXED_NOREPLACE,
			   self->fd[ref], 0);
		ASSERT_EQ(h, p) WHO;
		q = map_at(h + ps, 2 * ps, variant->type | MAP_FIXED_NOREPLACE,
			   self->fd[ref], 0);
		EXPECT_EQ(MAP_FAILED, q) WHO;
		EXPECT_EQ(EEXIST, errno) WHO;
		/* Not in MAP_SHARED_VALIDATE's mask (a core quirk): EOPNOTSUPP. */
		if (variant->type == MAP_SHARED) {
			q = map_at(h + 2 * ps, ps,
				   MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE,
				   self->fd[ref], 0);
			EXPECT_EQ(MAP_FAILED, q) WHO;
			EXPECT_EQ(EOPNOTSUPP, errno) WHO;
		}
		munmap(p, 2 * ps);
	}
}

/*
 * MAP_POPULATE faults every page in now.  A writable private mapping is
 * populated by writes, so its pages are already private copies (anonymous,
 * not PM_FILE); a shared one maps the object's own pages.
 */
TEST_F(flags, populate)
{
	bool shared = variant->type == MAP_SHARED;

	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_POPULATE,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(NPAGES, pages_present(p, NPAGES)) WHO;
		for (size_t i = 0; i < NPAGES; i++) {
			bool file = pagemap(p + i * self->ps) & PM_FILE;

			EXPECT_EQ(shared, file) WHO;
		}
		munmap(p, self->len);

		/*
		 * Beyond the end of a file, or of a shared anonymous object
		 * (here half of the mapping), population stops quietly and
		 * mmap() still succeeds; private anonymous memory has no end.
		 */
		p = map_at(NULL, 2 * self->len, variant->type | MAP_POPULATE,
			   self->fd[ref],
			   variant->kind == KIND_FILE ? 0 : self->len);
		ASSERT_NE(MAP_FAILED, p) WHO;
		EXPECT_EQ(variant->kind == KIND_FILE || shared ? NPAGES :
								 2 * NPAGES,
			  pages_present(p, 2 * NPAGES))
		WHO;
		munmap(p, 2 * self->len);
	}
}

/* MAP_NONBLOCK turns MAP_POPULATE off. */
TEST_F(flags, populate_nonblock)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p =
			map_at(NULL, self->len,
			       variant->type | MAP_POPULATE | MAP_NONBLOCK,
			       self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(0UL, pages_present(p, NPAGES)) WHO;
		munmap(p, self->len);
	}
}

/* MAP_NORESERVE: no commit charge (VmFlags nr) under overcommit. */
TEST_F(flags, noreserve)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_NORESERVE,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(vmflag(p, "nr")) WHO;
		munmap(p, self->len);
	}
}

/* MAP_LOCKED: locked (lo), populated, all of it counted as Locked. */
TEST_F(flags, locked)
{
	if (geteuid())
		SKIP(return, "locking memory needs CAP_IPC_LOCK here");
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_LOCKED,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p);
		EXPECT_TRUE(vmflag(p, "lo")) WHO;
		EXPECT_EQ(NPAGES, pages_present(p, NPAGES)) WHO;
		EXPECT_EQ((long)(self->len / 1024), smaps_kb(p, "Locked")) WHO;
		munmap(p, self->len);
	}
}

/*
 * MAP_SYNC is only checked by MAP_SHARED_VALIDATE, which refuses it: these
 * files cannot promise synchronous page faults (DAX).  Without VALIDATE the
 * bit passes unchecked into the VM flags (sf), even on a private mapping.
 */
TEST_F(flags, sync)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p;

		p = map_at(NULL, self->len, variant->type | MAP_SYNC,
			   self->fd[ref], 0);
		ASSERT_NE(MAP_FAILED, p) WHO;
		EXPECT_TRUE(vmflag(p, "sf")) WHO;
		munmap(p, self->len);
		if (variant->type != MAP_SHARED)
			continue;
		p = map_at(NULL, self->len, MAP_SHARED_VALIDATE | MAP_SYNC,
			   self->fd[ref], 0);
		EXPECT_EQ(MAP_FAILED, p) WHO;
		EXPECT_EQ(EOPNOTSUPP, errno) WHO;
	}
}

/* An unknown bit: ignored, except by MAP_SHARED_VALIDATE (EOPNOTSUPP). */
TEST_F(flags, unknown_bit)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p;

		p = map_at(NULL, self->len, variant->type | MAP_UNKNOWN,
			   self->fd[ref], 0);
		ASSERT_NE(MAP_FAILED, p) WHO;
		munmap(p, self->len);
		if (variant->type != MAP_SHARED)
			continue;
		p = map_at(NULL, self->len, MAP_SHARED_VALIDATE | MAP_UNKNOWN,
			   self->fd[ref], 0);
		EXPECT_EQ(MAP_FAILED, p) WHO;
		EXPECT_EQ(EOPNOTSUPP, errno) WHO;
	}
}

/* Neither hugetlbfs pages nor a stack that grows exist for a file: EINVAL. */
TEST_F(flags, hugetlb_growsdown)
{
	for (int ref = 0; ref < 2; ref++) {
		EXPECT_EQ(MAP_FAILED,
			  map_at(NULL, self->len, variant->type | MAP_HUGETLB,
				 self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
		EXPECT_EQ(MAP_FAILED,
			  map_at(NULL, self->len, variant->type | MAP_GROWSDOWN,
				 self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
	}
}

/* MAP_STACK: accepted; since 6.7 it also means "no huge pages" (nh). */
TEST_F(flags, stack)
{
	bool nh = kernel_at_least(6, 7) &&
		  access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;

	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_STACK,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p) WHO;
		EXPECT_EQ(nh, vmflag(p, "nh")) WHO;
		munmap(p, self->len);
	}
}

/* MAP_32BIT: placed in the first 2 GiB. */
TEST_F(flags, map_32bit)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_32BIT,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p) WHO;
		EXPECT_GE(0x80000000UL, (unsigned long)(p + self->len)) WHO;
		EXPECT_EQ(0, p[0]) WHO;
		munmap(p, self->len);
	}
}

/* MAP_UNINITIALIZED only exists without an MMU: no effect, still zeroes. */
TEST_F(flags, uninitialized)
{
	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->len,
					  variant->type | MAP_UNINITIALIZED,
					  self->fd[ref], 0);

		ASSERT_NE(MAP_FAILED, p) WHO;
		EXPECT_TRUE(all_bytes(p, self->len, 0)) WHO;
		munmap(p, self->len);
	}
}

/* A mapping type is required; an unknown one is EINVAL. */
TEST_F(flags, type_required)
{
	for (int ref = 0; ref < 2; ref++) {
		EXPECT_EQ(MAP_FAILED,
			  map_at(NULL, self->len, 0, self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
		EXPECT_EQ(MAP_FAILED,
			  map_at(NULL, self->len, 0x0b, self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
	}
}

/*
 * MAP_ANONYMOUS ignores the fd: the mapping is plain anonymous memory and
 * the driver's mmap is never called (its counters do not move).
 */
TEST_F(flags, anonymous_ignores_fd)
{
	struct mmapdemo_info a, b;
	unsigned char *p;
	char path[64];

	ASSERT_EQ(0, md_info(self->fd[0], &a));
	p = map_at(NULL, self->len, variant->type | MAP_ANONYMOUS, self->fd[0],
		   0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, md_info(self->fd[0], &b));
	EXPECT_EQ(a.nr_mappings, b.nr_mappings);
	EXPECT_EQ(a.read_faults + a.write_faults + a.cow_faults,
		  b.read_faults + b.write_faults + b.cow_faults);
	EXPECT_FALSE(smaps_field(p, "mmapdemo", path, sizeof(path)));
	munmap(p, self->len);
}

/* Geometry: lengths and offsets the core refuses, and what it lets past. */
TEST_F(flags, bad_lengths)
{
	for (int ref = 0; ref < 2; ref++) {
		EXPECT_EQ(MAP_FAILED,
			  map_at(NULL, 0, variant->type, self->fd[ref], 0))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
		/* Rounding up to a page wraps around. */
		EXPECT_EQ(MAP_FAILED, map_at(NULL, (size_t)-4096, variant->type,
					     self->fd[ref], 0))
		WHO;
		EXPECT_EQ(ENOMEM, errno) WHO;
		/* More than the address space has. */
		EXPECT_EQ(MAP_FAILED, map_at(NULL, 1UL << 48, variant->type,
					     self->fd[ref], 0))
		WHO;
		EXPECT_EQ(ENOMEM, errno) WHO;
	}
}

TEST_F(flags, bad_offsets)
{
	for (int ref = 0; ref < 2; ref++) {
		EXPECT_EQ(MAP_FAILED, map_at(NULL, self->len, variant->type,
					     self->fd[ref], 1))
		WHO;
		EXPECT_EQ(EINVAL, errno) WHO;
		/* offset + length beyond what the file can address */
		EXPECT_EQ(MAP_FAILED, map_at(NULL, self->len, variant->type,
					     self->fd[ref], -4096))
		WHO;
		EXPECT_EQ(EOVERFLOW, errno) WHO;
	}
}

/*
 * An offset just below 2^63: beyond the largest regular file, so a file
 * (memfd, and /dev/mmapdemo with it) refuses with EOVERFLOW; /dev/zero has
 * no size and accepts it, and so does the anonymous-style device.
 */
TEST_F(flags, offset_beyond_largest_file)
{
	off_t off = (off_t)(~0ULL >> 1) - (off_t)(self->ps - 1);

	for (int ref = 0; ref < 2; ref++) {
		unsigned char *p = map_at(NULL, self->ps, variant->type,
					  self->fd[ref], off);

		if (variant->kind == KIND_FILE) {
			EXPECT_EQ(MAP_FAILED, p) WHO;
			EXPECT_EQ(EOVERFLOW, errno) WHO;
			continue;
		}
		ASSERT_NE(MAP_FAILED, p) WHO;
		/* Beyond a shared object's end: SIGBUS (see anon_test). */
		EXPECT_EQ(variant->type == MAP_SHARED ? SIGBUS : 0, peek(p).sig)
		WHO;
		munmap(p, self->ps);
	}
}

/*
 * Offsets beyond the size (and, for the device, beyond max_size): mmap()
 * succeeds, as for any file; touching the pages gets SIGBUS.  Anonymous
 * shared memory ends at its object's size; private memory has no end.
 */
TEST_F(flags, offset_beyond_size)
{
	struct mmapdemo_info info;
	off_t offs[2] = { 2 * NPAGES * self->ps, 0 };

	ASSERT_EQ(0, md_info(self->fd[0], &info));
	offs[1] = variant->kind == KIND_FILE ? (off_t)info.max_size : 1 << 30;
	for (int i = 0; i < 2; i++) {
		for (int ref = 0; ref < 2; ref++) {
			unsigned char *p = map_at(NULL, self->len,
						  variant->type, self->fd[ref],
						  offs[i]);
			struct touch r;

			ASSERT_NE(MAP_FAILED, p) WHO;
			r = poke(p, 1);
			if (variant->kind == KIND_FILE ||
			    variant->type == MAP_SHARED) {
				EXPECT_EQ(SIGBUS, r.sig) WHO;
				EXPECT_EQ(BUS_ADRERR, r.code) WHO;
			} else {
				EXPECT_EQ(0, r.sig) WHO;
			}
			munmap(p, self->len);
		}
	}
}

TEST_HARNESS_MAIN
