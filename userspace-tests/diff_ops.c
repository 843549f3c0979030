// SPDX-License-Identifier: GPL-2.0
/*
 * diff_test's operations: each runs on one side, the device or its
 * reference, in slot terms (an operation names a slot and a window of its
 * pages, never an address), and returns what the side did (struct result).
 * With them, what the two sides are made of, and the names of it all, for
 * the reports.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/uio.h>

#include "diff_test.h"

/* ---- names, and odds and ends ---- */

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	case EBADF:
		return "EBADF";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case EACCES:
		return "EACCES";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EEXIST:
		return "EEXIST";
	case ENODEV:
		return "ENODEV";
	case EINVAL:
		return "EINVAL";
	case ENOTTY:
		return "ENOTTY";
	case EFBIG:
		return "EFBIG";
	case ESPIPE:
		return "ESPIPE";
	case EOVERFLOW:
		return "EOVERFLOW";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

const char *signame(int sig, int code)
{
	static char buf[32];

	if (!sig)
		return "no signal";
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SIGSEGV/SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SIGSEGV/SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR)
		return "SIGBUS/BUS_ADRERR";
	snprintf(buf, sizeof(buf), "signal %d/code %d", sig, code);
	return buf;
}

const char *prot_str(int prot)
{
	static char buf[4][4];
	static int i;
	char *b = buf[i++ % 4];

	b[0] = prot & PROT_READ ? 'r' : '-';
	b[1] = prot & PROT_WRITE ? 'w' : '-';
	b[2] = prot & PROT_EXEC ? 'x' : '-';
	b[3] = 0;
	return b;
}

int perms_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) |
	       (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* /proc/self/mem reaches any page a mapping has, whatever its protection. */
ssize_t mem_read(const void *addr, void *buf, size_t len)
{
	return pread(procmem, buf, len, (off_t)(uintptr_t)addr);
}

ssize_t mem_write(void *addr, const void *buf, size_t len)
{
	return pwrite(procmem, buf, len, (off_t)(uintptr_t)addr);
}

char *slot_addr(const struct side *s, int slot, int pg)
{
	return s->arena + ((size_t)slot * STRIDE + pg) * ps;
}

int side_resize(const struct side *s, long long size)
{
	if (s->bk == BK_MMAPDEMO)
		return md_set_size(s->fd, (uint64_t)size);
	return ftruncate(s->fd, size);
}

long long side_size(const struct side *s)
{
	return lseek(s->iofd, 0, SEEK_END);
}

/*
 * Page @idx of a file, bytes beyond the end included: read into @buf
 * through the side's view, or (@store) written from it through a shared
 * mapping of its own.
 */
bool file_page(const struct side *s, long long idx, unsigned char *buf,
	       bool store)
{
	unsigned char *m;
	int sig;

	if (idx >= MAXFILE + 4)
		return false;
	if (!store) {
		sig = peek(s->view + idx * ps).sig;
		if (!sig)
			memcpy(buf, s->view + idx * ps, ps);
		return !sig;
	}
	m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		 (off_t)(idx * ps));
	if (m == MAP_FAILED)
		return false;
	sig = store_bytes(m, 0, 1).sig;
	if (!sig)
		memcpy(m, buf, ps);
	munmap(m, ps);
	return !sig;
}

/* Make the reference's file what the device's is, contents and tail. */
bool file_sync(struct seq *q)
{
	const struct side *d = &q->p->dev, *r = &q->p->ref;
	long long size = side_size(d);

	if (size < 0 || size != side_size(r) || size > MAXFILE * (long long)ps)
		return false;
	if (pread(d->iofd, scratch[0], size, 0) != size ||
	    pwrite(r->iofd, scratch[0], size, 0) != size)
		return false;
	if (size % ps && (!file_page(d, size / ps, scratch[0], false) ||
			  !file_page(r, size / ps, scratch[0], true)))
		return false;
	return true;
}

static const char *const op_names[NR_OPS] = {
	[OP_MMAP] = "mmap",
	[OP_MUNMAP] = "munmap",
	[OP_LOAD] = "load",
	[OP_STORE] = "store",
	[OP_PREAD] = "pread",
	[OP_PWRITE] = "pwrite",
	[OP_RESIZE] = "resize",
	[OP_MPROTECT] = "mprotect",
	[OP_MREMAP] = "mremap",
	[OP_MADVISE] = "madvise",
	[OP_MSYNC] = "msync",
	[OP_MLOCK] = "mlock",
	[OP_MUNLOCK] = "munlock",
	[OP_FORK] = "fork",
	[OP_PROCMEM] = "/proc/self/mem",
	[OP_PVM] = "process_vm",
	[OP_HUGE] = "huge mmap",
};

static const char *advice_name(int a)
{
	switch (a) {
	case MADV_DONTNEED:
		return "MADV_DONTNEED";
	case MADV_WILLNEED:
		return "MADV_WILLNEED";
	case MADV_COLD:
		return "MADV_COLD";
	case MADV_PAGEOUT:
		return "MADV_PAGEOUT";
	case MADV_POPULATE_READ:
		return "MADV_POPULATE_READ";
	case MADV_POPULATE_WRITE:
		return "MADV_POPULATE_WRITE";
	case MADV_DONTFORK:
		return "MADV_DONTFORK";
	case MADV_DOFORK:
		return "MADV_DOFORK";
	case MADV_REMOVE:
		return "MADV_REMOVE";
	case MADV_FREE:
		return "MADV_FREE";
	}
	return "?";
}

static const char *mflags_str(int flags)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
		 (flags & MAP_TYPE) == MAP_SHARED_VALIDATE ? "SHARED_VALIDATE" :
		 (flags & MAP_TYPE) == MAP_SHARED	   ? "SHARED" :
							     "PRIVATE",
		 flags & MAP_FIXED ? "|FIXED" : "",
		 flags & MAP_FIXED_NOREPLACE ? "|FIXED_NOREPLACE" : "",
		 flags & MAP_POPULATE ? "|POPULATE" : "",
		 flags & MAP_NORESERVE ? "|NORESERVE" : "");
	return buf;
}

static const char *msync_str(int f)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s", f & MS_SYNC ? "MS_SYNC " : "",
		 f & MS_ASYNC ? "MS_ASYNC " : "",
		 f & MS_INVALIDATE ? "MS_INVALIDATE " : "");
	return buf;
}

void op_str(const struct op *op, char *b, size_t n)
{
	char buf[64] = "heap";

	if ((op->type == OP_PREAD || op->type == OP_PWRITE) && op->slot >= 0)
		snprintf(buf, sizeof(buf), "slot %d page %d + %d", op->slot,
			 op->pg, op->off);

	switch (op->type) {
	case OP_MMAP:
		snprintf(b, n,
			 "mmap slot %d pages [%d,+%d) %s %s %s fd offset %#llx",
			 op->slot, op->pg, op->npg, prot_str(op->prot),
			 mflags_str(op->flags), op->ro ? "O_RDONLY" : "O_RDWR",
			 (unsigned long long)op->pos);
		break;
	case OP_MUNMAP:
	case OP_MUNLOCK:
		snprintf(b, n, "%s slot %d pages [%d,+%d)", op_names[op->type],
			 op->slot, op->pg, op->npg);
		break;
	case OP_LOAD:
		snprintf(b, n, "load slot %d page %d + %d", op->slot, op->pg,
			 op->off);
		break;
	case OP_STORE:
		snprintf(b, n, "store slot %d page %d + %d, %d bytes of %#x",
			 op->slot, op->pg, op->off, op->len, op->val);
		break;
	case OP_PREAD:
		if (op->pos < 0)
			snprintf(b, n, "read %d bytes into %s", op->len, buf);
		else
			snprintf(b, n, "pread %d bytes at %lld into %s",
				 op->len, op->pos, buf);
		break;
	case OP_PWRITE:
		snprintf(b, n, "pwrite %d bytes at %lld from %s (pattern %#x)",
			 op->len, op->pos, buf, op->val);
		break;
	case OP_RESIZE:
		snprintf(b, n, "resize to %lld", op->pos);
		break;
	case OP_MPROTECT:
		snprintf(b, n, "mprotect slot %d pages [%d,+%d) %s", op->slot,
			 op->pg, op->npg, prot_str(op->prot));
		break;
	case OP_MREMAP:
		if (op->slot2 >= 0)
			snprintf(
				b, n,
				"mremap slot %d pages [%d,+%d) to %d pages at slot %d%s",
				op->slot, op->pg, op->npg, op->arg, op->slot2,
				op->npg ? "" : " (a copy)");
		else
			snprintf(b, n,
				 "mremap slot %d pages [%d,+%d) to %d pages%s",
				 op->slot, op->pg, op->npg, op->arg,
				 op->flags & MREMAP_MAYMOVE ?
					 " MREMAP_MAYMOVE" :
					 "");
		break;
	case OP_MADVISE:
		snprintf(b, n, "madvise slot %d pages [%d,+%d) %s", op->slot,
			 op->pg, op->npg, advice_name(op->arg));
		break;
	case OP_MSYNC:
		snprintf(b, n, "msync slot %d pages [%d,+%d) %s", op->slot,
			 op->pg, op->npg, msync_str(op->arg));
		break;
	case OP_MLOCK:
		snprintf(b, n, "mlock%s slot %d pages [%d,+%d)",
			 op->arg ? "2 MLOCK_ONFAULT" : "", op->slot, op->pg,
			 op->npg);
		break;
	case OP_FORK:
		snprintf(b, n, "fork, the child %s slot %d page %d + %d",
			 op->write ? "stores to" : "loads from", op->slot,
			 op->pg, op->off);
		break;
	case OP_PROCMEM:
	case OP_PVM:
		snprintf(b, n, "%s %s %d bytes at slot %d page %d + %d",
			 op->type == OP_PVM ?
				 (op->write ? "process_vm_writev" :
					      "process_vm_readv") :
				 (op->write ? "pwrite /proc/self/mem" :
					      "pread /proc/self/mem"),
			 op->write ? "writes" : "reads", op->len, op->slot,
			 op->pg, op->off);
		break;
	case OP_HUGE:
		snprintf(b, n,
			 "mmap %zu GiB %s %s %s, load its first byte, munmap",
			 huge_len >> 30, prot_str(op->prot),
			 mflags_str(op->flags), op->ro ? "O_RDONLY" : "O_RDWR");
		break;
	default:
		snprintf(b, n, "?");
	}
}

void fill_pattern(unsigned char *b, size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 7 + (i >> 8));
}

#define SYSRET(r, expr)                              \
	do {                                         \
		errno = 0;                           \
		(r)->ret = (long)(expr);             \
		(r)->err = (r)->ret < 0 ? errno : 0; \
	} while (0)

static void do_mmap(const struct side *s, const struct op *op, struct result *r)
{
	char *a = slot_addr(s, op->slot, op->pg);
	int flags = op->flags, fd = op->ro ? s->rofd : s->fd;
	off_t off = (off_t)op->pos;
	void *m;

	if (s->bk == BK_MAPANON) {
		flags |= MAP_ANONYMOUS;
		fd = -1;
		off = 0;
	}
	errno = 0;
	m = mmap(a, (size_t)op->npg * ps, op->prot, flags, fd, off);
	if (m == MAP_FAILED) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	r->addr = m;
	if (m != a) {
		munmap(m, (size_t)op->npg * ps);
		errno = 0;
		harness_error("mmap() not placed in its slot", s);
	}
}

static void do_mremap(const struct side *s, const struct op *op,
		      struct result *r)
{
	char *old = slot_addr(s, op->slot, op->pg);
	char *to = op->slot2 >= 0 ? slot_addr(s, op->slot2, 0) : NULL;
	size_t oldlen = (size_t)op->npg * ps, newlen = (size_t)op->arg * ps;
	void *m;

	errno = 0;
	m = mremap(old, oldlen, newlen, op->flags, to);
	if (m == MAP_FAILED) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	r->addr = m;
	/*
	 * Where a mapping lands is not compared; where it lies next to is
	 * what later steps see.  A move that was not asked for goes back.
	 */
	if (!to && m != old &&
	    mremap(m, newlen, newlen, MREMAP_MAYMOVE | MREMAP_FIXED, old) !=
		    old)
		harness_error("mremap() back to its slot", s);
}

/*
 * fork(): the child does the operation on each side, one after the other,
 * and reports through a pipe; then the parent looks.  One child for both
 * sides: a fork is the dearest step there is.
 */
void do_fork(const struct pair *p, const struct op *op, struct result *rd,
	     struct result *rr)
{
	struct {
		int sig, code;
		unsigned char val;
	} cr[2] = { 0 };
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds))
		harness_error("pipe", &p->dev);
	pid = fork();
	if (pid < 0)
		harness_error("fork", &p->dev);
	if (pid == 0) {
		close(fds[0]);
		for (int i = 0; i < 2; i++) {
			const struct side *s = i ? &p->ref : &p->dev;
			unsigned char *a = (unsigned char *)slot_addr(
						   s, op->slot, op->pg) +
					   op->off;
			struct touch t = touch(a, op->write, op->val);

			cr[i].sig = t.sig;
			cr[i].code = t.code;
			cr[i].val = t.val;
		}
		_exit(write(fds[1], cr, sizeof(cr)) == (ssize_t)sizeof(cr) ? 0 :
									     1);
	}
	close(fds[1]);
	n = read(fds[0], cr, sizeof(cr));
	close(fds[0]);
	status = wait_child(pid);
	memset(rd, 0, sizeof(*rd));
	memset(rr, 0, sizeof(*rr));
	rd->ret = n == (ssize_t)sizeof(cr) ? status : -2;
	rr->ret = rd->ret;
	rd->sig = cr[0].sig;
	rd->code = cr[0].code;
	rd->data = cr[0].val;
	rr->sig = cr[1].sig;
	rr->code = cr[1].code;
	rr->data = cr[1].val;
}

static void do_huge(const struct side *s, const struct op *op, struct result *r)
{
	int flags = op->flags, fd = op->ro ? s->rofd : s->fd;
	struct touch t;
	void *m;

	if (s->bk == BK_MAPANON) {
		flags |= MAP_ANONYMOUS;
		fd = -1;
	}
	errno = 0;
	m = mmap(NULL, huge_len, op->prot, flags, fd, 0);
	if (m == MAP_FAILED) {
		r->ret = -1;
		r->err = errno;
		return;
	}
	if (op->prot != PROT_NONE) {
		t = peek(m);
		r->sig = t.sig;
		r->code = t.code;
		r->data = t.val;
	}
	munmap(m, huge_len);
}

/* Run @op on one side. */
void exec_op(const struct side *s, const struct op *op, struct result *r)
{
	unsigned char *a = NULL, *buf = iobuf;
	size_t len = (size_t)op->npg * ps;
	struct iovec local, remote;
	struct fault f;
	struct touch t;

	memset(r, 0, sizeof(*r));
	if (op->slot >= 0)
		a = (unsigned char *)slot_addr(s, op->slot, op->pg);

	switch (op->type) {
	case OP_MMAP:
		do_mmap(s, op, r);
		break;
	case OP_MUNMAP:
		SYSRET(r, munmap(a, len));
		break;
	case OP_LOAD:
		t = peek(a + op->off);
		r->sig = t.sig;
		r->code = t.code;
		r->data = t.val;
		break;
	case OP_STORE:
		f = store_bytes(a + op->off, op->val, op->len);
		r->sig = f.sig;
		r->code = f.code;
		break;
	case OP_PREAD:
		if (a)
			buf = a + op->off;
		else
			memset(iobuf, 0xee, op->len);
		if (op->pos < 0)
			SYSRET(r, read(s->iofd, buf, op->len));
		else
			SYSRET(r, pread(s->iofd, buf, op->len, op->pos));
		if (!a && r->ret > 0)
			r->data = hash_bytes(iobuf, r->ret);
		break;
	case OP_PWRITE:
		if (a)
			buf = a + op->off;
		else
			fill_pattern(iobuf, op->len, op->val);
		SYSRET(r, pwrite(s->iofd, buf, op->len, op->pos));
		break;
	case OP_RESIZE:
		SYSRET(r, side_resize(s, op->pos));
		break;
	case OP_MPROTECT:
		SYSRET(r, mprotect(a, len, op->prot));
		break;
	case OP_MREMAP:
		do_mremap(s, op, r);
		break;
	case OP_MADVISE:
		SYSRET(r, madvise(a, len, op->arg));
		break;
	case OP_MSYNC:
		SYSRET(r, msync(a, len, op->arg));
		break;
	case OP_MLOCK:
		if (op->arg)
			SYSRET(r, mlock2(a, len, MLOCK_ONFAULT));
		else
			SYSRET(r, mlock(a, len));
		break;
	case OP_MUNLOCK:
		SYSRET(r, munlock(a, len));
		break;
	case OP_PROCMEM:
		if (op->write) {
			fill_pattern(iobuf, op->len, op->val);
			SYSRET(r, mem_write(a + op->off, iobuf, op->len));
		} else {
			SYSRET(r, mem_read(a + op->off, iobuf, op->len));
			if (r->ret > 0)
				r->data = hash_bytes(iobuf, r->ret);
		}
		break;
	case OP_PVM:
		local.iov_base = iobuf;
		local.iov_len = op->len;
		remote.iov_base = a + op->off;
		remote.iov_len = op->len;
		if (op->write) {
			fill_pattern(iobuf, op->len, op->val);
			SYSRET(r, process_vm_writev(getpid(), &local, 1,
						    &remote, 1, 0));
		} else {
			SYSRET(r, process_vm_readv(getpid(), &local, 1, &remote,
						   1, 0));
			if (r->ret > 0)
				r->data = hash_bytes(iobuf, r->ret);
		}
		break;
	case OP_HUGE:
		do_huge(s, op, r);
		break;
	default:
		break;
	}
}
