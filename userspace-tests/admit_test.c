// SPDX-License-Identifier: GPL-2.0
/*
 * Who may map /dev/mmapdemo, and how: open mode x prot x mapping type, with
 * the exact errno, the maps permission bits, and which mprotect() upgrades
 * are refused.  Each case also runs on a memfd opened the same way, which
 * must agree: the core, not the driver, decides these.
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 4

FIXTURE(admit)
{
	int fd;		/* the device, opened as the variant says */
	int ref;	/* a memfd, opened the same way */
	size_t ps;
};

FIXTURE_VARIANT(admit)
{
	int oflags;
	int prot;
	int mflags;
	int err;	/* expected mmap() errno, 0 for success */
};

/* Expected errno: every mapping needs read access; shared writes need write. */
#define ADMIT_ERR(o, p, t) \
	((o) == O_WRONLY ? EACCES : \
	 (o) == O_RDONLY && (t) != MAP_PRIVATE && ((p) & PROT_WRITE) ? EACCES : 0)

#define ADMIT(oname, o, pname, p, tname, t)				\
	FIXTURE_VARIANT_ADD(admit, oname##_##pname##_##tname)		\
	{								\
		.oflags = (o), .prot = (p), .mflags = (t),		\
		.err = ADMIT_ERR(o, p, t),				\
	}

#define ADMIT_PROTS(oname, o, tname, t)					\
	ADMIT(oname, o, none, PROT_NONE, tname, t);			\
	ADMIT(oname, o, r, PROT_READ, tname, t);			\
	ADMIT(oname, o, w, PROT_WRITE, tname, t);			\
	ADMIT(oname, o, rw, PROT_READ | PROT_WRITE, tname, t)

#define ADMIT_TYPES(oname, o)						\
	ADMIT_PROTS(oname, o, shared, MAP_SHARED);			\
	ADMIT_PROTS(oname, o, validate, MAP_SHARED_VALIDATE);		\
	ADMIT_PROTS(oname, o, private, MAP_PRIVATE)

ADMIT_TYPES(rdonly, O_RDONLY);
ADMIT_TYPES(wronly, O_WRONLY);
ADMIT_TYPES(rdwr, O_RDWR);

FIXTURE_SETUP(admit)
{
	int rw;

	self->ps = page_size();
	rw = backend_open(BACKEND_MMAPDEMO, NPAGES * self->ps);
	if (rw < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, rw);
	self->fd = open(MD_PATH, variant->oflags | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	close(rw);

	rw = backend_open(BACKEND_MEMFD, NPAGES * self->ps);
	ASSERT_LE(0, rw);
	self->ref = reopen(rw, variant->oflags);
	ASSERT_LE(0, self->ref);
	close(rw);
}

FIXTURE_TEARDOWN(admit)
{
	close(self->fd);
	close(self->ref);
}

/* The expected "rwxs" column for a successful mapping. */
static void expected_perms(const FIXTURE_VARIANT(admit) *v, char perms[5])
{
	perms[0] = v->prot & PROT_READ ? 'r' : '-';
	perms[1] = v->prot & PROT_WRITE ? 'w' : '-';
	perms[2] = '-';
	perms[3] = v->mflags == MAP_PRIVATE ? 'p' : 's';
	perms[4] = '\0';
}

/*
 * mmap() gives the expected errno, or a mapping with the expected maps
 * permissions; mprotect() to read-write is then refused with EACCES exactly
 * where the mapping is shared and the fd read-only (mmap cleared
 * VM_MAYWRITE).
 */
TEST_F(admit, mmap)
{
	size_t len = NPAGES * self->ps;
	int fds[2] = { self->fd, self->ref };
	bool refused = variant->oflags == O_RDONLY &&
		       variant->mflags != MAP_PRIVATE;

	for (int i = 0; i < 2; i++) {
		char want[5], got[5] = "";
		unsigned char *p;
		int ret;

		p = mmap(NULL, len, variant->prot, variant->mflags, fds[i], 0);
		if (variant->err) {
			EXPECT_EQ(MAP_FAILED, p);
			EXPECT_EQ(variant->err, errno);
			continue;
		}
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", i ? "memfd" : MD_PATH,
						 strerror(errno));
		expected_perms(variant, want);
		ASSERT_TRUE(maps_perms(p, got));
		EXPECT_STREQ(want, got);

		ret = mprotect(p, len, PROT_READ | PROT_WRITE);
		if (refused) {
			EXPECT_EQ(-1, ret);
			EXPECT_EQ(EACCES, errno);
			EXPECT_EQ(SIGSEGV, poke(p, 7).sig);
		} else {
			EXPECT_EQ(0, ret);
			EXPECT_EQ(0, poke(p + self->ps, 7).sig);
		}
		munmap(p, len);
	}
}

/* Flags for this device only: none beyond the legacy set is supported. */
FIXTURE(flags)
{
	int fd;
	size_t ps;
};

FIXTURE_SETUP(flags)
{
	self->ps = page_size();
	self->fd = backend_open(BACKEND_MMAPDEMO, NPAGES * self->ps);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "%s: no such device (module not loaded)", MD_PATH);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(flags)
{
	close(self->fd);
}

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

/* MAP_SHARED_VALIDATE refuses what it cannot honour: MAP_SYNC, unknown bits. */
TEST_F(flags, validate_refuses_unsupported)
{
	size_t len = NPAGES * self->ps;
	int prot = PROT_READ | PROT_WRITE;
	void *p;

	p = mmap(NULL, len, prot, MAP_SHARED_VALIDATE | MAP_SYNC, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EOPNOTSUPP, errno);
	p = mmap(NULL, len, prot, MAP_SHARED_VALIDATE | (1 << 10), self->fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EOPNOTSUPP, errno);

	/* Plain MAP_SHARED ignores an unknown bit, as it always has. */
	p = mmap(NULL, len, prot, MAP_SHARED | (1 << 10), self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, len);
}

/* A mapping type is required; an unknown one is EINVAL. */
TEST_F(flags, type_required)
{
	size_t len = NPAGES * self->ps;

	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ, 0, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ, 0x0b, self->fd, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
