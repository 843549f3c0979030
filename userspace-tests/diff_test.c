// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test: mmapdemo's devices against the kernel's own.
 *
 * /dev/mmapdemo must behave as a memfd of the same size, and
 * /dev/mmapdemo-anon as /dev/zero.  Each sequence is a seeded random list of
 * operations (mmap, munmap, loads and stores, pread/pwrite, resize, mprotect,
 * mremap, madvise, msync, mlock, fork, /proc/self/mem and
 * process_vm_readv/writev) run step by step on the device ("dev") and on its
 * reference ("ref").  The two sides map at different addresses, so an
 * operation names a slot, a window of pages, never an address.  After every
 * step the test compares what each side returned (value, errno, the signal
 * and si_code of an access, the data read) and what each side shows now:
 * the permission column of /proc/self/maps for every page of every slot,
 * what reading the pages the step may have changed gives (in every slot
 * that maps them), and for a file its size, its contents and the bytes
 * beyond its end in its last page.  At the end of a sequence it compares
 * every page of every slot.
 *
 * The few intended differences are the rows of divergences[]: each says
 * what the device must return where the reference returns something else,
 * and is checked as such, never skipped.  A mismatch prints the seed, the
 * sequence up to the failing step and the command that replays it.
 *
 * -S runs the very same machinery on pairs that need no module: a tmpfs file
 * (the "device") against a memfd, and MAP_ANONYMOUS against /dev/zero.  It
 * checks the test itself, on any Linux.  See docs/differential.md.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>

#include "kselftest.h"
#include "mmapdemo_util.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define NSLOTS 4 /* mappings a sequence juggles */
#define WIN 32 /* pages of a slot's window that may be mapped */
#define STRIDE 64 /* pages between two windows: the rest is a guard */
#define MAXLEN 6 /* pages per mmap() */
#define MAXFILE 16 /* pages the file may grow to */
#define NSTEPS 16 /* operations per sequence */
#define DEFAULT_COUNT 100 /* sequences per pair: ~15 s on a debug kernel */

/* Where the slot windows live: far below where the kernel places mmap(). */
#define ARENA_BASE (sizeof(long) == 8 ? (uintptr_t)1 << 44 : (uintptr_t)1 << 29)
#define ARENA_GAP (sizeof(long) == 8 ? (uintptr_t)1 << 32 : (uintptr_t)1 << 26)

static size_t ps;
static unsigned int kver; /* major * 100 + minor */
static size_t huge_len; /* more than RAM and swap together */
static int procmem = -1; /* /proc/self/mem */
static bool verbose;
static uint64_t zero_hash; /* hash of a page of zeroes */
static unsigned char *iobuf; /* 4 pages for syscalls' data */
static unsigned char *scratch[2]; /* MAXFILE + 6 pages each */
static unsigned char *pre[2]; /* WIN pages each, for the rows */

/*
 * The pairs.  A side is what the operations run on: the device, or its
 * reference.  The self-check pairs need no module.
 */
enum pair_id { PAIR_FILE, PAIR_ANON, PAIR_SFILE, PAIR_SANON, NR_PAIRS };
#define P(id) (1u << (id))

enum backing {
	BK_MMAPDEMO,
	BK_MEMFD,
	BK_TMPFILE,
	BK_ANONDEV,
	BK_DEVZERO,
	BK_MAPANON
};

struct side {
	const char *name;
	enum backing bk;
	int fd; /* mmap() through this, open O_RDWR; -1: MAP_ANONYMOUS */
	int rofd; /* the same file, O_RDONLY */
	int iofd; /* read(), write(), the size */
	char *arena; /* slot windows */
	unsigned char *view; /* a file: all of it, shared and read-only */
};

struct pair {
	enum pair_id id;
	const char *name;
	bool file; /* a file with a size, or anonymous memory */
	bool nofd; /* the device side is MAP_ANONYMOUS: no fd, no offset */
	struct side dev, ref;
};

/* One operation, in slot terms: the same for both sides. */
enum op_type {
	OP_MMAP,
	OP_MUNMAP,
	OP_LOAD,
	OP_STORE,
	OP_PREAD,
	OP_PWRITE,
	OP_RESIZE,
	OP_MPROTECT,
	OP_MREMAP,
	OP_MADVISE,
	OP_MSYNC,
	OP_MLOCK,
	OP_MUNLOCK,
	OP_FORK,
	OP_PROCMEM,
	OP_PVM,
	OP_HUGE,
	NR_OPS
};

#define B(op) (1u << (op))

struct op {
	enum op_type type;
	int slot; /* slot operated on; -1 for a heap buffer */
	int slot2; /* mremap: the empty slot moved or copied to */
	int pg, npg; /* pages [pg, pg + npg) of the slot's window */
	int off, len; /* bytes at offset off of page pg */
	int prot, flags;
	int arg; /* advice, msync flags, MLOCK_ONFAULT, new pages */
	bool ro; /* mmap() through the O_RDONLY fd */
	bool write; /* fork, procmem, pvm: store rather than load */
	unsigned char val; /* the byte stored, or the pattern written */
	long long pos; /* file position, new size, mmap() offset */
};

/* What one side returned.  addr is where a mapping landed: not compared. */
struct result {
	long ret;
	int err;
	int sig, code;
	uint64_t data;
	void *addr;
};

/* What one side shows after a step. */
struct slot_obs {
	int nvma; /* VMAs in the window */
	int vid[WIN]; /* which VMA maps the page; -1: none */
	int extent; /* end of the last VMA, in pages */
	char perms[WIN][5]; /* "rw-s", or "none" */
	long long fpg[WIN]; /* the page of the file it maps */
	uint32_t probed; /* pages read this step */
	int sig[WIN], code[WIN]; /* what loading its first byte gave */
};

struct side_obs {
	struct slot_obs slot[NSLOTS];
	bool file; /* the file was read this step */
	long long size;
	bool read_ok; /* pread() read it all */
};

/* What a step may have changed, so what to look at after it. */
struct probe {
	bool maps; /* VMAs: read /proc/self/maps again */
	uint32_t pages[NSLOTS]; /* the pages to read, per slot */
	long long flo, fhi; /* and those mapping these file pages */
	bool file; /* the file's size and contents */
};

struct seq {
	struct pair *p;
	uint64_t seed, rng;
	int nops;
	struct op ops[NSTEPS];
	long long size0;
	struct side_obs obs[2]; /* dev, ref */
	char why[512]; /* what differed */
};

struct ctx;

/*
 * An intended difference.  It is selected by the pair, the operation and
 * what the reference returned; the device must then return dev_ret/dev_err,
 * and then() checks what else differs and brings the reference to the
 * device's state, so that the sequence goes on comparing everything.
 */
#define ANY LONG_MIN /* ref_ret: whatever the reference returned */
#define SAME LONG_MIN /* dev_ret: what the reference returned */

struct divergence {
	const char *id;
	unsigned int pairs, ops;
	int advice; /* OP_MADVISE: which one */
	bool (*when)(struct ctx *c); /* the request; NULL: any */
	long ref_ret;
	int ref_err;
	long dev_ret;
	int dev_err;
	void (*expect)(struct ctx *c, long *ret, int *err); /* or this */
	void (*before)(struct ctx *c);
	bool (*then)(struct ctx *c);
	const char *what;
};

struct ctx {
	struct seq *q;
	const struct op *op;
	struct result *rd, *rr;
	unsigned char *pre[2];
	long long size; /* file size before the step */
};

/* ---- odds and ends ---- */

static uint64_t hash_bytes(const void *p, size_t n)
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

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int rnd(struct seq *q, int n)
{
	return n > 1 ? (int)(splitmix(&q->rng) % (uint64_t)n) : 0;
}

static bool chance(struct seq *q, int percent)
{
	return rnd(q, 100) < percent;
}

static const char *errname(int e)
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

static const char *signame(int sig, int code)
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

static const char *prot_str(int prot)
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

static int perms_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) |
	       (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* ---- accesses that may fault ---- */

/*
 * One handler for the whole run, with SA_NODEFER so that siglongjmp() out
 * of it leaves nothing blocked: an access then costs no system call.
 */
static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probe_armed, probe_sig, probe_code;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	if (!probe_armed) {
		/* Not ours: die of it. */
		signal(sig, SIG_DFL);
		return;
	}
	probe_armed = 0;
	probe_sig = sig;
	probe_code = si->si_code;
	siglongjmp(probe_jmp, 1);
}

/* Load the byte at @p: 0, or the signal that it raised (and its code). */
static int load_byte(const volatile unsigned char *p, unsigned char *val,
		     int *code)
{
	*val = 0;
	*code = 0;
	if (sigsetjmp(probe_jmp, 0) == 0) {
		probe_armed = 1;
		*val = *p;
		probe_armed = 0;
		return 0;
	}
	*code = probe_code;
	return probe_sig;
}

/* Store @n bytes of @val at @p, within one page. */
static int store_bytes(volatile unsigned char *p, unsigned char val, int n,
		       int *code)
{
	*code = 0;
	if (sigsetjmp(probe_jmp, 0) == 0) {
		probe_armed = 1;
		for (int i = 0; i < n; i++)
			p[i] = val;
		probe_armed = 0;
		return 0;
	}
	*code = probe_code;
	return probe_sig;
}

/* /proc/self/mem reaches any page a mapping has, whatever its protection. */
static ssize_t mem_read(const void *addr, void *buf, size_t len)
{
	return pread(procmem, buf, len, (off_t)(uintptr_t)addr);
}

static ssize_t mem_write(void *addr, const void *buf, size_t len)
{
	return pwrite(procmem, buf, len, (off_t)(uintptr_t)addr);
}

/* ---- /proc/self/maps ---- */

struct vma {
	uintptr_t start, end;
	char perms[5];
	unsigned long long off; /* file offset of start */
};

static struct vma vmas[2048];
static int nvmas;
static char maps_buf[1 << 18];

static int maps_fd = -1;

static void read_maps(void)
{
	size_t n = 0;
	ssize_t r;
	char *line, *end;

	/* Kept open: reading from 0 again walks the VMAs afresh. */
	while ((r = pread(maps_fd, maps_buf + n, sizeof(maps_buf) - 1 - n, n)) >
	       0)
		n += r;
	if (r < 0)
		ksft_exit_fail_perror("/proc/self/maps");
	maps_buf[n] = 0;
	nvmas = 0;
	for (line = maps_buf; *line && nvmas < (int)ARRAY_SIZE(vmas);
	     line = end + 1) {
		struct vma *v = &vmas[nvmas];

		v->start = strtoul(line, &end, 16);
		v->end = strtoul(end + 1, &end, 16);
		memcpy(v->perms, end + 1, 4);
		v->perms[4] = 0;
		v->off = strtoull(end + 6, &end, 16);
		nvmas++;
		end = strchr(end, '\n');
		if (!end)
			break;
	}
}

/* The VMA holding @addr, or -1. */
static int vma_at(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	int lo = 0, hi = nvmas - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (a < vmas[mid].start)
			hi = mid - 1;
		else if (a >= vmas[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/* ---- the two sides ---- */

static char *slot_addr(const struct side *s, int slot, int pg)
{
	return s->arena + ((size_t)slot * STRIDE + pg) * ps;
}

static int side_resize(const struct side *s, long long size)
{
	if (s->bk == BK_MMAPDEMO)
		return md_set_size(s->fd, (uint64_t)size);
	return ftruncate(s->fd, size);
}

static long long side_size(const struct side *s)
{
	return lseek(s->iofd, 0, SEEK_END);
}

/*
 * Page @idx of a file, bytes beyond the end included: read into @buf
 * through the side's view, or (@store) written from it through a shared
 * mapping of its own.
 */
static bool file_page(const struct side *s, long long idx, unsigned char *buf,
		      bool store)
{
	unsigned char *m, v;
	int sig, code;

	if (idx >= MAXFILE + 4)
		return false;
	if (!store) {
		sig = load_byte(s->view + idx * ps, &v, &code);
		if (!sig)
			memcpy(buf, s->view + idx * ps, ps);
		return !sig;
	}
	m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		 (off_t)(idx * ps));
	if (m == MAP_FAILED)
		return false;
	sig = store_bytes(m, 0, 1, &code);
	if (!sig)
		memcpy(m, buf, ps);
	munmap(m, ps);
	return !sig;
}

/* Make the reference's file what the device's is, contents and tail. */
static bool file_sync(struct seq *q)
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

/* ---- operations ---- */

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

static void op_str(const struct op *op, char *b, size_t n)
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

static void fill_pattern(unsigned char *b, size_t n, unsigned char seed)
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

static void harness_error(const char *what, const struct side *s)
{
	ksft_exit_fail_msg("%s on %s: %s\n", what, s->name, strerror(errno));
}

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
static void do_fork(const struct pair *p, const struct op *op,
		    struct result *rd, struct result *rr)
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

			if (op->write)
				cr[i].sig =
					store_bytes(a, op->val, 1, &cr[i].code);
			else
				cr[i].sig =
					load_byte(a, &cr[i].val, &cr[i].code);
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
	unsigned char v;
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
		r->sig = load_byte(m, &v, &r->code);
		r->data = v;
	}
	munmap(m, huge_len);
}

/* Run @op on one side. */
static void exec_op(const struct side *s, const struct op *op, struct result *r)
{
	unsigned char *a = NULL, *buf = iobuf, v;
	size_t len = (size_t)op->npg * ps;
	struct iovec local, remote;

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
		r->sig = load_byte(a + op->off, &v, &r->code);
		r->data = v;
		break;
	case OP_STORE:
		r->sig = store_bytes(a + op->off, op->val, op->len, &r->code);
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

/* ---- observing a side ---- */

/*
 * Each page of each slot: the permission column of its line in the maps,
 * which VMA holds it and which page of the file it maps.
 */
static void layout_side(const struct side *s, struct side_obs *o)
{
	for (int sl = 0; sl < NSLOTS; sl++) {
		struct slot_obs *so = &o->slot[sl];
		int last = -1;

		so->nvma = 0;
		so->extent = 0;
		for (int pg = 0; pg < WIN; pg++) {
			char *a = slot_addr(s, sl, pg);
			int v = vma_at(a);

			so->vid[pg] = v;
			so->fpg[pg] = -1;
			if (v < 0) {
				memcpy(so->perms[pg], "none", 5);
				last = -1;
				continue;
			}
			memcpy(so->perms[pg], vmas[v].perms, 5);
			so->fpg[pg] = (long long)((vmas[v].off + (uintptr_t)a -
						   vmas[v].start) /
						  ps);
			if (v != last)
				so->nvma++;
			so->extent = pg + 1;
			last = v;
		}
	}
}

/*
 * What loading the first byte of each page of @probe gives (the contents
 * are compared in place); for a file, after @pr->file, its size and its
 * contents, read into scratch[@which].
 */
static void observe_side(const struct pair *p, const struct side *s,
			 struct side_obs *o, const struct probe *pr,
			 const uint32_t *probe, int which)
{
	for (int sl = 0; sl < NSLOTS; sl++) {
		struct slot_obs *so = &o->slot[sl];

		so->probed = probe[sl];
		for (int pg = 0; pg < WIN; pg++) {
			unsigned char *a =
				(unsigned char *)slot_addr(s, sl, pg);
			unsigned char val;

			so->sig[pg] = 0;
			so->code[pg] = 0;
			if ((so->probed & (1u << pg)) &&
			    (so->perms[pg][0] == 'r' ||
			     so->perms[pg][1] == 'w'))
				so->sig[pg] = load_byte(a, &val, &so->code[pg]);
		}
	}
	o->file = p->file && pr->file;
	if (!o->file)
		return;
	o->size = side_size(s);
	o->read_ok = o->size >= 0 && o->size <= MAXFILE * (long long)ps &&
		     pread(s->iofd, scratch[which], o->size, 0) == o->size;
}

static void observe(struct seq *q, const struct probe *pr)
{
	uint32_t probe[NSLOTS];

	if (pr->maps)
		read_maps();
	layout_side(&q->p->dev, &q->obs[0]);
	layout_side(&q->p->ref, &q->obs[1]);
	/* The pages asked for, and every page that maps the file pages. */
	for (int sl = 0; sl < NSLOTS; sl++) {
		const struct slot_obs *so = &q->obs[0].slot[sl];

		probe[sl] = pr->pages[sl];
		for (int pg = 0; pg < WIN && q->p->file; pg++)
			if (so->fpg[pg] >= pr->flo && so->fpg[pg] <= pr->fhi)
				probe[sl] |= 1u << pg;
	}
	observe_side(q->p, &q->p->dev, &q->obs[0], pr, probe, 0);
	observe_side(q->p, &q->p->ref, &q->obs[1], pr, probe, 1);
}

/* Everything: VMAs, every page of every slot, the file. */
static const struct probe probe_all = {
	.maps = true,
	.pages = { [0 ... NSLOTS - 1] = ~0u },
	.flo = 0,
	.fhi = -1,
	.file = true,
};

/* Compare what the two sides show; false with q->why on a difference. */
static bool compare_obs(struct seq *q)
{
	const struct side_obs *d = &q->obs[0], *r = &q->obs[1];
	unsigned char *x, *y;
	size_t in;

	for (int sl = 0; sl < NSLOTS; sl++) {
		const struct slot_obs *a = &d->slot[sl], *b = &r->slot[sl];

		for (int pg = 0; pg < WIN; pg++) {
			if (strcmp(a->perms[pg], b->perms[pg])) {
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: maps shows %s on dev, %s on ref",
					sl, pg, a->perms[pg], b->perms[pg]);
				return false;
			}
			if (!(a->probed & (1u << pg)))
				continue;
			if (a->sig[pg] != b->sig[pg] ||
			    a->code[pg] != b->code[pg]) {
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: reading it gives %s on dev, %s on ref",
					sl, pg,
					signame(a->sig[pg], a->code[pg]),
					signame(b->sig[pg], b->code[pg]));
				return false;
			}
			x = (unsigned char *)slot_addr(&q->p->dev, sl, pg);
			y = (unsigned char *)slot_addr(&q->p->ref, sl, pg);
			if ((a->perms[pg][0] == 'r' ||
			     a->perms[pg][1] == 'w') &&
			    !a->sig[pg] && memcmp(x, y, ps)) {
				const char *zero = "";
				size_t i = 0;

				while (i < ps - 1 && x[i] == y[i])
					i++;
				if (hash_bytes(x, ps) == zero_hash)
					zero = " (dev page all zero)";
				else if (hash_bytes(y, ps) == zero_hash)
					zero = " (ref page all zero)";
				snprintf(
					q->why, sizeof(q->why),
					"slot %d page %d: contents differ, first at byte %zu: %#x on dev, %#x on ref%s",
					sl, pg, i, x[i], y[i], zero);
				return false;
			}
		}
	}
	if (!d->file)
		return true;
	if (d->size != r->size) {
		snprintf(q->why, sizeof(q->why),
			 "file size %lld on dev, %lld on ref", d->size,
			 r->size);
		return false;
	}
	if (!d->read_ok || !r->read_ok) {
		snprintf(q->why, sizeof(q->why),
			 "cannot read the file: %s on dev, %s on ref",
			 d->read_ok ? "ok" : "failed",
			 r->read_ok ? "ok" : "failed");
		return false;
	}
	if (memcmp(scratch[0], scratch[1], d->size)) {
		long long i = 0;

		while (i < d->size - 1 && scratch[0][i] == scratch[1][i])
			i++;
		snprintf(
			q->why, sizeof(q->why),
			"file contents differ, first at byte %lld: %#x on dev, %#x on ref",
			i, scratch[0][i], scratch[1][i]);
		return false;
	}
	/* What a mapping stored beyond the end, in the last page. */
	in = d->size % ps;
	if (!in)
		return true;
	x = scratch[0] + (d->size / ps + 1) * ps;
	y = x + ps;
	if (!file_page(&q->p->dev, d->size / ps, x, false) ||
	    !file_page(&q->p->ref, d->size / ps, y, false)) {
		snprintf(q->why, sizeof(q->why), "cannot read the last page");
		return false;
	}
	if (memcmp(x + in, y + in, ps - in)) {
		size_t i = in;

		while (i < ps - 1 && x[i] == y[i])
			i++;
		snprintf(
			q->why, sizeof(q->why),
			"beyond the end of the file (size %lld), its byte %lld is %#x on dev, %#x on ref",
			d->size,
			d->size / (long long)ps * (long long)ps + (long long)i,
			x[i], y[i]);
		return false;
	}
	return true;
}

/* ---- the intended divergences ---- */

/*
 * Read a page of a mapping into @buf, whatever its protection: through
 * /proc/self/mem, which may override it (FOLL_FORCE), else, where the
 * kernel forces only for a tracer (CONFIG_PROC_MEM_FORCE_PTRACE), by
 * lending the page PROT_READ for the copy.  False where it cannot be read
 * (SIGBUS, no VMA).
 */
static bool force_read(char *a, unsigned char *buf)
{
	int v, prot;
	bool ok;

	if (mem_read(a, buf, ps) == (ssize_t)ps)
		return true;
	read_maps();
	v = vma_at(a);
	if (v < 0)
		return false;
	prot = perms_prot(vmas[v].perms);
	if (mprotect(a, ps, prot | PROT_READ))
		return false;
	ok = peek(a).sig == 0;
	if (ok)
		memcpy(buf, a, ps);
	return !mprotect(a, ps, prot) && ok;
}

/* Write @buf over a page of a mapping, whatever its protection. */
static bool force_write(char *a, const unsigned char *buf)
{
	int v, prot;

	if (mem_write(a, buf, ps) == (ssize_t)ps)
		return true;
	/* A shared mapping without PROT_WRITE: lend it one for the copy. */
	read_maps();
	v = vma_at(a);
	if (v < 0)
		return false;
	prot = perms_prot(vmas[v].perms);
	if (mprotect(a, ps, PROT_READ | PROT_WRITE))
		return false;
	memcpy(a, buf, ps);
	return !mprotect(a, ps, prot);
}

/*
 * MADV_REMOVE: a hole is punched with vfs_fallocate(), which a character
 * device does not have.  Before: what the device's pages hold.
 */
static void remove_before(struct ctx *c)
{
	const struct op *op = c->op;
	const struct side *d = &c->q->p->dev;

	for (int i = 0; i < op->npg; i++)
		if (!force_read(slot_addr(d, op->slot, op->pg + i),
				c->pre[0] + i * ps))
			memset(c->pre[0] + i * ps, 0xa5, ps);
}

/*
 * Where the reference got as far as vfs_fallocate() (0, or EFBIG beyond
 * its s_maxbytes), the device stops there: it is not a regular file.
 */
static void remove_expect(struct ctx *c, long *ret, int *err)
{
	*ret = SAME;
	if (c->rr->ret == 0 || c->rr->err == EFBIG) {
		*ret = -1;
		*err = ENODEV;
	}
}

/*
 * The device kept its data, the reference's pages read zero: then the
 * reference gets the device's data back.
 */
static bool remove_then(struct ctx *c)
{
	const struct op *op = c->op;
	struct seq *q = c->q;
	const struct side *d = &q->p->dev, *r = &q->p->ref;
	unsigned char *buf = scratch[0];

	if (c->rr->ret)
		return true;

	for (int i = 0; i < op->npg; i++) {
		char *da = slot_addr(d, op->slot, op->pg + i);
		char *ra = slot_addr(r, op->slot, op->pg + i);
		bool dok = force_read(da, buf);

		if (dok && memcmp(buf, c->pre[0] + i * ps, ps)) {
			snprintf(q->why, sizeof(q->why),
				 "MADV_REMOVE: page %d changed on the device",
				 op->pg + i);
			return false;
		}
		if (force_read(ra, buf + ps) &&
		    hash_bytes(buf + ps, ps) != zero_hash) {
			snprintf(
				q->why, sizeof(q->why),
				"MADV_REMOVE: page %d of the reference is not a hole",
				op->pg + i);
			return false;
		}
		if (!q->p->file && dok && !force_write(ra, buf)) {
			snprintf(
				q->why, sizeof(q->why),
				"MADV_REMOVE: cannot copy page %d to the reference",
				op->pg + i);
			return false;
		}
	}
	if (q->p->file && !file_sync(q)) {
		snprintf(q->why, sizeof(q->why),
			 "MADV_REMOVE: cannot resync the file");
		return false;
	}
	return true;
}

/*
 * MADV_FREE: the reference's pages are now lazily freed, dropped at the next
 * reclaim (MADV_PAGEOUT) while the device's stay.  Store to them again, so
 * they are the reference's to keep, as the device's are.
 */
static bool free_then(struct ctx *c)
{
	const struct op *op = c->op;
	const struct side *r = &c->q->p->ref;

	for (int i = 0; i < op->npg; i++) {
		char *a = slot_addr(r, op->slot, op->pg + i);

		/* A page of zeroes reads the same, dropped or not. */
		if (force_read(a, scratch[0]) &&
		    hash_bytes(scratch[0], ps) != zero_hash &&
		    !force_write(a, scratch[0])) {
			snprintf(
				c->q->why, sizeof(c->q->why),
				"MADV_FREE: cannot store to page %d of the reference",
				op->pg + i);
			return false;
		}
	}
	return true;
}

/* The file grows from a size that is not page aligned. */
static bool grows_unaligned(struct ctx *c)
{
	const struct op *op = c->op;
	long long end = op->type == OP_RESIZE ? op->pos : op->pos + op->len;

	return c->size % ps && end > c->size;
}

/* Before: the last page, tail included, on both sides. */
static void tail_before(struct ctx *c)
{
	const struct pair *p = c->q->p;

	if (!file_page(&p->dev, c->size / ps, c->pre[0], false) ||
	    !file_page(&p->ref, c->size / ps, c->pre[1], false))
		memset(c->pre[1], 0xa5, ps);
}

/*
 * What a shared mapping stored beyond the end in the last page: the device
 * zeroes it when the file grows over it (before a write copies anything), a
 * memfd keeps it.  So a write whose source is a mapping of that very tail
 * writes zeroes on the device.  Then the reference gets the device's file.
 */
static bool tail_then(struct ctx *c)
{
	const struct op *op = c->op;
	struct seq *q = c->q;
	long long idx = c->size / ps, w0 = 0, w1 = 0, n = c->rr->ret;
	unsigned char *d = scratch[0], *r = scratch[1];

	if (op->type == OP_PWRITE && n > 0) {
		w0 = op->pos - idx * ps;
		w1 = w0 + n;
		/* What was written: the same, or zeroes read from the tail. */
		if (pread(q->p->dev.iofd, d, n, op->pos) != n ||
		    pread(q->p->ref.iofd, r, n, op->pos) != n) {
			snprintf(q->why, sizeof(q->why),
				 "cannot read what was written");
			return false;
		}
		for (long long i = 0; i < n; i++)
			if (d[i] != r[i] && (op->slot < 0 || d[i])) {
				snprintf(
					q->why, sizeof(q->why),
					"byte %lld written: %#x on dev, %#x on ref",
					op->pos + i, d[i], r[i]);
				return false;
			}
	}
	if (!file_page(&q->p->dev, idx, d, false) ||
	    !file_page(&q->p->ref, idx, r, false)) {
		snprintf(q->why, sizeof(q->why), "cannot map the page at %lld",
			 idx * (long long)ps);
		return false;
	}
	for (long long i = c->size % ps; i < (long long)ps; i++) {
		if (i >= w0 && i < w1)
			continue;
		if (d[i] || r[i] != c->pre[1][i]) {
			snprintf(
				q->why, sizeof(q->why),
				"byte %lld (beyond the old end %lld): %#x on dev (expected 0), %#x on ref (expected %#x, what it held)",
				idx * (long long)ps + i, c->size, d[i], r[i],
				c->pre[1][i]);
			return false;
		}
	}
	if (!file_sync(q)) {
		snprintf(q->why, sizeof(q->why), "cannot resync the file");
		return false;
	}
	return true;
}

/*
 * An offset beyond MAX_LFS_FILESIZE: the core refuses it for a regular
 * file, the device in its ->get_unmapped_area().
 */
static bool beyond_lfs(struct ctx *c)
{
	uint64_t pgoff = (uint64_t)c->op->pos / ps, n = c->op->npg;

	return pgoff + n > (uint64_t)LLONG_MAX / ps;
}

/*
 * The core checks a regular file's offset after MAP_FIXED_NOREPLACE's
 * overlap check; the device checks it in ->get_unmapped_area(), before:
 * where the reference says EEXIST, the device says EOVERFLOW.
 */
static void lfs_expect(struct ctx *c, long *ret, int *err)
{
	*ret = c->rr->ret;
	*err = c->rr->err == EEXIST ? EOVERFLOW : c->rr->err;
}

static bool huge_shared(struct ctx *c)
{
	return (c->op->flags & MAP_TYPE) != MAP_PRIVATE;
}

static bool huge_then(struct ctx *c)
{
	if (c->rd->sig || c->rd->data) {
		snprintf(c->q->why, sizeof(c->q->why),
			 "the device's huge mapping does not read zero");
		return false;
	}
	return true;
}

/*
 * Every intended difference, each checked where it applies.  Keep it short,
 * and in step with docs/differential.md.
 */
static const struct divergence divergences[] = {
	{
		.id = "madv-remove",
		.pairs = P(PAIR_FILE) | P(PAIR_ANON),
		.ops = B(OP_MADVISE),
		.advice = MADV_REMOVE,
		.ref_ret = ANY,
		.expect = remove_expect,
		.before = remove_before,
		.then = remove_then,
		.what = "vfs_fallocate() punches a hole in shmem, refuses a char device",
	},
	{
		.id = "madv-free",
		.pairs = P(PAIR_ANON),
		.ops = B(OP_MADVISE),
		.advice = MADV_FREE,
		.ref_ret = 0,
		.dev_ret = -1,
		.dev_err = EINVAL,
		.then = free_then,
		.what = "anonymous VMAs only: /dev/zero's private VMA is one, ours has vm_ops",
	},
	{
		.id = "tail-on-grow",
		.pairs = P(PAIR_FILE),
		.ops = B(OP_RESIZE) | B(OP_PWRITE),
		.when = grows_unaligned,
		.ref_ret = ANY,
		.dev_ret = SAME,
		.before = tail_before,
		.then = tail_then,
		.what = "the device zeroes what was stored beyond the end as the file grows",
	},
	{
		.id = "offset-beyond-lfs",
		.pairs = P(PAIR_FILE),
		.ops = B(OP_MMAP),
		.when = beyond_lfs,
		.ref_ret = -1,
		.ref_err = EEXIST,
		.expect = lfs_expect,
		.what = "the device checks the offset before MAP_FIXED_NOREPLACE's overlap, the core after",
	},
	{
		.id = "huge-shared",
		.pairs = P(PAIR_ANON),
		.ops = B(OP_HUGE),
		.when = huge_shared,
		.ref_ret = -1,
		.ref_err = ENOMEM,
		.dev_ret = 0,
		.then = huge_then,
		.what = "/dev/zero's shmem object is charged at mmap(), ours page by page",
	},
	{
		.id = "selfcheck-remove-private",
		.pairs = P(PAIR_SANON),
		.ops = B(OP_MADVISE),
		.advice = MADV_REMOVE,
		.ref_ret = -1,
		.ref_err = EACCES,
		.dev_ret = -1,
		.dev_err = EINVAL,
		.what = "a private /dev/zero mapping has a file, MAP_ANONYMOUS has none",
	},
};

static unsigned long row_hits[ARRAY_SIZE(divergences)];

/* The row that may apply to the step, before it runs. */
static const struct divergence *row_for(struct ctx *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(divergences); i++) {
		const struct divergence *d = &divergences[i];

		if (!(d->pairs & P(c->q->p->id)) || !(d->ops & B(c->op->type)))
			continue;
		if (c->op->type == OP_MADVISE && d->advice != c->op->arg)
			continue;
		if (d->when && !d->when(c))
			continue;
		return d;
	}
	return NULL;
}

/* ---- the generator ---- */

static int pick_slot(struct seq *q, bool mapped)
{
	int cand[NSLOTS] = { 0 }, n = 0;

	for (int s = 0; s < NSLOTS; s++)
		if (!!q->obs[0].slot[s].nvma == mapped)
			cand[n++] = s;
	return n ? cand[rnd(q, n)] : -1;
}

/* Pages [pg, pg + npg) around what the slot maps. */
static void pick_range(struct seq *q, struct op *op)
{
	int e = q->obs[0].slot[op->slot].extent, max;

	if (chance(q, 25)) {
		op->pg = 0;
		op->npg = e;
		return;
	}
	op->pg = rnd(q, e + chance(q, 10));
	max = e - op->pg;
	if (max < 1 || chance(q, 10))
		max = e - op->pg + 2;
	op->npg = 1 + rnd(q, max);
	if (op->pg + op->npg > WIN)
		op->npg = WIN - op->pg;
}

/*
 * The slot's pages cut where either side has a VMA boundary: each segment
 * [va, vb) lies in one VMA on both sides.  The two sides may merge VMAs
 * differently (a VMA with vm_ops->close is never merged away), so an
 * operation that must stay within one VMA uses these.
 */
static int segments(const struct seq *q, int slot, int *va, int *vb)
{
	const struct slot_obs *d = &q->obs[0].slot[slot];
	const struct slot_obs *r = &q->obs[1].slot[slot];
	int n = 0;

	for (int pg = 0; pg < WIN; pg++) {
		if (d->vid[pg] < 0)
			continue;
		if (!n || vb[n - 1] != pg || d->vid[pg] != d->vid[pg - 1] ||
		    r->vid[pg] != r->vid[pg - 1])
			va[n++] = pg;
		vb[n - 1] = pg + 1;
	}
	return n;
}

/* Pages within one segment. */
static void pick_in_vma(struct seq *q, struct op *op)
{
	int va[WIN], vb[WIN], n = segments(q, op->slot, va, vb), v;

	v = rnd(q, n);
	op->pg = va[v] + rnd(q, vb[v] - va[v]);
	op->npg = 1 + rnd(q, vb[v] - op->pg);
}

static int pick_prot(struct seq *q)
{
	int x = rnd(q, 100);

	return x < 55 ? PROT_READ | PROT_WRITE :
	       x < 80 ? PROT_READ :
	       x < 90 ? PROT_NONE :
			PROT_WRITE;
}

/* A byte offset in a page, often beyond the end of the file in its last. */
static int pick_off(struct seq *q)
{
	long long tail = q->obs[0].size % ps;

	if (q->p->file && tail && chance(q, 30))
		return (int)tail + rnd(q, (int)(ps - tail));
	if (chance(q, 15))
		return chance(q, 50) ? 0 : (int)ps - 1;
	return rnd(q, (int)ps);
}

static void gen_mmap(struct seq *q, struct op *op)
{
	long long fpages = (q->obs[0].size + ps - 1) / ps;
	/* The last page offset a regular file may map, plus one. */
	uint64_t lim = (uint64_t)LLONG_MAX / ps + 1;
	int x;

	op->type = OP_MMAP;
	op->slot = pick_slot(q, false);
	if (op->slot < 0 || chance(q, 20)) {
		op->slot = rnd(q, NSLOTS);
		op->pg = rnd(q, q->obs[0].slot[op->slot].extent + 1);
		op->flags = chance(q, 85) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (chance(q, 10)) {
		op->flags = MAP_FIXED_NOREPLACE;
	}
	op->npg = 1 + rnd(q, MAXLEN);
	if (op->pg + op->npg > WIN)
		op->npg = WIN - op->pg;
	x = rnd(q, 100);
	/* MAP_ANONYMOUS has no file to validate flags against. */
	op->flags |= x < 45	? MAP_SHARED :
		     x < 90	? MAP_PRIVATE :
		     q->p->nofd ? MAP_SHARED :
				  MAP_SHARED_VALIDATE;
	if (chance(q, 10))
		op->flags |= MAP_POPULATE;
	if (chance(q, 5))
		op->flags |= MAP_NORESERVE;
	op->prot = pick_prot(q);
	op->ro = !q->p->nofd && chance(q, 15);
	x = rnd(q, 100);
	if (q->p->nofd)
		op->pos = 0;
	else if (q->p->file && x < 4)
		op->pos = (long long)((lim - op->npg) * ps);
	else if (q->p->file && x < 8)
		op->pos = (long long)((lim - op->npg + 1) * ps);
	else if (q->p->file && x < 10)
		op->pos = -(long long)ps;
	else if (q->p->file)
		op->pos = rnd(q, (int)fpages + 3) * (long long)ps;
	else if (x < 5)
		op->pos = (long long)((lim - op->npg) * ps);
	else if (x < 30)
		op->pos = (1 + rnd(q, 4)) * (long long)ps;
}

static void gen_mremap(struct seq *q, struct op *op)
{
	const struct slot_obs *so = &q->obs[0].slot[op->slot];
	int va[WIN], vb[WIN], ns = segments(q, op->slot, va, vb);
	int a = va[ns - 1], n = vb[ns - 1] - a;
	int to = pick_slot(q, false), x = rnd(q, 100);

	/* The slot's last segment: nothing but the guard after it. */
	op->pg = a;
	op->npg = n;
	if (to >= 0 && x < 25) {
		op->slot2 = to;
		op->flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		op->arg = 1 + rnd(q, MAXLEN);
		/* A copy (old size 0) of a shared mapping. */
		if (chance(q, 30) && so->perms[a][3] == 's')
			op->npg = 0;
	} else if (n > 1 && x < 45) {
		op->arg = 1 + rnd(q, n - 1);
		op->flags = chance(q, 50) ? MREMAP_MAYMOVE : 0;
	} else {
		op->arg = n + 1 + rnd(q, MAXLEN / 2);
		if (a + op->arg > WIN)
			op->arg = WIN - a;
		op->flags = chance(q, 60) ? MREMAP_MAYMOVE : 0;
	}
}

static void gen_file_io(struct seq *q, struct op *op)
{
	long long size = q->obs[0].size;

	op->len = 1 + rnd(q, 2 * (int)ps);
	if (!q->p->file) {
		op->pos = -1; /* read() */
	} else if (chance(q, 40)) {
		op->pos = size - rnd(q, (int)ps) + rnd(q, 2 * (int)ps);
	} else {
		op->pos = rnd(q, (int)((size / ps + 1) * ps));
		if (chance(q, 30))
			op->pos &= ~(long long)(ps - 1);
	}
	if (op->pos < 0 && q->p->file)
		op->pos = 0;
	if (op->pos + op->len > MAXFILE * (long long)ps)
		op->pos = MAXFILE * (long long)ps - op->len;
	op->val = rnd(q, 256);
	op->slot = -1;
	if (!q->p->file || chance(q, 35)) {
		op->slot = pick_slot(q, true);
		if (op->slot >= 0) {
			op->pg = rnd(q, q->obs[0].slot[op->slot].extent);
			op->off = rnd(q, (int)ps);
		}
	}
}

static void gen_resize(struct seq *q, struct op *op)
{
	int x = rnd(q, 100), k = rnd(q, MAXFILE / 2 + 1);

	op->type = OP_RESIZE;
	op->slot = -1;
	if (x < 10)
		op->pos = 0;
	else if (x < 15)
		op->pos = q->obs[0].size;
	else if (x < 55)
		op->pos = k * (long long)ps + 1 + rnd(q, (int)ps - 1);
	else
		op->pos = k * (long long)ps;
}

static const int advices[] = {
	MADV_DONTNEED,	    MADV_WILLNEED,	 MADV_COLD,	MADV_PAGEOUT,
	MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTFORK, MADV_DOFORK,
	MADV_REMOVE,	    MADV_REMOVE,	 MADV_FREE,	MADV_FREE,
};

static const int msyncs[] = {
	MS_SYNC,
	MS_ASYNC,
	MS_INVALIDATE,
	MS_SYNC | MS_INVALIDATE,
	MS_ASYNC | MS_INVALIDATE,
	MS_SYNC | MS_ASYNC,
};

/* Weights of each operation, for files and for anonymous memory. */
static const int weights[2][NR_OPS] = {
	{ [OP_MMAP] = 10,
	  [OP_MUNMAP] = 4,
	  [OP_LOAD] = 10,
	  [OP_STORE] = 14,
	  [OP_PREAD] = 5,
	  [OP_PWRITE] = 6,
	  [OP_RESIZE] = 6,
	  [OP_MPROTECT] = 6,
	  [OP_MREMAP] = 5,
	  [OP_MADVISE] = 12,
	  [OP_MSYNC] = 3,
	  [OP_MLOCK] = 3,
	  [OP_MUNLOCK] = 2,
	  [OP_FORK] = 1,
	  [OP_PROCMEM] = 4,
	  [OP_PVM] = 4,
	  [OP_HUGE] = 1 },
	{ [OP_MMAP] = 10,
	  [OP_MUNMAP] = 4,
	  [OP_LOAD] = 10,
	  [OP_STORE] = 14,
	  [OP_PREAD] = 4,
	  [OP_MPROTECT] = 6,
	  [OP_MREMAP] = 6,
	  [OP_MADVISE] = 12,
	  [OP_MSYNC] = 3,
	  [OP_MLOCK] = 3,
	  [OP_MUNLOCK] = 2,
	  [OP_FORK] = 1,
	  [OP_PROCMEM] = 4,
	  [OP_PVM] = 4,
	  [OP_HUGE] = 1 },
};

static void gen(struct seq *q, struct op *op)
{
	const int *w = weights[!q->p->file];
	int total = 0, x;
	enum op_type t;

	memset(op, 0, sizeof(*op));
	op->slot2 = -1;
	if (pick_slot(q, true) < 0) {
		gen_mmap(q, op);
		return;
	}
	for (t = 0; t < NR_OPS; t++)
		total += w[t];
	x = rnd(q, total);
	for (t = 0; x >= w[t]; t++)
		x -= w[t];

	op->type = t;
	op->val = 1 + rnd(q, 255);
	switch (t) {
	case OP_MMAP:
		gen_mmap(q, op);
		return;
	case OP_RESIZE:
		gen_resize(q, op);
		return;
	case OP_PREAD:
	case OP_PWRITE:
		gen_file_io(q, op);
		return;
	case OP_HUGE:
		op->slot = -1;
		op->flags = chance(q, 60) ? MAP_SHARED : MAP_PRIVATE;
		if (chance(q, 20))
			op->flags |= MAP_NORESERVE;
		op->prot = chance(q, 50) ? PROT_READ : PROT_READ | PROT_WRITE;
		op->ro = !q->p->nofd && chance(q, 10);
		return;
	default:
		break;
	}

	/* The rest work on a slot that maps something. */
	op->slot = pick_slot(q, true);
	switch (t) {
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MSYNC:
	case OP_MLOCK:
	case OP_MUNLOCK:
		pick_range(q, op);
		op->prot = pick_prot(q);
		op->arg = t == OP_MSYNC ? msyncs[rnd(q, ARRAY_SIZE(msyncs))] :
			  t == OP_MLOCK ? chance(q, 30) :
					  0;
		break;
	case OP_MADVISE:
		op->arg = advices[rnd(q, ARRAY_SIZE(advices))];
		/* Where a row of the table may apply: within one VMA. */
		if (op->arg == MADV_REMOVE || op->arg == MADV_FREE)
			pick_in_vma(q, op);
		else
			pick_range(q, op);
		break;
	case OP_MREMAP:
		gen_mremap(q, op);
		break;
	case OP_LOAD:
	case OP_STORE:
	case OP_FORK:
		op->pg =
			rnd(q, q->obs[0].slot[op->slot].extent + chance(q, 10));
		op->off = pick_off(q);
		op->len = chance(q, 50) ? 1 : 1 + rnd(q, (int)ps - op->off);
		op->write = t == OP_STORE || chance(q, 50);
		break;
	case OP_PROCMEM:
	case OP_PVM:
		op->pg = rnd(q, q->obs[0].slot[op->slot].extent);
		op->off = pick_off(q);
		op->len = 1 + rnd(q, 2 * (int)ps);
		op->write = chance(q, 50);
		break;
	default:
		break;
	}
}

/* ---- running a sequence ---- */

static void print_result(const char *who, const struct side *s,
			 const struct op *op, const struct result *r)
{
	ksft_print_msg("    %s (%s): returned %ld%s%s, %s, data %#" PRIx64 "\n",
		       who, s->name, r->ret, r->ret < 0 ? " " : "",
		       r->ret < 0 ? errname(r->err) : "",
		       signame(r->sig, r->code), r->data);
	(void)op;
}

static void report(struct seq *q, int failed, const struct result *rd,
		   const struct result *rr)
{
	char b[256];

	ksft_print_msg("MISMATCH: %s, seed %" PRIu64 ", step %d\n", q->p->name,
		       q->seed, failed + 1);
	if (q->p->file)
		ksft_print_msg(
			"  setup: file of %lld bytes, filled with a pattern\n",
			q->size0);
	for (int i = 0; i <= failed && i < q->nops; i++) {
		op_str(&q->ops[i], b, sizeof(b));
		ksft_print_msg("  %s%2d: %s\n", i == failed ? ">" : " ", i + 1,
			       b);
	}
	if (rd && rr) {
		print_result("dev", &q->p->dev, &q->ops[failed], rd);
		print_result("ref", &q->p->ref, &q->ops[failed], rr);
	}
	ksft_print_msg("  %s\n", q->why);
	ksft_print_msg("  replay: diff_test%s -k %s -s %" PRIu64 " -n 1 -v\n",
		       q->p->id >= PAIR_SFILE ? " -S" : "",
		       q->p->file ? "file" : "anon", q->seed);
}

static bool same_result(const struct result *a, const struct result *b)
{
	return a->ret == b->ret && a->err == b->err && a->sig == b->sig &&
	       a->code == b->code && a->data == b->data;
}

static uint32_t page_mask(int pg, int n)
{
	uint64_t m = ((uint64_t)1 << (n < WIN ? n : WIN)) - 1;

	return pg < WIN ? (uint32_t)(m << pg) : 0;
}

/* The first, middle and last page of a range. */
static uint32_t page_edges(int pg, int n)
{
	return page_mask(pg, 1) | page_mask(pg + n / 2, 1) |
	       page_mask(pg + n - 1, 1);
}

/*
 * Widen [*lo, *hi] to the file pages behind slot pages [pg, pg + n); true
 * if a shared mapping maps one of them.
 */
static bool file_pages(const struct seq *q, int slot, int pg, int n,
		       long long *lo, long long *hi)
{
	const struct slot_obs *so = &q->obs[0].slot[slot];
	bool shared = false;

	for (int i = pg; i < pg + n && i < WIN; i++) {
		if (so->fpg[i] < 0)
			continue;
		if (so->fpg[i] < *lo)
			*lo = so->fpg[i];
		if (so->fpg[i] > *hi)
			*hi = so->fpg[i];
		shared |= so->perms[i][3] == 's';
	}
	return shared;
}

/*
 * What a step may have changed, from the layout before it.  Only the calls
 * that work on VMAs change what the maps show.  The pages read are those of
 * the operation, or its range's first, middle and last; for a file also
 * every page of every slot that maps the file pages it may have changed (a
 * store through a shared mapping, a write, a resize, MADV_REMOVE), and then
 * the file itself.  Every page of every slot is compared at the end of the
 * sequence.
 */
static void affected(const struct seq *q, const struct op *op, struct probe *pr)
{
	int bytes = op->off + op->len, npages = (bytes + (int)ps - 1) / (int)ps;
	long long size = q->obs[0].size, end;
	bool writes = false;

	memset(pr, 0, sizeof(*pr));
	pr->flo = LLONG_MAX;
	pr->fhi = -1;
	switch (op->type) {
	case OP_MMAP:
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MADVISE:
	case OP_MLOCK:
	case OP_MUNLOCK:
		pr->maps = true;
		pr->pages[op->slot] = page_edges(op->pg, op->npg);
		break;
	case OP_MSYNC:
		pr->pages[op->slot] = page_edges(op->pg, op->npg);
		break;
	case OP_MREMAP:
		pr->maps = true;
		pr->pages[op->slot] = page_edges(
			op->pg, op->npg > op->arg ? op->npg : op->arg);
		if (op->slot2 >= 0)
			pr->pages[op->slot2] = page_edges(0, op->arg);
		break;
	case OP_LOAD:
	case OP_STORE:
	case OP_FORK:
		pr->pages[op->slot] = page_mask(op->pg, 1);
		writes = op->type != OP_LOAD && op->write;
		npages = 1;
		break;
	case OP_PREAD:
	case OP_PWRITE:
	case OP_PROCMEM:
	case OP_PVM:
		if (op->slot >= 0)
			pr->pages[op->slot] = page_mask(op->pg, npages);
		writes = op->slot >= 0 && (op->type == OP_PREAD || op->write);
		break;
	default:
		break;
	}
	if (!q->p->file)
		return;
	if (writes &&
	    file_pages(q, op->slot, op->pg, npages, &pr->flo, &pr->fhi))
		pr->file = true;
	if (op->type == OP_MADVISE && op->arg == MADV_REMOVE) {
		file_pages(q, op->slot, op->pg, op->npg, &pr->flo, &pr->fhi);
		pr->file = true;
	}
	if (op->type == OP_RESIZE || op->type == OP_PWRITE) {
		/* From where the size or the data changes to its end. */
		end = op->type == OP_RESIZE ? op->pos : op->pos + op->len;
		pr->flo = op->type == OP_PWRITE && op->pos < size ? op->pos :
			  end < size				  ? end :
								    size;
		pr->flo /= (long long)ps;
		pr->fhi = (end > size ? end : size) / (long long)ps;
		pr->file = true;
	}
}

static bool run_step(struct seq *q, int i)
{
	const struct op *op = &q->ops[i];
	struct result rd, rr;
	struct ctx c = {
		.q = q,
		.op = op,
		.rd = &rd,
		.rr = &rr,
		.pre = { pre[0], pre[1] },
		.size = q->obs[0].size,
	};
	const struct divergence *row;
	struct probe pr;
	char b[256];

	row = row_for(&c);
	if (row && row->before)
		row->before(&c);
	if (op->type == OP_FORK) {
		do_fork(q->p, op, &rd, &rr);
	} else {
		exec_op(&q->p->dev, op, &rd);
		exec_op(&q->p->ref, op, &rr);
	}
	if (verbose) {
		op_str(op, b, sizeof(b));
		ksft_print_msg("%2d: %s\n", i + 1, b);
		print_result("dev", &q->p->dev, op, &rd);
		print_result("ref", &q->p->ref, op, &rr);
	}

	/* The reference's outcome selects the row. */
	if (row && row->ref_ret != ANY &&
	    (rr.ret != row->ref_ret || (rr.ret < 0 && rr.err != row->ref_err)))
		row = NULL;
	if (row) {
		bool ok;
		long ret = row->dev_ret;
		int err = row->dev_err;

		if (row->expect)
			row->expect(&c, &ret, &err);
		if (ret != SAME || row->dev_ret == SAME) {
			row_hits[row - divergences]++;
			if (verbose)
				ksft_print_msg(
					"    intended divergence %s: %s\n",
					row->id, row->what);
		}
		if (ret == SAME) {
			ok = same_result(&rd, &rr);
			ret = rr.ret;
			err = rr.err;
		} else {
			ok = rd.ret == ret && (ret >= 0 || rd.err == err);
		}
		if (!ok) {
			snprintf(
				q->why, sizeof(q->why),
				"intended divergence %s: the device must return %ld %s: %s",
				row->id, ret, ret < 0 ? errname(err) : "",
				row->what);
			report(q, i, &rd, &rr);
			return false;
		}
		if (row->then && !row->then(&c)) {
			char why[sizeof(q->why)];

			memcpy(why, q->why, sizeof(why));
			snprintf(q->why, sizeof(q->why),
				 "intended divergence %s: %.400s", row->id,
				 why);
			report(q, i, &rd, &rr);
			return false;
		}
	} else if (!same_result(&rd, &rr)) {
		snprintf(q->why, sizeof(q->why),
			 "the two sides returned different results");
		report(q, i, &rd, &rr);
		return false;
	}

	affected(q, op, &pr);
	/* After a row's resync, look at everything. */
	if (row && row->then)
		pr = probe_all;
	observe(q, &pr);
	if (!compare_obs(q)) {
		report(q, i, &rd, &rr);
		return false;
	}
	return true;
}

/* Unmap every slot window of a side. */
static void clear_side(const struct side *s)
{
	munmap(s->arena, (size_t)NSLOTS * STRIDE * ps);
}

static bool setup_seq(struct seq *q)
{
	const struct pair *p = q->p;
	int x = rnd(q, 100), k = 1 + rnd(q, 8);

	clear_side(&p->dev);
	clear_side(&p->ref);
	if (!p->file) {
		observe(q, &probe_all);
		return true;
	}
	q->size0 = x < 10 ? 0 :
		   x < 40 ? k * (long long)ps :
			    k * (long long)ps + 1 + rnd(q, (int)ps - 1);
	fill_pattern(iobuf, 4 * ps, rnd(q, 256));
	for (int i = 0; i < 2; i++) {
		const struct side *s = i ? &p->ref : &p->dev;

		if (side_resize(s, 0) || side_resize(s, q->size0))
			harness_error("resize", s);
		for (long long pos = 0; pos < q->size0; pos += 4 * ps) {
			long long n = q->size0 - pos;

			if (n > 4 * (long long)ps)
				n = 4 * ps;
			if (pwrite(s->iofd, iobuf, n, pos) != n)
				harness_error("pwrite", s);
		}
	}
	observe(q, &probe_all);
	return true;
}

/* One sequence; false on a mismatch, reported. */
static bool run_seq(struct pair *p, uint64_t seed, unsigned long *steps)
{
	static struct seq q;
	bool ok = true;

	memset(&q, 0, sizeof(q));
	q.p = p;
	q.seed = seed;
	q.rng = seed;
	splitmix(&q.rng);
	setup_seq(&q);
	if (verbose)
		ksft_print_msg("%s sequence, seed %" PRIu64
			       ", file of %lld bytes\n",
			       p->name, seed, q.size0);
	for (int i = 0; i < NSTEPS && ok; i++) {
		gen(&q, &q.ops[i]);
		q.nops = i + 1;
		ok = run_step(&q, i);
		(*steps)++;
	}
	if (ok) {
		/* Last, every page of every slot. */
		observe(&q, &probe_all);
		if (!compare_obs(&q)) {
			report(&q, q.nops - 1, NULL, NULL);
			ok = false;
		}
	}
	clear_side(&p->dev);
	clear_side(&p->ref);
	return ok;
}

/* ---- the pairs ---- */

static int open_tmpfile(void)
{
	static const char *const dirs[] = { "/dev/shm", "/tmp" };
	struct statfs sf;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		if (fd < 0)
			continue;
		if (!fstatfs(fd, &sf) && sf.f_type == TMPFS_MAGIC)
			return fd;
		close(fd);
	}
	ksft_print_msg(
		"no tmpfs in /dev/shm or /tmp: the self-check uses two memfds\n");
	return memfd_create("diff_test-tmpfs", MFD_CLOEXEC);
}

static bool open_side(struct side *s)
{
	s->fd = -1;
	s->rofd = -1;
	s->iofd = -1;
	switch (s->bk) {
	case BK_MMAPDEMO:
	case BK_ANONDEV:
		s->fd = open(s->name, O_RDWR | O_CLOEXEC);
		if (s->fd < 0)
			return false;
		s->rofd = open(s->name, O_RDONLY | O_CLOEXEC);
		break;
	case BK_MEMFD:
		s->fd = memfd_create("diff_test-ref", MFD_CLOEXEC);
		if (s->fd >= 0)
			s->rofd = reopen(s->fd, O_RDONLY);
		break;
	case BK_TMPFILE:
		s->fd = open_tmpfile();
		if (s->fd >= 0)
			s->rofd = reopen(s->fd, O_RDONLY);
		break;
	case BK_DEVZERO:
		s->fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
		s->rofd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		break;
	case BK_MAPANON:
		s->iofd = open("/dev/zero", O_RDWR | O_CLOEXEC);
		return s->iofd >= 0;
	}
	if (s->fd < 0 || s->rofd < 0)
		return false;
	s->iofd = s->fd;
	return true;
}

static void close_side(struct side *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->rofd >= 0)
		close(s->rofd);
	if (s->iofd >= 0 && s->iofd != s->fd)
		close(s->iofd);
}

static void init_pair(struct pair *p, enum pair_id id)
{
	static const struct {
		const char *name;
		bool file, nofd;
		enum backing dev, ref;
		const char *dname, *rname;
	} def[NR_PAIRS] = {
		[PAIR_FILE] = { "file", true, false, BK_MMAPDEMO, BK_MEMFD,
				MD_PATH, "memfd" },
		[PAIR_ANON] = { "anon", false, false, BK_ANONDEV, BK_DEVZERO,
				MD_ANON_PATH, "/dev/zero" },
		[PAIR_SFILE] = { "self-check file", true, false, BK_TMPFILE,
				 BK_MEMFD, "tmpfs file", "memfd" },
		[PAIR_SANON] = { "self-check anon", false, true, BK_MAPANON,
				 BK_DEVZERO, "MAP_ANONYMOUS", "/dev/zero" },
	};

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->name = def[id].name;
	p->file = def[id].file;
	p->nofd = def[id].nofd;
	p->dev.bk = def[id].dev;
	p->dev.name = def[id].dname;
	p->ref.bk = def[id].ref;
	p->ref.name = def[id].rname;
	p->dev.arena = (char *)ARENA_BASE;
	p->ref.arena = (char *)(ARENA_BASE + ARENA_GAP);
}

static void run_pair(enum pair_id id, unsigned long count, uint64_t seed)
{
	struct pair p;
	struct timespec t0, t1;
	unsigned long steps = 0, n;
	long long dev_size = -1;
	bool ok = true;

	init_pair(&p, id);
	if (!open_side(&p.dev)) {
		if (errno == ENOENT || errno == EACCES || errno == EPERM)
			ksft_test_result_skip(
				"%s: %s: %s%s\n", p.name, p.dev.name,
				strerror(errno),
				errno == ENOENT ? " (module not loaded)" : "");
		else
			ksft_test_result_fail("%s: open %s: %s\n", p.name,
					      p.dev.name, strerror(errno));
		close_side(&p.dev);
		return;
	}
	if (!open_side(&p.ref))
		ksft_exit_fail_perror(p.ref.name);
	if (p.file) {
		dev_size = side_size(&p.dev);
		p.dev.view = mmap(NULL, (MAXFILE + 4) * ps, PROT_READ,
				  MAP_SHARED, p.dev.rofd, 0);
		p.ref.view = mmap(NULL, (MAXFILE + 4) * ps, PROT_READ,
				  MAP_SHARED, p.ref.rofd, 0);
		if (p.dev.view == MAP_FAILED || p.ref.view == MAP_FAILED)
			ksft_exit_fail_perror("mmap the files' views");
	}

	memset(row_hits, 0, sizeof(row_hits));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < count && ok; n++)
		ok = run_seq(&p, seed + n, &steps);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	ksft_print_msg(
		"%s: %s against %s: %lu sequences, %lu steps in %.1f s\n",
		p.name, p.dev.name, p.ref.name, n, steps,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t i = 0; i < ARRAY_SIZE(divergences); i++)
		if (divergences[i].pairs & P(id))
			ksft_print_msg("  %-24s applied %lu times\n",
				       divergences[i].id, row_hits[i]);
	if (p.file) {
		munmap(p.dev.view, (MAXFILE + 4) * ps);
		munmap(p.ref.view, (MAXFILE + 4) * ps);
	}
	/* Leave the device's file the size it had, zero-filled. */
	if (p.file && dev_size >= 0 &&
	    (side_resize(&p.dev, 0) || side_resize(&p.dev, dev_size)))
		ksft_print_msg("cannot restore %s's size\n", p.dev.name);
	close_side(&p.dev);
	close_side(&p.ref);
	ksft_test_result(ok, "%s\n", p.name);
}

/* ---- setup ---- */

static void init(void)
{
	struct sigaction sa = { .sa_sigaction = probe_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	unsigned long long ram = 0, swap = 0, v;
	char line[256], *zero;
	struct utsname u;
	unsigned int maj = 0, min = 0;
	size_t span;
	FILE *f;
	void *m;

	ps = page_size();
	if (!uname(&u))
		sscanf(u.release, "%u.%u", &maj, &min);
	kver = maj * 100 + min;

	f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
			ram = v;
		if (sscanf(line, "SwapTotal: %llu kB", &v) == 1)
			swap = v;
	}
	if (f)
		fclose(f);
	/* Twice RAM and swap, in GiB: more than any commit limit grants. */
	huge_len = (size_t)(((ram + swap) * 2 >> 20) + 1) << 30;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	procmem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (procmem < 0)
		ksft_exit_fail_perror("/proc/self/mem");
	maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (maps_fd < 0)
		ksft_exit_fail_perror("/proc/self/maps");

	iobuf = malloc(4 * ps);
	scratch[0] = malloc((MAXFILE + 6) * ps);
	scratch[1] = malloc((MAXFILE + 6) * ps);
	pre[0] = malloc(WIN * ps);
	pre[1] = malloc(WIN * ps);
	zero = calloc(1, ps);
	if (!iobuf || !scratch[0] || !scratch[1] || !pre[0] || !pre[1] || !zero)
		ksft_exit_fail_msg("out of memory\n");
	zero_hash = hash_bytes(zero, ps);
	free(zero);

	/* The two arenas must be free. */
	span = ARENA_GAP + (size_t)NSLOTS * STRIDE * ps;
	m = mmap((void *)ARENA_BASE, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != (void *)ARENA_BASE)
		ksft_exit_fail_msg("the address range at %#lx is not free\n",
				   (unsigned long)ARENA_BASE);
	munmap(m, span);
}

static void help(const char *prog, int status)
{
	fprintf(stderr,
		"Usage: %s [-n COUNT] [-s SEED] [-k file|anon|both] [-S] [-v]\n"
		"  -n COUNT  sequences per pair (default %d)\n"
		"  -s SEED   seed of the first sequence (default: from the clock)\n"
		"  -k KIND   which pair: file, anon or both (default both)\n"
		"  -S        self-check: a tmpfs file against a memfd, and\n"
		"            MAP_ANONYMOUS against /dev/zero (no module needed)\n"
		"  -v        print every step and what each side returned\n",
		prog, DEFAULT_COUNT);
	exit(status);
}

int main(int argc, char **argv)
{
	unsigned long count = DEFAULT_COUNT;
	bool selfcheck = false, file = true, anon = true;
	uint64_t seed;
	struct timespec ts;
	int opt;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = ((uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec) %
	       1000000000u;
	while ((opt = getopt(argc, argv, "n:s:k:Svh")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			file = !strcmp(optarg, "file") ||
			       !strcmp(optarg, "both");
			anon = !strcmp(optarg, "anon") ||
			       !strcmp(optarg, "both");
			if (!file && !anon)
				help(argv[0], KSFT_FAIL);
			break;
		case 'S':
			selfcheck = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			help(argv[0], 0);
			break;
		default:
			help(argv[0], KSFT_FAIL);
		}
	}

	init();
	ksft_print_header();
	ksft_set_plan(file + anon);
	ksft_print_msg("seed %" PRIu64
		       ", %lu sequences of %d steps per pair, kernel %u.%u\n",
		       seed, count, NSTEPS, kver / 100, kver % 100);
	if (file)
		run_pair(selfcheck ? PAIR_SFILE : PAIR_FILE, count, seed);
	if (anon)
		run_pair(selfcheck ? PAIR_SANON : PAIR_ANON, count, seed);
	/* Nothing to test here: the module is not loaded. */
	if (ksft_cnt.ksft_xskip == (unsigned int)(file + anon)) {
		ksft_print_cnts();
		exit(KSFT_SKIP);
	}
	ksft_finished();
}
