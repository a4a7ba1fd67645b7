/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The checked messages of the vring test programs (vring_stream, and
 * vring_bench's engine-checked mode): the 16-byte header { sequence
 * number, checksum } then pseudo-random payload, the checksum an FNV-1a
 * over the sequence number, the length and the payload.
 */
#ifndef _MKV_MSG_H
#define _MKV_MSG_H

#include <string.h>

#include "mkv_user.h"

#define FNV_PRIME	0x100000001b3ULL
#define FNV_BASIS	0xcbf29ce484222325ULL

static inline u64 mix64(u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* FNV-1a over 64-bit words, then the tail bytes. */
static inline u64 sum64(const u8 *p, u32 len, u64 h)
{
	u64 w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * FNV_PRIME;
	}
	for (; len; len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

static inline u64 sum_seed(u64 seq, u32 len)
{
	return (FNV_BASIS ^ seq) * FNV_PRIME ^ len;
}

/*
 * Message layout: the 16-byte header { seq, sum } then pseudo-random
 * payload; sum covers seq, the length and the payload. A message shorter
 * than the header carries the header's first bytes.
 */
static inline void write_msg(u8 *buf, u32 len, u64 seq)
{
	u64 hdr[2], r = mix64(seq) | 1, h = sum_seed(seq, len);
	u32 i;

	for (i = 16; i + 8 <= len; i += 8) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		memcpy(buf + i, &r, 8);
		h = (h ^ r) * FNV_PRIME;
	}
	for (; i < len; i++) {
		buf[i] = (u8)(r >> (i & 7) * 8);
		h = (h ^ buf[i]) * FNV_PRIME;
	}
	hdr[0] = htole64(seq);
	hdr[1] = htole64(h);
	memcpy(buf, hdr, len < 16 ? len : 16);
}

#endif /* _MKV_MSG_H */
