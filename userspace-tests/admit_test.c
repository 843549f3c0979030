// SPDX-License-Identifier: GPL-2.0
/*
 * Who may map the devices, and how: device x open mode x prot x mapping
 * type, with the exact errno, the maps permission bits, the VM flags the
 * core derives (smaps VmFlags), which mprotect() upgrades are refused, and
 * that PROT_EXEC mappings run code.  Each case also runs on the reference
 * (a memfd for /dev/mmapdemo, /dev/zero for /dev/mmapdemo-anon), opened the
 * same way, which must agree: the core decides all of this before and after
 * the driver's ->mmap().
 */
#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 4

/* x86-64: mov $42, %eax; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

FIXTURE(admit)
{
	int fd[2]; /* [0] the device, [1] its reference */
	bool noexec[2]; /* on a noexec mount: PROT_EXEC refused */
	size_t ps;
};

FIXTURE_VARIANT(admit)
{
	enum kind kind;
	int oflags;
	int prot;
	int type;
};

#define ADMIT(kname, k, oname, o, pname, p, tname, t)                   \
	FIXTURE_VARIANT_ADD(admit, kname##_##oname##_##pname##_##tname) \
	{                                                               \
		.kind = (k), .oflags = (o), .prot = (p), .type = (t),   \
	}

#define ADMIT_PROTS(kname, k, oname, o, tname, t)                          \
	ADMIT(kname, k, oname, o, none, PROT_NONE, tname, t);              \
	ADMIT(kname, k, oname, o, r, PROT_READ, tname, t);                 \
	ADMIT(kname, k, oname, o, w, PROT_WRITE, tname, t);                \
	ADMIT(kname, k, oname, o, rw, PROT_READ | PROT_WRITE, tname, t);   \
	ADMIT(kname, k, oname, o, rx, PROT_READ | PROT_EXEC, tname, t);    \
	ADMIT(kname, k, oname, o, rwx, PROT_READ | PROT_WRITE | PROT_EXEC, \
	      tname, t)

#define ADMIT_TYPES(kname, k, oname, o)                                 \
	ADMIT_PROTS(kname, k, oname, o, shared, MAP_SHARED);            \
	ADMIT_PROTS(kname, k, oname, o, validate, MAP_SHARED_VALIDATE); \
	ADMIT_PROTS(kname, k, oname, o, private, MAP_PRIVATE)

#define ADMIT_MODES(kname, k)                    \
	ADMIT_TYPES(kname, k, rdonly, O_RDONLY); \
	ADMIT_TYPES(kname, k, wronly, O_WRONLY); \
	ADMIT_TYPES(kname, k, rdwr, O_RDWR)

ADMIT_MODES(file, KIND_FILE);
ADMIT_MODES(anon, KIND_ANON);

FIXTURE_SETUP(admit)
{
	self->ps = page_size();
	for (int ref = 0; ref < 2; ref++) {
		int rw = kind_open(variant->kind, ref, O_RDWR,
				   NPAGES * self->ps);

		if (rw < 0 && errno == ENOENT && !ref)
			SKIP(return, "%s: no such device (module not loaded)",
				   kind_path(variant->kind, ref));
		ASSERT_LE(0, rw);
		/* The file's page 1 holds code, for the PROT_EXEC cases. */
		if (variant->kind == KIND_FILE)
			ASSERT_EQ((ssize_t)sizeof(code),
				  pwrite(rw, code, sizeof(code), self->ps));
		self->fd[ref] = reopen(rw, variant->oflags);
		ASSERT_LE(0, self->fd[ref]);
		close(rw);
		self->noexec[ref] =
			variant->kind == KIND_ANON || !ref ?
				path_noexec(kind_path(variant->kind, ref)) :
				false;
	}
}

FIXTURE_TEARDOWN(admit)
{
	close(self->fd[0]);
	close(self->fd[1]);
}

/*
 * The core's rules, in its order (mm/mmap.c, do_mmap()): a shared writable
 * mapping needs an fd open for writing; every mapping needs one open for
 * reading; PROT_EXEC is refused on a noexec mount.
 */
static int expected_errno(const FIXTURE_VARIANT(admit) * v, bool noexec)
{
	bool shared = v->type != MAP_PRIVATE;

	if (shared && (v->prot & PROT_WRITE) && v->oflags == O_RDONLY)
		return EACCES;
	if (v->oflags == O_WRONLY)
		return EACCES;
	if ((v->prot & PROT_EXEC) && noexec)
		return EPERM;
	return 0;
}

static void expected_perms(const FIXTURE_VARIANT(admit) * v, char perms[5])
{
	perms[0] = v->prot & PROT_READ ? 'r' : '-';
	perms[1] = v->prot & PROT_WRITE ? 'w' : '-';
	perms[2] = v->prot & PROT_EXEC ? 'x' : '-';
	perms[3] = v->type == MAP_PRIVATE ? 'p' : 's';
	perms[4] = '\0';
}

/*
 * mmap() gives the expected errno, or a mapping with the expected maps
 * permissions and VM flags.  A shared mapping of a read-only fd loses
 * VM_SHARED and VM_MAYWRITE (so mprotect() cannot make it writable) but
 * keeps VM_MAYSHARE (the "s" in maps); a noexec mount clears VM_MAYEXEC.
 */
TEST_F(admit, mmap)
{
	size_t len = NPAGES * self->ps;
	bool shared = variant->type != MAP_PRIVATE;

	for (int ref = 0; ref < 2; ref++) {
		const char *who = kind_path(variant->kind, ref);
		int err = expected_errno(variant, self->noexec[ref]);
		bool rdonly = variant->oflags == O_RDONLY;
		char want[5], got[5] = "";
		unsigned char *p;
		int ret;

		p = mmap(NULL, len, variant->prot, variant->type, self->fd[ref],
			 0);
		if (err) {
			EXPECT_EQ(MAP_FAILED, p) TH_LOG("%s", who);
			EXPECT_EQ(err, errno) TH_LOG("%s", who);
			continue;
		}
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", who, strerror(errno));
		expected_perms(variant, want);
		ASSERT_TRUE(maps_perms(p, got));
		EXPECT_STREQ(want, got) TH_LOG("%s", who);

		EXPECT_EQ(!!(variant->prot & PROT_READ), vmflag(p, "rd"));
		EXPECT_EQ(!!(variant->prot & PROT_WRITE), vmflag(p, "wr"));
		EXPECT_EQ(!!(variant->prot & PROT_EXEC), vmflag(p, "ex"));
		EXPECT_TRUE(vmflag(p, "mr"));
		EXPECT_EQ(!(shared && rdonly), vmflag(p, "mw"))
		TH_LOG("%s", who);
		EXPECT_EQ(!self->noexec[ref], vmflag(p, "me"))
		TH_LOG("%s", who);
		EXPECT_EQ(shared, vmflag(p, "ms")) TH_LOG("%s", who);
		EXPECT_EQ(shared && !rdonly, vmflag(p, "sh")) TH_LOG("%s", who);

		/* Code stored by write() (file) or by a store (RWX) runs. */
		if ((variant->prot & PROT_EXEC) &&
		    (variant->kind == KIND_FILE ||
		     (variant->prot & PROT_WRITE))) {
			int (*fn)(void) = (int (*)(void))(p + self->ps);

			if (variant->kind == KIND_ANON)
				memcpy(p + self->ps, code, sizeof(code));
			EXPECT_EQ(42, fn()) TH_LOG("%s", who);
		}

		ret = mprotect(p, len, PROT_READ | PROT_WRITE);
		if (shared && rdonly) {
			EXPECT_EQ(-1, ret) TH_LOG("%s", who);
			EXPECT_EQ(EACCES, errno);
			EXPECT_EQ(SIGSEGV, poke(p, 7).sig);
			EXPECT_EQ(SEGV_ACCERR, poke(p, 7).code);
		} else {
			EXPECT_EQ(0, ret) TH_LOG("%s", who);
			EXPECT_EQ(0, poke(p + 2 * self->ps, 7).sig);
		}
		ret = mprotect(p, len, PROT_READ | PROT_EXEC);
		if (self->noexec[ref]) {
			EXPECT_EQ(-1, ret) TH_LOG("%s", who);
			EXPECT_EQ(EACCES, errno);
		} else {
			EXPECT_EQ(0, ret) TH_LOG("%s", who);
		}
		munmap(p, len);
	}
}

TEST_HARNESS_MAIN
