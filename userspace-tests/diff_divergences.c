// SPDX-License-Identifier: GPL-2.0
/*
 * The intended differences between mmapdemo's devices and the kernel's own
 * references: every place where /dev/mmapdemo does not do what a memfd
 * does, or /dev/mmapdemo-anon what /dev/zero does, on purpose.
 *
 * A row applies to a step by the pair (.pairs), the operation (.ops, and
 * .advice for madvise()), .when() if it has one, and what the reference
 * returned (.ref_ret and .ref_err; ANY: whatever).  The device must then
 * return .dev_ret and .dev_err (SAME: what the reference returned), or
 * what .expect() says.  .before() looks before the step; .then() checks
 * what else differs, and brings the reference to the device's state so
 * that the sequence goes on comparing everything.  The functions are in
 * diff_rows.c; docs/differential.md gives each row's reason.
 */
#include "diff_test.h"

/*
 * Every intended difference, each checked where it applies.  Keep it short,
 * and in step with docs/differential.md.
 */
const struct divergence divergences[] = {
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

const unsigned int nr_divergences = ARRAY_SIZE(divergences);

/* How often each row applied, in the pair run now. */
unsigned long row_hits[ARRAY_SIZE(divergences)];

/* The row that may apply to the step, before it runs. */
const struct divergence *row_for(struct ctx *c)
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
