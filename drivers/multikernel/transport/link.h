/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of a link end, shared by the files of the transport core:
 * link.c (handshake, receive thread, heartbeat), link_send.c (sending and
 * backpressure), link_client.c (the client and driver interface),
 * link_open.c (opening, closing, lifetime), link_debug.c (test hooks and
 * statistics) and link_sysfs.c (state and counters in sysfs). Nothing
 * outside the core includes it.
 */
#ifndef _MK_TRANSPORT_LINK_H
#define _MK_TRANSPORT_LINK_H

#include <linux/device.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/multikernel/channel.h>

#include "transport.h"
#include "vring.h"

/* Always offered; MK_CHAN_F_POLLED is the backend's. */
#define MK_LINK_FEATURES	(MK_CHAN_F_EVENT_IDX | MK_CHAN_F_HEARTBEAT)

/* Bits of struct mk_link's @kick. */
#define MK_KICK		0
#define MK_CLIENT_ROOM	1	/* the client waits for room: call its @writable */

extern unsigned int mk_link_heartbeat_ms;
extern unsigned int mk_link_heartbeat_timeout_ms;
extern unsigned int mk_link_flap_backoff_max_ms;

/* Buckets of mk_link_stats.rx_wake: <4, <16, <64 ... us, then the rest. */
#define MK_LINK_WAKE_BUCKETS	8

/**
 * struct mk_link_stats - counters of one link end
 * @tx_msgs: messages sent
 * @tx_bytes: bytes sent
 * @tx_doorbells: doorbells rung for new messages
 * @tx_suppressed: publications that needed no doorbell
 * @tx_full: sends that found the ring or payload area full
 * @tx_waits: sends that slept for room
 * @rx_msgs: messages received
 * @rx_bytes: bytes received
 * @rx_batches: receive batches (mean size: @rx_msgs / @rx_batches)
 * @rx_completion_doorbells: doorbells rung to tell a waiting sender of room
 * @irqs: doorbell interrupts taken by this end
 * @violations: protocol violations seen in the peer's data
 * @resets: times the link went down
 * @ups: times the link came up
 * @backoffs: times the link waited before coming up again, because it
 *	had gone down soon after coming up
 * @peer_doorbell_refused: doorbell targets the peer published that name no
 *	CPU it may own
 * @dropped: messages received (and counted in @rx_msgs) while no client
 *	took them: consumed unread
 * @rx_kicked: receive batches the thread found after a doorbell or a kick
 * @rx_unkicked: receive batches it found with none: woken by its periodic
 *	timeout, a delivery that no doorbell announced
 * @rx_polled: receive batches it found while busy-polling, unarmed
 * @rx_poll_ns: time spent in busy-poll windows (wall time)
 * @rx_wake: how long the thread took from a doorbell to running, when it
 *	was asleep: counts per bucket of %MK_LINK_WAKE_BUCKETS, the first
 *	under 4 us, each next one four times as wide, the last unbounded
 */
struct mk_link_stats {
	u64 tx_msgs;
	u64 tx_bytes;
	u64 tx_doorbells;
	u64 tx_suppressed;
	u64 tx_full;
	u64 tx_waits;
	u64 rx_msgs;
	u64 rx_bytes;
	u64 rx_batches;
	u64 rx_completion_doorbells;
	u64 irqs;
	u64 violations;
	u64 resets;
	u64 ups;
	u64 backoffs;
	u64 peer_doorbell_refused;
	u64 dropped;
	u64 rx_kicked;
	u64 rx_unkicked;
	u64 rx_polled;
	u64 rx_poll_ns;
	u64 rx_wake[MK_LINK_WAKE_BUCKETS];
};

/**
 * struct mk_link - this kernel's end of a channel
 * @name: for the log and debugfs
 * @base: the region, as this kernel mapped it
 * @size: bytes of the region
 * @side: 0 or 1: which struct mk_chan_side is ours
 * @me: our side block, in the region
 * @peer: the peer's side block, in the region (untrusted)
 * @dir_tx: validated geometry of our sending direction
 * @dir_rx: validated geometry of our receiving direction
 * @tx_lock: serialises @tx, @up/@mtu changes and the peer doorbell target
 * @tx: sending engine
 * @tx_held: bytes queued with %MK_SEND_MORE and not yet published (@tx_lock)
 * @tx_ends: private array of the sending engine
 * @rx: receiving engine; only the thread touches it
 * @cpu: CPU that takes our doorbells
 * @db: the doorbell backend
 * @db_cookie: what its @bind gave us
 * @db_target: where the peer rings us, as published in our side block
 * @peer_db: where we ring the peer, once @peer_db_ok
 * @peer_db_ok: @peer_db is a target we accepted (or pinned): ring it
 * @peer_db_pinned: @peer_db came from our configuration, not the region
 * @peer_db_seen: the target the peer published when we last looked
 * @peer_db_recheck: @peer_cpus changed: look at the published target again
 * @peer_cpus: the CPUs the peer may own; a published target must be one
 *	of theirs (under @tx_lock)
 * @peer_cpus_set: @peer_cpus was given; before that nothing is accepted
 * @peer_mem_base: start of the memory the peer may name to us
 * @peer_mem_size: its size, 0 if none was given
 * @thread: the receive thread
 * @kick: set by the doorbell handler and senders, cleared by the thread
 * @kick_ns: when the doorbell handler set @kick that the thread has not
 *	cleared yet (statistics only)
 * @poll_ns: the thread's busy-poll window now, adapted between 0 and
 *	mk_transport.rx_poll_us
 * @affine: the thread is bound to @cpu now
 * @up: the link is up; senders read it under @tx_lock
 * @mtu: negotiated largest message, 0 while down
 * @state: our state, as last written
 * @epoch: our epoch, as last written
 * @seen: the peer epoch we have cleared our rings for
 * @peer_hb: the last peer heartbeat value seen
 * @peer_hb_time: jiffies when it last changed
 * @peer_beats: the peer offered %MK_CHAN_F_HEARTBEAT for this session, so
 *	a heartbeat that stays still means it is dead
 * @restart: a violation or a request asks the thread to restart the link
 * @violated: the restart is for a violation
 * @up_time: jiffies when the link last came up
 * @backoff_ms: current wait before coming up again after a flap
 * @hold_until: jiffies before which the link stays down (backoff)
 * @space_wq: senders waiting for room
 * @client_lock: protects @ops and @priv; held around client callbacks
 * @ops: the client's callbacks, or NULL
 * @priv: the client's context
 * @client_up: the client was told the link is up
 * @rx_paused: test hook: the thread stops receiving
 * @frozen: test hook: the thread stops everything, heartbeat included
 * @rx_jitter_us: test hook: random sleeps at the racy points of receiving
 * @arm_peer: test hook: the peer end that resumes receiving, and completes
 *	what we sent, just before we next ask to be rung for room
 * @fault: test hook: corruption to inject
 * @stats: counters
 * @dev: the link's device, parent of what the driver creates; its
 *	references keep the memory (mk_link_find(), mk_link_get())
 * @driver: the driver the link was given to, or NULL
 * @drvdata: the driver's
 * @peer_instance: the kernel instance at the other end, -1 if unknown
 * @beat: the heartbeat timer
 * @beats: our heartbeat count (the timer only)
 * @closing: mk_link_close() started: never up again
 * @node: in mk_links, for the panic notifier
 * @rcu: frees the link after epoll has let go of @space_wq
 */
struct mk_link {
	char name[24];
	void *base;
	u64 size;
	unsigned int side;
	struct mk_chan_side *me;
	struct mk_chan_side *peer;
	struct mkv_dir dir_tx;
	struct mkv_dir dir_rx;

	spinlock_t tx_lock;	/* sending engine, up, mtu, peer_db* and peer_cpus */
	struct mkv_tx tx;
	u64 tx_held;
	u64 *tx_ends;
	struct mkv_rx rx;

	int cpu;
	const struct mk_doorbell_ops *db;
	void *db_cookie;
	u32 db_target;
	u32 peer_db;
	bool peer_db_ok;
	bool peer_db_pinned;
	u32 peer_db_seen;
	bool peer_db_recheck;
	cpumask_var_t peer_cpus;
	bool peer_cpus_set;
	phys_addr_t peer_mem_base;
	u64 peer_mem_size;
	struct task_struct *thread;
	unsigned long kick;
	u64 kick_ns;
	u64 poll_ns;
	bool affine;

	bool up;
	u32 mtu;
	u32 state;
	u32 epoch;
	u32 seen;
	u64 peer_hb;
	unsigned long peer_hb_time;
	bool peer_beats;
	bool restart;
	bool violated;
	unsigned long up_time;
	unsigned int backoff_ms;
	unsigned long hold_until;

	wait_queue_head_t space_wq;

	struct mutex client_lock;	/* ops, priv, client callbacks */
	const struct mk_link_ops *ops;
	void *priv;
	bool client_up;

	bool rx_paused;
	bool frozen;
	unsigned int rx_jitter_us;
	struct mk_link *arm_peer;
	enum mk_fault fault;
	struct mk_link_stats stats;
	struct device dev;
	const struct mk_link_driver *driver;
	void *drvdata;
	int peer_instance;
	struct timer_list beat;
	u64 beats;
	bool closing;
	struct list_head node;
	struct rcu_head rcu;
};

static inline void stat_add(u64 *counter, u64 v)
{
	WRITE_ONCE(*counter, *counter + v);
}

static inline struct mk_link *to_mk_link(struct device *dev)
{
	return container_of(dev, struct mk_link, dev);
}

/* The KUnit-only freeze hook (mk_link_freeze()); false in other builds. */
static inline bool mk_link_frozen(struct mk_link *link)
{
	return IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST) &&
	       READ_ONCE(link->frozen);
}

static inline void mk_link_kick(struct mk_link *link)
{
	set_bit(MK_KICK, &link->kick);
	wake_up_process(link->thread);
}

/* link.c */
void mk_link_ring_peer(struct mk_link *link);
void mk_link_follow_peer_db(struct mk_link *link, u32 target);
bool mk_link_peer_target_ok(struct mk_link *link, u32 target);
void mk_link_write_side(struct mk_link *link);
void mk_link_go_down(struct mk_link *link, const char *why);
void mk_link_start(struct mk_link *link);
int mk_link_reclaim_locked(struct mk_link *link);
void mk_link_violation(struct mk_link *link, const char *why);
bool mk_link_handshake(struct mk_link *link);
void mk_link_beat(struct timer_list *t);

/* link_rx.c */
int mk_link_thread(void *arg);

/* link_client.c */
void mk_link_unbind(struct mk_link *link);

/* link_sysfs.c */
extern const struct attribute_group *mk_link_groups[];
const char *mk_link_state_name(struct mk_link *link);

#endif /* _MK_TRANSPORT_LINK_H */
