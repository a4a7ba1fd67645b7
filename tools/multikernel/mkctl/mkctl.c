// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkctl: the links of the multikernel transport and its typed messages,
 * from the shell.
 *
 *   mkctl links                                  one row per link
 *   mkctl stats NAME [-w SECONDS]                its counters, or their rates
 *   mkctl send INSTANCE TYPE SUBTYPE [DATA|-]    one typed message
 *   mkctl listen [TYPE[:SUBTYPE]...] [-r|-e] [-n COUNT]
 *   mkctl call INSTANCE TYPE SUBTYPE [DATA|-] [-t MS]
 *
 * Links are read from /sys/class/mk_link/NAME/, messages go through
 * /dev/multikernel/msg (ABI: <linux/multikernel/msg.h>); MKCTL_SYSFS and
 * MKCTL_DEVICE replace those paths, for tests. Exit status: 0 done, 1 the
 * system refused (errno text on stderr), 2 bad usage, an unknown link
 * included. Manual: mkctl.rst here.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/multikernel/msg.h>

#define MKCTL_VERSION	"1"
#define SYSFS_LINKS	"/sys/class/mk_link"
/* Largest payload mkctl sends (every link takes 64 KiB at least). */
#define MAX_PAYLOAD	65536
/* Room for any message the device gives (link MTU: 64 KiB + 4 KiB). */
#define RX_ROOM		(128 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* Bit @nr of a mask, as the kernel's BIT(), of the unsigned int masks here. */
#define BIT(nr)		(1u << (nr))
/*
 * printf-like arguments: @a the format, @b the first to check, as the
 * kernel's __printf(). The attribute is split over two lines so that
 * checkpatch.pl, which asks for __printf() in place of it, does not flag
 * the definition of __printf() itself.
 */
#define __printf(a, b)	__attribute__((format(printf,			\
						      a, b)))

struct cmd {
	const char *name, *synopsis, *help;
	int (*run)(int argc, char **argv);
};

static const struct cmd *cur;		/* the subcommand running */
/*
 * SIGINT or SIGTERM seen. A handler may set a lock-free atomic object
 * (C11 7.14.1.1), as it may a volatile sig_atomic_t.
 */
static atomic_int stop;
static_assert(ATOMIC_INT_LOCK_FREE == 2, "an atomic_int that a signal handler may set");

static const char *const counter_names[] = {
	"tx_messages", "rx_messages", "tx_bytes", "rx_bytes", "tx_doorbells",
	"rx_doorbells", "tx_waits", "resets", "malformed", "dropped",
};

enum { TX_MSGS, RX_MSGS, TX_BYTES, RX_BYTES, TX_DB, RX_DB, TX_WAITS, RESETS,
	MALFORMED, DROPPED, NR_COUNTERS };

/* What DB/MSG needs. */
#define DB_BITS		(BIT(TX_MSGS) | BIT(RX_MSGS) | BIT(TX_DB) | BIT(RX_DB))
/* What stats -w shows, per second. */
static const int rate_cols[] = { TX_MSGS, RX_MSGS, TX_BYTES, RX_BYTES, TX_DB, RX_DB,
				 TX_WAITS, DROPPED };

/* <linux/multikernel/messages.h>; listen takes the first four by default. */
static const struct { const char *name; uint32_t type; } types[] = {
	{ "io", 0x1000 }, { "resource", 0x2000 }, { "system", 0x3000 },
	{ "user", 0x4000 }, { "ipi_compat", 0x5000 },
};

/* Their names, for a message about a type that is none of them. */
#define TYPE_NAMES	"io, resource, system, user, ipi_compat"

#define NR_DEFAULT_TYPES 4

/* Errors ------------------------------------------------------------------ */

/* The diagnosis of an answer of the kernel that mkctl cannot take. */
#define ABI_DIFFERS	"mkctl and the kernel differ on the ABI"

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "mkctl: %s%s", cur ? cur->name : "", cur ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A problem that does not end the command: say what it is. */
static __printf(1, 2) void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* The system refused: say why; returns 1, the exit status. */
static __printf(1, 2) int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return 1;
}

/* Bad usage: say why, and how to use it; returns 2, the exit status. */
static __printf(1, 2) int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (cur)
		fprintf(stderr, "usage: mkctl %s%s%s\nTry 'mkctl %s --help'.\n", cur->name,
			*cur->synopsis ? " " : "", cur->synopsis, cur->name);
	else
		fprintf(stderr, "Try 'mkctl --help'.\n");
	return 2;
}

/* An errno of a write or a call to @instance, and what it means there; 1. */
static int fail_errno(int e, int instance, int call)
{
	const char *m = e == EMSGSIZE ? (call ? "request or response larger than the link's MTU" :
						 "payload larger than the link's MTU") :
		e == EPERM ? "this type is reserved for the kernel" :
		e == EINVAL || e == ENOTTY ? "refused: " ABI_DIFFERS :
		e == ETIMEDOUT ? (call ? "no response in time" : "the link stayed full") :
		e == EAGAIN ? "the link is full" : NULL;

	if (e == EPIPE || e == ENOTCONN || e == ENODEV)
		return fail("instance %d: %s (the link to instance %d is down, or there is none)",
			    instance, strerror(e), instance);
	return fail("instance %d: %s%s%s%s", instance, strerror(e), m ? " (" : "",
		    m ? m : "", m ? ")" : "");
}

/* Arguments --------------------------------------------------------------- */

/* Decimal or 0x-hex, nothing else (no sign, no octal, no spaces). */
static int parse_num(const char *s, unsigned long long max, unsigned long long *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	char *end;

	if (!*d || !strchr(hex ? "0123456789abcdefABCDEF" : "0123456789", *d))
		return -EINVAL;
	errno = 0;
	*v = strtoull(d, &end, hex ? 16 : 10);
	if (*end)
		return -EINVAL;
	return errno || *v > max ? -ERANGE : 0;
}

/* parse_num() of argument @what: 0, or 2 having said what is wrong. */
static int num_arg(const char *what, const char *s, unsigned long long max,
		   unsigned long long *v)
{
	int ret = parse_num(s, max, v);

	if (ret == -EINVAL)
		return bad("bad %s '%s': not a number", what, s);
	if (ret)
		return bad("bad %s '%s': out of range (0-%llu)", what, s, max);
	return 0;
}

static int type_arg(const char *s, uint32_t *type)
{
	unsigned long long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (!strcmp(s, types[i].name)) {
			*type = types[i].type;
			return 0;
		}
	}
	if (parse_num(s, UINT32_MAX, &v))
		return bad("bad type '%s': not a number (0-0xffffffff) nor " TYPE_NAMES, s);
	*type = v;
	return 0;
}

/*
 * INSTANCE TYPE SUBTYPE [DATA|-] of send and call into *@msg, a header
 * followed by its payload (malloc'ed); 0, or the exit status.
 */
static int message_args(int argc, char **argv, struct mk_msg_hdr **msg)
{
	size_t len = 0, room = sizeof(**msg) + MAX_PAYLOAD + 1;
	struct mk_msg_hdr h = { 0 };
	unsigned long long inst, sub;
	char *buf;
	ssize_t n;

	if (argc < 3)
		return bad("missing %s", argc == 0 ? "INSTANCE, TYPE and SUBTYPE" :
			   argc == 1 ? "TYPE and SUBTYPE" : "SUBTYPE");
	if (argc > 4)
		return bad("unexpected argument '%s' after the data", argv[4]);
	if (num_arg("instance", argv[0], INT32_MAX, &inst) || type_arg(argv[1], &h.type) ||
	    num_arg("subtype", argv[2], UINT32_MAX, &sub))
		return 2;
	if (argc == 4 && strcmp(argv[3], "-") && strlen(argv[3]) > MAX_PAYLOAD)
		return bad("data of %zu bytes: at most %d", strlen(argv[3]), MAX_PAYLOAD);
	buf = malloc(room);
	if (!buf)
		return fail("%s", strerror(ENOMEM));
	if (argc == 4 && !strcmp(argv[3], "-")) {
		/* One byte of room more than allowed tells too long from full. */
		while ((n = read(STDIN_FILENO, buf + sizeof(h) + len,
				 room - sizeof(h) - len)) > 0 && sizeof(h) + len + n < room)
			len += n;
		if (n) {
			free(buf);
			return n < 0 ? fail("stdin: %s", strerror(errno)) :
			       fail("payload on stdin larger than %d bytes: refused", MAX_PAYLOAD);
		}
	} else if (argc == 4) {
		len = strlen(argv[3]);
		memcpy(buf + sizeof(h), argv[3], len);
	}
	h.instance = inst;
	h.subtype = sub;
	h.len = len;
	memcpy(buf, &h, sizeof(h));
	*msg = (struct mk_msg_hdr *)buf;
	return 0;
}

/*
 * getopt_long() over a subcommand's arguments (@argv[0] its name): the
 * option, 0 at the end, or -1 with the exit status in *@status: 0 after
 * -h/--help printed the help, 2 after a bad option.
 */
static int next_opt(int argc, char **argv, const char *opts,
		    const struct option *lopts, int *status)
{
	int c = getopt_long(argc, argv, opts, lopts, NULL);
	int named = optopt > ' ' && optopt < 127;

	if (c == 'h') {
		printf("usage: mkctl %s%s%s\n%s", cur->name, *cur->synopsis ? " " : "",
		       cur->synopsis, cur->help);
		*status = 0;
	} else if (c == ':') {
		*status = named ? bad("option '-%c' needs an argument", optopt) :
			  bad("option '%s' needs an argument", argv[optind - 1]);
	} else if (c == '?') {
		*status = named ? bad("unknown option '-%c'", optopt) :
			  bad("unknown option '%s'", argv[optind - 1]);
	} else {
		return c == -1 ? 0 : c;
	}
	return -1;
}

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
};

/* sysfs ------------------------------------------------------------------- */

static const char *sysfs_root(void)
{
	const char *r = getenv("MKCTL_SYSFS");

	return r && *r ? r : SYSFS_LINKS;
}

/* Attribute @file of link @link into @buf, newline cut; 0 or -errno. */
static int attr(const char *link, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s/%s", sysfs_root(), link, file) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

/* The counters of @link into @v; returns a bit for each one read. */
static unsigned int read_counters(const char *link, unsigned long long *v)
{
	unsigned int i, have = 0;
	char buf[64], file[64];

	for (i = 0; i < NR_COUNTERS; i++) {
		v[i] = 0;
		snprintf(file, sizeof(file), "statistics/%s", counter_names[i]);
		if (!attr(link, file, buf, sizeof(buf)) && !parse_num(buf, ULLONG_MAX, &v[i]))
			have |= BIT(i);
	}
	return have;
}

/* The class directory cannot be read (ENOENT: no transport); 1. */
static int no_class(int e)
{
	return fail("%s: %s%s", sysfs_root(), strerror(e),
		    e == ENOENT ? " (no multikernel transport in this kernel)" : "");
}

static int is_link(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sysfs_root(), name);
	return *name && name[0] != '.' && !strchr(name, '/') && !stat(path, &st) &&
	       S_ISDIR(st.st_mode);
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Links ------------------------------------------------------------------- */

/* Attribute @file of link @link in @buf, or "?" if it cannot be read. */
static const char *attr_or_unknown(const char *link, const char *file, char *buf,
				   size_t size)
{
	return attr(link, file, buf, size) ? "?" : buf;
}

/* The row of link @name in its @state in mkctl links, NAME @width wide. */
static void print_link(const char *name, int width, const char *state)
{
	char peer_buf[32], mtu_buf[32], db_buf[16], tx[24], rx[24];
	const char *peer, *mtu, *db = db_buf;
	unsigned long long v[NR_COUNTERS];
	unsigned int have;

	peer = attr_or_unknown(name, "peer_instance", peer_buf, sizeof(peer_buf));
	if (!strcmp(peer, "-1"))
		peer = "-";
	mtu = attr_or_unknown(name, "mtu", mtu_buf, sizeof(mtu_buf));
	have = read_counters(name, v);
	snprintf(tx, sizeof(tx), have & BIT(TX_MSGS) ? "%llu" : "?", v[TX_MSGS]);
	snprintf(rx, sizeof(rx), have & BIT(RX_MSGS) ? "%llu" : "?", v[RX_MSGS]);
	if ((have & DB_BITS) != DB_BITS)
		db = "?";
	else if (!(v[TX_MSGS] + v[RX_MSGS]))
		db = "-";
	else
		snprintf(db_buf, sizeof(db_buf), "%.3f", (double)(v[TX_DB] + v[RX_DB]) /
			 (double)(v[TX_MSGS] + v[RX_MSGS]));
	printf("%-*s %6s %-10s %6s %10s %10s %7s\n", width, name, peer, state, mtu, tx, rx,
	       db);
}

static int cmd_links(int argc, char **argv)
{
	size_t n = 0, i, width = 4;
	char **names = NULL, state[32];
	struct dirent *d;
	int c, status;
	DIR *dir;

	while ((c = next_opt(argc, argv, ":h", help_only, &status)))
		if (c < 0)
			return status;
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	dir = opendir(sysfs_root());
	if (!dir)
		return no_class(errno);
	while ((d = readdir(dir))) {
		char **more;

		if (d->d_name[0] == '.')
			continue;
		more = realloc(names, (n + 1) * sizeof(*names));
		if (!more)
			return fail("%s", strerror(ENOMEM));
		names = more;
		names[n] = strdup(d->d_name);
		if (!names[n])
			return fail("%s", strerror(ENOMEM));
		if (strlen(names[n]) > width)
			width = strlen(names[n]);
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_version);
	printf("%-*s %6s %-10s %6s %10s %10s %7s\n", (int)width, "NAME", "PEER", "STATE",
	       "MTU", "TX", "RX", "DB/MSG");
	for (i = 0; i < n; i++) {
		/* Neither a state nor a directory: gone meanwhile. */
		if (!attr(names[i], "state", state, sizeof(state)))
			print_link(names[i], (int)width, state);
		else if (is_link(names[i]))
			print_link(names[i], (int)width,
				   attr_or_unknown(names[i], "state", state, sizeof(state)));
		free(names[i]);
	}
	free(names);
	return 0;
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT and SIGTERM end a watch or a listen: blocking calls fail (EINTR). */
static void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* stats -w: a line a second of rates, for @secs seconds (0: no end). */
static int watch(const char *name, unsigned long long secs)
{
	unsigned long long prev[NR_COUNTERS], now[NR_COUNTERS], i, d;
	struct timespec last, next, t;
	double dt;
	size_t k;

	catch_stop();
	if (!read_counters(name, prev))
		return fail("%s: no counters in %s/%s/statistics", name, sysfs_root(), name);
	clock_gettime(CLOCK_MONOTONIC, &last);
	next = last;
	printf("%11s %11s %11s %11s %11s %11s %11s %11s\n", "tx_msgs/s", "rx_msgs/s",
	       "tx_bytes/s", "rx_bytes/s", "tx_db/s", "rx_db/s", "waits/s", "dropped/s");
	for (i = 0; !secs || i < secs; i++) {
		next.tv_sec++;
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			;
		if (stop)
			break;
		if (!read_counters(name, now))
			return fail("%s: link gone", name);
		clock_gettime(CLOCK_MONOTONIC, &t);
		dt = (t.tv_sec - last.tv_sec) + (t.tv_nsec - last.tv_nsec) / 1e9;
		last = t;
		for (k = 0; k < ARRAY_SIZE(rate_cols); k++) {
			/* A counter that went back started again (link re-made). */
			d = now[rate_cols[k]] - (now[rate_cols[k]] >= prev[rate_cols[k]] ?
						 prev[rate_cols[k]] : 0);
			printf("%s%11.0f", k ? " " : "", dt > 0 ? d / dt : 0.0);
		}
		putchar('\n');
		memcpy(prev, now, sizeof(prev));
	}
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "watch", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const attrs[] = { "state", "peer_instance", "mtu", "epoch",
					     "doorbell" };
	unsigned long long secs = 0, v[NR_COUNTERS];
	int c, status, watching = 0;
	unsigned int have, i;
	struct stat st;
	char buf[128];

	while ((c = next_opt(argc, argv, ":hw:", lopts, &status))) {
		if (c < 0 || num_arg("duration", optarg, UINT32_MAX, &secs))
			return c < 0 ? status : 2;
		watching = 1;
	}
	if (optind >= argc)
		return bad("missing NAME");
	if (argc - optind > 1)
		return bad("unexpected argument '%s'", argv[optind + 1]);
	if (stat(sysfs_root(), &st))
		return no_class(errno);
	if (!is_link(argv[optind]))
		return bad("no link '%s' (mkctl links lists them)", argv[optind]);
	if (watching)
		return watch(argv[optind], secs);
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (!attr(argv[optind], attrs[i], buf, sizeof(buf)))
			printf("%s %s\n", attrs[i], buf);
	have = read_counters(argv[optind], v);
	for (i = 0; i < NR_COUNTERS; i++) {
		if (have & BIT(i))
			printf("%s %llu\n", counter_names[i], v[i]);
		else
			say("%s: no statistics/%s", argv[optind], counter_names[i]);
	}
	return have ? 0 : 1;
}

/* Messages ---------------------------------------------------------------- */

static int open_dev(void)
{
	const char *dev = getenv("MKCTL_DEVICE");
	int fd;

	if (!dev || !*dev)
		dev = MK_MSG_DEVICE;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("%s: %s%s", dev, strerror(errno),
		     errno == ENOENT ? " (no typed-message device here, or no devtmpfs on /dev)" :
		     errno == EACCES ? " (root only)" : "");
	return fd;
}

/* "data=TEXT" if every byte is printable ASCII, else "hex=HEX"; a line. */
static void print_payload(const unsigned char *p, size_t len)
{
	size_t i, text = 1;

	for (i = 0; i < len; i++)
		text &= p[i] >= 0x20 && p[i] <= 0x7e;
	fputs(text ? "data=" : "hex=", stdout);
	if (text)
		fwrite(p, 1, len, stdout);
	for (i = 0; !text && i < len; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int cmd_send(int argc, char **argv)
{
	struct mk_msg_hdr *m;
	int c, status, fd;
	ssize_t n;

	while ((c = next_opt(argc, argv, ":h", help_only, &status)))
		if (c < 0)
			return status;
	status = message_args(argc - optind, argv + optind, &m);
	if (status)
		return status;
	fd = open_dev();
	status = 1;
	if (fd >= 0) {
		n = write(fd, m, sizeof(*m) + m->len);
		if (n < 0)
			fail_errno(errno, m->instance, 0);
		else if ((size_t)n != sizeof(*m) + m->len)
			fail("instance %d: %zd of %zu bytes taken: " ABI_DIFFERS, m->instance, n,
			     sizeof(*m) + m->len);
		else
			status = 0;
		close(fd);
	}
	free(m);
	return status;
}

/*
 * The message of a read of @n bytes into @buf: its header into *@h and
 * its line printed; 0, or 1 having said that it is not one message.
 */
static int print_msg(const char *buf, ssize_t n, struct mk_msg_hdr *h)
{
	if ((size_t)n >= sizeof(*h))
		memcpy(h, buf, sizeof(*h));
	if ((size_t)n < sizeof(*h) || h->len != n - sizeof(*h))
		return fail("a read of %zd bytes, not a header and its payload: " ABI_DIFFERS, n);
	printf("instance=%d type=0x%x subtype=0x%x id=%llu len=%u ", h->instance, h->type,
	       h->subtype, (unsigned long long)h->id, h->len);
	if (h->flags)
		printf("flags=%s%s%s ", h->flags & MK_MSG_F_REQUEST ? "request" : "",
		       h->flags & MK_MSG_F_REQUEST && h->flags & MK_MSG_F_LOST ? "," : "",
		       h->flags & MK_MSG_F_LOST ? "lost" : "");
	print_payload((const unsigned char *)buf + sizeof(*h), h->len);
	return 0;
}

/* Answer the request in @msg: with its payload if @echo, else -EOPNOTSUPP. */
static void respond(int fd, void *msg, int echo)
{
	struct mk_msg_hdr *h = msg;

	/* The request's header turned round, the payload as it is. */
	h->flags = MK_MSG_F_RESPONSE;
	h->status = echo ? 0 : -EOPNOTSUPP;
	if (!echo)
		h->len = 0;
	if (write(fd, msg, sizeof(*h) + h->len) < 0)
		say("answer to request %llu of instance %d: %s", (unsigned long long)h->id,
		    h->instance, strerror(errno));
}

/* Print (and answer) messages until @count (0: no end) or a signal. */
static int receive(int fd, unsigned long long count, int answers, int echo)
{
	unsigned long long got = 0;
	size_t room = RX_ROOM;
	char *buf = malloc(room), *more;
	struct mk_msg_hdr h = { 0 };
	int need, status = 0;
	ssize_t n;

	catch_stop();
	while (buf && !stop && (!count || got < count)) {
		n = read(fd, buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		/* Too big for the buffer: it stays queued, FIONREAD says its size. */
		if (n < 0 && errno == EMSGSIZE && !ioctl(fd, FIONREAD, &need) &&
		    (size_t)need > room) {
			more = realloc(buf, need);
			if (more) {
				buf = more;
				room = need;
				continue;
			}
			errno = ENOMEM;
		}
		if (n < 0) {
			status = fail("read: %s", strerror(errno));
			break;
		}
		status = print_msg(buf, n, &h);
		if (status)
			break;
		got++;
		if (answers && h.flags & MK_MSG_F_REQUEST)
			respond(fd, buf, echo);
	}
	free(buf);
	return buf ? status : fail("%s", strerror(ENOMEM));
}

static int cmd_listen(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "requests", no_argument, NULL, 'r' },
		{ "echo", no_argument, NULL, 'e' }, { "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int c, status, fd, answers = 0, echo = 0, i, nsub, named, taken = 0, e, refused;
	unsigned long long count = 0, v;
	struct mk_msg_sub *subs;
	char *colon;

	while ((c = next_opt(argc, argv, ":hren:", lopts, &status))) {
		if (c < 0 || (c == 'n' && num_arg("count", optarg, ULLONG_MAX, &count)))
			return c < 0 ? status : 2;
		echo |= c == 'e';
		answers |= c == 'r' || c == 'e';
	}
	named = optind < argc;
	nsub = named ? argc - optind : NR_DEFAULT_TYPES;
	subs = calloc(nsub, sizeof(*subs));
	if (!subs)
		return fail("%s", strerror(ENOMEM));
	for (i = 0; i < nsub; i++) {
		subs[i].type = named ? 0 : types[i].type;
		subs[i].flags = MK_MSG_SUB_ANY_SUBTYPE | (answers ? MK_MSG_SUB_REQUESTS : 0);
		colon = named ? strchr(argv[optind + i], ':') : NULL;
		v = 0;
		if (colon)
			*colon = '\0';
		if (named && (type_arg(argv[optind + i], &subs[i].type) ||
			      (colon && num_arg("subtype", colon + 1, UINT32_MAX, &v)))) {
			free(subs);
			return 2;
		}
		subs[i].subtype = v;
		if (colon)
			subs[i].flags &= ~MK_MSG_SUB_ANY_SUBTYPE;
	}
	fd = open_dev();
	for (i = 0; fd >= 0 && i < nsub; i++) {
		if (!ioctl(fd, MK_MSG_IOC_SUBSCRIBE, &subs[i])) {
			taken++;
			continue;
		}
		/* Of the default types, one refused to this descriptor is left out. */
		e = errno;
		refused = e == EBUSY || e == EEXIST || e == EPERM;
		say("type 0x%x%s: %s%s", subs[i].type, !named && refused ? " left out" : "",
		    strerror(e),
		    e == EBUSY || e == EEXIST ? " (another descriptor answers its requests)" :
		    e == EPERM ? " (reserved for the kernel)" :
		    e == EINVAL || e == ENOTTY ? " (" ABI_DIFFERS ")" : "");
		if (named || !refused)
			break;
	}
	free(subs);
	status = 1;
	if (fd >= 0 && i == nsub && !taken)
		fail("no type left to listen to");
	else if (fd >= 0 && i == nsub)
		status = receive(fd, count, answers, echo);
	if (fd >= 0)
		close(fd);
	return status;
}

static int cmd_call(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct mk_msg_call call = { .resp_size = RX_ROOM };
	unsigned long long ms = 1000;
	struct mk_msg_hdr *m;
	int c, status, fd, e;
	char *resp;

	while ((c = next_opt(argc, argv, ":ht:", lopts, &status))) {
		if (c < 0 || num_arg("timeout", optarg, INT32_MAX, &ms))
			return c < 0 ? status : 2;
		if (!ms)
			return bad("bad timeout '%s': at least 1 ms", optarg);
	}
	status = message_args(argc - optind, argv + optind, &m);
	if (status)
		return status;
	resp = malloc(RX_ROOM);
	fd = resp ? open_dev() : -1;
	status = 1;
	if (!resp) {
		fail("%s", strerror(ENOMEM));
	} else if (fd >= 0) {
		call.hdr = *m;
		call.req = (uintptr_t)(m + 1);
		call.resp = (uintptr_t)resp;
		call.timeout_ms = ms;
		e = ioctl(fd, MK_MSG_IOC_CALL, &call) < 0 ? errno : 0;
		if (e == ETIMEDOUT)
			fail("instance %d: %s (no response within %llu ms)", m->instance,
			     strerror(e), ms);
		else if (e)
			fail_errno(e, m->instance, 1);
		else if (call.resp_len > RX_ROOM)
			fail("a response of %u bytes in %u: " ABI_DIFFERS, call.resp_len,
			     RX_ROOM);
		else
			status = 0;
		if (!status) {
			printf("status=%d len=%u ", call.status, call.resp_len);
			print_payload((unsigned char *)resp, call.resp_len);
			if (call.status)
				status = fail("instance %d answered %d (%s)", m->instance,
					      call.status, strerror(-call.status));
		}
		close(fd);
	}
	free(resp);
	free(m);
	return status;
}

/* Commands ---------------------------------------------------------------- */

#define NUMBERS "Numbers are decimal or 0x-hex; TYPE is a number or one of io (0x1000),\n" \
	"resource (0x2000), system (0x3000), user (0x4000), ipi_compat (0x5000).\n"

static const struct cmd cmds[] = {
	{ "links", "", "A row per link, by name: the peer instance ('-': not known), state,\n"
	  "MTU, messages sent and received, doorbells sent and received per\n"
	  "message ('-': no message yet).\n", cmd_links },
	{ "stats", "NAME [-w SECONDS]",
	  "Link NAME's attributes and counters, one 'name value' a line.\n"
	  "  -w, --watch SECONDS  instead, a line a second of the counters' rates\n"
	  "                       for SECONDS seconds (0: until interrupted)\n", cmd_stats },
	{ "send", "INSTANCE TYPE SUBTYPE [DATA|-]",
	  "Send one typed message to INSTANCE. Its payload: DATA's bytes (no NUL),\n"
	  "stdin with '-' (at most 65536 bytes), else none. Put '--' before a\n"
	  "DATA that starts with '-'.\n" NUMBERS, cmd_send },
	{ "listen", "[TYPE[:SUBTYPE]...] [-r|-e] [-n COUNT]",
	  "Print the typed messages of these types (without TYPE: io, resource,\n"
	  "system and user; without SUBTYPE: all subtypes) as they come, a line each:\n"
	  "  instance=N type=0xT subtype=0xS id=N len=N [flags=request,lost] PAYLOAD\n"
	  "PAYLOAD is data=TEXT when every byte is printable ASCII, else hex=HEX.\n"
	  "  -r, --requests    take requests too, answer each with -EOPNOTSUPP\n"
	  "  -e, --echo        take requests too, answer each with its payload\n"
	  "  -n, --count COUNT exit after COUNT messages (0, the default: never)\n"
	  NUMBERS, cmd_listen },
	{ "call", "INSTANCE TYPE SUBTYPE [DATA|-] [-t MS]",
	  "Send a request (payload as for send), wait for its response and print\n"
	  "  status=N len=N PAYLOAD\n"
	  "as listen does; exit status 1 when the status is not 0.\n"
	  "  -t, --timeout MS  wait at most MS milliseconds (default 1000)\n"
	  NUMBERS, cmd_call },
};

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mkctl COMMAND [ARGS]   ('mkctl COMMAND --help' for one)\n");
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "       mkctl %s%s%s\n", cmds[i].name, *cmds[i].synopsis ? " " : "",
			cmds[i].synopsis);
	fprintf(f, "       mkctl --help | --version\n"
		"The links of the multikernel transport and its typed messages.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	opterr = 0;
	if (argc < 2)
		return bad("missing command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mkctl %s\n", MKCTL_VERSION);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			cur = &cmds[i];
			return cur->run(argc - 1, argv + 1);
		}
	}
	return bad("unknown %s '%s'", argv[1][0] == '-' ? "option" : "command", argv[1]);
}
