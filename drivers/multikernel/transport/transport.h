/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the files of the multikernel transport.
 */
#ifndef _MK_TRANSPORT_INTERNAL_H
#define _MK_TRANSPORT_INTERNAL_H

#include <linux/multikernel/transport.h>

struct dentry;

/* Fault injection (debugfs "corrupt"): what this end does wrong. */
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

extern const char *const mk_fault_names[MK_NR_FAULTS];

struct dentry *mk_transport_debugfs(void);
int mk_link_class_init(void);
struct dentry *mk_link_debugfs_add(struct mk_link *link);
void mk_link_set_fault(struct mk_link *link, enum mk_fault fault);
void mk_link_pause_rx(struct mk_link *link, bool pause);
void mk_link_restart(struct mk_link *link);
int mk_link_stats_show(struct mk_link *link, char *buf, size_t size);
u64 mk_link_doorbells_sent(struct mk_link *link);

int mk_loopback_init(void);
void mk_loopback_exit(void);
void *mk_loopback_region(struct mk_loopback *lo);
unsigned int mk_loopback_set_close_timeout(unsigned int ms);
unsigned int mk_loopback_quarantined(void);
int mk_loopback_reap_quarantine(void);
bool mk_link_closed(struct mk_link *link);
void mk_link_set_timers(unsigned int beat_ms, unsigned int timeout_ms);
unsigned int mk_link_set_flap_backoff(unsigned int max_ms);
void mk_link_freeze(struct mk_link *link, bool freeze);
void mk_link_rx_jitter(struct mk_link *link, unsigned int max_us);
u64 mk_link_stat(struct mk_link *link, const char *name);
void mk_link_panic_init(void);

#ifdef CONFIG_MULTIKERNEL_INSTANCES
void mk_host_init(void);
#else
static inline void mk_host_init(void)
{
}
#endif

#endif /* _MK_TRANSPORT_INTERNAL_H */
