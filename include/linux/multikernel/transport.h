/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multikernel transport: a link is this kernel's end of a channel (a region
 * shared with one other kernel instance, one vring per direction, the
 * multikernel doorbell to wake the other side).
 *
 * One client (the rpmsg bus, a test) attaches to a link and gets every
 * message in its rx callback, in order, in process context. Sending copies
 * the message into the sender-owned payload area: nothing is lost; a full
 * ring makes the sender wait (mk_link_send()) or fail with -EAGAIN
 * (mk_link_trysend()). A burst costs one doorbell, and only if the
 * receiver asked for one.
 */
#ifndef _LINUX_MULTIKERNEL_TRANSPORT_H
#define _LINUX_MULTIKERNEL_TRANSPORT_H

#include <linux/poll.h>
#include <linux/types.h>
#include <linux/uio.h>

struct cpumask;
struct mk_link;
struct mk_pool;

/**
 * struct mk_link_ops - what the client of a link provides
 * @rx: a message arrived. Called from the link's receive thread (process
 *	context, may sleep), in order, one call per message. @data points into
 *	shared memory that the peer may still change: copy what you validate,
 *	and do not keep the pointer after returning.
 * @up: the link came up; mk_link_mtu() is valid. Receive thread.
 * @down: the link went down: every blocked sender has been woken with
 *	-ENOTCONN; messages in flight may have been lost. Receive thread, or
 *	the context closing the link.
 * @writable: room came back after mk_link_can_send() said there was none
 *	(optional; for clients with wait queues of their own). Receive
 *	thread; must not sleep for long.
 * @stats: append the client's counters to the link's statistics, as
 *	"name value" lines (optional); returns bytes written.
 */
struct mk_link_ops {
	void (*rx)(struct mk_link *link, const void *data, size_t len, void *priv);
	void (*up)(struct mk_link *link, void *priv);
	void (*down)(struct mk_link *link, void *priv);
	void (*writable)(struct mk_link *link, void *priv);
	int (*stats)(struct mk_link *link, void *priv, char *buf, size_t size);
};

/**
 * struct mk_link_driver - the layer that owns links on request (rpmsg)
 * @name: for the log
 * @probe: a link was given to the driver with mk_link_bind(); the driver
 *	attaches as its client. Process context.
 * @remove: the link is closing; the driver detaches before returning.
 */
struct mk_link_driver {
	const char *name;
	int (*probe)(struct mk_link *link);
	void (*remove)(struct mk_link *link);
};

/**
 * struct mk_doorbell_ops - a doorbell backend: how the two ends of a link
 *	notify each other
 * @name: the backend's name, for logs and stats
 * @polled: the backend takes no interrupt: each end looks by itself, and
 *	rings do nothing. Published (%MK_CHAN_F_POLLED), so that two ends
 *	with different kinds of backend refuse each other
 * @target: the value under which this kernel's @cpu is rung. A link end
 *	publishes its own in the region and accepts the peer's only if it is
 *	the target of one of the peer's CPUs. Returns 0 or -EINVAL.
 * @ring: notify the end rung at @target; any context. Returns 0, or
 *	-EINVAL for a target that names nothing
 * @bind: from now on, call mk_link_notify(@link) whenever @link's end is
 *	rung at @cpu's target; process context. Returns 0 or an error; on
 *	success *@cookie is handed back to @unbind
 * @unbind: stop; when it returns, no mk_link_notify(@link) runs or will run
 *
 * A notification carries no data and may coalesce with others: on each,
 * the link looks at everything in shared memory. Both ends of a channel
 * must use the same backend.
 */
struct mk_doorbell_ops {
	const char *name;
	bool polled;
	int (*target)(unsigned int cpu, u32 *target);
	int (*ring)(u32 target);
	int (*bind)(struct mk_link *link, unsigned int cpu, void **cookie);
	void (*unbind)(struct mk_link *link, void *cookie);
};

/**
 * struct mk_chan_geometry - the shape of a new channel
 * @num: ring entries per direction, a power of two (2 to 32768)
 * @data_size: payload bytes per direction
 * @max_msg: largest message, at least 64 KiB, at most @data_size
 * @max_msg_back: largest message from side 1 to side 0, with the same
 *	bounds, or 0 for @max_msg both ways
 */
struct mk_chan_geometry {
	u32 num;
	u32 data_size;
	u32 max_msg;
	u32 max_msg_back;
};

/**
 * struct mk_chan_attach - where a spawned kernel finds its channel
 * @addr: physical address of the region, page aligned
 * @size: bytes of the region
 * @peer_doorbell: doorbell target of the peer; it overrides what the peer
 *	publishes in the region, so the peer cannot redirect our doorbells
 * @has_peer_doorbell: @peer_doorbell was given
 * @cpu: the CPU of this kernel that takes the link's doorbells, or -1 for
 *	the first online CPU
 * @bind: give the link to the registered link driver (rpmsg); false keeps
 *	it bare
 */
struct mk_chan_attach {
	u64 addr;
	u64 size;
	u32 peer_doorbell;
	bool has_peer_doorbell;
	int cpu;
	bool bind;
};

/*
 * Flags of mk_link_send(), mk_link_trysend() and mk_link_sendmsg().
 * MK_SEND_MORE: queue, publish with a later send, mk_link_flush(), or once
 * the messages held reach a quarter of the payload area.
 */
#define MK_SEND_MORE	0x1
#define MK_SEND_NOWAIT	0x2	/* -EAGAIN instead of waiting for room */

int mk_link_attach_client(struct mk_link *link, const struct mk_link_ops *ops,
			  void *priv);
void mk_link_detach_client(struct mk_link *link);
bool mk_link_is_up(struct mk_link *link);
size_t mk_link_mtu(struct mk_link *link);
size_t mk_link_rx_max(struct mk_link *link);
u32 mk_link_doorbell_target(struct mk_link *link);
const char *mk_link_name(struct mk_link *link);
struct device *mk_link_device(struct mk_link *link);
void mk_link_set_drvdata(struct mk_link *link, void *data);
void *mk_link_get_drvdata(struct mk_link *link);
int mk_link_register_driver(const struct mk_link_driver *drv);
void mk_link_unregister_driver(const struct mk_link_driver *drv);
int mk_link_bind(struct mk_link *link);
void mk_link_set_peer_instance(struct mk_link *link, int instance_id);
int mk_link_peer_instance(struct mk_link *link);

int mk_link_send(struct mk_link *link, const void *data, size_t len,
		 unsigned int flags, long timeout);
int mk_link_trysend(struct mk_link *link, const void *data, size_t len,
		    unsigned int flags);
int mk_link_sendv(struct mk_link *link, const struct kvec *msgs, unsigned int n,
		  long timeout);
int mk_link_sendmsg(struct mk_link *link, const struct kvec *iov,
		    unsigned int niov, unsigned int flags, long timeout);
bool mk_link_can_send(struct mk_link *link, size_t len);
void mk_link_set_peer_memory(struct mk_link *link, phys_addr_t base, u64 size);
bool mk_link_peer_owns(struct mk_link *link, phys_addr_t addr, u64 size);
bool mk_link_in_receiver(struct mk_link *link);
void mk_link_flush(struct mk_link *link);
int mk_link_wait_space(struct mk_link *link, size_t len, long timeout);

u64 mk_chan_region_size(const struct mk_chan_geometry *g);
int mk_chan_format(void *region, u64 size, const struct mk_chan_geometry *g);
struct mk_link *mk_link_open(const char *name, void *region, u64 size,
			     unsigned int side, int cpu,
			     const u32 *peer_doorbell,
			     const struct mk_doorbell_ops *db);
void mk_link_notify(struct mk_link *link);
const struct mk_doorbell_ops *mk_doorbell_default(void);
void mk_link_set_peer_cpus(struct mk_link *link, const struct cpumask *cpus);
void mk_link_close(struct mk_link *link);
struct mk_link *mk_link_find(const char *name);
struct mk_link *mk_link_get(struct mk_link *link);
void mk_link_put(struct mk_link *link);

int mk_chan_parse_param(const char *str, struct mk_chan_attach *a,
			const char **why);
int mk_chan_parse_fdt(const void *fdt, size_t fdt_size, int index,
		      struct mk_chan_attach *a, const char **why);
struct mk_link *mk_chan_attach(const struct mk_chan_attach *a);

#endif /* _LINUX_MULTIKERNEL_TRANSPORT_H */
