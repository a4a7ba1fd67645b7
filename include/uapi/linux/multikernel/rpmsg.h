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
#define MK_RPMSG_CTRL_CREDIT	3	/* struct mk_rpmsg_credit, about endpoint @src */

/*
 * Credit flow control. Every message sent to an endpoint (not the control
 * messages) is charged its payload length plus MK_RPMSG_MSG_CHARGE bytes.
 * The sender to endpoint @dst may have at most the endpoint's window of
 * charged bytes outstanding: sent, and not yet reported consumed in a
 * struct mk_rpmsg_credit from @dst. Until the first report, the window is
 * MK_RPMSG_WINDOW_MIN, or twice the charge of a message of the link's
 * largest size if that is more. The counters start at zero each time the
 * link comes up.
 */
#define MK_RPMSG_MSG_CHARGE	512
#define MK_RPMSG_WINDOW_MIN	(256 * 1024)

/**
 * struct mk_rpmsg_credit - a receiving endpoint's credit (MK_RPMSG_CTRL_CREDIT)
 * @cmd: MK_RPMSG_CTRL_CREDIT
 * @fwd_cnt: charged bytes the endpoint at the header's @src has consumed
 *	since the link came up, modulo 2^32
 * @buf_alloc: its window: charged bytes it accepts beyond @fwd_cnt
 * @reserved: zero
 *
 * Both counters are absolute, so a report that is late only delays the
 * sender; the header's @dst is RPMSG_ADDR_ANY (0xffffffff).
 */
struct mk_rpmsg_credit {
	__le32 cmd;
	__le32 fwd_cnt;
	__le32 buf_alloc;
	__le32 reserved;
};

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
