// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkrtt: round trips from userspace, through rpmsg_char and through a
 * pipe pair between the same two CPUs, the baseline.
 *
 *   mkrtt rpmsg [OPTIONS]   two /dev/rpmsgN of a loopback link
 *   mkrtt pipe [OPTIONS]    two pipes
 *   mkrtt all [OPTIONS]     both, size after size, and their ratios
 *
 * A pinger pinned to one CPU writes a message and reads it back from an
 * echo process pinned to another, each round trip timed alone with
 * CLOCK_MONOTONIC and its echo compared with what was sent; the
 * percentiles come from the sorted samples. A benchmark: it prints
 * figures and fails only when an echo is wrong or missing. Exit status: 0
 * every round trip came back intact, 1 a runtime error or a bad echo
 * (named on stderr), 2 bad usage. The help text (mkrtt --help) is the
 * manual.
 *
 * This file has main(), the arguments, the round trips, the echo process,
 * the table and the CSV; the endpoints are made in mkrtt_rpmsg.c.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mkrtt.h"

#define MKRTT_VERSION	"1"
#define MAX_SIZES	32
#define MAX_SIZE	(1024u * 1024)	/* the default pipe-max-size */
#define MAX_COUNT	10000000ul
#define DEFAULT_ROUNDS	10ul
#define NSEC		1000000000ull

static const char usage_text[] =
	"usage: mkrtt rpmsg|pipe|all [-n COUNT] [--warmup N] [-r ROUNDS] [-s SIZES]\n"
	"                            [-c CPU_A,CPU_B] [-l ID | -d DEV_A,DEV_B] [-t SECS]\n"
	"                            [--csv FILE] [--cdf FILE]\n"
	"       mkrtt --help | --version\n"
	"Round trips from userspace: a pinger pinned to CPU_A writes a message and\n"
	"reads its echo from a process pinned to CPU_B; COUNT round trips per size,\n"
	"after N that are not counted, each timed with CLOCK_MONOTONIC, every echo\n"
	"compared with what was sent.\n"
	"  rpmsg  through two rpmsg_char endpoints (/dev/rpmsgN) of a loopback link\n"
	"         that talk to each other: made through the /dev/rpmsg_ctrlN of its\n"
	"         ends a (the pinger's) and b, named \"mkrtt\", at 0x3a0 and 0x3a1\n"
	"  pipe   through two pipes, whole messages (read and write loops)\n"
	"  all    both, size after size, and the ratios rpmsg/pipe of p50 and p99\n"
	"Options:\n"
	"  -n, --count COUNT   timed round trips per size (default 2000)\n"
	"      --warmup N      round trips before them, not counted (default 100)\n"
	"  -r, --rounds ROUNDS the COUNT round trips of a size in ROUNDS rounds, 1 to\n"
	"                      COUNT; all: the transports take turns, round after\n"
	"                      round, so that whatever slows the machine for a while\n"
	"                      falls on both (default 10, or COUNT if fewer); the\n"
	"                      warm-up is before the first round only\n"
	"  -s, --sizes LIST    message sizes in bytes, comma-separated, 1 to 1024K;\n"
	"                      K: KiB (default 16,64,256,1024,4096,16384,65536)\n"
	"  -c, --cpus A,B      pinger on CPU A, echo on CPU B (default: the first\n"
	"                      two CPUs this process may run on)\n"
	"  -l, --loopback ID   rpmsg: the loopback of ends loID.a and loID.b (default:\n"
	"                      the lowest ID whose ends are both rpmsg buses)\n"
	"  -d, --devices X,Y   rpmsg: these two endpoint devices instead, which must\n"
	"                      talk to each other; the pinger takes X\n"
	"  -t, --timeout SECS  give up on a transport whose echo takes longer\n"
	"                      (default 10)\n"
	"      --csv FILE      also write a CSV row per transport and size to FILE\n"
	"                      ('-': standard output)\n"
	"      --cdf FILE      also write the distribution of the round trips to\n"
	"                      FILE, as CSV ('-': standard output): the quantiles\n"
	"                      0.01, 0.02 to 0.98 by 0.02, 0.99, 0.999, 0.9999 and\n"
	"                      1 (the maximum) of every transport and size whose\n"
	"                      status is ok\n"
	"Output: a row per size and transport: the percentiles p50, p90, p99, p99.9\n"
	"and the maximum, in microseconds (nearest rank over the sorted samples);\n"
	"n/a for a size above the transport's largest message (rpmsg: the links'\n"
	"MTU less the 16-byte header, or EMSGSIZE). CSV columns: transport, size,\n"
	"status (ok, too_big, failed, not_run), count, min_us, p50_us, p90_us,\n"
	"p99_us, p99_9_us, max_us, mean_us. CDF columns: transport, size, quantile,\n"
	"us (nearest rank, as the percentiles), in that order, size after size.\n"
	"Exit status: 0 every round trip came back intact, 1 a runtime error or a\n"
	"bad echo (named on stderr), 2 bad usage.\n"
	"Environment: MKRTT_SYSFS, another /sys (for tests).\n";

static const size_t default_sizes[] = { 16, 64, 256, 1024, 4096, 16384, 65536 };

/* Percentiles, in per mille, and their names in the table and the CSV. */
static const unsigned int pct_permille[] = { 500, 900, 990, 999 };
static const char *const pct_names[] = { "p50", "p90", "p99", "p99.9" };
static const char *const pct_csv[] = { "p50_us", "p90_us", "p99_us", "p99_9_us" };
#define NR_PCT		ARRAY_SIZE(pct_permille)

/*
 * The quantiles of --cdf, in parts per million: 0.01, every 0.02 from 0.02
 * to 0.98, 0.99, then the tail and the maximum.
 */
#define CDF_STEP	20000u
#define NR_CDF_STEPS	49	/* 0.02 .. 0.98 */
#define NR_CDF		(NR_CDF_STEPS + 5)

static unsigned int cdf_ppm(unsigned int i)
{
	static const unsigned int tail[] = { 990000, 999000, 999900, 1000000 };

	if (!i)
		return 10000;
	if (i <= NR_CDF_STEPS)
		return i * CDF_STEP;
	return tail[i - NR_CDF_STEPS - 1];
}

enum status { ST_NOT_RUN, ST_OK, ST_TOO_BIG, ST_FAILED };
static const char *const status_names[] = { "not_run", "ok", "too_big", "failed" };

/* The figures of one transport and size. */
struct result {
	enum status status;
	unsigned long count;
	uint64_t min, pct[NR_PCT], max;	/* nanoseconds */
	uint64_t cdf[NR_CDF];		/* at the quantiles cdf_ppm() */
	double mean;
};

enum { T_RPMSG, T_PIPE, NR_TRANSPORTS };

struct transport {
	const char *name;
	uint64_t *lat;		/* the samples of the size being measured */
	int on;			/* measured in this run */
	int datagram;		/* one read() is one message */
	int ping_rd, ping_wr;	/* the pinger's ends */
	int echo_rd, echo_wr;	/* the echo process's */
	size_t max_msg;		/* largest message, 0 if not known */
	pid_t echo;		/* the echo process, 0 when there is none */
	int echo_status;	/* how it ended, once echo is 0 */
	int broken;		/* failed or not set up: its sizes are not run */
	char desc[320];		/* what it is, for the table's header */
	struct result res[MAX_SIZES];
};

struct opts {
	unsigned long count, warmup, rounds;
	size_t sizes[MAX_SIZES];
	int nr_sizes;
	int cpu[2];		/* pinger, echo; -1: the default */
	int loopback;		/* -1: the first */
	char *devs[2];		/* -d, or NULL */
	unsigned int timeout;
	const char *csv;
	const char *cdf;
};

static const char *cmd_name;	/* the subcommand running */
static char last_said[256];	/* the last diagnostic, without "mkrtt: " */

/*
 * Set by the SIGALRM handler. A handler may set a lock-free atomic object
 * (C11 7.14.1.1), as it may a volatile sig_atomic_t.
 */
static atomic_int timed_out;
static atomic_ulong progress;	/* round trips done */
static atomic_int armed;	/* the watchdog watches */
static_assert(ATOMIC_INT_LOCK_FREE == 2, "an atomic_int that a signal handler may set");

/* Errors ------------------------------------------------------------------ */

static void vsay(const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "mkrtt: %s%s", cmd_name ? cmd_name : "",
		     cmd_name ? ": " : "");
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	snprintf(last_said, sizeof(last_said), "%s", buf + n);
	n = strlen(buf);
	buf[n++] = '\n';
	/* One write(): the pinger's and the echo's lines do not mix. */
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

/* A problem that does not end the command: say what it is. */
void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* The system refused: say why; returns 1, the exit status. */
int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return 1;
}

/* Bad usage: say why, and where the help is; returns 2, the exit status. */
static __printf(1, 2) int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'mkrtt --help'.\n");
	return 2;
}

/* Arguments --------------------------------------------------------------- */

/* Decimal, nothing else, from @min to @max: 0, or 2 having said why not. */
static int num_arg(const char *what, const char *s, unsigned long min, unsigned long max,
		   unsigned long *v)
{
	char *end;

	errno = 0;
	*v = s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
	if (s[0] < '0' || s[0] > '9' || *end)
		return bad("bad %s '%s': not a number", what, s);
	if (errno || *v < min || *v > max)
		return bad("bad %s '%s': out of range (%lu-%lu)", what, s, min, max);
	return 0;
}

/* -s: sizes in bytes or KiB, comma-separated. */
static int sizes_arg(const char *s, struct opts *o)
{
	const char *p = s;

	o->nr_sizes = 0;
	for (;;) {
		unsigned long long v = 0;
		const char *start = p;
		int len;

		while (*p >= '0' && *p <= '9' && v <= MAX_SIZE)
			v = v * 10 + (*p++ - '0');
		if (p == start)
			return bad("bad sizes '%s': a list of numbers, as 16,4K,65536", s);
		if (*p == 'k' || *p == 'K') {
			v *= 1024;
			p++;
		}
		if (*p && *p != ',')
			return bad("bad sizes '%s': a list of numbers, as 16,4K,65536", s);
		len = strcspn(start, ",");
		if (v < 1 || v > MAX_SIZE)
			return bad("bad size '%.*s': sizes go from 1 to %u bytes", len, start,
				   MAX_SIZE);
		if (o->nr_sizes == MAX_SIZES)
			return bad("bad sizes '%s': at most %d", s, MAX_SIZES);
		o->sizes[o->nr_sizes++] = v;
		if (!*p++)
			return 0;
	}
}

/* -c: two CPU numbers. */
static int cpus_arg(const char *s, struct opts *o)
{
	char a[16], b[16];
	unsigned long v[2];
	const char *comma = strchr(s, ',');

	if (!comma || comma - s >= (long)sizeof(a) || strlen(comma + 1) >= sizeof(b))
		return bad("bad CPUs '%s': want two numbers, as 0,1", s);
	memcpy(a, s, comma - s);
	a[comma - s] = '\0';
	memcpy(b, comma + 1, strlen(comma + 1) + 1);
	if (num_arg("CPU", a, 0, CPU_SETSIZE - 1, &v[0]) ||
	    num_arg("CPU", b, 0, CPU_SETSIZE - 1, &v[1]))
		return 2;
	o->cpu[0] = v[0];
	o->cpu[1] = v[1];
	return 0;
}

/* -d: two device paths; @s is split in place. */
static int devs_arg(char *s, struct opts *o)
{
	char *comma = strchr(s, ',');

	if (!comma || comma == s || !comma[1] || strchr(comma + 1, ','))
		return bad("bad devices '%s': want two, as /dev/rpmsg0,/dev/rpmsg1", s);
	*comma = '\0';
	o->devs[0] = s;
	o->devs[1] = comma + 1;
	if (strlen(o->devs[0]) >= 64 || strlen(o->devs[1]) >= 64)
		return bad("bad devices: paths of at most 63 bytes");
	return 0;
}

enum { OPT_WARMUP = 256, OPT_CSV, OPT_CDF, OPT_VERSION };

static const struct option long_opts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "rounds", required_argument, NULL, 'r' },
	{ "sizes", required_argument, NULL, 's' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "loopback", required_argument, NULL, 'l' },
	{ "devices", required_argument, NULL, 'd' },
	{ "timeout", required_argument, NULL, 't' },
	{ "csv", required_argument, NULL, OPT_CSV },
	{ "cdf", required_argument, NULL, OPT_CDF },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option @c with its @arg into @o: 0, or the exit status (-1: 0). */
static int one_opt(int c, char *arg, struct opts *o, int rpmsg)
{
	unsigned long v;
	int ret = 0;

	switch (c) {
	case 'n':
		ret = num_arg("count", arg, 1, MAX_COUNT, &o->count);
		break;
	case OPT_WARMUP:
		ret = num_arg("warm-up count", arg, 0, MAX_COUNT, &o->warmup);
		break;
	case 'r':
		ret = num_arg("rounds", arg, 1, MAX_COUNT, &o->rounds);
		break;
	case 's':
		ret = sizes_arg(arg, o);
		break;
	case 'c':
		ret = cpus_arg(arg, o);
		break;
	case 'l':
		if (!rpmsg)
			return bad("-l is for rpmsg and all");
		ret = num_arg("loopback", arg, 0, INT_MAX, &v);
		o->loopback = v;
		break;
	case 'd':
		if (!rpmsg)
			return bad("-d is for rpmsg and all");
		ret = devs_arg(arg, o);
		break;
	case 't':
		ret = num_arg("timeout", arg, 1, 3600, &v);
		o->timeout = v;
		break;
	case OPT_CSV:
		o->csv = arg;
		break;
	case OPT_CDF:
		o->cdf = arg;
		break;
	case 'h':
		fputs(usage_text, stdout);
		return -1;
	default:
		return bad("unknown option");
	}
	return ret;
}

/* The options of a command into @o: 0, or the exit status (-1: 0). */
static int parse_opts(int argc, char **argv, struct opts *o, int rpmsg)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->count = 2000;
	o->warmup = 100;
	o->nr_sizes = ARRAY_SIZE(default_sizes);
	memcpy(o->sizes, default_sizes, sizeof(default_sizes));
	o->cpu[0] = -1;
	o->cpu[1] = -1;
	o->loopback = -1;
	o->timeout = 10;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:r:s:c:l:d:t:h", long_opts, NULL)) != -1) {
		int named = optopt > ' ' && optopt < 127;

		if (c == ':')
			return named ? bad("option '-%c' needs an argument", optopt) :
			       bad("option '%s' needs an argument", argv[optind - 1]);
		if (c == '?')
			return named ? bad("unknown option '-%c'", optopt) :
			       bad("unknown option '%s'", argv[optind - 1]);
		ret = one_opt(c, optarg, o, rpmsg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o->devs[0] && o->loopback >= 0)
		return bad("-l and -d: one or the other");
	if (o->rounds > o->count)
		return bad("bad rounds %lu: at most the count, %lu", o->rounds, o->count);
	if (!o->rounds)
		o->rounds = o->count < DEFAULT_ROUNDS ? o->count : DEFAULT_ROUNDS;
	return 0;
}

/* CPUs -------------------------------------------------------------------- */

/* Pin the calling thread to @cpu; 0 or -errno. */
static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The CPUs of @o checked, or chosen: the first two this process may use. */
static int pick_cpus(struct opts *o)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return fail("sched_getaffinity: %s", strerror(errno));
	if (o->cpu[0] < 0) {
		for (i = 0; i < CPU_SETSIZE && n < 2; i++)
			if (CPU_ISSET(i, &set))
				o->cpu[n++] = i;
		if (!n)
			return fail("no CPU to run on");
		if (n == 1) {
			o->cpu[1] = o->cpu[0];
			say("only CPU %d to run on: the pinger and the echo share it", o->cpu[0]);
		}
		return 0;
	}
	for (i = 0; i < 2; i++)
		if (!CPU_ISSET(o->cpu[i], &set))
			return fail("CPU %d: offline, or not in this process's affinity",
				    o->cpu[i]);
	return 0;
}

/* Time and signals -------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void on_alarm(int sig)
{
	(void)sig;
	atomic_store(&timed_out, 1);
}

/* SIGCHLD: it only ends a blocked read() or write() (EINTR). */
static void on_child(int sig)
{
	(void)sig;
}

/* Without SA_RESTART: the signal ends a blocked read() or write(). */
static void catch(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/*
 * The watchdog: while armed, SIGALRM to the pinger when no round trip
 * ended for @arg seconds, so that a lost echo ends the transport's run
 * instead of blocking for ever. It wakes once a second, on no CPU in
 * particular (it starts before the pinger is pinned).
 */
static pthread_t pinger;

static void *watchdog(void *arg)
{
	unsigned int limit = *(unsigned int *)arg, idle = 0;
	unsigned long last = atomic_load(&progress);
	struct timespec second = { .tv_sec = 1 };

	for (;;) {
		unsigned long now;

		nanosleep(&second, NULL);
		now = atomic_load_explicit(&progress, memory_order_relaxed);
		if (now != last || !atomic_load(&armed)) {
			last = now;
			idle = 0;
		} else if (++idle >= limit) {
			pthread_kill(pinger, SIGALRM);
		}
	}
	return NULL;
}

/* One more round trip ended; only the pinger writes @progress: no locked add. */
static void count_trip(void)
{
	unsigned long n = atomic_load_explicit(&progress, memory_order_relaxed);

	atomic_store_explicit(&progress, n + 1, memory_order_relaxed);
}

/* Messages ---------------------------------------------------------------- */

/*
 * After EINTR: whether to give up, because the watchdog said so or @t's
 * own echo process has exited (then reaped, its status kept). The other
 * transport's echo exiting is not @t's business.
 */
static int give_up(struct transport *t)
{
	if (t->echo && waitpid(t->echo, &t->echo_status, WNOHANG) == t->echo)
		t->echo = 0;
	return !t->echo || atomic_load(&timed_out);
}

/*
 * @len bytes of @buf; 0 or -errno: -EINTR when give_up() says so. A
 * datagram goes whole or not at all.
 */
static int send_msg(struct transport *t, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(t->ping_wr, buf, len);

		if (n < 0 && errno == EINTR) {
			if (give_up(t))
				return -EINTR;
			continue;
		}
		if (n < 0)
			return -errno;
		if (t->datagram && (size_t)n != len)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * The echo of a message of @len bytes into @buf (room for @len + 1): the
 * bytes read (one read() for a datagram, so a longer echo shows), 0 at end
 * of file, or -errno as send_msg().
 */
static ssize_t recv_msg(struct transport *t, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(t->ping_rd, buf + got, t->datagram ? len + 1 : len - got);

		if (n < 0 && errno == EINTR) {
			if (give_up(t))
				return -EINTR;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : 0;
		got += n;
		if (t->datagram)
			break;
	}
	return got;
}

/* The bytes of the messages of one size; the first 8 are the round trip's number. */
static void fill(uint8_t *buf, size_t len)
{
	uint32_t x = 0x6d6b7274 ^ (uint32_t)len;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x;
	}
}

static void stamp(uint8_t *buf, size_t len, unsigned long seq)
{
	uint64_t s = seq;

	memcpy(buf, &s, len < sizeof(s) ? len : sizeof(s));
}

/* The echo process -------------------------------------------------------- */

/* Read exactly @len bytes: 1, 0 at end of file, -errno. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		buf += n;
		len -= n;
	}
	return 1;
}

static int write_full(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Send every message back as it came: a datagram as read() gave it; on a
 * byte stream, message by message of the sizes of @o in turn, each read
 * whole before it goes back, as the pinger sends them. Returns the exit
 * status: 0 at end of file, 1 when reading or writing failed.
 */
static int echo_loop(const struct transport *t, const struct opts *o, uint8_t *buf,
		     size_t size)
{
	unsigned long i, each = o->warmup + o->count;
	int s, r;

	if (t->datagram) {
		for (;;) {
			ssize_t n = read(t->echo_rd, buf, size);

			if (n < 0 && errno == EINTR)
				continue;
			if (!n)
				return 0;
			if (n < 0)
				return fail("%s echo: read: %s", t->name, strerror(errno));
			r = write_full(t->echo_wr, buf, n);
			if (r)
				return fail("%s echo: write: %s", t->name, strerror(-r));
		}
	}
	for (s = 0; s < o->nr_sizes; s++) {
		for (i = 0; i < each; i++) {
			r = read_full(t->echo_rd, buf, o->sizes[s]);
			if (r <= 0)
				return r ? fail("%s echo: read: %s", t->name, strerror(-r)) : 0;
			r = write_full(t->echo_wr, buf, o->sizes[s]);
			if (r)
				return fail("%s echo: write: %s", t->name, strerror(-r));
		}
	}
	return 0;
}

/* Fork @t's echo process, pinned to @o's second CPU; 0 or 1. */
static int start_echo(struct transport *t, const struct opts *o, size_t size)
{
	pid_t parent = getpid();
	uint8_t *buf;
	int r;

	fflush(NULL);
	t->echo = fork();
	if (t->echo < 0) {
		t->echo = 0;
		return fail("%s: fork: %s", t->name, strerror(errno));
	}
	if (t->echo)
		return 0;
	/* The echo process: it goes with the pinger. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	r = pin(o->cpu[1]);
	if (r)
		_exit(fail("%s echo: cannot run on CPU %d: %s", t->name, o->cpu[1], strerror(-r)));
	close(t->ping_rd);
	if (t->ping_wr != t->ping_rd)
		close(t->ping_wr);
	buf = malloc(size);
	if (!buf)
		_exit(fail("%s echo: out of memory", t->name));
	_exit(echo_loop(t, o, buf, size));
}

/* End @t's echo process and reap it. */
static void stop_echo(struct transport *t)
{
	if (!t->echo)
		return;
	kill(t->echo, SIGKILL);
	while (waitpid(t->echo, NULL, 0) < 0 && errno == EINTR)
		;
	t->echo = 0;
}

/* Why a round trip ended with -EINTR or at end of file: into @why. */
static void interrupted(struct transport *t, const struct opts *o, char *why, size_t size)
{
	int st;

	give_up(t);
	st = t->echo_status;
	if (!t->echo && WIFSIGNALED(st))
		snprintf(why, size, "the echo process was killed (signal %d)", WTERMSIG(st));
	else if (!t->echo)
		snprintf(why, size, "the echo process exited (status %d)", WEXITSTATUS(st));
	else if (atomic_load(&timed_out))
		snprintf(why, size, "no echo within %u s", o->timeout);
	else
		snprintf(why, size, "end of file");
}

/* Round trips ------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sample of rank ceil(@n * @ppm / 10^6), at least the first, of @n sorted. */
static uint64_t nearest_rank(const uint64_t *lat, unsigned long n, unsigned long long ppm)
{
	unsigned long long rank = (n * ppm + 999999) / 1000000;

	return lat[(rank ? rank : 1) - 1];
}

/* @n > 0 samples into @r: sorted, each percentile the nearest rank. */
static void figures(uint64_t *lat, unsigned long n, struct result *r)
{
	unsigned long long sum = 0;
	unsigned long i;

	qsort(lat, n, sizeof(*lat), cmp_u64);
	for (i = 0; i < n; i++)
		sum += lat[i];
	r->count = n;
	r->min = lat[0];
	r->max = lat[n - 1];
	r->mean = (double)sum / n;
	for (i = 0; i < NR_PCT; i++)
		r->pct[i] = nearest_rank(lat, n, pct_permille[i] * 1000ull);
	for (i = 0; i < NR_CDF; i++)
		r->cdf[i] = nearest_rank(lat, n, cdf_ppm(i));
}

/* The first byte at which @a and @b differ, of @n. */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * Say why round trip @i of size @len failed over @t: @n as send_msg() (@err
 * set) or recv_msg() returned it, @rx the echo of @tx.
 */
static void say_failed(struct transport *t, const struct opts *o, size_t len, unsigned long i,
		       ssize_t n, int err, const uint8_t *tx, const uint8_t *rx)
{
	char where[96], why[128];

	snprintf(where, sizeof(where), "%s, %zu bytes, round trip %lu of %lu", t->name, len,
		 i + 1, o->warmup + o->count);
	if (n == -EINTR || !n) {
		interrupted(t, o, why, sizeof(why));
		say("%s: %s", where, why);
	} else if (n < 0) {
		say("%s: %s: %s", where, err ? "write" : "read", strerror(-n));
	} else {
		say("%s: the echo (%zd bytes) differs from what was sent at byte %zu", where, n,
		    first_diff(rx, tx, (size_t)n < len ? (size_t)n : len));
	}
}

/*
 * Round @k (from 0) of o->rounds of the round trips of size @s of @o over
 * @t, with @tx and @rx (@rx: a byte more than the size): the warm-up
 * first in round 0, then the round's share of o->count into t->lat. The
 * trips keep their numbers across rounds. After the last round, t->res[@s]
 * has the figures; before it, or when a round failed, its status says so.
 */
static void measure(struct transport *t, const struct opts *o, int s, unsigned long k,
		    uint8_t *tx, uint8_t *rx)
{
	size_t len = o->sizes[s];
	unsigned long from = k * o->count / o->rounds, to = (k + 1) * o->count / o->rounds;
	unsigned long i, total = o->warmup + to;
	struct result *r = &t->res[s];

	if (r->status == ST_TOO_BIG || r->status == ST_FAILED)
		return;
	if (t->max_msg && len > t->max_msg) {
		r->status = ST_TOO_BIG;
		return;
	}
	fill(tx, len);
	atomic_store(&timed_out, 0);
	atomic_store(&armed, 1);
	for (i = k ? o->warmup + from : 0; i < total; i++) {
		uint64_t t0, t1;
		ssize_t n;
		int err;

		stamp(tx, len, i);
		t0 = now_ns();
		err = send_msg(t, tx, len);
		n = err ? err : recv_msg(t, rx, len);
		t1 = now_ns();
		count_trip();
		if (n == (ssize_t)len && !memcmp(rx, tx, len)) {
			if (i >= o->warmup)
				t->lat[i - o->warmup] = t1 - t0;
			continue;
		}
		if (n == -EMSGSIZE && !i) {
			r->status = ST_TOO_BIG;
			break;
		}
		say_failed(t, o, len, i, n, err, tx, rx);
		r->status = ST_FAILED;
		t->broken = 1;
		break;
	}
	atomic_store(&armed, 0);
	if (i == total && to == o->count) {
		r->status = ST_OK;
		figures(t->lat, o->count, r);
	}
}

/* Transports -------------------------------------------------------------- */

/* Two pipes, large enough for the largest message when they can be. */
static int pipe_setup(struct transport *t, size_t largest)
{
	int p2e[2], e2p[2], cap;

	if (pipe2(p2e, O_CLOEXEC))
		return fail("pipe: %s", strerror(errno));
	if (pipe2(e2p, O_CLOEXEC)) {
		close(p2e[0]);
		close(p2e[1]);
		return fail("pipe: %s", strerror(errno));
	}
	cap = fcntl(p2e[1], F_GETPIPE_SZ);
	if (cap > 0 && (size_t)cap < largest && fcntl(p2e[1], F_SETPIPE_SZ, (int)largest) > 0 &&
	    fcntl(e2p[1], F_SETPIPE_SZ, (int)largest) > 0)
		cap = fcntl(p2e[1], F_GETPIPE_SZ);
	t->ping_wr = p2e[1];
	t->echo_rd = p2e[0];
	t->echo_wr = e2p[1];
	t->ping_rd = e2p[0];
	snprintf(t->desc, sizeof(t->desc), "two pipes of %d bytes", cap);
	return 0;
}

static void pipe_teardown(struct transport *t)
{
	close(t->ping_wr);
	close(t->ping_rd);
	if (t->echo_rd >= 0)
		close(t->echo_rd);
	if (t->echo_wr >= 0)
		close(t->echo_wr);
}

static void rpmsg_desc(struct transport *t, const struct rpmsg_pair *p)
{
	char max[48] = "largest message not known";
	int i, n = 0;

	if (p->max_msg)
		snprintf(max, sizeof(max), "largest message %zu bytes", p->max_msg);
	for (i = 0; i < 2; i++)
		n += snprintf(t->desc + n, sizeof(t->desc) - n, "%s%s%s%s%s", i ? " <-> " : "",
			      p->dev[i], *p->link[i] ? " (" : "", p->link[i],
			      *p->link[i] ? ")" : "");
	snprintf(t->desc + n, sizeof(t->desc) - n, ", %s", max);
}

/* Output ------------------------------------------------------------------ */

static void print_us(uint64_t ns)
{
	printf(" %9.1f", ns / 1000.0);
}

/* The row of @t for size @s; with @base, its ratios to @base's. */
static void print_row(const struct transport *t, const struct opts *o, int s,
		      const struct transport *base)
{
	const struct result *r = &t->res[s], *b = base ? &base->res[s] : NULL;
	const char *what = r->status == ST_TOO_BIG ? "n/a" :
			   r->status == ST_FAILED ? "failed" : "-";
	unsigned int i;

	printf("%7zu %-9s", o->sizes[s], t->name);
	if (r->status == ST_OK) {
		for (i = 0; i < NR_PCT; i++)
			print_us(r->pct[i]);
		print_us(r->max);
	} else {
		for (i = 0; i < NR_PCT + 1; i++)
			printf(" %9s", what);
	}
	if (b && r->status == ST_OK && b->status == ST_OK && b->pct[0] && b->pct[2])
		printf(" %9.2f %9.2f", (double)r->pct[0] / b->pct[0],
		       (double)r->pct[2] / b->pct[2]);
	else if (b)
		printf(" %9s %9s", "-", "-");
	putchar('\n');
}

static void print_header(const struct transport *ts, const struct opts *o, int ratios)
{
	int i;

	printf("round trips in microseconds: %lu per size in %lu rounds after %lu warm-up, ",
	       o->count, o->rounds, o->warmup);
	printf("pinger on CPU %d, echo on CPU %d\n", o->cpu[0], o->cpu[1]);
	for (i = 0; i < NR_TRANSPORTS; i++)
		if (ts[i].on)
			printf("  %s: %s\n", ts[i].name, ts[i].desc);
	printf("%7s %-9s", "size", "transport");
	for (i = 0; i < (int)NR_PCT; i++)
		printf(" %9s", pct_names[i]);
	printf(" %9s", "max");
	if (ratios)
		printf(" %9s %9s", "p50/pipe", "p99/pipe");
	putchar('\n');
}

static void csv_us(FILE *f, uint64_t ns)
{
	fprintf(f, ",%.3f", ns / 1000.0);
}

static void write_csv(FILE *f, const struct transport *ts, const struct opts *o)
{
	unsigned int i;
	int t, s;

	fprintf(f, "transport,size,status,count,min_us");
	for (i = 0; i < NR_PCT; i++)
		fprintf(f, ",%s", pct_csv[i]);
	fprintf(f, ",max_us,mean_us\n");
	for (t = 0; t < NR_TRANSPORTS; t++) {
		for (s = 0; ts[t].on && s < o->nr_sizes; s++) {
			const struct result *r = &ts[t].res[s];

			fprintf(f, "%s,%zu,%s,%lu", ts[t].name, o->sizes[s],
				status_names[r->status], r->status == ST_OK ? r->count : 0);
			if (r->status != ST_OK) {
				fprintf(f, ",,,,,,,\n");
				continue;
			}
			csv_us(f, r->min);
			for (i = 0; i < NR_PCT; i++)
				csv_us(f, r->pct[i]);
			csv_us(f, r->max);
			fprintf(f, ",%.3f\n", r->mean / 1000.0);
		}
	}
}

/* The distribution: a row per quantile of every transport and size measured. */
static void write_cdf(FILE *f, const struct transport *ts, const struct opts *o)
{
	unsigned int i;
	int t, s;

	fprintf(f, "transport,size,quantile,us\n");
	for (t = 0; t < NR_TRANSPORTS; t++) {
		for (s = 0; ts[t].on && s < o->nr_sizes; s++) {
			const struct result *r = &ts[t].res[s];

			for (i = 0; r->status == ST_OK && i < NR_CDF; i++)
				fprintf(f, "%s,%zu,%g,%.3f\n", ts[t].name, o->sizes[s],
					cdf_ppm(i) / 1e6, r->cdf[i] / 1000.0);
		}
	}
}

/* The run ----------------------------------------------------------------- */

/* Everything a run holds, for the end of it. */
struct run {
	struct transport ts[NR_TRANSPORTS];
	struct rpmsg_pair pair;
	int have_pair, have_pipes;
	uint8_t *tx, *rx;
	FILE *csv, *cdf;
};

/*
 * Transport @i of @r set up and its echo process started, or marked broken
 * (its rows then say not run); 0 or 1. One after the other, so that the
 * rpmsg echo holds no end of the pipes.
 */
static int run_setup(struct run *r, int i, const struct opts *o, size_t largest)
{
	struct transport *t = &r->ts[i];

	if (i == T_RPMSG && !rpmsg_setup(&r->pair, o->loopback, o->devs)) {
		r->have_pair = 1;
		t->datagram = 1;
		t->ping_rd = r->pair.fd[0];
		t->ping_wr = r->pair.fd[0];
		t->echo_rd = r->pair.fd[1];
		t->echo_wr = r->pair.fd[1];
		t->max_msg = r->pair.max_msg;
		rpmsg_desc(t, &r->pair);
	} else if (i == T_PIPE && !pipe_setup(t, largest)) {
		r->have_pipes = 1;
	} else {
		/* all goes on with the other transport. */
		t->broken = 1;
		snprintf(t->desc, sizeof(t->desc), "not set up: %s", last_said);
		return 1;
	}
	if (start_echo(t, o, largest + 1)) {
		t->broken = 1;
		return 1;
	}
	/* The echo's ends of the pipes are its own: its exit is an end of file. */
	if (i == T_PIPE) {
		close(t->echo_rd);
		close(t->echo_wr);
		t->echo_rd = -1;
		t->echo_wr = -1;
	}
	return 0;
}

static void run_teardown(struct run *r)
{
	int i;

	for (i = 0; i < NR_TRANSPORTS; i++)
		stop_echo(&r->ts[i]);
	if (r->have_pair)
		rpmsg_teardown(&r->pair);
	if (r->have_pipes)
		pipe_teardown(&r->ts[T_PIPE]);
	free(r->tx);
	free(r->rx);
	for (i = 0; i < NR_TRANSPORTS; i++)
		free(r->ts[i].lat);
}

/*
 * Size after size, round after round, the transports in turn in each; a
 * table row each once a size is done.
 */
static void run_sizes(struct run *r, const struct opts *o)
{
	struct transport *rpmsg = &r->ts[T_RPMSG], *pipes = &r->ts[T_PIPE];
	unsigned long k;
	int i, s;

	print_header(r->ts, o, rpmsg->on && pipes->on);
	fflush(stdout);
	for (s = 0; s < o->nr_sizes; s++) {
		for (k = 0; k < o->rounds; k++)
			for (i = 0; i < NR_TRANSPORTS; i++)
				if (r->ts[i].on && !r->ts[i].broken)
					measure(&r->ts[i], o, s, k, r->tx, r->rx);
		if (rpmsg->on)
			print_row(rpmsg, o, s, pipes->on ? pipes : NULL);
		if (pipes->on)
			print_row(pipes, o, s, NULL);
		fflush(stdout);
	}
}

/* The transports of bit mask @which (1 << T_*); the exit status. */
static int run_cmd(int which, struct opts *o)
{
	static struct run r = { .ts = { { .name = "rpmsg" }, { .name = "pipe" } } };
	size_t largest = 0;
	int ret, i, s, live = 0;
	pthread_t dog;

	if (pick_cpus(o))
		return 1;
	for (s = 0; s < o->nr_sizes; s++)
		if (o->sizes[s] > largest)
			largest = o->sizes[s];
	r.tx = malloc(largest + 1);
	r.rx = malloc(largest + 1);
	if (!r.tx || !r.rx)
		return fail("out of memory");
	for (i = 0; i < NR_TRANSPORTS; i++) {
		r.ts[i].on = !!(which & (1 << i));
		r.ts[i].lat = r.ts[i].on ? calloc(o->count, sizeof(*r.ts[i].lat)) : NULL;
		if (r.ts[i].on && !r.ts[i].lat)
			return fail("out of memory");
	}
	if (o->csv && strcmp(o->csv, "-")) {
		r.csv = fopen(o->csv, "w");
		if (!r.csv)
			return fail("%s: %s", o->csv, strerror(errno));
	}
	if (o->cdf && strcmp(o->cdf, "-")) {
		r.cdf = fopen(o->cdf, "w");
		if (!r.cdf)
			return fail("%s: %s", o->cdf, strerror(errno));
	}
	ret = 0;
	for (i = 0; i < NR_TRANSPORTS; i++) {
		if (!r.ts[i].on)
			continue;
		if (run_setup(&r, i, o, largest))
			ret = 1;
		else
			live = 1;
	}
	catch(SIGALRM, on_alarm);
	catch(SIGCHLD, on_child);
	signal(SIGPIPE, SIG_IGN);
	pinger = pthread_self();
	/* Before the pinger is pinned, so that the watchdog is not. */
	if (live && pthread_create(&dog, NULL, watchdog, &o->timeout)) {
		ret = fail("cannot start the watchdog thread");
		live = 0;
	}
	i = live ? pin(o->cpu[0]) : 0;
	if (i) {
		ret = fail("cannot run on CPU %d: %s", o->cpu[0], strerror(-i));
		live = 0;
	}
	if (live)
		run_sizes(&r, o);
	run_teardown(&r);
	for (i = 0; i < NR_TRANSPORTS; i++)
		for (s = 0; r.ts[i].on && s < o->nr_sizes; s++)
			if (r.ts[i].res[s].status != ST_OK && r.ts[i].res[s].status != ST_TOO_BIG)
				ret = 1;
	if (o->csv) {
		write_csv(r.csv ? r.csv : stdout, r.ts, o);
		if (r.csv && fclose(r.csv))
			ret = fail("%s: %s", o->csv, strerror(errno));
	}
	if (o->cdf) {
		write_cdf(r.cdf ? r.cdf : stdout, r.ts, o);
		if (r.cdf && fclose(r.cdf))
			ret = fail("%s: %s", o->cdf, strerror(errno));
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int which;
	} cmds[] = {
		{ "rpmsg", 1 << T_RPMSG },
		{ "pipe", 1 << T_PIPE },
		{ "all", 1 << T_RPMSG | 1 << T_PIPE },
	};
	struct opts o;
	size_t i;
	int ret;

	if (argc < 2)
		return bad("missing command: rpmsg, pipe or all");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mkrtt %s\n", MKRTT_VERSION);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		cmd_name = cmds[i].name;
		ret = parse_opts(argc - 1, argv + 1, &o, cmds[i].which & 1 << T_RPMSG);
		if (ret)
			return ret < 0 ? 0 : ret;
		return run_cmd(cmds[i].which, &o);
	}
	return bad("unknown %s '%s'", argv[1][0] == '-' ? "option" : "command", argv[1]);
}
