/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Shared-memory layout of a multikernel channel: the ABI between two kernel
 * instances. Every field is little endian and fixed width; nothing in here is
 * a pointer or a physical address: offsets count from the first byte of the
 * channel region, so each kernel may map the region anywhere.
 *
 * A channel region holds:
 *
 *   offset 0        struct mk_chan_hdr: magic, version, geometry, and one
 *                   struct mk_chan_side per side (the two kernels)
 *   dir[0]          the vring and payload area of side 0 -> side 1
 *   dir[1]          the vring and payload area of side 1 -> side 0
 *
 * Each direction is a virtio 1.x split ring (struct vring_desc,
 * vring_avail, vring_used of <linux/virtio_ring.h>) with event index: the
 * sender is its driver (writes the descriptor table and the avail ring), the
 * receiver its device (writes the used ring). Descriptors point into the
 * sender's payload area by region offset; a message is one descriptor, one
 * contiguous buffer; the receiver consumes in order.
 *
 * The creator of the region writes the header and geometry once; after that
 * each side writes only its own struct mk_chan_side and the ring parts it
 * owns. Whatever a side reads from the other is untrusted.
 */
#ifndef _UAPI_LINUX_MULTIKERNEL_CHANNEL_H
#define _UAPI_LINUX_MULTIKERNEL_CHANNEL_H

#include <linux/types.h>

#define MK_CHAN_MAGIC		0x48434b4d	/* "MKCH" */
#define MK_CHAN_VERSION		1

/* Alignment of every area of the region (a cache line). */
#define MK_CHAN_ALIGN		64
/* Largest ring: the 16-bit indexes must never be a full lap apart. */
#define MK_CHAN_MAX_NUM		32768
/* Every channel carries messages of at least this many bytes. */
#define MK_CHAN_MIN_MTU		65536

/* Values of mk_chan_side.state. */
#define MK_CHAN_DOWN		0	/* closed, or never opened */
#define MK_CHAN_INIT		1	/* started epoch, waiting for the peer */
#define MK_CHAN_READY		2	/* rings reset for (epoch, seen) */

/* Feature bits (mk_chan_side.features_*). */
#define MK_CHAN_F_EVENT_IDX	(1ULL << 0)	/* required */
#define MK_CHAN_F_HEARTBEAT	(1ULL << 1)	/* peer beats; stop = dead */
#define MK_CHAN_F_POLLED	(1ULL << 2)	/* never rung: looks by itself */
#define MK_CHAN_F_ALL		(MK_CHAN_F_EVENT_IDX | MK_CHAN_F_HEARTBEAT | \
				 MK_CHAN_F_POLLED)

/**
 * struct mk_chan_dir - geometry of one direction, written by the creator
 * @desc_off: region offset of the descriptor table (16 * @num bytes)
 * @avail_off: region offset of the avail ring (6 + 2 * @num bytes)
 * @used_off: region offset of the used ring (6 + 8 * @num bytes)
 * @data_off: region offset of the sender's payload area
 * @data_size: bytes of the payload area
 * @num: ring entries, a power of two, at most %MK_CHAN_MAX_NUM
 * @max_msg: largest message, at most @data_size, at least %MK_CHAN_MIN_MTU
 *
 * Every offset is a multiple of %MK_CHAN_ALIGN and every area lies inside
 * the region without overlapping another.
 */
struct mk_chan_dir {
	__le64 desc_off;
	__le64 avail_off;
	__le64 used_off;
	__le64 data_off;
	__le64 data_size;
	__le32 num;
	__le32 max_msg;
};

/**
 * struct mk_chan_side - what one side tells the other; written by that side
 * @state: %MK_CHAN_DOWN, %MK_CHAN_INIT or %MK_CHAN_READY
 * @epoch: bumped every time this side (re)starts; never 0 once started
 * @seen: the peer epoch this side has reset its rings for; the link is up
 *	when both sides are READY and each one's @seen is the other's @epoch
 * @doorbell: where the peer rings this side (an opaque doorbell target,
 *	on x86 a physical APIC ID)
 * @max_msg: largest message this side accepts
 * @reserved0: zero
 * @features_offered: MK_CHAN_F_* this side supports
 * @features_accepted: MK_CHAN_F_* in use: offered by both
 * @heartbeat: incremented periodically while this side runs
 * @reserved: zero
 */
struct mk_chan_side {
	__le32 state;
	__le32 epoch;
	__le32 seen;
	__le32 doorbell;
	__le32 max_msg;
	__le32 reserved0;
	__le64 features_offered;
	__le64 features_accepted;
	__le64 heartbeat;
	__le64 reserved[2];
};

/**
 * struct mk_chan_hdr - the start of a channel region
 * @magic: %MK_CHAN_MAGIC
 * @version: %MK_CHAN_VERSION
 * @hdr_size: sizeof(struct mk_chan_hdr)
 * @reserved0: zero
 * @region_size: bytes of the whole region
 * @reserved1: zero
 * @dir: geometry of each direction: entry i carries side i to side 1 - i
 * @reserved2: zero
 * @side: the state of each side; side 0 created the region
 */
struct mk_chan_hdr {
	__le32 magic;
	__le32 version;
	__le32 hdr_size;
	__le32 reserved0;
	__le64 region_size;
	__le64 reserved1[5];
	struct mk_chan_dir dir[2];
	__le64 reserved2[4];
	struct mk_chan_side side[2];
};

#endif /* _UAPI_LINUX_MULTIKERNEL_CHANNEL_H */
