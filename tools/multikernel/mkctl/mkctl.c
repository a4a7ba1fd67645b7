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
 *
 * This file has main() and the table of the commands, and what they all
 * use: the diagnostics, the parsing of arguments, SIGINT and SIGTERM.
 * links and stats are in mkctl_link.c, send, listen and call in
 * mkctl_msg.c; mkctl.h declares what the files share.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkctl.h"

#define MKCTL_VERSION	"1"

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

/* <linux/multikernel/messages.h>; listen takes the first four by default. */
const struct msg_type msg_types[] = {
	{ "io", 0x1000 }, { "resource", 0x2000 }, { "system", 0x3000 },
	{ "user", 0x4000 }, { "ipi_compat", 0x5000 },
};

/* Their names, for a message about a type that is none of them. */
#define TYPE_NAMES	"io, resource, system, user, ipi_compat"

/* Errors ------------------------------------------------------------------ */

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "mkctl: %s%s", cur ? cur->name : "", cur ? ": " : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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

/* Bad usage: say why, and how to use it; returns 2, the exit status. */
int bad(const char *fmt, ...)
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

/* Arguments --------------------------------------------------------------- */

/* Decimal or 0x-hex, nothing else (no sign, no octal, no spaces). */
int parse_num(const char *s, unsigned long long max, unsigned long long *v)
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
int num_arg(const char *what, const char *s, unsigned long long max,
	    unsigned long long *v)
{
	int ret = parse_num(s, max, v);

	if (ret == -EINVAL)
		return bad("bad %s '%s': not a number", what, s);
	if (ret)
		return bad("bad %s '%s': out of range (0-%llu)", what, s, max);
	return 0;
}

int type_arg(const char *s, uint32_t *type)
{
	unsigned long long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msg_types); i++) {
		if (!strcmp(s, msg_types[i].name)) {
			*type = msg_types[i].type;
			return 0;
		}
	}
	if (parse_num(s, UINT32_MAX, &v))
		return bad("bad type '%s': not a number (0-0xffffffff) nor " TYPE_NAMES, s);
	*type = v;
	return 0;
}

/*
 * getopt_long() over a subcommand's arguments (@argv[0] its name): the
 * option, 0 at the end, or -1 with the exit status in *@status: 0 after
 * -h/--help printed the help, 2 after a bad option.
 */
int next_opt(int argc, char **argv, const char *opts,
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

const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
};

/* SIGINT and SIGTERM ------------------------------------------------------ */

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT and SIGTERM end a watch or a listen: blocking calls fail (EINTR). */
void catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Whether SIGINT or SIGTERM came since catch_stop(). */
int stopped(void)
{
	return stop;
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
