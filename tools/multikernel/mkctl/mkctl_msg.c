// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkctl send, listen and call: typed messages through the device
 * /dev/multikernel/msg (MKCTL_DEVICE: another file), whose ABI is
 * <linux/multikernel/msg.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/multikernel/msg.h>

#include "mkctl.h"

/* Largest payload mkctl sends (every link takes 64 KiB at least). */
#define MAX_PAYLOAD	65536
/* Room for any message the device gives (link MTU: 64 KiB + 4 KiB). */
#define RX_ROOM		(128 * 1024)

/* The diagnosis of an answer of the kernel that mkctl cannot take. */
#define ABI_DIFFERS	"mkctl and the kernel differ on the ABI"

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

int cmd_send(int argc, char **argv)
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
	while (buf && !stopped() && (!count || got < count)) {
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

int cmd_listen(int argc, char **argv)
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
		subs[i].type = named ? 0 : msg_types[i].type;
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

int cmd_call(int argc, char **argv)
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
