// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rpmsg side of mkrtt: two rpmsg_char endpoints on the two ends of a
 * loopback link, talking to each other.
 *
 * A loopback made with "create ... rpmsg" (debugfs multikernel/loopback)
 * has link ends loID.a and loID.b, each an rpmsg bus with a control device
 * /dev/rpmsg_ctrlK under it in sysfs. RPMSG_CREATE_EPT_IOCTL on a's makes
 * an endpoint device at RTT_ADDR_PING sending to RTT_ADDR_ECHO, on b's the
 * other way round; their /dev/rpmsgN appear under the control devices
 * (devtmpfs, no udev needed). A pair left behind by a run that was killed
 * is opened again instead of being made twice.
 *
 * MKRTT_SYSFS replaces /sys, for tests.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/rpmsg.h>
#include <linux/multikernel/rpmsg.h>

#include "mkrtt.h"

#ifndef RPMSG_DESTROY_EPT_IOCTL
#define RPMSG_DESTROY_EPT_IOCTL	_IO(0xb5, 0x2)
#endif

#define LOOPBACK_CTL	"/sys/kernel/debug/multikernel/loopback"
#define MAX_CTRLS	256

static const char no_ctrl_why[] = "no link bound to rpmsg, or no RPMSG_CTRL in this kernel";
static const char no_lo_why[] = "no such loopback, or not made with 'rpmsg'";
static const char make_lo[] = "echo 'create 0 1 rpmsg' > " LOOPBACK_CTL;

/* sysfs ------------------------------------------------------------------- */

static const char *sysfs(void)
{
	const char *r = getenv("MKRTT_SYSFS");

	return r && *r ? r : "/sys";
}

/* N of a name PREFIX + N (decimal digits only), or -1. */
static long dev_index(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	char *end;
	long n;

	if (strncmp(name, prefix, len) || name[len] < '0' || name[len] > '9')
		return -1;
	errno = 0;
	n = strtol(name + len, &end, 10);
	return *end || errno ? -1 : n;
}

/* File @path into @buf, trailing newline cut; 0 or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* Attribute @attr of /sys/class/rpmsg/@dev as a decimal number; 0 or -1. */
static int class_attr_num(const char *dev, const char *attr, long long *v)
{
	char path[PATH_MAX], buf[32], *end;

	snprintf(path, sizeof(path), "%s/class/rpmsg/%s/%s", sysfs(), dev, attr);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return errno || end == buf || *end ? -1 : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The link end that the rpmsg class device @dev hangs under: its nearest
 * ancestor of the mk_link class. Its name into @name and its largest
 * message (sysfs "mtu") into *@mtu; 0, or -1 when there is none.
 */
static int link_of(const char *dev, char *name, size_t size, unsigned long long *mtu)
{
	char path[PATH_MAX], real[PATH_MAX], sub[PATH_MAX + 16], cls[PATH_MAX], buf[32];
	char *slash, *end;
	size_t len;

	snprintf(path, sizeof(path), "%s/class/rpmsg/%s", sysfs(), dev);
	if (!realpath(path, real))
		return -1;
	while ((slash = strrchr(real, '/')) && slash != real) {
		*slash = '\0';
		snprintf(sub, sizeof(sub), "%s/subsystem", real);
		if (!realpath(sub, cls) || strcmp(base_name(cls), "mk_link"))
			continue;
		len = strlen(base_name(real));
		if (len >= size)
			return -1;
		memcpy(name, base_name(real), len + 1);
		*mtu = 0;
		snprintf(sub, sizeof(sub), "%s/mtu", real);
		if (!read_text(sub, buf, sizeof(buf)))
			*mtu = strtoull(buf, &end, 10);
		return 0;
	}
	return -1;
}

/* The loopback ends' control devices ------------------------------------- */

struct ctrl {
	long k;			/* /dev/rpmsg_ctrlK */
	int lo, side;		/* under link end lo<lo>.<'a' + side> */
};

/*
 * The rpmsg_ctrl devices of sysfs that hang under a loopback's end, into
 * @c (at most MAX_CTRLS); how many, or -1 when there is no rpmsg_ctrl at
 * all.
 */
static int list_ctrls(struct ctrl *c)
{
	char path[PATH_MAX], link[64];
	unsigned long long mtu;
	int n = 0, any = 0, len;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/class/rpmsg", sysfs());
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && n < MAX_CTRLS) {
		long k = dev_index(d->d_name, "rpmsg_ctrl");
		char side;

		if (k < 0)
			continue;
		any = 1;
		if (link_of(d->d_name, link, sizeof(link), &mtu))
			continue;
		len = 0;
		if (sscanf(link, "lo%d.%c%n", &c[n].lo, &side, &len) != 2 ||
		    link[len] || (side != 'a' && side != 'b') || c[n].lo < 0)
			continue;
		c[n].side = side - 'a';
		c[n].k = k;
		n++;
	}
	closedir(dir);
	return any ? n : -1;
}

/*
 * The control devices of loopback @lo's ends a and b into @k (@lo -1: the
 * loopback of the lowest number that has both); 0, or 1 having said why
 * there is none.
 */
static int find_loopback(int lo, long k[2], int *found)
{
	static struct ctrl c[MAX_CTRLS];
	int n = list_ctrls(c), i, j;

	if (n < 0)
		return fail("no /dev/rpmsg_ctrl*: none in %s/class/rpmsg (%s)", sysfs(),
			    no_ctrl_why);
	*found = -1;
	for (i = 0; i < n; i++) {
		if (c[i].side || (lo >= 0 && c[i].lo != lo) || (*found >= 0 && c[i].lo > *found))
			continue;
		for (j = 0; j < n; j++) {
			if (c[j].lo == c[i].lo && c[j].side) {
				*found = c[i].lo;
				k[0] = c[i].k;
				k[1] = c[j].k;
			}
		}
	}
	if (*found >= 0)
		return 0;
	if (lo >= 0)
		return fail("loopback %d: no rpmsg_ctrl under both lo%d.a and lo%d.b (%s)", lo, lo,
			    lo, no_lo_why);
	return fail("no loopback link with rpmsg on both ends (make one: %s)", make_lo);
}

/* Endpoint devices -------------------------------------------------------- */

/*
 * The /dev/rpmsgN into @dev that /dev/rpmsg_ctrl@k made for name
 * RTT_EPT_NAME, @src and @dst; whether there is one.
 */
static int find_ept(long k, long long src, long long dst, char *dev, size_t size)
{
	char path[PATH_MAX], real[PATH_MAX], want[48], name[64];
	long long s, t;
	struct dirent *d;
	int found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/class/rpmsg", sysfs());
	dir = opendir(path);
	if (!dir)
		return 0;
	snprintf(want, sizeof(want), "/rpmsg_ctrl%ld/", k);
	while (!found && (d = readdir(dir))) {
		size_t len = strlen(d->d_name);

		if (dev_index(d->d_name, "rpmsg") < 0 || len + sizeof("/dev/") > size)
			continue;
		snprintf(path, sizeof(path), "%s/class/rpmsg/%s", sysfs(), d->d_name);
		if (!realpath(path, real) || !strstr(real, want))
			continue;
		snprintf(path, sizeof(path), "%s/class/rpmsg/%s/name", sysfs(), d->d_name);
		if (read_text(path, name, sizeof(name)) || strcmp(name, RTT_EPT_NAME) ||
		    class_attr_num(d->d_name, "src", &s) || s != src ||
		    class_attr_num(d->d_name, "dst", &t) || t != dst)
			continue;
		memcpy(dev, "/dev/", 5);
		memcpy(dev + 5, d->d_name, len + 1);
		found = 1;
	}
	closedir(dir);
	return found;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int open_ept(const char *dev)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail("open %s: %s%s", dev, strerror(errno),
		     errno == EBUSY ? " (address in use: another mkrtt on this link?)" : "");
	return fd;
}

/*
 * Endpoint @src -> @dst through /dev/rpmsg_ctrl@k, opened into *@fd and
 * named in @dev: the one there already, or a new one; 0, or 1 having said
 * what failed.
 */
static int make_ept(long k, unsigned int src, unsigned int dst, int *fd, char *dev,
		    size_t size)
{
	struct rpmsg_endpoint_info info = { .name = RTT_EPT_NAME, .src = src, .dst = dst };
	char ctrl[48];
	int cfd, i;

	if (!find_ept(k, src, dst, dev, size)) {
		snprintf(ctrl, sizeof(ctrl), "/dev/rpmsg_ctrl%ld", k);
		cfd = open(ctrl, O_RDWR | O_CLOEXEC);
		if (cfd < 0)
			return fail("open %s: %s", ctrl, strerror(errno));
		if (ioctl(cfd, RPMSG_CREATE_EPT_IOCTL, &info)) {
			fail("RPMSG_CREATE_EPT_IOCTL on %s (0x%x -> 0x%x): %s", ctrl, src, dst,
			     strerror(errno));
			close(cfd);
			return 1;
		}
		close(cfd);
		/* The node comes from devtmpfs, soon after the device. */
		for (i = 0; i < 500; i++) {
			if (find_ept(k, src, dst, dev, size) && !access(dev, F_OK))
				break;
			sleep_ms(10);
		}
		if (i == 500)
			return fail("%s made no /dev/rpmsgN for 0x%x -> 0x%x within 5 s", ctrl,
				    src, dst);
	}
	*fd = open_ept(dev);
	return *fd < 0;
}

/*
 * The largest payload of the pair: the smaller of the two links' MTUs less
 * the rpmsg header, 0 when either is not known.
 */
static void pair_limits(struct rpmsg_pair *p)
{
	unsigned long long mtu[2] = { 0, 0 };
	int i;

	p->max_msg = 0;
	for (i = 0; i < 2; i++) {
		if (link_of(base_name(p->dev[i]), p->link[i], sizeof(p->link[i]), &mtu[i]))
			p->link[i][0] = '\0';
		if (mtu[i] <= sizeof(struct mk_rpmsg_hdr))
			return;
	}
	p->max_msg = (mtu[0] < mtu[1] ? mtu[0] : mtu[1]) - sizeof(struct mk_rpmsg_hdr);
}

/*
 * The pair: the endpoint devices @devs (both NULL: made on loopback
 * @loopback, -1 for the first one with rpmsg), opened. 0, or 1 having
 * said what is wrong.
 */
int rpmsg_setup(struct rpmsg_pair *p, int loopback, char *const devs[2])
{
	long k[2] = { -1, -1 };
	int i, lo;

	memset(p, 0, sizeof(*p));
	p->fd[0] = -1;
	p->fd[1] = -1;
	if (devs[0]) {
		for (i = 0; i < 2; i++) {
			snprintf(p->dev[i], sizeof(p->dev[i]), "%s", devs[i]);
			p->fd[i] = open_ept(p->dev[i]);
			if (p->fd[i] < 0) {
				rpmsg_teardown(p);
				return 1;
			}
		}
		pair_limits(p);
		return 0;
	}
	if (find_loopback(loopback, k, &lo))
		return 1;
	p->ours = 1;
	if (make_ept(k[0], RTT_ADDR_PING, RTT_ADDR_ECHO, &p->fd[0], p->dev[0],
		     sizeof(p->dev[0])) ||
	    make_ept(k[1], RTT_ADDR_ECHO, RTT_ADDR_PING, &p->fd[1], p->dev[1],
		     sizeof(p->dev[1]))) {
		rpmsg_teardown(p);
		return 1;
	}
	pair_limits(p);
	return 0;
}

/* Close the pair; destroy the endpoint devices made here. */
void rpmsg_teardown(struct rpmsg_pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p->fd[i] < 0)
			continue;
		/* Gone already when the link went down: nothing to do then. */
		if (p->ours)
			(void)ioctl(p->fd[i], RPMSG_DESTROY_EPT_IOCTL);
		close(p->fd[i]);
		p->fd[i] = -1;
	}
}
