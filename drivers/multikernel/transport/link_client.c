// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: the client and driver interface of a link end.
 */

#define pr_fmt(fmt) "mk_link: " fmt

#include <linux/module.h>

#include "link.h"

static const struct mk_link_driver *mk_link_drv;
static unsigned int mk_link_drv_users;
static DEFINE_MUTEX(mk_link_drv_lock);

/**
 * mk_link_attach_client() - become the user of a link
 * @link: the link
 * @ops: callbacks
 * @priv: passed to them
 *
 * If the link is up already, @ops->up is called before this returns.
 *
 * Context: process context.
 * Return: 0, or -EBUSY if the link has a client.
 */
int mk_link_attach_client(struct mk_link *link, const struct mk_link_ops *ops,
			  void *priv)
{
	mutex_lock(&link->client_lock);
	if (link->ops) {
		mutex_unlock(&link->client_lock);
		return -EBUSY;
	}
	link->ops = ops;
	link->priv = priv;
	/*
	 * Under the lock the thread takes around callbacks: the client hears
	 * "up" before any message, and a "down" racing with us is not lost.
	 */
	link->client_up = READ_ONCE(link->up);
	if (link->client_up && ops->up)
		ops->up(link, priv);
	mutex_unlock(&link->client_lock);
	mk_link_kick(link);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_link_attach_client);

/**
 * mk_link_detach_client() - stop using a link
 * @link: the link
 *
 * Returns when no callback of the client is running; none will start.
 * Messages that arrive without a client are consumed and dropped
 * (counted: "dropped" in the statistics).
 *
 * Context: process context.
 */
void mk_link_detach_client(struct mk_link *link)
{
	mutex_lock(&link->client_lock);
	link->ops = NULL;
	link->priv = NULL;
	link->client_up = false;
	mutex_unlock(&link->client_lock);
}
EXPORT_SYMBOL_GPL(mk_link_detach_client);

/**
 * mk_link_is_up() - whether the link is up now
 * @link: the link
 *
 * Return: true if up.
 */
bool mk_link_is_up(struct mk_link *link)
{
	return READ_ONCE(link->up);
}
EXPORT_SYMBOL_GPL(mk_link_is_up);

/**
 * mk_link_mtu() - largest message the link carries
 * @link: the link
 *
 * Return: the negotiated maximum (at least 64 KiB), or 0 while down.
 */
size_t mk_link_mtu(struct mk_link *link)
{
	return READ_ONCE(link->mtu);
}
EXPORT_SYMBOL_GPL(mk_link_mtu);

/**
 * mk_link_in_receiver() - whether the caller is the link's receive thread
 * @link: the link
 *
 * Client callbacks run there; a client must not wait in them for anything
 * only the thread can bring (room, credit from the peer).
 *
 * Return: true in the receive thread.
 */
bool mk_link_in_receiver(struct mk_link *link)
{
	return current == link->thread;
}
EXPORT_SYMBOL_GPL(mk_link_in_receiver);

/**
 * mk_link_doorbell_target() - where the peer rings this end
 * @link: the link
 *
 * The target of the CPU given to mk_link_open(), under the link's doorbell
 * backend, as this end publishes it; for a peer to pin (mk_channel=...,db=).
 *
 * Return: the target.
 */
u32 mk_link_doorbell_target(struct mk_link *link)
{
	return link->db_target;
}
EXPORT_SYMBOL_GPL(mk_link_doorbell_target);

/**
 * mk_link_rx_max() - largest message the peer may send us
 * @link: the link
 *
 * Return: the maximum of our receiving direction, fixed for the link's life.
 */
size_t mk_link_rx_max(struct mk_link *link)
{
	return link->dir_rx.max_msg;
}
EXPORT_SYMBOL_GPL(mk_link_rx_max);

/**
 * mk_link_name() - name of a link, for logs
 * @link: the link
 *
 * Return: the name.
 */
const char *mk_link_name(struct mk_link *link)
{
	return link->name;
}
EXPORT_SYMBOL_GPL(mk_link_name);

/**
 * mk_link_device() - the device of a link
 * @link: the link
 *
 * /sys/class/mk_link/NAME; what the link's driver creates goes under it.
 *
 * Return: the device.
 */
struct device *mk_link_device(struct mk_link *link)
{
	return &link->dev;
}
EXPORT_SYMBOL_GPL(mk_link_device);

/**
 * mk_link_set_drvdata() - attach the driver's data to a link
 * @link: the link
 * @data: the data
 */
void mk_link_set_drvdata(struct mk_link *link, void *data)
{
	link->drvdata = data;
}
EXPORT_SYMBOL_GPL(mk_link_set_drvdata);

/**
 * mk_link_get_drvdata() - the driver's data of a link
 * @link: the link
 *
 * Return: what mk_link_set_drvdata() set.
 */
void *mk_link_get_drvdata(struct mk_link *link)
{
	return link->drvdata;
}
EXPORT_SYMBOL_GPL(mk_link_get_drvdata);

/**
 * mk_link_set_peer_instance() - name the kernel instance at the other end
 * @link: the link
 * @instance_id: its id (0 for the host, seen from a spawned kernel)
 */
void mk_link_set_peer_instance(struct mk_link *link, int instance_id)
{
	WRITE_ONCE(link->peer_instance, instance_id);
}
EXPORT_SYMBOL_GPL(mk_link_set_peer_instance);

/**
 * mk_link_peer_instance() - the kernel instance at the other end
 * @link: the link
 *
 * Return: its id, or -1 if unknown.
 */
int mk_link_peer_instance(struct mk_link *link)
{
	return READ_ONCE(link->peer_instance);
}
EXPORT_SYMBOL_GPL(mk_link_peer_instance);

/**
 * mk_link_register_driver() - become the driver links are given to
 * @drv: the driver
 *
 * Context: process context.
 * Return: 0, or -EBUSY if another driver is registered.
 */
int mk_link_register_driver(const struct mk_link_driver *drv)
{
	int ret = 0;

	mutex_lock(&mk_link_drv_lock);
	if (mk_link_drv)
		ret = -EBUSY;
	else
		mk_link_drv = drv;
	mutex_unlock(&mk_link_drv_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_link_register_driver);

/**
 * mk_link_unregister_driver() - stop being the links' driver
 * @drv: the driver
 *
 * The links it was given keep it until they close; none is given to it
 * any more.
 */
void mk_link_unregister_driver(const struct mk_link_driver *drv)
{
	mutex_lock(&mk_link_drv_lock);
	WARN_ON(mk_link_drv_users);
	if (mk_link_drv == drv)
		mk_link_drv = NULL;
	mutex_unlock(&mk_link_drv_lock);
}
EXPORT_SYMBOL_GPL(mk_link_unregister_driver);

/**
 * mk_link_bind() - give a link to the registered driver
 * @link: the link, without a client
 *
 * Context: process context.
 * Return: 0; -ENODEV without a driver; -EBUSY if already given; the error
 * of the driver's probe.
 */
int mk_link_bind(struct mk_link *link)
{
	int ret;

	mutex_lock(&mk_link_drv_lock);
	if (!mk_link_drv) {
		ret = -ENODEV;
	} else if (link->driver) {
		ret = -EBUSY;
	} else {
		ret = mk_link_drv->probe(link);
		if (!ret) {
			link->driver = mk_link_drv;
			mk_link_drv_users++;
		}
	}
	mutex_unlock(&mk_link_drv_lock);
	if (ret)
		pr_err("%s: no %s driver (%d)\n", link->name,
		       mk_link_drv ? mk_link_drv->name : "link", ret);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_link_bind);

/* From mk_link_close(): the driver lets go of the link. */
void mk_link_unbind(struct mk_link *link)
{
	mutex_lock(&mk_link_drv_lock);
	if (link->driver) {
		link->driver->remove(link);
		link->driver = NULL;
		mk_link_drv_users--;
	}
	mutex_unlock(&mk_link_drv_lock);
}
