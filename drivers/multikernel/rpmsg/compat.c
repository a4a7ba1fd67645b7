// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seeds' IPI API (<linux/multikernel/ipi.h>) on top of the typed
 * messages: multikernel_send_ipi_data() sends a message of type
 * MK_MSG_IPI_COMPAT whose subtype is the IPI type; one typed-message
 * handler hands each to the callbacks registered for that type.
 *
 * Unregistering a handler that is not registered is refused and logged,
 * and frees nothing. mk_receive_map_page() maps only a page of the memory
 * the sending instance owns, as the link it came over says: never a frame
 * of this kernel's own memory, nor of a third instance's.
 */

#define pr_fmt(fmt) "mk_ipi: " fmt

#include <linux/init.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/pfn.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/multikernel/ipi.h>
#include <linux/multikernel/messages.h>
#include <linux/multikernel/transport.h>

#include "mk_rpmsg.h"

/* On the wire: the sender's CPU, then the data. */
struct mk_ipi_wire {
	__le32 sender_cpu;
	u8 data[];
};

static LIST_HEAD(mk_ipi_handlers);
static DECLARE_RWSEM(mk_ipi_sem);

/**
 * multikernel_register_handler() - receive the IPI data of a type
 * @callback: called with each message of @ipi_type
 * @ctx: passed to @callback
 * @ipi_type: the type
 *
 * Context: process context.
 * Return: the handler, or NULL without @callback or memory.
 */
struct mk_ipi_handler *multikernel_register_handler(mk_ipi_callback_t callback,
						    void *ctx,
						    unsigned int ipi_type)
{
	struct mk_ipi_handler *h;

	if (!callback)
		return NULL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return NULL;
	h->callback = callback;
	h->context = ctx;
	h->ipi_type = ipi_type;
	down_write(&mk_ipi_sem);
	list_add_tail(&h->node, &mk_ipi_handlers);
	up_write(&mk_ipi_sem);
	return h;
}
EXPORT_SYMBOL_GPL(multikernel_register_handler);

/**
 * multikernel_unregister_handler() - stop a callback
 * @handler: from multikernel_register_handler()
 *
 * Returns when the callback is not running and will not run again. A
 * handler that is not registered is left alone (and logged).
 *
 * Context: process context; not from the callback itself.
 */
void multikernel_unregister_handler(struct mk_ipi_handler *handler)
{
	struct mk_ipi_handler *h, *found = NULL;

	if (!handler)
		return;
	down_write(&mk_ipi_sem);
	list_for_each_entry(h, &mk_ipi_handlers, node) {
		if (h == handler) {
			list_del(&h->node);
			found = h;
			break;
		}
	}
	up_write(&mk_ipi_sem);
	if (!found) {
		pr_warn("unregister of a handler that is not registered\n");
		return;
	}
	kfree(found);
}
EXPORT_SYMBOL_GPL(multikernel_unregister_handler);

/**
 * multikernel_send_ipi_data() - send data to another kernel instance
 * @instance_id: the instance
 * @data: the data
 * @data_size: its size, at most %MK_MAX_DATA_SIZE
 * @type: the type its callbacks are registered for
 *
 * Queued in order on the instance's channel; waits for room, never
 * overwrites.
 *
 * Context: process context.
 * Return: 0; -EINVAL; -EMSGSIZE above %MK_MAX_DATA_SIZE; the errors of
 * mk_send_message().
 */
int multikernel_send_ipi_data(int instance_id, void *data, size_t data_size,
			      unsigned long type)
{
	struct mk_ipi_wire *w;
	int ret;

	if ((data_size && !data) || type > U32_MAX)
		return -EINVAL;
	if (data_size > MK_MAX_DATA_SIZE)
		return -EMSGSIZE;
	w = kmalloc(sizeof(*w) + data_size, GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->sender_cpu = cpu_to_le32(raw_smp_processor_id());
	memcpy(w->data, data, data_size);
	ret = mk_send_message(instance_id, MK_MSG_IPI_COMPAT, type, w,
			      sizeof(*w) + data_size);
	kfree(w);
	return ret;
}
EXPORT_SYMBOL_GPL(multikernel_send_ipi_data);

static void mk_ipi_rx(u32 msg_type, u32 subtype, void *payload, u32 len,
		      void *ctx)
{
	struct mk_ipi_data *d;
	struct mk_ipi_wire w;
	struct mk_ipi_handler *h;

	if (len < sizeof(w) || len - sizeof(w) > MK_MAX_DATA_SIZE) {
		pr_warn_ratelimited("IPI data of %u bytes dropped\n", len);
		return;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return;
	memcpy(&w, payload, sizeof(w));
	d->sender_cpu = le32_to_cpu(w.sender_cpu);
	d->sender_instance = mk_msg_sender_instance();
	d->type = subtype;
	d->data_size = len - sizeof(w);
	memcpy(d->buffer, payload + sizeof(w), d->data_size);
	down_read(&mk_ipi_sem);
	list_for_each_entry(h, &mk_ipi_handlers, node)
		if (h->ipi_type == subtype)
			h->callback(d, h->context);
	up_read(&mk_ipi_sem);
	kfree(d);
}

/**
 * mk_send_pfn() - send a page frame number to another kernel instance
 * @instance_id: the instance
 * @pfn: the page frame
 *
 * Return: as multikernel_send_ipi_data().
 */
int mk_send_pfn(int instance_id, unsigned long pfn)
{
	return multikernel_send_ipi_data(instance_id, &pfn, sizeof(pfn),
					 MK_PFN_IPI_TYPE);
}
EXPORT_SYMBOL_GPL(mk_send_pfn);

/**
 * mk_receive_pfn() - the page frame number a message carries
 * @data: received by a callback
 * @out_pfn: the frame
 *
 * Return: 0, or -EINVAL if @data is not from mk_send_pfn().
 */
int mk_receive_pfn(struct mk_ipi_data *data, unsigned long *out_pfn)
{
	if (!data || !out_pfn || data->type != MK_PFN_IPI_TYPE ||
	    data->data_size != sizeof(unsigned long))
		return -EINVAL;
	memcpy(out_pfn, data->buffer, sizeof(*out_pfn));
	return 0;
}
EXPORT_SYMBOL_GPL(mk_receive_pfn);

/**
 * mk_receive_map_page() - map the page a message names
 * @data: received by a callback, from mk_send_pfn()
 *
 * Only a page of the sender's own memory is mapped (its instance pool, or
 * on a spawned kernel the channel's region, as the link to it says): the
 * peer must make this kernel map neither its own memory nor a third
 * kernel's.
 *
 * Return: the mapping (undo with mk_receive_unmap_page()), or NULL.
 */
void *mk_receive_map_page(struct mk_ipi_data *data)
{
	struct mk_link *link;
	unsigned long pfn;
	phys_addr_t pa;
	bool ok;

	if (mk_receive_pfn(data, &pfn) || pfn > PHYS_PFN(~(phys_addr_t)0))
		return NULL;
	pa = PFN_PHYS(pfn);
	link = mk_msg_link_get(data->sender_instance);
	ok = link && mk_link_peer_owns(link, pa, PAGE_SIZE);
	mk_link_put(link);
	if (!ok) {
		pr_warn_ratelimited("refused to map frame %#lx: not memory of instance %d\n",
				    pfn, data->sender_instance);
		return NULL;
	}
	return memremap(pa, PAGE_SIZE, MEMREMAP_WB);
}
EXPORT_SYMBOL_GPL(mk_receive_map_page);

static int __init mk_ipi_init(void)
{
	return mk_register_msg_handler(MK_MSG_IPI_COMPAT, mk_ipi_rx, NULL);
}
late_initcall(mk_ipi_init);
