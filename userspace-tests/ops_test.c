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
 * and checks both against what the rules in ops_model.c compute from the
 * variant: return value and errno, the signal and si_code of a faulting
 * access, the data, the permissions in /proc/self/maps and the VmFlags that
 * matter.  A failed check names the side it failed on.  Where the device
 * and its reference differ by design, the expectation says so, side by
 * side, with the reason.
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
#include "ops_model.h"

FIXTURE(ops)
{
	struct side side[2];
};

/* The combination (ops_model.h), which the rules take as it is. */
FIXTURE_VARIANT(ops)
{
	struct ops_variant v;
};

#define OPS_VARIANT(name, k, t, o, p)                                      \
	FIXTURE_VARIANT_ADD(ops, name)                                     \
	{                                                                  \
		.v = { .kind = k, .type = t, .oflags = o, .populate = p }, \
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

/*
 * Give each page of @p known contents, in @want: a store of STORED(i)
 * where the mapping is writable, else what the page already holds.
 */
static void prepare(struct __test_metadata *_metadata,
		    const struct ops_variant *v, const struct side *s,
		    unsigned char *p, size_t n, long *want)
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
		_want[3] = shared(v) ? 's' : 'p';                   \
		_want[4] = '\0';                                    \
		maps_perms(p, _got);                                \
		EXPECT_STREQ(_want, _got) TH_LOG("on %s", s->name); \
	} while (0)

FIXTURE_SETUP(ops)
{
	const struct ops_variant *v = &variant->v;

	ps = page_size();
	ASSERT_GE(65536UL, ps); /* the buffers below */
	for (int i = 0; i < 2; i++) {
		struct side *s = &self->side[i];

		s->ref = i == 1;
		s->name = kind_path(v->kind, s->ref);
		if (open_side(v, s) && !s->ref && errno == ENOENT)
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);

		WANT(0, rv(munmap(p + ps, ps)));
		WANT(SEGV_MAP, load(p + ps));
		WANT(want[0], load(p));
		WANT(want[2], load(p + 2 * ps));
		WANT(want[3], load(p + 3 * ps));
		/* Two VMAs now; the second keeps its file offset. */
		WANT_VMA(p, p, p + ps, 0);
		WANT_VMA(p + 2 * ps, p + 2 * ps, p + 4 * ps, 2 * ps);
		WANT_PERMS(p, prot_of(v));
		WANT_PERMS(p + 2 * ps, prot_of(v));

		/* The head and the tail: one page is left. */
		WANT(0, rv(munmap(p, ps)));
		WANT(0, rv(munmap(p + 3 * ps, ps)));
		WANT(SEGV_MAP, load(p));
		WANT(SEGV_MAP, load(p + 3 * ps));
		WANT(want[2], load(p + 2 * ps));

		/* Shared stores reached the file; private ones never do. */
		for (size_t i = 0; v->kind == KIND_FILE && i < NPAGES; i++)
			WANT(vm_shared(v) ? want[i] : base(v, i),
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map_prot(v, s, NPAGES, PROT_READ);
		int rw = PROT_READ | PROT_WRITE;

		WANT_MAPPED(p);
		WANT(SEGV_ACC, store(p, 'X'));
		WANT(writable(v), vmflag(p, "mw"));
		WANT(false, vmflag(p, "wr"));

		WANT(writable(v) ? 0 : -EACCES,
		     rv(mprotect(p, NPAGES * ps, rw)));
		WANT_PERMS(p, writable(v) ? rw : PROT_READ);
		WANT(writable(v), vmflag(p, "wr"));
		if (writable(v)) {
			WANT(0, store(p, 'X'));
			WANT('X', load(p));
		} else {
			WANT(SEGV_ACC, store(p, 'X'));
			WANT(base(v, 0), load(p));
		}
		if (v->kind == KIND_FILE)
			WANT(vm_shared(v) ? 'X' : FILL(0), file_byte(s, 0));

		/*
		 * One page back to read-only: a split, where the mapping
		 * was writable; else nothing changes (no split).
		 */
		WANT(0, rv(mprotect(p + ps, ps, PROT_READ)));
		WANT_PERMS(p + ps, PROT_READ);
		if (writable(v))
			WANT_VMA(p + ps, p + ps, p + 2 * ps, ps);
		else
			WANT_VMA(p + ps, p, p + NPAGES * ps, 0);
		WANT(SEGV_ACC, store(p + ps, 'Y'));
		WANT(base(v, 1), load(p + ps));
		WANT(writable(v) ? 0 : SEGV_ACC, store(p + 2 * ps, 'Y'));

		/* PROT_NONE: no access at all; the data survives it. */
		WANT(0, rv(mprotect(p + 3 * ps, ps, PROT_NONE)));
		WANT_PERMS(p + 3 * ps, PROT_NONE);
		WANT(SEGV_ACC, load(p + 3 * ps));
		WANT(0, rv(mprotect(p + 3 * ps, ps, PROT_READ)));
		WANT(base(v, 3), load(p + 3 * ps));
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		WANT((long)p, rv_map(mremap(p, NPAGES * ps, 2 * ps, 0)));
		WANT(SEGV_MAP, load(p + 2 * ps));
		WANT(SEGV_MAP, load(p + 3 * ps));
		WANT(want[0], load(p));
		WANT(want[1], load(p + ps));
		WANT_VMA(p, p, p + 2 * ps, 0);

		WANT((long)p, rv_map(mremap(p, 2 * ps, NPAGES * ps, 0)));
		WANT(vm_shared(v) ? want[2] : base(v, 2), load(p + 2 * ps));
		WANT(vm_shared(v) ? want[3] : base(v, 3), load(p + 3 * ps));
		munmap(p, NPAGES * ps);
	}
}

/*
 * mremap(MREMAP_MAYMOVE | MREMAP_FIXED) of the middle pages: they move
 * with their data and their file offset, the old range is a hole.
 */
TEST_F(ops, mremap_move)
{
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), *dst, *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		dst = reserve_window(2 * ps);
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
		WANT_VMA(dst, dst, dst + 2 * ps, moved_offset(v, s, dst, 1));
		WANT_PERMS(dst, prot_of(v));
		WANT(vm_shared(v), vmflag(dst, "sh"));
		WANT(shared(v), vmflag(dst, "ms"));

		/* The moved pages still are the file's pages 1 and 2. */
		if (vm_shared(v) && v->kind == KIND_FILE) {
			WANT(0, store(dst + ps, 'M'));
			WANT('M', file_byte(s, 2));
		} else if (v->kind == KIND_FILE && !writable(v)) {
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), *q;
		long want[NPAGES], past;

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		q = mremap(p, NPAGES * ps, BIG_PAGES * ps, MREMAP_MAYMOVE);
		ASSERT_NE(MAP_FAILED, q) TH_LOG("on %s", s->name);
		WANT(want[3], load(q + 3 * ps));
		WANT_VMA(q, q, q + BIG_PAGES * ps,
			 q == p ? 0 : moved_offset(v, s, q, 0));
		WANT_PERMS(q, prot_of(v));

		past = zero_backed(v) ? 0 : BUS_ADR;
		WANT(past, load(q + 4 * ps));
		WANT(past, load(q + 5 * ps));
		if (writable(v)) {
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		q = mremap(p + ps, 0, ps, MREMAP_MAYMOVE);
		if (!shared(v)) {
			WANT(-EINVAL, rv_map(q));
			munmap(p, NPAGES * ps);
			continue;
		}
		ASSERT_NE(MAP_FAILED, q) TH_LOG("on %s", s->name);
		WANT(true, q != p + ps);
		WANT(want[1], load(q));
		WANT_VMA(q, q, q + ps, moved_offset(v, s, q, 1));
		WANT_PERMS(q, prot_of(v));
		if (vm_shared(v)) {
			/* The same page through both addresses. */
			WANT(0, store(q, 'Z'));
			WANT('Z', load(p + ps));
			WANT(0, store(p + ps, 'Y'));
			WANT('Y', load(q));
		} else if (v->kind == KIND_FILE) {
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), *q;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
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
		WANT_VMA(q, q, q + NPAGES * ps, moved_offset(v, s, q, 0));

		WANT(0, pages_present(p, NPAGES));
		WANT_VMA(p, p, p + NPAGES * ps, 0);
		WANT_PERMS(p, prot_of(v));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(vm_shared(v) ? want[i] : base(v, i),
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long stored, after;

		WANT_MAPPED(p);
		if (writable(v)) {
			stored = 'S';
			WANT(0, store(p, 'S'));
		} else if (v->kind == KIND_FILE) {
			stored = 'S'; /* into the file itself */
			WANT(1, file_put(s, 0, 'S'));
		} else {
			stored = 0; /* zero-backed and read-only */
		}
		WANT(stored, load(p));
		WANT(base(v, 1), load(p + ps));

		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTNEED)));
		WANT(0, pages_present(p, NPAGES));
		if (vm_shared(v) || !writable(v))
			after = stored; /* the object's (or file's) */
		else
			after = base(v, 0); /* private: gone */
		WANT(after, load(p));
		WANT(base(v, 1), load(p + ps));

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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES], r;
		bool freed = zero_backed(v) && s->ref;

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		r = rv(madvise(p, NPAGES * ps, MADV_FREE));
		WANT(freed ? 0 : -EINVAL, r);
		for (size_t i = 0; i < NPAGES; i++) {
			long got = load(p + i * ps);

			if (freed && got == 0)
				got = want[i]; /* reclaimed: zero */
			WANT(want[i], got);
		}
		/* A store after MADV_FREE keeps its page. */
		if (writable(v)) {
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map(v, s, BIG_PAGES);
		bool file = v->kind == KIND_FILE;
		enum pstate st;
		uint64_t e;

		WANT_MAPPED(q);
		WANT(file ? -EFAULT : 0,
		     rv(madvise(q, BIG_PAGES * ps, MADV_POPULATE_READ)));
		WANT(NPAGES, pages_present(q, NPAGES));
		WANT(file ? 0 : 2, pages_present(q + NPAGES * ps, 2));
		WANT(0, rv(madvise(q, NPAGES * ps, MADV_POPULATE_READ)));

		st = after_populate(v);
		if (st == P_NONE)
			st = after_load(v);
		e = pagemap(q);
		WANT(true, !!(e & PM_PRESENT));
		WANT(pm_file(st), !!(e & PM_FILE));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(base(v, i), load(q + i * ps));
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), *r;
		bool file = v->kind == KIND_FILE;

		WANT_MAPPED(p);
		WANT(writable(v) ? 0 : -EINVAL,
		     rv(madvise(p, NPAGES * ps, MADV_POPULATE_WRITE)));
		if (writable(v)) {
			WANT(NPAGES, pages_present(p, NPAGES));
			WANT(pm_file(after_store(v)), !!(pagemap(p) & PM_FILE));
			WANT(base(v, 0), load(p));
			if (file) {
				WANT(1, file_put(s, 0, 'N'));
				WANT(shared(v) ? 'N' : FILL(0), load(p));
			}
		}

		r = map_prot(v, s, NPAGES, PROT_READ);
		WANT_MAPPED(r);
		WANT(-EINVAL, rv(madvise(r, NPAGES * ps, MADV_POPULATE_WRITE)));
		munmap(r, NPAGES * ps);

		if (writable(v)) {
			unsigned char *q = map(v, s, BIG_PAGES);

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
		       const struct ops_variant *v, const struct side *s,
		       int advice)
{
	unsigned char *p = map(v, s, NPAGES);
	long want[NPAGES];

	WANT_MAPPED(p);
	prepare(_metadata, v, s, p, NPAGES, want);
	WANT(0, rv(madvise(p, NPAGES * ps, advice)));
	for (size_t i = 0; i < NPAGES; i++)
		WANT(want[i], load(p + i * ps));
	for (size_t i = 0; v->kind == KIND_FILE && i < NPAGES; i++)
		WANT(vm_shared(v) ? want[i] : FILL(i), file_byte(s, i));

	WANT(0, rv(mlock(p, ps)));
	WANT(-EINVAL, rv(madvise(p, ps, advice)));
	WANT(0, rv(munlock(p, ps)));
	munmap(p, NPAGES * ps);
}

TEST_F(ops, madv_pageout)
{
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++)
		lru_advice(_metadata, v, s, MADV_PAGEOUT);
}

TEST_F(ops, madv_cold)
{
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++)
		lru_advice(_metadata, v, s, MADV_COLD);
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		long want[NPAGES], r;

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
		r = rv(madvise(p, NPAGES * ps, MADV_REMOVE));
		if (!vm_shared(v))
			WANT(-EACCES, r);
		else
			WANT(s->ref ? 0 : -ENODEV, r);
		for (size_t i = 0; i < NPAGES; i++)
			WANT(r == 0 ? 0 : want[i], load(p + i * ps));
		if (v->kind == KIND_FILE) {
			WANT(r == 0	  ? 0 :
			     vm_shared(v) ? want[1] :
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);

		WANT_MAPPED(p);
		WANT(0, rv(madvise(p, NPAGES * ps, MADV_WILLNEED)));
		WANT(v->populate ? NPAGES : 0, pages_present(p, NPAGES));
		for (size_t i = 0; i < NPAGES; i++)
			WANT(base(v, i), load(p + i * ps));
		munmap(p, NPAGES * ps);
	}
}

/* MADV_DONTDUMP and MADV_DODUMP set and clear VM_DONTDUMP ("dd"). */
TEST_F(ops, madv_dontdump)
{
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);

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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		size_t len = NPAGES * ps;
		long want[NPAGES];

		WANT_MAPPED(p);
		prepare(_metadata, v, s, p, NPAGES, want);
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		size_t len = NPAGES * ps;
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, v);
		WANT(0, rv(mlock(p, len)));
		WANT(true, vmflag(p, "lo"));
		WANT(false, vmflag(p, "lf"));
		for (int i = 0; i < NPAGES; i++) {
			if (writable(v) && !shared(v))
				model_store(&m, v, i);
			else
				model_load(&m, v, i);
		}
		check_acct(_metadata, s, p, model_acct(&m));
		WANT(smaps_kb(p, "Pss"), smaps_kb(p, "Locked"));
		WANT(NPAGES, pages_present(p, NPAGES));

		if (v->kind == KIND_FILE) {
			WANT(1, file_put(s, 0, 'N'));
			WANT(shared(v) ? 'N' : FILL(0), load(p));
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		size_t len = NPAGES * ps;
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, v);
		WANT(0, rv(mlock2(p, len, MLOCK_ONFAULT)));
		WANT(true, vmflag(p, "lo"));
		WANT(kernel_at_least(6, 2), vmflag(p, "lf"));
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 0; i < NPAGES; i++) {
			WANT(base(v, i), load(p + i * ps));
			model_load(&m, v, i);
		}
		if (writable(v)) {
			WANT(0, store(p, 'L'));
			model_store(&m, v, 0);
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES), vec[NPAGES];
		bool file = v->kind == KIND_FILE;

		WANT_MAPPED(p);
		WANT(base(v, 0), load(p));
		WANT(base(v, 1), load(p + ps));
		if (writable(v))
			WANT(0, store(p, 'R'));
		memset(vec, 0xff, sizeof(vec));
		WANT(0, rv(mincore(p, NPAGES * ps, vec)));
		for (size_t i = 0; i < NPAGES; i++) {
			bool touched = i < 2 || v->populate;

			WANT(touched || file, vec[i]);
		}

		WANT(0, rv(madvise(p, NPAGES * ps, MADV_DONTNEED)));
		memset(vec, 0xff, sizeof(vec));
		WANT(0, rv(mincore(p, NPAGES * ps, vec)));
		for (size_t i = 0; i < NPAGES; i++) {
			bool touched = i < 2 || v->populate;

			if (file)
				WANT(1, vec[i]);
			else if (!zero_backed(v)) /* an object's pages */
				WANT(s->ref && touched, vec[i]);
			else
				WANT(0, vec[i]);
		}
		munmap(p, NPAGES * ps);
	}
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		bool seen = shared(v) && can_store(v);
		long got[4], want[4];
		struct turns t;
		pid_t pid;
		int res[2];

		WANT_MAPPED(p);
		ASSERT_EQ(0, turns_init(&t));
		ASSERT_EQ(0, pipe(res));
		WANT(can_store(v), put(v, s, p, 0, 'P'));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			got[0] = load(p);
			got[1] = put(v, s, p, 1, 'K');
			turn_give(t.to_parent[1]);
			turn_wait(t.to_child[0]);
			got[2] = load(p + 2 * ps);
			got[3] = load(p + ps);
			_exit(write(res[1], got, sizeof(got)) == sizeof(got) ?
				      0 :
				      1);
		}
		turn_wait(t.to_parent[0]);
		WANT(seen ? 'K' : base(v, 1), load(p + ps));
		WANT(can_store(v), put(v, s, p, 2, 'Q'));
		turn_give(t.to_child[1]);
		memset(got, 0, sizeof(got));
		WANT(sizeof(got), read(res[0], got, sizeof(got)));
		WANT(0, wait_child(pid));

		want[0] = can_store(v) ? 'P' : 0;
		want[1] = can_store(v);
		want[2] = seen ? 'Q' : base(v, 2);
		want[3] = can_store(v) ? 'K' : 0;
		for (int i = 0; i < 4; i++)
			WANT(want[i], got[i]);
		if (v->kind == KIND_FILE)
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
TEST_F(ops, proc_mem)
{
	const struct ops_variant *v = &variant->v;
	bool forced = !shared(v) && proc_mem_forces();

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map_prot(v, s, BIG_PAGES, PROT_READ);
		bool file = v->kind == KIND_FILE;
		unsigned char c = 0xff;
		int mem;

		WANT_MAPPED(q);
		mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, mem);
		WANT(1, rv(pread(mem, &c, 1, (off_t)(uintptr_t)(q + ps))));
		WANT(base(v, 1), c);

		WANT(forced ? 1 : -EIO,
		     rv(pwrite(mem, "X", 1, (off_t)(uintptr_t)q)));
		WANT(forced ? 'X' : base(v, 0), load(q));
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
	const struct ops_variant *v = &variant->v;
	unsigned char probe;
	struct iovec probe_iov = { &probe, 1 };

	if (process_vm_readv(getpid(), &probe_iov, 1, &probe_iov, 1, 0) < 0 &&
	    errno == ENOSYS)
		SKIP(return,
			   "no process_vm_readv() in this kernel (CONFIG_CROSS_MEMORY_ATTACH)");

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *q = map(v, s, BIG_PAGES), buf[2 * 65536];
		bool file = v->kind == KIND_FILE;
		struct iovec local = { buf, 2 * ps }, remote;
		long want[NPAGES];
		pid_t me = getpid();

		WANT_MAPPED(q);
		prepare(_metadata, v, s, q, NPAGES, want);

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
		WANT(writable(v) ? 1 : -EFAULT,
		     rv(process_vm_writev(me, &local, 1, &remote, 1, 0)));
		WANT(writable(v) ? 'W' : want[1], load(q + ps));
		if (file)
			WANT(vm_shared(v) ? 'W' : FILL(1), file_byte(s, 1));
		remote = (struct iovec){ q + NPAGES * ps, 1 };
		WANT(writable(v) && !file ? 1 : -EFAULT,
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		enum pstate st = after_populate(v), st2;
		uint64_t e1, e2;
		size_t around;

		WANT_MAPPED(p);
		WANT(st != P_NONE ? NPAGES : 0, pages_present(p, NPAGES));
		WANT(base(v, 0), load(p));
		if (st == P_NONE)
			st = after_load(v);
		e1 = pagemap(p);
		WANT(true, !!(e1 & PM_PRESENT));
		WANT(pm_file(st), !!(e1 & PM_FILE));
		WANT(pm_exclusive(st), !!(e1 & PM_EXCLUSIVE));
		around = v->populate || v->kind == KIND_FILE ? NPAGES : 1;
		WANT(around, pages_present(p, NPAGES));

		if (!put(v, s, p, 0, 'S')) {
			WANT(0, load(p)); /* zero-backed, read-only */
			munmap(p, NPAGES * ps);
			continue;
		}
		st2 = writable(v) ? after_store(v) : st;
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
	const struct ops_variant *v = &variant->v;

	for (struct side *s = self->side; s < self->side + 2; s++) {
		unsigned char *p = map(v, s, NPAGES);
		struct model m;

		WANT_MAPPED(p);
		model_init(&m, v);
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 0; i < NPAGES; i++) {
			WANT(base(v, i), load(p + i * ps));
			model_load(&m, v, i);
		}
		check_acct(_metadata, s, p, model_acct(&m));

		for (int i = 1; i <= 2; i++) {
			if (!put(v, s, p, i, 'T'))
				continue;
			if (writable(v))
				model_store(&m, v, i);
			WANT('T', load(p + i * ps));
		}
		check_acct(_metadata, s, p, model_acct(&m));
		munmap(p, NPAGES * ps);
	}
}

TEST_HARNESS_MAIN
