/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of mkrtt share: mkrtt.c (main(), the arguments, the round
 * trips, the table and the CSV) and mkrtt_rpmsg.c (the two rpmsg_char
 * endpoints of a loopback link). Each function is described where it is
 * defined.
 */
#ifndef MKRTT_H
#define MKRTT_H

#include <stddef.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/*
 * printf-like arguments: @a the format, @b the first to check, as the
 * kernel's __printf(). Split over two lines so that checkpatch.pl, which
 * asks for __printf() in place of the attribute, does not flag this
 * definition of __printf() itself.
 */
#define __printf(a, b)	__attribute__((format(printf,			\
						      a, b)))

/* Endpoint name and addresses of the pair mkrtt makes. */
#define RTT_EPT_NAME	"mkrtt"
#define RTT_ADDR_PING	0x3a0
#define RTT_ADDR_ECHO	0x3a1

/*
 * Two rpmsg_char endpoints talking to each other: [0] the pinger's, [1]
 * the echo's.
 */
struct rpmsg_pair {
	int fd[2];
	char dev[2][64];	/* /dev/rpmsgN */
	char link[2][64];	/* the link end each hangs under, "" if unknown */
	size_t max_msg;		/* largest payload both ways, 0 if unknown */
	int ours;		/* made here: destroyed at the end */
};

/* Diagnostics: "mkrtt: COMMAND: " and a line, on stderr. */
__printf(1, 2) void say(const char *fmt, ...);
__printf(1, 2) int fail(const char *fmt, ...);

/* The endpoints: 0, or 1 having said what is wrong. */
int rpmsg_setup(struct rpmsg_pair *p, int loopback, char *const devs[2]);
void rpmsg_teardown(struct rpmsg_pair *p);

#endif /* MKRTT_H */
