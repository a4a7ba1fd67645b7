/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed messages between kernel instances: the API of the multikernel
 * series (mk_send_message(), per-type handlers, convenience senders),
 * carried on a dedicated rpmsg channel of each instance pair, with payloads
 * up to the channel's MTU instead of 256 bytes, plus a request/response
 * call correlated by message id.
 *
 * Handlers run in process context (the link's receive thread) and may sleep
 * briefly; they must not call mk_unregister_msg_handler() or wait for a
 * reply from the same instance.
 */
#ifndef _LINUX_MULTIKERNEL_MESSAGES_H
#define _LINUX_MULTIKERNEL_MESSAGES_H

#include <linux/types.h>

/* Message types. */
#define MK_MSG_IO		0x1000
#define MK_MSG_RESOURCE		0x2000
#define MK_MSG_SYSTEM		0x3000
#define MK_MSG_USER		0x4000
#define MK_MSG_IPI_COMPAT	0x5000	/* the seeds' IPI API, see ipi.h */

/* I/O subtypes. */
#define MK_IO_IRQ_FORWARD	(MK_MSG_IO + 1)
#define MK_IO_IRQ_BALANCE	(MK_MSG_IO + 2)
#define MK_IO_IRQ_MASK		(MK_MSG_IO + 3)
#define MK_IO_IRQ_UNMASK	(MK_MSG_IO + 4)

/* Resource subtypes. */
#define MK_RES_CPU_ADD		(MK_MSG_RESOURCE + 1)
#define MK_RES_CPU_REMOVE	(MK_MSG_RESOURCE + 2)
#define MK_RES_MEM_ADD		(MK_MSG_RESOURCE + 3)
#define MK_RES_MEM_REMOVE	(MK_MSG_RESOURCE + 4)
#define MK_RES_QUERY		(MK_MSG_RESOURCE + 5)

/* System subtypes. */
#define MK_SYS_HEARTBEAT	(MK_MSG_SYSTEM + 1)
#define MK_SYS_SHUTDOWN		(MK_MSG_SYSTEM + 2)

/**
 * struct mk_io_irq_payload - MK_IO_IRQ_FORWARD
 * @irq_number: hardware IRQ number
 * @vector: interrupt vector
 * @device_id: device identifier, optional
 * @flags: MK_IRQ_*
 */
struct mk_io_irq_payload {
	u32 irq_number;
	u32 vector;
	u32 device_id;
	u32 flags;
};

#define MK_IRQ_HIGH_PRIORITY	0x01
#define MK_IRQ_LOW_LATENCY	0x02
#define MK_IRQ_EDGE_TRIGGERED	0x04
#define MK_IRQ_LEVEL_TRIGGERED	0x08

/**
 * struct mk_cpu_resource_payload - MK_RES_CPU_ADD, MK_RES_CPU_REMOVE
 * @cpu_id: physical CPU ID
 * @numa_node: NUMA node, optional
 * @flags: MK_CPU_*
 */
struct mk_cpu_resource_payload {
	u32 cpu_id;
	u32 numa_node;
	u32 flags;
};

#define MK_CPU_HAS_AVX512	0x01
#define MK_CPU_HAS_TSX		0x02
#define MK_CPU_HYPERTHREAD	0x04

/**
 * struct mk_mem_resource_payload - MK_RES_MEM_ADD, MK_RES_MEM_REMOVE
 * @start_pfn: first page frame
 * @nr_pages: pages
 * @numa_node: NUMA node
 * @mem_type: MK_MEM_*
 */
struct mk_mem_resource_payload {
	u64 start_pfn;
	u64 nr_pages;
	u32 numa_node;
	u32 mem_type;
};

#define MK_MEM_NORMAL		0x01
#define MK_MEM_DMA		0x02
#define MK_MEM_DMA32		0x04
#define MK_MEM_HIGHMEM		0x08

/* A request handler's answer when it sends no reply (the caller times out). */
#define MK_MSG_NO_REPLY		1

typedef void (*mk_msg_handler_t)(u32 msg_type, u32 subtype, void *payload,
				 u32 payload_len, void *ctx);
typedef int (*mk_msg_req_handler_t)(u32 msg_type, u32 subtype, void *req,
				    u32 req_len, void *resp, u32 *resp_len,
				    void *ctx);

int mk_send_message(int instance_id, u32 msg_type, u32 subtype,
		    void *payload, u32 payload_len);
int mk_register_msg_handler(u32 msg_type, mk_msg_handler_t handler, void *ctx);
int mk_unregister_msg_handler(u32 msg_type, mk_msg_handler_t handler);
int mk_register_req_handler(u32 msg_type, mk_msg_req_handler_t handler,
			    void *ctx);
int mk_unregister_req_handler(u32 msg_type, mk_msg_req_handler_t handler);
int mk_msg_call(int instance_id, u32 msg_type, u32 subtype, const void *req,
		u32 req_len, void *resp, u32 *resp_len, long timeout);
int mk_msg_instance_of(const char *link_name);

static inline int mk_send_irq_forward(int instance_id, u32 irq_number,
				      u32 vector, u32 device_id, u32 flags)
{
	struct mk_io_irq_payload p = {
		.irq_number = irq_number, .vector = vector,
		.device_id = device_id, .flags = flags,
	};

	return mk_send_message(instance_id, MK_MSG_IO, MK_IO_IRQ_FORWARD, &p,
			       sizeof(p));
}

static inline int mk_send_cpu_add(int instance_id, u32 cpu_id, u32 numa_node,
				  u32 flags)
{
	struct mk_cpu_resource_payload p = {
		.cpu_id = cpu_id, .numa_node = numa_node, .flags = flags,
	};

	return mk_send_message(instance_id, MK_MSG_RESOURCE, MK_RES_CPU_ADD, &p,
			       sizeof(p));
}

static inline int mk_send_cpu_remove(int instance_id, u32 cpu_id)
{
	struct mk_cpu_resource_payload p = { .cpu_id = cpu_id };

	return mk_send_message(instance_id, MK_MSG_RESOURCE, MK_RES_CPU_REMOVE, &p,
			       sizeof(p));
}

static inline int mk_send_mem_add(int instance_id, u64 start_pfn, u64 nr_pages,
				  u32 numa_node, u32 mem_type)
{
	struct mk_mem_resource_payload p = {
		.start_pfn = start_pfn, .nr_pages = nr_pages,
		.numa_node = numa_node, .mem_type = mem_type,
	};

	return mk_send_message(instance_id, MK_MSG_RESOURCE, MK_RES_MEM_ADD, &p,
			       sizeof(p));
}

static inline int mk_send_mem_remove(int instance_id, u64 start_pfn,
				     u64 nr_pages)
{
	struct mk_mem_resource_payload p = {
		.start_pfn = start_pfn, .nr_pages = nr_pages,
	};

	return mk_send_message(instance_id, MK_MSG_RESOURCE, MK_RES_MEM_REMOVE, &p,
			       sizeof(p));
}

#endif /* _LINUX_MULTIKERNEL_MESSAGES_H */
