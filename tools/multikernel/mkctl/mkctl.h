/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of mkctl share: mkctl.c (main(), the diagnostics, the
 * parsing of arguments, SIGINT and SIGTERM), mkctl_link.c (links and
 * stats, from sysfs) and mkctl_msg.c (send, listen and call, through the
 * typed-message device). Each function is described where it is defined.
 */
#ifndef MKCTL_H
#define MKCTL_H

#include <getopt.h>
#include <stdint.h>

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

/* A type of typed message that has a name. */
struct msg_type {
	const char *name;
	uint32_t type;
};

/* The named types; listen takes the first NR_DEFAULT_TYPES by default. */
extern const struct msg_type msg_types[];
#define NR_DEFAULT_TYPES 4

/* Diagnostics: "mkctl: COMMAND: " and a line, on stderr. */
__printf(1, 2) void say(const char *fmt, ...);
__printf(1, 2) int fail(const char *fmt, ...);
__printf(1, 2) int bad(const char *fmt, ...);

/* Arguments. */
int parse_num(const char *s, unsigned long long max, unsigned long long *v);
int num_arg(const char *what, const char *s, unsigned long long max,
	    unsigned long long *v);
int type_arg(const char *s, uint32_t *type);
int next_opt(int argc, char **argv, const char *opts,
	     const struct option *lopts, int *status);
extern const struct option help_only[];

/* SIGINT and SIGTERM. */
void catch_stop(void);
int stopped(void);

/* The commands: @argv[0] is the command's name; each returns the exit status. */
int cmd_links(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_call(int argc, char **argv);

#endif /* MKCTL_H */
