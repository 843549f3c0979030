/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmapdemo's tracepoints, under events/mmapdemo/ in tracefs:
 *
 *   mmapdemo_mmap        an mmap() of a node, before the first fault
 *   mmapdemo_vma_open    a new VMA from a fork, a split or an mremap() move
 *   mmapdemo_vma_close   a VMA going away
 *   mmapdemo_fault       a fault handler's call: access, outcome, pages
 *   mmapdemo_map_pages   a window of pages mapped around a fault
 *   mmapdemo_resize      a resize of /dev/mmapdemo
 *
 *   echo 1 > /sys/kernel/tracing/events/mmapdemo/enable
 *   cat /sys/kernel/tracing/trace_pipe
 *
 * Only stats.c fires them.  The print formats name enum constants only
 * through TRACE_DEFINE_ENUM(), so that perf and trace-cmd, which read the
 * formats from tracefs, can decode the records.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mmapdemo

#if !defined(MMAPDEMO_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MMAPDEMO_TRACE_H

#include <linux/mm.h>
#include <linux/tracepoint.h>

#include "mmapdemo.h"

/*
 * The TRACE_EVENT() language is laid out by hand, as in the kernel's own
 * trace headers: clang-format cannot follow it.
 */
/* clang-format off */

TRACE_DEFINE_ENUM(MMAPDEMO_DEV_FILE);
TRACE_DEFINE_ENUM(MMAPDEMO_DEV_ANON);
TRACE_DEFINE_ENUM(MMAPDEMO_DEV_HUGE);
TRACE_DEFINE_ENUM(MMAPDEMO_DEV_INSERT);
TRACE_DEFINE_ENUM(MMAPDEMO_DEV_REMAP);

#define mmapdemo_show_dev(d)						\
	__print_symbolic(d, { MMAPDEMO_DEV_FILE, "mmapdemo" },		\
			 { MMAPDEMO_DEV_ANON, "mmapdemo-anon" },	\
			 { MMAPDEMO_DEV_HUGE, "mmapdemo-huge" },	\
			 { MMAPDEMO_DEV_INSERT, "mmapdemo-insert" },	\
			 { MMAPDEMO_DEV_REMAP, "mmapdemo-remap" })

/* Read once, though the trace machinery reads this header many times. */
#ifndef MMAPDEMO_TRACE_HELPERS
#define MMAPDEMO_TRACE_HELPERS
/* The fault path the core took, worked out when the record is made. */
static inline int mmapdemo_access(const struct vm_fault *vmf)
{
	if (vmf->flags & FAULT_FLAG_MKWRITE)
		return 3;
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		return 0;
	return vmf->vma->vm_flags & VM_SHARED ? 1 : 2;
}
#endif

#define mmapdemo_show_access(a)						\
	__print_symbolic(a, { 0, "read" }, { 1, "write" }, { 2, "cow" },	\
			 { 3, "mkwrite" })

/*
 * VM_FAULT_* are __bitwise enum constants, which TRACE_DEFINE_ENUM() does
 * not take: the format names their values instead (stats.c checks them).
 */
#define MMAPDEMO_VM_FAULT_OOM		0x0001
#define MMAPDEMO_VM_FAULT_SIGBUS	0x0002
#define MMAPDEMO_VM_FAULT_NOPAGE	0x0100
#define MMAPDEMO_VM_FAULT_LOCKED	0x0200
#define MMAPDEMO_VM_FAULT_RETRY		0x0400
#define MMAPDEMO_VM_FAULT_FALLBACK	0x0800

#define mmapdemo_show_fault(ret)					\
	__print_flags(ret, "|", { MMAPDEMO_VM_FAULT_OOM, "OOM" },	\
		      { MMAPDEMO_VM_FAULT_SIGBUS, "SIGBUS" },		\
		      { MMAPDEMO_VM_FAULT_NOPAGE, "NOPAGE" },		\
		      { MMAPDEMO_VM_FAULT_LOCKED, "LOCKED" },		\
		      { MMAPDEMO_VM_FAULT_RETRY, "RETRY" },		\
		      { MMAPDEMO_VM_FAULT_FALLBACK, "FALLBACK" })

TRACE_EVENT(mmapdemo_mmap,
	    TP_PROTO(int dev, unsigned long start, unsigned long end,
		     unsigned long pgoff, bool shared, int err),
	    TP_ARGS(dev, start, end, pgoff, shared, err),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned long, pgoff)
			     __field(bool, shared)
			     __field(int, err)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->pgoff = pgoff;
			   __entry->shared = shared;
			   __entry->err = err;),
	    TP_printk("%s %#lx-%#lx pgoff %#lx %s err %d",
		      mmapdemo_show_dev(__entry->dev), __entry->start,
		      __entry->end, __entry->pgoff,
		      __entry->shared ? "shared" : "private", __entry->err)
);

DECLARE_EVENT_CLASS(mmapdemo_vma,
		    TP_PROTO(int dev, struct vm_area_struct *vma),
		    TP_ARGS(dev, vma),
		    TP_STRUCT__entry(__field(int, dev)
				     __field(unsigned long, start)
				     __field(unsigned long, end)
				     __field(unsigned long, pgoff)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->start = vma->vm_start;
				   __entry->end = vma->vm_end;
				   __entry->pgoff = vma->vm_pgoff;),
		    TP_printk("%s %#lx-%#lx pgoff %#lx",
			      mmapdemo_show_dev(__entry->dev), __entry->start,
			      __entry->end, __entry->pgoff)
);

DEFINE_EVENT(mmapdemo_vma, mmapdemo_vma_open,
	     TP_PROTO(int dev, struct vm_area_struct *vma),
	     TP_ARGS(dev, vma)
);

DEFINE_EVENT(mmapdemo_vma, mmapdemo_vma_close,
	     TP_PROTO(int dev, struct vm_area_struct *vma),
	     TP_ARGS(dev, vma)
);

TRACE_EVENT(mmapdemo_fault,
	    TP_PROTO(int dev, struct vm_fault *vmf, vm_fault_t ret,
		     unsigned long pages),
	    TP_ARGS(dev, vmf, ret, pages),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(unsigned long, address)
			     __field(unsigned long, pgoff)
			     __field(int, access)
			     __field(unsigned int, ret)
			     __field(unsigned long, pages)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->address = vmf->address;
			   __entry->pgoff = vmf->pgoff;
			   __entry->access = mmapdemo_access(vmf);
			   __entry->ret = (__force unsigned int)ret;
			   __entry->pages = pages;),
	    TP_printk("%s %#lx pgoff %#lx %s -> %s pages %lu",
		      mmapdemo_show_dev(__entry->dev), __entry->address,
		      __entry->pgoff, mmapdemo_show_access(__entry->access),
		      __entry->ret ? mmapdemo_show_fault(__entry->ret) : "page",
		      __entry->pages)
);

TRACE_EVENT(mmapdemo_map_pages,
	    TP_PROTO(int dev, struct vm_fault *vmf, pgoff_t start,
		     pgoff_t end, vm_fault_t ret),
	    TP_ARGS(dev, vmf, start, end, ret),
	    TP_STRUCT__entry(__field(int, dev)
			     __field(unsigned long, address)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(int, access)
			     __field(unsigned int, ret)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->address = vmf->address;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->access = mmapdemo_access(vmf);
			   __entry->ret = (__force unsigned int)ret;),
	    TP_printk("%s %#lx pgoff %#lx-%#lx %s -> %s",
		      mmapdemo_show_dev(__entry->dev), __entry->address,
		      __entry->start, __entry->end,
		      mmapdemo_show_access(__entry->access),
		      __entry->ret ? mmapdemo_show_fault(__entry->ret) :
				     "not mapped")
);

TRACE_EVENT(mmapdemo_resize,
	    TP_PROTO(loff_t old_size, loff_t new_size, int err),
	    TP_ARGS(old_size, new_size, err),
	    TP_STRUCT__entry(__field(loff_t, old_size)
			     __field(loff_t, new_size)
			     __field(int, err)),
	    TP_fast_assign(__entry->old_size = old_size;
			   __entry->new_size = new_size;
			   __entry->err = err;),
	    TP_printk("%lld -> %lld err %d", __entry->old_size,
		      __entry->new_size, __entry->err)
);

/* clang-format on */

#endif /* MMAPDEMO_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mmapdemo_trace
#include <trace/define_trace.h>
