// SPDX-License-Identifier: GPL-2.0
/*
 * What every part of stress_test uses: time, random numbers, the output
 * that many processes share, errors counted and said, and accesses to a
 * mapping with SIGBUS and SIGSEGV caught.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdarg.h>
#include <time.h>

#include "stress_test.h"

/* The names of the operations and errors, for the summary. */
const char *const op_name[] = {
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

const char *const err_name[] = {
	"lost-write", "stale-data", "cow-leak", "foreign-data",
	"signal",     "errno",	    "other",
};
_Static_assert(ARRAY_SIZE(err_name) == NR_ERR, "one name per error");

/* ---- time, random numbers, output ---- */

void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

uint64_t rnd(struct actor *a)
{
	return xorshift64s(&a->rng);
}

unsigned int rndn(struct actor *a, unsigned int n)
{
	return n ? (unsigned int)((rnd(a) >> 16) % n) : 0;
}

/* Told to stop, or past the deadline (even if nobody says so). */
bool stopping(void)
{
	uint64_t d = atomic_load_explicit(&ctl->deadline, memory_order_relaxed);

	return atomic_load_explicit(&ctl->stop, memory_order_relaxed) ||
	       (d && now_ns() >= d);
}

/* One write(2) per line: the processes share stdout, unbuffered. */
void emit(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

__printf(1, 2) void note(const char *fmt, ...)
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

void count(enum op op)
{
	atomic_fetch_add_explicit(&ctl->ops[op], 1, memory_order_relaxed);
}

void event(enum ev ev)
{
	atomic_fetch_add_explicit(&ctl->ev[ev], 1, memory_order_relaxed);
}

uint64_t nr_errors(int from, int to)
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
__printf(3, 4) void fail(struct actor *a, enum err kind, const char *fmt, ...)
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

/* ---- guarded access: SIGBUS and SIGSEGV ---- */

struct words {
	uint64_t *dst;
	volatile uint64_t *map;
	size_t len;
	bool store;
	uint64_t word;
};

/* Copy or fill, 8 bytes at a time. */
static void access_words(void *arg)
{
	struct words *w = arg;

	for (size_t i = 0; i < w->len / 8; i++) {
		if (w->store)
			w->map[i] = w->word;
		else
			w->dst[i] = w->map[i];
	}
}

/*
 * Copy @len bytes (a multiple of 8) from a mapping, 8 bytes at a time, or
 * fill them with @word (if @store), with SIGBUS and SIGSEGV caught (by
 * mmapdemo_util.c's handler, per thread): what happened, and how many
 * bytes were done before a fault.
 */
struct access guarded_words(void *dst, void *map, size_t len, bool store,
			    uint64_t word)
{
	struct words w = { dst, map, len, store, word };
	struct fault f = guarded(access_words, &w);
	struct access r = { .sig = f.sig, .code = f.code, .done = len };
	uintptr_t a = (uintptr_t)f.addr, s = (uintptr_t)map;

	if (f.sig)
		r.done = a < s ? 0 : (a - s < len ? a - s : len) & ~(size_t)7;
	return r;
}

/*
 * Read through /proc/self/mem instead: the kernel pins the pages with GUP,
 * faulting them in through the driver as a load would.  Where a load would
 * raise SIGBUS the read fails (EIO): report that as SIGBUS.
 */
struct access procmem_read(void *dst, void *map, size_t len)
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
