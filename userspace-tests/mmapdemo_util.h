/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the mmapdemo programs share, linked into each of them from
 * mmapdemo_util.c (as vm_util.c is into the kernel's mm selftests): the
 * devices and their references behind one interface, accesses that may
 * fault, /proc/self/{maps,smaps,pagemap}, small files of sysfs and debugfs,
 * time, seeds and random numbers, and child processes.
 */
#ifndef MMAPDEMO_UTIL_H
#define MMAPDEMO_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The mmap, madvise and mremap flags that older C libraries lack
 * (MAP_SHARED_VALIDATE, MAP_FIXED_NOREPLACE, MADV_POPULATE_READ,
 * MREMAP_DONTUNMAP, ...) come from the kernel's uapi headers: the Makefile
 * puts $(KHDR_INCLUDES) first, as every selftest does.
 */
#include <linux/mman.h>

#include "mmapdemo.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((__noreturn__))
#endif

#define MD_PATH "/dev/mmapdemo"
#define MD_ANON_PATH "/dev/mmapdemo-anon"
#define MD_HUGE_PATH "/dev/mmapdemo-huge"
#define MD_INSERT_PATH "/dev/mmapdemo-insert"
#define MD_REMAP_PATH "/dev/mmapdemo-remap"

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline int md_info(int fd, struct mmapdemo_info *info)
{
	return ioctl(fd, MMAPDEMO_IOC_GET_INFO, info);
}

static inline int md_set_size(int fd, uint64_t size)
{
	return ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &size);
}

/* ---- the devices and their references ---- */

/*
 * A "backend" is what a test maps: /dev/mmapdemo, or a memfd, the kernel's
 * own file-in-memory, which shows what Linux does for a file.  Tests that
 * run on both prove their expectations on the reference first.
 */
enum backend { BACKEND_MMAPDEMO, BACKEND_MEMFD };

int reopen(int fd, int flags);
int backend_resize(enum backend b, int fd, uint64_t size);
int backend_open(enum backend b, uint64_t size);
const char *backend_name(enum backend b);

/*
 * A device and its reference, by kind: the file device against a memfd, the
 * anonymous-style device against /dev/zero.
 */
enum kind { KIND_FILE, KIND_ANON };

const char *kind_path(enum kind k, bool ref);
int kind_open(enum kind k, bool ref, int oflags, uint64_t size);

/* ---- the kernel we run on ---- */

bool kernel_at_least(int major, int minor);
bool zero_ro_shared_is_object(void);
bool write_grows_first(void);
bool path_noexec(const char *path);
long fault_around_bytes(long val);

/* ---- accesses that may fault ---- */

/*
 * What an access ended in: no signal (sig 0), or the SIGBUS or SIGSEGV it
 * raised, with its si_code and the address that faulted.
 */
struct fault {
	int sig;
	int code;
	void *addr;
};

void catch_faults(void);
struct fault guarded(void (*access)(void *arg), void *arg);
struct fault store_bytes(volatile unsigned char *p, unsigned char val,
			 size_t n);

/* The outcome of touching one byte: a fault, or the value read. */
struct touch {
	int sig;
	int code;
	void *addr;
	unsigned char val;
};

struct touch touch(volatile unsigned char *p, bool write, unsigned char val);

static inline struct touch peek(const void *p)
{
	return touch((volatile unsigned char *)p, false, 0);
}

static inline struct touch poke(void *p, unsigned char val)
{
	return touch((volatile unsigned char *)p, true, val);
}

void *bad_address(void);
bool all_bytes(const void *p, size_t len, unsigned char c);
void *reserve(size_t len, size_t align);

/* ---- /proc/self/maps, smaps and pagemap ---- */

/* One line of /proc/self/maps. */
struct vma {
	uintptr_t start, end;
	char perms[5]; /* "rw-s" */
	unsigned long long off; /* the file offset of start */
};

int maps_read(int fd, struct vma *v, int max);
int maps_find(const struct vma *v, int n, const void *addr);
bool maps_line(const void *addr, unsigned long *start, unsigned long *end,
	       char perms[5], unsigned long long *offset);
bool maps_perms(const void *addr, char perms[5]);
bool smaps_field(const void *addr, const char *name, char *buf, size_t len);
long smaps_kb(const void *addr, const char *name);
bool vmflag(const void *addr, const char *flag);

/* /proc/self/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_PFN_MASK ((1ULL << 55) - 1)

uint64_t pagemap(const void *addr);
size_t pages_present(const void *addr, size_t n);

/* ---- small files: sysfs, debugfs, tracefs, cgroupfs ---- */

int write_str(const char *path, const char *val);
int read_line(const char *path, char *buf, size_t len);
char *slurp(const char *path);
char *slurp_fd(int fd);
const char *beside_me(const char *name, char *buf, size_t len);

/* ---- time, seeds, random numbers, running long ---- */

uint64_t now_ns(void);
long minflt(long *nivcsw);
__noreturn void die(const char *what);
uint64_t test_seed(void);
bool long_run(void);
uint64_t xorshift64s(uint64_t *state);
uint64_t splitmix64(uint64_t *state);

/* ---- child processes ---- */

/*
 * Two processes take turns through a pair of pipes: each side waits for the
 * other's byte before its next step.
 */
struct turns {
	int to_child[2];
	int to_parent[2];
};

int turns_init(struct turns *t);
void turn_give(int fd);
void turn_wait(int fd);
int become_nobody(void);
int open_as_nobody(const char *path, int oflags);
int wait_child(pid_t pid);
pid_t spawn_beside_me(const char *name, char *const argv[], int *out);
int fork_shares(unsigned char *p);
int wait_child_until(pid_t pid, uint64_t deadline, int *status);

/* ---- write notification (MMAPDEMO_IOC_WRITTEN) ---- */

long md_written(int fd, uint64_t off, uint64_t len, uint64_t *bits);
size_t bits_weight(const uint64_t *bits, size_t nbits);
short poll_events(int fd, short events, int timeout_ms);
int wait_asleep(pid_t tid, uint64_t timeout_ns);
bool kernel_at_least_patch(int major, int minor, int patch);
int md_param_bool(const char *name);

/* Is bit @i of the bitmap @bits (u64 words, as the ioctl fills) set? */
static inline bool bit_is_set(const uint64_t *bits, size_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

#endif /* MMAPDEMO_UTIL_H */
