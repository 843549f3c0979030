// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers every mmapdemo program links: see mmapdemo_util.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <ucontext.h>

#include "mmapdemo_util.h"

/* ---- the devices and their references ---- */

/* Open a new fd on the same file as @fd, with @flags (O_RDONLY, ...). */
int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

/* Resize the file behind @fd, whatever the backend. */
int backend_resize(enum backend b, int fd, uint64_t size)
{
	if (b == BACKEND_MMAPDEMO)
		return md_set_size(fd, size);
	return ftruncate(fd, (off_t)size);
}

/* A zero-filled file of @size bytes, open O_RDWR; -1 with errno on error. */
int backend_open(enum backend b, uint64_t size)
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

const char *backend_name(enum backend b)
{
	return b == BACKEND_MMAPDEMO ? MD_PATH : "memfd";
}

const char *kind_path(enum kind k, bool ref)
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
int kind_open(enum kind k, bool ref, int oflags, uint64_t size)
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

/* ---- the kernel we run on ---- */

/* Is this Linux @major.@minor or newer? */
bool kernel_at_least(int major, int minor)
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
bool zero_ro_shared_is_object(void)
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
bool write_grows_first(void)
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
bool path_noexec(const char *path)
{
	struct statvfs st;

	return statvfs(path, &st) == 0 && (st.f_flag & ST_NOEXEC);
}

/*
 * /sys/kernel/debug/fault_around_bytes: set it to @val (unless @val < 0)
 * and return what it was, or -1 where there is no debugfs to ask.
 */
long fault_around_bytes(long val)
{
	const char *path = "/sys/kernel/debug/fault_around_bytes";
	char buf[32];
	long old;

	if (read_line(path, buf, sizeof(buf)))
		return -1;
	old = atol(buf);
	if (val < 0)
		return old;
	snprintf(buf, sizeof(buf), "%ld", val);
	return write_str(path, buf) ? -1 : old;
}

/* ---- accesses that may fault ---- */

/*
 * One handler for SIGBUS and SIGSEGV, installed once and kept, with
 * SA_NODEFER so that siglongjmp() out of it leaves nothing blocked: an
 * access then costs no system call.  Each thread arms it for its own
 * access (the jump target is per thread).  A fault that no access armed is
 * said on stdout, then kills the process as it would have without us.
 */
static __thread sigjmp_buf *volatile fault_jmp;
static __thread volatile sig_atomic_t fault_sig, fault_code;
static __thread void *volatile fault_addr;
static volatile sig_atomic_t fault_handler_on;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *jb = fault_jmp;

	if (!jb) {
		unsigned long long ip = 0;
		char msg[160];
		int n;

#ifdef __x86_64__
		ip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#endif
		n = snprintf(
			msg, sizeof(msg),
			"# ERROR: signal %d (si_code %d) at %p, ip %#llx, outside a guarded access\n",
			sig, si->si_code, si->si_addr, ip);
		/* On stdout, as a TAP comment; if that fails, die all the same. */
		n = write(STDOUT_FILENO, msg, n);
		(void)n;
		signal(sig, SIG_DFL); /* it faults again, and kills us */
		return;
	}
	fault_jmp = NULL;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(*jb, 1);
}

/*
 * Install the handler now: for a program that wants a fault outside every
 * guarded access said from its start.  guarded() does it otherwise.
 */
void catch_faults(void)
{
	struct sigaction sa = { .sa_sigaction = fault_handler,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	fault_handler_on = 1;
}

/*
 * Run @access(@arg), an access to memory that may fault: what it ended in.
 * sigsetjmp() does not save the signal mask (see fault_handler()).  The
 * handler stays installed for the rest of the process, fork children
 * included.
 */
struct fault guarded(void (*access)(void *arg), void *arg)
{
	struct fault f = { 0 };
	sigjmp_buf jb;

	if (!fault_handler_on)
		catch_faults();
	if (sigsetjmp(jb, 0)) {
		f.sig = fault_sig;
		f.code = fault_code;
		f.addr = fault_addr;
		return f;
	}
	fault_jmp = &jb;
	access(arg);
	fault_jmp = NULL;
	return f;
}

struct byte_access {
	volatile unsigned char *p;
	size_t n;
	bool write;
	unsigned char val;
};

static void access_bytes(void *arg)
{
	struct byte_access *a = arg;

	if (!a->write) {
		a->val = *a->p;
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		a->p[i] = a->val;
}

/* Store @n bytes of @val at @p, catching SIGBUS and SIGSEGV. */
struct fault store_bytes(volatile unsigned char *p, unsigned char val, size_t n)
{
	struct byte_access a = { .p = p, .n = n, .write = true, .val = val };

	return guarded(access_bytes, &a);
}

/* Read (@write false) or store @val at @p, catching SIGBUS and SIGSEGV. */
struct touch touch(volatile unsigned char *p, bool write, unsigned char val)
{
	struct byte_access a = { .p = p, .n = 1, .write = write, .val = val };
	struct fault f = guarded(access_bytes, &a);
	struct touch t = { .sig = f.sig, .code = f.code, .addr = f.addr };

	if (!write && !f.sig)
		t.val = a.val;
	return t;
}

/* An address no process maps, hidden from the compiler's checks. */
void *bad_address(void)
{
	static volatile uintptr_t bad = 1;

	return (void *)bad;
}

/* True if every byte of [p, p + len) is @c. */
bool all_bytes(const void *p, size_t len, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != c)
			return false;
	return true;
}

/*
 * Address space for @len bytes at an @align-aligned address (a power of
 * two), held by a PROT_NONE reservation that a mmap(MAP_FIXED) then
 * replaces; MAP_FAILED if there is none.
 */
void *reserve(size_t len, size_t align)
{
	char *r, *p;

	r = mmap(NULL, len + align, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)(((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1));
	if (p > r)
		munmap(r, p - r);
	munmap(p + len, r + len + align - (p + len));
	return p;
}

/* ---- /proc/self/maps, smaps and pagemap ---- */

/*
 * Every line of /proc/self/maps, in address order, into @v (up to @max):
 * how many, or -1 with errno.  @fd is /proc/self/maps kept open (reading it
 * again from offset 0 walks the VMAs afresh), or -1 to open it for this
 * call.  The text goes through one static buffer: one thread at a time.
 */
int maps_read(int fd, struct vma *v, int max)
{
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t r;
	char *line, *end;
	int own = fd < 0, nv = 0;

	if (own)
		fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((r = pread(fd, buf + n, sizeof(buf) - 1 - n, n)) > 0)
		n += r;
	if (own)
		close(fd);
	if (r < 0)
		return -1;
	buf[n] = '\0';
	for (line = buf; *line && nv < max; line = end + 1) {
		v[nv].start = strtoul(line, &end, 16);
		v[nv].end = strtoul(end + 1, &end, 16);
		end = strchr(end, ' ');
		/* Only whole lines: the buffer may end inside one. */
		if (!end || !strchr(end, '\n'))
			break;
		memcpy(v[nv].perms, end + 1, 4);
		v[nv].perms[4] = '\0';
		v[nv].off = strtoull(end + 6, &end, 16);
		nv++;
		end = strchr(end, '\n');
	}
	return nv;
}

/* The line of @v (@n of them, from maps_read()) holding @addr, or -1. */
int maps_find(const struct vma *v, int n, const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (a < v[mid].start)
			hi = mid - 1;
		else if (a >= v[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/*
 * The /proc/self/maps line that holds @addr: its range [@start, @end), its
 * permission column ("rw-s", ...) and its file offset, each stored where
 * the pointer is not NULL.  False if no line holds @addr.
 */
bool maps_line(const void *addr, unsigned long *start, unsigned long *end,
	       char perms[5], unsigned long long *offset)
{
	static struct vma v[8192];
	int i = maps_find(v, maps_read(-1, v, ARRAY_SIZE(v)), addr);

	if (i < 0)
		return false;
	if (start)
		*start = v[i].start;
	if (end)
		*end = v[i].end;
	if (perms)
		memcpy(perms, v[i].perms, 5);
	if (offset)
		*offset = v[i].off;
	return true;
}

/* The permission column of the maps line that holds @addr; see above. */
bool maps_perms(const void *addr, char perms[5])
{
	return maps_line(addr, NULL, NULL, perms, NULL);
}

/*
 * The value of field @name ("Rss", "VmFlags", ...) in the /proc/self/smaps
 * entry of the VMA that holds @addr, copied to @buf (without the name and
 * the padding).  False if there is no such VMA or field.
 */
bool smaps_field(const void *addr, const char *name, char *buf, size_t len)
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
long smaps_kb(const void *addr, const char *name)
{
	char buf[64];

	return smaps_field(addr, name, buf, sizeof(buf)) ? atol(buf) : -1;
}

/* Is the two-letter VmFlags mnemonic @flag set on the VMA holding @addr? */
bool vmflag(const void *addr, const char *flag)
{
	char flags[256], *save;

	if (!smaps_field(addr, "VmFlags", flags, sizeof(flags)))
		return false;
	for (char *f = strtok_r(flags, " ", &save); f;
	     f = strtok_r(NULL, " ", &save))
		if (!strcmp(f, flag))
			return true;
	return false;
}

/* The pagemap entry of the page holding @addr (0 if unreadable). */
uint64_t pagemap(const void *addr)
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
size_t pages_present(const void *addr, size_t n)
{
	size_t present = 0;

	for (size_t i = 0; i < n; i++)
		if (pagemap((const char *)addr + i * page_size()) & PM_PRESENT)
			present++;
	return present;
}

/* ---- small files: sysfs, debugfs, tracefs, cgroupfs ---- */

/*
 * Write @val to a file of sysfs, debugfs, tracefs or cgroupfs, which take
 * a value in one write(): 0, or -1 with errno.
 */
int write_str(const char *path, const char *val)
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
 * The first line of a small file, without its newline, in @buf (empty if
 * it cannot be read): 0, or -1 with errno.
 */
int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Everything @fd gives until its end, in a buffer to free; NULL if none. */
char *slurp_fd(int fd)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return NULL;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

/* The path of @name in this program's directory, in @buf; NULL if none. */
const char *beside_me(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return NULL;
	self[n] = '\0';
	snprintf(buf, len, "%s/%s", dirname(self), name);
	return buf;
}

/*
 * Start the program @name from this program's directory, with @argv, its
 * standard output into a pipe: the child's pid, and in @out the pipe's end
 * to read.  -1 if it could not be started.
 */
pid_t spawn_beside_me(const char *name, char *const argv[], int *out)
{
	char path[PATH_MAX + 64];
	int pipefd[2];
	pid_t pid;

	if (!beside_me(name, path, sizeof(path)) || pipe2(pipefd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(path, argv);
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (pid < 0)
		close(pipefd[0]);
	else
		*out = pipefd[0];
	return pid;
}

/* The whole of a (small) file, in a buffer to free; NULL if unreadable. */
char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = slurp_fd(fd);
	close(fd);
	return buf;
}

/* ---- time, seeds, random numbers, running long ---- */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The minor faults this process took; its involuntary switches too. */
long minflt(long *nivcsw)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (nivcsw)
		*nivcsw = ru.ru_nivcsw;
	return ru.ru_minflt;
}

/* Say what failed, with errno, and exit 1. */
void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(errno));
	exit(1);
}

/*
 * The seed of a randomized test: $MMAPDEMO_SEED, else a fresh one from the
 * clock.  Each randomized test prints it first, as "# seed N", so that
 * MMAPDEMO_SEED=N replays the run.
 */
uint64_t test_seed(void)
{
	const char *s = getenv("MMAPDEMO_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec) %
	       1000000000u;
}

/*
 * MMAPDEMO_LONG=1 (mmapdemo.sh --long, which make check uses): the long
 * runs of the tests that have one, else the short ones a kselftest run
 * fits in its timeout.
 */
bool long_run(void)
{
	const char *s = getenv("MMAPDEMO_LONG");

	return s && *s && strcmp(s, "0");
}

/* xorshift64*: fast, and good enough to pick operations; never 0. */
uint64_t xorshift64s(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* splitmix64: every state a good output, so seeds in a row are apart. */
uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- child processes ---- */

int turns_init(struct turns *t)
{
	if (pipe(t->to_child))
		return -1;
	return pipe(t->to_parent);
}

void turn_give(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(99);
}

void turn_wait(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(98);
}

/* Drop to user and group nobody (65534), for good: 0, or -1 with errno. */
int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/*
 * Open @path as @oflags in a child that dropped to user and group nobody:
 * 0 if it may, 1 if EACCES, 90 or more on another failure.
 */
int open_as_nobody(const char *path, int oflags)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 99;
	if (pid == 0) {
		if (become_nobody())
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
int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Store 'p' at @p[100], then fork a child that must see it there and
 * stores 'c' at @p[200]: the child's status (0: it saw), or -1 if fork()
 * failed.  Through a shared mapping the parent then sees the 'c'.
 */
int fork_shares(unsigned char *p)
{
	pid_t pid;

	p[100] = 'p';
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (p[100] != 'p')
			_exit(1);
		p[200] = 'c';
		_exit(0);
	}
	return wait_child(pid);
}

/*
 * Wait for @pid until CLOCK_MONOTONIC passes @deadline (now_ns()): 0 with
 * its wait status in @status; 1 if it still runs then (it is left as it
 * is); -1 with errno if waitpid() fails.  It polls, from 50 us to 10 ms.
 */
int wait_child_until(pid_t pid, uint64_t deadline, int *status)
{
	struct timespec ts = { 0, 50000 };

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ns() > deadline)
			return 1;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 10000000)
			ts.tv_nsec *= 2;
	}
}

/* ---- write notification (MMAPDEMO_IOC_WRITTEN) ---- */

/* Report the written pages of [@off, @off + @len) in @bits: how many. */
long md_written(int fd, uint64_t off, uint64_t len, uint64_t *bits)
{
	struct mmapdemo_written w = { .offset = off,
				      .length = len,
				      .bitmap = (uintptr_t)bits };

	if (ioctl(fd, MMAPDEMO_IOC_WRITTEN, &w))
		return -1;
	return (long)w.nr_written;
}

/* How many of the first @nbits bits of @bits are set. */
size_t bits_weight(const uint64_t *bits, size_t nbits)
{
	size_t n = 0;

	for (size_t i = 0; i < nbits; i++)
		n += bit_is_set(bits, i);
	return n;
}

/* What poll() returns in revents for @fd and @events within @timeout_ms. */
short poll_events(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	return poll(&pfd, 1, timeout_ms) < 0 ? -1 : pfd.revents;
}

/* Wait until thread @tid sleeps (as in poll()): 0, -1 on timeout. */
int wait_asleep(pid_t tid, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
	struct timespec ts = { 0, 1000000 };
	char path[64], buf[512], *paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	do {
		if (read_line(path, buf, sizeof(buf)))
			return -1;
		paren = strrchr(buf, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'S')
			return 0;
		nanosleep(&ts, NULL);
	} while (now_ns() < deadline);
	return -1;
}

/* Is this Linux @major.@minor.@patch or newer (uname's release)? */
bool kernel_at_least_patch(int major, int minor, int patch)
{
	struct utsname u;
	int a = 0, b = 0, c = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d.%d", &a, &b, &c);
	if (a != major)
		return a > major;
	return b > minor || (b == minor && c >= patch);
}

/* The mmapdemo module's bool parameter @name: 1 (Y), 0 (N), -1 if none. */
int md_param_bool(const char *name)
{
	char path[128], buf[8];

	snprintf(path, sizeof(path), "/sys/module/mmapdemo/parameters/%s",
		 name);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return buf[0] == 'Y' || buf[0] == '1';
}
