/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vring engine of the multikernel transport: one direction of a channel,
 * seen from its sender (struct mkv_tx, the virtio "driver") or from its
 * receiver (struct mkv_rx, the "device").
 *
 * Plain C with no kernel dependency beyond READ_ONCE()/WRITE_ONCE(), the
 * smp_*() barriers, the le*_to_cpu() conversions and fixed-width types, so
 * that the same files (vring*.c) build in userspace
 * (tools/multikernel/vring/) for unit tests, sanitizers and fuzzing. No
 * locking: the caller serialises each struct; the two ends of a direction
 * share nothing but the region.
 *
 * Everything read from the region is read once, validated and only then
 * used. A bad value marks the struct broken (->broken says why) and every
 * later call fails until the caller resets it; nothing outside the region is
 * ever read or written.
 */
#ifndef _MK_TRANSPORT_VRING_H
#define _MK_TRANSPORT_VRING_H

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#else
#include "mkv_user.h"		/* the userspace shim */
#endif
#include <linux/virtio_ring.h>

/* Payload buffers start on this boundary. */
#define MKV_DATA_ALIGN	16

/**
 * struct mkv_dir - geometry of one direction: a private, validated copy
 * @desc_off: region offset of the descriptor table
 * @avail_off: region offset of the avail ring
 * @used_off: region offset of the used ring
 * @data_off: region offset of the payload area
 * @data_size: bytes of the payload area
 * @num: ring entries, a power of two
 * @max_msg: largest message
 */
struct mkv_dir {
	u64 desc_off;
	u64 avail_off;
	u64 used_off;
	u64 data_off;
	u64 data_size;
	u32 num;
	u32 max_msg;
};

/**
 * struct mkv_tx - the sending end of a direction (private state)
 * @desc: descriptor table, in the region
 * @avail: avail ring, in the region
 * @used: used ring, in the region (written by the peer)
 * @data: the payload area, in the region
 * @dir: geometry
 * @next_avail: avail index of the next message
 * @published: avail index last written to the region
 * @last_used: used index of the next completion to reclaim
 * @head: payload position of the next allocation (bytes, free running)
 * @tail: payload position of the oldest message in flight
 * @ends: per ring slot, the payload position after that slot's message
 * @rsv_pos: position of the reserved buffer, if @rsv_len is set
 * @rsv_len: bytes reserved by mkv_tx_reserve(), aligned
 * @rsv_req: bytes asked of mkv_tx_reserve(): the most mkv_tx_commit() sends
 * @rsv: true between mkv_tx_reserve() and mkv_tx_commit()
 * @broken: NULL, or why the peer's view was rejected
 */
struct mkv_tx {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u8 *data;
	struct mkv_dir dir;
	u16 next_avail;
	u16 published;
	u16 last_used;
	u64 head;
	u64 tail;
	u64 *ends;
	u64 rsv_pos;
	u32 rsv_len;
	u32 rsv_req;
	bool rsv;
	const char *broken;
};

/**
 * struct mkv_rx - the receiving end of a direction (private state)
 * @desc: descriptor table, in the region (written by the peer)
 * @avail: avail ring, in the region (written by the peer)
 * @used: used ring, in the region
 * @data: the peer's payload area, in the region
 * @dir: geometry
 * @last_avail: avail index of the next message to consume
 * @avail_seen: the last validated avail index read from the peer
 * @used_published: used index last written to the region
 * @broken: NULL, or why the peer's view was rejected
 */
struct mkv_rx {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	const u8 *data;
	struct mkv_dir dir;
	u16 last_avail;
	u16 avail_seen;
	u16 used_published;
	const char *broken;
};

/*
 * Faults a test can make one end commit, as a hostile kernel would
 * (mkv_tx_corrupt(), mkv_rx_corrupt()).
 */
enum mk_fault {
	MK_FAULT_NONE,
	MK_FAULT_AVAIL_JUMP,	/* avail index far past what was queued */
	MK_FAULT_DESC_OFFSET,	/* descriptor outside the payload area */
	MK_FAULT_DESC_LEN,	/* length beyond the maximum message */
	MK_FAULT_DESC_WRAP,	/* buffer that runs past the end of the area */
	MK_FAULT_DESC_FLAGS,	/* descriptor with NEXT set */
	MK_FAULT_USED_JUMP,	/* used index past what the peer sent */
	MK_FAULT_USED_ORDER,	/* used entry naming the wrong slot */
	MK_FAULT_STATE,		/* a state value that does not exist */
	MK_NR_FAULTS,
};

u64 mkv_desc_bytes(u32 num);
u64 mkv_avail_bytes(u32 num);
u64 mkv_used_bytes(u32 num);
u64 mkv_dir_place(struct mkv_dir *d, u64 start, u32 num, u64 data_size,
		  u32 max_msg);
int mkv_dir_check(const struct mkv_dir *d, u64 region_size, u64 reserved);
bool mkv_dir_overlap(const struct mkv_dir *a, const struct mkv_dir *b);

void mkv_tx_init(struct mkv_tx *tx, void *region, const struct mkv_dir *d,
		 u64 *ends);
void mkv_tx_reset(struct mkv_tx *tx);
int mkv_tx_reserve(struct mkv_tx *tx, u32 len, void **buf);
void mkv_tx_commit(struct mkv_tx *tx, u32 len);
void mkv_tx_cancel(struct mkv_tx *tx);
bool mkv_tx_publish(struct mkv_tx *tx);
int mkv_tx_reclaim(struct mkv_tx *tx);
bool mkv_tx_room(const struct mkv_tx *tx, u32 len);
bool mkv_tx_arm_space(struct mkv_tx *tx);
u32 mkv_tx_inflight(const struct mkv_tx *tx);

void mkv_rx_init(struct mkv_rx *rx, void *region, const struct mkv_dir *d);
void mkv_rx_reset(struct mkv_rx *rx);
int mkv_rx_peek(struct mkv_rx *rx, const void **buf, u32 *len);
void mkv_rx_consume(struct mkv_rx *rx);
bool mkv_rx_publish(struct mkv_rx *rx);
bool mkv_rx_arm(struct mkv_rx *rx);

#if defined(__KERNEL__) && !defined(CONFIG_MULTIKERNEL_TRANSPORT_FAULT_INJECTION)
static inline bool mkv_tx_corrupt(struct mkv_tx *tx, enum mk_fault f, u64 region_size)
{
	return false;
}

static inline bool mkv_rx_corrupt(struct mkv_rx *rx, enum mk_fault f)
{
	return false;
}
#else
bool mkv_tx_corrupt(struct mkv_tx *tx, enum mk_fault f, u64 region_size);
bool mkv_rx_corrupt(struct mkv_rx *rx, enum mk_fault f);
#endif

#endif /* _MK_TRANSPORT_VRING_H */
