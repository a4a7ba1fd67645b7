/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the files of the multikernel transport.
 */
#ifndef _MK_TRANSPORT_INTERNAL_H
#define _MK_TRANSPORT_INTERNAL_H

#include <linux/multikernel/transport.h>

#include "vring.h"

struct dentry;

extern const char *const mk_fault_names[MK_NR_FAULTS];

struct dentry *mk_transport_debugfs(void);
int mk_link_class_init(void);
struct dentry *mk_link_debugfs_add(struct mk_link *link);
void mk_link_set_fault(struct mk_link *link, enum mk_fault fault);
void mk_link_pause_rx(struct mk_link *link, bool pause);
void mk_link_restart(struct mk_link *link);
int mk_link_stats_show(struct mk_link *link, char *buf, size_t size);
u64 mk_link_doorbells_sent(struct mk_link *link);
u64 mk_link_rx_poll_ns(struct mk_link *link);

bool mk_link_closed(struct mk_link *link);
void mk_link_panic_init(void);

#if IS_ENABLED(CONFIG_MULTIKERNEL_TRANSPORT_KUNIT_TEST)
/* Test hooks of the KUnit suite only (EXPORT_SYMBOL_IF_KUNIT). */
struct mk_loopback;
struct mk_loopback *mk_loopback_create_host(int cpu,
					    const struct mk_chan_geometry *g);
void *mk_loopback_region(struct mk_loopback *lo);
unsigned int mk_loopback_set_close_timeout(unsigned int ms);
unsigned int mk_loopback_quarantined(void);
int mk_loopback_reap_quarantine(void);
void mk_link_set_timers(unsigned int beat_ms, unsigned int timeout_ms);
unsigned int mk_link_set_flap_backoff(unsigned int max_ms);
void mk_link_freeze(struct mk_link *link, bool freeze);
void mk_link_rx_jitter(struct mk_link *link, unsigned int max_us);
void mk_link_hold_arm(struct mk_link *link, struct mk_link *peer);
u64 mk_link_stat(struct mk_link *link, const char *name);
#endif

#endif /* _MK_TRANSPORT_INTERNAL_H */
