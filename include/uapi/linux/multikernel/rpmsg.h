/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Wire format of the rpmsg bus over a multikernel link: every transport
 * message is one struct mk_rpmsg_hdr followed by @len bytes. Little endian;
 * validated by the receiver like everything from the peer.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_RPMSG_H
#define _UAPI_LINUX_MULTIKERNEL_RPMSG_H

#include <linux/types.h>

/* The message is for the bus itself (struct mk_rpmsg_ctrl), not an endpoint. */
#define MK_RPMSG_F_CTRL		0x1

/**
 * struct mk_rpmsg_hdr - header of every rpmsg message on a link
 * @src: sending endpoint's address
 * @dst: receiving endpoint's address
 * @len: payload bytes that follow; the transport message is exactly
 *	sizeof(struct mk_rpmsg_hdr) + @len bytes
 * @flags: MK_RPMSG_F_*
 * @reserved: zero
 */
struct mk_rpmsg_hdr {
	__le32 src;
	__le32 dst;
	__le32 len;
	__le16 flags;
	__le16 reserved;
};

/* Commands of struct mk_rpmsg_ctrl. */
#define MK_RPMSG_CTRL_FLOW	1	/* @arg 1: stop sending to @dst's peer, 0: resume */
#define MK_RPMSG_CTRL_BIND	2	/* a channel you announced at @dst is bound to @src */

/**
 * struct mk_rpmsg_ctrl - a message for the bus (MK_RPMSG_F_CTRL)
 * @cmd: MK_RPMSG_CTRL_*
 * @arg: argument of @cmd
 *
 * The header's @src and @dst name the endpoints the command is about.
 */
struct mk_rpmsg_ctrl {
	__le32 cmd;
	__le32 arg;
};

#endif /* _UAPI_LINUX_MULTIKERNEL_RPMSG_H */
