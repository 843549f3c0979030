// SPDX-License-Identifier: GPL-2.0
/*
 * Stress both mmapdemo devices from many processes and threads at once, for
 * a bounded time, and check every byte that any of them sees.
 *
 * What runs.  -t SECONDS in all (default 60): a quarter on /dev/mmapdemo
 * alone, a quarter on /dev/mmapdemo-anon alone, half on both together.
 *  - Worker processes of a few threads each.  Every thread picks operations
 *    at random: stores and loads through a mapping that the threads of its
 *    process share, read() and write(), stores to its own MAP_PRIVATE
 *    mapping (copy-on-write), first-touch fault storms on fresh shared and
 *    private mappings (every thread at once when a bell rings), fork (the
 *    child works on for its parent thread, then exits), munmap of a piece of
 *    a mapping, mremap (move, grow, shrink), mprotect, mlock, MAP_POPULATE,
 *    madvise (DONTNEED, POPULATE_READ/WRITE, COLD, PAGEOUT, WILLNEED),
 *    msync, open and close, reads through /proc/self/mem (GUP), and read()
 *    and write() whose buffer is a mapping of the device itself (the copy
 *    faults while the driver holds its locks).
 *  - In the controlling process, which keeps both devices open throughout:
 *    a resizer thread that shrinks and grows /dev/mmapdemo with
 *    MMAPDEMO_IOC_SET_SIZE (or grows it by writing past the end), to aligned
 *    and unaligned sizes, and checks after each resize that the buffer holds
 *    exactly the pages below the size; and a thread that tries to unload the
 *    module (delete_module(O_NONBLOCK)), which must fail with EWOULDBLOCK.
 *    At the end it checks every page once more, that no mapping or anon
 *    page is left (MMAPDEMO_IOC_GET_INFO), and puts the buffer back to the
 *    size it had, zeroed.
 *
 * The integrity model.  Memory is written in 64-bit words
 *
 *	tag (8 bits) | who (8) | page (16) | generation (32)
 *
 * where tag tells whose data it is (a page's owner in the file, a page's
 * owner in an anon object, or a store to a private mapping), who is the
 * anon object or the author of a private store, page the index of the page
 * in the file or object, and generation counts the writes to the page.
 *  - Ownership: each page of the file and of each anon object has one owner
 *    thread, the only one that writes it (a fork child may, while the owner
 *    waits for it), always the whole page with a new generation, through a
 *    shared mapping or write().  In memory shared by all processes the owner
 *    publishes the page's state: a seqcount, odd while it writes, the
 *    generation, and whether the page holds it or zeroes (a write cut short
 *    by SIGBUS leaves zeroes: the page was truncated under it).
 *  - Resizes: the resizer makes a seqcount odd around each resize, and for
 *    each page it cut keeps a cut word: how many cuts, and the fewest bytes
 *    a cut kept (a shrink keeps size - page start bytes of the page the new
 *    size falls in, none of the pages after it; a grow zeroes the last page
 *    after the old size).  The owner resets the word when it writes, so a
 *    reader knows exactly which bytes a later cut zeroed.  A write() never
 *    overlaps a resize (a handshake on the seqcount), so it cannot grow the
 *    file behind the resizer's back.  A write that a resize overlapped may
 *    have lost part of its bytes to the cut: the page holds its generation
 *    or zeroes, byte by byte, until the next write.
 *  - A reader, in any thread or process, takes the seqcounts, the cut word
 *    and the size, reads the page, and takes the seqcounts again.  If
 *    neither moved, what the page must hold is exact: the owner's generation
 *    up to the bytes kept and zeroes after, or zeroes, or SIGBUS (BUS_ADRERR)
 *    if it lies wholly beyond the size, and the length read() returns is
 *    exact too.  If the owner wrote meanwhile, each byte may be from one of
 *    the generations it wrote, or older by one.  While a resize runs, the
 *    pages it cuts show what they held until the truncation reaches them:
 *    any generation since the owner's last write that no resize overlapped,
 *    zeroes, or SIGBUS.
 *  - Private stores write their author's marker, and the author remembers
 *    its copies; a count of whole-page cuts tells it when a truncation
 *    removed them.  A private word anywhere else (in the buffer, in read(),
 *    in another mapping or process) is a copy-on-write leak.
 * So a lost write (zeroes, an older generation), stale data (what a cut must
 * have removed: old contents after a shrink then grow, a page readable
 * beyond the size), a copy-on-write leak and another page's or object's
 * data are each reported; so are a signal or an errno nothing explains.
 * Any of them fails the test.  Mapping stores are 8-byte aligned, so a torn
 * word can only come through read() or write(): the loose check goes byte
 * by byte.
 *
 * The checker is checked first: on made-up pages, then by short runs that
 * make the model lie or corrupt a page on purpose (expect a generation
 * never written, pretend a cut, store a private marker through the shared
 * mapping, write with another object's id); each must be reported.  -S
 * runs only that.  -r runs the same stress on the kernel's own references,
 * a memfd and /dev/zero, to show the model expects only what Linux does.
 *
 *	stress_test [-t SECONDS] [-v] [-S] [-r] [-s SEED]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "kselftest.h"
#include "mmapdemo_util.h"

#define FILE_PAGES 64 /* pages of /dev/mmapdemo we use */
#define OBJ_PAGES 32 /* pages of each anon object */
#define MAX_PAGES 64
#define MAX_WORKERS 8
#define GRACE 30 /* seconds allowed to wind down */

/* The tag byte of a word: whose data it is. */
enum { TAG_FILE = 0x5a, TAG_ANON = 0xa5, TAG_PRIV = 0xc3 };

static inline uint64_t pattern(unsigned int tag, unsigned int who,
			       unsigned int page, uint32_t gen)
{
	return (uint64_t)tag << 56 | (uint64_t)(who & 0xff) << 48 |
	       (uint64_t)(page & 0xffff) << 32 | gen;
}

enum op {
	OP_WRITE,
	OP_PWRITE,
	OP_VERIFY,
	OP_READ,
	OP_PREAD,
	OP_PSTORE,
	OP_PCHECK,
	OP_STORM,
	OP_TOUCH,
	OP_MADVISE,
	OP_MREMAP,
	OP_MPROTECT,
	OP_MLOCK,
	OP_MUNMAP,
	OP_OPEN,
	OP_FORK,
	OP_RW,
	OP_SELFCOPY,
	OP_PROCMEM,
	OP_SHRINK,
	OP_GROW,
	OP_GROWW,
	OP_RMMOD,
	OP_INFO,
	NR_OPS
};

static const char *const op_name[] = {
	"write",	 "pwrite",	    "verify",
	"read",		 "pread",	    "private-store",
	"private-check", "storm",	    "storm-touch",
	"madvise",	 "mremap",	    "mprotect",
	"mlock",	 "munmap",	    "open-close",
	"fork",		 "anon-read-write", "self-copy",
	"proc-mem",	 "shrink",	    "grow",
	"grow-by-write", "rmmod",	    "info",
};
_Static_assert(ARRAY_SIZE(op_name) == NR_OPS, "one name per operation");

enum ev { EV_STRICT, EV_DATA, EV_LOOSE, EV_SKIP, EV_SIGBUS, EV_SIGSEGV, NR_EV };

/* The first four are integrity errors. */
enum err {
	ERR_LOST,
	ERR_STALE,
	ERR_COW,
	ERR_FOREIGN,
	ERR_SIGNAL,
	ERR_ERRNO,
	ERR_OTHER,
	NR_ERR
};
#define NR_INTEGRITY (ERR_FOREIGN + 1)

static const char *const err_name[] = {
	"lost-write", "stale-data", "cow-leak", "foreign-data",
	"signal",     "errno",	    "other",
};
_Static_assert(ARRAY_SIZE(err_name) == NR_ERR, "one name per error");

/* Lies the self-check tells the model, or damage it does on purpose. */
enum inject { INJ_NONE, INJ_GEN, INJ_CUT, INJ_COW, INJ_OBJ };
#define INJECT_MAX 10

enum expect { EXP_ZERO, EXP_GEN, EXP_UNKNOWN };

/* A page's state, published by its owner. */
struct pstate {
	_Atomic uint64_t seq; /* odd while the owner writes */
	_Atomic uint32_t gen; /* the last generation written */
	_Atomic uint32_t expect; /* enum expect */
	_Atomic uint32_t fuzzy; /* the last write raced a resize */
	_Atomic uint32_t cut0; /* cut count when it started */
	_Atomic uint32_t sgen; /* last write no resize overlapped */
};

/* The pages of the file, or of one anon object. */
struct region {
	unsigned int tag, who, npages;
	bool resizable;
	_Atomic uint64_t rseq; /* odd while a resize runs */
	_Atomic uint64_t size; /* bytes; stable while rseq is even */
	_Atomic uint64_t sys_writers; /* write()s that a resize waits for */
	struct pstate pg[MAX_PAGES];
	_Atomic uint64_t cut[MAX_PAGES]; /* cuts << 32 | fewest kept */
	_Atomic uint64_t fullcut[MAX_PAGES]; /* cuts that kept nothing */
};

/* Everything the processes of one test share. */
struct ctl {
	_Atomic int ready, go, stop;
	_Atomic unsigned int bell; /* ring: every thread storms */
	_Atomic unsigned int next_id; /* anon objects, private authors */
	_Atomic unsigned int nmsg;
	_Atomic int injected;
	_Atomic uint64_t ops[NR_OPS];
	_Atomic uint64_t ev[NR_EV];
	_Atomic uint64_t err[NR_ERR];
	_Atomic uint64_t deadline; /* CLOCK_MONOTONIC ns */
	int watchdog;
	char first[320]; /* the first error message */
	struct region file;
	struct region anon[MAX_WORKERS];
};

struct config {
	const char *name;
	int file_procs, anon_procs, threads;
	double secs;
	int inject;
	int expect_err; /* self-check: must be reported */
};

enum { PP_NONE, PP_MINE, PP_UNKNOWN };

/* What this actor stored to one page of a private mapping. */
struct ppage {
	uint32_t gen;
	uint8_t who;
	uint8_t state;
	uint64_t fullcut0;
};

/*
 * A mapping: page i shows page pgoff + i of region r, the file or an anon
 * object (NULL: a private anon mapping, zeroes unless stored to).
 */
struct view {
	unsigned char *addr;
	unsigned int npages, pgoff;
	bool shared;
	struct region *r;
	struct ppage *pp; /* private mappings: our stores */
};

/* One thread doing operations, or a fork child acting for it. */
struct actor {
	char name[48];
	const char *op;
	bool anon;
	unsigned int owner, nowners; /* we own pages p % nowners == owner */
	unsigned int who; /* author id of our private stores */
	uint32_t pgen; /* generation of our private stores */
	uint64_t rng;
	int fd;
	struct view sv; /* shared by the process's threads */
	struct view pv; /* our own private mapping */
	struct ppage pp[MAX_PAGES];
	struct ppage tpp[MAX_PAGES + 1]; /* for a temporary view */
	struct region *treg; /* for a temporary anon object */
	unsigned int bell;
	bool via_procmem; /* check_page() reads /proc/self/mem */
	unsigned char *buf; /* a page */
	pthread_t thread;
};

static size_t ps;
static unsigned int file_pages = FILE_PAGES;
static bool verbose, reference;
static uint64_t seed;
static struct ctl *ctl;
static const struct config *cfg;
static int file_fd = -1; /* the controlling process's, inherited */
static int anon_fd = -1;
static bool rmmod_ok = true, procmem_ok, mlock_ok;

/* ---- time, random numbers, output ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

static uint64_t rnd(struct actor *a)
{
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int rndn(struct actor *a, unsigned int n)
{
	return n ? (unsigned int)((rnd(a) >> 16) % n) : 0;
}

/* Told to stop, or past the deadline (even if nobody says so). */
static bool stopping(void)
{
	uint64_t d = atomic_load_explicit(&ctl->deadline, memory_order_relaxed);

	return atomic_load_explicit(&ctl->stop, memory_order_relaxed) ||
	       (d && now_ns() >= d);
}

/* One write(2) per line: the processes share stdout, unbuffered. */
static void emit(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static __printf(1, 2) void note(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "# ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	emit(buf, n);
}

static void count(enum op op)
{
	atomic_fetch_add_explicit(&ctl->ops[op], 1, memory_order_relaxed);
}

static void event(enum ev ev)
{
	atomic_fetch_add_explicit(&ctl->ev[ev], 1, memory_order_relaxed);
}

static uint64_t nr_errors(int from, int to)
{
	uint64_t n = 0;

	for (int i = from; i < to; i++)
		n += atomic_load(&ctl->err[i]);
	return n;
}

/*
 * Count an error and say what it was: the first ones always, every one
 * with -v; the self-check's runs keep them to themselves.
 */
static __printf(3, 4) void fail(struct actor *a, enum err kind, const char *fmt,
				...)
{
	char buf[512];
	unsigned int k;
	va_list ap;
	int n;

	atomic_fetch_add(&ctl->err[kind], 1);
	k = atomic_fetch_add(&ctl->nmsg, 1);
	n = snprintf(buf, sizeof(buf), "# ERROR %s [%s %s]: ", err_name[kind],
		     a ? a->name : "-", a && a->op ? a->op : "-");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (!k) {
		size_t m = (size_t)n < sizeof(ctl->first) ?
				   (size_t)n :
				   sizeof(ctl->first) - 1;

		memcpy(ctl->first, buf, m);
		ctl->first[m] = '\0';
	}
	if (cfg->expect_err < 0 && (verbose || k < 20))
		emit(buf, n);
	if (cfg->expect_err < 0 && k == 20 && !verbose)
		note("(more errors: -v shows them all)");
}

/* ---- guarded access: SIGBUS and SIGSEGV, per thread ---- */

/* volatile: the stores around the access must stay, and in order. */
static __thread sigjmp_buf *volatile guard_jmp;
static __thread volatile sig_atomic_t guard_sig, guard_code;
static __thread void *volatile guard_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = guard_jmp;

	if (!jb) {
		ucontext_t *u = uc;
		char msg[160];
		int n;

		n = snprintf(
			msg, sizeof(msg),
			"# ERROR: signal %d (si_code %d) at %p, ip %#llx, outside a guarded access\n",
			sig, si->si_code, si->si_addr,
			(unsigned long long)u->uc_mcontext.gregs[REG_RIP]);
		emit(msg, n);
		signal(sig, SIG_DFL); /* it faults again, and kills us */
		return;
	}
	guard_jmp = NULL;
	guard_sig = sig;
	guard_code = si->si_code;
	guard_addr = si->si_addr;
	siglongjmp(*jb, 1);
}

struct access {
	int sig, code;
	size_t done; /* bytes before the fault */
};

static void copy_words(uint64_t *dst, const volatile uint64_t *src, size_t len)
{
	for (size_t i = 0; i < len / 8; i++)
		dst[i] = src[i];
}

static void fill_words(volatile uint64_t *dst, uint64_t word, size_t len)
{
	for (size_t i = 0; i < len / 8; i++)
		dst[i] = word;
}

static size_t fault_offset(const void *start, size_t len)
{
	uintptr_t a = (uintptr_t)guard_addr, s = (uintptr_t)start;

	if (a < s)
		return 0;
	return (a - s < len ? a - s : len) & ~(size_t)7;
}

/*
 * Copy @len bytes (a multiple of 8) from a mapping, 8 bytes at a time, or
 * fill them with @word (if @store).  sigsetjmp() does not save the signal
 * mask: the handler runs with SA_NODEFER, so nothing stays blocked.
 */
static struct access guarded(void *dst, void *map, size_t len, bool store,
			     uint64_t word)
{
	struct access r = { 0 };
	sigjmp_buf jb;

	if (sigsetjmp(jb, 0)) {
		r.sig = guard_sig;
		r.code = guard_code;
		r.done = fault_offset(map, len);
		return r;
	}
	guard_jmp = &jb;
	if (store)
		fill_words(map, word, len);
	else
		copy_words(dst, map, len);
	guard_jmp = NULL;
	r.done = len;
	return r;
}

/* Load or store one byte. */
static struct access guarded_byte(void *map, bool store)
{
	struct access r = { 0 };
	volatile unsigned char *p = map;
	sigjmp_buf jb;

	if (sigsetjmp(jb, 0)) {
		r.sig = guard_sig;
		r.code = guard_code;
		return r;
	}
	guard_jmp = &jb;
	if (store)
		*p = 0;
	else
		(void)*p;
	guard_jmp = NULL;
	r.done = 1;
	return r;
}

/*
 * Read through /proc/self/mem instead: the kernel pins the pages with GUP,
 * faulting them in through the driver as a load would.  Where a load would
 * raise SIGBUS the read fails (EIO): report that as SIGBUS.
 */
static struct access procmem_read(void *dst, void *map, size_t len)
{
	struct access r = { 0 };
	int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = pread(fd, dst, len, (off_t)(uintptr_t)map);
		close(fd);
	}
	r.done = n > 0 ? (size_t)n & ~(size_t)7 : 0;
	if (n != (ssize_t)len) {
		bool eio = n >= 0 || errno == EIO;

		r.sig = eio ? SIGBUS : -1;
		r.code = eio ? BUS_ADRERR : errno;
	}
	return r;
}

/* ---- the checker ---- */

/*
 * What a page must hold.  Exact: generation lo (0: zeroes) up to byte kept,
 * zeroes after.  Loose: each byte a byte of some generation in [lo, hi]
 * (none if lo > hi), or zero if zero_ok.
 */
struct want {
	uint64_t base; /* the word with generation 0 */
	uint32_t lo, hi, kept;
	bool exact, zero_ok;
};

static bool byte_ok(const struct want *w, size_t pos, unsigned char b)
{
	unsigned int sh = 8 * (pos % 8);

	if (w->exact) {
		uint64_t v = w->lo && pos < w->kept ? w->base | w->lo : 0;

		return b == (unsigned char)(v >> sh);
	}
	if (!b && w->zero_ok)
		return true;
	if (!w->lo || w->lo > w->hi)
		return false;
	if (sh >= 32)
		return b == (unsigned char)(w->base >> sh);
	for (uint64_t g = w->lo; g <= w->hi; g++)
		if (b == (unsigned char)(g >> sh))
			return true;
	return false;
}

static bool word_ok(const struct want *w, size_t pos, uint64_t v)
{
	if (w->exact) {
		if (!w->lo || pos >= w->kept)
			return !v;
		return pos + 8 <= w->kept && v == (w->base | w->lo);
	}
	if (!v && w->zero_ok)
		return true;
	return w->lo && (v >> 32) == (w->base >> 32) && (uint32_t)v >= w->lo &&
	       (uint32_t)v <= w->hi;
}

/*
 * Check @len bytes at @buf, the page's bytes from offset @off.  Returns the
 * page offset of the first wrong byte, or -1.
 */
static long check_bytes(const unsigned char *buf, size_t off, size_t len,
			const struct want *w)
{
	size_t i = 0;

	while (i < len) {
		size_t pos = off + i;
		uint64_t v;

		if (!(pos % 8) && i + 8 <= len) {
			memcpy(&v, buf + i, 8);
			if (word_ok(w, pos, v)) {
				i += 8;
				continue;
			}
		}
		if (!byte_ok(w, pos, buf[i]))
			return (long)pos;
		i++;
	}
	return -1;
}

static void describe_want(const struct want *w, size_t pos, char *s, size_t n)
{
	if (w->exact && (!w->lo || pos >= w->kept))
		snprintf(s, n, "zeroes");
	else if (w->exact)
		snprintf(s, n, "%016llx (gen %u%s)",
			 (unsigned long long)(w->base | w->lo), w->lo,
			 w->kept < ps ? ", zeroes after the bytes kept" : "");
	else
		snprintf(s, n, "%016llx, gen %u..%u%s",
			 (unsigned long long)w->base, w->lo, w->hi,
			 w->zero_ok ? " or zeroes" : "");
}

/*
 * Say what is wrong at page offset @bad, and which kind of error it is:
 * the word there tells whose data it is.
 */
static enum err classify(const unsigned char *buf, size_t off, size_t len,
			 size_t bad, const struct want *w, char *s, size_t n)
{
	size_t wp = bad & ~(size_t)7;
	unsigned int wtag = w->base >> 56, wwho = (w->base >> 48) & 0xff;
	unsigned int tag, who, page;
	bool want_zero;
	const char *what;
	enum err kind;
	char exp[96];
	uint64_t v;

	describe_want(w, bad, exp, sizeof(exp));
	if (wp < off || wp + 8 > off + len) {
		snprintf(s, n, "+%#zx holds byte %#x, expected %s", bad,
			 buf[bad - off], exp);
		return ERR_FOREIGN;
	}
	memcpy(&v, buf + (wp - off), 8);
	tag = v >> 56;
	who = (v >> 48) & 0xff;
	page = (v >> 32) & 0xffff;
	want_zero = w->exact ? !w->lo || bad >= w->kept : !w->lo;
	if (tag != TAG_FILE && tag != TAG_ANON && tag != TAG_PRIV &&
	    !buf[bad - off]) {
		/* Part of a word zeroed: what a cut in its middle does. */
		kind = ERR_LOST;
		what = "zeroes: a lost write";
	} else if (tag == TAG_PRIV && (wtag != TAG_PRIV || who != wwho)) {
		kind = ERR_COW;
		what = "a private store's data";
	} else if (!v) {
		kind = ERR_LOST;
		what = "zeroes: a lost write";
	} else if ((v >> 32) == (w->base >> 32) && want_zero) {
		kind = ERR_STALE;
		what = "data that a cut must have removed";
	} else if ((v >> 32) == (w->base >> 32) && (uint32_t)v < w->lo) {
		kind = ERR_LOST;
		what = "an older generation: a lost write";
	} else if ((v >> 32) == (w->base >> 32)) {
		kind = ERR_FOREIGN;
		what = "a generation never written there";
	} else if (tag == wtag && who == wwho) {
		kind = ERR_FOREIGN;
		what = "another page's data";
	} else if (tag == TAG_FILE || tag == TAG_ANON || tag == TAG_PRIV) {
		kind = ERR_FOREIGN;
		what = "another object's data";
	} else if (want_zero) {
		kind = ERR_STALE;
		what = "garbage where zeroes must be";
	} else {
		kind = ERR_FOREIGN;
		what = "garbage";
	}
	snprintf(s, n, "+%#zx holds %016llx (%s; page %u), expected %s", bad,
		 (unsigned long long)v, what, page, exp);
	return kind;
}

/* What a reader saw of a region around its read of page p. */
struct snap {
	uint64_t seq;
	uint32_t gen, expect, fuzzy, cut0, sgen;
};

struct obs {
	uint64_t r0, r1, size, cutw, fullc;
	struct snap a, b;
};

static void obs_begin(struct region *r, unsigned int p, struct obs *o)
{
	struct pstate *s = &r->pg[p];

	o->r0 = atomic_load(&r->rseq);
	o->size = atomic_load(&r->size);
	o->cutw = atomic_load(&r->cut[p]);
	o->fullc = atomic_load(&r->fullcut[p]);
	o->a.seq = atomic_load(&s->seq);
	o->a.gen = atomic_load(&s->gen);
	o->a.expect = atomic_load(&s->expect);
	o->a.fuzzy = atomic_load(&s->fuzzy);
	o->a.cut0 = atomic_load(&s->cut0);
	o->a.sgen = atomic_load(&s->sgen);
}

static void obs_end(struct region *r, unsigned int p, struct obs *o)
{
	atomic_thread_fence(memory_order_seq_cst);
	o->b.seq = atomic_load(&r->pg[p].seq);
	o->b.gen = atomic_load(&r->pg[p].gen);
	o->r1 = atomic_load(&r->rseq);
}

static bool obs_rclean(const struct obs *o)
{
	return o->r0 == o->r1 && !(o->r0 & 1);
}

static bool beyond_end(const struct region *r, unsigned int p, uint64_t size)
{
	return r->resizable ? (uint64_t)p * ps >= size : p >= r->npages;
}

enum { SB_NO, SB_MAY, SB_MUST };

/*
 * What page @p of @r must hold through a shared mapping or read(), and
 * whether SIGBUS may or must come instead.  False if too much moved to
 * tell (the owner wrote many times, or its last write failed).
 */
static bool shared_want(const struct region *r, unsigned int p,
			const struct obs *o, struct want *w, int *sigbus)
{
	bool rclean = obs_rclean(o);
	bool oclean = o->a.seq == o->b.seq && !(o->a.seq & 1);
	uint32_t g = o->a.gen;

	memset(w, 0, sizeof(*w));
	w->base = pattern(r->tag, r->who, p, 0);
	*sigbus = SB_NO;
	if (r->resizable && !rclean)
		*sigbus = SB_MAY;
	else if (beyond_end(r, p, o->size))
		*sigbus = SB_MUST;

	if (o->a.expect == EXP_UNKNOWN)
		return false;
	if (!rclean || !oclean) {
		/*
		 * Being written: the old generation, or one of the new.  While
		 * a resize runs, a page it cuts still shows what it held until
		 * the truncation reaches it: anything since the last write
		 * that no resize overlapped.
		 */
		uint32_t lo = g;

		if (!rclean)
			lo = o->a.sgen;
		else if (o->a.seq & 1)
			lo = g ? g - 1 : 0;
		if (o->b.gen - lo > 64)
			return false;
		w->zero_ok = r->resizable || !lo || o->a.expect == EXP_ZERO;
		w->lo = lo ? lo : 1;
		w->hi = o->b.gen;
		return true;
	}
	if (o->a.expect == EXP_ZERO) {
		w->exact = true;
		return true;
	}
	w->lo = w->hi = g;
	if (o->a.fuzzy) {
		w->zero_ok = true;
		return true;
	}
	w->exact = true;
	w->kept = (o->cutw >> 32) == o->a.cut0 ? ps : (uint32_t)o->cutw;
	return true;
}

static bool owns(const struct actor *a, const struct view *v, unsigned int p)
{
	if (v->r == a->treg)
		return true;
	return a->nowners && v->r == a->sv.r && p % a->nowners == a->owner;
}

static bool inject_now(int kind)
{
	return cfg->inject == kind &&
	       atomic_fetch_add(&ctl->injected, 1) < INJECT_MAX;
}

static bool sigbus_ok(const struct access *acc, int sigbus)
{
	return acc->sig == SIGBUS && acc->code == BUS_ADRERR && sigbus != SB_NO;
}

/*
 * Read page @i of view @v and check it against the model.  @own: the
 * actor owns it (a "verify" rather than a "read").
 */
static void check_page(struct actor *a, struct view *v, unsigned int i)
{
	struct region *r = v->r;
	unsigned int p = v->pgoff + i;
	struct ppage *pp = v->pp ? &v->pp[i] : NULL;
	bool own = v->shared && owns(a, v, p);
	bool mine = false, mine_maybe = false, have;
	int sigbus = SB_NO;
	struct want w, mw;
	struct obs o = { 0 };
	struct access acc;
	char msg[256];
	long bad;

	if (r)
		obs_begin(r, p, &o);
	if (a->via_procmem)
		acc = procmem_read(a->buf, v->addr + (size_t)i * ps, ps);
	else
		acc = guarded(a->buf, v->addr + (size_t)i * ps, ps, false, 0);
	if (r)
		obs_end(r, p, &o);
	count(own ? OP_VERIFY : pp ? OP_PCHECK : OP_READ);

	if (pp && pp->state == PP_UNKNOWN) {
		if (acc.sig && !(sigbus_ok(&acc, SB_MAY) && r && r->resizable))
			fail(a, ERR_SIGNAL, "page %u: signal %d (si_code %d)",
			     p, acc.sig, acc.code);
		event(EV_SKIP);
		return;
	}
	if (pp && pp->state == PP_MINE) {
		memset(&mw, 0, sizeof(mw));
		mw.base = pattern(TAG_PRIV, pp->who, p, 0);
		mw.lo = mw.hi = pp->gen;
		mw.kept = ps;
		mw.exact = true;
		if (!r || !r->resizable)
			mine = true;
		else if (obs_rclean(&o) && o.fullc != pp->fullcut0)
			pp->state = PP_NONE; /* a truncation took it */
		else if (obs_rclean(&o))
			mine = true;
		else
			mine_maybe = true;
	}
	if (mine) {
		w = mw;
		have = true;
	} else if (!r) {
		memset(&w, 0, sizeof(w)); /* never stored: zeroes */
		w.exact = true;
		have = true;
	} else {
		have = shared_want(r, p, &o, &w, &sigbus);
	}

	if (acc.sig) {
		if (!sigbus_ok(&acc, sigbus)) {
			fail(a, ERR_SIGNAL,
			     "page %u (%s view): signal %d, si_code %d at +%#zx, size %llu",
			     p, v->shared ? "shared" : "private", acc.sig,
			     acc.code, acc.done, (unsigned long long)o.size);
			return;
		}
		event(EV_SIGBUS);
	} else if (sigbus == SB_MUST) {
		fail(a, ERR_STALE,
		     "page %u (%s view) lies beyond the size (%llu bytes) but can be read",
		     p, v->shared ? "shared" : "private",
		     (unsigned long long)o.size);
		return;
	}
	if (!have) {
		event(EV_SKIP);
		return;
	}
	if (own && w.exact && w.lo && w.kept >= 8) {
		if (inject_now(INJ_GEN))
			w.lo = w.hi = w.lo + 1;
		else if (inject_now(INJ_CUT))
			w.kept = 0;
	}
	bad = check_bytes(a->buf, 0, acc.done, mine_maybe ? &mw : &w);
	if (bad >= 0 && mine_maybe) {
		/* Our copy, until a resize took it: then the shared page. */
		size_t k = bad;

		bad = check_bytes(a->buf + k, k, acc.done - k, &w);
	}
	event(w.exact && !mine_maybe ? EV_STRICT : EV_LOOSE);
	if (w.exact && !mine_maybe && w.lo && w.kept && acc.done)
		event(EV_DATA);
	if (bad >= 0) {
		enum err kind = classify(a->buf, 0, acc.done, bad, &w, msg,
					 sizeof(msg));

		fail(a, kind,
		     "page %u (%s view%s): %s [model: gen %u, %s%s, cuts %llu/%u kept %u, full cuts %llu, size %llu, resize seq %llu..%llu, owner seq %llu..%llu]",
		     p, v->shared ? "shared" : "private",
		     mine ? ", our private copy" : "", msg, o.a.gen,
		     o.a.expect == EXP_GEN  ? "data" :
		     o.a.expect == EXP_ZERO ? "zeroes" :
					      "unknown",
		     o.a.fuzzy ? " (fuzzy)" : "",
		     (unsigned long long)(o.cutw >> 32), o.a.cut0,
		     (uint32_t)o.cutw, (unsigned long long)o.fullc,
		     (unsigned long long)o.size, (unsigned long long)o.r0,
		     (unsigned long long)o.r1, (unsigned long long)o.a.seq,
		     (unsigned long long)o.b.seq);
	}
}

/* ---- writers ---- */

/* The owner starts a write: from now on, count cuts from zero. */
static uint32_t cut_reset(struct region *r, unsigned int p)
{
	uint64_t old = atomic_load(&r->cut[p]);

	while (!atomic_compare_exchange_weak(&r->cut[p], &old,
					     (old & ~0xffffffffULL) | ps))
		;
	return old >> 32;
}

/* A resize cut page @p, keeping its first @kept bytes. */
static void cut_record(struct region *r, unsigned int p, uint32_t kept)
{
	uint64_t old = atomic_load(&r->cut[p]), new;

	do {
		uint32_t k = (uint32_t)old < kept ? (uint32_t)old : kept;

		new = ((old >> 32) + 1) << 32 | k;
	} while (!atomic_compare_exchange_weak(&r->cut[p], &old, new));
	if (!kept)
		atomic_fetch_add(&r->fullcut[p], 1);
}

static void owner_begin(struct pstate *s)
{
	if (atomic_load(&s->seq) & 1) /* a child died writing */
		atomic_fetch_add(&s->seq, 1);
	atomic_fetch_add(&s->seq, 1);
}

/* The owner writes page @i of @v, a shared view, with a new generation. */
static void write_page(struct actor *a, struct view *v, unsigned int i)
{
	struct region *r = v->r;
	unsigned int p = v->pgoff + i, who = r->who;
	struct pstate *s = &r->pg[p];
	uint64_t s0, s1, size;
	struct access acc;
	uint32_t c0 = 0, g;
	bool clean, legit, injected = false;

	owner_begin(s);
	s0 = atomic_load(&r->rseq);
	size = atomic_load(&r->size);
	if (r->resizable)
		c0 = cut_reset(r, p);
	g = atomic_load(&s->gen) + 1;
	atomic_store(&s->gen, g);
	if (r->tag == TAG_ANON && inject_now(INJ_OBJ)) {
		who ^= 0x80;
		injected = true;
	}
	acc = guarded(NULL, v->addr + (size_t)i * ps, ps, true,
		      pattern(r->tag, who, p, g));
	atomic_thread_fence(memory_order_seq_cst);
	s1 = atomic_load(&r->rseq);
	clean = s0 == s1 && !(s0 & 1);
	if (acc.sig) {
		legit = acc.sig == SIGBUS && acc.code == BUS_ADRERR &&
			r->resizable && (!clean || beyond_end(r, p, size));
		if (legit)
			event(EV_SIGBUS);
		else
			fail(a, ERR_SIGNAL,
			     "storing to page %u: signal %d, si_code %d at +%#zx, size %llu",
			     p, acc.sig, acc.code, acc.done,
			     (unsigned long long)size);
		/* What it stored went with the page: it reads as zeroes. */
		atomic_store(&s->expect, legit ? EXP_ZERO : EXP_UNKNOWN);
	} else {
		if (clean && beyond_end(r, p, size))
			fail(a, ERR_STALE,
			     "a store to page %u beyond the size (%llu) did not fault",
			     p, (unsigned long long)size);
		atomic_store(&s->expect, EXP_GEN);
		atomic_store(&s->fuzzy, !clean);
		atomic_store(&s->cut0, c0);
		if (clean)
			atomic_store(&s->sgen, g);
	}
	atomic_fetch_add(&s->seq, 1);
	count(OP_WRITE);
	if (injected)
		check_page(a, v, i);
}

/*
 * write() and a resize must not overlap (a write past the end would grow
 * the file): a Dekker handshake on rseq and sys_writers.
 */
static bool nores_enter(struct region *r)
{
	for (unsigned int k = 0;; k++) {
		uint64_t s = atomic_load(&r->rseq);

		if (stopping())
			return false;
		if (s & 1) {
			if (k < 100)
				sched_yield();
			else
				sleep_us(100);
			continue;
		}
		atomic_fetch_add(&r->sys_writers, 1);
		if (atomic_load(&r->rseq) == s)
			return true;
		atomic_fetch_sub(&r->sys_writers, 1);
	}
}

/* The owner writes a page of the file with pwrite(). */
static void pwrite_page(struct actor *a, unsigned int p)
{
	struct region *r = a->sv.r;
	struct pstate *s = &r->pg[p];
	uint64_t word, *b = (uint64_t *)a->buf;
	uint32_t c0, g;
	ssize_t n;

	if (!nores_enter(r))
		return;
	if ((uint64_t)(p + 1) * ps > atomic_load(&r->size)) {
		/* Not wholly inside: a store to the mapping instead. */
		atomic_fetch_sub(&r->sys_writers, 1);
		write_page(a, &a->sv, p);
		return;
	}
	owner_begin(s);
	c0 = cut_reset(r, p);
	g = atomic_load(&s->gen) + 1;
	atomic_store(&s->gen, g);
	word = pattern(r->tag, r->who, p, g);
	for (size_t k = 0; k < ps / 8; k++)
		b[k] = word;
	n = pwrite(a->fd, a->buf, ps, (off_t)p * ps);
	if (n != (ssize_t)ps)
		fail(a, ERR_ERRNO, "pwrite of page %u: %zd (%s)", p, n,
		     n < 0 ? strerror(errno) : "short");
	atomic_store(&s->expect, n == (ssize_t)ps ? EXP_GEN : EXP_UNKNOWN);
	atomic_store(&s->fuzzy, 0);
	atomic_store(&s->cut0, c0);
	if (n == (ssize_t)ps)
		atomic_store(&s->sgen, g);
	atomic_fetch_add(&s->seq, 1);
	atomic_fetch_sub(&r->sys_writers, 1);
	count(OP_PWRITE);
}

/* pread() part of a page and check what comes back, and how much. */
static void pread_page(struct actor *a, unsigned int p)
{
	struct region *r = a->sv.r;
	size_t off = rndn(a, 2) ? 0 : rndn(a, ps);
	size_t len = ps - off;
	uint64_t pos = (uint64_t)p * ps + off;
	struct want w;
	struct obs o;
	int sigbus;
	char msg[256];
	ssize_t n;
	long bad;

	obs_begin(r, p, &o);
	n = pread(a->fd, a->buf, len, (off_t)pos);
	obs_end(r, p, &o);
	count(OP_PREAD);
	if (n < 0) {
		fail(a, ERR_ERRNO, "pread at %llu: %s", (unsigned long long)pos,
		     strerror(errno));
		return;
	}
	if (obs_rclean(&o)) {
		uint64_t want = o.size > pos ? o.size - pos : 0;

		if (want > len)
			want = len;
		if ((uint64_t)n != want) {
			fail(a, (uint64_t)n > want ? ERR_STALE : ERR_LOST,
			     "pread of %zu bytes at %llu returned %zd, size %llu",
			     len, (unsigned long long)pos, n,
			     (unsigned long long)o.size);
			return;
		}
	}
	if (!shared_want(r, p, &o, &w, &sigbus)) {
		event(EV_SKIP);
		return;
	}
	event(w.exact ? EV_STRICT : EV_LOOSE);
	if (w.exact && w.lo && w.kept > off && n)
		event(EV_DATA);
	bad = check_bytes(a->buf, off, n, &w);
	if (bad >= 0) {
		enum err kind =
			classify(a->buf, off, n, bad, &w, msg, sizeof(msg));

		fail(a, kind, "page %u via pread: %s", p, msg);
	}
}

/* Store our marker to page @i of a private view: copy-on-write. */
static void priv_store(struct actor *a, struct view *v, unsigned int i)
{
	struct region *r = v->r;
	bool resizable = r && r->resizable;
	unsigned int p = v->pgoff + i;
	struct ppage *pp = &v->pp[i];
	unsigned char *addr = v->addr + (size_t)i * ps;
	uint64_t s0 = 0, s1 = 0, size = 0, f0 = 0;
	bool clean, legit, leak = false;
	struct access acc;
	uint32_t g = ++a->pgen;

	if (r) {
		s0 = atomic_load(&r->rseq);
		size = atomic_load(&r->size);
		f0 = atomic_load(&r->fullcut[p]);
	}
	if (cfg->inject == INJ_COW && r == a->sv.r && !(s0 & 1) &&
	    (uint64_t)(p + 1) * ps <= size &&
	    atomic_load(&ctl->injected) < INJECT_MAX) {
		/* Pretend the copy-on-write failed: store to the buffer. */
		addr = a->sv.addr + (size_t)p * ps;
		leak = true;
	}
	acc = guarded(NULL, addr, ps, true, pattern(TAG_PRIV, a->who, p, g));
	if (r) {
		atomic_thread_fence(memory_order_seq_cst);
		s1 = atomic_load(&r->rseq);
	}
	clean = s0 == s1 && !(s0 & 1);
	count(OP_PSTORE);
	if (acc.sig) {
		legit = acc.sig == SIGBUS && acc.code == BUS_ADRERR &&
			resizable && (!clean || beyond_end(r, p, size));
		if (legit)
			event(EV_SIGBUS);
		else
			fail(a, ERR_SIGNAL,
			     "private store to page %u: signal %d, si_code %d",
			     p, acc.sig, acc.code);
		/* A truncation took the page, and any copy of ours. */
		pp->state = legit ? PP_NONE : PP_UNKNOWN;
		return;
	}
	if (resizable && clean && beyond_end(r, p, size))
		fail(a, ERR_STALE,
		     "a private store to page %u beyond the size (%llu) did not fault",
		     p, (unsigned long long)size);
	pp->state = clean ? PP_MINE : PP_UNKNOWN;
	pp->who = a->who;
	pp->gen = g;
	pp->fullcut0 = f0;
	if (leak) {
		atomic_fetch_add(&ctl->injected, 1);
		check_page(a, &a->sv, p);
	}
}

/* ---- views ---- */

/*
 * Map @npages of @fd from page @pgoff; at times with MAP_POPULATE, which in
 * a private mapping copies each page it can (a write fault): copies of the
 * file's pages we cannot tell apart from it, so unknown until stored to.
 */
static bool map_view(struct actor *a, struct view *v, int fd, struct region *r,
		     unsigned int pgoff, unsigned int npages, bool shared,
		     struct ppage *pp)
{
	bool populate = !rndn(a, 4);
	void *m = mmap(NULL, (size_t)npages * ps, PROT_READ | PROT_WRITE,
		       (shared ? MAP_SHARED : MAP_PRIVATE) |
			       (populate ? MAP_POPULATE : 0),
		       fd, (off_t)pgoff * ps);

	if (m == MAP_FAILED) {
		fail(a, ERR_ERRNO, "mmap of %u pages at page %u (%s): %s",
		     npages, pgoff, shared ? "shared" : "private",
		     strerror(errno));
		return false;
	}
	v->addr = m;
	v->npages = npages;
	v->pgoff = pgoff;
	v->shared = shared;
	v->r = r;
	v->pp = shared ? NULL : pp;
	if (v->pp)
		memset(v->pp, 0, sizeof(*pp) * (npages + 1));
	if (v->pp && populate && r)
		for (unsigned int i = 0; i < npages; i++)
			v->pp[i].state = PP_UNKNOWN;
	return true;
}

static void unmap_view(struct actor *a, struct view *v)
{
	if (munmap(v->addr, (size_t)v->npages * ps))
		fail(a, ERR_ERRNO, "munmap: %s", strerror(errno));
	v->addr = NULL;
}

/* A fresh anon object for a temporary view: zeroes, owned by us. */
static void treg_init(struct region *r, unsigned int npages)
{
	memset(r, 0, sizeof(*r));
	r->tag = TAG_ANON;
	r->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
	r->npages = npages;
	atomic_store(&r->size, (uint64_t)npages * ps);
}

/* A temporary view of @npages: of the file, or of a new anon object. */
static bool tmp_view(struct actor *a, struct view *v, unsigned int npages,
		     bool shared)
{
	unsigned int pgoff = 0;
	struct region *r = a->sv.r;

	if (!a->anon) {
		pgoff = rndn(a, file_pages - npages + 1);
	} else if (shared) {
		r = a->treg;
		treg_init(r, npages);
	} else {
		r = NULL;
	}
	return map_view(a, v, a->fd, r, pgoff, npages, shared, a->tpp);
}

/* Touch every page of a view: our stores where we may, else loads. */
static void touch_view(struct actor *a, struct view *v)
{
	for (unsigned int i = 0; i < v->npages && !stopping(); i++) {
		if (!v->shared && rndn(a, 2))
			priv_store(a, v, i);
		else if (v->shared && owns(a, v, v->pgoff + i) && rndn(a, 2))
			write_page(a, v, i);
		else
			check_page(a, v, i);
	}
}

static void check_view(struct actor *a, struct view *v)
{
	for (unsigned int i = 0; i < v->npages; i++)
		check_page(a, v, i);
}

static unsigned int own_page(struct actor *a)
{
	unsigned int n = a->sv.npages, k;

	k = (n - 1 - a->owner) / a->nowners + 1; /* how many we own */
	return a->owner + rndn(a, k) * a->nowners;
}

/* ---- operations ---- */

static void op_write(struct actor *a)
{
	write_page(a, &a->sv, own_page(a));
}

static void op_pwrite(struct actor *a)
{
	pwrite_page(a, own_page(a));
}

static void op_verify(struct actor *a)
{
	check_page(a, &a->sv, own_page(a));
}

static void op_read(struct actor *a)
{
	check_page(a, &a->sv, rndn(a, a->sv.npages));
}

static void op_pread(struct actor *a)
{
	pread_page(a, rndn(a, a->sv.npages));
}

static void op_pstore(struct actor *a)
{
	priv_store(a, &a->pv, rndn(a, a->pv.npages));
}

static void op_pcheck(struct actor *a)
{
	check_page(a, &a->pv, rndn(a, a->pv.npages));
}

/*
 * Write faults copied what a private view showed of the file (populate,
 * mlock): unknown from now on, until stored to.  That includes pages whose
 * copy of ours a cut removed, if we have not noticed it yet.
 */
static void copies_unknown(struct view *v, unsigned int i, unsigned int n)
{
	if (!v->pp || !v->r)
		return;
	for (unsigned int k = i; k < i + n; k++) {
		struct ppage *pp = &v->pp[k];

		if (pp->state == PP_NONE ||
		    (pp->state == PP_MINE &&
		     atomic_load(&v->r->fullcut[v->pgoff + k]) != pp->fullcut0))
			pp->state = PP_UNKNOWN;
	}
}

/*
 * madvise() a range, or msync() it; then check it.  DONTNEED drops the
 * PTEs (shared data stays, private copies go); POPULATE_READ and _WRITE
 * fault the pages in (_WRITE copies them in a private mapping; both fail
 * with EFAULT where a page lies beyond the size); COLD and PAGEOUT would
 * reclaim them, which the driver's pages must survive; WILLNEED asks for
 * read-ahead; msync(MS_SYNC) succeeds, as on tmpfs and /dev/zero.  None may
 * change what the pages hold.
 */
static void op_madvise(struct actor *a)
{
	static const struct {
		int advice;
		const char *name;
	} advs[] = {
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_DONTNEED, "MADV_DONTNEED" },
		{ MADV_POPULATE_READ, "MADV_POPULATE_READ" },
		{ MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE" },
		{ MADV_COLD, "MADV_COLD" },
		{ MADV_PAGEOUT, "MADV_PAGEOUT" },
		{ MADV_WILLNEED, "MADV_WILLNEED" },
		{ -1, "msync(MS_SYNC)" },
	};
	struct view *v = rndn(a, 2) ? &a->pv : &a->sv;
	unsigned int i = rndn(a, v->npages), n, k = rndn(a, ARRAY_SIZE(advs));
	bool file = v->r && v->r->resizable;
	unsigned char *addr = v->addr + (size_t)i * ps;
	size_t len;
	int rc;

	n = 1 + rndn(a, v->npages - i < 8 ? v->npages - i : 8);
	len = (size_t)n * ps;
	count(OP_MADVISE);
	if (advs[k].advice < 0)
		rc = msync(addr, len, MS_SYNC);
	else
		rc = madvise(addr, len, advs[k].advice);
	if (rc && !(errno == EFAULT && file &&
		    (advs[k].advice == MADV_POPULATE_READ ||
		     advs[k].advice == MADV_POPULATE_WRITE)))
		fail(a, ERR_ERRNO, "%s of %u pages from page %u (%s view): %s",
		     advs[k].name, n, v->pgoff + i,
		     v->shared ? "shared" : "private", strerror(errno));
	if (advs[k].advice == MADV_DONTNEED && v->pp) {
		for (unsigned int j = i; j < i + n; j++)
			v->pp[j].state = PP_NONE;
	} else if (advs[k].advice == MADV_POPULATE_WRITE && !v->shared) {
		copies_unknown(v, i, n);
	}
	for (unsigned int j = i; j < i + n; j++)
		check_page(a, v, j);
}

/* Read a page through /proc/self/mem (GUP), from either view. */
static void op_procmem(struct actor *a)
{
	struct view *v = rndn(a, 2) ? &a->pv : &a->sv;

	if (!procmem_ok)
		return;
	count(OP_PROCMEM);
	a->via_procmem = true;
	check_page(a, v, rndn(a, v->npages));
	a->via_procmem = false;
}

/* Wait for a child, a bounded time; false (and reported) if it failed. */
static bool wait_child_bounded(struct actor *a, pid_t pid, const char *what)
{
	uint64_t end = atomic_load(&ctl->deadline), now = now_ns();
	unsigned int us = 50;
	int status;

	end = (end > now ? end : now) + GRACE * 1000000000ULL;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			fail(a, ERR_ERRNO, "waitpid: %s", strerror(errno));
			return false;
		}
		if (now_ns() > end) {
			fail(a, ERR_OTHER, "%s child %d hangs: killed", what,
			     pid);
			kill(pid, SIGKILL);
			end = now_ns() + 10 * 1000000000ULL;
			while (waitpid(pid, &status, WNOHANG) == 0 &&
			       now_ns() < end)
				sleep_us(10000);
			return false;
		}
		sleep_us(us);
		if (us < 10000)
			us *= 2;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return true;
	if (WIFSIGNALED(status))
		fail(a, ERR_SIGNAL, "%s child killed by signal %d", what,
		     WTERMSIG(status));
	else
		fail(a, ERR_OTHER, "%s child exited with %d", what,
		     WEXITSTATUS(status));
	return false;
}

/* In a fork child: a watchdog, and a name of its own. */
static void child_setup(struct actor *a, const char *suffix)
{
	uint64_t left = atomic_load(&ctl->deadline);

	left = left > now_ns() ? (left - now_ns()) / 1000000000ULL : 0;
	alarm(left + GRACE);
	strncat(a->name, suffix, sizeof(a->name) - strlen(a->name) - 1);
	a->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
	a->rng ^= (uint64_t)getpid() << 32;
}

/*
 * Fork: the child inherits the shared mapping (and sees and writes our
 * pages while we wait) and our private mapping (and sees our copies, but
 * its own stores stay its own).  Some children exit at once.
 */
static void op_fork(struct actor *a)
{
	pid_t pid = fork();

	if (pid < 0) {
		fail(a, ERR_ERRNO, "fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		unsigned int n = rndn(a, 3) ? 12 : 0;

		child_setup(a, "/child");
		for (unsigned int k = 0; k < n && !stopping(); k++) {
			switch (rndn(a, 4)) {
			case 0:
				op_write(a);
				break;
			case 1:
				op_read(a);
				break;
			case 2:
				op_pcheck(a);
				break;
			default:
				op_pstore(a);
				break;
			}
		}
		_exit(0);
	}
	wait_child_bounded(a, pid, "fork");
	count(OP_FORK);
	for (unsigned int k = 0; k < 3; k++) {
		op_pcheck(a);
		op_verify(a);
	}
}

/* mremap: move a mapping, grow it by a page, shrink it to one. */
static void op_mremap(struct actor *a)
{
	unsigned int n = 2 + rndn(a, 4);
	bool shared = rndn(a, 2);
	struct view v;
	void *res, *q;

	if (!tmp_view(a, &v, n, shared))
		return;
	touch_view(a, &v);
	res = mmap(NULL, (size_t)(n + 1) * ps, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED) {
		fail(a, ERR_ERRNO, "mmap: %s", strerror(errno));
		unmap_view(a, &v);
		return;
	}
	q = mremap(v.addr, (size_t)n * ps, (size_t)n * ps,
		   MREMAP_MAYMOVE | MREMAP_FIXED, res);
	if (q != res) {
		fail(a, ERR_ERRNO, "mremap to a fixed address: %s",
		     strerror(errno));
		munmap(res, (size_t)(n + 1) * ps);
		unmap_view(a, &v);
		return;
	}
	v.addr = q;
	munmap((char *)res + (size_t)n * ps, ps);
	check_view(a, &v);

	/* One more page: the file's next, or beyond the anon object. */
	if (a->anon || v.pgoff + n < file_pages) {
		q = mremap(v.addr, (size_t)n * ps, (size_t)(n + 1) * ps,
			   MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			fail(a, ERR_ERRNO, "mremap to grow: %s",
			     strerror(errno));
		} else {
			v.addr = q;
			v.npages = n + 1;
			if (v.pp)
				v.pp[n].state = PP_NONE;
			check_view(a, &v);
		}
	}
	q = mremap(v.addr, (size_t)v.npages * ps, ps, 0);
	if (q != v.addr) {
		fail(a, ERR_ERRNO, "mremap to shrink: %s", strerror(errno));
	} else {
		v.npages = 1;
		check_page(a, &v, 0);
	}
	unmap_view(a, &v);
	count(OP_MREMAP);
}

/* Expect SIGSEGV (SEGV_ACCERR) from an access the protection forbids. */
static void expect_segv(struct actor *a, void *addr, bool store,
			const char *prot)
{
	struct access acc = guarded_byte(addr, store);

	if (acc.sig == SIGSEGV && acc.code == SEGV_ACCERR)
		event(EV_SIGSEGV);
	else
		fail(a, ERR_SIGNAL,
		     "%s a %s mapping: signal %d, si_code %d, expected SIGSEGV (SEGV_ACCERR)",
		     store ? "storing to" : "loading from", prot, acc.sig,
		     acc.code);
}

/* mprotect: read-only, then no access, then read-write again. */
static void op_mprotect(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4), i;
	size_t len = (size_t)n * ps;
	struct view v;

	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	touch_view(a, &v);
	i = rndn(a, n);
	if (mprotect(v.addr, len, PROT_READ)) {
		fail(a, ERR_ERRNO, "mprotect(PROT_READ): %s", strerror(errno));
	} else {
		check_page(a, &v, i);
		expect_segv(a, v.addr + (size_t)i * ps, true, "PROT_READ");
	}
	if (mprotect(v.addr, len, PROT_NONE))
		fail(a, ERR_ERRNO, "mprotect(PROT_NONE): %s", strerror(errno));
	else
		expect_segv(a, v.addr + (size_t)i * ps, false, "PROT_NONE");
	if (mprotect(v.addr, len, PROT_READ | PROT_WRITE))
		fail(a, ERR_ERRNO, "mprotect(PROT_READ | PROT_WRITE): %s",
		     strerror(errno));
	else
		touch_view(a, &v);
	unmap_view(a, &v);
	count(OP_MPROTECT);
}

/* Cut a hole in a mapping, then unmap it piece by piece. */
static void op_munmap(struct actor *a)
{
	unsigned int n = 3 + rndn(a, 3), mid = 1 + rndn(a, n - 2);
	unsigned char *hole;
	struct view v;

	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	touch_view(a, &v);
	hole = v.addr + (size_t)mid * ps;
	if (mmap(hole, ps, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0) != hole) {
		fail(a, ERR_ERRNO, "mmap over a page: %s", strerror(errno));
	} else {
		expect_segv(a, hole, false, "PROT_NONE");
		for (unsigned int i = 0; i < n; i++)
			if (i != mid)
				check_page(a, &v, i);
		/* Only ours to unmap from now on: the rest may be reused. */
		if (munmap(hole + ps, (size_t)(n - mid - 1) * ps))
			fail(a, ERR_ERRNO, "munmap: %s", strerror(errno));
		v.npages = mid + 1;
		for (unsigned int i = 0; i < mid; i++)
			check_page(a, &v, i);
	}
	unmap_view(a, &v);
	count(OP_MUNMAP);
}

static int open_file(int flags)
{
	if (reference)
		return reopen(file_fd, flags);
	return open(MD_PATH, flags | O_CLOEXEC);
}

static int open_anon(void)
{
	return open(reference ? "/dev/zero" : MD_ANON_PATH, O_RDWR | O_CLOEXEC);
}

/*
 * A storm: map the whole file afresh (through a new open, at times, closed
 * at once) and touch every page, starting anywhere: first-touch faults,
 * on pages other threads storm and the resizer cuts.
 */
static void file_storm(struct actor *a)
{
	bool shared = rndn(a, 2), fresh = !rndn(a, 3);
	unsigned int start = rndn(a, file_pages);
	int fd = a->fd;
	struct view v;

	if (fresh) {
		fd = open_file(O_RDWR);
		if (fd < 0) {
			fail(a, ERR_ERRNO, "open: %s", strerror(errno));
			return;
		}
	}
	if (map_view(a, &v, fd, a->sv.r, 0, file_pages, shared, a->tpp)) {
		if (fresh)
			close(fd);
		fresh = false;
		for (unsigned int k = 0; k < file_pages && !stopping(); k++) {
			unsigned int i = (start + k) % file_pages;

			if (!shared && rndn(a, 2))
				priv_store(a, &v, i);
			else if (shared && owns(a, &v, i) && rndn(a, 2))
				write_page(a, &v, i);
			else
				check_page(a, &v, i);
			count(OP_TOUCH);
		}
		unmap_view(a, &v);
	}
	if (fresh)
		close(fd);
	count(OP_STORM);
}

/*
 * Anon storms: a private mapping touched all over, or a new shared object
 * that a fork child and we fault at once, each writing half the pages, then
 * each checking all of them: the child's stores must show here.
 */
static void anon_storm(struct actor *a)
{
	unsigned int n = OBJ_PAGES;
	struct view v;
	pid_t pid;

	count(OP_STORM);
	if (rndn(a, 2)) {
		if (!tmp_view(a, &v, n, false))
			return;
		touch_view(a, &v);
		check_view(a, &v);
		unmap_view(a, &v);
		return;
	}
	if (!tmp_view(a, &v, n, true))
		return;
	pid = fork();
	if (pid < 0) {
		fail(a, ERR_ERRNO, "fork: %s", strerror(errno));
		unmap_view(a, &v);
		return;
	}
	for (unsigned int k = 0; k < n && !stopping(); k++) {
		unsigned int i = (k * 7 + (pid ? 0 : 3)) % n;

		if (i % 2 == !pid)
			write_page(a, &v, i);
		else
			check_page(a, &v, i);
		count(OP_TOUCH);
	}
	if (!pid) {
		check_view(a, &v);
		_exit(0);
	}
	wait_child_bounded(a, pid, "storm");
	check_view(a, &v);
	unmap_view(a, &v);
}

/* Open, map, close, use the mapping; then what a read-only open refuses. */
static void file_open(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4);
	struct mmapdemo_info info;
	struct view v;
	void *m;
	int fd;

	count(OP_OPEN);
	fd = open_file(O_RDWR);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open: %s", strerror(errno));
		return;
	}
	if (map_view(a, &v, fd, a->sv.r, rndn(a, file_pages - n + 1), n, true,
		     NULL)) {
		close(fd);
		touch_view(a, &v);
		unmap_view(a, &v);
	} else {
		close(fd);
	}

	fd = open_file(O_RDONLY);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open O_RDONLY: %s", strerror(errno));
		return;
	}
	m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED || errno != EACCES)
		fail(a, ERR_ERRNO,
		     "writable MAP_SHARED of an O_RDONLY open: %s, expected EACCES",
		     m == MAP_FAILED ? strerror(errno) : "mapped");
	if (m != MAP_FAILED)
		munmap(m, ps);
	v = (struct view){ .npages = 1, .shared = true, .r = a->sv.r };
	v.addr = mmap(NULL, ps, PROT_READ, MAP_SHARED, fd, 0);
	if (v.addr == MAP_FAILED) {
		fail(a, ERR_ERRNO, "read-only MAP_SHARED: %s", strerror(errno));
	} else {
		if (!mprotect(v.addr, ps, PROT_READ | PROT_WRITE) ||
		    errno != EACCES)
			fail(a, ERR_ERRNO,
			     "mprotect(PROT_WRITE) of it: %s, expected EACCES",
			     strerror(errno));
		check_page(a, &v, 0);
		unmap_view(a, &v);
	}
	if (!reference) {
		uint64_t size = 0;

		if (md_info(fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		if (!ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &size) || errno != EBADF)
			fail(a, ERR_ERRNO,
			     "MMAPDEMO_IOC_SET_SIZE on an O_RDONLY open: %s, expected EBADF",
			     strerror(errno));
	}
	close(fd);
}

/* A new open, a new object through it, closed before it is used. */
static void anon_open(struct actor *a)
{
	struct mmapdemo_info info;
	struct view v;
	int fd = open_anon();

	count(OP_OPEN);
	if (fd < 0) {
		fail(a, ERR_ERRNO, "open: %s", strerror(errno));
		return;
	}
	if (!reference && md_info(fd, &info))
		fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
		     strerror(errno));
	treg_init(a->treg, 2);
	if (map_view(a, &v, fd, a->treg, 0, 2, true, NULL)) {
		close(fd);
		touch_view(a, &v);
		check_view(a, &v);
		unmap_view(a, &v);
	} else {
		close(fd);
	}
}

/* read() of the anon device gives zeroes, write() takes anything. */
static void op_rw(struct actor *a)
{
	ssize_t n;

	count(OP_RW);
	memset(a->buf, 0xee, ps);
	n = read(a->fd, a->buf, ps);
	if (n != (ssize_t)ps)
		fail(a, ERR_ERRNO, "read: %zd (%s)", n,
		     n < 0 ? strerror(errno) : "short");
	else if (!all_bytes(a->buf, ps, 0))
		fail(a, ERR_STALE, "read() of %s returned data",
		     reference ? "/dev/zero" : MD_ANON_PATH);
	n = write(a->fd, a->buf, ps);
	if (n != (ssize_t)ps)
		fail(a, ERR_ERRNO, "write: %zd (%s)", n,
		     n < 0 ? strerror(errno) : "short");
}

/*
 * read() and write() whose user buffer is a mapping of the device itself:
 * the copy faults on it while the driver holds its inode lock and a
 * reference on the page being copied.
 *  - read page p of the file into our private mapping's page p: the copy
 *    write-faults there, and the core copies page p on write;
 *  - write our own page p from our shared mapping of that very page, its
 *    PTE dropped first so that the copy faults it back in;
 *  - read page p into a fresh private mapping of the anon device.
 */
static void op_selfcopy(struct actor *a)
{
	struct region *r = a->sv.r;
	unsigned int p = rndn(a, file_pages), kind = rndn(a, 3);
	unsigned char *dst = NULL, *src;
	struct access acc;
	struct want w;
	struct obs o;
	char msg[256];
	int sigbus, fd;
	ssize_t n;
	long bad;

	count(OP_SELFCOPY);
	if (kind == 1) {
		p = own_page(a);
		src = a->sv.addr + (size_t)p * ps;
		if (!nores_enter(r))
			return;
		/* Inside the size, which no resize may change meanwhile. */
		if ((uint64_t)(p + 1) * ps <= atomic_load(&r->size)) {
			if (madvise(src, ps, MADV_DONTNEED))
				fail(a, ERR_ERRNO, "madvise(MADV_DONTNEED): %s",
				     strerror(errno));
			n = pwrite(a->fd, src, ps, (off_t)p * ps);
			if (n != (ssize_t)ps)
				fail(a, ERR_ERRNO,
				     "pwrite of page %u from its own mapping: %zd (%s)",
				     p, n, n < 0 ? strerror(errno) : "short");
		}
		atomic_fetch_sub(&r->sys_writers, 1);
		check_page(a, &a->sv, p);
		return;
	}

	if (kind == 0) {
		dst = a->pv.addr + (size_t)p * ps;
		a->pv.pp[p].state = PP_UNKNOWN; /* a copy of the file's */
	} else {
		fd = open_anon();
		if (fd >= 0) {
			dst = mmap(NULL, ps, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0);
			close(fd);
		}
		if (fd < 0 || dst == MAP_FAILED) {
			fail(a, ERR_ERRNO, "private map of %s: %s",
			     reference ? "/dev/zero" : MD_ANON_PATH,
			     strerror(errno));
			return;
		}
	}
	/* Read it back before a cut may take our copy of page p. */
	obs_begin(r, p, &o);
	n = pread(a->fd, dst, ps, (off_t)p * ps);
	acc = guarded(a->buf, dst, ps, false, 0);
	obs_end(r, p, &o);
	if (n < 0) {
		/* A cut may take our private page while the copy faults. */
		if (errno == EFAULT && !kind && !obs_rclean(&o))
			event(EV_SIGBUS);
		else
			fail(a, ERR_ERRNO, "pread into a mapping: %s",
			     strerror(errno));
		goto out;
	}
	if (!shared_want(r, p, &o, &w, &sigbus)) {
		event(EV_SKIP);
		goto out;
	}
	if (acc.sig && (kind == 2 || !sigbus_ok(&acc, sigbus))) {
		fail(a, ERR_SIGNAL,
		     "reading back what pread() put in a mapping: signal %d, si_code %d",
		     acc.sig, acc.code);
		goto out;
	}
	if ((size_t)n > acc.done)
		n = acc.done;
	event(w.exact ? EV_STRICT : EV_LOOSE);
	bad = check_bytes(a->buf, 0, n, &w);
	if (bad >= 0) {
		enum err ekind =
			classify(a->buf, 0, n, bad, &w, msg, sizeof(msg));

		fail(a, ekind, "page %u via pread into a mapping: %s", p, msg);
	}
out:
	if (kind == 2)
		munmap(dst, ps);
}

/*
 * mlock a temporary view: it faults every page in (a write fault in a
 * private mapping: copies); pages beyond the size make it fail with ENOMEM.
 * Locked pages are then truncated by the resizer, or unlocked.
 */
static void op_mlock(struct actor *a)
{
	unsigned int n = 1 + rndn(a, 4);
	struct view v;

	if (!mlock_ok)
		return;
	if (!tmp_view(a, &v, n, rndn(a, 2)))
		return;
	count(OP_MLOCK);
	if (mlock(v.addr, (size_t)n * ps) &&
	    !(errno == ENOMEM && v.r && v.r->resizable))
		fail(a, ERR_ERRNO, "mlock of %u pages: %s", n, strerror(errno));
	if (!v.shared)
		copies_unknown(&v, 0, n);
	touch_view(a, &v);
	if (rndn(a, 2) && munlock(v.addr, (size_t)n * ps))
		fail(a, ERR_ERRNO, "munlock: %s", strerror(errno));
	check_view(a, &v);
	unmap_view(a, &v);
}

static void op_storm(struct actor *a)
{
	if (a->anon)
		anon_storm(a);
	else
		file_storm(a);
}

static void op_open(struct actor *a)
{
	if (a->anon)
		anon_open(a);
	else
		file_open(a);
}

struct op_choice {
	unsigned int weight;
	void (*fn)(struct actor *a);
	const char *name;
};

/* How often each operation runs, relative to the others. */
static const struct op_choice file_ops[] = {
	{ 16, op_write, "write" },	   { 5, op_pwrite, "pwrite" },
	{ 12, op_verify, "verify" },	   { 14, op_read, "read" },
	{ 8, op_pread, "pread" },	   { 8, op_pstore, "private-store" },
	{ 8, op_pcheck, "private-check" }, { 4, op_madvise, "madvise" },
	{ 2, op_storm, "storm" },	   { 2, op_mremap, "mremap" },
	{ 2, op_mprotect, "mprotect" },	   { 2, op_munmap, "munmap" },
	{ 2, op_open, "open-close" },	   { 1, op_fork, "fork" },
	{ 2, op_selfcopy, "self-copy" },   { 2, op_procmem, "proc-mem" },
	{ 1, op_mlock, "mlock" },
};

static const struct op_choice anon_ops[] = {
	{ 16, op_write, "write" },
	{ 12, op_verify, "verify" },
	{ 14, op_read, "read" },
	{ 4, op_rw, "read-write" },
	{ 8, op_pstore, "private-store" },
	{ 8, op_pcheck, "private-check" },
	{ 4, op_madvise, "madvise" },
	{ 2, op_storm, "storm" },
	{ 2, op_mremap, "mremap" },
	{ 2, op_mprotect, "mprotect" },
	{ 2, op_munmap, "munmap" },
	{ 2, op_open, "open-close" },
	{ 1, op_fork, "fork" },
	{ 2, op_procmem, "proc-mem" },
	{ 1, op_mlock, "mlock" },
};

static void run_one(struct actor *a)
{
	const struct op_choice *ops = a->anon ? anon_ops : file_ops;
	size_t n = a->anon ? ARRAY_SIZE(anon_ops) : ARRAY_SIZE(file_ops);
	unsigned int total = 0, pick;

	for (size_t k = 0; k < n; k++)
		total += ops[k].weight;
	pick = rndn(a, total);
	for (size_t k = 0; k < n; k++) {
		if (pick < ops[k].weight) {
			a->op = ops[k].name;
			ops[k].fn(a);
			return;
		}
		pick -= ops[k].weight;
	}
}

static void *actor_main(void *arg)
{
	struct actor *a = arg;

	while (!atomic_load(&ctl->go) && !stopping())
		sleep_us(1000);
	while (!stopping()) {
		unsigned int bell = atomic_load(&ctl->bell);

		if (bell != a->bell) {
			a->bell = bell;
			a->op = "storm";
			op_storm(a);
		} else {
			run_one(a);
		}
	}
	/* The last word: every page we own, once more. */
	a->op = "final-verify";
	for (unsigned int p = a->owner; p < a->sv.npages; p += a->nowners)
		check_page(a, &a->sv, p);
	return NULL;
}

/* ---- processes ---- */

static void on_worker_alarm(int sig)
{
	static const char msg[] =
		"# ERROR: watchdog: a worker process did not finish in time\n";

	emit(msg, sizeof(msg) - 1);
	_exit(3);
}

/*
 * A worker process: one shared view for all its threads (the file, or a new
 * anon object whose pages they own between them), and for each thread its
 * own private mapping.
 */
static __noreturn void worker_main(bool anon, int w)
{
	struct actor *actors = calloc(cfg->threads, sizeof(*actors));
	struct view sv, pv;
	struct region *r;
	int fd, t, bad = 0;
	size_t len;

	signal(SIGALRM, on_worker_alarm);
	alarm((unsigned int)cfg->secs + 2 * GRACE);
	if (anon) {
		fd = open_anon();
		r = &ctl->anon[w];
		treg_init(r, OBJ_PAGES);
	} else {
		fd = file_fd;
		r = &ctl->file;
	}
	len = (size_t)r->npages * ps;
	sv.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!actors || fd < 0 || sv.addr == MAP_FAILED) {
		fail(NULL, ERR_ERRNO, "worker setup: %s", strerror(errno));
		atomic_fetch_add(&ctl->ready, cfg->threads);
		_exit(1);
	}
	sv.npages = r->npages;
	sv.pgoff = 0;
	sv.shared = true;
	sv.r = r;
	sv.pp = NULL;

	for (t = 0; t < cfg->threads; t++) {
		struct actor *a = &actors[t];

		snprintf(a->name, sizeof(a->name), "%s.w%d.t%d",
			 anon ? "anon" : "file", w, t);
		a->anon = anon;
		a->fd = fd;
		a->sv = sv;
		a->owner = anon ? t : w * cfg->threads + t;
		a->nowners = anon ? cfg->threads :
				    cfg->file_procs * cfg->threads;
		a->who = atomic_fetch_add(&ctl->next_id, 1) % 255 + 1;
		a->rng = seed ^ ((uint64_t)(anon * 64 + w * 8 + t + 1) << 40) ^
			 0x9e3779b97f4a7c15ULL;
		a->buf = malloc(ps);
		/* Temporary anon objects: their state, shared with children */
		a->treg = mmap(NULL, sizeof(*a->treg), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pv.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			       fd, 0);
		if (!a->buf || a->treg == MAP_FAILED || pv.addr == MAP_FAILED) {
			fail(a, ERR_ERRNO, "thread setup: %s", strerror(errno));
			bad = 1;
			break;
		}
		pv.npages = r->npages;
		pv.pgoff = 0;
		pv.shared = false;
		pv.r = anon ? NULL : r;
		pv.pp = a->pp;
		a->pv = pv;
		if (pthread_create(&a->thread, NULL, actor_main, a)) {
			fail(a, ERR_ERRNO, "pthread_create failed");
			bad = 1;
			break;
		}
	}
	atomic_fetch_add(&ctl->ready, cfg->threads);
	if (bad)
		atomic_store(&ctl->stop, 1);
	while (--t >= 0)
		pthread_join(actors[t].thread, NULL);
	_exit(bad);
}

/* Zeroes, for growing the file with write(). */
static unsigned char *zeroes;

/*
 * Resize the file to @n bytes, with the ioctl (ftruncate() on a memfd) or,
 * to grow, at times by writing zeroes past the end; and tell the model what
 * the cut took.
 */
static void resize(struct actor *a, uint64_t n)
{
	struct region *r = &ctl->file;
	uint64_t o = atomic_load(&r->size), end;
	bool by_write = n > o && !rndn(a, 3);
	struct mmapdemo_info info;
	int err;

	/*
	 * The device zeroes all of the old last page after the old size; a
	 * write() to a memfd only the bytes it writes: keep to writes that
	 * cover the rest of that page.
	 */
	if (reference && o % ps && n / ps == o / ps)
		by_write = false;

	atomic_fetch_add(&r->rseq, 1);
	end = now_ns() + 10 * 1000000000ULL;
	while (atomic_load(&r->sys_writers)) {
		if (now_ns() > end) {
			fail(a, ERR_OTHER, "a pwrite() did not end in 10 s");
			break;
		}
		sleep_us(20);
	}
	if (by_write)
		err = pwrite(file_fd, zeroes, n - o, (off_t)o) !=
		      (ssize_t)(n - o);
	else if (reference)
		err = ftruncate(file_fd, (off_t)n);
	else
		err = md_set_size(file_fd, n);
	if (err) {
		fail(a, ERR_ERRNO, "resize from %llu to %llu%s: %s",
		     (unsigned long long)o, (unsigned long long)n,
		     by_write ? " with write()" : "", strerror(errno));
		goto out;
	}
	if (n < o) {
		for (unsigned int p = n / ps; p < r->npages; p++)
			cut_record(r, p,
				   n > (uint64_t)p * ps ? n - (uint64_t)p * ps :
							  0);
		count(OP_SHRINK);
	} else if (n > o) {
		/*
		 * The device zeroes the old last page's tail, tmpfs does not;
		 * but a write() of zeroes does, on both.
		 */
		if (o % ps && (!reference || by_write))
			cut_record(r, o / ps, o % ps);
		count(by_write ? OP_GROWW : OP_GROW);
	}
	atomic_store(&r->size, n);
	/* Nothing else adds or removes pages now: exactly those below n. */
	if (!reference) {
		if (md_info(file_fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		else if (info.size != n || info.nr_pages != (n + ps - 1) / ps)
			fail(a, ERR_STALE,
			     "after a resize to %llu: size %llu, %llu pages in the buffer, expected %llu",
			     (unsigned long long)n,
			     (unsigned long long)info.size,
			     (unsigned long long)info.nr_pages,
			     (unsigned long long)((n + ps - 1) / ps));
		count(OP_INFO);
	}
out:
	atomic_fetch_add(&r->rseq, 1);
}

static uint64_t writes(void)
{
	return atomic_load(&ctl->ops[OP_WRITE]) +
	       atomic_load(&ctl->ops[OP_PWRITE]);
}

static void *resizer_main(void *arg)
{
	struct actor *a = arg;
	uint64_t max = (uint64_t)file_pages * ps;

	while (!stopping()) {
		uint64_t cur = atomic_load(&ctl->file.size), n, t0, us;

		/*
		 * Mostly the whole file, or cut in its upper half, so that
		 * most pages hold data to check; now and then anywhere.
		 */
		switch (rndn(a, 20)) {
		case 0:
			n = 0;
			break;
		case 1 ... 2:
			n = rnd(a) % (max + 1);
			break;
		case 3 ... 4:
			n = (uint64_t)rndn(a, file_pages + 1) * ps;
			break;
		case 5 ... 7:
			n = max / 2 + rnd(a) % (max / 2);
			break;
		case 8 ... 10:
			n = (uint64_t)(file_pages / 2 +
				       rndn(a, file_pages / 2)) *
			    ps;
			break;
		default:
			n = max;
			break;
		}
		t0 = now_ns();
		if (n != cur)
			resize(a, n);
		/*
		 * Mostly quiet, so that most checks can be exact: at least
		 * three times as long as the resize took, and until the owners
		 * have rewritten a quarter of the pages (up to 250 ms), so that
		 * slow kernels (TCG, KASAN) still have data to check.  Now and
		 * then a burst.
		 */
		if (!rndn(a, 6)) {
			sleep_us(rndn(a, 200));
			continue;
		}
		us = (now_ns() - t0) / 1000 * (3 + rndn(a, 4));
		if (us < 2000 + rndn(a, 20000))
			us = 2000 + rndn(a, 20000);
		sleep_us(us < 1000000 ? us : 1000000);
		for (uint64_t w0 = writes(), end = now_ns() + 250000000ULL;
		     writes() - w0 < file_pages / 4 && now_ns() < end &&
		     !stopping();)
			sleep_us(1000);
	}
	return NULL;
}

/*
 * Try to unload the module: refused, since we hold it open and mapped; and
 * ring the bell for a fault storm now and then.
 */
static void *misc_main(void *arg)
{
	struct actor *a = arg;
	struct mmapdemo_info info;
	uint64_t bell = now_ns();

	while (!stopping()) {
		sleep_us(10000 + rndn(a, 40000));
		if (now_ns() - bell > 1000000000ULL) {
			atomic_fetch_add(&ctl->bell, 1);
			bell = now_ns();
		}
		if (reference)
			continue;
		if (anon_fd >= 0 && md_info(anon_fd, &info))
			fail(a, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		if (!rmmod_ok)
			continue;
		if (!syscall(SYS_delete_module, "mmapdemo", O_NONBLOCK)) {
			fail(a, ERR_OTHER,
			     "delete_module(\"mmapdemo\") succeeded while mapped");
			atomic_store(&ctl->stop, 1);
		} else if (errno != EWOULDBLOCK) {
			fail(a, ERR_ERRNO,
			     "delete_module(\"mmapdemo\"): %s, expected EWOULDBLOCK",
			     strerror(errno));
		}
		count(OP_RMMOD);
	}
	return NULL;
}

/* After the run, with nobody else around: every page of the file, exactly. */
static void final_check(struct actor *a)
{
	struct region *r = &ctl->file;
	struct view v;

	a->op = "final-check";
	a->fd = file_fd;
	if (!map_view(a, &v, file_fd, r, 0, file_pages, true, NULL))
		return;
	a->sv = v;
	for (unsigned int p = 0; p < file_pages; p++) {
		check_page(a, &v, p);
		pread_page(a, p);
	}
	unmap_view(a, &v);
}

static void on_run_alarm(int sig)
{
	static const char msg[] =
		"# ERROR: watchdog: the stress run did not finish in time\n";

	emit(msg, sizeof(msg) - 1);
	ctl->watchdog = 1;
	kill(0, SIGKILL); /* us and every worker */
}

static void print_summary(double secs)
{
	uint64_t total = 0, integ = nr_errors(0, NR_INTEGRITY);
	uint64_t other = nr_errors(NR_INTEGRITY, NR_ERR);
	char line[160];
	int n = 0;

	for (int i = 0; i < NR_OPS; i++)
		if (i != OP_TOUCH)
			total += atomic_load(&ctl->ops[i]);
	note("%s: %.1f s, %llu operations, %.0f/s", cfg->name, secs,
	     (unsigned long long)total, total / secs);
	for (int i = 0; i < NR_OPS; i++) {
		uint64_t c = atomic_load(&ctl->ops[i]);

		if (!c)
			continue;
		n += snprintf(line + n, sizeof(line) - n, " %s %llu (%.0f/s)",
			      op_name[i], (unsigned long long)c, c / secs);
		if (n > 90) {
			note(" %s", line);
			n = 0;
		}
	}
	if (n)
		note(" %s", line);
	note("  pages checked: %llu exactly (%llu holding data), %llu loosely, %llu skipped; expected SIGBUS %llu, SIGSEGV %llu",
	     (unsigned long long)atomic_load(&ctl->ev[EV_STRICT]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_DATA]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_LOOSE]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SKIP]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SIGBUS]),
	     (unsigned long long)atomic_load(&ctl->ev[EV_SIGSEGV]));
	note("  integrity errors: %llu (lost %llu, stale %llu, cow %llu, foreign %llu); other errors: %llu (signal %llu, errno %llu, other %llu)",
	     (unsigned long long)integ,
	     (unsigned long long)atomic_load(&ctl->err[ERR_LOST]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_STALE]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_COW]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_FOREIGN]),
	     (unsigned long long)other,
	     (unsigned long long)atomic_load(&ctl->err[ERR_SIGNAL]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_ERRNO]),
	     (unsigned long long)atomic_load(&ctl->err[ERR_OTHER]));
}

/* Reap the workers, a bounded time; kill what will not go. */
static void reap(struct actor *a, pid_t *pids, int n)
{
	uint64_t end = now_ns() + GRACE * 1000000000ULL;
	bool killed = false;
	int left = n;

	while (left) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (int i = 0; i < n; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				left--;
				if (WIFSIGNALED(status))
					fail(a, ERR_SIGNAL,
					     "worker %d killed by signal %d", i,
					     WTERMSIG(status));
				else if (WEXITSTATUS(status))
					fail(a, ERR_OTHER,
					     "worker %d exited with %d", i,
					     WEXITSTATUS(status));
			}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (now_ns() > end) {
			if (killed) {
				fail(a, ERR_OTHER,
				     "%d workers cannot be reaped (stuck in the kernel?)",
				     left);
				return;
			}
			fail(a, ERR_OTHER, "%d workers hang: killing them",
			     left);
			for (int i = 0; i < n; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			killed = true;
			end = now_ns() + GRACE * 1000000000ULL;
		}
		sleep_us(10000);
	}
}

/*
 * One stress run, in a process of its own (and group, so that a watchdog
 * can kill it whole).  Returns its exit status: 0 if nothing went wrong.
 */
static int stress_run(void)
{
	struct actor me = { .name = "control", .rng = seed ^ 0x5eed };
	struct actor rs = { .name = "resizer",
			    .op = "resize",
			    .rng = seed ^ 0x12345 };
	struct actor mi = { .name = "misc",
			    .op = "rmmod",
			    .rng = seed ^ 0x6789 };
	int nworkers = cfg->file_procs + cfg->anon_procs, w = 0;
	pthread_t resizer, misc;
	bool have_resizer = false, have_misc = false;
	struct mmapdemo_info info = { 0 };
	pid_t pids[2 * MAX_WORKERS];
	uint64_t start, deadline, next_note;
	double secs;

	setpgid(0, 0);
	signal(SIGALRM, on_run_alarm);
	alarm((unsigned int)cfg->secs + 4 * GRACE);
	me.buf = malloc(ps);
	zeroes = calloc(file_pages, ps);

	/* Hold the devices open all along: no rmmod may succeed. */
	anon_fd = open_anon();
	if (anon_fd < 0 && cfg->anon_procs) {
		fail(&me, ERR_ERRNO, "open %s: %s", MD_ANON_PATH,
		     strerror(errno));
		return 1;
	}
	if (reference)
		file_fd = memfd_create("stress_test", MFD_CLOEXEC);
	else
		file_fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	if (file_fd < 0 && cfg->file_procs) {
		fail(&me, ERR_ERRNO, "open %s: %s", MD_PATH, strerror(errno));
		return 1;
	}
	if (!reference && file_fd >= 0 && md_info(file_fd, &info)) {
		fail(&me, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
		     strerror(errno));
		return 1;
	}
	if (cfg->file_procs) {
		struct region *r = &ctl->file;

		/* Through zero, so that nothing from before is left. */
		if (reference ?
			    ftruncate(file_fd, 0) ||
				    ftruncate(file_fd, (off_t)file_pages * ps) :
			    md_set_size(file_fd, 0) ||
				    md_set_size(file_fd,
						(uint64_t)file_pages * ps)) {
			fail(&me, ERR_ERRNO, "resize: %s", strerror(errno));
			return 1;
		}
		r->tag = TAG_FILE;
		r->npages = file_pages;
		r->resizable = true;
		atomic_store(&r->size, (uint64_t)file_pages * ps);
		for (unsigned int p = 0; p < MAX_PAGES; p++)
			atomic_store(&r->cut[p], ps);
	}

	fflush(stdout);
	for (int i = 0; i < nworkers; i++) {
		bool anon = i >= cfg->file_procs;
		pid_t pid = fork();

		if (pid < 0) {
			fail(&me, ERR_ERRNO, "fork: %s", strerror(errno));
			atomic_store(&ctl->stop, 1);
			break;
		}
		if (!pid)
			worker_main(anon, anon ? i - cfg->file_procs : i);
		pids[w++] = pid;
	}
	start = now_ns() + 60 * 1000000000ULL;
	while (atomic_load(&ctl->ready) < w * cfg->threads && !stopping()) {
		if (now_ns() > start) {
			fail(&me, ERR_OTHER, "workers did not start in 60 s");
			atomic_store(&ctl->stop, 1);
		}
		sleep_us(1000);
	}

	start = now_ns();
	deadline = start + (uint64_t)(cfg->secs * 1e9);
	atomic_store(&ctl->deadline, deadline);
	atomic_store(&ctl->go, 1);
	if (cfg->file_procs &&
	    !pthread_create(&resizer, NULL, resizer_main, &rs))
		have_resizer = true;
	if (!pthread_create(&misc, NULL, misc_main, &mi))
		have_misc = true;

	next_note = start + 5000000000ULL;
	while (now_ns() < deadline && !stopping()) {
		sleep_us(20000);
		if (cfg->expect_err >= 0 &&
		    atomic_load(&ctl->err[cfg->expect_err]))
			break;
		if (nr_errors(0, NR_ERR) > 10000) {
			fail(&me, ERR_OTHER, "too many errors: stopping");
			break;
		}
		if (verbose && now_ns() > next_note) {
			uint64_t ops = 0;

			for (int i = 0; i < NR_OPS; i++)
				ops += atomic_load(&ctl->ops[i]);
			note("%s: %.0f s, %llu operations, %llu errors",
			     cfg->name, (now_ns() - start) / 1e9,
			     (unsigned long long)ops,
			     (unsigned long long)nr_errors(0, NR_ERR));
			next_note += 5000000000ULL;
		}
	}
	atomic_store(&ctl->stop, 1);
	secs = (now_ns() - start) / 1e9;
	if (have_resizer)
		pthread_join(resizer, NULL);
	if (have_misc)
		pthread_join(misc, NULL);
	reap(&me, pids, w);

	if (cfg->file_procs)
		final_check(&me);
	if (!reference) {
		/* Every mapping is gone: no VMA counted, no anon page kept. */
		struct mmapdemo_info fi = { 0 }, ai = { 0 };

		if ((file_fd >= 0 && md_info(file_fd, &fi)) ||
		    (anon_fd >= 0 && md_info(anon_fd, &ai))) {
			fail(&me, ERR_ERRNO, "MMAPDEMO_IOC_GET_INFO: %s",
			     strerror(errno));
		} else if (fi.nr_mappings || ai.nr_mappings || ai.nr_pages) {
			fail(&me, ERR_OTHER,
			     "after the run: %llu mappings of %s, %llu mappings and %llu pages of %s",
			     (unsigned long long)fi.nr_mappings, MD_PATH,
			     (unsigned long long)ai.nr_mappings,
			     (unsigned long long)ai.nr_pages, MD_ANON_PATH);
		}
		/* Back to the size it had, zeroed. */
		if (cfg->file_procs && (md_set_size(file_fd, 0) ||
					md_set_size(file_fd, info.size)))
			fail(&me, ERR_ERRNO, "resize back to %llu: %s",
			     (unsigned long long)info.size, strerror(errno));
	}
	if (cfg->expect_err < 0)
		print_summary(secs);
	return nr_errors(0, NR_ERR) ? 1 : 0;
}

/*
 * Run @c in a child process and wait for it, a bounded time.  Returns its
 * exit status (0: clean), or -1 if it died or hung.
 */
static int run_config(const struct config *c)
{
	uint64_t end = now_ns() + (uint64_t)((c->secs + 6 * GRACE) * 1e9);
	int status;
	pid_t pid;

	memset(ctl, 0, sizeof(*ctl));
	cfg = c;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ksft_print_msg("fork: %s\n", strerror(errno));
		return -1;
	}
	if (!pid)
		_exit(stress_run());
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			ksft_print_msg("waitpid: %s\n", strerror(errno));
			return -1;
		}
		if (now_ns() > end) {
			ksft_print_msg("%s: hangs: killing it\n", c->name);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			end = now_ns() + GRACE * 1000000000ULL;
			while (waitpid(pid, &status, WNOHANG) == 0) {
				if (now_ns() > end) {
					ksft_print_msg("%s: cannot reap it\n",
						       c->name);
					return -1;
				}
				sleep_us(100000);
			}
			return -1;
		}
		sleep_us(20000);
	}
	if (WIFSIGNALED(status)) {
		ksft_print_msg("%s: killed by signal %d%s\n", c->name,
			       WTERMSIG(status),
			       ctl->watchdog ? " (watchdog)" : "");
		return -1;
	}
	return WEXITSTATUS(status);
}

/* ---- the self-check ---- */

static bool unit_case(const char *what, const unsigned char *pg,
		      const struct want *w, int expect)
{
	char msg[256] = "";
	long bad = check_bytes(pg, 0, ps, w);
	int got = bad < 0 ? -1 :
			    (int)classify(pg, 0, ps, bad, w, msg, sizeof(msg));

	if (got == expect)
		return true;
	ksft_print_msg("self-check: %s: got %s, expected %s %s\n", what,
		       got < 0 ? "no error" : err_name[got],
		       expect < 0 ? "no error" : err_name[expect], msg);
	return false;
}

static void fill(unsigned char *pg, size_t from, size_t to, uint64_t word)
{
	for (size_t i = from; i < to; i += 8)
		memcpy(pg + i, &word, 8);
}

/* The checker against made-up pages: what it must pass, what it must not. */
static bool unit_checks(void)
{
	unsigned char *pg = malloc(ps);
	uint64_t base = pattern(TAG_FILE, 0, 5, 0);
	struct want w = {
		.base = base, .lo = 7, .hi = 7, .kept = ps, .exact = true
	};
	struct want z = { .base = base, .exact = true };
	struct want l = { .base = base, .lo = 6, .hi = 7, .zero_ok = true };
	struct want m = { .base = pattern(TAG_PRIV, 9, 5, 0),
			  .lo = 3,
			  .hi = 3,
			  .kept = ps,
			  .exact = true };
	bool ok = true;

	fill(pg, 0, ps, base | 7);
	ok &= unit_case("exact generation", pg, &w, -1);
	w.lo = w.hi = 8;
	ok &= unit_case("a lost write", pg, &w, ERR_LOST);
	w.lo = w.hi = 7;
	ok &= unit_case("data after a cut", pg, &z, ERR_STALE);
	fill(pg, 0, ps, pattern(TAG_FILE, 0, 6, 7));
	ok &= unit_case("another page's data", pg, &w, ERR_FOREIGN);
	fill(pg, 0, ps, base | 7);
	fill(pg, 64, 72, pattern(TAG_PRIV, 9, 5, 1));
	ok &= unit_case("a private word in the buffer", pg, &w, ERR_COW);
	ok &= unit_case("a private word, loose", pg, &l, ERR_COW);

	fill(pg, 0, ps, base | 7);
	memset(pg + 100, 0, ps - 100);
	w.kept = 100;
	ok &= unit_case("kept 100 bytes", pg, &w, -1);
	w.kept = 200;
	ok &= unit_case("zeroes before the bytes kept", pg, &w, ERR_LOST);
	w.kept = 50;
	ok &= unit_case("data after the bytes kept", pg, &w, ERR_STALE);
	memset(pg, 0, ps);
	w.kept = ps;
	ok &= unit_case("a zero page", pg, &w, ERR_LOST);
	ok &= unit_case("a zero page after a cut", pg, &z, -1);

	/* Loose: generations 6 and 7 mixed, a torn word, zeroes. */
	fill(pg, 0, ps / 2, base | 6);
	fill(pg, ps / 2, ps, base | 7);
	memset(pg + 13, 0, 40);
	pg[8 * 20] = 7;
	ok &= unit_case("loose mix", pg, &l, -1);
	fill(pg, 8 * 30, 8 * 31, base | 5);
	ok &= unit_case("loose, an older generation", pg, &l, ERR_LOST);
	fill(pg, 0, ps, base | 6);
	memset(pg + 8, 0, 8);
	l.zero_ok = false;
	ok &= unit_case("loose, zeroes not allowed", pg, &l, ERR_LOST);

	/* Anon objects, and private copies. */
	fill(pg, 0, ps, pattern(TAG_ANON, 3, 5, 1));
	w.base = pattern(TAG_ANON, 4, 5, 0);
	w.lo = w.hi = 1;
	ok &= unit_case("another object's data", pg, &w, ERR_FOREIGN);
	fill(pg, 0, ps, pattern(TAG_PRIV, 8, 5, 3));
	ok &= unit_case("another author's private copy", pg, &m, ERR_COW);
	fill(pg, 0, ps, pattern(TAG_PRIV, 9, 5, 3));
	ok &= unit_case("our private copy", pg, &m, -1);
	fill(pg, 0, ps, base | 7);
	ok &= unit_case("our private copy lost", pg, &m, ERR_FOREIGN);
	free(pg);
	return ok;
}

/*
 * The self-check: the checker on made-up pages, then short stress runs in
 * which the model lies or a page is damaged on purpose.  Each must be
 * caught, as the right kind of error.
 */
static bool selfcheck(bool have_file, bool have_anon)
{
	static const struct {
		const char *name;
		bool anon;
		int inject, expect;
	} runs[] = {
		{ "expect a generation never written", false, INJ_GEN,
		  ERR_LOST },
		{ "pretend a cut removed a page", false, INJ_CUT, ERR_STALE },
		{ "a private store reaches the buffer", false, INJ_COW,
		  ERR_COW },
		{ "write with another object's id", true, INJ_OBJ,
		  ERR_FOREIGN },
		{ "expect a generation never written (anon)", true, INJ_GEN,
		  ERR_LOST },
	};
	bool ok = unit_checks();

	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		struct config c = {
			.name = runs[i].name,
			.threads = 2,
			.secs = 5,
			.inject = runs[i].inject,
			.expect_err = runs[i].expect,
		};
		uint64_t n;

		if (runs[i].anon ? !have_anon : !have_file)
			continue;
		if (runs[i].anon)
			c.anon_procs = 1;
		else
			c.file_procs = 1;
		if (run_config(&c) < 0) {
			ok = false;
			continue;
		}
		n = atomic_load(&ctl->err[runs[i].expect]);
		if (n) {
			ksft_print_msg("self-check: %s: caught (%llu %s)\n",
				       runs[i].name, (unsigned long long)n,
				       err_name[runs[i].expect]);
			if (verbose)
				emit(ctl->first, strlen(ctl->first));
		} else {
			ksft_print_msg("self-check: %s: NOT caught%s%s",
				       runs[i].name,
				       ctl->first[0] ? "; " : "\n",
				       ctl->first + (ctl->first[0] ? 2 : 0));
			ok = false;
		}
	}
	return ok;
}

static void usage(const char *prog)
{
	printf("usage: %s [-t SECONDS] [-v] [-S] [-r] [-s SEED]\n"
	       "  -t  run time in all (default 60): a quarter on each device, half on both\n"
	       "  -v  verbose: progress, and every error\n"
	       "  -S  only the self-check of the checker\n"
	       "  -r  run on a memfd and /dev/zero, the kernel's references\n"
	       "  -s  random seed\n",
	       prog);
}

int main(int argc, char **argv)
{
	double secs = 60;
	bool only_self = false, have_file, have_anon, ok;
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	int opt, rc;

	seed = now_ns();
	while ((opt = getopt(argc, argv, "t:vSrs:h")) != -1) {
		switch (opt) {
		case 't':
			secs = atof(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'S':
			only_self = true;
			break;
		case 'r':
			reference = true;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : KSFT_FAIL;
		}
	}
	if (secs < 1)
		secs = 1;
	ps = page_size();
	procmem_ok = !access("/proc/self/mem", R_OK);
	mlock_ok = !geteuid(); /* no RLIMIT_MEMLOCK to mind */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ksft_print_header();
	if (ctl == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	have_file = reference || !access(MD_PATH, F_OK);
	have_anon = reference || !access(MD_ANON_PATH, F_OK);
	if (!have_file && !have_anon)
		ksft_exit_skip("no %s or %s: mmapdemo is not loaded\n", MD_PATH,
			       MD_ANON_PATH);
	if (!reference && have_file) {
		struct mmapdemo_info info;
		int fd = open(MD_PATH, O_RDWR | O_CLOEXEC);

		if (fd < 0 || md_info(fd, &info)) {
			ksft_print_msg("%s: %s: no stress on it\n", MD_PATH,
				       strerror(errno));
			have_file = false;
		} else if (info.max_size < 8 * ps) {
			ksft_print_msg("%s: max_size %llu is too small\n",
				       MD_PATH,
				       (unsigned long long)info.max_size);
			have_file = false;
		} else if (info.max_size < (uint64_t)file_pages * ps) {
			file_pages = info.max_size / ps;
		}
		if (fd >= 0)
			close(fd);
		if (syscall(SYS_delete_module, "", O_NONBLOCK) &&
		    errno == EPERM) {
			ksft_print_msg(
				"no rmmod attempts: not allowed to unload modules\n");
			rmmod_ok = false;
		}
	}
	ksft_print_msg("seed %llu, %.0f s%s\n", (unsigned long long)seed, secs,
		       reference ? ", on memfd and /dev/zero" : "");
	ksft_set_plan(only_self ? 1 : 4);
	ksft_test_result(selfcheck(have_file, have_anon), "selfcheck\n");
	if (only_self)
		ksft_finished();

	{
		const struct config runs[] = {
			{ "file", 3, 0, 2, secs / 4, INJ_NONE, -1 },
			{ "anon", 0, 3, 2, secs / 4, INJ_NONE, -1 },
			{ "combined", 2, 2, 2, secs / 2, INJ_NONE, -1 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
			const struct config *c = &runs[i];

			if ((c->file_procs && !have_file) ||
			    (c->anon_procs && !have_anon)) {
				ksft_test_result_skip("%s: device missing\n",
						      c->name);
				continue;
			}
			rc = run_config(c);
			ok = !rc && !nr_errors(0, NR_ERR);
			ksft_test_result(ok, "%s\n", c->name);
		}
	}
	ksft_finished();
}
