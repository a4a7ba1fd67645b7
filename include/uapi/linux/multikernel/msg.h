/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Typed messages from userspace: the ABI of /dev/multikernel/msg.
 *
 * One device for every peer instance: the peer is named in each message's
 * header, as a datagram socket names its address, so one agent serves every
 * instance and instances may come and go without device nodes appearing
 * and vanishing under it.
 *
 * write(): one struct mk_msg_hdr followed by exactly @len payload bytes
 *	sends one typed message to @instance. Blocks while the link is full
 *	(O_NONBLOCK: -EAGAIN). -EMSGSIZE above the link's MTU, -EPIPE when
 *	the link to @instance is down or absent, -EINVAL for a malformed
 *	header (count != sizeof(hdr) + len, unknown flags, non-zero
 *	reserved fields), -EPERM for a type reserved for the kernel. Nothing
 *	is sent on any error. With MK_MSG_F_RESPONSE, the write answers the
 *	request @id that this descriptor read from @instance.
 * read(): one whole message per call: header, then payload. A buffer
 *	smaller than the next message fails with -EMSGSIZE and leaves the
 *	message queued; ioctl(FIONREAD) gives its size. Empty queue: blocks
 *	(O_NONBLOCK: -EAGAIN).
 * poll(): EPOLLIN when a message is queued, EPOLLOUT when a write of an
 *	MTU-sized message to some up link would not block.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_MSG_H
#define _UAPI_LINUX_MULTIKERNEL_MSG_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MK_MSG_DEVICE		"/dev/multikernel/msg"

/* struct mk_msg_hdr.flags */
/* read: a request; answer it with MK_MSG_F_RESPONSE and its @id */
#define MK_MSG_F_REQUEST	0x1
/* write: the answer to request @id from @instance */
#define MK_MSG_F_RESPONSE	0x2
/* read: messages for this descriptor were dropped before this one (queue full) */
#define MK_MSG_F_LOST		0x4

/**
 * struct mk_msg_hdr - header of every message read from or written to the device
 * @instance: write: destination instance; read: the sending instance
 * @type: message type (MK_MSG_* of <linux/multikernel/messages.h>, or any
 *	value from MK_MSG_USER up)
 * @subtype: message subtype
 * @len: payload bytes that follow the header
 * @id: read: the message's id (a request's, to answer it); write: the id of
 *	the request answered (MK_MSG_F_RESPONSE), else 0
 * @flags: MK_MSG_F_*
 * @status: write with MK_MSG_F_RESPONSE: the status the caller receives (0
 *	or a negative errno); otherwise 0
 */
struct mk_msg_hdr {
	__s32 instance;
	__u32 type;
	__u32 subtype;
	__u32 len;
	__u64 id;
	__u32 flags;
	__s32 status;
};

/* struct mk_msg_sub.flags */
#define MK_MSG_SUB_ANY_SUBTYPE	0x1	/* every subtype of @type; @subtype ignored */
#define MK_MSG_SUB_REQUESTS	0x2	/* also requests of @type: this descriptor answers them */

/**
 * struct mk_msg_sub - a subscription (MK_MSG_IOC_SUBSCRIBE, MK_MSG_IOC_UNSUBSCRIBE)
 * @type: message type
 * @subtype: subtype, unless MK_MSG_SUB_ANY_SUBTYPE
 * @flags: MK_MSG_SUB_*
 * @reserved: zero
 */
struct mk_msg_sub {
	__u32 type;
	__u32 subtype;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct mk_msg_call - a request and its response (MK_MSG_IOC_CALL)
 * @hdr: @instance, @type, @subtype and @len (request bytes) of the request;
 *	@id, @flags and @status zero
 * @req: user address of the @hdr.len request bytes
 * @resp: user address of a buffer of @resp_size bytes for the response
 * @resp_size: size of that buffer
 * @resp_len: out: bytes of the response
 * @timeout_ms: how long to wait for the response; -ETIMEDOUT after it
 * @status: out: the responder's status (0 or a negative errno)
 */
struct mk_msg_call {
	struct mk_msg_hdr hdr;
	__u64 req;
	__u64 resp;
	__u32 resp_size;
	__u32 resp_len;
	__s32 timeout_ms;
	__s32 status;
};

/**
 * struct mk_msg_stats - counters of one descriptor (MK_MSG_IOC_STATS)
 * @queued: messages queued now
 * @queued_bytes: their bytes (headers included)
 * @dropped: messages dropped because the queue was full, since open
 * @reserved: zero
 */
struct mk_msg_stats {
	__u32 queued;
	__u32 queued_bytes;
	__u64 dropped;
	__u64 reserved;
};

#define MK_MSG_IOC_MAGIC	0xB9
#define MK_MSG_IOC_SUBSCRIBE	_IOW(MK_MSG_IOC_MAGIC, 1, struct mk_msg_sub)
#define MK_MSG_IOC_UNSUBSCRIBE	_IOW(MK_MSG_IOC_MAGIC, 2, struct mk_msg_sub)
#define MK_MSG_IOC_CALL		_IOWR(MK_MSG_IOC_MAGIC, 3, struct mk_msg_call)
#define MK_MSG_IOC_STATS	_IOR(MK_MSG_IOC_MAGIC, 4, struct mk_msg_stats)

#endif /* _UAPI_LINUX_MULTIKERNEL_MSG_H */
