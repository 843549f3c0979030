/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mmapdemo selftests: the device and its reference
 * (memfd) behind one interface, catching SIGBUS/SIGSEGV with their si_code,
 * /proc/self/maps, and ordering two processes with pipes.
 */
#ifndef MMAPDEMO_UTIL_H
#define MMAPDEMO_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
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

#define MD_PATH "/dev/mmapdemo"
#define MD_ANON_PATH "/dev/mmapdemo-anon"
#define MD_HUGE_PATH "/dev/mmapdemo-huge"

static inline size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A "backend" is what a test maps: /dev/mmapdemo, or a memfd, the kernel's
 * own file-in-memory, which shows what Linux does for a file.  Tests that
 * run on both prove their expectations on the reference first.
 */
enum backend { BACKEND_MMAPDEMO, BACKEND_MEMFD };

/* Open a new fd on the same file as @fd, with @flags (O_RDONLY, ...). */
static inline int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

static inline int md_info(int fd, struct mmapdemo_info *info)
{
	return ioctl(fd, MMAPDEMO_IOC_GET_INFO, info);
}

static inline int md_set_size(int fd, uint64_t size)
{
	return ioctl(fd, MMAPDEMO_IOC_SET_SIZE, &size);
}

/* Resize the file behind @fd, whatever the backend. */
static inline int backend_resize(enum backend b, int fd, uint64_t size)
{
	if (b == BACKEND_MMAPDEMO)
		return md_set_size(fd, size);
	return ftruncate(fd, (off_t)size);
}

/* A zero-filled file of @size bytes, open O_RDWR; -1 with errno on error. */
static inline int backend_open(enum backend b, uint64_t size)
{
	int fd;

	if (b == BACKEND_MMAPDEMO)
		fd = open(MD_PATH, O_RDWR | O_CLOEXEC);
	else
		fd = memfd_create("mmapdemo-reference", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Through zero, so that no old byte survives. */
	if (backend_resize(b, fd, 0) || backend_resize(b, fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline const char *backend_name(enum backend b)
{
	return b == BACKEND_MMAPDEMO ? MD_PATH : "memfd";
}

/*
 * The outcome of touching one byte: 0 and the value, or the signal that the
 * access raised, with si_code and the faulting address.
 */
struct touch {
	int sig;
	int code;
	void *addr;
	unsigned char val;
};

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touch_sig, touch_code;
static void *volatile touch_addr;

static void touch_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	touch_sig = sig;
	touch_code = si->si_code;
	touch_addr = si->si_addr;
	siglongjmp(touch_jmp, 1);
}

/* Read (@write false) or store @val at @p, catching SIGBUS and SIGSEGV. */
static inline struct touch touch(volatile unsigned char *p, bool write,
				 unsigned char val)
{
	struct sigaction sa = { .sa_sigaction = touch_handler,
				.sa_flags = SA_SIGINFO };
	struct sigaction old_bus, old_segv;
	struct touch t = { 0 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	touch_sig = 0;
	if (sigsetjmp(touch_jmp, 1) == 0) {
		if (write)
			*p = val;
		else
			t.val = *p;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	t.sig = touch_sig;
	t.code = touch_code;
	t.addr = touch_addr;
	return t;
}

static inline struct touch peek(const void *p)
{
	return touch((volatile unsigned char *)p, false, 0);
}

static inline struct touch poke(void *p, unsigned char val)
{
	return touch((volatile unsigned char *)p, true, val);
}

/* An address no process maps, hidden from the compiler's checks. */
static inline void *bad_address(void)
{
	static volatile uintptr_t bad = 1;

	return (void *)bad;
}

/* True if every byte of [p, p + len) is @c. */
static inline bool all_bytes(const void *p, size_t len, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != c)
			return false;
	return true;
}

/*
 * Write @val to a file of sysfs, debugfs, tracefs or cgroupfs, which take
 * a value in one write(): 0, or -1 with errno.
 */
static inline int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * The /proc/self/maps line that holds @addr: its range [@start, @end), its
 * permission column ("rw-s", ...) and its file offset, each stored where
 * the pointer is not NULL.  False if no line holds @addr.
 */
static inline bool maps_line(const void *addr, unsigned long *start,
			     unsigned long *end, char perms[5],
			     unsigned long long *offset)
{
	unsigned long a = (unsigned long)addr, s, e;
	unsigned long long off;
	char line[512], p[5];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s %llx", &s, &e, p, &off) == 4 &&
		    a >= s && a < e)
			found = true;
	fclose(f);
	if (!found)
		return false;
	if (start)
		*start = s;
	if (end)
		*end = e;
	if (perms)
		memcpy(perms, p, sizeof(p));
	if (offset)
		*offset = off;
	return true;
}

/* The permission column of the maps line that holds @addr; see above. */
static inline bool maps_perms(const void *addr, char perms[5])
{
	return maps_line(addr, NULL, NULL, perms, NULL);
}

/*
 * A device and its reference, by kind: the file device against a memfd, the
 * anonymous-style device against /dev/zero.
 */
enum kind { KIND_FILE, KIND_ANON };

static inline const char *kind_path(enum kind k, bool ref)
{
	if (k == KIND_FILE)
		return ref ? "memfd" : MD_PATH;
	return ref ? "/dev/zero" : MD_ANON_PATH;
}

/*
 * Open the device of kind @k, or its reference if @ref, with @oflags
 * (O_RDONLY, O_WRONLY or O_RDWR).  A file starts as @size zero bytes.
 * Returns the fd, or -1 with errno (ENOENT: the module is not loaded).
 */
static inline int kind_open(enum kind k, bool ref, int oflags, uint64_t size)
{
	int fd, rw;

	if (k == KIND_ANON)
		return open(kind_path(k, ref), oflags | O_CLOEXEC);
	rw = backend_open(ref ? BACKEND_MEMFD : BACKEND_MMAPDEMO, size);
	if (rw < 0 || (oflags & O_ACCMODE) == O_RDWR)
		return rw;
	fd = reopen(rw, oflags);
	close(rw);
	return fd;
}

/* Is this Linux @major.@minor or newer? */
static inline bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &a, &b);
	return a > major || (a == major && b >= minor);
}

/*
 * Is MAP_SHARED of /dev/zero opened read-only a shared object, as in 7.x,
 * or private anonymous memory, as before?  An object covers offsets 0 to
 * its size only: a mapping at page offset 1 gets SIGBUS.
 */
static inline bool zero_ro_shared_is_object(void)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	unsigned char *p;
	bool object;

	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd, page_size());
	close(fd);
	if (p == MAP_FAILED)
		return false;
	object = peek(p).sig == SIGBUS;
	munmap(p, page_size());
	return object;
}

/*
 * Does a write that copies nothing still move a file's size to where it
 * began?  tmpfs does since 6.14, which no longer faults the source in
 * first.  Probed on a memfd.
 */
static inline bool write_grows_first(void)
{
	int fd = memfd_create("probe", MFD_CLOEXEC);
	bool grows;

	if (fd < 0)
		return false;
	grows = pwrite(fd, bad_address(), 1, 4096) < 0 &&
		lseek(fd, 0, SEEK_END) == 4096;
	close(fd);
	return grows;
}

/* Does the filesystem holding @path forbid PROT_EXEC mappings (noexec)? */
static inline bool path_noexec(const char *path)
{
	struct statvfs st;

	return statvfs(path, &st) == 0 && (st.f_flag & ST_NOEXEC);
}

/*
 * The value of field @name ("Rss", "VmFlags", ...) in the /proc/self/smaps
 * entry of the VMA that holds @addr, copied to @buf (without the name and
 * the padding).  False if there is no such VMA or field.
 */
static inline bool smaps_field(const void *addr, const char *name, char *buf,
			       size_t len)
{
	unsigned long a = (unsigned long)addr, start, end;
	size_t n = strlen(name);
	bool inside = false, found = false;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= start && a < end;
			continue;
		}
		if (inside && !strncmp(line, name, n) && line[n] == ':') {
			const char *v = line + n + 1;
			size_t vlen;

			while (*v == ' ')
				v++;
			vlen = strcspn(v, "\n");
			if (vlen >= len)
				vlen = len - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* A size field of smaps ("Rss", "Anonymous", ...) in kB; -1 if absent. */
static inline long smaps_kb(const void *addr, const char *name)
{
	char buf[64];

	return smaps_field(addr, name, buf, sizeof(buf)) ? atol(buf) : -1;
}

/* Is the two-letter VmFlags mnemonic @flag set on the VMA holding @addr? */
static inline bool vmflag(const void *addr, const char *flag)
{
	char flags[256];

	if (!smaps_field(addr, "VmFlags", flags, sizeof(flags)))
		return false;
	for (char *f = strtok(flags, " "); f; f = strtok(NULL, " "))
		if (!strcmp(f, flag))
			return true;
	return false;
}

/* /proc/self/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)

/* The pagemap entry of the page holding @addr (0 if unreadable). */
static inline uint64_t pagemap(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e),
		  (off_t)((uintptr_t)addr / page_size() * sizeof(e))) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return e;
}

/* How many of the @n pages from @addr are present in the page table. */
static inline size_t pages_present(const void *addr, size_t n)
{
	size_t present = 0;

	for (size_t i = 0; i < n; i++)
		if (pagemap((const char *)addr + i * page_size()) & PM_PRESENT)
			present++;
	return present;
}

/*
 * Two processes take turns through a pair of pipes: each side waits for the
 * other's byte before its next step.
 */
struct turns {
	int to_child[2];
	int to_parent[2];
};

static inline int turns_init(struct turns *t)
{
	if (pipe(t->to_child))
		return -1;
	return pipe(t->to_parent);
}

static inline void turn_give(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(99);
}

static inline void turn_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(98);
}

/*
 * Open @path as @oflags in a child that dropped to user and group nobody:
 * 0 if it may, 1 if EACCES, 90 or more on another failure.
 */
static inline int open_as_nobody(const char *path, int oflags)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 99;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(90);
		if (open(path, oflags | O_CLOEXEC) >= 0)
			_exit(0);
		_exit(errno == EACCES ? 1 : 91);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 98;
	return WEXITSTATUS(status);
}

/* Wait for @pid; its exit status, or 128 + the signal that killed it. */
static inline int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

#endif /* MMAPDEMO_UTIL_H */
