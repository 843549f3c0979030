// SPDX-License-Identifier: GPL-2.0
/*
 * mmapdemo-tour's output, checked line by line against
 * mmapdemo-tour.expected: the page grids, the fault counts and the smaps
 * lines of every step of the tour.  Each is what a behaviour of the driver
 * or of the core shows, so a change of behaviour fails here, with the
 * first line that differs and the whole output to compare.
 *
 * The expected output is read at run time from mmapdemo-tour.expected, in
 * this program's directory, where the tour must sit too (the Makefile
 * installs the file with the programs: TEST_FILES).  After a deliberate
 * change, put the new output of `mmapdemo-tour` (run in the VM) in that
 * file.
 *
 * It is the same on Debian's 6.1, 6.12 and 7.x kernels.  It assumes 4 KiB pages
 * and the default fault-around window, and needs root: elsewhere it skips.
 */
#include <limits.h>

#include "kselftest_harness.h"
#include "mmapdemo_util.h"

/* Why the tour's output cannot be the expected one here, or NULL. */
static const char *cannot_run(void)
{
	long bytes = fault_around_bytes(-1);

	if (access(MD_PATH, F_OK))
		return MD_PATH ": no such device (module not loaded)";
	if (geteuid())
		return "the tour needs root";
	if (page_size() != 4096)
		return "the expected output is for 4 KiB pages";
	if (bytes >= 0 && bytes != 65536)
		return "fault_around_bytes is not the default 65536";
	return NULL;
}

/*
 * Run mmapdemo-tour, from this program's directory, with @arg (or none):
 * its standard output, in a buffer to free, and its exit status in
 * @status (-1 if it did not exit).  NULL if it could not be run.
 */
static char *run_tour(const char *arg, int *status)
{
	char *argv[] = { "mmapdemo-tour", (char *)arg, NULL };
	int fd, wstatus;
	char *out;
	pid_t pid;

	pid = spawn_beside_me("mmapdemo-tour", argv, &fd);
	if (pid < 0)
		return NULL;
	out = slurp_fd(fd);
	close(fd);
	*status = -1;
	if (waitpid(pid, &wstatus, 0) != pid) {
		free(out);
		return NULL;
	}
	if (WIFEXITED(wstatus))
		*status = WEXITSTATUS(wstatus);
	return out;
}

/* The line at @s, up to its newline, as "%.*s" takes it. */
static int line_len(const char *s)
{
	return (int)strcspn(s, "\n");
}

/* The next line after the one at @s, or NULL after the last. */
static const char *next_line(const char *s)
{
	s += line_len(s);
	return *s ? s + 1 : NULL;
}

static bool same_line(const char *a, const char *b)
{
	int n = line_len(a);

	return n == line_len(b) && !strncmp(a, b, n);
}

/* Show @out as diagnostics, one "# " line each. */
static void show(const char *what, const char *out)
{
	ksft_print_msg("%s:\n", what);
	for (const char *l = out; l && *l; l = next_line(l))
		ksft_print_msg("| %.*s\n", line_len(l), l);
}

/*
 * The tour without --explain: the legend, and one row of grid and counters
 * per step, exactly as expected.
 */
TEST(output_is_expected)
{
	const char *why = cannot_run(), *want, *got;
	char path[PATH_MAX + 32], *expected, *out;
	int status, lineno = 1;

	if (why)
		SKIP(return, "%s", why);
	expected = beside_me("mmapdemo-tour.expected", path, sizeof(path)) ?
			   slurp(path) :
			   NULL;
	ASSERT_NE(NULL, expected)
	TH_LOG("cannot read mmapdemo-tour.expected next to this program");
	want = expected;
	out = run_tour(NULL, &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);

	for (got = out; got && want; lineno++) {
		if (!same_line(got, want))
			break;
		got = next_line(got);
		want = next_line(want);
	}
	if (got || want) {
		TH_LOG("line %d differs from mmapdemo-tour.expected", lineno);
		TH_LOG("expected: %.*s", want ? line_len(want) : 5,
		       want ? want : "(end)");
		TH_LOG("got:      %.*s", got ? line_len(got) : 5,
		       got ? got : "(end)");
		show("the whole output", out);
	}
	EXPECT_TRUE(!got && !want);
	free(out);
	free(expected);
}

/*
 * --explain adds prose only: indented or blank lines, between the lines of
 * the plain output, all of which it keeps, in order.
 */
TEST(explain_adds_prose_only)
{
	const char *why = cannot_run(), *want, *got;
	char *plain, *explained;
	int status;

	if (why)
		SKIP(return, "%s", why);
	plain = run_tour(NULL, &status);
	ASSERT_NE(NULL, plain);
	ASSERT_EQ(0, status);
	explained = run_tour("--explain", &status);
	ASSERT_NE(NULL, explained);
	EXPECT_EQ(0, status);

	want = plain;
	for (got = explained; got && *got; got = next_line(got)) {
		/* Blank lines are layout, in either output. */
		while (want && *want && line_len(want) == 0)
			want = next_line(want);
		if (want && *want && same_line(got, want))
			want = next_line(want);
		else if (line_len(got) && strncmp(got, "    ", 4))
			break;
	}
	while (want && *want && line_len(want) == 0)
		want = next_line(want);
	if (got && *got)
		TH_LOG("--explain printed an unexpected line: %.*s",
		       line_len(got), got);
	if (want && *want)
		TH_LOG("--explain lost a line: %.*s", line_len(want), want);
	EXPECT_TRUE(!(got && *got) && !(want && *want));
	free(plain);
	free(explained);
}

TEST_HARNESS_MAIN
