/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the vring engine, shared by its files: vring.c (the layout
 * of a direction), vring_tx.c (the sender) and vring_rx.c (the receiver).
 * Like them it builds in userspace too; nothing outside the engine
 * includes it.
 */
#ifndef _MK_TRANSPORT_VRING_INTERNAL_H
#define _MK_TRANSPORT_VRING_INTERNAL_H

#include "vring.h"

/* Ring fields are little endian (virtio 1.x): to and from the CPU's order. */
static inline u16 v16(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline u32 v32(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline u64 v64(__virtio64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static inline __virtio16 cpu_v16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline __virtio32 cpu_v32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

static inline __virtio64 cpu_v64(u64 v)
{
	return (__force __virtio64)cpu_to_le64(v);
}

/*
 * Store a field of our own in the region unless it holds the value already.
 * Once the ring has wrapped, most of what a message writes is there from
 * the lap before: ring slot i always names descriptor i, a used entry is
 * always (slot, 0), and messages of one size keep their slot's address and
 * length. A store of the same bytes still takes the line away from the
 * peer, who then misses on it; the load finds the line in our own cache.
 * The value loaded is only compared, never used: if the peer wrote the
 * field, it differs and we store.
 */
static inline void mkv_set16(__virtio16 *p, __virtio16 v)
{
	if (READ_ONCE(*p) != v)
		WRITE_ONCE(*p, v);
}

static inline void mkv_set32(__virtio32 *p, __virtio32 v)
{
	if (READ_ONCE(*p) != v)
		WRITE_ONCE(*p, v);
}

static inline void mkv_set64(__virtio64 *p, __virtio64 v)
{
	if (READ_ONCE(*p) != v)
		WRITE_ONCE(*p, v);
}

/**
 * mkv_used_event() - the used_event field, just past the avail ring
 * @avail: the avail ring
 * @num: its entries
 *
 * Return: the field (virtio 1.x, 2.7.7-2.7.8).
 */
static inline __virtio16 *mkv_used_event(struct vring_avail *avail, u32 num)
{
	return &avail->ring[num];
}

/**
 * mkv_avail_event() - the avail_event field, just past the used ring
 * @used: the used ring
 * @num: its entries
 *
 * Return: the field (virtio 1.x, 2.7.7-2.7.8).
 */
static inline __virtio16 *mkv_avail_event(struct vring_used *used, u32 num)
{
	return (__virtio16 *)&used->ring[num];
}

/**
 * mkv_publish() - publish an index; tell whether the peer asked to be rung
 * @idx: the index in the region (avail->idx, or used->idx)
 * @published: private copy of what was last published, updated
 * @next: the new value
 * @event: the peer's event field for this index
 *
 * The release orders everything written before (payload, descriptors,
 * ring entries; or our reads of the buffers) before the index; the full
 * barrier orders the index before reading the peer's event, pairing with
 * the peer arming its event and then re-reading our index.
 *
 * Return: true if the peer must be rung.
 */
static inline bool mkv_publish(__virtio16 *idx, u16 *published, u16 next,
			       __virtio16 *event)
{
	u16 old = *published;

	/* What the index covers, before the index. */
	smp_store_release(idx, cpu_v16(next));
	*published = next;
	/* The index before the peer's event (the peer arms, then re-reads). */
	smp_mb();
	return vring_need_event(v16(READ_ONCE(*event)), next, old);
}

/**
 * mkv_align() - round up to a power of two
 * @x: the value
 * @a: the alignment, a power of two
 *
 * Return: @x rounded up to a multiple of @a.
 */
static inline u64 mkv_align(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

#endif /* _MK_TRANSPORT_VRING_INTERNAL_H */
