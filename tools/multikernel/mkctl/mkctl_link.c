// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkctl links and mkctl stats: the links of the transport, as sysfs shows
 * them in /sys/class/mk_link/NAME/ (MKCTL_SYSFS: another directory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mkctl.h"

#define SYSFS_LINKS	"/sys/class/mk_link"

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

int cmd_links(int argc, char **argv)
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
	if (n)	/* qsort() of NULL, even of no element, is undefined */
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
		while (!stopped() && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			;
		if (stopped())
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

int cmd_stats(int argc, char **argv)
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
