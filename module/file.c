// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mmapdemo's file operations: a file that lives in driver memory.
 *
 * Every open shares the one buffer of buffer.c.  read(), write(), lseek(),
 * splice() and fsync() behave as on a tmpfs file; the size is set with an
 * ioctl, since a character device cannot be truncated.  Another ioctl, with
 * poll(), tells what userspace wrote (notify.c).  The mappings are in
 * file_mmap.c.
 */
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "mmapdemo.h"

static int mmapdemo_file_open(struct inode *inode, struct file *file)
{
	/*
	 * Point this open at the buffer's address_space.  mmap() links each
	 * VMA into its f_mapping's i_mmap tree, so every mapping through every
	 * open lands on one tree, where a shrink can find them all.  As a
	 * bonus the core's fault code sees the buffer's i_size.
	 */
	file->f_mapping = mmapdemo_buf_mapping();
	return 0;
}

static loff_t mmapdemo_file_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file->f_mapping->host;

	return generic_file_llseek_size(file, offset, whence, MAX_LFS_FILESIZE,
					i_size_read(inode));
}

/* Readable and writable, as any file; EPOLLPRI: writes not reported yet. */
static __poll_t mmapdemo_file_poll(struct file *file, poll_table *wait)
{
	return DEFAULT_POLLMASK | mmapdemo_buf_poll_written(file, wait);
}

static long mmapdemo_file_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	u64 size;

	switch (cmd) {
	case MMAPDEMO_IOC_GET_INFO:
		return mmapdemo_ioctl_get_info(&mmapdemo_file_dev, argp);
	case MMAPDEMO_IOC_SET_SIZE:
		/* As ftruncate(): only an fd open for writing may resize. */
		if (!(file->f_mode & FMODE_WRITE))
			return -EINVAL;
		if (get_user(size, (u64 __user *)argp))
			return -EFAULT;
		if (size > MAX_LFS_FILESIZE)
			return -EFBIG;
		return mmapdemo_buf_set_size(size);
	case MMAPDEMO_IOC_WRITTEN:
		return mmapdemo_ioctl_written(argp, &mmapdemo_buf_written_ops);
	default:
		return -ENOTTY;
	}
}

DEFINE_MMAP_FROM_PREPARE(mmapdemo_file_mmap_prepare, mmapdemo_file_vma_mapped)

static const struct file_operations mmapdemo_file_fops = {
	.owner = THIS_MODULE,
	.open = mmapdemo_file_open,
	.llseek = mmapdemo_file_llseek,
	.read_iter = mmapdemo_buf_read,
	.write_iter = mmapdemo_buf_write,
	/* sendfile() and splice(), through read_iter and write_iter. */
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
	/* Nothing to write back: msync(MS_SYNC) succeeds, as on tmpfs. */
	.fsync = noop_fsync,
	.poll = mmapdemo_file_poll,
	.unlocked_ioctl = mmapdemo_file_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	MMAPDEMO_FOP_MMAP(mmapdemo_file_mmap_prepare),
	/* Where mappings go; also refuses offsets beyond a file's limit. */
	.get_unmapped_area = mmapdemo_file_get_unmapped_area,
};

static DEFINE_PER_CPU(struct mmapdemo_counts, mmapdemo_file_counts);

struct mmapdemo_dev mmapdemo_file_dev = {
	.misc = {
		.minor	= MISC_DYNAMIC_MINOR,
		.name	= "mmapdemo",
		.fops	= &mmapdemo_file_fops,
	},
	.id		= MMAPDEMO_DEV_FILE,
	.counts		= &mmapdemo_file_counts,
	.nr_mappings	= ATOMIC_LONG_INIT(0),
	.fill_info	= mmapdemo_buf_info,
};
