// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test's integrity model (stress_test.c explains it): what a page
 * must hold, from the state its owner and the resizer publish; the checker
 * that reads a page and says what is wrong with it; and the writers, which
 * keep the published state true as they write.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>

#include "stress_test.h"

/* ---- the checker ---- */

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
long check_bytes(const unsigned char *buf, size_t off, size_t len,
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
enum err classify(const unsigned char *buf, size_t off, size_t len, size_t bad,
		  const struct want *w, char *s, size_t n)
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

void obs_begin(struct region *r, unsigned int p, struct obs *o)
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

void obs_end(struct region *r, unsigned int p, struct obs *o)
{
	atomic_thread_fence(memory_order_seq_cst);
	o->b.seq = atomic_load(&r->pg[p].seq);
	o->b.gen = atomic_load(&r->pg[p].gen);
	o->r1 = atomic_load(&r->rseq);
}

bool obs_rclean(const struct obs *o)
{
	return o->r0 == o->r1 && !(o->r0 & 1);
}

static bool beyond_end(const struct region *r, unsigned int p, uint64_t size)
{
	return r->resizable ? (uint64_t)p * ps >= size : p >= r->npages;
}

/*
 * What page @p of @r must hold through a shared mapping or read(), and
 * whether SIGBUS may or must come instead.  False if too much moved to
 * tell (the owner wrote many times, or its last write failed).
 */
bool shared_want(const struct region *r, unsigned int p, const struct obs *o,
		 struct want *w, int *sigbus)
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

bool owns(const struct actor *a, const struct view *v, unsigned int p)
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

bool sigbus_ok(const struct access *acc, int sigbus)
{
	return acc->sig == SIGBUS && acc->code == BUS_ADRERR && sigbus != SB_NO;
}

/*
 * Read page @i of view @v and check it against the model.  @own: the
 * actor owns it (a "verify" rather than a "read").
 */
void check_page(struct actor *a, struct view *v, unsigned int i)
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
		acc = guarded_words(a->buf, v->addr + (size_t)i * ps, ps, false,
				    0);
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
void cut_record(struct region *r, unsigned int p, uint32_t kept)
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
void write_page(struct actor *a, struct view *v, unsigned int i)
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
	acc = guarded_words(NULL, v->addr + (size_t)i * ps, ps, true,
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
bool nores_enter(struct region *r)
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
void pwrite_page(struct actor *a, unsigned int p)
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
void pread_page(struct actor *a, unsigned int p)
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
void priv_store(struct actor *a, struct view *v, unsigned int i)
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
	acc = guarded_words(NULL, addr, ps, true,
			    pattern(TAG_PRIV, a->who, p, g));
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
