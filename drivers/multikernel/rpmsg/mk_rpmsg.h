/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the mk_rpmsg module offer each other: the bus (bus.h
 * holds its internals) to its client the typed messages, the typed
 * messages to the seeds' IPI API, and both to the module's init. Every
 * dependency is one way: compat.c -> messages.c -> the bus (compat.c
 * also asks the transport what memory a sender may name).
 */
#ifndef _MK_RPMSG_INTERNAL_H
#define _MK_RPMSG_INTERNAL_H

#include <linux/types.h>

struct mk_link;
struct rpmsg_device;
struct rpmsg_endpoint;

/* The typed-message channel: same name and address on both sides. */
#define MK_MSG_CHANNEL	"multikernel-msg"
#define MK_MSG_ADDR	0x4d

/* The bus, for the typed messages. */
struct mk_link *mk_rpmsg_link_of(struct rpmsg_device *rpdev);
bool mk_rpmsg_from_peer(struct rpmsg_device *rpdev);
__printf(2, 3) void mk_rpmsg_dev_bad(struct rpmsg_device *rpdev,
				     const char *fmt, ...);
struct mk_link *mk_rpmsg_find_link(bool (*match)(struct mk_link *link,
						 const void *data),
				   const void *data);
int mk_rpmsg_send_timeout(struct rpmsg_endpoint *ept, void *data, int len,
			  long timeout);

/* The typed messages' handlers (handlers.c), for messages.c. */
void mk_msg_dispatch(u32 type, u32 subtype, void *payload, u32 len);
int mk_msg_dispatch_request(u32 type, u32 subtype, void *payload, u32 len,
			    void *resp, u32 *resp_len);

/* The typed messages, for the seeds' IPI API. */
int mk_msg_sender_instance(void);
struct mk_link *mk_msg_link_get(int instance_id);

/* For the module's init (main.c). */
int mk_rpmsg_bus_init(void);
int mk_msg_init(void);

#endif /* _MK_RPMSG_INTERNAL_H */
