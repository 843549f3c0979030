// SPDX-License-Identifier: GPL-2.0
/*
 * ops_test's model: what each variant (kind, type, open mode, populate
 * flag) must show, as functions the tests call; and the steps a test takes
 * on one side, the device or its reference, each returning what happened
 * as one number to compare.  The tests are in ops_test.c.
 *
 * The rules every expectation starts from:
 *  - MAP_SHARED of an fd open O_RDONLY: do_mmap() clears VM_MAYWRITE and
 *    VM_SHARED and keeps VM_MAYSHARE.  The mapping shows 's' in maps, but
 *    can never be written: PROT_WRITE and a later mprotect() to writable
 *    get EACCES.  For the anonymous kind, /dev/zero and the device decide
 *    alike: by VM_MAYSHARE from 7.x on (a shared object that cannot be
 *    written), by VM_SHARED before (served as a private mapping).
 *  - A MAP_PRIVATE mapping may be writable whatever the open mode: these
 *    tests map it PROT_READ | PROT_WRITE (and MAP_POPULATE then faults it
 *    in for writing: every page is copied at mmap() time).
 *  - Each page of a mapping is in one of four states (enum pstate): not
 *    mapped; a page of the file or of the shared object; the zero page,
 *    which every page of an anonymous-kind mapping without VM_SHARED maps
 *    until it is stored to; or the process's own anonymous copy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ops_model.h"

size_t ps;

/* ---- the rules, from the variant ---- */

bool shared(const struct ops_variant *v)
{
	return v->type == MAP_SHARED;
}

/* Not MAP_SHARED of a read-only fd (no VM_MAYWRITE): may be PROT_WRITE. */
bool writable(const struct ops_variant *v)
{
	return !(shared(v) && v->oflags == O_RDONLY);
}

/* VM_SHARED: stores go to the file or the shared object, seen by all. */
bool vm_shared(const struct ops_variant *v)
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
bool zero_backed(const struct ops_variant *v)
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
unsigned long long moved_offset(const struct ops_variant *v,
				const struct side *s, const void *addr,
				size_t pgoff)
{
	if (s->ref && zero_backed(v) && !writable(v))
		return (uintptr_t)addr;
	return pgoff * ps;
}

/* Can the test change what page i shows: a store, or a write to the file? */
bool can_store(const struct ops_variant *v)
{
	return writable(v) || v->kind == KIND_FILE;
}

int prot_of(const struct ops_variant *v)
{
	return writable(v) ? PROT_READ | PROT_WRITE : PROT_READ;
}

/* What page i shows before anyone stores to it. */
long base(const struct ops_variant *v, size_t i)
{
	return v->kind == KIND_FILE ? FILL(i) : 0;
}

/* What a load maps into an unmapped page. */
enum pstate after_load(const struct ops_variant *v)
{
	return zero_backed(v) ? P_ZERO : P_FILE;
}

/* What a store leaves (private: a copy; shared: the object's page). */
enum pstate after_store(const struct ops_variant *v)
{
	return shared(v) ? P_FILE : P_ANON;
}

/*
 * What MAP_POPULATE leaves: populate_vma_page_range() faults a private
 * writable mapping in for writing (copying every page now), everything
 * else for reading.
 */
enum pstate after_populate(const struct ops_variant *v)
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
bool pm_file(enum pstate st)
{
	return st == P_FILE;
}

/*
 * PM_MMAP_EXCLUSIVE: the page is mapped exactly once.  So is every page of
 * the file or object here, and every copy; the kernel's zero page has no
 * struct page to count.
 */
bool pm_exclusive(enum pstate st)
{
	return st != P_NONE && st != P_ZERO;
}

void model_init(struct model *m, const struct ops_variant *v)
{
	for (int i = 0; i < NPAGES; i++) {
		m->pg[i] = after_populate(v);
		/* The file's pages are dirty: written, never written back. */
		m->dirty[i] = m->pg[i] == P_ANON ||
			      (m->pg[i] == P_FILE && v->kind == KIND_FILE);
	}
}

void model_load(struct model *m, const struct ops_variant *v, int i)
{
	if (m->pg[i] != P_NONE)
		return;
	m->pg[i] = after_load(v);
	m->dirty[i] = m->pg[i] == P_FILE && v->kind == KIND_FILE;
}

void model_store(struct model *m, const struct ops_variant *v, int i)
{
	m->pg[i] = after_store(v);
	m->dirty[i] = true;
}

/*
 * What smaps shows for the pages of @m.  A page mapped once is private,
 * dirty if its PTE or its page is.  The kernel's zero page is not counted
 * at all.
 */
struct acct model_acct(const struct model *m)
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

/* ---- one step on one side ---- */

/* A system call's result: its return value, or -errno. */
long rv(long ret)
{
	return ret == -1 ? -errno : ret;
}

/* mremap()'s result as an address, or -errno. */
long rv_map(void *ret)
{
	return ret == MAP_FAILED ? -errno : (long)ret;
}

/* A load from @p: the byte, or -(signal * 100 + si_code) if it faulted. */
long load(const void *p)
{
	struct touch t = peek(p);

	if (!t.sig)
		return t.val;
	return t.addr == p ? -(t.sig * 100 + t.code) : FAULT_ELSEWHERE;
}

/* A store to @p: 0, or -(signal * 100 + si_code) if it faulted. */
long store(void *p, unsigned char val)
{
	struct touch t = poke(p, val);

	if (!t.sig)
		return 0;
	return t.addr == p ? -(t.sig * 100 + t.code) : FAULT_ELSEWHERE;
}

/* Byte 0 of page @i of the file, through read(): the byte or -errno. */
long file_byte(const struct side *s, size_t i)
{
	unsigned char c;
	ssize_t n = pread(s->rw, &c, 1, (off_t)(i * ps));

	return n == 1 ? c : n < 0 ? -errno : FAULT_ELSEWHERE;
}

/* Write @c at byte 0 of page @i of the file: 1, or -errno. */
long file_put(const struct side *s, size_t i, unsigned char c)
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
void *reserve_window(size_t len)
{
	return reserve(len, WINDOW);
}

/* Map @npages of @s with @prot and the variant's type and populate flag. */
unsigned char *map_prot(const struct ops_variant *v, const struct side *s,
			size_t npages, int prot)
{
	size_t len = npages * ps;
	void *at = reserve_window(len), *p;

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
unsigned char *map(const struct ops_variant *v, const struct side *s,
		   size_t npages)
{
	return map_prot(v, s, npages, prot_of(v));
}

/* load(@p) in a fork child: what a child inherits. */
long child_load(const void *p)
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
int open_side(const struct ops_variant *v, struct side *s)
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

/*
 * Change what page @i of @p shows, the way the variant allows: a store
 * through the mapping, else a write to the file.  False if neither can.
 */
bool put(const struct ops_variant *v, const struct side *s, unsigned char *p,
	 size_t i, unsigned char c)
{
	if (writable(v))
		return store(p + i * ps, c) == 0;
	if (v->kind == KIND_FILE)
		return file_put(s, i, c) == 1;
	return false;
}

/*
 * Does /proc/self/mem write with FOLL_FORCE here?  Kernels built with
 * CONFIG_PROC_MEM_FORCE_PTRACE (Debian's 7.x) force only for a tracer:
 * probed on a PROT_READ page of anonymous memory.
 */
bool proc_mem_forces(void)
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
