// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo: character devices whose mmap() serves each kind of mapping from
 * the driver's own fault handler.
 *
 *   /dev/mmapdemo       a file that lives in driver memory, for file-backed
 *                       MAP_SHARED and MAP_PRIVATE (copy-on-write) mappings
 *   /dev/mmapdemo-anon  anonymous-style memory, like /dev/zero, for anonymous
 *                       MAP_SHARED and MAP_PRIVATE mappings
 *   /dev/mmapdemo-huge  a shared region mapped 2 MiB at a time where the
 *                       kernel allows (6.12 and 7.x; 4 KiB entries on 6.1)
 *   /dev/mmapdemo-insert  a region mapped whole at mmap() time, as pages
 *   /dev/mmapdemo-remap   the same region, as page frames
 *
 * This file holds the module parameters and registers the nodes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "mmapdemo.h"

static unsigned long long size = SZ_1M;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size,
		 "initial size of /dev/mmapdemo in bytes (default 1 MiB)");

static unsigned long long max_size = SZ_256M;
module_param(max_size, ullong, 0444);
MODULE_PARM_DESC(max_size,
		 "largest size of /dev/mmapdemo in bytes (default 256 MiB)");

/*
 * Large folios cost granularity, as fault_around_bytes does: a mapping
 * that touches one byte of an aligned 2 MiB maps (and its process's Rss
 * counts) all of it, and a shrink into the middle of one leaves it whole.
 * Only where the core maps such a folio safely (compat.h).
 */
static bool large_folios = MMAPDEMO_HAVE_SAFE_LARGE_FOLIOS;
module_param(large_folios, bool, 0444);
MODULE_PARM_DESC(large_folios,
		 "2 MiB folios for /dev/mmapdemo (default: on from 6.12.59)");

static int mmapdemo_mode_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mode;
	int err;

	err = kstrtouint(val, 8, &mode);
	if (err)
		return err;
	if (mode & ~0777)
		return -EINVAL;
	*(umode_t *)kp->arg = mode;
	return 0;
}

static int mmapdemo_mode_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%04o\n", *(umode_t *)kp->arg);
}

/* Node permissions are shown and parsed in octal, as chmod takes them. */
static const struct kernel_param_ops mmapdemo_mode_ops = {
	.set = mmapdemo_mode_set,
	.get = mmapdemo_mode_get,
};

/* The buffer is one resource shared by all users: root only by default. */
static umode_t mode = 0600;
module_param_cb(mode, &mmapdemo_mode_ops, &mode, 0444);
MODULE_PARM_DESC(mode, "permissions of /dev/mmapdemo, octal (default 0600)");

/*
 * Anyone may map anonymous-style memory: each mapping is private to its
 * process tree, and its pages are charged to the process's memory cgroup.
 */
static umode_t anon_mode = 0666;
module_param_cb(anon_mode, &mmapdemo_mode_ops, &anon_mode, 0444);
MODULE_PARM_DESC(anon_mode,
		 "permissions of /dev/mmapdemo-anon, octal (default 0666)");

static unsigned long huge_size = SZ_16M;
module_param(huge_size, ulong, 0444);
MODULE_PARM_DESC(huge_size,
		 "size of /dev/mmapdemo-huge, 2 MiB multiple (default 16 MiB)");

static umode_t huge_mode = 0600;
module_param_cb(huge_mode, &mmapdemo_mode_ops, &huge_mode, 0444);
MODULE_PARM_DESC(huge_mode,
		 "permissions of /dev/mmapdemo-huge, octal (default 0600)");

static unsigned long eager_size = SZ_4M;
module_param(eager_size, ulong, 0444);
MODULE_PARM_DESC(eager_size,
		 "size of the eager nodes, 2 MiB multiple (default 4 MiB)");

static umode_t eager_mode = 0600;
module_param_cb(eager_mode, &mmapdemo_mode_ops, &eager_mode, 0444);
MODULE_PARM_DESC(eager_mode,
		 "permissions of the eager nodes, octal (default 0600)");

/*
 * Everything a node needs exists before the node does; nodes are published
 * last, and in an order that nothing fails after the first: a file opened
 * through a node pins the module, so a load that failed after publishing
 * one would free what an open file still uses.  The later nodes are
 * optional, as drivers/char/mem.c treats each of its nodes: should one fail
 * to register, the module loads without it and says so.
 */
static int __init mmapdemo_init(void)
{
	int err;

	if (size > max_size || max_size > MAX_LFS_FILESIZE) {
		pr_err("need size <= max_size <= %lld\n", MAX_LFS_FILESIZE);
		return -EINVAL;
	}
	if (large_folios && !MMAPDEMO_HAVE_SAFE_LARGE_FOLIOS) {
		pr_err("large_folios needs Linux 6.12.59 or later\n");
		return -EINVAL;
	}
	if (huge_size % PMD_SIZE || huge_size > SZ_1G ||
	    eager_size % PMD_SIZE || eager_size > SZ_1G) {
		pr_err("huge_size and eager_size must be multiples of %lu up to 1 GiB\n",
		       PMD_SIZE);
		return -EINVAL;
	}

	err = mmapdemo_buf_init(size, max_size, large_folios);
	if (err)
		return err;
	err = mmapdemo_anon_init();
	if (err)
		goto free_buffer;
	err = mmapdemo_huge_init(huge_size);
	if (err)
		goto free_anon;
	err = mmapdemo_eager_init(eager_size);
	if (err)
		goto free_huge;
	mmapdemo_stats_init();

	mmapdemo_file_dev.misc.mode = mode;
	mmapdemo_anon_dev.misc.mode = anon_mode;
	mmapdemo_huge_dev.misc.mode = huge_mode;
	mmapdemo_insert_dev.misc.mode = eager_mode;
	mmapdemo_remap_dev.misc.mode = eager_mode;
	err = misc_register(&mmapdemo_file_dev.misc);
	if (err)
		goto free_stats;
	/* Nothing may fail from here on. */
	if (misc_register(&mmapdemo_anon_dev.misc))
		pr_warn("no /dev/%s\n", mmapdemo_anon_dev.misc.name);
	if (misc_register(&mmapdemo_huge_dev.misc))
		pr_warn("no /dev/%s\n", mmapdemo_huge_dev.misc.name);
	if (misc_register(&mmapdemo_insert_dev.misc))
		pr_warn("no /dev/%s\n", mmapdemo_insert_dev.misc.name);
	if (misc_register(&mmapdemo_remap_dev.misc))
		pr_warn("no /dev/%s\n", mmapdemo_remap_dev.misc.name);
	return 0;

free_stats:
	mmapdemo_stats_exit();
	mmapdemo_eager_exit();
free_huge:
	mmapdemo_huge_exit();
free_anon:
	mmapdemo_anon_exit();
free_buffer:
	mmapdemo_buf_exit();
	return err;
}

/* misc_register() failed if it left no device behind the node. */
static void mmapdemo_deregister(struct mmapdemo_dev *dev)
{
	if (!IS_ERR_OR_NULL(dev->misc.this_device))
		misc_deregister(&dev->misc);
}

/*
 * Runs only when no file of ours is open: each open file, and so each VMA,
 * holds a reference on the module through fops->owner.  Undoes
 * mmapdemo_init(), in reverse.
 */
static void __exit mmapdemo_exit(void)
{
	mmapdemo_deregister(&mmapdemo_remap_dev);
	mmapdemo_deregister(&mmapdemo_insert_dev);
	mmapdemo_deregister(&mmapdemo_huge_dev);
	mmapdemo_deregister(&mmapdemo_anon_dev);
	misc_deregister(&mmapdemo_file_dev.misc);
	mmapdemo_stats_exit();
	mmapdemo_eager_exit();
	mmapdemo_huge_exit();
	mmapdemo_anon_exit();
	mmapdemo_buf_exit();
}

module_init(mmapdemo_init);
module_exit(mmapdemo_exit);

MODULE_DESCRIPTION("mmap() by example: shared, private, anonymous mappings");
MODULE_AUTHOR("The mmapdemo authors");
MODULE_LICENSE("GPL");
