// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stream test and benchmark: send sequence-numbered, checksummed messages
 * from one link end and check them at the other.
 *
 * Each message starts with a 16-byte header (sequence number, length,
 * checksum of the rest); the rest is a pseudo-random fill derived from the
 * sequence number. A message shorter than the header carries the first
 * bytes of the header its sequence number would have. The receiver checks
 * every byte: nothing lost, duplicated, reordered or corrupted (with
 * check=header, only the order and the lengths: what the transport costs
 * without the test, as a client that reads its messages in place). A link
 * reset may lose what was in flight; with @reset_ok the receiver resumes
 * at the next sequence number it sees after the reset and counts the gap
 * as lost in the reset, not as an error.
 *
 * Used by the KUnit tests, and from userspace through
 * /sys/kernel/debug/multikernel/stream: write a command, then read the
 * result from the same open file:
 *
 *   (lo=ID [dir=ab|ba] | from=LINK to=LINK) count=N [min=A] [max=B]
 *   [sizes=uniform|log] [mode=send|try] [batch=K] [delay=US] [reset_ok]
 *   [check=all|header] [timeout=S]
 *
 * Sizes are log-uniform between min (default 1) and max (default 64 KiB)
 * unless sizes=uniform; min=max gives fixed-size messages.
 *
 * LINK is a link end's name (loN.a, loN.b, chanN, mkI.C): from= and to= must
 * be the two ends of one channel. The run holds references to its links: a
 * link closed under it (its loopback destroyed) fails the run with
 * -ENOTCONN. Between two kernels each runs its half:
 * from= alone only sends, to= alone only receives and checks count
 * messages (start it first; the figures of a receive-only run time the
 * stream from its first message to its last).
 */

#define pr_fmt(fmt) "mk_stream: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include "stream.h"

struct mk_stream_hdr {
	__le64 seq;
	__le32 len;
	__le32 sum;
};

/**
 * struct mk_stream_rx - receiver state, touched by the rx callback only
 * @cfg: the stream's configuration
 * @res: where results go
 * @expect: next sequence number
 * @resync: a reset happened: take the next sequence number as it comes
 * @buf: private copy of one message
 * @first_ns: when the first message arrived
 * @done: woken when a message arrives
 */
struct mk_stream_rx {
	const struct mk_stream_cfg *cfg;
	struct mk_stream_result *res;
	u64 expect;
	bool resync;
	u8 *buf;
	u64 first_ns;
	wait_queue_head_t done;
};

static u64 mk_xorshift(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void mk_stream_fill(u8 *p, size_t len, u64 seq)
{
	u64 s = seq * 0x9e3779b97f4a7c15ULL + 1, v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = mk_xorshift(&s);
		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		v = mk_xorshift(&s);
		memcpy(p + i, &v, len - i);
	}
}

static u32 mk_stream_sum(const u8 *p, size_t len)
{
	u64 h = 0xcbf29ce484222325ULL, v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0x100000001b3ULL;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (u32)(h ^ (h >> 32));
}

static void mk_stream_build(u8 *buf, size_t len, u64 seq)
{
	struct mk_stream_hdr h;
	size_t body = len > sizeof(h) ? len - sizeof(h) : 0;

	if (body)
		mk_stream_fill(buf + sizeof(h), body, seq);
	h.seq = cpu_to_le64(seq);
	h.len = cpu_to_le32(len);
	h.sum = cpu_to_le32(mk_stream_sum(buf + sizeof(h), body));
	memcpy(buf, &h, min(len, sizeof(h)));
}

/*
 * A message shorter than the header carries only the first bytes of the
 * header its sequence number would have. It must be the expected one;
 * after a reset, one of the next ring's worth (what a reset can lose), the
 * first whose header begins with these bytes.
 */
static u64 mk_stream_tiny_seq(struct mk_stream_rx *st, size_t len)
{
	u8 want[sizeof(struct mk_stream_hdr)];
	u64 seq;

	if (!st->resync)
		return st->expect;
	for (seq = st->expect; seq < st->expect + 1024; seq++) {
		mk_stream_build(want, len, seq);
		if (!memcmp(want, st->buf, len))
			return seq;
	}
	return st->expect;
}

static void mk_stream_rx_cb(struct mk_link *link, const void *data, size_t len,
			    void *priv)
{
	struct mk_stream_rx *st = priv;
	struct mk_stream_result *res = st->res;
	struct mk_stream_hdr h;
	bool whole = !st->cfg->header_only || len < sizeof(h);
	u64 seq;

	if (!st->first_ns)
		st->first_ns = ktime_get_ns();
	/* Shared memory may change under us: check a private copy. */
	if (whole)
		memcpy(st->buf, data, len);
	if (len >= sizeof(h)) {
		memcpy(&h, whole ? st->buf : data, sizeof(h));
		seq = le64_to_cpu(h.seq);
	} else {
		seq = mk_stream_tiny_seq(st, len);
	}
	if (st->resync && seq > st->expect) {
		WRITE_ONCE(res->lost_in_reset, res->lost_in_reset + seq - st->expect);
		st->expect = seq;
	}
	st->resync = false;
	if (seq != st->expect) {
		if (!res->errors)
			pr_err("%s: message %llu arrived while %llu was expected\n",
			       mk_link_name(link), seq, st->expect);
		WRITE_ONCE(res->errors, res->errors + 1);
		if (seq > st->expect)
			st->expect = seq;
	} else {
		u8 want[sizeof(h)];

		if (len >= sizeof(h)) {
			if (le32_to_cpu(h.len) != len ||
			    (whole && le32_to_cpu(h.sum) !=
				      mk_stream_sum(st->buf + sizeof(h), len - sizeof(h))))
				goto corrupt;
		} else {
			mk_stream_build(want, len, seq);
			if (memcmp(want, st->buf, len))
				goto corrupt;
		}
	}
	st->expect = seq + 1;
	WRITE_ONCE(res->received, res->received + 1);
	WRITE_ONCE(res->bytes, res->bytes + len);
	if (st->cfg->rx_delay_us)
		usleep_range(st->cfg->rx_delay_us, st->cfg->rx_delay_us + 10);
	wake_up(&st->done);
	return;

corrupt:
	if (!res->errors)
		pr_err("%s: message %llu (%zu bytes) is corrupt\n",
		       mk_link_name(link), seq, len);
	WRITE_ONCE(res->errors, res->errors + 1);
	st->expect = seq + 1;
	wake_up(&st->done);
}

static void mk_stream_down(struct mk_link *link, void *priv)
{
	struct mk_stream_rx *st = priv;

	st->resync = true;
	WRITE_ONCE(st->res->resets_seen, st->res->resets_seen + 1);
	/* If that was a close, nothing more arrives: the waiter must know. */
	wake_up(&st->done);
}

static const struct mk_link_ops mk_stream_ops = {
	.rx = mk_stream_rx_cb,
	.down = mk_stream_down,
};

static u32 mk_stream_len(const struct mk_stream_cfg *cfg, u64 *rnd)
{
	u32 lo = cfg->min_len, hi = cfg->max_len, bits, len;

	if (lo >= hi)
		return lo;
	if (!cfg->log_sizes)
		return lo + mk_xorshift(rnd) % (hi - lo + 1);
	/* Log-uniform: every power of two as likely, up to the maximum. */
	bits = ilog2(lo) + mk_xorshift(rnd) % (ilog2(hi) - ilog2(lo) + 1);
	len = (1U << bits) + mk_xorshift(rnd) % (1U << bits);
	return clamp(len, lo, hi);
}

static bool mk_stream_done(const struct mk_stream_result *res)
{
	return READ_ONCE(res->received) + READ_ONCE(res->errors) +
	       READ_ONCE(res->lost_in_reset) >= res->sent;
}

/*
 * Nothing more can arrive: an end was closed. The sending end is closed
 * before the receiving one hears "down" from it, which wakes the waiter.
 */
static bool mk_stream_cut(struct mk_link *tx, struct mk_link *rx)
{
	return (tx && mk_link_closed(tx)) || mk_link_closed(rx);
}

static bool mk_stream_wait_up(struct mk_link *link, long timeout)
{
	unsigned long end = jiffies + timeout;

	while (!mk_link_is_up(link)) {
		if (mk_link_closed(link) || time_after(jiffies, end) ||
		    fatal_signal_pending(current))
			return false;
		usleep_range(2000, 5000);
	}
	return true;
}

/**
 * mk_stream_run() - stream messages from @tx to @rx and check them
 * @tx: sending link end, or NULL to only receive (@cfg->count messages)
 * @rx: receiving link end (its client is attached for the run), or NULL
 *	to only send (the peer kernel checks)
 * @cfg: what to send
 * @res: results; figures are filled even on failure
 *
 * The caller keeps @tx and @rx alive (owns them or holds references); they
 * may be closed meanwhile.
 *
 * Context: process context; sleeps.
 * Return: 0 if every message arrived intact (or was lost in a reset with
 * @cfg->reset_ok), else a negative error (-EIO for bad messages, the send
 * error, -ETIMEDOUT if messages never arrived, -ENOTCONN if a link was
 * closed first, -EBUSY if @rx has a client).
 */
int mk_stream_run(struct mk_link *tx, struct mk_link *rx,
		  const struct mk_stream_cfg *cfg, struct mk_stream_result *res)
{
	u64 rnd = cfg->seed ?: 0x2545f4914f6cdd1dULL, seq, db0, ns0, poll0;
	u64 tx_poll0;
	u32 built = 0;
	long timeout = cfg->timeout ?: 30 * HZ;
	struct mk_stream_rx *st;
	u8 *msg;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (!cfg->max_len || cfg->min_len > cfg->max_len)
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	msg = kvmalloc(cfg->max_len, GFP_KERNEL);
	if (st)
		st->buf = kvmalloc(max_t(u32, cfg->max_len, 64), GFP_KERNEL);
	if (!st || !msg || !st->buf) {
		ret = -ENOMEM;
		goto free;
	}
	st->cfg = cfg;
	st->res = res;
	init_waitqueue_head(&st->done);
	ret = rx ? mk_link_attach_client(rx, &mk_stream_ops, st) : 0;
	if (ret)
		goto free;
	if ((tx && !mk_stream_wait_up(tx, timeout)) ||
	    (rx && !mk_stream_wait_up(rx, timeout))) {
		ret = -ENOTCONN;
		goto detach;
	}

	db0 = tx ? mk_link_doorbells_sent(tx) : 0;
	poll0 = rx ? mk_link_rx_poll_ns(rx) : 0;
	tx_poll0 = tx ? mk_link_rx_poll_ns(tx) : 0;
	ns0 = ktime_get_ns();
	if (!tx)
		res->sent = cfg->count;
	for (seq = 0; tx && seq < cfg->count; seq++) {
		u32 len = mk_stream_len(cfg, &rnd);
		unsigned int flags = 0;

		if (cfg->batch > 1 && (seq + 1) % cfg->batch && seq + 1 < cfg->count)
			flags = MK_SEND_MORE;
		if (cfg->header_only && len >= sizeof(struct mk_stream_hdr)) {
			__le64 s = cpu_to_le64(seq);

			/* The body and sum of message 0 of this length, once. */
			if (len != built)
				mk_stream_build(msg, len, 0);
			built = len;
			memcpy(msg + offsetof(struct mk_stream_hdr, seq), &s, sizeof(s));
		} else {
			mk_stream_build(msg, len, seq);
		}
retry:
		if (cfg->trysend) {
			ret = mk_link_trysend(tx, msg, len, flags);
			if (ret == -EAGAIN) {
				res->eagain++;
				ret = mk_link_wait_space(tx, len, timeout);
				if (!ret)
					goto retry;
			}
		} else {
			ret = mk_link_send(tx, msg, len, flags, timeout);
		}
		if (ret == -ENOTCONN && cfg->reset_ok) {
			res->send_resets++;
			if (mk_stream_wait_up(tx, timeout))
				goto retry;
		}
		if (ret) {
			pr_err("%s: send %llu failed (%d)\n", mk_link_name(tx), seq, ret);
			break;
		}
		res->sent++;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	if (tx)
		mk_link_flush(tx);
	/* Everything sent must arrive, or be accounted lost in a reset. */
	/* Interruptible: a receive-only run may wait long for its sender. */
	if (rx) {
		long left = wait_event_interruptible_timeout(st->done,
							     mk_stream_done(res) ||
							     mk_stream_cut(tx, rx),
							     timeout);

		if (!mk_stream_done(res) && !ret) {
			pr_err("%s: %llu of %llu messages never arrived%s\n",
			       mk_link_name(rx),
			       res->sent - res->received - res->lost_in_reset, res->sent,
			       left > 0 ? ": link closed" : "");
			ret = left > 0 ? -ENOTCONN : -ETIMEDOUT;
		}
	}
	res->ns = ktime_get_ns() - (tx || !st->first_ns ? ns0 : st->first_ns);
	res->doorbells = tx ? mk_link_doorbells_sent(tx) - db0 : 0;
	res->rx_poll_ns = rx ? mk_link_rx_poll_ns(rx) - poll0 : 0;
	res->tx_poll_ns = tx ? mk_link_rx_poll_ns(tx) - tx_poll0 : 0;
	if (!ret && (res->errors || (!cfg->reset_ok && res->lost_in_reset)))
		ret = -EIO;
detach:
	if (rx)
		mk_link_detach_client(rx);
free:
	if (st)
		kvfree(st->buf);
	kfree(st);
	kvfree(msg);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mk_stream_run);

/**
 * mk_stream_format() - the result as "key value" lines
 * @res: the result
 * @ret: what mk_stream_run() returned
 * @buf: where to write
 * @size: its size
 *
 * Return: bytes written.
 */
int mk_stream_format(const struct mk_stream_result *res, int ret, char *buf,
		     size_t size)
{
	u64 us = div_u64(res->ns, 1000) ?: 1;

	return scnprintf(buf, size,
		"status %d\nsent %llu\nreceived %llu\nbytes %llu\nerrors %llu\n"
		"lost_in_reset %llu\nresets_seen %llu\nsend_resets %llu\neagain %llu\n"
		"ns %llu\nmsgs_per_s %llu\nmb_per_s %llu\ndoorbells %llu\n"
		"doorbells_per_1000_msgs %llu\nrx_poll_ns %llu\ntx_poll_ns %llu\n",
		ret, res->sent, res->received, res->bytes, res->errors,
		res->lost_in_reset, res->resets_seen, res->send_resets, res->eagain,
		res->ns, div64_u64(res->received * 1000000, us),
		div64_u64(res->bytes, us), res->doorbells,
		res->sent ? div64_u64(res->doorbells * 1000, res->sent) : 0,
		res->rx_poll_ns, res->tx_poll_ns);
}

/* debugfs ------------------------------------------------------------------ */

struct mk_stream_file {
	char out[640];
	int len;
};

static int mk_stream_open(struct inode *inode, struct file *f)
{
	struct mk_stream_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL);

	f->private_data = sf;
	return sf ? 0 : -ENOMEM;
}

static int mk_stream_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
	return 0;
}

static ssize_t mk_stream_read(struct file *f, char __user *ubuf, size_t n,
			      loff_t *pos)
{
	struct mk_stream_file *sf = f->private_data;

	return simple_read_from_buffer(ubuf, n, pos, sf->out, sf->len);
}

/* A referenced link by name, instead of @old (released). */
static struct mk_link *mk_stream_find(struct mk_link *old, const char *name)
{
	mk_link_put(old);
	return mk_link_find(name);
}

/*
 * Both ends of loopback @id, referenced, instead of *@from and *@to; if it
 * has no end b (host loopback), or no such loopback, they stay.
 */
static void mk_stream_find_lo(unsigned int id, bool ba, struct mk_link **from,
			      struct mk_link **to)
{
	struct mk_link *end[2];
	char name[24];
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "lo%u.%c", id, 'a' + i);
		end[i] = mk_link_find(name);
	}
	if (!end[0] || !end[1]) {
		mk_link_put(end[0]);
		mk_link_put(end[1]);
		return;
	}
	mk_link_put(*from);
	mk_link_put(*to);
	*from = end[ba];
	*to = end[!ba];
}

static ssize_t mk_stream_write(struct file *f, const char __user *ubuf,
			       size_t n, loff_t *pos)
{
	struct mk_stream_cfg cfg = {
		.count = 1000, .min_len = 1, .max_len = SZ_64K, .log_sizes = true,
	};
	struct mk_stream_file *sf = f->private_data;
	struct mk_stream_result res;
	char *buf, *p, *tok, dir[4] = "ab";
	struct mk_link *from = NULL, *to = NULL;
	bool want_from = false, want_to = false, want_lo = false;
	unsigned int lo, secs = 30;
	int ret;

	if (n > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, n);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	p = strim(buf);
	ret = 0;
	while ((tok = strsep(&p, " \t\n")) && !ret) {
		if (!*tok)
			continue;
		want_from |= !strncmp(tok, "from=", 5);
		want_to |= !strncmp(tok, "to=", 3);
		if (sscanf(tok, "lo=%u", &lo) == 1)
			want_lo = true;
		else if (!strncmp(tok, "from=", 5))
			from = mk_stream_find(from, tok + 5);
		else if (!strncmp(tok, "to=", 3))
			to = mk_stream_find(to, tok + 3);
		else if (sscanf(tok, "count=%llu", &cfg.count) == 1)
			;
		else if (sscanf(tok, "min=%u", &cfg.min_len) == 1)
			;
		else if (sscanf(tok, "max=%u", &cfg.max_len) == 1)
			;
		else if (sscanf(tok, "batch=%u", &cfg.batch) == 1)
			;
		else if (sscanf(tok, "delay=%u", &cfg.rx_delay_us) == 1)
			;
		else if (sscanf(tok, "timeout=%u", &secs) == 1)
			;
		else if (!strcmp(tok, "check=all") || !strcmp(tok, "check=header"))
			cfg.header_only = tok[6] == 'h';
		else if (!strcmp(tok, "dir=ab") || !strcmp(tok, "dir=ba"))
			strscpy(dir, tok + 4, sizeof(dir));
		else if (!strcmp(tok, "sizes=uniform") || !strcmp(tok, "sizes=log"))
			cfg.log_sizes = tok[6] == 'l';
		else if (!strcmp(tok, "mode=try") || !strcmp(tok, "mode=send"))
			cfg.trysend = tok[5] == 't';
		else if (!strcmp(tok, "reset_ok"))
			cfg.reset_ok = true;
		else
			ret = -EINVAL;
	}
	kfree(buf);
	if (ret)
		goto out;
	if (want_lo)
		mk_stream_find_lo(lo, dir[0] == 'b', &from, &to);
	ret = -ENOENT;
	if ((!from && !to) || from == to || (want_from && !from) ||
	    (want_to && !to))
		goto out;
	ret = -EINVAL;
	if (!cfg.min_len || cfg.max_len > SZ_64K)
		goto out;
	if (cfg.min_len > cfg.max_len)
		cfg.max_len = cfg.min_len;
	cfg.timeout = secs * HZ;
	ret = mk_stream_run(from, to, &cfg, &res);
	sf->len = mk_stream_format(&res, ret, sf->out, sizeof(sf->out));
	ret = n;
out:
	mk_link_put(from);
	mk_link_put(to);
	return ret;
}

static const struct file_operations mk_stream_fops = {
	.open = mk_stream_open,
	.release = mk_stream_release,
	.read = mk_stream_read,
	.write = mk_stream_write,
	.llseek = default_llseek,
};

static int __init mk_stream_debugfs_init(void)
{
	debugfs_create_file("stream", 0600, mk_transport_debugfs(), NULL,
			    &mk_stream_fops);
	return 0;
}
late_initcall(mk_stream_debugfs_init);
