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
 * The few intended differences are the rows of divergences[], in
 * diff_divergences.c: each says what the device must return where the
 * reference returns something else, and is checked as such, never skipped.
 * A mismatch prints the seed, the sequence up to the failing step and the
 * command that replays it.
 *
 * The seed comes first in the output ("# seed N"): -s, else $MMAPDEMO_SEED,
 * else the clock.  Sequence k of a run has seed N + k.  100 sequences per
 * pair by default, 1000 with MMAPDEMO_LONG=1 (mmapdemo.sh --long).
 *
 * -S runs the very same machinery on pairs that need no module: a tmpfs file
 * (the "device") against a memfd, and MAP_ANONYMOUS against /dev/zero.  It
 * checks the test itself, on any Linux.  See docs/differential.md.
 *
 * This file runs the pairs and their sequences; diff_test.h lists the
 * other parts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <getopt.h>
#include <inttypes.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>

#include "kselftest.h"
#include "diff_test.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define SHORT_COUNT 100 /* sequences per pair: ~15 s on a debug kernel */
#define LONG_COUNT 1000 /* with MMAPDEMO_LONG */

size_t ps;
size_t huge_len;
int procmem = -1;
uint64_t zero_hash;
unsigned char *iobuf;
unsigned char *scratch[2];
static unsigned int kver; /* major * 100 + minor */
static bool verbose;
static unsigned char *pre[2]; /* WIN pages each, for the rows */

/* Give up on an error of the test's own making: not a result. */
void harness_error(const char *what, const struct side *s)
{
	if (s)
		ksft_exit_fail_msg("%s on %s: %s\n", what, s->name,
				   strerror(errno));
	ksft_exit_fail_msg("%s: %s\n", what, strerror(errno));
}

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
	splitmix64(&q.rng);
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

	memset(row_hits, 0, nr_divergences * sizeof(row_hits[0]));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < count && ok; n++)
		ok = run_seq(&p, seed + n, &steps);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	ksft_print_msg(
		"%s: %s against %s: %lu sequences, %lu steps in %.1f s\n",
		p.name, p.dev.name, p.ref.name, n, steps,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t i = 0; i < nr_divergences; i++)
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
		"  -n COUNT  sequences per pair (default %d, %d with MMAPDEMO_LONG=1)\n"
		"  -s SEED   seed of the first sequence (default: $MMAPDEMO_SEED,\n"
		"            else from the clock)\n"
		"  -k KIND   which pair: file, anon or both (default both)\n"
		"  -S        self-check: a tmpfs file against a memfd, and\n"
		"            MAP_ANONYMOUS against /dev/zero (no module needed)\n"
		"  -v        print every step and what each side returned\n",
		prog, SHORT_COUNT, LONG_COUNT);
	exit(status);
}

int main(int argc, char **argv)
{
	unsigned long count = long_run() ? LONG_COUNT : SHORT_COUNT;
	bool selfcheck = false, file = true, anon = true;
	uint64_t seed = test_seed();
	int opt;

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
	ksft_print_msg("seed %" PRIu64 "\n", seed);
	ksft_set_plan(file + anon);
	ksft_print_msg("%lu sequences of %d steps per pair, kernel %u.%u\n",
		       count, NSTEPS, kver / 100, kver % 100);
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
