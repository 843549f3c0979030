// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-tour: the four kinds of mapping, step by step.  `make demo` runs
 * it in a VM, right after loading the module.
 *
 * For each kind (file MAP_SHARED, file MAP_PRIVATE, anonymous MAP_SHARED,
 * anonymous MAP_PRIVATE) the tour maps 8 pages, touches a few, forks a child
 * that writes to one, and asks whether the parent sees that write.  Then it
 * watches a shared mapping of the file for writes (MMAPDEMO_IOC_WRITTEN).
 * After each step it prints one row:
 *  - a grid with one letter per page of the mapping, from /proc/self/pagemap:
 *    not present, the device's page, its zero page, or a private copy (see
 *    legend());
 *  - the page faults the process took for the step's one access
 *    (getrusage), and the calls the driver's fault handler saw, by path,
 *    its write notifications and its fault-around windows (the
 *    MMAPDEMO_IOC_GET_INFO counters);
 *  - the mapping's /proc/self/smaps lines: Rss, Shared_Clean/Dirty,
 *    Private_Clean/Dirty, Anonymous.
 * `--explain` adds, after each row, what the kernel did and why.
 *
 * The output holds no address, PID or timing: it is the same on every run,
 * and tour_test compares it with mmapdemo-tour.expected, so that a change
 * of behaviour fails the selftests.  After a deliberate change, regenerate
 * that file from the tour's output in the VM.
 *
 * It needs root (/dev/mmapdemo is 0600, and pagemap shows frame numbers to
 * CAP_SYS_ADMIN only), 4 KiB pages and the default fault-around window.
 */
#include <ctype.h>
#include <poll.h>
#include <sys/resource.h>

#include "mmapdemo_util.h"

#define NPAGES 8 /* the pages of each mapping */
#define WINDOW 65536 /* fault_around_bytes' default: 16 pages */

#define PARENT_BYTE 'P' /* what the parent writes */
#define CHILD_BYTE 'c' /* what the child writes */

static size_t ps;
static bool explain;

/*
 * The frame of the kernel's zero page, which a MAP_PRIVATE anonymous
 * mapping, the driver's as MAP_ANONYMOUS memory, maps where it was only
 * read.  Zero where pagemap hides frame numbers (without CAP_SYS_ADMIN).
 */
static uint64_t zero_page_pfn;

/* One mapping being toured. */
struct mapping {
	const char *name; /* "file MAP_SHARED", ... */
	int fd; /* the device, open O_RDWR: mmap() and its counters */
	int type; /* MAP_SHARED or MAP_PRIVATE */
	bool zero_backed; /* what it has not written reads as the zero page */
	unsigned char *p; /* NPAGES pages, or NULL once unmapped */
	const char *who; /* "" in the parent, "child: " in a fork child */
	struct mmapdemo_info before; /* the counters when the step began */
	long faults; /* the process's page faults for the step, or -1 */
};

/* Print @text, a paragraph of lines ending in '\n', indented. */
static void prose(const char *text)
{
	const char *nl;

	if (!explain || !text)
		return;
	for (; *text; text = nl + 1) {
		nl = strchrnul(text, '\n');
		if (nl > text)
			printf("    %.*s", (int)(nl - text), text);
		putchar('\n');
		if (!*nl)
			break;
	}
	putchar('\n');
}

static struct mmapdemo_info counters(const struct mapping *m)
{
	struct mmapdemo_info info;

	if (md_info(m->fd, &info))
		die("MMAPDEMO_IOC_GET_INFO");
	return info;
}

/*
 * The page faults this process has taken, major and minor.  The kernel
 * counts a fault once it is resolved, whichever path resolved it.
 */
static long __attribute__((noinline)) faults_so_far(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* A step begins: note the driver's counters, to print what changed. */
static void begin(struct mapping *m)
{
	m->before = counters(m);
	m->faults = -1;
}

/*
 * Read (@val < 0) or write @val at the start of page @i, and count the page
 * faults that this one access took.  Nothing else may fault in between:
 * after fork() even a store to the stack faults (to copy it), so a first
 * call to faults_so_far() writes every byte of stack the other two use.
 */
static unsigned char access_page(struct mapping *m, int i, int val)
{
	volatile unsigned char *b = m->p + (size_t)i * ps;
	unsigned char got = 0;
	long before;

	begin(m);
	faults_so_far();
	before = faults_so_far();
	if (val < 0)
		got = *b;
	else
		*b = (unsigned char)val;
	m->faults = faults_so_far() - before;
	return got;
}

static unsigned char read_page(struct mapping *m, int i)
{
	return access_page(m, i, -1);
}

static void write_page(struct mapping *m, int i, unsigned char val)
{
	access_page(m, i, val);
}

/*
 * One page as the grid shows it, from its pagemap entry: bit 63 present,
 * bit 61 a "file" page (any page that is not anonymous), bit 56 mapped
 * exactly once, bits 0-54 the frame number.
 */
static char page_state(const struct mapping *m, uint64_t e)
{
	uint64_t pfn = e & PM_PFN_MASK;
	char c;

	if (!(e & PM_PRESENT))
		return '.';
	/* No count of its mappings: never lower case. */
	if (pfn && pfn == zero_page_pfn)
		return 'Z';
	/* No frame numbers: the only page pagemap counts nowhere. */
	if (!pfn && !(e & PM_FILE) && m->zero_backed && !(e & PM_EXCLUSIVE))
		return 'Z';
	c = (e & PM_FILE) ? 'D' : 'C';
	return (e & PM_EXCLUSIVE) ? c : (char)tolower(c);
}

static void grid(const struct mapping *m, char out[NPAGES + 1])
{
	uint64_t e[NPAGES] = { 0 };
	int fd, i;

	memset(out, '.', NPAGES);
	out[NPAGES] = '\0';
	if (!m->p)
		return;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("/proc/self/pagemap");
	if (pread(fd, e, sizeof(e), (off_t)((uintptr_t)m->p / ps * 8)) !=
	    sizeof(e))
		die("reading /proc/self/pagemap");
	close(fd);
	for (i = 0; i < NPAGES; i++)
		out[i] = page_state(m, e[i]);
}

/* The column heads, and what the letters of the grid mean. */
static void legend(void)
{
	puts("Each row is one step: mmap, munmap, or a read or write of the first byte\n"
	     "of page N (\"read N\", \"write N\").  Rows that start \"child:\" are the\n"
	     "fork child's own view; the parent writes 'P', the child 'c'.\n"
	     "pages: one letter per page of the mapping, from /proc/self/pagemap:\n"
	     "  .  not present: no page-table entry yet\n"
	     "  D  the device's page: a page of the file, or of the shared object\n"
	     "     (pagemap: present, a file page)\n"
	     "  Z  the kernel's zero page, mapped read-only where a private\n"
	     "     anonymous mapping was only read (told apart by its frame\n"
	     "     number; it is never counted as mapped, so never lower case)\n"
	     "  C  a private copy: an anonymous page of the process (copy-on-write)\n"
	     "  lower case: that page is mapped more than once (pagemap bit 56\n"
	     "     clear): by a fork child too\n"
	     "cpu flt: page faults the process took for the step's one access.\n"
	     "driver rd/wr/cow: calls of the driver's fault handler, by path: read,\n"
	     "  write to a shared mapping, write to a private one (copy-on-write);\n"
	     "  ntf: calls of its ->page_mkwrite(), told of a first write.\n"
	     "around win/pgs: fault-around windows mapped, and the pages they spanned.\n"
	     "device pgs/map: the pages the device holds, and its mappings (VMAs).\n"
	     "smaps (kB): the mapping's Rss, Shared_Clean, Shared_Dirty,\n"
	     "  Private_Clean, Private_Dirty and Anonymous lines.\n"
	     "'-': nothing to count (no access, or no mapping left).");
}

static void header(const struct mapping *m, const char *what)
{
	/* With --explain, a blank line ends every paragraph already. */
	printf("%s== %s: %s\n", explain ? "" : "\n", m->name, what);
}

static void table_head(void)
{
	printf("%-15s %-8s %3s %-13s %-7s %-7s %s\n", "", "pages", "cpu",
	       "driver", "around", "device", "smaps (kB)");
	printf("%-15s %-8s %3s %2s %2s %3s %3s %3s %3s %3s %3s %3s %3s %3s %3s %3s %4s\n",
	       "step", "01234567", "flt", "rd", "wr", "cow", "ntf", "win",
	       "pgs", "pgs", "map", "Rss", "ShC", "ShD", "PrC", "PrD", "Anon");
}

/* A count, or "-" for nothing to count (-1), right-aligned in @width. */
static void column(long v, int width)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else
		printf(" %*ld", width, v);
}

/*
 * The row of a step: its title, the page grid, what the process and the
 * driver counted since begin(), the device's totals and the smaps lines.
 * Then, with --explain, @why.
 */
static void row(struct mapping *m, const char *title, const char *why)
{
	static const char *const smaps[] = { "Rss",	      "Shared_Clean",
					     "Shared_Dirty",  "Private_Clean",
					     "Private_Dirty", "Anonymous" };
	struct mmapdemo_info a = m->before, b = counters(m);
	char pages[NPAGES + 1], t[64];

	grid(m, pages);
	snprintf(t, sizeof(t), "%s%s", m->who, title);
	printf("%-15s %-8s", t, pages);
	column(m->faults, 3);
	column((long)(b.read_faults - a.read_faults), 2);
	column((long)(b.write_faults - a.write_faults), 2);
	column((long)(b.cow_faults - a.cow_faults), 3);
	column((long)(b.write_notifies - a.write_notifies), 3);
	column((long)(b.around_windows - a.around_windows), 3);
	column((long)(b.around_pages - a.around_pages), 3);
	column((long)b.nr_pages, 3);
	column((long)b.nr_mappings, 3);
	for (size_t i = 0; i < ARRAY_SIZE(smaps); i++)
		column(m->p ? smaps_kb(m->p, smaps[i]) : -1,
		       i + 1 < ARRAY_SIZE(smaps) ? 3 : 4);
	putchar('\n');
	if (explain)
		putchar('\n');
	prose(why);
	m->faults = -1;
}

/* A byte as the tour prints it: 'c', or its value. */
static void print_byte(unsigned char c)
{
	if (isprint(c))
		printf("'%c'", c);
	else
		printf("%d", c);
}

/*
 * NPAGES pages of @m's device, at an address aligned to the fault-around
 * window: then one window covers the whole mapping, wherever the kernel
 * would have put it.  A larger reservation is trimmed around it.
 */
static void map(struct mapping *m)
{
	size_t len = NPAGES * ps;
	void *p = reserve(len, WINDOW);

	if (p == MAP_FAILED)
		die("mmap (reserving)");
	m->p = mmap(p, len, PROT_READ | PROT_WRITE, m->type | MAP_FIXED, m->fd,
		    0);
	if (m->p == MAP_FAILED)
		die(m->name);
}

/* The first step of a kind, after the table's head; its prose follows. */
static void step_mmap(struct mapping *m)
{
	table_head();
	begin(m);
	map(m);
	row(m, "mmap", NULL);
}

/* The last step of a kind; its prose follows. */
static void step_munmap(struct mapping *m)
{
	begin(m);
	munmap(m->p, NPAGES * ps);
	m->p = NULL;
	row(m, "munmap", NULL);
}

/* What a fork child does: its view, then its write. */
struct fork_plan {
	const char *view_why; /* the child's grid right after fork() */
	int child_page; /* the page it writes CHILD_BYTE to */
	const char *write_why;
	int parent_page; /* the page the parent then reads */
	const char *read_why;
	const char *exit_why;
};

/*
 * Fork; the child shows what it inherited and writes to a page, then waits
 * while the parent reads that page and shows its own view; then the child
 * exits.  Both print to the same stdout, one after the other.
 */
static void step_fork(struct mapping *m, const struct fork_plan *f)
{
	char title[32];
	struct turns t;
	unsigned char got;
	pid_t pid;

	if (turns_init(&t))
		die("pipe");
	begin(m);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		m->who = "child: ";
		row(m, "forked", f->view_why);
		write_page(m, f->child_page, CHILD_BYTE);
		snprintf(title, sizeof(title), "write %d", f->child_page);
		row(m, title, f->write_why);
		fflush(stdout);
		turn_give(t.to_parent[1]);
		turn_wait(t.to_child[0]);
		_exit(0);
	}
	turn_wait(t.to_parent[0]);
	got = read_page(m, f->parent_page);
	snprintf(title, sizeof(title), "parent: read %d", f->parent_page);
	row(m, title, f->read_why);
	printf("-> the parent reads ");
	print_byte(got);
	printf(" at page %d: %s\n", f->parent_page,
	       got == CHILD_BYTE ? "it sees the child's write" :
				   "the child's write is not seen here");
	if (explain)
		putchar('\n');

	begin(m);
	turn_give(t.to_child[1]);
	if (wait_child(pid) != 0) {
		fprintf(stderr, "mmapdemo-tour: the child failed\n");
		exit(1);
	}
	close(t.to_child[0]);
	close(t.to_child[1]);
	close(t.to_parent[0]);
	close(t.to_parent[1]);
	row(m, "child exits", f->exit_why);
}

/* The file's bytes at the start of two pages, as read() sees them. */
static void file_bytes(int fd, int a, int b)
{
	unsigned char x = 0, y = 0;

	if (pread(fd, &x, 1, (off_t)(a * ps)) != 1 ||
	    pread(fd, &y, 1, (off_t)(b * ps)) != 1)
		die("pread");
	printf("-> read() of the file: page %d holds ", a);
	print_byte(x);
	printf(", page %d holds ", b);
	print_byte(y);
	putchar('\n');
	if (explain)
		putchar('\n');
}

static const char why_fork_no_copy[] =
	"fork() copies the VMA (the driver's vm_ops->open() counts a second\n"
	"mapping) but not its page-table entries: a VMA without anonymous\n"
	"pages is filled in just as well by faults (vma_needs_copy() in\n"
	"mm/memory.c), so the child starts with nothing mapped.\n";

static const char why_fork_copy[] =
	"This VMA has anonymous pages (an anon_vma), so fork() copies every\n"
	"page-table entry (copy_page_range()): the child sees what the parent\n"
	"sees, and every page is now mapped twice (lower case).  fork() also\n"
	"write-protected the private copies, in both processes: they are\n"
	"copy-on-write again, between parent and child.\n";

static const char why_exit_shared[] =
	"The child's exit unmaps its VMA (vm_ops->close(): one mapping less),\n"
	"and the pages are the parent's alone again: Private in smaps.\n";

static const char why_exit_private[] =
	"The child's exit unmaps its VMA and frees its copies; each page the\n"
	"parent maps is mapped once again (upper case).\n";

static void tour_file_shared(struct mapping *m)
{
	static const struct fork_plan f = {
		.view_why = why_fork_no_copy,
		.child_page = 5,
		.write_why =
			"A write fault in a shared mapping: do_shared_fault() calls the\n"
			"driver's ->fault() with FAULT_FLAG_WRITE, which returns the\n"
			"file's page 5 locked, then ->page_mkwrite(); the core maps the\n"
			"page writable and dirty.  The core does no fault-around for\n"
			"writes: one write fault, one page.  Now two processes map pages\n"
			"of the file: smaps counts them as Shared_Dirty.\n",
		.parent_page = 5,
		.read_why =
			"The parent's page 5 is the very page of the file that the child\n"
			"wrote to: no fault, no copy.  Each page is mapped by both\n"
			"processes (lower case).\n",
		.exit_why = why_exit_shared,
	};

	header(m, "mmap(/dev/mmapdemo, 8 pages, MAP_SHARED)");
	prose("/dev/mmapdemo is a file that lives in driver memory: its pages are\n"
	      "in a page cache, as a tmpfs file's are.  The tour sets it to 8 pages\n"
	      "and maps them at an address aligned to 64 KiB, the fault-around\n"
	      "window (fault_around_bytes: 16 pages), so one window covers the\n"
	      "whole mapping.\n");
	step_mmap(m);
	prose("mmap() only built a VMA with the driver's vm_operations, as\n"
	      "mmapdemo_file_mmap_prepare() asked: nothing is mapped, Rss is 0, the\n"
	      "driver saw no fault.  The device holds the file's 8 pages, and\n"
	      "counts one mapping.\n");

	read_page(m, 0);
	row(m, "read 0",
	    "A read fault.  do_read_fault() first tries fault-around: it calls\n"
	    "the driver's ->map_pages() (mmapdemo_file_map_pages(), which is the\n"
	    "page cache's filemap_map_pages()) for the window around the fault,\n"
	    "cut to the VMA: the 8 pages, all ready in the page cache, are mapped\n"
	    "at once.  The faulting page is among them, so ->fault() is never\n"
	    "called: 1 CPU fault, 0 driver faults, 1 window of 8 pages.  smaps\n"
	    "says Private_Dirty: \"private\" as only this process maps them (not\n"
	    "MAP_PRIVATE), and dirty as the buffer's pages always are: they have\n"
	    "nowhere to be written back to.\n");

	write_page(m, 3, PARENT_BYTE);
	row(m, "write 3",
	    "Page 3 is mapped already, but read-only.  The driver wants to hear\n"
	    "of the first write to each page (its vm_operations have\n"
	    "->page_mkwrite(): vma_wants_writenotify()), so the core maps the\n"
	    "pages of a shared mapping read-only, and fault-around did too.  The\n"
	    "write faults, and do_wp_page() takes wp_page_shared(), which never\n"
	    "calls ->fault(): it calls mmapdemo_file_page_mkwrite(), which\n"
	    "records page 3 as written and returns it locked; the core makes the\n"
	    "entry writable.  The last table shows what that is for.\n");

	step_fork(m, &f);
	step_munmap(m);
	prose("munmap() removes the VMA and its page-table entries\n"
	      "(vm_ops->close(): no mapping left).  The pages stay in the file,\n"
	      "and read() finds both writes, the parent's and the child's:\n");
	file_bytes(m->fd, 3, 5);
}

static void tour_file_private(struct mapping *m)
{
	static const struct fork_plan f = {
		.view_why = why_fork_copy,
		.child_page = 0,
		.write_why =
			"The child writes to a copy that two processes map, write-\n"
			"protected: do_wp_page() may not reuse it, so wp_page_copy()\n"
			"gives the child a copy of the copy.  The driver is not asked.\n"
			"The parent's page 0 is its own again.\n",
		.parent_page = 0,
		.read_why =
			"The parent's page 0 is still its own copy, holding its own\n"
			"write: the child's write went to the child's copy.  Page 0 is\n"
			"mapped once now (upper case); the others are still shared with\n"
			"the child.\n",
		.exit_why = why_exit_private,
	};

	header(m, "mmap(/dev/mmapdemo, 8 pages, MAP_PRIVATE)");
	prose("The same file, mapped MAP_PRIVATE: copy-on-write.  The mapping\n"
	      "shows the file's own pages until it writes to one; a write gets\n"
	      "a copy, an anonymous page of the process, and never reaches the\n"
	      "file.\n");
	step_mmap(m);
	prose("Nothing mapped: MAP_SHARED or MAP_PRIVATE only matters at\n"
	      "fault time.\n");

	write_page(m, 0, PARENT_BYTE);
	row(m, "write 0",
	    "A write fault in a private mapping: do_cow_fault().  The core sets\n"
	    "up the VMA's anon_vma and allocates a new anonymous page (charged\n"
	    "to this process), then calls ->fault(), which returns the file's\n"
	    "page, locked.  The core copies it into the new page, maps the copy\n"
	    "writable and lets the file's page go.  The driver counts a COW\n"
	    "fault.  No fault-around for writes: the other pages stay unmapped.\n"
	    "smaps: one Anonymous page, Private_Dirty.\n");

	read_page(m, 4);
	row(m, "read 4",
	    "A read fault: fault-around maps the file's pages that are not\n"
	    "mapped yet, read-only as the mapping is private (the window spans\n"
	    "8 pages; page 0 keeps its copy).  ->fault() is not called.\n");

	write_page(m, 4, PARENT_BYTE);
	row(m, "write 4",
	    "Page 4 is mapped read-only, so the write faults, and do_wp_page()\n"
	    "finds a page that is not this process's own anonymous page:\n"
	    "wp_page_copy() copies it.  The driver is not asked: 1 CPU fault,\n"
	    "0 driver faults.\n");

	step_fork(m, &f);
	step_munmap(m);
	prose("munmap() frees the copies.  The file never saw the private\n"
	      "writes: read() finds what the MAP_SHARED tour left there.\n");
	file_bytes(m->fd, 0, 4);
}

static void tour_anon_shared(struct mapping *m)
{
	static const struct fork_plan f = {
		.view_why = why_fork_no_copy,
		.child_page = 5,
		.write_why =
			"do_shared_fault() in the child: ->fault() allocates page 5 of\n"
			"the object it shares with the parent, and the core maps it\n"
			"writable and dirty.\n",
		.parent_page = 5,
		.read_why =
			"The parent has no entry for page 5 yet: a read fault, and\n"
			"->fault() returns the object's page 5, the one the child\n"
			"allocated and wrote.  Now two processes map it (lower case).\n",
		.exit_why = why_exit_shared,
	};

	header(m, "mmap(/dev/mmapdemo-anon, 8 pages, MAP_SHARED)");
	prose("/dev/mmapdemo-anon behaves like /dev/zero: each MAP_SHARED mmap()\n"
	      "makes a new zero-filled object, shared with fork children and\n"
	      "nobody else.  No page cache here, nothing ready to map around a\n"
	      "fault: each page faults on its own, and the driver allocates it\n"
	      "then.  (Where the kernel has per-VMA locks, the driver has a\n"
	      "->map_pages() that maps nothing: only so that from 6.7 on its\n"
	      "->fault() may run under the VMA's own lock.  It maps and counts\n"
	      "no window.)\n");
	step_mmap(m);
	prose("mmapdemo_anon_mmap_prepare() made the object, with no page yet:\n"
	      "the device holds 0 pages.\n");

	read_page(m, 0);
	row(m, "read 0",
	    "do_read_fault(): fault-around maps nothing, so ->fault() is called:\n"
	    "the driver allocates the object's page 0, zeroed, and returns it;\n"
	    "the core locks it and maps it.  One read fault, one device page.\n"
	    "The object's pages are not anonymous: D, and Anonymous 0.\n");

	write_page(m, 1, PARENT_BYTE);
	row(m, "write 1",
	    "do_shared_fault(): ->fault() allocates page 1, and the core maps\n"
	    "it writable and dirty.\n");

	write_page(m, 0, PARENT_BYTE);
	row(m, "write 0",
	    "Page 0 is mapped, and writable already (nothing wants to hear of\n"
	    "the first write): no fault.  smaps now sees it dirty too.\n");

	step_fork(m, &f);
	step_munmap(m);
	prose("The object's last VMA goes: vm_ops->close() drops the last\n"
	      "reference, and the object's pages are freed: 0 device pages.\n");
}

static void tour_anon_private(struct mapping *m)
{
	static const struct fork_plan f = {
		.view_why = why_fork_copy,
		.child_page = 0,
		.write_why =
			"wp_page_copy() in the child: its page 0 becomes a copy of its\n"
			"own, and the parent's copy is mapped once again.\n",
		.parent_page = 0,
		.read_why =
			"The parent's page 0 holds its own write: the child's went to\n"
			"the child's copy.\n",
		.exit_why = why_exit_private,
	};

	header(m, "mmap(/dev/mmapdemo-anon, 8 pages, MAP_PRIVATE)");
	prose("MAP_PRIVATE on /dev/mmapdemo-anon: zero-filled, private, and\n"
	      "copy-on-write across fork.  Where it is only read, every page maps\n"
	      "the kernel's zero page, read-only, as MAP_ANONYMOUS memory does.\n");
	step_mmap(m);
	prose("Nothing mapped, nothing allocated.\n");

	read_page(m, 0);
	row(m, "read 0",
	    "do_read_fault(): ->fault() maps the kernel's zero page itself, with\n"
	    "vmf_insert_mixed(), and returns VM_FAULT_NOPAGE.  The entry is\n"
	    "\"special\": it holds no reference on the page, and\n"
	    "vm_normal_page() skips it, so smaps counts it in no Rss and\n"
	    "pagemap calls it neither a file page nor mapped once.\n");

	read_page(m, 1);
	row(m, "read 1",
	    "The same zero page at a second address: still no reference, so\n"
	    "no number of reads can overflow its count.\n");

	write_page(m, 2, PARENT_BYTE);
	row(m, "write 2",
	    "do_cow_fault(): the core allocates an anonymous page, ->fault()\n"
	    "returns the zero page, the core copies it (zeroes) and maps the\n"
	    "copy writable.  A COW fault for the driver.\n");

	write_page(m, 0, PARENT_BYTE);
	row(m, "write 0",
	    "Page 0 maps the zero page read-only: do_wp_page() and\n"
	    "wp_page_copy() put a zeroed page in its place, without the\n"
	    "driver.\n");

	step_fork(m, &f);
	step_munmap(m);
	prose("munmap() frees the copies.\n");
}

/*
 * Learn the frame of the zero page: map one page of anonymous memory, read
 * it, ask pagemap.  0 where pagemap hides frames.
 */
static uint64_t zero_pfn(int fd)
{
	int flags = MAP_PRIVATE | (fd < 0 ? MAP_ANONYMOUS : 0);
	volatile unsigned char *p;
	uint64_t e;

	p = mmap(NULL, ps, PROT_READ, flags, fd, 0);
	if (p == MAP_FAILED)
		die("mmap (zero page)");
	(void)*p;
	e = pagemap((const void *)p);
	munmap((void *)p, ps);
	return (e & PM_PRESENT) ? e & PM_PFN_MASK : 0;
}

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "mmapdemo-tour: %s: %s%s\n", path,
			strerror(errno),
			errno == ENOENT ? " (is the module loaded?)" : "");
		exit(errno == ENOENT ? 4 : 1); /* 4: the kselftest skip */
	}
	return fd;
}

/* Say so if fault-around is not what the tour expects. */
static void check_fault_around(void)
{
	long bytes = fault_around_bytes(-1);

	if (bytes >= 0 && bytes != WINDOW)
		printf("note: fault_around_bytes is %ld, not %d: other windows\n",
		       bytes, WINDOW);
}

/*
 * The report step: MMAPDEMO_IOC_WRITTEN over the whole file, with what
 * poll() said before and after.
 */
static void step_report(struct mapping *m, const char *why)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLPRI };
	uint64_t bits = 0;
	struct mmapdemo_written w = {
		.length = NPAGES * ps,
		.bitmap = (uintptr_t)&bits,
	};
	bool before, after;

	begin(m);
	before = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLPRI);
	if (ioctl(m->fd, MMAPDEMO_IOC_WRITTEN, &w))
		die("MMAPDEMO_IOC_WRITTEN");
	after = poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLPRI);
	row(m, "report", why);
	printf("-> written pages:");
	for (int i = 0; i < NPAGES; i++)
		if (bits & (1ULL << i))
			printf(" %d", i);
	printf("%s; poll(): %s before, %s after\n", w.nr_written ? "" : " none",
	       before ? "EPOLLPRI" : "nothing", after ? "EPOLLPRI" : "nothing");
	if (explain)
		putchar('\n');
}

static void tour_file_watched(struct mapping *m)
{
	header(m, "written pages, watched");
	prose("How does a driver learn what userspace wrote through a mapping?\n"
	      "With ->page_mkwrite(): the core maps the pages of a shared mapping\n"
	      "read-only and asks the driver before the first store to each goes\n"
	      "through.  mmapdemo records the page; MMAPDEMO_IOC_WRITTEN reports\n"
	      "the pages written since the last report and write-protects them\n"
	      "again in every mapping, so that the next store is heard of too.\n"
	      "poll() says EPOLLPRI while writes wait to be reported.\n");
	table_head();
	step_report(
		m,
		"The first report finds the writes of the first table: the\n"
		"parent's to page 3, and the child's to page 5, made through\n"
		"another process's mapping.  The pages are write-protected\n"
		"again, in whatever maps them (folio_mkclean(): nothing, now).\n");
	begin(m);
	map(m);
	row(m, "mmap", NULL);
	read_page(m, 0);
	row(m, "read 0",
	    "Fault-around maps the 8 pages, read-only: reading tells the driver\n"
	    "nothing.\n");
	write_page(m, 2, PARENT_BYTE);
	row(m, "write 2",
	    "The first store to page 2: a fault, and ->page_mkwrite() records\n"
	    "the page before the core makes its entry writable.\n");
	write_page(m, 2, PARENT_BYTE);
	row(m, "write 2",
	    "Page 2 is writable now: no fault, and nothing for the driver.\n");
	step_report(
		m,
		"The report: page 2.  Under the page's lock, it write-protects\n"
		"the page in every mapping (folio_mkclean()), then forgets it;\n"
		"->page_mkwrite() takes the same lock, so no store slips\n"
		"between.\n");
	write_page(m, 2, PARENT_BYTE);
	row(m, "write 2",
	    "Write-protected again, so this store faults, and the driver hears\n"
	    "of it again.\n");
	write_page(m, 6, PARENT_BYTE);
	row(m, "write 6", NULL);
	step_report(m, NULL);
	step_munmap(m);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mmapdemo-tour [--explain]\n"
		"  the four kinds of mapping of mmapdemo, step by step;\n"
		"  --explain says what the kernel did at each step\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct mapping file_shared = { .name = "file MAP_SHARED",
				       .type = MAP_SHARED,
				       .who = "" };
	struct mapping file_private = { .name = "file MAP_PRIVATE",
					.type = MAP_PRIVATE,
					.who = "" };
	struct mapping anon_shared = { .name = "anon MAP_SHARED",
				       .type = MAP_SHARED,
				       .who = "" };
	struct mapping anon_private = { .name = "anon MAP_PRIVATE",
					.type = MAP_PRIVATE,
					.zero_backed = true,
					.who = "" };
	struct mapping file_watched = { .name = "file MAP_SHARED",
					.type = MAP_SHARED,
					.who = "" };
	int fd, anon_fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--explain"))
			explain = true;
		else
			usage();
	}
	ps = page_size();
	fd = open_dev(MD_PATH);
	anon_fd = open_dev(MD_ANON_PATH);
	/* Through zero, so that the tour starts from fresh, zeroed pages. */
	if (md_set_size(fd, 0) || md_set_size(fd, NPAGES * ps))
		die("MMAPDEMO_IOC_SET_SIZE");
	zero_page_pfn = zero_pfn(-1);

	file_shared.fd = file_private.fd = file_watched.fd = fd;
	anon_shared.fd = anon_private.fd = anon_fd;

	puts("mmapdemo-tour: the four kinds of mapping, 8 pages each, step by step.");
	check_fault_around();
	legend();
	prose("\n"
	      "mmap() only reserves addresses: the driver's ->mmap_prepare()\n"
	      "names its vm_operations and the core builds a VMA with them (before\n"
	      "Linux 7.x, ->mmap() does the same on a VMA built first).  Nothing is\n"
	      "mapped until a page is touched: the CPU faults, the core\n"
	      "(handle_mm_fault(), mm/memory.c) finds no page-table entry and,\n"
	      "for a VMA with vm_ops, takes one of three paths by the access and\n"
	      "by VM_SHARED: do_read_fault(), do_shared_fault() or\n"
	      "do_cow_fault().  Each gets the page from the driver's ->fault()\n"
	      "and maps it (finish_fault()).  A write to a page that is mapped\n"
	      "read-only takes do_wp_page() instead, which never calls ->fault().\n");

	tour_file_shared(&file_shared);
	tour_file_private(&file_private);
	tour_anon_shared(&anon_shared);
	tour_anon_private(&anon_private);
	tour_file_watched(&file_watched);

	close(anon_fd);
	close(fd);
	return 0;
}
