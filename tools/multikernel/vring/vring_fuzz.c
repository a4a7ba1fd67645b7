// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target of the vring engine: the fuzz input plays a malicious
 * peer against one honest end of a direction.
 *
 * Input: a 6-byte header choosing which end is under test and the geometry,
 * then operations, one byte of opcode each followed by its arguments (a
 * short input reads as zeros). The honest end makes only legal calls; the
 * peer's operations overwrite, between those calls, the parts of the region
 * the peer owns (for a receiver under test: the descriptor table, the avail
 * ring and the payload area; for a sender under test: the used ring), either
 * field by field, with raw bytes, or as a well-behaved peer would, so that
 * deep states are reachable.
 *
 * After every step the invariants are checked, and a violation traps:
 *  - a message from mkv_rx_peek() lies inside the payload area (every byte
 *    is read, so AddressSanitizer sees any overrun), len <= max_msg;
 *  - a buffer from mkv_tx_reserve() lies inside the payload area, holds the
 *    message, and overlaps no message still in flight; the sender's
 *    accounting never exceeds the area; mkv_tx_room() agrees with it;
 *  - with nothing in flight, a message of up to max_msg bytes fits;
 *  - the engine writes only the parts of the region its end owns, never
 *    the payload, and nothing outside the region: the region is a malloc()
 *    buffer of exactly its size;
 *  - a bad value breaks the end, and a broken end fails every call and
 *    writes nothing, until it is reset.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vring.h"
#include <linux/multikernel/channel.h>

#define MAX_OPS		4096
#define MAX_NUM		64

/* Who may write each byte of the region. */
enum { OWN_NONE, OWN_TX, OWN_RX, OWN_DATA };

struct in {
	const u8 *p;
	size_t n;
};

struct fuzz {
	struct in in;
	bool tx_mode;		/* the sender is under test, else the receiver */
	struct mkv_dir d;
	u64 size;
	u8 *region;
	u8 *owner;
	u8 *snap;
	u8 *data;

	/* The end under test, and the peer's honest helper. */
	struct mkv_tx tx;
	struct mkv_rx rx;
	u64 ends[MAX_NUM];

	/* Receiver under test: mkv_rx_consume() is legal after a message. */
	bool can_consume;

	/* Sender under test: the open reservation and what is in flight. */
	void *rsv_buf;
	u32 rsv_len;
	struct { u64 off, len; } fl[MAX_NUM];
	unsigned int fl_head, fl_len;
};

#define VIOLATION(...)							\
	do {								\
		fprintf(stderr, "vring_fuzz: invariant: " __VA_ARGS__);	\
		fprintf(stderr, "\n");					\
		__builtin_trap();					\
	} while (0)

#define ASSERT(cond)							\
	do {								\
		if (!(cond))						\
			VIOLATION("%s (line %d)", #cond, __LINE__);	\
	} while (0)

static u8 get8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/* Little endian; each byte read in turn. */
static u16 get16(struct in *in)
{
	u16 lo = get8(in);

	return lo | (u16)get8(in) << 8;
}

static u32 get32(struct in *in)
{
	u32 lo = get16(in);

	return lo | (u32)get16(in) << 16;
}

static u64 get64(struct in *in)
{
	u64 lo = get32(in);

	return lo | (u64)get32(in) << 32;
}

static u32 align16(u32 len)
{
	return (len + MKV_DATA_ALIGN - 1) & ~(MKV_DATA_ALIGN - 1);
}

static struct vring_desc *r_desc(struct fuzz *f)
{
	return (struct vring_desc *)(f->region + f->d.desc_off);
}

static struct vring_avail *r_avail(struct fuzz *f)
{
	return (struct vring_avail *)(f->region + f->d.avail_off);
}

static struct vring_used *r_used(struct fuzz *f)
{
	return (struct vring_used *)(f->region + f->d.used_off);
}

static void own(struct fuzz *f, u64 off, u64 len, u8 who)
{
	memset(f->owner + off, who, len);
}

/* Geometry from the header; false if it is not worth a run. */
static bool setup(struct fuzz *f)
{
	u8 flags = get8(&f->in), e = get8(&f->in), units = get8(&f->in);
	u16 max = get16(&f->in);
	u64 hdr = flags & 4 ? 64 : 0;
	struct mkv_dir *d = &f->d;

	get8(&f->in);
	f->tx_mode = flags & 1;
	d->num = 1U << (e % 7);
	d->data_size = 64ULL * (1 + units % 64);
	d->max_msg = 1 + max % d->data_size;
	if (flags & 2) {
		/* The payload area first, then the rings. */
		d->data_off = hdr;
		d->desc_off = d->data_off + d->data_size;
		d->avail_off = (d->desc_off + mkv_desc_bytes(d->num) + 63) & ~63ULL;
		d->used_off = (d->avail_off + mkv_avail_bytes(d->num) + 63) & ~63ULL;
		f->size = d->used_off + mkv_used_bytes(d->num);
	} else {
		f->size = mkv_dir_place(d, hdr, d->num, d->data_size, d->max_msg);
	}
	if (mkv_dir_check(d, f->size, hdr))
		VIOLATION("valid geometry refused");

	f->region = malloc(f->size);
	f->owner = calloc(1, f->size);
	f->snap = malloc(f->size);
	if (!f->region || !f->owner || !f->snap)
		abort();
	memset(f->region, 0xee, f->size);
	own(f, d->desc_off, mkv_desc_bytes(d->num), OWN_TX);
	own(f, d->avail_off, mkv_avail_bytes(d->num), OWN_TX);
	own(f, d->used_off, mkv_used_bytes(d->num), OWN_RX);
	own(f, d->data_off, d->data_size, OWN_DATA);
	f->data = f->region + d->data_off;

	mkv_tx_init(&f->tx, f->region, d, f->ends);
	mkv_rx_init(&f->rx, f->region, d);
	mkv_tx_reset(&f->tx);
	mkv_rx_reset(&f->rx);
	return true;
}

/* Around each call of the engine: it writes only what its end owns. */
static void before(struct fuzz *f)
{
	memcpy(f->snap, f->region, f->size);
}

static void after(struct fuzz *f, u8 who, const char *call)
{
	u64 i;

	if (!memcmp(f->snap, f->region, f->size))
		return;
	for (i = 0; i < f->size; i++)
		if (f->snap[i] != f->region[i] && f->owner[i] != who)
			VIOLATION("%s wrote byte %llu (owner %d)", call,
				  (unsigned long long)i, f->owner[i]);
}

/* A broken end writes nothing at all. */
static void after_broken(struct fuzz *f, const char *call)
{
	if (memcmp(f->snap, f->region, f->size))
		VIOLATION("%s of a broken end wrote to the region", call);
}

/* The peer writes one of its own bytes ranges, from the input. */
static void peer_bytes(struct fuzz *f, u8 who)
{
	u16 at = get16(&f->in);
	u8 n = get8(&f->in) % 33, i;
	u64 off = at % f->size;

	for (i = 0; i < n; i++, off++) {
		u8 b = get8(&f->in);

		if (off >= f->size)
			break;
		if (f->owner[off] == who || (who == OWN_TX && f->owner[off] == OWN_DATA))
			f->region[off] = b;
	}
}

/* Receiver under test ---------------------------------------------------- */

static void rx_check_msg(struct fuzz *f, const void *buf, u32 len)
{
	const u8 *b = buf;
	u8 sum = 0;
	u32 i;

	if (b < f->data || b > f->data + f->d.data_size ||
	    len > (u64)(f->data + f->d.data_size - b))
		VIOLATION("message %p+%u outside the payload area %p+%llu", buf, len,
			  (void *)f->data, (unsigned long long)f->d.data_size);
	ASSERT(len <= f->d.max_msg);
	for (i = 0; i < len; i++)
		sum ^= b[i];
	/* An empty asm takes the sum: no compiler may leave out the reads. */
	__asm__("" : : "r"(sum));
}

static int rx_peek(struct fuzz *f)
{
	bool was_broken = f->rx.broken;
	const void *buf = NULL;
	u32 len = 0;
	int r;

	before(f);
	r = mkv_rx_peek(&f->rx, &buf, &len);
	if (was_broken) {
		ASSERT(r == -EPIPE);
		after_broken(f, "mkv_rx_peek");
		return r;
	}
	after(f, OWN_RX, "mkv_rx_peek");
	switch (r) {
	case 1:
		ASSERT(!f->rx.broken);
		rx_check_msg(f, buf, len);
		ASSERT((u16)(f->rx.avail_seen - f->rx.last_avail) <= f->d.num);
		ASSERT(f->rx.avail_seen != f->rx.last_avail);
		f->can_consume = true;
		break;
	case 0:
		ASSERT(!f->rx.broken);
		break;
	case -EPROTO:
		ASSERT(f->rx.broken);
		f->can_consume = false;
		break;
	default:
		VIOLATION("mkv_rx_peek returned %d", r);
	}
	return r;
}

static void rx_consume(struct fuzz *f)
{
	if (!f->can_consume)
		return;
	before(f);
	mkv_rx_consume(&f->rx);
	after(f, OWN_RX, "mkv_rx_consume");
	f->can_consume = false;
}

static void rx_publish(struct fuzz *f)
{
	bool was_broken = f->rx.broken, r;

	before(f);
	r = mkv_rx_publish(&f->rx);
	if (was_broken) {
		ASSERT(!r);
		after_broken(f, "mkv_rx_publish");
		return;
	}
	after(f, OWN_RX, "mkv_rx_publish");
	ASSERT(le16toh(r_used(f)->idx) == f->rx.last_avail);
	ASSERT(f->rx.used_published == f->rx.last_avail);
}

static void rx_arm(struct fuzz *f)
{
	bool was_broken = f->rx.broken, r;

	before(f);
	r = mkv_rx_arm(&f->rx);
	if (was_broken) {
		ASSERT(!r);
		after_broken(f, "mkv_rx_arm");
		return;
	}
	after(f, OWN_RX, "mkv_rx_arm");
	(void)r;
}

static void rx_reset(struct fuzz *f)
{
	before(f);
	mkv_rx_reset(&f->rx);
	after(f, OWN_RX, "mkv_rx_reset");
	ASSERT(!f->rx.broken);
	f->can_consume = false;
}

/* The peer as a well-behaved sender: the helper, on the same region. */
static void peer_send(struct fuzz *f, u32 len)
{
	void *buf;

	if (f->tx.broken)
		mkv_tx_reset(&f->tx);
	mkv_tx_reclaim(&f->tx);
	if (mkv_tx_reserve(&f->tx, len % (f->d.max_msg + 1), &buf))
		return;
	memset(buf, 0x5a, len % (f->d.max_msg + 1));
	mkv_tx_commit(&f->tx, len % (f->d.max_msg + 1));
	mkv_tx_publish(&f->tx);
}

static void fuzz_rx(struct fuzz *f)
{
	struct vring_desc *desc;
	struct vring_avail *av = r_avail(f);
	unsigned int ops = 0;
	u32 mask = f->d.num - 1, i;
	u8 op;

	while (f->in.n && ops++ < MAX_OPS) {
		op = get8(&f->in) % 14;
		switch (op) {
		case 0:
			peer_send(f, get16(&f->in));
			break;
		case 1:
			av->idx = htole16(f->rx.last_avail + (s8)get8(&f->in));
			break;
		case 2:
			av->idx = htole16(get16(&f->in));
			break;
		case 3:
			i = get8(&f->in) & mask;
			av->ring[i] = htole16(get16(&f->in));
			break;
		case 4: {
			u8 how = get8(&f->in);
			u64 addr;

			desc = &r_desc(f)[get8(&f->in) & mask];
			switch (how % 4) {
			case 0:
				addr = f->d.data_off + get16(&f->in);
				break;
			case 1:
				addr = f->d.data_off + f->d.data_size - get16(&f->in);
				break;
			case 2:
				addr = get64(&f->in);
				break;
			default:
				addr = -(u64)get16(&f->in);
				break;
			}
			desc->addr = htole64(addr);
			desc->len = htole32(how & 4 ? get32(&f->in) : get16(&f->in));
			desc->flags = htole16(how & 8 ? get16(&f->in) : 0);
			desc->next = htole16(get16(&f->in));
			break;
		}
		case 5:
			av->ring[f->d.num] = htole16(get16(&f->in));
			break;
		case 6:
			peer_bytes(f, OWN_TX);
			break;
		case 7:
			rx_peek(f);
			break;
		case 8:
			rx_consume(f);
			break;
		case 9:
			rx_publish(f);
			break;
		case 10:
			rx_arm(f);
			break;
		case 11:
			rx_reset(f);
			break;
		case 12:
			/* Receive everything there is, as a receiver would. */
			for (i = 0; i <= f->d.num && rx_peek(f) == 1; i++)
				rx_consume(f);
			rx_publish(f);
			rx_arm(f);
			break;
		case 13:
			mkv_tx_reset(&f->tx);
			break;
		}
	}
}

/* Sender under test ------------------------------------------------------ */

static void tx_check_state(struct fuzz *f)
{
	ASSERT(f->tx.tail <= f->tx.head);
	ASSERT(f->tx.head - f->tx.tail <= f->d.data_size);
	ASSERT(mkv_tx_inflight(&f->tx) <= f->d.num);
	ASSERT((u16)(f->tx.next_avail - f->tx.last_used) == f->fl_len);
}

static void tx_reserve(struct fuzz *f, u32 len)
{
	bool was_broken = f->tx.broken, room;
	void *buf = NULL;
	unsigned int i;
	u64 off;
	int r;

	len %= f->d.max_msg + 2;
	room = mkv_tx_room(&f->tx, len);
	before(f);
	r = mkv_tx_reserve(&f->tx, len, &buf);
	if (was_broken) {
		ASSERT(r == -EPIPE && !room);
		after_broken(f, "mkv_tx_reserve");
		return;
	}
	after(f, OWN_TX, "mkv_tx_reserve");
	if (f->rsv_buf) {
		ASSERT(r == -EBUSY || (r == -EMSGSIZE && len > f->d.max_msg));
		return;
	}
	if (len > f->d.max_msg) {
		ASSERT(r == -EMSGSIZE && !room);
		return;
	}
	if (r == -EAGAIN) {
		ASSERT(!room);
		/* Nothing in flight: any message must fit, or the sender waits forever. */
		if (!f->fl_len)
			VIOLATION("no room for %u bytes (max_msg %u, area %llu) %s", len,
				  f->d.max_msg, (unsigned long long)f->d.data_size,
				  "with nothing in flight");
		return;
	}
	ASSERT(r == 0 && room);
	off = (u8 *)buf - f->data;
	if ((u8 *)buf < f->data || off + align16(len) > f->d.data_size)
		VIOLATION("buffer at %lld+%u outside the payload area of %llu",
			  (long long)((u8 *)buf - f->data), len,
			  (unsigned long long)f->d.data_size);
	for (i = 0; i < f->fl_len; i++) {
		unsigned int k = (f->fl_head + i) % MAX_NUM;

		if (off < f->fl[k].off + f->fl[k].len && f->fl[k].off < off + align16(len))
			VIOLATION("buffer %llu+%u overlaps one in flight at %llu+%llu",
				  (unsigned long long)off, len, (unsigned long long)f->fl[k].off,
				  (unsigned long long)f->fl[k].len);
	}
	memset(buf, 0x3c, len);
	f->rsv_buf = buf;
	f->rsv_len = len;
}

static void tx_commit(struct fuzz *f, u32 len)
{
	u16 slot = f->tx.next_avail & (f->d.num - 1);
	struct vring_desc *d = &r_desc(f)[slot];
	unsigned int k;

	if (!f->rsv_buf)
		return;
	len = f->rsv_len ? len % (f->rsv_len + 1) : 0;
	before(f);
	mkv_tx_commit(&f->tx, len);
	after(f, OWN_TX, "mkv_tx_commit");
	ASSERT(le64toh(d->addr) == f->d.data_off + ((u8 *)f->rsv_buf - f->data));
	ASSERT(le32toh(d->len) == len && !d->flags);
	k = (f->fl_head + f->fl_len++) % MAX_NUM;
	f->fl[k].off = (u8 *)f->rsv_buf - f->data;
	f->fl[k].len = align16(f->rsv_len);
	f->rsv_buf = NULL;
}

static void tx_cancel(struct fuzz *f)
{
	before(f);
	mkv_tx_cancel(&f->tx);
	after(f, OWN_TX, "mkv_tx_cancel");
	f->rsv_buf = NULL;
}

static void tx_publish(struct fuzz *f)
{
	bool was_broken = f->tx.broken, r;

	before(f);
	r = mkv_tx_publish(&f->tx);
	if (was_broken) {
		ASSERT(!r);
		after_broken(f, "mkv_tx_publish");
		return;
	}
	after(f, OWN_TX, "mkv_tx_publish");
	ASSERT(le16toh(r_avail(f)->idx) == f->tx.next_avail);
	ASSERT(f->tx.published == f->tx.next_avail);
}

static void tx_reclaim(struct fuzz *f)
{
	bool was_broken = f->tx.broken;
	u32 inflight = mkv_tx_inflight(&f->tx);
	u16 last_used = f->tx.last_used, done;
	int r;

	before(f);
	r = mkv_tx_reclaim(&f->tx);
	if (was_broken) {
		ASSERT(r == -EPIPE);
		after_broken(f, "mkv_tx_reclaim");
		return;
	}
	after(f, OWN_TX, "mkv_tx_reclaim");
	/* Entries validated before a bad one are taken back even so. */
	done = f->tx.last_used - last_used;
	ASSERT(done <= inflight && done <= f->fl_len);
	if (r == -EPROTO)
		ASSERT(f->tx.broken);
	else
		ASSERT(r == done && !f->tx.broken);
	f->fl_head = (f->fl_head + done) % MAX_NUM;
	f->fl_len -= done;
	tx_check_state(f);
}

static void tx_arm_space(struct fuzz *f)
{
	bool was_broken = f->tx.broken, r;

	before(f);
	r = mkv_tx_arm_space(&f->tx);
	if (was_broken) {
		ASSERT(r);
		after_broken(f, "mkv_tx_arm_space");
		return;
	}
	after(f, OWN_TX, "mkv_tx_arm_space");
}

static void tx_reset(struct fuzz *f)
{
	before(f);
	mkv_tx_reset(&f->tx);
	after(f, OWN_TX, "mkv_tx_reset");
	ASSERT(!f->tx.broken);
	f->rsv_buf = NULL;
	f->fl_head = 0;
	f->fl_len = 0;
	/* The honest peer starts over too. */
	mkv_rx_reset(&f->rx);
}

/* The peer as a well-behaved receiver: the helper, on the same region. */
static void peer_consume(struct fuzz *f, u8 n)
{
	const void *buf;
	u32 len;

	if (f->rx.broken)
		mkv_rx_reset(&f->rx);
	while (n-- && mkv_rx_peek(&f->rx, &buf, &len) == 1)
		mkv_rx_consume(&f->rx);
	mkv_rx_publish(&f->rx);
}

static void fuzz_tx(struct fuzz *f)
{
	struct vring_used *u = r_used(f);
	unsigned int ops = 0;
	u32 mask = f->d.num - 1;
	u8 op;

	while (f->in.n && ops++ < MAX_OPS) {
		op = get8(&f->in) % 14;
		switch (op) {
		case 0:
			tx_reserve(f, get16(&f->in));
			break;
		case 1:
			tx_commit(f, get16(&f->in));
			break;
		case 2:
			tx_cancel(f);
			break;
		case 3:
			tx_publish(f);
			break;
		case 4:
			tx_reclaim(f);
			break;
		case 5:
			tx_arm_space(f);
			break;
		case 6:
			tx_reset(f);
			break;
		case 7: {
			/* A whole message, as a sender would. */
			u16 len = get16(&f->in);

			tx_reserve(f, len);
			tx_commit(f, len);
			tx_publish(f);
			break;
		}
		case 8:
			peer_consume(f, get8(&f->in));
			break;
		case 9:
			u->idx = htole16(f->tx.last_used + (s8)get8(&f->in));
			break;
		case 10:
			u->idx = htole16(get16(&f->in));
			break;
		case 11: {
			u8 slot = get8(&f->in);
			u32 id = slot & 0x80 ? get32(&f->in) : (u32)(slot >> 1 & mask);

			u->ring[slot & mask].id = htole32(id);
			u->ring[slot & mask].len = htole32(get32(&f->in));
			break;
		}
		case 12: {
			u16 ev = htole16(get16(&f->in));

			memcpy(&u->ring[f->d.num], &ev, sizeof(ev));
			break;
		}
		case 13:
			peer_bytes(f, OWN_RX);
			break;
		}
		tx_check_state(f);
	}
}

/*
 * libFuzzer calls the function of the symbol LLVMFuzzerTestOneInput; the
 * asm label gives it that symbol under a name in kernel style.
 */
int mkv_fuzz_one_input(const u8 *data, size_t size) __asm__("LLVMFuzzerTestOneInput");

int mkv_fuzz_one_input(const u8 *data, size_t size)
{
	struct fuzz f;

	memset(&f, 0, sizeof(f));
	f.in.p = data;
	f.in.n = size;
	if (size < 6 || !setup(&f))
		return 0;
	if (f.tx_mode)
		fuzz_tx(&f);
	else
		fuzz_rx(&f);
	free(f.region);
	free(f.owner);
	free(f.snap);
	return 0;
}
