/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim of the vring engine: the handful of kernel definitions
 * that drivers/multikernel/transport/vring.[ch] use, so that the very same
 * file builds here for unit tests, sanitizers and fuzzing.
 *
 * READ_ONCE()/WRITE_ONCE() are volatile accesses, the barriers and
 * smp_load_acquire()/smp_store_release() are __atomic builtins.
 *
 * Under ThreadSanitizer, which does not model fences, READ_ONCE() is an
 * acquire load and WRITE_ONCE() a relaxed store instead. The engine reads an
 * index with READ_ONCE() and then orders what follows with smp_rmb(): an
 * acquire in effect, which TSan would otherwise not see, reporting every
 * payload read as a race. Only smp_store_release() releases, so what TSan
 * sees synchronised is exactly what the engine synchronises.
 */
#ifndef _MKV_USER_H
#define _MKV_USER_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#ifndef __bitwise
#define __bitwise
#endif
#ifndef __force
#define __force
#endif

#define le16_to_cpu(x)	((u16)le16toh((__force u16)(x)))
#define le32_to_cpu(x)	((u32)le32toh((__force u32)(x)))
#define le64_to_cpu(x)	((u64)le64toh((__force u64)(x)))
#define cpu_to_le16(x)	((__force __le16)htole16((u16)(x)))
#define cpu_to_le32(x)	((__force __le32)htole32((u32)(x)))
#define cpu_to_le64(x)	((__force __le64)htole64((u64)(x)))

#if defined(__SANITIZE_THREAD__)
#define MKV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MKV_TSAN 1
#endif
#endif

#ifdef MKV_TSAN
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)
#else
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)					\
	do {							\
		*(volatile __typeof__(x) *)&(x) = (val);	\
	} while (0)
#endif

/* The kernel's barriers and their C11 equivalents (on x86: mfence, none, none). */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#endif /* _MKV_USER_H */
