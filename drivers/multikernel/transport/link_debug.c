// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: test hooks and statistics of a link end.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "link.h"

const char *const mk_fault_names[MK_NR_FAULTS] = {
	[MK_FAULT_NONE]		= "none",
	[MK_FAULT_AVAIL_JUMP]	= "avail_jump",
	[MK_FAULT_DESC_OFFSET]	= "desc_offset",
	[MK_FAULT_DESC_LEN]	= "desc_len",
	[MK_FAULT_DESC_WRAP]	= "desc_wrap",
	[MK_FAULT_DESC_FLAGS]	= "desc_flags",
	[MK_FAULT_USED_JUMP]	= "used_jump",
	[MK_FAULT_USED_ORDER]	= "used_order",
	[MK_FAULT_STATE]	= "state",
};

/**
 * mk_link_set_fault() - make this end misbehave once, as a hostile peer
 * @link: the link
 * @fault: what to corrupt; sending faults apply to the next published
 *	message, receiving faults to the next completion, MK_FAULT_STATE now
 */
void mk_link_set_fault(struct mk_link *link, enum mk_fault fault)
{
	if (!IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION))
		return;
	if (fault == MK_FAULT_STATE) {
		WRITE_ONCE(link->me->state, cpu_to_le32(0x7fff));
		mk_link_ring_peer(link);
		return;
	}
	WRITE_ONCE(link->fault, fault);
}

/**
 * mk_link_pause_rx() - test hook: stop or resume receiving
 * @link: the link
 * @pause: true to stop
 *
 * The thread keeps beating and reclaiming; only receiving stops, as with a
 * slow reader.
 */
void mk_link_pause_rx(struct mk_link *link, bool pause)
{
	WRITE_ONCE(link->rx_paused, pause);
	mk_link_kick(link);
}

#if IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST)
/* Hooks only the KUnit suite uses; nothing else can reach them. */

/**
 * mk_link_freeze() - test hook: stop the thread, heartbeat included
 * @link: the link
 * @freeze: true to stop, false to resume
 *
 * The peer sees a kernel that died; on resume this end finds that the peer
 * gave up on it and rejoins.
 */
void mk_link_freeze(struct mk_link *link, bool freeze)
{
	WRITE_ONCE(link->frozen, freeze);
	mk_link_kick(link);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_freeze);

/**
 * mk_link_rx_jitter() - test hook: random sleeps while receiving
 * @link: the link
 * @max_us: longest sleep, 0 to stop
 *
 * Sleeps land after a batch, before asking for a doorbell and after asking,
 * the places where a receiver that stops at the wrong moment could miss a
 * doorbell.
 */
void mk_link_rx_jitter(struct mk_link *link, unsigned int max_us)
{
	WRITE_ONCE(link->rx_jitter_us, max_us);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_rx_jitter);

/**
 * mk_link_hold_arm() - test hook: the peer completes everything at the
 *	worst moment for the next sender that waits for room
 * @link: the sending end, with @peer's receiving paused
 * @peer: the other end of the same channel
 *
 * Just before the sender asks to be rung for room, @peer resumes
 * receiving and completes all that was sent, so no doorbell announces
 * the room: the sender must see it without one.
 */
void mk_link_hold_arm(struct mk_link *link, struct mk_link *peer)
{
	unsigned long flags;

	spin_lock_irqsave(&link->tx_lock, flags);
	link->arm_peer = peer;
	spin_unlock_irqrestore(&link->tx_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_hold_arm);

/**
 * mk_link_set_flap_backoff() - test hook: longest backoff of a flapping link
 * @max_ms: the new maximum, 0 for none
 *
 * Return: the previous maximum.
 */
unsigned int mk_link_set_flap_backoff(unsigned int max_ms)
{
	return xchg(&mk_link_flap_backoff_max_ms, max_ms);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_set_flap_backoff);

/**
 * mk_link_set_timers() - test hook: heartbeat period and timeout
 * @beat_ms: period; a long one also stops the periodic wake-ups that would
 *	hide a lost doorbell
 * @timeout_ms: silence after which the peer is dead
 */
void mk_link_set_timers(unsigned int beat_ms, unsigned int timeout_ms)
{
	WRITE_ONCE(mk_link_heartbeat_ms, beat_ms);
	WRITE_ONCE(mk_link_heartbeat_timeout_ms, timeout_ms);
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_set_timers);

/**
 * mk_link_stat() - one counter of a link end, by its name in "stats"
 * @link: the link
 * @name: e.g. "violations"
 *
 * Return: the value, or 0 for an unknown name.
 */
u64 mk_link_stat(struct mk_link *link, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
#define MK_STAT(f) { #f, offsetof(struct mk_link_stats, f) }
		MK_STAT(tx_msgs), MK_STAT(tx_bytes), MK_STAT(tx_doorbells),
		MK_STAT(tx_suppressed), MK_STAT(tx_full), MK_STAT(tx_waits),
		MK_STAT(rx_msgs), MK_STAT(rx_bytes), MK_STAT(rx_batches),
		MK_STAT(rx_completion_doorbells), MK_STAT(irqs),
		MK_STAT(violations), MK_STAT(resets), MK_STAT(ups),
		MK_STAT(backoffs), MK_STAT(peer_doorbell_refused),
		MK_STAT(dropped), MK_STAT(rx_kicked), MK_STAT(rx_unkicked),
		MK_STAT(rx_polled), MK_STAT(rx_poll_ns),
#undef MK_STAT
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, name))
			return READ_ONCE(*(u64 *)((u8 *)&link->stats + map[i].off));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_link_stat);
#endif /* CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST */

/**
 * mk_link_restart() - take the link down and start it again
 * @link: the link
 */
void mk_link_restart(struct mk_link *link)
{
	link->restart = true;
	mk_link_kick(link);
}

/**
 * mk_link_doorbells_sent() - doorbells this end rang for new messages
 * @link: the link
 *
 * Return: the count.
 */
u64 mk_link_doorbells_sent(struct mk_link *link)
{
	return READ_ONCE(link->stats.tx_doorbells);
}

/**
 * mk_link_rx_poll_ns() - time this end's receive thread spent busy-polling
 * @link: the link
 *
 * Return: nanoseconds, since the link was made.
 */
u64 mk_link_rx_poll_ns(struct mk_link *link)
{
	return READ_ONCE(link->stats.rx_poll_ns);
}

/**
 * mk_link_stats_show() - the counters, as text
 * @link: the link
 * @buf: where to write
 * @size: its size
 *
 * Return: bytes written.
 */
int mk_link_stats_show(struct mk_link *link, char *buf, size_t size)
{
	struct mk_link_stats *s = &link->stats;
	u64 batches = READ_ONCE(s->rx_batches);
	int i, n;

	n = scnprintf(buf, size,
		      "state %s epoch %u seen %u mtu %u cpu %d peer_doorbell %u\n"
		      "tx_msgs %llu\ntx_bytes %llu\ntx_doorbells %llu\ntx_suppressed %llu\n"
		      "tx_full %llu\ntx_waits %llu\n"
		      "rx_msgs %llu\nrx_bytes %llu\nrx_batches %llu\nrx_mean_batch %llu\n"
		      "rx_completion_doorbells %llu\nirqs %llu\n"
		      "violations %llu\nresets %llu\nups %llu\nbackoffs %llu\n"
		      "peer_doorbell_refused %llu\ndropped %llu\nclient %s\n"
		      "doorbell_backend %s\n",
		      mk_link_state_name(link), READ_ONCE(link->epoch),
		      READ_ONCE(link->seen), READ_ONCE(link->mtu), link->cpu,
		      READ_ONCE(link->peer_db),
		      READ_ONCE(s->tx_msgs), READ_ONCE(s->tx_bytes),
		      READ_ONCE(s->tx_doorbells), READ_ONCE(s->tx_suppressed),
		      READ_ONCE(s->tx_full), READ_ONCE(s->tx_waits),
		      READ_ONCE(s->rx_msgs), READ_ONCE(s->rx_bytes), batches,
		      batches ? READ_ONCE(s->rx_msgs) / batches : 0,
		      READ_ONCE(s->rx_completion_doorbells), READ_ONCE(s->irqs),
		      READ_ONCE(s->violations), READ_ONCE(s->resets), READ_ONCE(s->ups),
		      READ_ONCE(s->backoffs), READ_ONCE(s->peer_doorbell_refused),
		      READ_ONCE(s->dropped), READ_ONCE(link->ops) ? "yes" : "no",
		      link->db->name);
	n += scnprintf(buf + n, size - n,
		       "rx_kicked %llu\nrx_unkicked %llu\nrx_polled %llu\n"
		       "rx_poll_ns %llu\nrx_poll_window_ns %llu\nrx_affine %d\n"
		       "rx_wake_us",
		       READ_ONCE(s->rx_kicked), READ_ONCE(s->rx_unkicked),
		       READ_ONCE(s->rx_polled), READ_ONCE(s->rx_poll_ns),
		       READ_ONCE(link->poll_ns), READ_ONCE(link->affine));
	for (i = 0; i < MK_LINK_WAKE_BUCKETS; i++)
		n += scnprintf(buf + n, size - n, " %s%u:%llu",
			       i < MK_LINK_WAKE_BUCKETS - 1 ? "<" : ">=",
			       4 << (2 * min(i, MK_LINK_WAKE_BUCKETS - 2)),
			       READ_ONCE(s->rx_wake[i]));
	n += scnprintf(buf + n, size - n, "\n");
	mutex_lock(&link->client_lock);
	if (link->ops && link->ops->stats)
		n += link->ops->stats(link, link->priv, buf + n, size - n);
	mutex_unlock(&link->client_lock);
	return n;
}

static struct dentry *mk_debugfs_root;
static DEFINE_MUTEX(mk_debugfs_lock);

/**
 * mk_transport_debugfs() - the debugfs directory of the transport
 *
 * Made on first use, so the test tools' initcalls may come in any order.
 *
 * Return: /sys/kernel/debug/multikernel.
 */
struct dentry *mk_transport_debugfs(void)
{
	mutex_lock(&mk_debugfs_lock);
	if (!mk_debugfs_root) {
		mk_debugfs_root = debugfs_lookup("multikernel", NULL);
		if (mk_debugfs_root)
			dput(mk_debugfs_root);	/* lives as long as debugfs */
		else
			mk_debugfs_root = debugfs_create_dir("multikernel", NULL);
	}
	mutex_unlock(&mk_debugfs_lock);
	return mk_debugfs_root;
}

/* Per link end debugfs: links/NAME/ */

static struct dentry *mk_links_dir;
static DEFINE_MUTEX(mk_links_dir_lock);

static ssize_t mk_dbg_stats_read(struct file *f, char __user *ubuf, size_t n,
				 loff_t *pos)
{
	struct mk_link *link = f->private_data;
	char *buf;
	ssize_t ret;
	int len;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = mk_link_stats_show(link, buf, PAGE_SIZE);
	ret = simple_read_from_buffer(ubuf, n, pos, buf, len);
	kfree(buf);
	return ret;
}

static const struct file_operations mk_dbg_stats_fops = {
	.open = simple_open,
	.read = mk_dbg_stats_read,
	.llseek = default_llseek,
};

static ssize_t mk_dbg_ctl_write(struct file *f, const char __user *ubuf,
				size_t n, loff_t *pos, int what)
{
	struct mk_link *link = f->private_data;
	char buf[32];
	int i;

	if (n >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	strim(buf);
	switch (what) {
	case 0:
		mk_link_restart(link);
		break;
	case 1:
		if (!strcmp(buf, "0") || !strcmp(buf, "1"))
			mk_link_pause_rx(link, buf[0] == '1');
		else
			return -EINVAL;
		break;
	default:
		i = match_string(mk_fault_names, MK_NR_FAULTS, buf);
		if (i < 0)
			return -EINVAL;
		mk_link_set_fault(link, i);
		break;
	}
	return n;
}

static ssize_t mk_dbg_restart_write(struct file *f, const char __user *u,
				    size_t n, loff_t *pos)
{
	return mk_dbg_ctl_write(f, u, n, pos, 0);
}

static ssize_t mk_dbg_pause_write(struct file *f, const char __user *u,
				  size_t n, loff_t *pos)
{
	return mk_dbg_ctl_write(f, u, n, pos, 1);
}

static ssize_t mk_dbg_fault_write(struct file *f, const char __user *u,
				  size_t n, loff_t *pos)
{
	return mk_dbg_ctl_write(f, u, n, pos, 2);
}

static const struct file_operations mk_dbg_restart_fops = {
	.open = simple_open,
	.write = mk_dbg_restart_write,
};

static const struct file_operations mk_dbg_pause_fops = {
	.open = simple_open,
	.write = mk_dbg_pause_write,
};

static const struct file_operations mk_dbg_fault_fops = {
	.open = simple_open,
	.write = mk_dbg_fault_write,
};

/**
 * mk_link_debugfs_add() - debugfs files of a link end
 * @link: the link
 *
 * Return: its directory, links/NAME.
 */
struct dentry *mk_link_debugfs_add(struct mk_link *link)
{
	struct dentry *d;

	mutex_lock(&mk_links_dir_lock);
	if (!mk_links_dir)
		mk_links_dir = debugfs_create_dir("links", mk_transport_debugfs());
	mutex_unlock(&mk_links_dir_lock);
	d = debugfs_create_dir(mk_link_name(link), mk_links_dir);

	debugfs_create_file("stats", 0444, d, link, &mk_dbg_stats_fops);
	debugfs_create_file("restart", 0200, d, link, &mk_dbg_restart_fops);
	debugfs_create_file("pause", 0200, d, link, &mk_dbg_pause_fops);
	if (IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION))
		debugfs_create_file("fault", 0200, d, link, &mk_dbg_fault_fops);
	return d;
}
