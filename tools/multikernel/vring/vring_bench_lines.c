// SPDX-License-Identifier: GPL-2.0-only
/*
 * vring_bench: the shared cache lines a message writes, counted.
 *
 * This file holds a second copy of the engine, the kernel's files included
 * here with MKV_TRACE_WRITES and every external name prefixed with lines_,
 * so that mkv_trace_write() below sees each store the engine makes while
 * the copy vring_bench.c times has no hook at all. The SPSC ring's stores
 * go through the same macros (vring_bench.h).
 *
 * One process, one thread, one message (or one batch) at a time after a
 * warm-up, with the calls of the timed ends: the sender's (reclaiming only
 * when out of room, so that its buffers move through the area as when
 * timed), then the receiver's. Around each, the lines that a traced store (or the
 * payload copy, which the caller marks itself) touched are counted as
 * written, and the lines whose bytes differ from a snapshot taken before
 * as changed. A line written with the bytes it held is written all the
 * same: the store takes it away from the other CPU. Every changed line
 * must have been written, or the tracing missed a store (reported as
 * untraced).
 */
#define MKV_TRACE_WRITES

#define mkv_desc_bytes		lines_mkv_desc_bytes
#define mkv_avail_bytes		lines_mkv_avail_bytes
#define mkv_used_bytes		lines_mkv_used_bytes
#define mkv_dir_place		lines_mkv_dir_place
#define mkv_dir_check		lines_mkv_dir_check
#define mkv_dir_overlap		lines_mkv_dir_overlap
#define mkv_tx_init		lines_mkv_tx_init
#define mkv_tx_reset		lines_mkv_tx_reset
#define mkv_tx_reserve		lines_mkv_tx_reserve
#define mkv_tx_commit		lines_mkv_tx_commit
#define mkv_tx_cancel		lines_mkv_tx_cancel
#define mkv_tx_publish		lines_mkv_tx_publish
#define mkv_tx_reclaim		lines_mkv_tx_reclaim
#define mkv_tx_room		lines_mkv_tx_room
#define mkv_tx_arm_space	lines_mkv_tx_arm_space
#define mkv_tx_inflight		lines_mkv_tx_inflight
#define mkv_tx_corrupt		lines_mkv_tx_corrupt
#define mkv_rx_init		lines_mkv_rx_init
#define mkv_rx_reset		lines_mkv_rx_reset
#define mkv_rx_peek		lines_mkv_rx_peek
#define mkv_rx_consume		lines_mkv_rx_consume
#define mkv_rx_publish		lines_mkv_rx_publish
#define mkv_rx_arm		lines_mkv_rx_arm
#define mkv_rx_corrupt		lines_mkv_rx_corrupt

#include <stdlib.h>
#include <sys/mman.h>

#include "vring.c"
#include "vring_tx.c"
#include "vring_rx.c"

#include "mkv_msg.h"
#include "vring_bench.h"

/* The region being traced, and one mark per cache line of it. */
static struct {
	u8 *base;
	u64 size;
	u8 *written;
	u64 outside;		/* traced stores outside the region */
} trace;

void mkv_trace_write(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)trace.base;
	u64 l;

	if (!trace.written || !len || a < base || a - base > trace.size ||
	    len > trace.size - (a - base)) {
		trace.outside++;
		return;
	}
	for (l = (a - base) / BENCH_LINE; l <= (a - base + len - 1) / BENCH_LINE; l++)
		trace.written[l] = 1;
}

struct count {
	const struct bench_geom *g;
	enum bench_mode mode;
	u8 *region;
	u64 size;
	u64 payload_off, payload_end;	/* region offsets of the payload */
	u8 *snap;
	u8 *src, *dst;
	struct mkv_tx tx;
	struct mkv_rx rx;
	u64 *ends;
	struct spsc_end prod, cons;
	u64 seq;
};

/*
 * Messages through the engine as the timed ends send them: the sender
 * queues up to tx_batch messages, or fewer if it runs out of room,
 * reclaiming only when it has nothing queued, and publishes; the receiver
 * takes them all, publishing every rx_batch and when the ring is empty.
 * Return: the messages, or -1 if an end refused.
 */
static int engine_step(struct count *c)
{
	u32 len = c->g->size, n = 0, got = 0, unpublished = 0, in_len;
	const void *in;
	void *buf;
	int r;

	while (n < c->g->tx_batch) {
		if (mkv_tx_reserve(&c->tx, len, &buf)) {
			if (n)
				break;
			if (mkv_tx_reclaim(&c->tx) <= 0)
				return -1;
			continue;
		}
		if (c->mode == MODE_CHECKED)
			write_msg(buf, len, c->seq + n);
		else
			memcpy(buf, c->src, len);
		mkv_trace_write(buf, len);
		mkv_tx_commit(&c->tx, len);
		n++;
	}
	mkv_tx_publish(&c->tx);
	while ((r = mkv_rx_peek(&c->rx, &in, &in_len)) == 1) {
		if (in_len != len)
			return -1;
		memcpy(c->dst, in, len);
		mkv_rx_consume(&c->rx);
		got++;
		if (++unpublished >= c->g->rx_batch) {
			mkv_rx_publish(&c->rx);
			unpublished = 0;
		}
	}
	mkv_rx_publish(&c->rx);
	return r || got != n ? -1 : (int)n;
}

/* One message through the SPSC ring: 1, or -1 if an end refused. */
static int spsc_step(struct count *c)
{
	u32 len = c->g->size;
	const void *in;
	void *buf;

	buf = spsc_reserve(&c->prod);
	if (!buf)
		return -1;
	memcpy(buf, c->src, len);
	mkv_trace_write(buf, len);
	spsc_push_as(&c->prod, c->mode);
	if (spsc_peek(&c->cons, &in) != 1)
		return -1;
	memcpy(c->dst, in, len);
	spsc_pop_as(&c->cons, c->mode);
	return 1;
}

static int step(struct count *c)
{
	int n = bench_spsc(c->mode) ? spsc_step(c) : engine_step(c);

	if (n > 0)
		c->seq += n;
	return n;
}

/* Count the lines of one step into @out: its messages, or -1. */
static int measure(struct count *c, struct bench_lines *out)
{
	u64 lines = c->size / BENCH_LINE, l;
	int n;

	memcpy(c->snap, c->region, c->size);
	memset(trace.written, 0, lines);
	n = step(c);
	if (n <= 0)
		return -1;
	for (l = 0; l < lines; l++) {
		u64 off = l * BENCH_LINE;
		bool changed = memcmp(c->snap + off, c->region + off, BENCH_LINE);
		bool payload = off >= c->payload_off && off < c->payload_end;

		if (changed && !trace.written[l])
			out->untraced++;
		if (payload) {
			out->payload += trace.written[l];
		} else {
			out->meta += trace.written[l];
			out->meta_changed += changed;
		}
	}
	return n;
}

/**
 * bench_count_lines() - shared cache lines written per message
 * @g: the layout of the size
 * @mode: which ring
 * @out: the averages over four laps of the ring, after a warm-up of two
 *
 * Return: 0, or -1 if the ring refused a message or the tracing saw a
 * store outside the region.
 */
int bench_count_lines(const struct bench_geom *g, enum bench_mode mode,
		      struct bench_lines *out)
{
	struct count c = { .g = g, .mode = mode };
	u32 done, i, n;
	int r = -1;

	memset(out, 0, sizeof(*out));
	c.size = bench_spsc(mode) ? g->spsc_region : g->engine_region;
	c.size = mkv_align(c.size, BENCH_LINE);
	c.region = mmap(NULL, c.size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.region == MAP_FAILED)
		return -1;
	c.snap = malloc(c.size);
	c.src = malloc(g->size);
	c.dst = malloc(g->size);
	c.ends = calloc(g->dir.num, sizeof(*c.ends));
	trace.written = calloc(c.size / BENCH_LINE, 1);
	if (!c.snap || !c.src || !c.dst || !c.ends || !trace.written)
		goto out;
	trace.base = c.region;
	trace.size = c.size;
	trace.outside = 0;
	for (i = 0; i < g->size; i++)
		c.src[i] = (u8)mix64(i);

	if (bench_spsc(mode)) {
		spsc_init(&c.prod, c.region, g);
		spsc_init(&c.cons, c.region, g);
		c.payload_off = offsetof(struct spsc_shared, slots);
		c.payload_end = c.size;
		n = g->spsc_slots;
	} else {
		mkv_tx_init(&c.tx, c.region, &g->dir, c.ends);
		mkv_rx_init(&c.rx, c.region, &g->dir);
		mkv_tx_reset(&c.tx);
		mkv_rx_reset(&c.rx);
		c.payload_off = g->dir.data_off;
		c.payload_end = g->dir.data_off + g->dir.data_size;
		n = g->dir.num;
	}

	for (done = 0; done < 2 * n; done += r) {
		r = step(&c);
		if (r <= 0)
			goto out;
	}
	for (done = 0; done < 4 * n; done += r) {
		r = measure(&c, out);
		if (r <= 0)
			goto out;
	}
	out->payload /= done;
	out->meta /= done;
	out->meta_changed /= done;
	r = trace.outside ? -1 : 0;
out:
	free(trace.written);
	trace.written = NULL;
	free(c.ends);
	free(c.dst);
	free(c.src);
	free(c.snap);
	munmap(c.region, c.size);
	return r;
}
