// SPDX-License-Identifier: GPL-2.0
/*
 * What the memory-management system calls do to each kind of mapping of the
 * mmapdemo devices: the "operations" part of the flag-combination matrix.
 *
 * One fixture, "ops", with a variant for each combination of
 *   kind       the file device /dev/mmapdemo, whose reference is a memfd of
 *              the same size, or the anonymous-style /dev/mmapdemo-anon,
 *              whose reference is /dev/zero;
 *   type       MAP_SHARED or MAP_PRIVATE;
 *   open mode  O_RDWR or O_RDONLY;
 *   populate   0 or MAP_POPULATE;
 * 16 variants, and one test per operation: munmap, mprotect, mremap, each
 * madvise advice, msync, mlock, mincore, fork, /proc/self/mem,
 * process_vm_readv/writev, pagemap and smaps.
 *
 * Each test runs its scenario twice, on the device and on its reference,
 * and checks both against the result that the rules below compute from the
 * variant: return value and errno, the signal and si_code of a faulting
 * access, the data, the permissions in /proc/self/maps and the VmFlags that
 * matter.  A failed check names the side it failed on.  Where the device
 * and its reference differ by design, the expectation says so, side by
 * side, with the reason.
 *
 * The rules every expectation starts from:
 *  - MAP_SHARED of an fd open O_RDONLY: do_mmap() clears VM_MAYWRITE and
 *    VM_SHARED and keeps VM_MAYSHARE.  The mapping shows 's' in maps, but
 *    can never be written: PROT_WRITE and a later mprotect() to writable
 *    get EACCES.  For the anonymous kind, mmap_zero() and the device both
 *    decide by VM_SHARED: such a mapping is served as a private one.
 *  - A MAP_PRIVATE mapping may be writable whatever the open mode: these
 *    tests map it PROT_READ | PROT_WRITE (and MAP_POPULATE then faults it
 *    in for writing: every page is copied at mmap() time).
 *  - Each page of a mapping is in one of four states (enum pstate): not
 *    mapped; a page of the file or of the shared object; the zero page,
 *    which every page of an anonymous-kind mapping without VM_SHARED maps
 *    until it is stored to; or the process's own anonymous copy.
 *
 * Where the device and its reference differ, by design (each is checked,
 * side by side, in the test named):
 *  - madv_remove: a shared writable mapping's hole is punched through
 *    vfs_fallocate(); memfd and /dev/zero's shmem object: 0; the character
 *    devices: ENODEV.
 *  - madv_free: /dev/zero's zero-backed VMA is anonymous: 0; the device's
 *    keeps its vm_ops: EINVAL.
 *  - mincore: after MADV_DONTNEED, /dev/zero's shared object (shmem) still
 *    holds its pages in a page cache; the anon device's object does not.
 *  - pagemap, smaps, mlock: the device's zero page is an ordinary page:
 *    PM_FILE, counted in Rss (and Pss, so Locked); the kernel's is neither.
 *  - mremap_move, mremap_alias, mremap_grow: the maps offset column of a
 *    moved zero-backed read-only VMA (see moved_offset()).
 */
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

#define NPAGES 4 /* the pages of a test's mapping */
#define FILE_PAGES 4 /* the file kind's file: exactly NPAGES */
#define BIG_PAGES 6 /* a mapping that runs 2 pages past the file */
#define WINDOW 65536 /* fault_around_bytes: see map() */

#define FILL(i) ('A' + (long)(i)) /* page i of the file holds */
#define STORED(i) ('a' + (long)(i)) /* prepare() stores to page i */

/* The faults a one-byte access can end in, as load() and store() say. */
#define SEGV_MAP (-(SIGSEGV * 100 + SEGV_MAPERR)) /* no VMA there */
#define SEGV_ACC (-(SIGSEGV * 100 + SEGV_ACCERR)) /* VMA forbids it */
#define BUS_ADR (-(SIGBUS * 100 + BUS_ADRERR)) /* no page there */
#define FAULT_ELSEWHERE (-9999) /* a signal for another address */
#define CHILD_FAILED (-9998) /* a fork child did not report */

#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))

static size_t ps; /* the page size */

/* One half of a test: the device, or its reference. */
struct side {
	const char *name; /* for failure messages */
	bool ref; /* the reference, not the device */
	int fd; /* open with the variant's mode: what is mapped */
	int rw; /* O_RDWR on the same file: pread, pwrite */
};

FIXTURE(ops)
{
	struct side side[2];
};

FIXTURE_VARIANT(ops)
{
	enum kind kind;
	int type; /* MAP_SHARED or MAP_PRIVATE */
	int oflags; /* O_RDWR or O_RDONLY */
	int populate; /* 0 or MAP_POPULATE */
};

/* The variant, as helper functions take it. */
typedef FIXTURE_VARIANT(ops) ops_variant;

#define OPS_VARIANT(name, k, t, o, p)                             \
	FIXTURE_VARIANT_ADD(ops, name)                            \
	{                                                         \
		.kind = k, .type = t, .oflags = o, .populate = p, \
	}

OPS_VARIANT(file_shared_rdwr, KIND_FILE, MAP_SHARED, O_RDWR, 0);
OPS_VARIANT(file_shared_rdwr_populate, KIND_FILE, MAP_SHARED, O_RDWR,
	    MAP_POPULATE);
OPS_VARIANT(file_shared_rdonly, KIND_FILE, MAP_SHARED, O_RDONLY, 0);
OPS_VARIANT(file_shared_rdonly_populate, KIND_FILE, MAP_SHARED, O_RDONLY,
	    MAP_POPULATE);
OPS_VARIANT(file_private_rdwr, KIND_FILE, MAP_PRIVATE, O_RDWR, 0);
OPS_VARIANT(file_private_rdwr_populate, KIND_FILE, MAP_PRIVATE, O_RDWR,
	    MAP_POPULATE);
OPS_VARIANT(file_private_rdonly, KIND_FILE, MAP_PRIVATE, O_RDONLY, 0);
OPS_VARIANT(file_private_rdonly_populate, KIND_FILE, MAP_PRIVATE, O_RDONLY,
	    MAP_POPULATE);
OPS_VARIANT(anon_shared_rdwr, KIND_ANON, MAP_SHARED, O_RDWR, 0);
OPS_VARIANT(anon_shared_rdwr_populate, KIND_ANON, MAP_SHARED, O_RDWR,
	    MAP_POPULATE);
OPS_VARIANT(anon_shared_rdonly, KIND_ANON, MAP_SHARED, O_RDONLY, 0);
OPS_VARIANT(anon_shared_rdonly_populate, KIND_ANON, MAP_SHARED, O_RDONLY,
	    MAP_POPULATE);
OPS_VARIANT(anon_private_rdwr, KIND_ANON, MAP_PRIVATE, O_RDWR, 0);
OPS_VARIANT(anon_private_rdwr_populate, KIND_ANON, MAP_PRIVATE, O_RDWR,
	    MAP_POPULATE);
OPS_VARIANT(anon_private_rdonly, KIND_ANON, MAP_PRIVATE, O_RDONLY, 0);
OPS_VARIANT(anon_private_rdonly_populate, KIND_ANON, MAP_PRIVATE, O_RDONLY,
	    MAP_POPULATE);

/* The rules, from the variant. */

static bool shared(const ops_variant *v)
{
	return v->type == MAP_SHARED;
}

/* Not MAP_SHARED of a read-only fd (no VM_MAYWRITE): may be PROT_WRITE. */
static bool writable(const ops_variant *v)
{
	return !(shared(v) && v->oflags == O_RDONLY);
}

/* VM_SHARED: stores go to the file or the shared object, seen by all. */
static bool vm_shared(const ops_variant *v)
{
	return shared(v) && v->oflags == O_RDWR;
}

/*
 * The anonymous kind without a shared object: every page reads as the
 * kernel's zero page until stored to.  /dev/zero makes the VMA anonymous
 * (vma_set_anonymous()); the device keeps its vm_ops and maps the zero page
 * itself.  MAP_SHARED of a read-only fd is an object from 7.x on, and
 * private anonymous memory before.
 */
static bool zero_backed(const ops_variant *v)
{
	static int ro_object = -1;

	if (v->kind != KIND_ANON || vm_shared(v))
		return false;
	if (!shared(v))
		return true;
	if (ro_object < 0)
		ro_object = zero_ro_shared_is_object();
	return !ro_object;
}

/*
 * The file offset that maps shows for a VMA moved or copied by mremap() to
 * @addr, from page @pgoff.  An anonymous VMA that was never written to has
 * no anon_vma, and copy_vma() then gives it the page offset of its new
 * address, "to increase its chance of merging": /dev/zero's zero-backed
 * read-only VMA is such a one.  The device's VMA is not anonymous (it has
 * vm_ops, as for MADV_FREE) and keeps its offset: a difference in the maps
 * offset column only.
 */
static unsigned long long moved_offset(const ops_variant *v,
				       const struct side *s, const void *addr,
				       size_t pgoff)
{
	if (s->ref && zero_backed(v) && !writable(v))
		return (uintptr_t)addr;
	return pgoff * ps;
}

/* Can the test change what page i shows: a store, or a write to the file? */
static bool can_store(const ops_variant *v)
{
	return writable(v) || v->kind == KIND_FILE;
}

static int prot_of(const ops_variant *v)
{
	return writable(v) ? PROT_READ | PROT_WRITE : PROT_READ;
}

/* What page i shows before anyone stores to it. */
static long base(const ops_variant *v, size_t i)
{
	return v->kind == KIND_FILE ? FILL(i) : 0;
}

/* The state of one page of a mapping, and what makes it change. */
enum pstate {
	P_NONE, /* no PTE */
	P_FILE, /* a page of the file or of the shared object */
	P_ZERO, /* the kernel's zero page */
	P_ANON, /* the process's own anonymous copy */
};

/* What a load maps into an unmapped page. */
static enum pstate after_load(const ops_variant *v)
{
	return zero_backed(v) ? P_ZERO : P_FILE;
}

/* What a store leaves (private: a copy; shared: the object's page). */
static enum pstate after_store(const ops_variant *v)
{
	return shared(v) ? P_FILE : P_ANON;
}

/*
 * What MAP_POPULATE leaves: populate_vma_page_range() faults a private
 * writable mapping in for writing (copying every page now), everything
 * else for reading.
 */
static enum pstate after_populate(const ops_variant *v)
{
	if (!v->populate)
		return P_NONE;
	return writable(v) && !shared(v) ? P_ANON : after_load(v);
}

/*
 * PM_FILE in pagemap: set for any page that is not anonymous.  The kernel's
 * zero page has none (vm_normal_page() skips it), behind /dev/zero and the
 * device alike.
 */
static bool pm_file(enum pstate st)
{
	return st == P_FILE;
}

/*
 * PM_MMAP_EXCLUSIVE: the page is mapped exactly once.  So is every page of
 * the file or object here, and every copy; the kernel's zero page has no
 * struct page to count.
 */
static bool pm_exclusive(enum pstate st)
{
	return st != P_NONE && st != P_ZERO;
}

/* The page states of one mapping, to predict smaps. */
struct model {
	enum pstate pg[NPAGES];
	bool dirty[NPAGES];
};

static void model_init(struct model *m, const ops_variant *v)
{
	for (int i = 0; i < NPAGES; i++) {
		m->pg[i] = after_populate(v);
		/* The file's pages are dirty: written, never written back. */
		m->dirty[i] = m->pg[i] == P_ANON ||
			      (m->pg[i] == P_FILE && v->kind == KIND_FILE);
	}
}

static void model_load(struct model *m, const ops_variant *v, int i)
{
	if (m->pg[i] != P_NONE)
		return;
	m->pg[i] = after_load(v);
	m->dirty[i] = m->pg[i] == P_FILE && v->kind == KIND_FILE;
}

static void model_store(struct model *m, const ops_variant *v, int i)
{
	m->pg[i] = after_store(v);
	m->dirty[i] = true;
}

/* The smaps fields of a mapping, in kB. */
struct acct {
	long rss, anon, pclean, pdirty, sclean, sdirty;
};

/*
 * What smaps shows for the pages of @m.  A page mapped once is private,
 * dirty if its PTE or its page is.  The kernel's zero page is not counted
 * at all.
 */
static struct acct model_acct(const struct model *m)
{
	long kb = (long)ps / 1024;
	struct acct a = { 0 };

	for (int i = 0; i < NPAGES; i++) {
		switch (m->pg[i]) {
		case P_NONE:
			break;
		case P_FILE:
		case P_ANON:
			a.rss += kb;
			if (m->pg[i] == P_ANON)
				a.anon += kb;
			if (m->dirty[i])
				a.pdirty += kb;
			else
				a.pclean += kb;
			break;
		case P_ZERO:
			break;
		}
	}
	return a;
}

/*
 * EXPECT_EQ for one side of a test: a failure names the side.  One
 * statement, so that it can be the body of an if or a for.
 */
#define WANT(want, got)                                                        \
	do {                                                                   \
		EXPECT_EQ((long)(want), (long)(got)) TH_LOG("on %s", s->name); \
	} while (0)

#define WANT_MAPPED(p)                                               \
	do {                                                         \
		ASSERT_NE(MAP_FAILED, (void *)(p))                   \
		TH_LOG("on %s: mmap: %s", s->name, strerror(errno)); \
	} while (0)

static void check_acct(struct __test_metadata *_metadata, const struct side *s,
		       const void *p, struct acct a)
{
	WANT(a.rss, smaps_kb(p, "Rss"));
	WANT(a.anon, smaps_kb(p, "Anonymous"));
	WANT(a.pclean, smaps_kb(p, "Private_Clean"));
	WANT(a.pdirty, smaps_kb(p, "Private_Dirty"));
	WANT(a.sclean, smaps_kb(p, "Shared_Clean"));
	WANT(a.sdirty, smaps_kb(p, "Shared_Dirty"));
}

/* A system call's result: its return value, or -errno. */
static long rv(long ret)
{
	return ret == -1 ? -errno : ret;
}

/* mremap()'s result as an address, or -errno. */
static long rv_map(void *ret)
{
	return ret == MAP_FAILED ? -errno : (long)ret;
}

/* A load from @p: the byte, or -(signal * 100 + si_code) if it faulted. */
static long load(const void *p)
{
	struct touch t = peek(p);

	if (!t.sig)
		return t.val;
	return t.addr == p ? -(t.sig * 100 + t.code) : FAULT_ELSEWHERE;
}

/* A store to @p: 0, or -(signal * 100 + si_code) if it faulted. */
static long store(void *p, unsigned char val)
{
	struct touch t = poke(p, val);

	if (!t.sig)
		return 0;
	return t.addr == p ? -(t.sig * 100 + t.code) : FAULT_ELSEWHERE;
}

/* Byte 0 of page @i of the file, through read(): the byte or -errno. */
static long file_byte(const struct side *s, size_t i)
{
	unsigned char c;
	ssize_t n = pread(s->rw, &c, 1, (off_t)(i * ps));

	return n == 1 ? c : n < 0 ? -errno : FAULT_ELSEWHERE;
}

/* Write @c at byte 0 of page @i of the file: 1, or -errno. */
static long file_put(const struct side *s, size_t i, unsigned char c)
{
	return rv(pwrite(s->rw, &c, 1, (off_t)(i * ps)));
}

/*
 * Address space for @len bytes at a WINDOW-aligned address, PROT_NONE.
 * Our own mappings go there with MAP_FIXED.  The alignment keeps each
 * mapping inside one fault-around window (do_fault_around() maps up to 16
 * pages around a read fault, in an aligned window), so that what a read
 * fault maps on the reference is known; and no two test mappings are ever
 * adjacent, so none merges with another.
 */
static void *reserve(size_t len)
{
	char *r, *p;

	r = mmap(NULL, len + WINDOW, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)r + WINDOW - 1) & ~(uintptr_t)(WINDOW - 1));
	if (p > r)
		munmap(r, p - r);
	munmap(p + len, r + len + WINDOW - (p + len));
	return p;
}

/* Map @npages of @s with @prot and the variant's type and populate flag. */
static unsigned char *map_prot(const ops_variant *v, const struct side *s,
			       size_t npages, int prot)
{
	size_t len = npages * ps;
	void *at = reserve(len), *p;

	if (at == MAP_FAILED)
		return MAP_FAILED;
	p = mmap(at, len, prot, v->type | v->populate | MAP_FIXED, s->fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		munmap(at, len);
		errno = err;
	}
	return p;
}

/* Map @npages with the variant's usual protection (see prot_of()). */
static unsigned char *map(const ops_variant *v, const struct side *s,
			  size_t npages)
{
	return map_prot(v, s, npages, prot_of(v));
}

/*
 * Give each page of @p known contents, in @want: a store of STORED(i)
 * where the mapping is writable, else what the page already holds.
 */
static void prepare(struct __test_metadata *_metadata, const ops_variant *v,
		    const struct side *s, unsigned char *p, size_t n,
		    long *want)
{
	for (size_t i = 0; i < n; i++) {
		want[i] = base(v, i);
		if (writable(v)) {
			WANT(0, store(p + i * ps, STORED(i)));
			want[i] = STORED(i);
		}
		WANT(want[i], load(p + i * ps));
	}
}

/* The VMA holding @p spans exactly [@start, @end) at file offset @off. */
#define WANT_VMA(p, start, end, off)                           \
	do {                                                   \
		unsigned long _s = 0, _e = 0;                  \
		unsigned long long _o = ~0ULL;                 \
		WANT(true, maps_line(p, &_s, &_e, NULL, &_o)); \
		WANT((uintptr_t)(start), _s);                  \
		WANT((uintptr_t)(end), _e);                    \
		WANT(off, _o);                                 \
	} while (0)

/* The maps permissions of the VMA holding @p are those of @prot. */
#define WANT_PERMS(p, prot)                                         \
	do {                                                        \
		char _got[5] = "none", _want[5];                    \
		_want[0] = (prot)&PROT_READ ? 'r' : '-';            \
		_want[1] = (prot)&PROT_WRITE ? 'w' : '-';           \
		_want[2] = (prot)&PROT_EXEC ? 'x' : '-';            \
		_want[3] = shared(variant) ? 's' : 'p';             \
		_want[4] = '\0';                                    \
		maps_perms(p, _got);                                \
		EXPECT_STREQ(_want, _got) TH_LOG("on %s", s->name); \
	} while (0)

/* load(@p) in a fork child: what a child inherits. */
static long child_load(const void *p)
{
	long r = CHILD_FAILED;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return CHILD_FAILED;
	pid = fork();
	if (pid == 0) {
		r = load(p);
		_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &r, sizeof(r)) != sizeof(r))
		r = CHILD_FAILED;
	close(fds[0]);
	if (pid > 0 && wait_child(pid) != 0)
		r = CHILD_FAILED;
	return r;
}

/* Open the device or its reference; for the file kind, fill the file. */
static int open_side(const ops_variant *v, struct side *s)
{
	unsigned char buf[65536];

	s->fd = -1;
	s->rw = kind_open(v->kind, s->ref, O_RDWR, FILE_PAGES * ps);
	if (s->rw < 0)
		return -1;
	if (v->kind == KIND_ANON) {
		s->fd = kind_open(v->kind, s->ref, v->oflags, 0);
		return s->fd < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < FILE_PAGES; i++) {
		memset(buf, FILL(i), ps);
		if (pwrite(s->rw, buf, ps, (off_t)(i * ps)) != (ssize_t)ps)
			return -1;
	}
	s->fd = reopen(s->rw, v->oflags);
	return s->fd < 0 ? -1 : 0;
}

FIXTURE_SETUP(ops)
{
	ps = page_size();
	ASSERT_GE(65536UL, ps); /* the buffers below */
	for (int i = 0; i < 2; i++) {
		struct side *s = &self->side[i];

		s->ref = i == 1;
		s->name = kind_path(variant->kind, s->ref);
		if (open_side(variant, s) && !s->ref && errno == ENOENT)
			SKIP(return, "%s: no such device (module not loaded)",
				   s->name);
		ASSERT_LE(0, s->fd)
		TH_LOG("%s: %s", s->name, strerror(errno));
	}
}

FIXTURE_TEARDOWN(ops)
{
	for (int i = 0; i < 2; i++) {
		close(self->side[i].fd);
		close(self->side[i].rw);
	}
}

/*
 * munmap() of part of a mapping splits its VMA: the hole gets SIGSEGV
 * (SEGV_MAPERR: no VMA), the rest keeps its pages and permissions.
 */
TEST_F(ops, munmap_split)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);

		WANT(0, rv(munmap(p + ps, ps)));
		WANT(SEGV_MAP, load(p + ps));
		WANT(want[0], load(p));
		WANT(want[2], load(p + 2 * ps));
		WANT(want[3], load(p + 3 * ps));
		/* Two VMAs now; the second keeps its file offset. */
		WANT_VMA(p, p, p + ps, 0);
		WANT_VMA(p + 2 * ps, p + 2 * ps, p + 4 * ps, 2 * ps);
		WANT_PERMS(p, prot_of(variant));
		WANT_PERMS(p + 2 * ps, prot_of(variant));

		/* The head and the tail: one page is left. */
		WANT(0, rv(munmap(p, ps)));
		WANT(0, rv(munmap(p + 3 * ps, ps)));
		WANT(SEGV_MAP, load(p));
		WANT(SEGV_MAP, load(p + 3 * ps));
		WANT(want[2], load(p + 2 * ps));

		/* Shared stores reached the file; private ones never do. */
		for (size_t i = 0; variant->kind == KIND_FILE && i < NPAGES;
		     i++)
			WANT(vm_shared(variant) ? want[i] : base(variant, i),
			     file_byte(s, i));
		munmap(p + 2 * ps, ps);
	}
}

/*
 * mprotect(): the upgrade from read to read-write needs VM_MAYWRITE, which
 * only MAP_SHARED of a read-only fd lacks (EACCES).  A store to a page made
 * read-only or PROT_NONE gets SIGSEGV, SEGV_ACCERR; the data stays.
 */
TEST_F(ops, mprotect)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map_prot(variant, s, NPAGES, PROT_READ);
		int rw = PROT_READ | PROT_WRITE;

		WANT_MAPPED(p);
		WANT(SEGV_ACC, store(p, 'X'));
		WANT(writable(variant), vmflag(p, "mw"));
		WANT(false, vmflag(p, "wr"));

		WANT(writable(variant) ? 0 : -EACCES,
		     rv(mprotect(p, NPAGES * ps, rw)));
		WANT_PERMS(p, writable(variant) ? rw : PROT_READ);
		WANT(writable(variant), vmflag(p, "wr"));
		if (writable(variant)) {
			WANT(0, store(p, 'X'));
			WANT('X', load(p));
		} else {
			WANT(SEGV_ACC, store(p, 'X'));
			WANT(base(variant, 0), load(p));
		}
		if (variant->kind == KIND_FILE)
			WANT(vm_shared(variant) ? 'X' : FILL(0),
			     file_byte(s, 0));

		/*
		 * One page back to read-only: a split, where the mapping
		 * was writable; else nothing changes (no split).
		 */
		WANT(0, rv(mprotect(p + ps, ps, PROT_READ)));
		WANT_PERMS(p + ps, PROT_READ);
		if (writable(variant))
			WANT_VMA(p + ps, p + ps, p + 2 * ps, ps);
		else
			WANT_VMA(p + ps, p, p + NPAGES * ps, 0);
		WANT(SEGV_ACC, store(p + ps, 'Y'));
		WANT(base(variant, 1), load(p + ps));
		WANT(writable(variant) ? 0 : SEGV_ACC, store(p + 2 * ps, 'Y'));

		/* PROT_NONE: no access at all; the data survives it. */
		WANT(0, rv(mprotect(p + 3 * ps, ps, PROT_NONE)));
		WANT_PERMS(p + 3 * ps, PROT_NONE);
		WANT(SEGV_ACC, load(p + 3 * ps));
		WANT(0, rv(mprotect(p + 3 * ps, ps, PROT_READ)));
		WANT(base(variant, 3), load(p + 3 * ps));
		munmap(p, NPAGES * ps);
	}
}

/*
 * mremap() to a smaller size unmaps the tail (SEGV_MAPERR); growing back
 * in place shows what the object holds there: shared stores, the file's
 * data for a private file mapping, zeros for zero-backed memory.
 */
TEST_F(ops, mremap_shrink)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		WANT((long)p, rv_map(mremap(p, NPAGES * ps, 2 * ps, 0)));
		WANT(SEGV_MAP, load(p + 2 * ps));
		WANT(SEGV_MAP, load(p + 3 * ps));
		WANT(want[0], load(p));
		WANT(want[1], load(p + ps));
		WANT_VMA(p, p, p + 2 * ps, 0);

		WANT((long)p, rv_map(mremap(p, 2 * ps, NPAGES * ps, 0)));
		WANT(vm_shared(variant) ? want[2] : base(variant, 2),
		     load(p + 2 * ps));
		WANT(vm_shared(variant) ? want[3] : base(variant, 3),
		     load(p + 3 * ps));
		munmap(p, NPAGES * ps);
	}
}

/*
 * mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of the middle pages: they move
 * with their data and their file offset, the old range is a hole.
 */
TEST_F(ops, mremap_move)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), *dst, *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		dst = reserve(2 * ps);
		WANT_MAPPED(dst);
		q = mremap(p + ps, 2 * ps, 2 * ps,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		WANT((long)dst, rv_map(q));
		WANT(want[1], load(dst));
		WANT(want[2], load(dst + ps));
		WANT(SEGV_MAP, load(p + ps));
		WANT(SEGV_MAP, load(p + 2 * ps));
		WANT(want[0], load(p));
		WANT(want[3], load(p + 3 * ps));
		WANT_VMA(dst, dst, dst + 2 * ps,
			 moved_offset(variant, s, dst, 1));
		WANT_PERMS(dst, prot_of(variant));
		WANT(vm_shared(variant), vmflag(dst, "sh"));
		WANT(shared(variant), vmflag(dst, "ms"));

		/* The moved pages still are the file's pages 1 and 2. */
		if (vm_shared(variant) && variant->kind == KIND_FILE) {
			WANT(0, store(dst + ps, 'M'));
			WANT('M', file_byte(s, 2));
		} else if (variant->kind == KIND_FILE && !writable(variant)) {
			WANT(1, file_put(s, 2, 'M'));
			WANT('M', load(dst + ps));
		}
		munmap(p, NPAGES * ps);
		munmap(dst, 2 * ps);
	}
}

/*
 * mremap() growth: the part beyond the end of the object gets SIGBUS,
 * BUS_ADRERR: past the file's end, or past the shared anonymous object,
 * whose size is the mapping's first size (shmem_zero_setup() on
 * /dev/zero, nr_pages on the device).  Zero-backed memory just goes on.
 */
TEST_F(ops, mremap_grow)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), *q;
		long want[NPAGES], past;

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		q = mremap(p, NPAGES * ps, BIG_PAGES * ps, MREMAP_MAYMOVE);
		ASSERT_NE(MAP_FAILED, q) TH_LOG("on %s", s->name);
		WANT(want[3], load(q + 3 * ps));
		WANT_VMA(q, q, q + BIG_PAGES * ps,
			 q == p ? 0 : moved_offset(variant, s, q, 0));
		WANT_PERMS(q, prot_of(variant));

		past = zero_backed(variant) ? 0 : BUS_ADR;
		WANT(past, load(q + 4 * ps));
		WANT(past, load(q + 5 * ps));
		if (writable(variant)) {
			WANT(past, store(q + 5 * ps, 'G'));
			WANT(past ? past : 'G', load(q + 5 * ps));
		}
		munmap(q, BIG_PAGES * ps);
	}
}

/*
 * mremap() with old_len 0 makes a second mapping of the same pages: only
 * of a shareable mapping (VM_MAYSHARE); of a private one, EINVAL.
 */
TEST_F(ops, mremap_alias)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		q = mremap(p + ps, 0, ps, MREMAP_MAYMOVE);
		if (!shared(variant)) {
			WANT(-EINVAL, rv_map(q));
			munmap(p, NPAGES * ps);
			continue;
		}
		ASSERT_NE(MAP_FAILED, q) TH_LOG("on %s", s->name);
		WANT(true, q != p + ps);
		WANT(want[1], load(q));
		WANT_VMA(q, q, q + ps, moved_offset(variant, s, q, 1));
		WANT_PERMS(q, prot_of(variant));
		if (vm_shared(variant)) {
			/* The same page through both addresses. */
			WANT(0, store(q, 'Z'));
			WANT('Z', load(p + ps));
			WANT(0, store(p + ps, 'Y'));
			WANT('Y', load(q));
		} else if (variant->kind == KIND_FILE) {
			WANT(1, file_put(s, 1, 'Z'));
			WANT('Z', load(q));
			WANT('Z', load(p + ps));
		} else {
			/* No store can reach this zero-backed memory. */
			WANT(SEGV_ACC, store(q, 'Z'));
			WANT(0, load(q));
		}
		munmap(q, ps);
		munmap(p, NPAGES * ps);
	}
}

/*
 * MREMAP_DONTUNMAP moves the pages and leaves the old range mapped but
 * empty: it then faults in what its object holds, the shared stores, the
 * file's data for a private file mapping, zeros for zero-backed memory.
 */
TEST_F(ops, mremap_dontunmap)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		/*
		 * With MREMAP_DONTUNMAP the kernel takes new_address as a
		 * hint, and checks it: pass one, not whatever the register
		 * holds.
		 */
		q = mremap(p, NPAGES * ps, NPAGES * ps,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		ASSERT_NE(MAP_FAILED, q) TH_LOG("on %s", s->name);
		WANT(true, q != p);
		for (size_t i = 0; i < NPAGES; i++)
			WANT(want[i], load(q + i * ps));
		WANT_VMA(q, q, q + NPAGES * ps, moved_offset(variant, s, q, 0));

		WANT(0, pages_present(p, NPAGES));
		WANT_VMA(p, p, p + NPAGES * ps, 0);
		WANT_PERMS(p, prot_of(variant));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(vm_shared(variant) ? want[i] : base(variant, i),
			     load(p + i * ps));
		munmap(p, NPAGES * ps);
		munmap(q, NPAGES * ps);
	}
}

/*
 * MADV_DONTNEED drops the PTEs.  The next load refaults the object: shared
 * data is kept, a private file mapping shows the file's data again, and
 * zero-backed memory is zeros.  Locked pages cannot be dropped (EINVAL).
 */
TEST_F(ops, madv_dontneed)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long stored, after;

		WANT_MAPPED(p);
		if (writable(variant)) {
			stored = 'S';
			WANT(0, store(p, 'S'));
		} else if (variant->kind == KIND_FILE) {
			stored = 'S'; /* into the file itself */
			WANT(1, file_put(s, 0, 'S'));
		} else {
			stored = 0; /* zero-backed and read-only */
		}
		WANT(stored, load(p));
		WANT(base(variant, 1), load(p + ps));

		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTNEED)));
		WANT(0, pages_present(p, NPAGES));
		if (vm_shared(variant) || !writable(variant))
			after = stored; /* the object's (or file's) */
		else
			after = base(variant, 0); /* private: gone */
		WANT(after, load(p));
		WANT(base(variant, 1), load(p + ps));

		WANT(0, rv(mlock(p, ps)));
		WANT(-EINVAL, rv(madvise(p, ps, MADV_DONTNEED)));
		WANT(0, rv(munlock(p, ps)));
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_DONTFORK: a fork child has no VMA there (SEGV_MAPERR); after
 * MADV_DOFORK it inherits the mapping again.
 */
TEST_F(ops, madv_dontfork)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTFORK)));
		WANT(true, vmflag(p, "dc"));
		WANT(SEGV_MAP, child_load(p));
		WANT(want[0], load(p));

		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DOFORK)));
		WANT(false, vmflag(p, "dc"));
		WANT(want[0], child_load(p));
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_WIPEONFORK is refused on any VMA with a file: EINVAL.  Every
 * mapping here has one, /dev/zero's private ones too (vm_file stays
 * /dev/zero).  MADV_KEEPONFORK has nothing to undo and succeeds.
 */
TEST_F(ops, madv_wipeonfork)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		WANT(-EINVAL, rv(madvise(p, NPAGES * ps, MADV_WIPEONFORK)));
		WANT(false, vmflag(p, "wf"));
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_KEEPONFORK)));
		WANT(want[0], child_load(p));
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_FREE works on anonymous VMAs only (vma_is_anonymous()), else
 * EINVAL: never on a file's.  /dev/zero's zero-backed VMA is truly
 * anonymous (0); the device's keeps its vm_ops (EINVAL): an intended
 * difference, documented.  Freed pages are dropped lazily, under memory
 * pressure: until then they keep their data.
 */
TEST_F(ops, madv_free)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES], r;
		bool freed = zero_backed(variant) && s->ref;

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		r = rv(madvise(p, NPAGES * ps, MADV_FREE));
		WANT(freed ? 0 : -EINVAL, r);
		for (size_t i = 0; i < NPAGES; i++) {
			long got = load(p + i * ps);

			if (freed && got == 0)
				got = want[i]; /* reclaimed: zero */
			WANT(want[i], got);
		}
		/* A store after MADV_FREE keeps its page. */
		if (writable(variant)) {
			WANT(0, store(p, 'F'));
			WANT('F', load(p));
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_POPULATE_READ maps every page as a load would; a page past the end
 * of the file stops it with EFAULT (its fault is SIGBUS), the pages before
 * it are mapped.  The anonymous kind has no end.
 */
TEST_F(ops, madv_populate_read)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map(variant, s, BIG_PAGES);
		bool file = variant->kind == KIND_FILE;
		enum pstate st;
		uint64_t e;

		WANT_MAPPED(q);
		WANT(file ? -EFAULT : 0,
		     rv(madvise(q, BIG_PAGES * ps, MADV_POPULATE_READ)));
		WANT(NPAGES, pages_present(q, NPAGES));
		WANT(file ? 0 : 2, pages_present(q + NPAGES * ps, 2));
		WANT(0, rv(madvise(q, NPAGES * ps, MADV_POPULATE_READ)));

		st = after_populate(variant);
		if (st == P_NONE)
			st = after_load(variant);
		e = pagemap(q);
		WANT(true, !!(e & PM_PRESENT));
		WANT(pm_file(st), !!(e & PM_FILE));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(base(variant, i), load(q + i * ps));
		munmap(q, BIG_PAGES * ps);
	}
}

/*
 * MADV_POPULATE_WRITE faults every page in for writing: a private mapping
 * gets its copies now (no PM_FILE, and later writes to the file no longer
 * show).  It needs VM_WRITE: on a PROT_READ mapping, EINVAL.  Past the
 * end of the file: EFAULT, as for POPULATE_READ.
 */
TEST_F(ops, madv_populate_write)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), *r;
		bool file = variant->kind == KIND_FILE;

		WANT_MAPPED(p);
		WANT(writable(variant) ? 0 : -EINVAL,
		     rv(madvise(p, NPAGES * ps, MADV_POPULATE_WRITE)));
		if (writable(variant)) {
			WANT(NPAGES, pages_present(p, NPAGES));
			WANT(pm_file(after_store(variant)),
			     !!(pagemap(p) & PM_FILE));
			WANT(base(variant, 0), load(p));
			if (file) {
				WANT(1, file_put(s, 0, 'N'));
				WANT(shared(variant) ? 'N' : FILL(0), load(p));
			}
		}

		r = map_prot(variant, s, NPAGES, PROT_READ);
		WANT_MAPPED(r);
		WANT(-EINVAL, rv(madvise(r, NPAGES * ps, MADV_POPULATE_WRITE)));
		munmap(r, NPAGES * ps);

		if (writable(variant)) {
			unsigned char *q = map(variant, s, BIG_PAGES);

			WANT_MAPPED(q);
			WANT(file ? -EFAULT : 0,
			     rv(madvise(q, BIG_PAGES * ps,
					MADV_POPULATE_WRITE)));
			WANT(file ? NPAGES : BIG_PAGES,
			     pages_present(q, BIG_PAGES));
			munmap(q, BIG_PAGES * ps);
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_PAGEOUT and MADV_COLD only hint reclaim: 0, and the data is still
 * there afterwards (reclaimed file pages are found again in the page
 * cache; anonymous ones come back from swap, or stay without it).  Locked
 * pages are refused: EINVAL (can_madv_lru_vma()).
 */
static void lru_advice(struct __test_metadata *_metadata,
		       const ops_variant *variant, const struct side *s,
		       int advice)
{
	unsigned char *p = map(variant, s, NPAGES);
	long want[NPAGES];

	WANT_MAPPED(p);
	prepare(_metadata, variant, s, p, NPAGES, want);
	WANT(0, rv(madvise(p, NPAGES * ps, advice)));
	for (size_t i = 0; i < NPAGES; i++)
		WANT(want[i], load(p + i * ps));
	for (size_t i = 0; variant->kind == KIND_FILE && i < NPAGES; i++)
		WANT(vm_shared(variant) ? want[i] : FILL(i), file_byte(s, i));

	WANT(0, rv(mlock(p, ps)));
	WANT(-EINVAL, rv(madvise(p, ps, advice)));
	WANT(0, rv(munlock(p, ps)));
	munmap(p, NPAGES * ps);
}

TEST_F(ops, madv_pageout)
{
	for (struct side *s = self->side; s < self->side + 2; s++)
		lru_advice(_metadata, variant, s, MADV_PAGEOUT);
}

TEST_F(ops, madv_cold)
{
	for (struct side *s = self->side; s < self->side + 2; s++)
		lru_advice(_metadata, variant, s, MADV_COLD);
}

/*
 * MADV_REMOVE needs a shared writable mapping (else EACCES), then punches
 * a hole in the VMA's file with vfs_fallocate(): the memfd and /dev/zero's
 * shmem object can (0, and the range reads zeros); a character device
 * cannot (ENODEV, data kept): an intended difference, documented.  The
 * size does not change (FALLOC_FL_KEEP_SIZE).
 */
TEST_F(ops, madv_remove)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		long want[NPAGES], r;

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		r = rv(madvise(p, NPAGES * ps, MADV_REMOVE));
		if (!vm_shared(variant))
			WANT(-EACCES, r);
		else
			WANT(s->ref ? 0 : -ENODEV, r);
		for (size_t i = 0; i < NPAGES; i++)
			WANT(r == 0 ? 0 : want[i], load(p + i * ps));
		if (variant->kind == KIND_FILE) {
			WANT(r == 0		? 0 :
			     vm_shared(variant) ? want[1] :
						  FILL(1),
			     file_byte(s, 1));
			WANT(FILE_PAGES * ps, lseek(s->rw, 0, SEEK_END));
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * MADV_WILLNEED: 0, maps nothing, changes nothing.  (For the VMAs with a
 * file, even /dev/zero's anonymous ones, it reads ahead in the file, if
 * there is anything to read ahead.)
 */
TEST_F(ops, madv_willneed)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);

		WANT_MAPPED(p);
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_WILLNEED)));
		WANT(variant->populate ? NPAGES : 0, pages_present(p, NPAGES));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(base(variant, i), load(p + i * ps));
		munmap(p, NPAGES * ps);
	}
}

/* MADV_DONTDUMP and MADV_DODUMP set and clear VM_DONTDUMP ("dd"). */
TEST_F(ops, madv_dontdump)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);

		WANT_MAPPED(p);
		WANT(false, vmflag(p, "dd"));
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTDUMP)));
		WANT(true, vmflag(p, "dd"));
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DODUMP)));
		WANT(false, vmflag(p, "dd"));
		munmap(p, NPAGES * ps);
	}
}

/*
 * msync(): MS_SYNC, MS_ASYNC and MS_INVALIDATE succeed and keep the data.
 * MS_SYNC calls the ->fsync of a VM_SHARED mapping's file, and
 * vfs_fsync_range() gives EINVAL where there is none: the memfd and
 * /dev/zero's shmem object have a no-op one (noop_fsync), and so must both
 * devices.  MS_SYNC with MS_ASYNC: EINVAL.  MS_INVALIDATE on a locked
 * range: EBUSY.
 */
TEST_F(ops, msync)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		size_t len = NPAGES * ps;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, variant, s, p, NPAGES, want);
		WANT(0, rv(msync(p, len, MS_SYNC)));
		WANT(0, rv(msync(p, len, MS_ASYNC)));
		WANT(0, rv(msync(p, len, MS_INVALIDATE)));
		WANT(-EINVAL, rv(msync(p, len, MS_SYNC | MS_ASYNC)));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(want[i], load(p + i * ps));

		WANT(0, rv(mlock(p, len)));
		WANT(-EBUSY, rv(msync(p, len, MS_INVALIDATE)));
		WANT(-EBUSY, rv(msync(p, len, MS_SYNC | MS_INVALIDATE)));
		WANT(0, rv(msync(p, len, MS_ASYNC)));
		WANT(0, rv(munlock(p, len)));
		WANT(0, rv(msync(p, len, MS_INVALIDATE)));
		munmap(p, len);
	}
}

/*
 * mlock() faults every page in and locks it: VmFlags "lo", Rss the whole
 * mapping (but for the kernel's zero page, which smaps never counts), and
 * Locked is all of it (Locked counts proportionally, so it equals Pss).
 * A private writable mapping is faulted in for writing: every page is
 * copied now, and later writes to the file no longer show.
 */
TEST_F(ops, mlock)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		size_t len = NPAGES * ps;
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, variant);
		WANT(0, rv(mlock(p, len)));
		WANT(true, vmflag(p, "lo"));
		WANT(false, vmflag(p, "lf"));
		for (int i = 0; i < NPAGES; i++) {
			if (writable(variant) && !shared(variant))
				model_store(&m, variant, i);
			else
				model_load(&m, variant, i);
		}
		check_acct(_metadata, s, p, model_acct(&m));
		WANT(smaps_kb(p, "Pss"), smaps_kb(p, "Locked"));
		WANT(NPAGES, pages_present(p, NPAGES));

		if (variant->kind == KIND_FILE) {
			WANT(1, file_put(s, 0, 'N'));
			WANT(shared(variant) ? 'N' : FILL(0), load(p));
		}

		WANT(0, rv(munlock(p, len)));
		WANT(false, vmflag(p, "lo"));
		WANT(0, smaps_kb(p, "Locked"));
		check_acct(_metadata, s, p, model_acct(&m));
		munmap(p, len);
	}
}

/*
 * mlock2(MLOCK_ONFAULT) locks pages as they are faulted in, and faults
 * nothing in itself: VmFlags "lo" and "lf"; munlock() clears both.  (smaps
 * shows VM_LOCKONFAULT as "lf" since Linux 6.2: on 6.1 the flag is set but
 * has no mnemonic.)
 */
TEST_F(ops, mlock_onfault)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		size_t len = NPAGES * ps;
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, variant);
		WANT(0, rv(mlock2(p, len, MLOCK_ONFAULT)));
		WANT(true, vmflag(p, "lo"));
		WANT(kernel_at_least(6, 2), vmflag(p, "lf"));
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 0; i < NPAGES; i++) {
			WANT(base(variant, i), load(p + i * ps));
			model_load(&m, variant, i);
		}
		if (writable(variant)) {
			WANT(0, store(p, 'L'));
			model_store(&m, variant, 0);
		}
		check_acct(_metadata, s, p, model_acct(&m));
		WANT(smaps_kb(p, "Pss"), smaps_kb(p, "Locked"));

		WANT(0, rv(munlock(p, len)));
		WANT(false, vmflag(p, "lo"));
		WANT(false, vmflag(p, "lf"));
		WANT(0, smaps_kb(p, "Locked"));
		munmap(p, len);
	}
}

/*
 * mincore(): a mapped page is resident.  Where there is no PTE, mincore()
 * looks in the page cache of the VMA's file (vm_file->f_mapping): every
 * page of the file is there, also after MADV_DONTNEED; /dev/zero's shared
 * object is a shmem file, which keeps each page once touched; the device's
 * shared object keeps its pages in no page cache (0): an intended
 * difference, documented.  Zero-backed memory has nothing in a page cache.
 */
TEST_F(ops, mincore)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES), vec[NPAGES];
		bool file = variant->kind == KIND_FILE;

		WANT_MAPPED(p);
		WANT(base(variant, 0), load(p));
		WANT(base(variant, 1), load(p + ps));
		if (writable(variant))
			WANT(0, store(p, 'R'));
		memset(vec, 0xff, sizeof(vec));
		WANT(0, rv(mincore(p, NPAGES * ps, vec)));
		for (size_t i = 0; i < NPAGES; i++) {
			bool touched = i < 2 || variant->populate;

			WANT(touched || file, vec[i]);
		}

		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTNEED)));
		memset(vec, 0xff, sizeof(vec));
		WANT(0, rv(mincore(p, NPAGES * ps, vec)));
		for (size_t i = 0; i < NPAGES; i++) {
			bool touched = i < 2 || variant->populate;

			if (file)
				WANT(1, vec[i]);
			else if (!zero_backed(variant)) /* an object's pages */
				WANT(s->ref && touched, vec[i]);
			else
				WANT(0, vec[i]);
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * Change what page @i of @p shows, the way the variant allows: a store
 * through the mapping, else a write to the file.  False if neither can.
 */
static bool put(const ops_variant *v, const struct side *s, unsigned char *p,
		size_t i, unsigned char c)
{
	if (writable(v))
		return store(p + i * ps, c) == 0;
	if (v->kind == KIND_FILE)
		return file_put(s, i, c) == 1;
	return false;
}

/*
 * fork(): a shared mapping is shared with the child both ways; a private
 * one is copy-on-write: the child sees what the parent stored before the
 * fork, and no later store leaks either way.  (A shared mapping of a
 * read-only file fd changes through write() on the file; a zero-backed
 * read-only one cannot change at all.)
 */
TEST_F(ops, fork)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		bool seen = shared(variant) && can_store(variant);
		long got[4], want[4];
		struct turns t;
		pid_t pid;
		int res[2];

		WANT_MAPPED(p);
		ASSERT_EQ(0, turns_init(&t));
		ASSERT_EQ(0, pipe(res));
		WANT(can_store(variant), put(variant, s, p, 0, 'P'));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			got[0] = load(p);
			got[1] = put(variant, s, p, 1, 'K');
			turn_give(t.to_parent[1]);
			turn_wait(t.to_child[0]);
			got[2] = load(p + 2 * ps);
			got[3] = load(p + ps);
			_exit(write(res[1], got, sizeof(got)) == sizeof(got) ?
				      0 :
				      1);
		}
		turn_wait(t.to_parent[0]);
		WANT(seen ? 'K' : base(variant, 1), load(p + ps));
		WANT(can_store(variant), put(variant, s, p, 2, 'Q'));
		turn_give(t.to_child[1]);
		memset(got, 0, sizeof(got));
		WANT(sizeof(got), read(res[0], got, sizeof(got)));
		WANT(0, wait_child(pid));

		want[0] = can_store(variant) ? 'P' : 0;
		want[1] = can_store(variant);
		want[2] = seen ? 'Q' : base(variant, 2);
		want[3] = can_store(variant) ? 'K' : 0;
		for (int i = 0; i < 4; i++)
			WANT(want[i], got[i]);
		if (variant->kind == KIND_FILE)
			WANT(seen ? 'K' : FILL(1), file_byte(s, 1));
		close(res[0]);
		close(res[1]);
		for (int i = 0; i < 2; i++) {
			close(t.to_child[i]);
			close(t.to_parent[i]);
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * /proc/self/mem writes with FOLL_FORCE: into a PROT_READ private mapping
 * it succeeds by taking a private copy (the file never sees it, and a
 * direct store still gets SIGSEGV); a shared mapping is never written
 * without VM_WRITE: EIO.  Reads work; past the end of the file, EIO.
 * Kernels built with CONFIG_PROC_MEM_FORCE_PTRACE (Debian's 7.x) force
 * only for a tracer: there the private write is EIO too, as the probe on
 * anonymous memory shows.
 */
static bool proc_mem_forces(void)
{
	char *p = mmap(NULL, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	bool forced = p != MAP_FAILED && mem >= 0 &&
		      pwrite(mem, "X", 1, (off_t)(uintptr_t)p) == 1;

	if (mem >= 0)
		close(mem);
	if (p != MAP_FAILED)
		munmap(p, ps);
	return forced;
}

TEST_F(ops, proc_mem)
{
	bool forced = !shared(variant) && proc_mem_forces();

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map_prot(variant, s, BIG_PAGES, PROT_READ);
		bool file = variant->kind == KIND_FILE;
		unsigned char c = 0xff;
		int mem;

		WANT_MAPPED(q);
		mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, mem);
		WANT(1, rv(pread(mem, &c, 1, (off_t)(uintptr_t)(q + ps))));
		WANT(base(variant, 1), c);

		WANT(forced ? 1 : -EIO,
		     rv(pwrite(mem, "X", 1, (off_t)(uintptr_t)q)));
		WANT(forced ? 'X' : base(variant, 0), load(q));
		WANT(SEGV_ACC, store(q, 'Y'));
		if (forced) /* the copy is anonymous */
			WANT(false, !!(pagemap(q) & PM_FILE));
		if (file)
			WANT(FILL(0), file_byte(s, 0));

		c = 0xff;
		WANT(file ? -EIO : 1,
		     rv(pread(mem, &c, 1, (off_t)(uintptr_t)(q + 4 * ps))));
		WANT(file ? 0xff : 0, c);
		close(mem);
		munmap(q, BIG_PAGES * ps);
	}
}

/*
 * process_vm_readv()/writev() on our own pid: they copy like any access
 * through the page tables, without FOLL_FORCE.  Past the end of the file,
 * EFAULT; a copy that runs into the end stops there.  A PROT_READ mapping
 * cannot be written: EFAULT.
 */
TEST_F(ops, process_vm)
{
	unsigned char probe;
	struct iovec probe_iov = { &probe, 1 };

	if (process_vm_readv(getpid(), &probe_iov, 1, &probe_iov, 1, 0) < 0 &&
	    errno == ENOSYS)
		SKIP(return,
			   "no process_vm_readv() in this kernel (CONFIG_CROSS_MEMORY_ATTACH)");

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map(variant, s, BIG_PAGES), buf[2 * 65536];
		bool file = variant->kind == KIND_FILE;
		struct iovec local = { buf, 2 * ps }, remote;
		long want[NPAGES];
		pid_t me = getpid();

		WANT_MAPPED(q);
		prepare(_metadata, variant, s, q, NPAGES, want);

		remote = (struct iovec){ q, 2 * ps };
		WANT(2 * ps,
		     rv(process_vm_readv(me, &local, 1, &remote, 1, 0)));
		WANT(want[0], buf[0]);
		WANT(want[1], buf[ps]);

		remote = (struct iovec){ q + NPAGES * ps, ps };
		WANT(file ? -EFAULT : (long)ps,
		     rv(process_vm_readv(me, &local, 1, &remote, 1, 0)));
		remote = (struct iovec){ q + 3 * ps, 2 * ps };
		WANT(file ? ps : 2 * ps,
		     rv(process_vm_readv(me, &local, 1, &remote, 1, 0)));
		WANT(want[3], buf[0]);

		local = (struct iovec){ "W", 1 };
		remote = (struct iovec){ q + ps, 1 };
		WANT(writable(variant) ? 1 : -EFAULT,
		     rv(process_vm_writev(me, &local, 1, &remote, 1, 0)));
		WANT(writable(variant) ? 'W' : want[1], load(q + ps));
		if (file)
			WANT(vm_shared(variant) ? 'W' : FILL(1),
			     file_byte(s, 1));
		remote = (struct iovec){ q + NPAGES * ps, 1 };
		WANT(writable(variant) && !file ? 1 : -EFAULT,
		     rv(process_vm_writev(me, &local, 1, &remote, 1, 0)));
		munmap(q, BIG_PAGES * ps);
	}
}

/*
 * /proc/self/pagemap after a load and after a store: present; PM_FILE for
 * a page that is not anonymous (see pm_file()); a private store makes a
 * copy, so the page frame changes (seen as root only), a shared one does
 * not.  A read fault on a file, the device's or the memfd's, also maps
 * the neighbouring pages of its page cache (->map_pages, "fault-around"):
 * here all of them.
 */
TEST_F(ops, pagemap)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		enum pstate st = after_populate(variant), st2;
		uint64_t e1, e2;
		size_t around;

		WANT_MAPPED(p);
		WANT(st != P_NONE ? NPAGES : 0, pages_present(p, NPAGES));
		WANT(base(variant, 0), load(p));
		if (st == P_NONE)
			st = after_load(variant);
		e1 = pagemap(p);
		WANT(true, !!(e1 & PM_PRESENT));
		WANT(pm_file(st), !!(e1 & PM_FILE));
		WANT(pm_exclusive(st), !!(e1 & PM_EXCLUSIVE));
		around = variant->populate || variant->kind == KIND_FILE ?
				 NPAGES :
				 1;
		WANT(around, pages_present(p, NPAGES));

		if (!put(variant, s, p, 0, 'S')) {
			WANT(0, load(p)); /* zero-backed, read-only */
			munmap(p, NPAGES * ps);
			continue;
		}
		st2 = writable(variant) ? after_store(variant) : st;
		e2 = pagemap(p);
		WANT('S', load(p));
		WANT(true, !!(e2 & PM_PRESENT));
		WANT(pm_file(st2), !!(e2 & PM_FILE));
		WANT(pm_exclusive(st2), !!(e2 & PM_EXCLUSIVE));
		if (geteuid() == 0) { /* only root sees page frames */
			WANT(true, PM_PFN(e1) != 0);
			WANT(st2 == P_ANON && st != P_ANON,
			     PM_PFN(e1) != PM_PFN(e2));
		}
		munmap(p, NPAGES * ps);
	}
}

/*
 * smaps accounting after mmap, after a load of every page and after stores
 * to pages 1 and 2: Rss, Anonymous and the clean/dirty, private/shared
 * split, as model_acct() predicts it from the page states.
 */
TEST_F(ops, smaps)
{
	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(variant, s, NPAGES);
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, variant);
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 0; i < NPAGES; i++) {
			WANT(base(variant, i), load(p + i * ps));
			model_load(&m, variant, i);
		}
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 1; i <= 2; i++) {
			if (!put(variant, s, p, i, 'T'))
				continue;
			if (writable(variant))
				model_store(&m, variant, i);
			WANT('T', load(p + i * ps));
		}
		check_acct(_metadata, s, p, model_acct(&m));
		munmap(p, NPAGES * ps);
	}
}

TEST_HARNESS_MAIN
