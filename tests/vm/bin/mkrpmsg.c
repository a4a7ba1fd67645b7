// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkrpmsg: the userspace end of the two-kernel rpmsg tests.
 *
 * Every command makes one rpmsg_char endpoint named "mkrpmsg" with
 * src = dst = ADDR through /dev/rpmsg_ctrlN (the lowest N, or -c CTRL), so
 * the endpoints of the same ADDR on the two kernels talk to each other.
 * Each write() on its /dev/rpmsgK is one message, each read() one message.
 * ADDR is decimal or 0x-hex.
 *
 *   serve-shell ADDR     remote shell server, forever. Each message is a
 *                        command, run with /bin/sh -c (stdout and stderr in
 *                        one pipe, stdin /dev/null), one at a time. Output
 *                        goes back as messages of 'O' + up to 16383 bytes,
 *                        then one 'X' + the decimal exit status (128 + the
 *                        signal when killed). Background jobs should
 *                        redirect their output: the status is sent once
 *                        the shell itself exits.
 *   sh [-t SECS] [-w SECS] ADDR CMD...
 *                        client of serve-shell: runs CMD (its words joined
 *                        by spaces), copies its output to stdout and exits
 *                        with its status. -w: first wait up to SECS for a
 *                        server to answer "true" (else exit 3). -t: wait at
 *                        most SECS (default 120) for the reply (exit 124).
 *                        Its own errors exit 125.
 *   echo ADDR            echo server, forever: each message goes back as is.
 *   ping [-n N] [-s SIZE] ADDR
 *                        N (1000) round trips of SIZE (64) bytes against an
 *                        echo server; prints latency percentiles.
 *   stream [-n N] [-m MAX] [--nonblock] ADDR
 *                        a writer thread sends N (10000) messages of
 *                        log-uniform sizes from 16 to MAX (65536) bytes to
 *                        an echo server; every echo is checked.
 *   blocktest [-p CMD] ADDR
 *                        backpressure against an echo server whose kernel
 *                        has stopped receiving (KTAP): EAGAIN, no POLLOUT,
 *                        a blocking writer waits and resumes (-p CMD runs
 *                        after 1 s of waiting), nothing is lost.
 *
 * The servers outlive the link: when it goes down their endpoint fails,
 * and every 300 ms they try to make it again. Errors print "mkrpmsg: ..."
 * on stderr and exit non-zero; bad arguments exit 2.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>
#include <linux/rpmsg.h>
#include "ktap.h"

#ifndef RPMSG_ADDR_ANY
#define RPMSG_ADDR_ANY		0xFFFFFFFF
#endif
#ifndef RPMSG_CREATE_EPT_IOCTL
#define RPMSG_CREATE_EPT_IOCTL	_IOW(0xb5, 0x1, struct rpmsg_endpoint_info)
#endif
#ifndef RPMSG_DESTROY_EPT_IOCTL
#define RPMSG_DESTROY_EPT_IOCTL	_IO(0xb5, 0x2)
#endif

#define EPT_NAME	"mkrpmsg"
#define SYS_RPMSG	"/sys/class/rpmsg"
#define MAX_PAYLOAD	65536
#define RX_SIZE		(MAX_PAYLOAD + 4096)	/* room to see an oversized message */
#define SHELL_MSG	16384			/* 'O' and up to 16383 bytes */
#define NSEC		1000000000ull
#define MSEC		1000000ull
#define EXIT_SH_ERR	125			/* sh: its own errors */

static const char usage_text[] =
	"usage: mkrpmsg [-c CTRL] COMMAND [OPTIONS] ADDR ...\n"
	"  serve-shell ADDR                       run the commands of 'sh' clients, forever\n"
	"  sh [-t SECS] [-w SECS] ADDR CMD...     run CMD on the serve-shell peer\n"
	"  echo ADDR                              send every message back, forever\n"
	"  ping [-n N] [-s SIZE] ADDR             round trips against an echo server\n"
	"  stream [-n N] [-m MAX] [--nonblock] ADDR\n"
	"                                         checked stream against an echo server\n"
	"  blocktest [-p CMD] ADDR                backpressure check (KTAP) against an\n"
	"                                         echo server whose kernel stopped receiving\n"
	"  create-dev NAME                        create an rpmsg channel NAME here\n"
	"                                         (announced to the peer)\n"
	"  flood ADDR                             blocking 4 KiB writes until one fails;\n"
	"                                         exit 0 only if it fails with EPIPE\n"
	"  tty-send TTY TEXT                      write TEXT to a tty in raw mode\n"
	"  tty-expect TTY TEXT SECS               read a raw tty until TEXT arrives\n"
	"Every command takes -c CTRL (default: the first /dev/rpmsg_ctrl*) and -h.\n"
	"ADDR: endpoint address, decimal or 0x-hex, the same on both kernels.\n";

static const char *ctrl_opt;		/* -c CTRL */
static char ept_err[512];		/* why the last ept_open() failed */
static volatile sig_atomic_t stop_sig;	/* SIGINT, SIGTERM or SIGHUP seen */

/* Output and errors */

static void vreport(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "mkrpmsg: ");

	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	n = strlen(buf);
	buf[n++] = '\n';
	/* One write, so that a line in /dev/kmsg stays one record. */
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

static __attribute__((format(printf, 1, 2))) void report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

static __attribute__((noreturn, format(printf, 2, 3))) void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	exit(status);
}

static __attribute__((format(printf, 1, 2))) void set_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ept_err, sizeof(ept_err), fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fputs(usage_text, f);
	fflush(f);
}

static __attribute__((noreturn, format(printf, 1, 2))) void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(2);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Time and signals */

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Milliseconds until DEADLINE (0 once passed), for poll(). */
static int ms_left(uint64_t deadline)
{
	uint64_t t = now_ns();

	if (t >= deadline)
		return 0;
	t = (deadline - t + MSEC - 1) / MSEC;
	return t > INT_MAX ? INT_MAX : (int)t;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_sig)
		;
}

static void sleep_until(uint64_t deadline)
{
	int ms = ms_left(deadline);

	if (ms > 0)
		sleep_ms(ms);
}

static void on_stop(int sig)
{
	stop_sig = sig;
}

static void on_wake(int sig)
{
	(void)sig;
}

static void catch(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };	/* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		die(1, "sigaction: %s", strerror(errno));
}

/* SIGINT, SIGTERM and SIGHUP end blocking calls with EINTR and set stop_sig. */
static void catch_stop(void)
{
	catch(SIGINT, on_stop);
	catch(SIGTERM, on_stop);
	catch(SIGHUP, on_stop);
	catch(SIGPIPE, SIG_IGN);
}

/* Argument parsing */

static int parse_num(const char *s, int base, unsigned long long min,
		     unsigned long long max, unsigned long long *out)
{
	const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
	unsigned long long v;
	char *end;

	if (!*s || s[strspn(s, digits)])
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_addr(const char *s, uint32_t *addr)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v;

	if (parse_num(hex ? s + 2 : s, hex ? 16 : 10, 0, RPMSG_ADDR_ANY - 1, &v))
		return -1;
	*addr = v;
	return 0;
}

static unsigned long opt_num(const char *what, const char *s, unsigned long min,
			     unsigned long max)
{
	unsigned long long v;

	if (parse_num(s, 10, min, max, &v))
		bad_usage("%s: want a number from %lu to %lu, not '%s'", what, min, max, s);
	return v;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The next option of a command; -c and -h/--help are everybody's. */
static int cmd_opt(int argc, char **argv, const char *opts, const struct option *lo)
{
	for (;;) {
		int c = getopt_long(argc, argv, opts, lo ? lo : help_only, NULL);

		if (c == 'c') {
			ctrl_opt = optarg;
			continue;
		}
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == ':' || c == '?') {
			if (optopt > ' ' && optopt < 0x7f)
				bad_usage("%s: %s -%c", argv[0],
					  c == ':' ? "no value for" : "unknown option", optopt);
			bad_usage("%s: bad option %s", argv[0], argv[optind - 1]);
		}
		return c;
	}
}

/* The ADDR argument at argv[optind], which must be the last unless MORE. */
static const char *addr_arg(int argc, char **argv, int more, uint32_t *addr)
{
	if (optind >= argc)
		bad_usage("%s: no ADDR given", argv[0]);
	if (parse_addr(argv[optind], addr))
		bad_usage("%s: bad ADDR '%s' (decimal or 0x-hex, below 0xffffffff)",
			  argv[0], argv[optind]);
	if (!more && optind + 1 < argc)
		bad_usage("%s: unexpected argument '%s'", argv[0], argv[optind + 1]);
	return argv[optind++];
}

/* Endpoints */

struct ept {
	int fd;
	char dev[300];		/* /dev/rpmsgK */
};

/* N of a name PREFIXN (digits only), or -1. */
static long dev_index(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	char *end;
	long n;

	if (strncmp(name, prefix, len) || !isdigit((unsigned char)name[len]))
		return -1;
	n = strtol(name + len, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* The /dev/rpmsg_ctrlN of the lowest N. */
static int find_ctrl(char *out, size_t size)
{
	DIR *dir = opendir("/dev");
	struct dirent *d;
	long best = -1;

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		long n = dev_index(d->d_name, "rpmsg_ctrl");

		if (n >= 0 && (best < 0 || n < best))
			best = n;
	}
	closedir(dir);
	if (best < 0)
		return -1;
	snprintf(out, size, "/dev/rpmsg_ctrl%ld", best);
	return 0;
}

/*
 * The control device to use, and its name in /sys/class/rpmsg (the parent
 * of the endpoint devices it makes), or "" when it has none there.
 */
static int ctrl_path(char *ctrl, size_t size, char *parent, size_t psize)
{
	char real[PATH_MAX], sys[PATH_MAX + 32];
	const char *base;
	struct stat st;

	if (ctrl_opt) {
		snprintf(ctrl, size, "%s", ctrl_opt);
	} else if (find_ctrl(ctrl, size)) {
		set_err("no /dev/rpmsg_ctrl* found");
		return -1;
	}
	parent[0] = '\0';
	if (!realpath(ctrl, real))
		return 0;
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	snprintf(sys, sizeof(sys), SYS_RPMSG "/%s", base);
	if (!stat(sys, &st) && strlen(base) < psize)
		memcpy(parent, base, strlen(base) + 1);
	return 0;
}

static int read_attr(const char *dev, const char *attr, char *buf, size_t size)
{
	char path[600];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYS_RPMSG "/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* rpmsg_char shows the addresses with %d. */
static int attr_addr(const char *dev, const char *attr, uint32_t *val)
{
	char buf[32], *end;
	long long v;

	if (read_attr(dev, attr, buf, sizeof(buf)))
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || *end)
		return -1;
	*val = (uint32_t)v;
	return 0;
}

/* Is /sys/class/rpmsg/NAME an endpoint device of ours under PARENT? */
static int our_ept(const char *name, const char *parent, uint32_t addr)
{
	char path[300], real[PATH_MAX], want[300], val[64];
	uint32_t src, dst;

	if (dev_index(name, "rpmsg") < 0)
		return 0;
	if (*parent) {
		snprintf(path, sizeof(path), SYS_RPMSG "/%.200s", name);
		snprintf(want, sizeof(want), "/%.200s/", parent);
		if (!realpath(path, real) || !strstr(real, want))
			return 0;
	}
	return !read_attr(name, "name", val, sizeof(val)) && !strcmp(val, EPT_NAME) &&
	       !attr_addr(name, "src", &src) && src == addr &&
	       !attr_addr(name, "dst", &dst) && dst == addr;
}

/*
 * Open an endpoint device of ours: 1 when opened, 0 when there is none (or
 * its node is not there yet), -1 when the address is taken or open fails.
 */
static int open_existing(struct ept *e, const char *parent, uint32_t addr, int flags)
{
	DIR *dir = opendir(SYS_RPMSG);
	struct dirent *d;
	int ret = 0;

	if (!dir)
		return 0;
	while (!ret && (d = readdir(dir))) {
		if (!our_ept(d->d_name, parent, addr))
			continue;
		snprintf(e->dev, sizeof(e->dev), "/dev/%.200s", d->d_name);
		e->fd = open(e->dev, O_RDWR | O_CLOEXEC | flags);
		if (e->fd >= 0)
			ret = 1;
		else if (errno == EBUSY || errno == EINVAL)
			ret = -1;
		else if (errno != ENOENT && errno != ENODEV && errno != ENXIO &&
			 errno != ENETRESET)
			ret = -1;
		if (ret < 0)
			set_err("open %s: %s%s", e->dev, strerror(errno),
				errno == EBUSY || errno == EINVAL ? " (address in use?)" : "");
	}
	closedir(dir);
	return ret;
}

static int create_ept(const char *ctrl, uint32_t addr)
{
	struct rpmsg_endpoint_info info = { .src = addr, .dst = addr };
	int fd = open(ctrl, O_RDWR | O_CLOEXEC), ret = 0;

	if (fd < 0) {
		set_err("open %s: %s", ctrl, strerror(errno));
		return -1;
	}
	memcpy(info.name, EPT_NAME, sizeof(EPT_NAME));
	if (ioctl(fd, RPMSG_CREATE_EPT_IOCTL, &info)) {
		set_err("RPMSG_CREATE_EPT_IOCTL on %s: %s", ctrl, strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

/*
 * Our endpoint on ADDR, opened with FLAGS. A device of ours left behind by
 * a run that could not destroy it is used again, so that none pile up;
 * otherwise one is made. 0, or -1 with ept_err set.
 */
static int ept_open(struct ept *e, uint32_t addr, int flags)
{
	char ctrl[PATH_MAX], parent[NAME_MAX + 1];
	uint64_t end;
	int ret;

	e->fd = -1;
	if (ctrl_path(ctrl, sizeof(ctrl), parent, sizeof(parent)))
		return -1;
	if (access(ctrl, F_OK)) {
		set_err("%s: %s", ctrl, strerror(errno));
		return -1;
	}
	ret = open_existing(e, parent, addr, flags);
	if (ret)
		return ret > 0 ? 0 : -1;
	if (create_ept(ctrl, addr))
		return -1;
	/* No udev: devtmpfs makes the node, soon. */
	end = now_ns() + 5 * NSEC;
	while (!(ret = open_existing(e, parent, addr, flags)) && now_ns() < end && !stop_sig)
		sleep_ms(10);
	if (!ret)
		set_err("%s: no endpoint device for 0x%x within 5 s", ctrl, addr);
	return ret > 0 ? 0 : -1;
}

static void ept_close(struct ept *e)
{
	if (e->fd < 0)
		return;
	/* After the link went down the device is gone already: that is fine. */
	(void)ioctl(e->fd, RPMSG_DESTROY_EPT_IOCTL);
	close(e->fd);
	e->fd = -1;
}

/* Messages */

static int send_msg(int fd, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = write(fd, buf, len);

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EIO;	/* a message goes whole or not at all */
		if (errno != EINTR || stop_sig)
			return -errno;
	}
}

/*
 * One message into BUF: its length, -ETIMEDOUT after TIMEOUT_MS (-1: no
 * poll, block in read()), or -errno (-EINTR: a signal came).
 */
static ssize_t recv_msg(int fd, void *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (timeout_ms >= 0) {
		int r = poll(&p, 1, timeout_ms);

		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		/* POLLERR: read() says why. */
	}
	n = read(fd, buf, size);
	return n < 0 ? -errno : n;
}

/* Throw away whatever is queued already. */
static void drain(int fd, void *buf, size_t size)
{
	int i;

	for (i = 0; i < 100000; i++) {
		ssize_t n = recv_msg(fd, buf, size, 0);

		if (n < 0 && n != -EINTR)
			break;
	}
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The bytes of message SEQ after its header. */
static void fill(uint8_t *p, size_t len, uint64_t seq)
{
	uint64_t s = seq ^ 0x6d6b72706d736721ull, x = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			x = splitmix64(&s);
		p[i] = x >> (8 * (i & 7));
	}
}

static uint32_t fnv1a(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* The checked messages of stream and blocktest. */
struct msg_hdr {
	uint64_t seq;
	uint32_t len;
	uint32_t sum;		/* FNV-1a of the rest */
};

static void make_msg(uint8_t *buf, size_t len, uint64_t seq)
{
	struct msg_hdr h = { .seq = seq, .len = len };

	fill(buf + sizeof(h), len - sizeof(h), seq);
	h.sum = fnv1a(buf + sizeof(h), len - sizeof(h));
	memcpy(buf, &h, sizeof(h));
}

/* Is BUF (N bytes) a good message? SCRATCH holds N bytes. */
static int msg_ok(const uint8_t *buf, size_t n, uint8_t *scratch)
{
	struct msg_hdr h;

	if (n < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.len != n || fnv1a(buf + sizeof(h), n - sizeof(h)) != h.sum)
		return 0;
	fill(scratch, n - sizeof(h), h.seq);
	return !memcmp(scratch, buf + sizeof(h), n - sizeof(h));
}

static uint64_t msg_seq(const uint8_t *buf)
{
	uint64_t seq;

	memcpy(&seq, buf, sizeof(seq));
	return seq;
}

/* ln and exp for the log-uniform sizes, without libm. */
#define LN2 0.69314718055994530942

static double ln_pos(double x)
{
	double t, t2, term, s = 0;
	int e = 0, k;

	while (x >= 2.0) {
		x /= 2.0;
		e++;
	}
	while (x < 1.0) {
		x *= 2.0;
		e--;
	}
	t = (x - 1.0) / (x + 1.0);	/* below 1/3 */
	t2 = t * t;
	term = t;
	for (k = 1; k < 60; k += 2) {
		s += term / k;
		term *= t2;
	}
	return 2.0 * s + e * LN2;
}

static double exp_pos(double y)
{
	int k = (int)(y / LN2), i;
	double r = y - k * LN2, s = 1, term = 1;

	for (i = 1; i < 30; i++) {
		term *= r / i;
		s += term;
	}
	while (k-- > 0)
		s *= 2.0;
	return s;
}

/* A size from 16 to MAX, log-uniform. */
static size_t rand_size(uint64_t *rng, double log_range, size_t max)
{
	double u = (splitmix64(rng) >> 11) * (1.0 / 9007199254740992.0);
	size_t len = (size_t)(16.0 * exp_pos(u * log_range));

	return len < 16 ? 16 : len > max ? max : len;
}

/* Threads: stop flags and SIGUSR1 to break blocking calls. */

/* Interrupt thread T (which checks STOP after EINTR) until it ends. */
static int stop_thread(pthread_t t, atomic_int *stop)
{
	int i;

	atomic_store(stop, 1);
	for (i = 0; i < 50; i++) {
		struct timespec ts;

		if (clock_gettime(CLOCK_REALTIME, &ts))
			return -1;
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_kill(t, SIGUSR1);
		if (!pthread_timedjoin_np(t, NULL, &ts))
			return 0;
	}
	return -1;
}

static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int ret = pthread_create(t, NULL, fn, arg);

	if (ret)
		die(1, "pthread_create: %s", strerror(ret));
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die(1, "out of memory (%zu bytes)", size);
	return p;
}

/* Servers */

typedef int session_fn(int fd, char *buf);

/* Make the endpoint, run SESSION until it fails, and again, forever. */
static int serve(const char *what, const char *addr_str, uint32_t addr, session_fn *session)
{
	char *buf = xmalloc(RX_SIZE + 1), last[sizeof(ept_err)] = "";
	struct ept e;

	catch_stop();
	while (!stop_sig) {
		if (ept_open(&e, addr, 0)) {
			/* Once per cause, not every 300 ms while the link is down. */
			if (strcmp(last, ept_err) && !stop_sig)
				report("%s: %s", what, ept_err);
			snprintf(last, sizeof(last), "%s", ept_err);
		} else {
			int ret;

			last[0] = '\0';
			printf("%s: ready on %s\n", what, addr_str);
			fflush(stdout);
			ret = session(e.fd, buf);
			if (!stop_sig)
				report("%s: %s: %s; starting over", what, e.dev, strerror(-ret));
			ept_close(&e);
		}
		sleep_ms(300);
	}
	free(buf);
	return 128 + stop_sig;
}

struct child {
	pid_t pid;		/* -1 once reaped */
	int out;		/* read end of its stdout and stderr */
	int status;
};

static void __attribute__((noreturn)) child_exec(int out, const char *cmd)
{
	int null = open("/dev/null", O_RDONLY);

	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	dprintf(2, "serve-shell: /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static int child_start(struct child *c, const char *cmd)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (!c->pid)
		child_exec(p[1], cmd);
	close(p[1]);
	c->out = p[0];
	return 0;
}

static void child_reap(struct child *c, int options)
{
	int st;
	pid_t r;

	if (c->pid < 0)
		return;
	do
		r = waitpid(c->pid, &st, options);
	while (r < 0 && errno == EINTR);
	if (r == c->pid) {
		c->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
		c->pid = -1;
	} else if (r < 0) {
		c->status = 126;	/* lost it: cannot happen */
		c->pid = -1;
	}
}

/*
 * Send the child's output as 'O' messages until its shell is gone and the
 * pipe is empty (not until EOF: a background job may keep the pipe open).
 */
static int relay(int fd, struct child *c, char *buf)
{
	struct pollfd p = { .fd = c->out, .events = POLLIN };
	int after = 0;

	for (;;) {
		ssize_t n;
		int r;

		child_reap(c, WNOHANG);
		if (c->pid < 0 && ++after > 64)
			return 0;	/* a background job that keeps writing */
		r = poll(&p, 1, c->pid < 0 ? 0 : 100);
		if (r < 0 && errno == EINTR && !stop_sig)
			continue;
		if (r < 0)
			return -errno;
		if (!r) {
			if (c->pid < 0)
				return 0;
			continue;
		}
		n = read(c->out, buf + 1, SHELL_MSG - 1);
		if (n < 0 && errno == EINTR && !stop_sig)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;	/* EOF */
		buf[0] = 'O';
		r = send_msg(fd, buf, n + 1);
		if (r)
			return r;
	}
}

static int send_status(int fd, int status)
{
	char m[16];

	return send_msg(fd, m, snprintf(m, sizeof(m), "X%d", status));
}

static int shell_run(int fd, const char *cmd, char *buf)
{
	struct child c = { .pid = -1, .out = -1 };
	int ret = child_start(&c, cmd);

	if (ret) {
		ret = send_msg(fd, buf, snprintf(buf, SHELL_MSG, "Oserve-shell: cannot run: %s\n",
						 strerror(-ret)));
		return ret ? ret : send_status(fd, 126);
	}
	ret = relay(fd, &c, buf);
	close(c.out);
	if (ret) {
		/* The link went down (or we were told to stop): not worth waiting. */
		if (c.pid > 0)
			kill(c.pid, SIGKILL);
		child_reap(&c, 0);
		return ret;
	}
	child_reap(&c, 0);
	return send_status(fd, c.status);
}

static int shell_session(int fd, char *buf)
{
	static char out[SHELL_MSG];

	for (;;) {
		ssize_t n = recv_msg(fd, buf, RX_SIZE, -1);
		int ret;

		if (n == -EINTR && !stop_sig)
			continue;
		if (n < 0)
			return n;
		buf[n] = '\0';
		ret = shell_run(fd, buf, out);
		if (ret)
			return ret;
	}
}

static int echo_session(int fd, char *buf)
{
	for (;;) {
		ssize_t n = recv_msg(fd, buf, RX_SIZE, -1);
		int ret;

		if (n == -EINTR && !stop_sig)
			continue;
		if (n < 0)
			return n;
		ret = send_msg(fd, buf, n);
		if (ret)
			return ret;
	}
}

static int cmd_serve_shell(int argc, char **argv)
{
	const char *a;
	uint32_t addr;

	while (cmd_opt(argc, argv, "+:c:h", NULL) != -1)
		;
	a = addr_arg(argc, argv, 0, &addr);
	return serve("serve-shell", a, addr, shell_session);
}

static int cmd_echo(int argc, char **argv)
{
	const char *a;
	uint32_t addr;

	while (cmd_opt(argc, argv, "+:c:h", NULL) != -1)
		;
	a = addr_arg(argc, argv, 0, &addr);
	return serve("echo", a, addr, echo_session);
}

/* sh */

struct sh {
	struct ept e;
	const char *addr_str;
	uint32_t addr;
	unsigned long timeout, wait;
	char *cmd;
	char buf[RX_SIZE + 1];
	/* Output before the end of our marker command's reply is stale. */
	char mark[64];
	size_t mlen;
	char tail[128];		/* the last 'O' bytes since the last 'X' */
	size_t tlen;
	int seen, synced, stdout_gone;
};

/* Send "true", wait 1 s for an 'X': 1 answered, 0 not, -errno. */
static int sh_probe(struct sh *s)
{
	uint64_t end = now_ns() + NSEC;
	int ret = send_msg(s->e.fd, "true", 4);

	while (!ret) {
		ssize_t n = recv_msg(s->e.fd, s->buf, RX_SIZE, ms_left(end));

		if (n == -ETIMEDOUT)
			return 0;
		if (n == -EINTR && !stop_sig)
			continue;
		if (n < 0)
			return n;
		if (n > 0 && s->buf[0] == 'X')
			return 1;
	}
	return ret;
}

/* -w: until a server answers, making the endpoint again while it fails. */
static int sh_wait(struct sh *s)
{
	uint64_t end = now_ns() + s->wait * NSEC;

	ept_err[0] = '\0';
	while (!stop_sig && now_ns() < end) {
		uint64_t next = now_ns() + NSEC;
		int ret;

		if (s->e.fd < 0) {
			if (ept_open(&s->e, s->addr, 0)) {
				sleep_until(next < end ? next : end);
				continue;
			}
			ept_err[0] = '\0';
		}
		ret = sh_probe(s);
		if (ret > 0)
			return 0;
		if (ret < 0)
			ept_close(&s->e);	/* link down: make it again */
		sleep_until(next < end ? next : end);
	}
	return -1;
}

static void sh_tail(struct sh *s, const char *p, size_t n)
{
	size_t room = sizeof(s->tail);

	if (n >= room) {
		memcpy(s->tail, p + n - room, room);
		s->tlen = room;
	} else {
		if (s->tlen + n > room) {
			size_t drop = s->tlen + n - room;

			memmove(s->tail, s->tail + drop, s->tlen - drop);
			s->tlen -= drop;
		}
		memcpy(s->tail + s->tlen, p, n);
		s->tlen += n;
	}
	if (memmem(s->tail, s->tlen, s->mark, s->mlen))
		s->seen = 1;
}

static void sh_output(struct sh *s, const char *p, size_t n)
{
	int ret;

	if (s->stdout_gone)
		return;
	ret = write_all(STDOUT_FILENO, p, n);
	if (ret) {
		/* "| head": drop the rest quietly, still wait for the status. */
		if (ret != -EPIPE)
			report("write stdout: %s", strerror(-ret));
		s->stdout_gone = 1;
	}
}

/* One message of the reply: the exit status, -1 for more, -2 on error. */
static int sh_msg(struct sh *s, ssize_t n)
{
	char *end;
	long st;

	if (!n)
		return -1;
	if (s->buf[0] != 'O' && s->buf[0] != 'X') {
		report("unexpected message from the shell server (type 0x%02x, %zd bytes)",
		       (unsigned char)s->buf[0], n);
		return -2;
	}
	if (!s->synced) {
		if (s->buf[0] == 'O')
			sh_tail(s, s->buf + 1, n - 1);
		else if (s->seen)
			s->synced = 1;
		else
			s->tlen = 0;	/* a stale reply */
		return -1;
	}
	if (s->buf[0] == 'O') {
		sh_output(s, s->buf + 1, n - 1);
		return -1;
	}
	s->buf[n] = '\0';
	errno = 0;
	st = strtol(s->buf + 1, &end, 10);
	if (errno || end == s->buf + 1 || *end || st < 0 || st > 255) {
		report("bad status message '%.40s' from the shell server", s->buf);
		return -2;
	}
	return st;
}

/*
 * Run the command. Replies of earlier commands (probes of -w answered
 * late, a command of a client that gave up) may still be on their way:
 * "echo MARK" goes first, and everything up to the end of its reply is
 * dropped. The server runs commands in order, so what follows is ours.
 */
static int sh_run(struct sh *s)
{
	char sync_cmd[96];
	uint64_t end;
	int ret;

	s->mlen = snprintf(s->mark, sizeof(s->mark), "mkrpmsg-sync-%d-%llx", (int)getpid(),
			   (unsigned long long)now_ns());
	snprintf(sync_cmd, sizeof(sync_cmd), "echo %s", s->mark);
	drain(s->e.fd, s->buf, RX_SIZE);
	ret = send_msg(s->e.fd, sync_cmd, strlen(sync_cmd));
	if (!ret)
		ret = send_msg(s->e.fd, s->cmd, strlen(s->cmd));
	if (ret) {
		if (stop_sig)
			return 128 + stop_sig;
		report("write %s: %s", s->e.dev, strerror(-ret));
		return EXIT_SH_ERR;
	}
	end = now_ns() + s->timeout * NSEC;
	for (;;) {
		ssize_t n = recv_msg(s->e.fd, s->buf, RX_SIZE, ms_left(end));

		if (n == -EINTR && !stop_sig)
			continue;
		if (stop_sig)
			return 128 + stop_sig;
		if (n == -ETIMEDOUT) {
			report("no reply in %lu s", s->timeout);
			return 124;
		}
		if (n < 0) {
			report("read %s: %s", s->e.dev, strerror(-n));
			return EXIT_SH_ERR;
		}
		ret = sh_msg(s, n);
		if (ret == -2)
			return EXIT_SH_ERR;
		if (ret >= 0)
			return ret;
	}
}

/* The words of the command, joined by spaces. */
static char *join_words(int argc, char **argv)
{
	size_t len = 0;
	char *cmd;
	int i;

	for (i = 0; i < argc; i++) {
		len += strlen(argv[i]) + 1;
		if (len > MAX_PAYLOAD + 1)
			bad_usage("sh: command longer than %d bytes", MAX_PAYLOAD);
	}
	cmd = xmalloc(len);
	cmd[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	return cmd;
}

static int cmd_sh(int argc, char **argv)
{
	static struct sh s = { .e.fd = -1, .timeout = 120 };
	int c, ret;

	while ((c = cmd_opt(argc, argv, "+:c:ht:w:", NULL)) != -1) {
		if (c == 't')
			s.timeout = opt_num("sh -t", optarg, 1, 1000000);
		else if (c == 'w')
			s.wait = opt_num("sh -w", optarg, 1, 1000000);
		else
			bad_usage("sh: unknown option");
	}
	s.addr_str = addr_arg(argc, argv, 1, &s.addr);
	if (optind >= argc)
		bad_usage("sh: no command given");
	s.cmd = join_words(argc - optind, argv + optind);
	catch_stop();
	if (s.wait && sh_wait(&s)) {
		ept_close(&s.e);
		if (stop_sig)
			return 128 + stop_sig;
		if (ept_err[0])
			report("%s", ept_err);
		die(3, "no shell server answered on %s in %lu s", s.addr_str, s.wait);
	}
	if (!s.wait && ept_open(&s.e, s.addr, 0))
		die(EXIT_SH_ERR, "%s", ept_err);
	ret = sh_run(&s);
	ept_close(&s.e);
	free(s.cmd);
	return ret;
}

/* ping */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct_us(const uint64_t *v, size_t m, unsigned int p)
{
	return m ? v[(m - 1) * p / 100] / 1000 : 0;
}

/* One round trip: 0 good (latency in *LAT), 1 wrong or missing, -errno. */
static int ping_one(int fd, uint8_t *tx, uint8_t *rx, size_t size, uint64_t seq,
		    uint64_t *lat)
{
	uint64_t t0 = now_ns(), end = t0 + 10 * NSEC;
	int ret;

	memcpy(tx, &seq, sizeof(seq));
	fill(tx + sizeof(seq), size - sizeof(seq), seq);
	ret = send_msg(fd, tx, size);
	if (ret)
		return ret;
	for (;;) {
		ssize_t n = recv_msg(fd, rx, RX_SIZE, ms_left(end));

		if (n == -ETIMEDOUT)
			return 1;
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		if (n >= 8 && msg_seq(rx) < seq)
			continue;	/* the late reply to an earlier one */
		*lat = now_ns() - t0;
		return n == (ssize_t)size && !memcmp(tx, rx, size) ? 0 : 1;
	}
}

static int cmd_ping(int argc, char **argv)
{
	unsigned long n = 1000, size = 64, i, m = 0, errors = 0;
	uint64_t *lat;
	uint8_t *tx, *rx;
	struct ept e;
	uint32_t addr;
	int c;

	while ((c = cmd_opt(argc, argv, "+:c:hn:s:", NULL)) != -1) {
		if (c == 'n')
			n = opt_num("ping -n", optarg, 1, 10000000);
		else if (c == 's')
			size = opt_num("ping -s", optarg, 8, MAX_PAYLOAD);
		else
			bad_usage("ping: unknown option");
	}
	addr_arg(argc, argv, 0, &addr);
	if (ept_open(&e, addr, 0))
		die(1, "%s", ept_err);
	lat = xmalloc(n * sizeof(*lat));
	tx = xmalloc(size);
	rx = xmalloc(RX_SIZE);
	drain(e.fd, rx, RX_SIZE);
	for (i = 0; i < n; i++) {
		int r = ping_one(e.fd, tx, rx, size, i, &lat[m]);

		if (r < 0) {
			report("ping: %s: %s", e.dev, strerror(-r));
			errors += n - i;
			break;
		}
		if (r)
			errors++;
		else
			m++;
	}
	ept_close(&e);
	qsort(lat, m, sizeof(*lat), cmp_u64);
	printf("ping size=%lu n=%lu p50_us=%llu p90_us=%llu p99_us=%llu max_us=%llu errors=%lu\n",
	       size, n, (unsigned long long)pct_us(lat, m, 50),
	       (unsigned long long)pct_us(lat, m, 90), (unsigned long long)pct_us(lat, m, 99),
	       (unsigned long long)(m ? lat[m - 1] / 1000 : 0), errors);
	free(lat);
	free(tx);
	free(rx);
	return errors ? 1 : 0;
}

/* stream */

struct stream {
	int fd, nonblock;
	unsigned long n;
	size_t max;
	pthread_t reader, writer;
	atomic_ulong sent, got;
	atomic_int writer_done, stop, finished, timed_out;
	unsigned long eagain;
	int werr;		/* -errno of the writer, valid once writer_done */
	int rerr;
	/* Checks of the echoes */
	uint8_t *seen;		/* one bit per seq */
	uint64_t max_seen, bytes, t_last;
	unsigned long distinct, corrupt, reordered;
	int any;
};

/* Write one message; in --nonblock mode wait for POLLOUT on EAGAIN. */
static int stream_write(struct stream *s, const uint8_t *buf, size_t len)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };

	while (!atomic_load(&s->stop)) {
		ssize_t n = write(s->fd, buf, len);
		int r;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		s->eagain++;
		r = poll(&p, 1, 10000);
		if (!r)
			return -ETIMEDOUT;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

static void *stream_writer(void *arg)
{
	struct stream *s = arg;
	uint8_t *buf = malloc(s->max);
	double log_range = ln_pos((s->max + 1.0) / 16.0);
	uint64_t rng = 0x6d6b72706d7367ull, seq;
	int ret = buf ? 0 : -ENOMEM;

	for (seq = 0; !ret && seq < s->n; seq++) {
		size_t len = rand_size(&rng, log_range, s->max);

		make_msg(buf, len, seq);
		ret = stream_write(s, buf, len);
		if (!ret)
			atomic_fetch_add(&s->sent, 1);
	}
	s->werr = ret;
	free(buf);
	atomic_store(&s->writer_done, 1);
	return NULL;
}

/* Wakes the reader when it stalled 20 s or the writer gave up. */
static void *stream_watchdog(void *arg)
{
	struct stream *s = arg;
	unsigned long last = atomic_load(&s->got);
	uint64_t since = now_ns();

	while (!atomic_load(&s->finished)) {
		unsigned long got;

		sleep_ms(100);
		got = atomic_load(&s->got);
		if (got != last) {
			last = got;
			since = now_ns();
		} else if (now_ns() - since > 20 * NSEC) {
			atomic_store(&s->timed_out, 1);
		}
		if (atomic_load(&s->timed_out) ||
		    (atomic_load(&s->writer_done) && got >= atomic_load(&s->sent)))
			pthread_kill(s->reader, SIGUSR1);
	}
	return NULL;
}

static void stream_check(struct stream *s, const uint8_t *buf, size_t n, uint8_t *scratch)
{
	uint64_t seq;

	s->bytes += n;
	if (n < sizeof(struct msg_hdr)) {
		s->corrupt++;
		return;
	}
	seq = msg_seq(buf);
	if (seq >= s->n) {
		s->corrupt++;
		return;
	}
	if (s->seen[seq / 8] & (1u << (seq % 8))) {
		s->corrupt++;		/* a duplicate */
		return;
	}
	s->seen[seq / 8] |= 1u << (seq % 8);
	s->distinct++;
	if (s->any && seq < s->max_seen)
		s->reordered++;		/* came after a later one */
	if (!s->any || seq > s->max_seen)
		s->max_seen = seq;
	s->any = 1;
	if (!msg_ok(buf, n, scratch))
		s->corrupt++;
}

static int stream_more(struct stream *s)
{
	unsigned long got = atomic_load(&s->got);

	if (got >= s->n || atomic_load(&s->timed_out))
		return 0;
	return !(atomic_load(&s->writer_done) && got >= atomic_load(&s->sent));
}

/* The main thread reads the echoes (blocking read(): see blocktest). */
static void stream_read(struct stream *s, uint8_t *buf, uint8_t *scratch)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	while (stream_more(s)) {
		ssize_t n;

		if (s->nonblock && poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			s->rerr = errno;
			break;
		}
		n = read(s->fd, buf, RX_SIZE);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			s->rerr = errno;
			break;
		}
		stream_check(s, buf, n, scratch);
		s->t_last = now_ns();
		atomic_fetch_add(&s->got, 1);
	}
}

static int stream_report(struct stream *s, uint64_t t0)
{
	unsigned long sent = atomic_load(&s->sent), got = atomic_load(&s->got);
	unsigned long lost = sent > s->distinct ? sent - s->distinct : 0;
	uint64_t ns = (s->t_last > t0 ? s->t_last : now_ns()) - t0;
	double secs = ns ? ns / 1e9 : 1e-9;

	if (atomic_load(&s->timed_out))
		report("stream: no echo for 20 s");
	if (s->rerr)
		report("stream: read %s", strerror(s->rerr));
	if (atomic_load(&s->writer_done) && s->werr && s->werr != -EINTR)
		report("stream: write: %s", s->werr == -ETIMEDOUT ? "no POLLOUT in 10 s" :
		       strerror(-s->werr));
	printf("stream n=%lu sent=%lu received=%lu lost=%lu corrupt=%lu reordered=%lu eagain=%lu "
	       "ms=%llu msgs_per_s=%.0f mb_per_s=%.1f\n", s->n, sent, got, lost, s->corrupt,
	       s->reordered, s->eagain, (unsigned long long)(ns / MSEC), got / secs,
	       s->bytes / secs / 1e6);
	return lost || s->corrupt || s->reordered || sent != s->n || s->rerr ||
	       atomic_load(&s->timed_out) ? 1 : 0;
}

static const struct option stream_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "nonblock", no_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 },
};

static void stream_args(struct stream *s, int argc, char **argv, uint32_t *addr)
{
	int c;

	while ((c = cmd_opt(argc, argv, "+:c:hn:m:", stream_opts)) != -1) {
		if (c == 'n')
			s->n = opt_num("stream -n", optarg, 1, 100000000);
		else if (c == 'm')
			s->max = opt_num("stream -m", optarg, 16, MAX_PAYLOAD);
		else if (c == 'N')
			s->nonblock = 1;
		else
			bad_usage("stream: unknown option");
	}
	addr_arg(argc, argv, 0, addr);
}

static int cmd_stream(int argc, char **argv)
{
	static struct stream s = { .n = 10000, .max = MAX_PAYLOAD };
	uint8_t *buf = xmalloc(RX_SIZE), *scratch = xmalloc(RX_SIZE);
	pthread_t dog;
	struct ept e;
	uint32_t addr;
	uint64_t t0;
	int ret, joined;

	stream_args(&s, argc, argv, &addr);
	s.seen = calloc(s.n / 8 + 1, 1);
	if (!s.seen)
		die(1, "out of memory");
	catch(SIGUSR1, on_wake);
	catch(SIGPIPE, SIG_IGN);
	if (ept_open(&e, addr, s.nonblock ? O_NONBLOCK : 0))
		die(1, "%s", ept_err);
	s.fd = e.fd;
	s.reader = pthread_self();
	drain(s.fd, buf, RX_SIZE);
	t0 = now_ns();
	start_thread(&s.writer, stream_writer, &s);
	start_thread(&dog, stream_watchdog, &s);
	stream_read(&s, buf, scratch);
	atomic_store(&s.finished, 1);
	pthread_join(dog, NULL);
	joined = !stop_thread(s.writer, &s.stop);
	ret = stream_report(&s, t0);
	/* A writer stuck in the kernel holds the endpoint's lock: leave it. */
	if (joined)
		ept_close(&e);
	free(buf);
	free(scratch);
	free(s.seen);
	return ret;
}

/* blocktest */

#define BT_SIZE		4096
#define BT_MAX		100000

struct blocktest {
	int fd;
	uint64_t k;			/* messages written before EAGAIN */
	pthread_t reader, writer;
	atomic_int stop_r, stop_w, rdone, wdone;
	int wjoined;
	atomic_ulong target, got;	/* echoes to read, read */
	int wret;			/* the blocking write: 0 or -errno */
	int rerr;
	unsigned long bad;
	uint64_t first_bad;
};

static void *bt_writer(void *arg)
{
	struct blocktest *b = arg;
	static uint8_t buf[BT_SIZE];
	ssize_t n;

	make_msg(buf, BT_SIZE, b->k);
	do
		n = write(b->fd, buf, BT_SIZE);
	while (n < 0 && errno == EINTR && !atomic_load(&b->stop_w));
	b->wret = n == BT_SIZE ? 0 : n < 0 ? -errno : -EIO;
	atomic_store(&b->wdone, 1);
	return NULL;
}

/* Reads with blocking read(): poll() would wait for the writer's lock. */
static void *bt_reader(void *arg)
{
	struct blocktest *b = arg;
	static uint8_t buf[RX_SIZE], scratch[RX_SIZE];

	while (!atomic_load(&b->stop_r)) {
		unsigned long got = atomic_load(&b->got);
		ssize_t n;

		if (got >= atomic_load(&b->target))
			break;
		n = read(b->fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->rerr = errno;
			break;
		}
		if (n != BT_SIZE || msg_seq(buf) != got || !msg_ok(buf, n, scratch)) {
			if (!b->bad++)
				b->first_bad = got;
		}
		atomic_store(&b->got, got + 1);
	}
	atomic_store(&b->rdone, 1);
	return NULL;
}

/* (a) Nonblocking writes until EAGAIN: 0 to go on, -1 when hopeless. */
static int bt_fill(struct blocktest *b)
{
	static uint8_t buf[BT_SIZE];
	ssize_t n = 0;
	int err = 0;

	for (b->k = 0; b->k < BT_MAX; b->k++) {
		make_msg(buf, BT_SIZE, b->k);
		n = write(b->fd, buf, BT_SIZE);
		if (n != BT_SIZE) {
			err = n < 0 ? errno : EIO;
			break;
		}
	}
	if (b->k == BT_MAX) {
		ktap_result(0, "nonblocking writer gets EAGAIN (none after %d messages)", BT_MAX);
		return 0;
	}
	if (err == EAGAIN) {
		ktap_result(1, "nonblocking writer gets EAGAIN (after %llu messages)",
			    (unsigned long long)b->k);
		return 0;
	}
	ktap_result(0, "nonblocking writer gets EAGAIN (write failed after %llu messages: %s)",
		    (unsigned long long)b->k, strerror(err));
	return -1;
}

/* (b) */
static void bt_poll(struct blocktest *b)
{
	struct pollfd p = { .fd = b->fd, .events = POLLOUT };
	int r = poll(&p, 1, 200);

	if (r < 0)
		printf("# poll: %s\n", strerror(errno));
	else if (r)
		printf("# poll revents 0x%x\n", p.revents);
	ktap_result(r == 0, "poll without POLLOUT while the reader is stopped");
}

static void bt_wait(atomic_int *done, uint64_t deadline)
{
	while (!atomic_load(done) && now_ns() < deadline)
		sleep_ms(10);
}

/* (c) A blocking write waits, then resumes; the reader thread starts. */
static void bt_block(struct blocktest *b, const char *cmd)
{
	int flags = fcntl(b->fd, F_GETFL), ok;

	if (flags < 0 || fcntl(b->fd, F_SETFL, flags & ~O_NONBLOCK))
		printf("# fcntl: %s\n", strerror(errno));
	atomic_store(&b->target, b->k + 1);
	start_thread(&b->reader, bt_reader, b);
	start_thread(&b->writer, bt_writer, b);
	sleep_ms(1000);
	ktap_result(!atomic_load(&b->wdone), "blocking writer waits");
	if (cmd) {
		int st;

		fflush(stdout);
		st = system(cmd);

		if (st)
			printf("# -p '%s': status %d\n", cmd, st < 0 ? -1 : WEXITSTATUS(st));
	}
	bt_wait(&b->wdone, now_ns() + 60 * NSEC);
	/* Still blocked after 60 s: interrupt it, so it did not write. */
	if (!atomic_load(&b->wdone)) {
		b->wjoined = !stop_thread(b->writer, &b->stop_w);
		if (!b->wjoined)
			printf("# the blocked writer does not even stop\n");
	}
	ok = atomic_load(&b->wdone) && !b->wret;
	if (atomic_load(&b->wdone) && b->wret)
		printf("# blocking write: %s\n", strerror(-b->wret));
	ktap_result(ok, "blocked writer resumes");
	if (!ok)
		atomic_store(&b->target, b->k);
}

/* (d) Every message written comes back, in order. */
static void bt_echoes(struct blocktest *b)
{
	uint64_t end = now_ns() + 60 * NSEC;
	unsigned long target = atomic_load(&b->target), got;

	while (!atomic_load(&b->rdone) && now_ns() < end) {
		/* The target may have dropped under a reader blocked in read(). */
		if (atomic_load(&b->got) >= target)
			pthread_kill(b->reader, SIGUSR1);
		sleep_ms(10);
	}
	got = atomic_load(&b->got);
	if (b->rerr)
		printf("# read: %s\n", strerror(b->rerr));
	if (got < target)
		printf("# %lu of %lu echoes within 60 s\n", got, target);
	if (b->bad)
		printf("# %lu wrong echoes, the first one at position %llu\n", b->bad,
		       (unsigned long long)b->first_bad);
	ktap_result(atomic_load(&b->rdone) && got == target && !b->bad && !b->rerr,
		    "nothing lost: %lu messages echoed in order", target);
}

static int cmd_blocktest(int argc, char **argv)
{
	static struct blocktest b;
	const char *cmd = NULL;
	int c, threads_gone = 1;
	struct ept e;
	uint32_t addr;

	while ((c = cmd_opt(argc, argv, "+:c:hp:", NULL)) != -1) {
		if (c == 'p')
			cmd = optarg;
		else
			bad_usage("blocktest: unknown option");
	}
	addr_arg(argc, argv, 0, &addr);
	catch(SIGUSR1, on_wake);
	catch(SIGPIPE, SIG_IGN);
	if (ept_open(&e, addr, O_NONBLOCK))
		die(1, "%s", ept_err);
	b.fd = e.fd;
	if (bt_fill(&b)) {
		for (c = 2; c <= 5; c++)
			ktap_result(0, "not run: the endpoint failed");
		ept_close(&e);
		return ktap_finish();
	}
	bt_poll(&b);
	bt_block(&b, cmd);
	bt_echoes(&b);
	if (!b.wjoined && atomic_load(&b.wdone))
		pthread_join(b.writer, NULL);
	else if (!b.wjoined)
		threads_gone = 0;
	if (atomic_load(&b.rdone))
		pthread_join(b.reader, NULL);
	else if (stop_thread(b.reader, &b.stop_r))
		threads_gone = 0;
	/* A thread stuck in the kernel may hold the endpoint's lock: leave it. */
	if (threads_gone)
		ept_close(&e);
	return ktap_finish();
}

/* create-dev NAME: a channel on the local bus, which the bus announces */
static int cmd_create_dev(int argc, char **argv)
{
	struct rpmsg_endpoint_info info = { .src = RPMSG_ADDR_ANY, .dst = RPMSG_ADDR_ANY };
	char ctrl[PATH_MAX], parent[NAME_MAX + 1];
	int c, fd;

	while ((c = cmd_opt(argc, argv, "+:c:h", NULL)) != -1)
		bad_usage("create-dev: unknown option");
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof(info.name))
		bad_usage("create-dev: one channel name, shorter than %zu bytes",
			  sizeof(info.name));
	strcpy(info.name, argv[optind]);
	if (ctrl_path(ctrl, sizeof(ctrl), parent, sizeof(parent)))
		die(1, "%s", ept_err);
	fd = open(ctrl, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(1, "open %s: %s", ctrl, strerror(errno));
	if (ioctl(fd, RPMSG_CREATE_DEV_IOCTL, &info))
		die(1, "RPMSG_CREATE_DEV_IOCTL %s on %s: %s", info.name, ctrl,
		    strerror(errno));
	close(fd);
	return 0;
}

/* flood ADDR: write until the link goes; report how it ended */
static int cmd_flood(int argc, char **argv)
{
	static uint8_t buf[4096];
	unsigned long sent = 0;
	struct ept e;
	uint32_t addr;
	int c, ret;

	while ((c = cmd_opt(argc, argv, "+:c:h", NULL)) != -1)
		bad_usage("flood: unknown option");
	addr_arg(argc, argv, 0, &addr);
	catch(SIGPIPE, SIG_IGN);
	if (ept_open(&e, addr, 0))
		die(1, "%s", ept_err);
	for (;;) {
		make_msg(buf, sizeof(buf), sent);
		ret = send_msg(e.fd, buf, sizeof(buf));
		if (ret)
			break;
		sent++;
	}
	printf("flood: %lu messages sent, then %s (%s)\n", sent, strerror(-ret),
	       ret == -EPIPE ? "EPIPE" : "not EPIPE");
	close(e.fd);
	return ret == -EPIPE ? 0 : 1;
}

static int tty_raw(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		die(1, "open %s: %s", path, strerror(errno));
	if (tcgetattr(fd, &t))
		die(1, "tcgetattr %s: %s", path, strerror(errno));
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t))
		die(1, "tcsetattr %s: %s", path, strerror(errno));
	return fd;
}

/* tty-send TTY TEXT */
static int cmd_tty_send(int argc, char **argv)
{
	int c, fd;

	while ((c = cmd_opt(argc, argv, "+:h", NULL)) != -1)
		bad_usage("tty-send: unknown option");
	if (optind + 2 != argc)
		bad_usage("tty-send: TTY and TEXT");
	fd = tty_raw(argv[optind]);
	if (write_all(fd, argv[optind + 1], strlen(argv[optind + 1])))
		die(1, "write %s: %s", argv[optind], strerror(errno));
	tcdrain(fd);
	close(fd);
	return 0;
}

/* tty-expect TTY TEXT SECS: prints "got TEXT" when it came */
static int cmd_tty_expect(int argc, char **argv)
{
	char got[4096];
	size_t have = 0;
	uint64_t end;
	int c, fd;

	while ((c = cmd_opt(argc, argv, "+:h", NULL)) != -1)
		bad_usage("tty-expect: unknown option");
	if (optind + 3 != argc)
		bad_usage("tty-expect: TTY, TEXT and SECS");
	end = now_ns() + opt_num("SECS", argv[optind + 2], 1, 3600) * NSEC;
	fd = tty_raw(argv[optind]);
	while (have < sizeof(got) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms_left(end)) <= 0)
			break;
		n = read(fd, got + have, sizeof(got) - 1 - have);
		if (n <= 0)
			break;
		have += n;
		got[have] = '\0';
		if (strstr(got, argv[optind + 1])) {
			printf("got %s\n", argv[optind + 1]);
			close(fd);
			return 0;
		}
	}
	got[have] = '\0';
	printf("missing %s; received %zu bytes: '%s'\n", argv[optind + 1], have, got);
	close(fd);
	return 1;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "serve-shell", cmd_serve_shell },
	{ "sh", cmd_sh },
	{ "echo", cmd_echo },
	{ "ping", cmd_ping },
	{ "stream", cmd_stream },
	{ "blocktest", cmd_blocktest },
	{ "create-dev", cmd_create_dev },
	{ "flood", cmd_flood },
	{ "tty-send", cmd_tty_send },
	{ "tty-expect", cmd_tty_expect },
};

int main(int argc, char **argv)
{
	size_t i;
	int a = 1;

	opterr = 0;
	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[a], "-c"))
			bad_usage("unknown option %s", argv[a]);
		if (a + 1 >= argc)
			bad_usage("no value for -c");
		ctrl_opt = argv[a + 1];
		a += 2;
	}
	if (a >= argc)
		bad_usage("no command given");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[a], commands[i].name))
			return commands[i].run(argc - a, argv + a);
	bad_usage("unknown command '%s'", argv[a]);
}
