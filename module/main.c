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
 *                       kernel allows (6.12; 4 KiB entries on 6.1)
 *
 * This file holds the module parameters and registers the nodes; it also
 * instantiates the tracepoints of mmapdemo_trace.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "mmapdemo.h"

#define CREATE_TRACE_POINTS
#include "mmapdemo_trace.h"

static unsigned long long size = SZ_1M;
module_param(size, ullong, 0444);
MODULE_PARM_DESC(size,
		 "initial size of /dev/mmapdemo in bytes (default 1 MiB)");

static unsigned long long max_size = SZ_256M;
module_param(max_size, ullong, 0444);
MODULE_PARM_DESC(max_size,
		 "largest size of /dev/mmapdemo in bytes (default 256 MiB)");

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

/* The nodes, and the node mode each takes from its parameter. */
static struct mmapdemo_dev *const mmapdemo_devs[] = {
	&mmapdemo_file_dev,
	&mmapdemo_anon_dev,
	&mmapdemo_huge_dev,
};

static const umode_t *const mmapdemo_modes[] = {
	&mode,
	&anon_mode,
	&huge_mode,
};

static void mmapdemo_deregister(int n)
{
	while (n--)
		misc_deregister(&mmapdemo_devs[n]->misc);
}

static int __init mmapdemo_init(void)
{
	int err, i;

	if (size > max_size || max_size > MAX_LFS_FILESIZE) {
		pr_err("need size <= max_size <= %lld\n", MAX_LFS_FILESIZE);
		return -EINVAL;
	}
	if (huge_size % PMD_SIZE || huge_size > SZ_1G) {
		pr_err("huge_size must be a multiple of %lu up to 1 GiB\n",
		       PMD_SIZE);
		return -EINVAL;
	}

	err = mmapdemo_buf_init(size, max_size);
	if (err)
		return err;
	err = mmapdemo_anon_init();
	if (err)
		goto free_buffer;
	err = mmapdemo_huge_init(huge_size);
	if (err)
		goto free_anon;

	mmapdemo_stats_init(mmapdemo_devs, ARRAY_SIZE(mmapdemo_devs));
	for (i = 0; i < ARRAY_SIZE(mmapdemo_devs); i++) {
		struct miscdevice *misc = &mmapdemo_devs[i]->misc;

		misc->mode = *mmapdemo_modes[i];
		misc->groups = mmapdemo_attr_groups;
		err = misc_register(misc);
		if (err)
			goto deregister;
	}
	return 0;

deregister:
	mmapdemo_deregister(i);
	mmapdemo_stats_exit();
	mmapdemo_huge_exit();
free_anon:
	mmapdemo_anon_exit();
free_buffer:
	mmapdemo_buf_exit();
	return err;
}

/*
 * Runs only when no file of ours is open: each open file, and so each VMA,
 * holds a reference on the module through fops->owner.
 */
static void __exit mmapdemo_exit(void)
{
	mmapdemo_stats_exit();
	mmapdemo_deregister(ARRAY_SIZE(mmapdemo_devs));
	mmapdemo_huge_exit();
	mmapdemo_anon_exit();
	mmapdemo_buf_exit();
}

module_init(mmapdemo_init);
module_exit(mmapdemo_exit);

MODULE_DESCRIPTION("mmap() by example: shared, private, anonymous mappings");
MODULE_AUTHOR("The mmapdemo authors");
MODULE_LICENSE("GPL");
