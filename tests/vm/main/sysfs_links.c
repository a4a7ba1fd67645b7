// SPDX-License-Identifier: GPL-2.0-only
/*
 * A link's sysfs files as an operator, or mkctl, reads them:
 * /sys/class/mk_link/NAME/ (Documentation/ABI/testing/sysfs-class-mk_link)
 * on the two ends of a loopback made through debugfs. Every file is there,
 * read-only, one value and a newline; state says up once the link is, the
 * identity files agree with the debugfs stats; a stream moves the counters
 * by exactly what it sent, and every counter equals its debugfs twin on an
 * idle link; messages sent to an end without a client count as dropped; a
 * restart bumps epoch and resets; an end whose peer never came says down
 * with an MTU of 0; and the directory goes with the link, an open file
 * failing from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ktap.h"
#include "mkvm.h"

#define SYS "/sys/class/mk_link/"
#define STREAM_COUNT 5000
#define STREAM_SIZE 1024
#define DROP_COUNT 1000

static const char *const attrs[] = {
	"state", "peer_instance", "mtu", "epoch", "doorbell",
};

/* statistics/ files and the debugfs counters they show. */
static const struct {
	const char *sys, *dbg;
} counters[] = {
	{ "tx_messages", "tx_msgs" },
	{ "rx_messages", "rx_msgs" },
	{ "tx_bytes", "tx_bytes" },
	{ "rx_bytes", "rx_bytes" },
	{ "tx_doorbells", "tx_doorbells" },
	{ "rx_doorbells", "irqs" },
	{ "tx_waits", "tx_waits" },
	{ "resets", "resets" },
	{ "malformed", "violations" },
	{ "dropped", "dropped" },
};

#define NR_COUNTERS ((int)(sizeof(counters) / sizeof(counters[0])))
#define NR_ATTRS (sizeof(attrs) / sizeof(attrs[0]))

/* Indexes into counters[]. */
enum {
	TX_MSGS, RX_MSGS, TX_BYTES, RX_BYTES, TX_DB, RX_DB, TX_WAITS, RESETS,
	MALFORMED, DROPPED,
};

struct end {
	const char *role;	/* "a" or "b": stable test names */
	char name[24];
};

/* Loopbacks as listed: "ID A B PHYS SIZE". */
/* Create a loopback with @cmd; the new one into *@out. */
static int create(const char *cmd, struct lo *out)
{
	struct lo before[16], after[16];
	int nb = lo_list_all(before, 16), na, i, j;

	if (nb < 0 || put(DBG "loopback", cmd))
		return 0;
	na = lo_list_all(after, 16);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && before[j].id != after[i].id; j++)
			;
		if (j == nb) {
			*out = after[i];
			return 1;
		}
	}
	return 0;
}

static int destroy_lo(int id)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "destroy %d", id);
	return put(DBG "loopback", cmd) == 0;
}

static void path_of(char *path, size_t size, const char *end, const char *file)
{
	snprintf(path, size, SYS "%s/%s", end, file);
}

/*
 * Read @file of link end @end into @buf; 1 if it holds exactly one line,
 * ended by a newline, which is then cut off.
 */
static int sys_line(const char *end, const char *file, char *buf, size_t size)
{
	char path[160];
	int n;

	path_of(path, sizeof(path), end, file);
	n = get(path, buf, size);
	if (n <= 0 || buf[n - 1] != '\n' || memchr(buf, '\n', n - 1))
		return 0;
	buf[n - 1] = '\0';
	return 1;
}

/* A signed decimal file, all of it; 1 if it parses. */
static int sys_int(const char *end, const char *file, long long *v)
{
	char buf[64], *e;

	if (!sys_line(end, file, buf, sizeof(buf)) || !buf[0])
		return 0;
	errno = 0;
	*v = strtoll(buf, &e, 10);
	return !errno && !*e;
}

/* An unsigned decimal file (no sign), all of it; 1 if it parses. */
static int sys_u64(const char *end, const char *file, unsigned long long *v)
{
	char buf[64], *e;

	if (!sys_line(end, file, buf, sizeof(buf)) || buf[0] < '0' || buf[0] > '9')
		return 0;
	errno = 0;
	*v = strtoull(buf, &e, 10);
	return !errno && !*e;
}

/* Every statistics/ counter of @end into @v; 1 if all parse. */
static int snap(const char *end, unsigned long long *v)
{
	char file[64];
	int i, ok = 1;

	for (i = 0; i < NR_COUNTERS; i++) {
		snprintf(file, sizeof(file), "statistics/%s", counters[i].sys);
		ok &= sys_u64(end, file, &v[i]);
	}
	return ok;
}

/* state of @end in sysfs becomes @want within 5 s. */
static int wait_state(const char *end, const char *want)
{
	char buf[32];
	int i;

	for (i = 0; i < 500; i++) {
		if (sys_line(end, "state", buf, sizeof(buf)) && !strcmp(buf, want))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* The first line of the debugfs stats: state epoch seen mtu. */
struct dbg_head {
	char state[16];
	unsigned int epoch, seen, mtu;
	char backend[16];
};

static int dbg_head(const char *end, struct dbg_head *h)
{
	char buf[8192];
	const char *p;

	if (stats_of(end, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "state %15s epoch %u seen %u mtu %u", h->state, &h->epoch,
		   &h->seen, &h->mtu) != 4)
		return 0;
	p = strstr(buf, "\ndoorbell_backend ");
	return p && sscanf(p, "\ndoorbell_backend %15s", h->backend) == 1;
}

/* The doorbell backend the command line asks for, or "" if none. */
static void cmdline_backend(char out[16])
{
	char buf[4096];
	const char *p;

	out[0] = '\0';
	if (get("/proc/cmdline", buf, sizeof(buf)) <= 0)
		return;
	p = strstr(buf, "mk_transport.doorbell=");
	if (p)
		sscanf(p, "mk_transport.doorbell=%15[^ \n]", out);
}

static void check_files(const struct end *e)
{
	char path[160], buf[64];
	struct stat st;
	size_t i;

	for (i = 0; i < NR_ATTRS; i++) {
		path_of(path, sizeof(path), e->name, attrs[i]);
		ktap_result(!stat(path, &st) && S_ISREG(st.st_mode) &&
			    (st.st_mode & 0777) == 0444 &&
			    sys_line(e->name, attrs[i], buf, sizeof(buf)) && buf[0],
			    "%s_%s_read_only_one_line", e->role, attrs[i]);
	}
	for (i = 0; i < (size_t)NR_COUNTERS; i++) {
		unsigned long long v;

		snprintf(buf, sizeof(buf), "statistics/%s", counters[i].sys);
		path_of(path, sizeof(path), e->name, buf);
		ktap_result(!stat(path, &st) && S_ISREG(st.st_mode) &&
			    (st.st_mode & 0777) == 0444 && sys_u64(e->name, buf, &v),
			    "%s_statistics_%s_parses", e->role, counters[i].sys);
	}
}

/* statistics/ holds the ten counters and nothing else. */
static void check_statistics_dir(const struct end *e)
{
	char path[160];
	struct dirent *d;
	int seen = 0, other = 0, i;
	DIR *dir;

	path_of(path, sizeof(path), e->name, "statistics");
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		for (i = 0; i < NR_COUNTERS && strcmp(d->d_name, counters[i].sys); i++)
			;
		if (i < NR_COUNTERS) {
			seen |= 1 << i;
		} else {
			printf("# unexpected statistics/%s\n", d->d_name);
			other++;
		}
	}
	if (dir)
		closedir(dir);
	ktap_result(dir && seen == (1 << NR_COUNTERS) - 1 && !other,
		    "%s_statistics_has_exactly_the_counters", e->role);
}

static void check_identity(const struct end *e, const char *want_backend)
{
	unsigned long long mtu = 0, epoch = 0;
	char state[32] = "", db[32] = "";
	struct dbg_head h;
	int dbg = dbg_head(e->name, &h);

	ktap_result(sys_line(e->name, "state", state, sizeof(state)) && dbg &&
		    !strcmp(state, "up") && !strcmp(h.state, "up"),
		    "%s_state_up_as_debugfs", e->role);
	ktap_result(sys_u64(e->name, "mtu", &mtu) && dbg && mtu >= 65536 &&
		    mtu == h.mtu, "%s_mtu_negotiated_as_debugfs", e->role);
	ktap_result(sys_u64(e->name, "epoch", &epoch) && dbg && epoch >= 1 &&
		    epoch <= 0xffffffffULL && epoch == h.epoch,
		    "%s_epoch_as_debugfs", e->role);
	ktap_result(sys_line(e->name, "doorbell", db, sizeof(db)) && dbg &&
		    !strcmp(db, h.backend) && (!*want_backend || !strcmp(db, want_backend)),
		    "%s_doorbell_names_the_backend", e->role);
	printf("# %s: state %s mtu %llu epoch %llu doorbell %s (debugfs: %s %u %u %s)\n",
	       e->name, state, mtu, epoch, db, dbg ? h.state : "?", dbg ? h.mtu : 0,
	       dbg ? h.epoch : 0, dbg ? h.backend : "?");
}

/*
 * Every counter of @e against its debugfs twin: the debugfs text read
 * before and after sysfs. On an idle link the two agree and sysfs must
 * equal them; a counter that moves meanwhile (rx_doorbells under the
 * polling backend, which counts every poll) must lie between them.
 */
static void compare_with_debugfs(const struct end *e, const char *when)
{
	char before[8192], after[8192];
	unsigned long long v[NR_COUNTERS];
	int i, got;

	usleep(200000);
	got = stats_of(e->name, before, sizeof(before)) > 0 && snap(e->name, v) &&
	      stats_of(e->name, after, sizeof(after)) > 0;
	for (i = 0; i < NR_COUNTERS; i++) {
		long long d0 = got ? field(before, counters[i].dbg) : -1;
		long long d1 = got ? field(after, counters[i].dbg) : -1;
		unsigned long long s = got ? v[i] : 0;
		int ok = got && d0 >= 0 && d1 >= d0 &&
			 (d0 == d1 ? s == (unsigned long long)d0 :
			  s >= (unsigned long long)d0 && s <= (unsigned long long)d1);

		if (!ok || d0 != d1)
			printf("# %s: statistics/%s %llu, debugfs %s %lld..%lld\n", e->name,
			       counters[i].sys, s, counters[i].dbg, d0, d1);
		ktap_result(ok, "%s_%s_equals_debugfs_%s_%s", e->role, counters[i].sys,
			    counters[i].dbg, when);
	}
}

static void stream_counts(const struct lo *l, const struct end *a, const struct end *b)
{
	unsigned long long a0[NR_COUNTERS] = { 0 }, b0[NR_COUNTERS] = { 0 },
		a1[NR_COUNTERS] = { 0 }, b1[NR_COUNTERS] = { 0 };
	char cmd[128], out[1024];
	int ok, s0, s1, i;

	s0 = snap(a->name, a0) && snap(b->name, b0);
	snprintf(cmd, sizeof(cmd), "lo=%d count=%d min=%d max=%d", l->id, STREAM_COUNT,
		 STREAM_SIZE, STREAM_SIZE);
	ok = stream(cmd, out, sizeof(out)) == 0 && field(out, "status") == 0 &&
	     field(out, "errors") == 0 && field(out, "sent") == STREAM_COUNT &&
	     field(out, "received") == STREAM_COUNT;
	ktap_result(ok, "stream_%d_messages", STREAM_COUNT);
	/*
	 * The stream ends when its receiver has seen the last message; the
	 * receive thread adds its batch to the counters just after.
	 */
	for (i = 0; i < 500; i++) {
		if (s0 && snap(b->name, b1) && b1[RX_MSGS] >= b0[RX_MSGS] + STREAM_COUNT)
			break;
		usleep(10000);
	}
	s1 = snap(a->name, a1) && snap(b->name, b1);
	if (!s0 || !s1) {
		ktap_result(0, "counters_readable_around_the_stream");
		return;
	}
	printf("# a: tx_messages %llu -> %llu, tx_doorbells %llu -> %llu; "
	       "b: rx_messages %llu -> %llu, rx_doorbells %llu -> %llu\n",
	       a0[TX_MSGS], a1[TX_MSGS], a0[TX_DB], a1[TX_DB], b0[RX_MSGS], b1[RX_MSGS],
	       b0[RX_DB], b1[RX_DB]);
	ktap_result(a1[TX_MSGS] - a0[TX_MSGS] == STREAM_COUNT,
		    "a_tx_messages_grew_by_exactly_the_sent");
	ktap_result(b1[RX_MSGS] - b0[RX_MSGS] == STREAM_COUNT,
		    "b_rx_messages_grew_by_exactly_the_sent");
	ktap_result(a1[TX_BYTES] - a0[TX_BYTES] == (unsigned long long)STREAM_COUNT * STREAM_SIZE &&
		    b1[RX_BYTES] - b0[RX_BYTES] == (unsigned long long)STREAM_COUNT * STREAM_SIZE,
		    "bytes_grew_by_exactly_the_payload");
	ktap_result(a1[RX_MSGS] == a0[RX_MSGS] && b1[TX_MSGS] == b0[TX_MSGS] &&
		    a1[RX_BYTES] == a0[RX_BYTES] && b1[TX_BYTES] == b0[TX_BYTES],
		    "other_direction_unchanged");
	ktap_result(a1[TX_DB] > a0[TX_DB] && b1[RX_DB] > b0[RX_DB],
		    "doorbells_counted_both_sides");
	ktap_result(b1[DROPPED] == b0[DROPPED] && a1[RESETS] == a0[RESETS] &&
		    b1[RESETS] == b0[RESETS] && !a1[MALFORMED] && !b1[MALFORMED],
		    "nothing_dropped_reset_or_malformed");
}

/* Messages to an end without a client are consumed and counted dropped. */
static void dropped_without_client(const struct end *a, const struct end *b)
{
	unsigned long long a0[NR_COUNTERS] = { 0 }, b0[NR_COUNTERS] = { 0 },
		a1[NR_COUNTERS] = { 0 }, b1[NR_COUNTERS] = { 0 };
	char cmd[128], out[1024];
	int i, ok;

	ktap_result(stats_of(b->name, out, sizeof(out)) > 0 && strstr(out, "\nclient no\n"),
		    "b_has_no_client");
	ok = snap(a->name, a0) && snap(b->name, b0);
	/* from= alone: only sends; nobody takes the messages at b. */
	snprintf(cmd, sizeof(cmd), "from=%s count=%d min=64 max=64", a->name, DROP_COUNT);
	ktap_result(stream(cmd, out, sizeof(out)) == 0 && field(out, "status") == 0 &&
		    field(out, "sent") == DROP_COUNT, "send_%d_to_an_end_without_client",
		    DROP_COUNT);
	for (i = 0; i < 500; i++) {
		if (snap(b->name, b1) && b1[RX_MSGS] >= b0[RX_MSGS] + DROP_COUNT)
			break;
		usleep(10000);
	}
	ok &= snap(a->name, a1) && snap(b->name, b1);
	printf("# b: rx_messages %llu -> %llu, dropped %llu -> %llu\n", b0[RX_MSGS],
	       b1[RX_MSGS], b0[DROPPED], b1[DROPPED]);
	ktap_result(ok && a1[TX_MSGS] - a0[TX_MSGS] == DROP_COUNT &&
		    b1[RX_MSGS] - b0[RX_MSGS] == DROP_COUNT,
		    "sent_and_received_without_client_counted");
	ktap_result(ok && b1[DROPPED] - b0[DROPPED] == DROP_COUNT && a1[DROPPED] == a0[DROPPED],
		    "dropped_counts_exactly_those");
	ktap_result(ok && stat_of(b->name, "dropped") == (long long)b1[DROPPED],
		    "dropped_equals_debugfs");
}

/* A restart starts a new session: epoch + 1 and one reset on each end. */
static void restart_session(const struct end *a, const struct end *b)
{
	unsigned long long ea0 = 0, eb0 = 0, ea1 = 0, eb1 = 0, ra0 = 0, rb0 = 0, ra1 = 0,
			   rb1 = 0;
	char path[128];
	int ok, i;

	ok = sys_u64(a->name, "epoch", &ea0) && sys_u64(b->name, "epoch", &eb0) &&
	     sys_u64(a->name, "statistics/resets", &ra0) &&
	     sys_u64(b->name, "statistics/resets", &rb0);
	snprintf(path, sizeof(path), DBG "links/%s/restart", a->name);
	ok &= put(path, "1") == 0;
	/* A new session, then up again. */
	for (i = 0; i < 500; i++) {
		if (sys_u64(a->name, "epoch", &ea1) && ea1 != ea0)
			break;
		usleep(10000);
	}
	ok &= wait_state(a->name, "up") && wait_state(b->name, "up");
	ok &= sys_u64(a->name, "epoch", &ea1) && sys_u64(b->name, "epoch", &eb1) &&
	      sys_u64(a->name, "statistics/resets", &ra1) &&
	      sys_u64(b->name, "statistics/resets", &rb1);
	printf("# restart: epoch a %llu -> %llu, b %llu -> %llu; resets a %llu -> %llu, b %llu -> %llu\n",
	       ea0, ea1, eb0, eb1, ra0, ra1, rb0, rb1);
	ktap_result(ok, "up_again_after_restart");
	ktap_result(ok && ea1 == ea0 + 1 && eb1 == eb0 + 1, "restart_bumps_epoch_once");
	ktap_result(ok && ra1 == ra0 + 1 && rb1 == rb0 + 1, "restart_counted_once_in_resets");
}

/* A host loopback's side 1 never opens: its end stays down, MTU 0. */
static void end_without_peer(void)
{
	struct end h = { .role = "host" };
	char state[32], path[160];
	unsigned long long mtu = 1;
	long long peer;
	struct lo l;

	if (!create("host 0", &l) || strcmp(l.b, "-")) {
		ktap_result(0, "host_loopback_created");
		return;
	}
	ktap_result(1, "host_loopback_created");
	snprintf(h.name, sizeof(h.name), "%s", l.a);
	usleep(300000);
	ktap_result(sys_line(h.name, "state", state, sizeof(state)) &&
		    !strcmp(state, "down"), "host_state_down_without_peer");
	ktap_result(sys_u64(h.name, "mtu", &mtu) && mtu == 0, "host_mtu_0_while_down");
	ktap_result(sys_int(h.name, "peer_instance", &peer) && peer >= -1,
		    "host_peer_instance_parses");
	ktap_result(destroy_lo(l.id), "host_loopback_destroyed");
	snprintf(path, sizeof(path), SYS "%s", h.name);
	ktap_result(access(path, F_OK) < 0 && errno == ENOENT, "host_directory_gone");
}

static void destroy_and_gone(const struct lo *l, const struct end *a, const struct end *b)
{
	char path[160], buf[64];
	int fd, ok;

	path_of(path, sizeof(path), a->name, "statistics/rx_messages");
	fd = open(path, O_RDONLY);
	ok = destroy_lo(l->id);
	ktap_result(ok, "loopback_destroyed");
	snprintf(path, sizeof(path), SYS "%s", a->name);
	ok = access(path, F_OK) < 0 && errno == ENOENT;
	snprintf(path, sizeof(path), SYS "%s", b->name);
	ok &= access(path, F_OK) < 0 && errno == ENOENT;
	ktap_result(ok, "directories_gone_after_destroy");
	/* sysfs refuses a file of a removed device; nothing reads the link. */
	errno = 0;
	ktap_result(fd >= 0 && pread(fd, buf, sizeof(buf), 0) < 0 && errno == ENODEV,
		    "file_open_across_destroy_reads_enodev");
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	struct end a = { .role = "a" }, b = { .role = "b" };
	char backend[16], path[160];
	long long pa = -1, pb = -1;
	struct stat st;
	struct lo l;

	ktap_result(!stat(SYS, &st) && S_ISDIR(st.st_mode), "class_mk_link_exists");
	if (!create("create", &l)) {
		ktap_result(0, "loopback_created");
		return ktap_finish();
	}
	ktap_result(1, "loopback_created");
	snprintf(a.name, sizeof(a.name), "%s", l.a);
	snprintf(b.name, sizeof(b.name), "%s", l.b);
	printf("# loopback %d: %s, %s\n", l.id, a.name, b.name);

	ktap_result(wait_state(a.name, "up") && wait_state(b.name, "up"), "both_ends_up");
	check_files(&a);
	check_files(&b);
	check_statistics_dir(&a);
	check_statistics_dir(&b);
	path_of(path, sizeof(path), a.name, "state");
	ktap_result(put(path, "down\n") < 0, "state_not_writable_even_by_root");

	cmdline_backend(backend);
	check_identity(&a, backend);
	check_identity(&b, backend);
	ktap_result(sys_int(a.name, "peer_instance", &pa) &&
		    sys_int(b.name, "peer_instance", &pb) && pa >= 0 && pb >= 0 && pa != pb,
		    "peer_instance_known_and_distinct");
	printf("# peer_instance: %s %lld, %s %lld\n", a.name, pa, b.name, pb);

	stream_counts(&l, &a, &b);
	compare_with_debugfs(&a, "after_stream");
	compare_with_debugfs(&b, "after_stream");
	dropped_without_client(&a, &b);
	restart_session(&a, &b);
	compare_with_debugfs(&a, "after_restart");
	compare_with_debugfs(&b, "after_restart");

	end_without_peer();
	destroy_and_gone(&l, &a, &b);
	return ktap_finish();
}
