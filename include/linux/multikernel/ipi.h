/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPI messaging API of the multikernel series, kept for code written
 * against it: a thin layer over the typed messages (messages.h). Nothing is
 * overwritten or lost any more and senders wait for room; the 256-byte
 * limit of struct mk_ipi_data stays, since callbacks receive that struct.
 *
 * Callbacks now run in process context (the link's receive thread), not
 * from irq_work: they may sleep briefly.
 */
#ifndef _LINUX_MULTIKERNEL_IPI_H
#define _LINUX_MULTIKERNEL_IPI_H

#include <linux/io.h>
#include <linux/list.h>
#include <linux/types.h>

/* Largest payload of multikernel_send_ipi_data(). */
#define MK_MAX_DATA_SIZE	256

/* The type mk_send_pfn() uses. */
#define MK_PFN_IPI_TYPE		0x80000001U

/**
 * struct mk_ipi_data - what a callback receives
 * @sender_cpu: logical CPU of the sending kernel that sent it
 * @type: the type passed to multikernel_send_ipi_data()
 * @data_size: bytes in @buffer
 * @buffer: the data
 * @sender_instance: the kernel instance it came from (filled on receive;
 *	mk_receive_map_page() maps only that instance's memory)
 */
struct mk_ipi_data {
	int sender_cpu;
	unsigned int type;
	size_t data_size;
	char buffer[MK_MAX_DATA_SIZE];
	int sender_instance;
};

typedef void (*mk_ipi_callback_t)(struct mk_ipi_data *data, void *ctx);

/**
 * struct mk_ipi_handler - a registered callback (opaque to users)
 * @callback: the callback
 * @context: its context
 * @ipi_type: the type it is registered for
 * @node: in the list of handlers
 */
struct mk_ipi_handler {
	mk_ipi_callback_t callback;
	void *context;
	unsigned int ipi_type;
	struct list_head node;
};

struct mk_ipi_handler *multikernel_register_handler(mk_ipi_callback_t callback,
						    void *ctx,
						    unsigned int ipi_type);
void multikernel_unregister_handler(struct mk_ipi_handler *handler);
int multikernel_send_ipi_data(int instance_id, void *data, size_t data_size,
			      unsigned long type);
int mk_send_pfn(int instance_id, unsigned long pfn);
int mk_receive_pfn(struct mk_ipi_data *data, unsigned long *out_pfn);
void *mk_receive_map_page(struct mk_ipi_data *data);

#define mk_receive_unmap_page(p) memunmap(p)

#endif /* _LINUX_MULTIKERNEL_IPI_H */
