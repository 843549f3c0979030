// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input: random ioctl numbers and arguments, bad pointers, huge and
 * negative sizes and offsets on every entry point (read, write, lseek,
 * ioctl, mmap, mremap, madvise), a bounded number of calls per run, on both
 * devices.  Each call must get what a file would give: the same call goes to
 * the reference (a memfd for /dev/mmapdemo, /dev/zero for the other), which
 * must return the same value and errno.  The ioctls, which the references
 * lack, are checked against the uapi's rules.  The kernel log and the leak
 * checks at the end of the suite catch the rest.
 *
 * MMAPDEMO_CALLS sets the number of calls per device (default 500, 3000 in
 * a long run: MMAPDEMO_LONG) and MMAPDEMO_SEED the seed, which each test
 * prints first; a failure prints the command that replays it.
 */
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define FILE_SIZE (64UL << 10)
#define SCRATCH (64UL << 20) /* where MAP_FIXED and mremap may go */
#define NSLOTS 4

static unsigned long calls;
static uint64_t seed, rng;

/*
 * Before the harness forks the tests: one seed and one number of calls for
 * both, each test drawing from its own copy of the generator.
 */
static void __attribute__((constructor)) hostile_init(void)
{
	const char *s = getenv("MMAPDEMO_CALLS");

	seed = test_seed();
	rng = seed;
	calls = s ? strtoul(s, NULL, 0) : long_run() ? 3000 : 500;
}

static uint64_t rnd(void)
{
	return xorshift64s(&rng);
}

#define PICK(a) ((a)[rnd() % (sizeof(a) / sizeof((a)[0]))])

/* A mapping of the device and the same mapping of the reference. */
struct slot {
	unsigned char *p[2];
	size_t len;
};

FIXTURE(hostile)
{
	int fd[2]; /* the device and its reference, O_RDWR */
	size_t ps;
	unsigned char *buf; /* 2 pages, then a PROT_NONE guard page */
	unsigned char *rdonly; /* a read-only page */
	unsigned char *scratch; /* reserved, PROT_NONE */
	struct slot slot[NSLOTS];
	uint64_t max_size; /* the file device's */
};

FIXTURE_VARIANT(hostile)
{
	enum kind kind;
};

/* The harness declares variants with macros clang-format misreads. */
/* clang-format off */
FIXTURE_VARIANT_ADD(hostile, file)
{
	.kind = KIND_FILE,
};

FIXTURE_VARIANT_ADD(hostile, anon)
{
	.kind = KIND_ANON,
};
/* clang-format on */

FIXTURE_SETUP(hostile)
{
	unsigned char *m;

	ksft_print_msg("seed %llu\n", (unsigned long long)seed);
	self->ps = page_size();
	for (int ref = 0; ref < 2; ref++) {
		self->fd[ref] =
			kind_open(variant->kind, ref, O_RDWR, FILE_SIZE);
		if (self->fd[ref] < 0 && errno == ENOENT && !ref)
			SKIP(return, "%s: no such device (module not loaded)",
				   kind_path(variant->kind, ref));
		ASSERT_LE(0, self->fd[ref]);
	}
	/* Both files hold the same bytes, every page written (no holes). */
	if (variant->kind == KIND_FILE) {
		unsigned char page[4096];

		for (size_t off = 0; off < FILE_SIZE; off += sizeof(page)) {
			memset(page, (int)(off >> 12) + 1, sizeof(page));
			for (int ref = 0; ref < 2; ref++)
				ASSERT_EQ((ssize_t)sizeof(page),
					  pwrite(self->fd[ref], page,
						 sizeof(page), off));
		}
	}
	m = mmap(NULL, 4 * self->ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	self->buf = m;
	ASSERT_EQ(0, mprotect(m + 2 * self->ps, self->ps, PROT_NONE));
	self->rdonly = m + 3 * self->ps;
	ASSERT_EQ(0, mprotect(self->rdonly, self->ps, PROT_READ));
	self->scratch = mmap(NULL, SCRATCH, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			     0);
	ASSERT_NE(MAP_FAILED, self->scratch);
	if (variant->kind == KIND_FILE) {
		struct mmapdemo_info info;

		ASSERT_EQ(0, md_info(self->fd[0], &info));
		self->max_size = info.max_size;
	}
	TH_LOG("replay: MMAPDEMO_SEED=%llu MMAPDEMO_CALLS=%lu %s -r hostile.%s.random_calls",
	       (unsigned long long)seed, calls, program_invocation_short_name,
	       variant->kind == KIND_FILE ? "file" : "anon");
}

FIXTURE_TEARDOWN(hostile)
{
	close(self->fd[0]);
	close(self->fd[1]);
}

/* Does [@p, @p + @len) lie within [@base, @base + @size)? */
static bool in(const unsigned char *base, size_t size, const unsigned char *p,
	       size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	return a >= b && len <= size && a - b <= size - len;
}

/* A pointer a hostile caller might pass for a buffer. */
static void *bad_buffer(FIXTURE_DATA(hostile) * self)
{
	switch (rnd() % 8) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:
		return (void *)0xffffffff81000000UL; /* the kernel's text */
	case 3:
		return (void *)0x8000000000000000UL; /* non-canonical */
	case 4:
		return self->buf + 2 * self->ps; /* the guard page */
	case 5:
		return self->rdonly;
	case 6: /* runs into the guard page */
		return self->buf + 2 * self->ps - (rnd() % self->ps);
	default:
		return self->buf + rnd() % self->ps;
	}
}

static size_t bad_count(void)
{
	static const size_t counts[] = {
		0,    1,     100,	4095,	   4096,     4097,
		8192, 65536, 1UL << 30, 1UL << 40, SIZE_MAX, SIZE_MAX >> 1,
	};

	return rnd() % 4 ? PICK(counts) : rnd() % 20000;
}

static off_t bad_offset(void)
{
	static const off_t offs[] = {
		0,
		1,
		4095,
		4096,
		FILE_SIZE - 1,
		FILE_SIZE,
		FILE_SIZE + 1,
		1L << 30,
		1L << 40,
		(off_t)(~0ULL >> 1),
		-1,
		-4096,
		(off_t)(1ULL << 63),
	};

	return rnd() % 4 ? PICK(offs) : (off_t)(rnd() % (2 * FILE_SIZE));
}

/* The outcome of one call: its return value, and errno when it failed. */
struct outcome {
	long ret;
	int err;
};

#define OUTCOME(call)                                           \
	({                                                      \
		long __r = (long)(call);                        \
		(struct outcome){ __r, __r == -1 ? errno : 0 }; \
	})

/*
 * Run one random call on both sides; compare.  Returns false on a mismatch,
 * after logging both outcomes.
 */
static bool compare(struct __test_metadata *_metadata, const char *what,
		    struct outcome dev, struct outcome ref)
{
	if (dev.ret == ref.ret && dev.err == ref.err)
		return true;
	TH_LOG("%s: device %ld (%s), reference %ld (%s)", what, dev.ret,
	       strerror(dev.err), ref.ret, strerror(ref.err));
	return false;
}

static bool rw_call(struct __test_metadata *_metadata,
		    FIXTURE_DATA(hostile) * self, bool file)
{
	void *b = bad_buffer(self);
	size_t n = bad_count();
	off_t off = bad_offset();
	struct outcome o[2];
	char what[128];
	int op = rnd() % 4;

	/*
	 * Writes go only below the device's max_size, where it is a file like
	 * the memfd (beyond, it gives EFBIG, as the dev fixture of file_test
	 * checks), and not so far that the memfd would fill the memory.
	 */
	if (file && op >= 2 && (off >= (off_t)(1UL << 20) || n > (1UL << 20)))
		off %= 1 << 20;
	if (file && op == 2 && lseek(self->fd[0], 0, SEEK_CUR) >= 1L << 20) {
		lseek(self->fd[0], 0, SEEK_SET);
		lseek(self->fd[1], 0, SEEK_SET);
	}
	for (int ref = 0; ref < 2; ref++) {
		switch (op) {
		case 0:
			o[ref] = OUTCOME(read(self->fd[ref], b, n));
			break;
		case 1:
			o[ref] = OUTCOME(pread(self->fd[ref], b, n, off));
			break;
		case 2:
			o[ref] = OUTCOME(write(self->fd[ref], b, n));
			break;
		default:
			o[ref] = OUTCOME(pwrite(self->fd[ref], b, n, off));
			break;
		}
	}
	snprintf(what, sizeof(what), "%s(%p, %zu, %lld)",
		 (const char *[]){ "read", "pread", "write", "pwrite" }[op], b,
		 n, (long long)off);
	return compare(_metadata, what, o[0], o[1]);
}

static bool lseek_call(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hostile) * self, bool file)
{
	off_t off = bad_offset();
	int whence = rnd() % 6; /* SEEK_SET .. SEEK_HOLE, and one more */
	struct outcome o[2];
	char what[64];

	for (int ref = 0; ref < 2; ref++)
		o[ref] = OUTCOME(lseek(self->fd[ref], off, whence));
	snprintf(what, sizeof(what), "lseek(%lld, %d)", (long long)off, whence);
	/*
	 * SEEK_DATA and SEEK_HOLE: a memfd reports the holes that writes past
	 * its end left; the device has none, as every page below its size
	 * exists (docs/differential.md).  Check the device against that.
	 */
	if (file && (whence == SEEK_DATA || whence == SEEK_HOLE)) {
		off_t size = lseek(self->fd[0], 0, SEEK_END);
		struct outcome want = { -1, ENXIO };

		if (off >= 0 && off < size)
			want = (struct outcome){ whence == SEEK_DATA ? off :
								       size,
						 0 };
		/* The two positions now differ: start both over. */
		lseek(self->fd[0], 0, SEEK_SET);
		lseek(self->fd[1], 0, SEEK_SET);
		return compare(_metadata, what, o[0], want);
	}
	return compare(_metadata, what, o[0], o[1]);
}

/*
 * Random ioctls.  The rules: an unknown command is ENOTTY; GET_INFO writes
 * its struct or gives EFAULT; SET_SIZE (file device only) reads a __u64 or
 * gives EFAULT, and refuses a size beyond max_size with EFBIG.
 */
static bool ioctl_call(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hostile) * self, bool file)
{
	struct mmapdemo_info *info = (void *)self->buf;
	unsigned long cmds[] = {
		MMAPDEMO_IOC_GET_INFO,
		MMAPDEMO_IOC_SET_SIZE,
		_IOC(rnd() % 4, MMAPDEMO_IOC_MAGIC, rnd() % 4, rnd() % 512),
		(unsigned int)rnd(),
		rnd(),
	};
	unsigned long cmd = PICK(cmds);
	unsigned char *arg = rnd() % 2 ? bad_buffer(self) : (void *)rnd();
	struct outcome o;
	int want;

	if (cmd == MMAPDEMO_IOC_GET_INFO && rnd() % 2)
		arg = (unsigned char *)info;
	/* A sensible size argument, sometimes. */
	if (cmd == MMAPDEMO_IOC_SET_SIZE && rnd() % 2) {
		static const uint64_t sizes[] = { 0,	      1,
						  FILE_SIZE,  FILE_SIZE + 4097,
						  1ULL << 40, UINT64_MAX };

		arg = self->buf;
		*(uint64_t *)arg = PICK(sizes);
	}
	o = OUTCOME(ioctl(self->fd[0], cmd, arg));

	if (cmd == MMAPDEMO_IOC_GET_INFO)
		want = in(self->buf, 2 * self->ps, arg, sizeof(*info)) ? 0 :
									 EFAULT;
	else if (cmd == MMAPDEMO_IOC_SET_SIZE && file)
		want = !in(self->buf, 2 * self->ps, arg, 8) &&
				       !in(self->rdonly, self->ps, arg, 8) ?
			       EFAULT :
		       *(uint64_t *)arg > self->max_size ? EFBIG :
							   0;
	else
		want = ENOTTY;
	if (o.err != want)
		TH_LOG("ioctl(%#lx, %p): %ld (%s), expected %s", cmd, arg,
		       o.ret, strerror(o.err), strerror(want));
	/* Keep both files the same size and the same contents. */
	if (file && cmd == MMAPDEMO_IOC_SET_SIZE && !o.ret &&
	    !md_info(self->fd[0], info)) {
		ftruncate(self->fd[1], 0);
		ftruncate(self->fd[1], (off_t)info->size);
	}
	return o.err == want;
}

/*
 * mmap() with random arguments on both sides, MAP_FIXED only into the
 * scratch area.  Successful mappings are kept in a slot (replacing the
 * slot's old ones) for mremap() and madvise().
 */
static bool mmap_call(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hostile) * self, bool anon)
{
	static const size_t lens[] = {
		0, 1, 4096, 8192, 65536, 1UL << 30, 1UL << 47, SIZE_MAX - 4095
	};
	static const int bits[] = {
		MAP_SHARED,
		MAP_PRIVATE,
		MAP_SHARED_VALIDATE,
		MAP_FIXED,
		MAP_FIXED_NOREPLACE,
		MAP_NORESERVE,
		MAP_POPULATE,
		MAP_NONBLOCK,
		MAP_LOCKED,
		MAP_HUGETLB,
		MAP_GROWSDOWN,
		MAP_STACK,
		MAP_ANONYMOUS,
		0x80000 /* MAP_SYNC */,
		1 << 10,
		1 << 26,
	}; /* not MAP_32BIT: both sides share its 1 GiB window */
	size_t len = rnd() % 3 ? (rnd() % 16 + 1) * self->ps : PICK(lens);
	int prot = rnd() % 3 ? (int)(rnd() % 8) : (int)rnd();
	int flags = rnd() % 2 ? MAP_SHARED : MAP_PRIVATE;
	off_t off = rnd() % 2 ? 0 : bad_offset();
	struct slot *s = &self->slot[rnd() % NSLOTS];
	unsigned char *p[2];
	size_t misalign;
	char what[128];
	bool same;

	for (int i = rnd() % 4; i > 0; i--)
		flags |= PICK(bits);
	/* Do not populate, lock or validate huge mappings into the memory. */
	if (len > 64 * self->ps)
		flags &= ~(MAP_POPULATE | MAP_LOCKED);
	/*
	 * A huge shared /dev/zero mapping is charged to the commit limit and
	 * may fail with ENOMEM where ours only reserves address space: the
	 * one divergence here (docs/differential.md).
	 */
	if (anon && len >= (1UL << 30))
		flags = (flags & ~MAP_TYPE) | MAP_PRIVATE;

	/* MAP_FIXED only inside the scratch area, the same way on both. */
	if (len > SCRATCH / 2)
		flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
	misalign = rnd() % 2;
	for (int ref = 0; ref < 2; ref++) {
		void *addr = NULL;

		if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
			addr = self->scratch + (ref ? SCRATCH / 2 : 0) +
			       misalign;
		p[ref] = mmap(addr, len, prot, flags, self->fd[ref], off);
	}
	snprintf(what, sizeof(what), "mmap(%zu, %#x, %#x, %lld)", len, prot,
		 flags, (long long)off);
	same = (p[0] == MAP_FAILED) == (p[1] == MAP_FAILED);
	if (!same)
		TH_LOG("%s: device %s, reference %s", what,
		       p[0] == MAP_FAILED ? strerror(errno) : "mapped",
		       p[1] == MAP_FAILED ? "failed" : "mapped");
	for (int ref = 0; ref < 2; ref++) {
		if (s->p[ref])
			munmap(s->p[ref], s->len);
		s->p[ref] = p[ref] == MAP_FAILED ? NULL : p[ref];
	}
	s->len = len;
	/* Give the scratch area back its reservation. */
	mmap(self->scratch, SCRATCH, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	for (int ref = 0; ref < 2; ref++)
		if ((unsigned char *)s->p[ref] >= self->scratch &&
		    (unsigned char *)s->p[ref] < self->scratch + SCRATCH)
			s->p[ref] = NULL;
	if (!s->p[0] || !s->p[1]) {
		if (s->p[0])
			munmap(s->p[0], s->len);
		if (s->p[1])
			munmap(s->p[1], s->len);
		s->p[0] = s->p[1] = NULL;
	}
	return same;
}

/*
 * mremap() on a slot.  A shrink unmaps the tail [old + new_len, old +
 * old_len) before it looks at any VMA, so old_len never reaches past the
 * slot unless the call grows (then the core refuses with EFAULT).
 */
static bool mremap_call(struct __test_metadata *_metadata,
			FIXTURE_DATA(hostile) * self)
{
	static const size_t lens[] = { 0, 1, 4096, 8192, 65536, 1UL << 40 };
	struct slot *s = &self->slot[rnd() % NSLOTS];
	size_t span = (s->len + self->ps - 1) / self->ps * self->ps;
	size_t off, old_len, new_len;
	int flags = (int)(rnd() % 8); /* MAYMOVE, FIXED, DONTUNMAP */
	struct outcome o[2];
	bool placed[2];
	char what[128];
	void *q[2];

	if (!s->p[0] || !span)
		return true;
	off = (rnd() % (span / self->ps)) * self->ps + (rnd() % 16 ? 0 : 1);
	old_len = rnd() % 2 ? span - (off & ~(self->ps - 1)) : PICK(lens);
	new_len = rnd() % 2 ? (rnd() % 16) * self->ps : PICK(lens);
	if (rnd() % 8 == 0)
		flags = (int)rnd();
	/*
	 * MREMAP_FIXED unmaps its target first: only ever the scratch area.
	 * And an old range that runs past the slot may reach the scratch area
	 * on one side only; the core then finds an overlap (EINVAL) before
	 * the bad length (EFAULT): that is placement, not the device.
	 */
	if (new_len > SCRATCH / 2)
		flags &= ~MREMAP_FIXED;
	if (old_len > span - (off & ~(self->ps - 1))) {
		if (new_len < old_len)
			new_len = old_len + self->ps;
		flags &= ~MREMAP_FIXED;
	}
	/*
	 * Past the slot, the result depends on what the kernel placed next to
	 * it: a MAP_ANONYMOUS or private /dev/zero mapping merges with an
	 * anonymous neighbour (ENOMEM, or success), ours does not (EFAULT);
	 * and with MREMAP_DONTUNMAP the core checks for an overlap with the
	 * target (EINVAL), which may lie just past the slot on one side only.
	 */
	for (int ref = 0; ref < 2; ref++) {
		unsigned long a = (unsigned long)s->p[ref] + off;
		unsigned long to = (unsigned long)self->scratch, end = 0;

		to += ref ? SCRATCH / 2 : 0;
		maps_line((void *)a, NULL, &end, NULL, NULL);
		placed[ref] = end > (unsigned long)s->p[ref] + span;
		if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) &&
		    a + old_len > to && to + new_len > a)
			placed[ref] = true;
	}
	for (int ref = 0; ref < 2; ref++) {
		void *to = self->scratch + (ref ? SCRATCH / 2 : 0);

		q[ref] = mremap(s->p[ref] + off, old_len, new_len, flags, to);
		o[ref] = (struct outcome){ q[ref] == MAP_FAILED ? -1 : 0,
					   q[ref] == MAP_FAILED ? errno : 0 };
	}
	snprintf(what, sizeof(what), "mremap(+%zu, %zu, %zu, %#x)", off,
		 old_len, new_len, flags);
	/*
	 * Whatever moved or was left, start the slot over.  A mapping that
	 * stayed in place goes with the slot: mremap() returns the old address
	 * without any check when the lengths are equal, so new_len may be
	 * nonsense there.
	 */
	for (int ref = 0; ref < 2; ref++) {
		if (q[ref] != MAP_FAILED && q[ref] != s->p[ref] + off &&
		    new_len)
			munmap(q[ref], new_len);
		munmap(s->p[ref], span);
		s->p[ref] = NULL;
	}
	mmap(self->scratch, SCRATCH, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	/*
	 * Growing in place succeeds only if the addresses after the mapping
	 * are free, which depends on where each side was placed: there,
	 * success and ENOMEM are both right.
	 */
	if (placed[0] != placed[1])
		return true;
	if (!(flags & MREMAP_MAYMOVE) && new_len > old_len &&
	    (!o[0].ret || o[0].err == ENOMEM) &&
	    (!o[1].ret || o[1].err == ENOMEM))
		return true;
	return compare(_metadata, what, o[0], o[1]);
}

static bool madvise_call(struct __test_metadata *_metadata,
			 FIXTURE_DATA(hostile) * self, bool anon)
{
	struct slot *s = &self->slot[rnd() % NSLOTS];
	size_t span = (s->len + self->ps - 1) / self->ps * self->ps;
	size_t off = span ? (rnd() % (span / self->ps)) * self->ps +
				     (rnd() % 8 ? 0 : 1) :
			    0;
	/*
	 * Advice applies to every mapping in the range, even when it then
	 * fails on a hole: keep it to the slot, or so large that it wraps.
	 */
	size_t len = rnd() % 4 ? (rnd() % 8) * self->ps :
				 SIZE_MAX - rnd() % 8192;
	int advice = rnd() % 4 ? (int)(rnd() % 30) : (int)rnd();
	struct outcome o[2];
	char what[64];
	bool shared;

	if (!s->p[0])
		return true;
	if (off + len > span && len < SIZE_MAX / 2)
		len = span - off;
	/*
	 * Not these: MADV_HWPOISON and MADV_SOFT_OFFLINE (root only) damage
	 * the memory on purpose, as a test of memory-failure handling.
	 */
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		advice = MADV_NORMAL;
	for (int ref = 0; ref < 2; ref++)
		o[ref] = OUTCOME(madvise(s->p[ref] + off, len, advice));
	snprintf(what, sizeof(what), "madvise(+%zu, %zu, %d)", off, len,
		 advice);
	/*
	 * The documented divergences (docs/differential.md): a char device
	 * cannot punch holes (MADV_REMOVE: ENODEV where the references
	 * succeed), nor be collapsed into huge pages (MADV_COLLAPSE: EINVAL
	 * where a memfd's is, from 7.x on; file_thp_enabled() takes regular
	 * files only), and our private anonymous-style mapping is not truly
	 * anonymous (MADV_FREE: EINVAL where /dev/zero's succeeds).
	 */
	shared = vmflag(s->p[0], "ms");
	if (advice == MADV_REMOVE && o[0].err == ENODEV && o[1].ret == 0)
		return true;
	if (advice == MADV_COLLAPSE && o[0].err == EINVAL && o[1].ret == 0)
		return true;
	if (advice == MADV_FREE && anon && !shared && o[0].err == EINVAL &&
	    o[1].ret == 0)
		return true;
	return compare(_metadata, what, o[0], o[1]);
}

TEST_F_TIMEOUT(hostile, random_calls, 600)
{
	bool file = variant->kind == KIND_FILE;
	unsigned long n, bad = 0;

	for (n = 0; n < calls; n++) {
		bool ok;

		/* The test's own memory must survive every call. */
		ASSERT_EQ(0, msync(self->buf, 4 * self->ps, MS_ASYNC))
		TH_LOG("call %lu changed the test's own mappings", n);
		switch (rnd() % 7) {
		case 0:
		case 1:
			ok = rw_call(_metadata, self, file);
			break;
		case 2:
			ok = lseek_call(_metadata, self, file);
			break;
		case 3:
			ok = ioctl_call(_metadata, self, file);
			break;
		case 4:
			ok = mmap_call(_metadata, self, !file);
			break;
		case 5:
			ok = mremap_call(_metadata, self);
			break;
		default:
			ok = madvise_call(_metadata, self, !file);
			break;
		}
		if (!ok && ++bad >= 10)
			break;
	}
	TH_LOG("%lu calls, %lu mismatches", n, bad);
	EXPECT_EQ(0UL, bad);
}

TEST_HARNESS_MAIN
