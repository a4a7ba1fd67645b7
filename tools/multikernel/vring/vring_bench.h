/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vring_bench: what its two files share. vring_bench.c times the modes;
 * vring_bench_lines.c counts the shared cache lines a message writes, with
 * a second copy of the engine built with MKV_TRACE_WRITES. Both run the
 * minimal SPSC ring below, the baseline the engine is measured against.
 */
#ifndef _VRING_BENCH_H
#define _VRING_BENCH_H

#include "vring.h"

#define BENCH_LINE	64

enum bench_mode {
	MODE_SPSC,
	MODE_SPSC_MB,
	MODE_ENGINE,
	MODE_CHECKED,
	NR_MODES,
};

/**
 * struct bench_geom - one size: the layout of both rings, how the engine
 * publishes
 * @size: bytes of every message
 * @dir: the engine's direction, laid out by mkv_dir_place()
 * @engine_region: bytes of the engine's region
 * @engine_depth: most messages the engine can have in flight
 * @spsc_slots: slots of the SPSC ring, a power of two
 * @spsc_slot_size: bytes of a slot: @size rounded up to a cache line
 * @spsc_region: bytes of the SPSC ring's region
 * @tx_batch: the engine's sender publishes every @tx_batch messages
 * @rx_batch: the engine's receiver publishes every @rx_batch messages
 */
struct bench_geom {
	u32 size;
	struct mkv_dir dir;
	u64 engine_region;
	u32 engine_depth;
	u32 spsc_slots;
	u32 spsc_slot_size;
	u64 spsc_region;
	u32 tx_batch;
	u32 rx_batch;
};

/**
 * struct bench_lines - shared cache lines a message writes, on average
 * @payload: lines of the payload area (or of the slots) written
 * @meta: other lines written: indexes, descriptors, ring entries
 * @meta_changed: the lines of @meta whose bytes changed
 * @untraced: lines that changed without a traced store (must be 0)
 */
struct bench_lines {
	double payload;
	double meta;
	double meta_changed;
	u64 untraced;
};

/* Whether @mode runs the SPSC ring below (with or without its barriers). */
static inline bool bench_spsc(enum bench_mode mode)
{
	return mode == MODE_SPSC || mode == MODE_SPSC_MB;
}

int bench_count_lines(const struct bench_geom *g, enum bench_mode mode,
		      struct bench_lines *out);

/*
 * The baseline: a minimal single-producer single-consumer ring of
 * fixed-size slots. The producer's index and the consumer's index each
 * have a cache line of their own, the slots follow; each end keeps the
 * other's index in private memory and reads the shared one again only when
 * the ring looks full (producer) or empty (consumer). Every message is the
 * size the ring was made for, so it carries no length. The only check of
 * what the peer wrote: the producer's index may not run more than a ring
 * ahead, which costs one comparison per re-read.
 */
struct spsc_shared {
	u64 head;			/* written by the producer */
	u8 pad0[BENCH_LINE - sizeof(u64)];
	u64 tail;			/* written by the consumer */
	u8 pad1[BENCH_LINE - sizeof(u64)];
	u64 head_event;			/* the consumer's, before it sleeps */
	u8 pad2[BENCH_LINE - sizeof(u64)];
	u64 tail_event;			/* the producer's, before it waits */
	u8 pad3[BENCH_LINE - sizeof(u64)];
	u8 slots[];
};

/* One end, in private memory. */
struct spsc_end {
	struct spsc_shared *sh;
	u64 mask;			/* slots - 1 */
	u32 slot_size;
	u64 mine;			/* producer: head; consumer: tail */
	u64 theirs;			/* the other end's index, as last read */
};

static inline void spsc_init(struct spsc_end *e, void *region,
			     const struct bench_geom *g)
{
	e->sh = region;
	e->mask = g->spsc_slots - 1;
	e->slot_size = g->spsc_slot_size;
	e->mine = 0;
	e->theirs = 0;
}

/* The slot for the next message, or NULL if the ring is full. */
static inline void *spsc_reserve(struct spsc_end *p)
{
	if (p->mine - p->theirs > p->mask) {
		/*
		 * The consumer's reads of the slot before our writes; pairs
		 * with spsc_pop(). A tail ahead of the head wraps to a ring
		 * that stays full.
		 */
		p->theirs = smp_load_acquire(&p->sh->tail);
		if (p->mine - p->theirs > p->mask)
			return NULL;
	}
	return p->sh->slots + (p->mine & p->mask) * p->slot_size;
}

/* Publish the message written in the slot of spsc_reserve(). */
static inline void spsc_push(struct spsc_end *p)
{
	p->mine++;
	/* The message before the index; pairs with spsc_peek(). */
	smp_store_release(&p->sh->head, p->mine);
}

/* The next message: 1 and @buf, 0 if there is none, -EPROTO if the peer lied. */
static inline int spsc_peek(struct spsc_end *c, const void **buf)
{
	if (c->mine == c->theirs) {
		/* The index before the message; pairs with spsc_push(). */
		u64 head = smp_load_acquire(&c->sh->head);

		if (head == c->mine)
			return 0;
		if (head - c->mine > c->mask + 1)
			return -EPROTO;
		c->theirs = head;
	}
	*buf = c->sh->slots + (c->mine & c->mask) * c->slot_size;
	return 1;
}

/* Give the slot of the last spsc_peek() back. */
static inline void spsc_pop(struct spsc_end *c)
{
	c->mine++;
	/* Our reads of the slot before handing it back; pairs with spsc_reserve(). */
	smp_store_release(&c->sh->tail, c->mine);
}

/*
 * The same ring for ends that may sleep (spsc-mb): what any ring with
 * doorbells pays per publication, and nothing else. A consumer about to
 * sleep would write the index it waits for to head_event, then re-read the
 * head; so the producer, after its index, needs a full barrier before it
 * reads head_event to decide whether to ring (mkv_publish() in the engine).
 * The consumer hands slots back the same way against tail_event. Nobody
 * sleeps in vring_bench: the answer is computed and ignored, as the
 * engine's is there. Return: true if the peer waits for this index.
 */
static inline bool spsc_push_mb(struct spsc_end *p)
{
	spsc_push(p);
	/* Our head before the consumer's event: pairs with its arming. */
	smp_mb();
	return READ_ONCE(p->sh->head_event) == p->mine - 1;
}

static inline bool spsc_pop_mb(struct spsc_end *c)
{
	spsc_pop(c);
	/* Our tail before the producer's event: pairs with its arming. */
	smp_mb();
	return READ_ONCE(c->sh->tail_event) == c->mine - 1;
}

/* Publish as @mode does: with the barrier for spsc-mb, without for spsc. */
static inline void spsc_push_as(struct spsc_end *p, enum bench_mode mode)
{
	if (mode == MODE_SPSC_MB)
		(void)spsc_push_mb(p);
	else
		spsc_push(p);
}

static inline void spsc_pop_as(struct spsc_end *c, enum bench_mode mode)
{
	if (mode == MODE_SPSC_MB)
		(void)spsc_pop_mb(c);
	else
		spsc_pop(c);
}

#endif /* _VRING_BENCH_H */
