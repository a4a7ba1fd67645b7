/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim of the vring engine: the handful of kernel definitions
 * that drivers/multikernel/transport/vring.[ch] use, so that the very same
 * file builds here for unit tests, sanitizers and fuzzing, and __printf()
 * for the test programs.
 *
 * READ_ONCE()/WRITE_ONCE() are relaxed __atomic loads and stores, the
 * barriers are __atomic fences and smp_load_acquire()/smp_store_release()
 * acquire loads and release stores. Relaxed atomics are what the kernel's
 * volatile accesses give in practice: each is one access of the whole
 * object, neither torn, nor repeated, nor left out. They also give the
 * fences a meaning in C11, where a fence orders only around atomic
 * accesses: READ_ONCE() then smp_rmb() is an acquire, smp_wmb() then
 * WRITE_ONCE() a release.
 *
 * Under ThreadSanitizer, which does not model fences, READ_ONCE() is an
 * acquire load instead. The engine reads an index with READ_ONCE() and then
 * orders what follows with smp_rmb(): an acquire in effect, which TSan would
 * otherwise not see, reporting every payload read as a race. Only
 * smp_store_release() releases, so what TSan sees synchronised is exactly
 * what the engine synchronises.
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

/* The __atomic builtins take integer and pointer objects: so do the engine's uses. */
#ifdef MKV_TSAN
#define MKV_READ_ONCE_ORDER	__ATOMIC_ACQUIRE
#else
#define MKV_READ_ONCE_ORDER	__ATOMIC_RELAXED
#endif

/*
 * MKV_TRACE_WRITES: a program that defines it before any include calls its
 * mkv_trace_write() with the address and size of every store the engine
 * makes with WRITE_ONCE() or smp_store_release(), the stores through which
 * it writes the region (vring_bench counts the shared cache lines a message
 * writes with it). Otherwise the hook is nothing.
 */
#ifdef MKV_TRACE_WRITES
void mkv_trace_write(const void *p, size_t len);
#else
static inline void mkv_trace_write(const void *p, size_t len)
{
	(void)p;
	(void)len;
}
#endif

#define READ_ONCE(x)		__atomic_load_n(&(x), MKV_READ_ONCE_ORDER)
#define WRITE_ONCE(x, val)						\
do {									\
	typeof(x) *__wo_p = &(x);					\
									\
	mkv_trace_write(__wo_p, sizeof(*__wo_p));			\
	__atomic_store_n(__wo_p, (val), __ATOMIC_RELAXED);		\
} while (0)

/*
 * The kernel's barriers as C11 fences, each ordering at least what the
 * kernel's orders.
 */

/*
 * smp_mb(): a sequentially consistent fence, mfence or a locked instruction
 * on x86 as in the kernel. It orders earlier stores before later loads,
 * which the engine needs between publishing its own index and reading the
 * peer's event index.
 */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

/*
 * smp_rmb(): an acquire fence, no instruction on x86 (loads are not
 * reordered with loads there), only a compiler barrier. It orders earlier
 * loads before every later access, more than the kernel's read barrier.
 */
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)

/*
 * smp_wmb(): a release fence, no instruction on x86 either. It orders every
 * earlier access before later stores, more than the kernel's write barrier.
 */
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)

/* smp_store_release(): a release store, as the kernel's; a plain move on x86. */
#define smp_store_release(p, v)					\
do {									\
	typeof(p) __sr_p = (p);						\
									\
	mkv_trace_write(__sr_p, sizeof(*__sr_p));			\
	__atomic_store_n(__sr_p, (v), __ATOMIC_RELEASE);		\
} while (0)

/* smp_load_acquire(): an acquire load, as the kernel's; a plain move on x86. */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

/*
 * printf-like arguments: @a the format, @b the first to check, as the
 * kernel's __printf(). The attribute is split over two lines so that
 * checkpatch.pl, which asks for __printf() in place of it, does not flag
 * the definition of __printf() itself.
 */
#define __printf(a, b)		__attribute__((format(printf,		\
						      a, b)))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#endif /* _MKV_USER_H */
