// SPDX-License-Identifier: GPL-2.0
/*
 * What each mmapdemo device counts, and three views of it, all filled by
 * mmapdemo_get_info(): the MMAPDEMO_IOC_GET_INFO ioctl (struct
 * mmapdemo_info), one sysfs file per field in /sys/class/misc/<node>/, and
 * /sys/kernel/debug/mmapdemo/<node> with every field on a line of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "mmapdemo.h"

/* The fields of struct mmapdemo_info, all __u64, in order. */
static const char *const mmapdemo_fields[] = {
	"size",		"max_size",	   "nr_pages",	  "nr_mappings",
	"read_faults",	"write_faults",	   "cow_faults",  "around_windows",
	"around_pages", "vma_lock_faults", "huge_faults",
};

static u64 mmapdemo_field(const struct mmapdemo_info *info, int i)
{
	return ((const u64 *)info)[i];
}

void mmapdemo_get_info(struct mmapdemo_dev *dev, struct mmapdemo_info *info)
{
	unsigned long count[MMAPDEMO_NR_COUNTS] = {};
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct mmapdemo_counts *c = per_cpu_ptr(dev->counts, cpu);

		for (i = 0; i < MMAPDEMO_NR_COUNTS; i++)
			count[i] += READ_ONCE(c->count[i]);
	}

	memset(info, 0, sizeof(*info));
	dev->fill_info(info);
	info->nr_mappings = atomic_long_read(&dev->nr_mappings);
	info->read_faults = count[MMAPDEMO_READ];
	info->write_faults = count[MMAPDEMO_WRITE];
	info->cow_faults = count[MMAPDEMO_COW];
	info->around_windows = count[MMAPDEMO_AROUND];
	info->around_pages = count[MMAPDEMO_AROUND_PAGES];
	info->vma_lock_faults = count[MMAPDEMO_VMA_LOCKED];
	info->huge_faults = count[MMAPDEMO_HUGE];
}

long mmapdemo_ioctl_get_info(struct mmapdemo_dev *dev, void __user *arg)
{
	struct mmapdemo_info info;

	mmapdemo_get_info(dev, &info);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/*
 * ->unlocked_ioctl of a device whose only ioctl is MMAPDEMO_IOC_GET_INFO.
 * misc_open() left the device's struct miscdevice in file->private_data.
 */
long mmapdemo_info_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct miscdevice *misc = file->private_data;
	struct mmapdemo_dev *dev =
		container_of(misc, struct mmapdemo_dev, misc);

	if (cmd != MMAPDEMO_IOC_GET_INFO)
		return -ENOTTY;
	return mmapdemo_ioctl_get_info(dev, (void __user *)arg);
}

/* sysfs: one read-only file per field, named after it. */
static struct device_attribute mmapdemo_dev_attrs[ARRAY_SIZE(mmapdemo_fields)];
static struct attribute *mmapdemo_attrs[ARRAY_SIZE(mmapdemo_fields) + 1];

static ssize_t mmapdemo_attr_show(struct device *device,
				  struct device_attribute *attr, char *buf)
{
	struct miscdevice *misc = dev_get_drvdata(device);
	struct mmapdemo_info info;

	mmapdemo_get_info(container_of(misc, struct mmapdemo_dev, misc), &info);
	return sysfs_emit(buf, "%llu\n",
			  mmapdemo_field(&info, attr - mmapdemo_dev_attrs));
}

static const struct attribute_group mmapdemo_attr_group = {
	.attrs = mmapdemo_attrs,
};

const struct attribute_group *mmapdemo_attr_groups[] = { &mmapdemo_attr_group,
							 NULL };

static struct dentry *mmapdemo_debugfs;

static int mmapdemo_stats_show(struct seq_file *m, void *unused)
{
	struct mmapdemo_info info;
	int i;

	mmapdemo_get_info(m->private, &info);
	for (i = 0; i < ARRAY_SIZE(mmapdemo_fields); i++)
		seq_printf(m, "%s %llu\n", mmapdemo_fields[i],
			   mmapdemo_field(&info, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mmapdemo_stats);

/*
 * Fill in the sysfs attributes (before the nodes register) and create the
 * debugfs files.  Debugfs is for debugging: its failures are ignored.
 */
void mmapdemo_stats_init(struct mmapdemo_dev *const *devs, int n)
{
	int i;

	BUILD_BUG_ON(offsetof(struct mmapdemo_info, reserved) !=
		     sizeof(u64) * ARRAY_SIZE(mmapdemo_fields));
	for (i = 0; i < ARRAY_SIZE(mmapdemo_fields); i++) {
		mmapdemo_dev_attrs[i].attr.name = mmapdemo_fields[i];
		mmapdemo_dev_attrs[i].attr.mode = 0444;
		mmapdemo_dev_attrs[i].show = mmapdemo_attr_show;
		mmapdemo_attrs[i] = &mmapdemo_dev_attrs[i].attr;
	}

	mmapdemo_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	for (i = 0; i < n; i++)
		debugfs_create_file(devs[i]->misc.name, 0444, mmapdemo_debugfs,
				    devs[i], &mmapdemo_stats_fops);
}

void mmapdemo_stats_exit(void)
{
	debugfs_remove_recursive(mmapdemo_debugfs);
}
