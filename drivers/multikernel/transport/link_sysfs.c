// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel transport: a link end's state and counters in sysfs,
 * /sys/class/mk_link/NAME/ (Documentation/ABI/testing/sysfs-class-mk_link).
 *
 * Read-only, one value per file, netdev-style: the state and identity of
 * the link in the device's directory, the counters in statistics/. The
 * counters are the ones the debugfs "stats" file shows, read the same way
 * (READ_ONCE() of what stat_add() writes), so the two never disagree. The
 * files go with device_del() in mk_link_close(); sysfs waits for the
 * readers running then, and the memory they read lives until the last
 * reference to the device is gone.
 */

#include <linux/device.h>
#include <linux/sysfs.h>

#include "link.h"

/**
 * mk_link_state_name() - the link's state, as one word
 * @link: the link
 *
 * The word of the "state" file in sysfs and of the first line of the
 * debugfs "stats".
 *
 * Return: "up" while the link is up (both sides ready, same session,
 * the peer alive), else "down".
 */
const char *mk_link_state_name(struct mk_link *link)
{
	return mk_link_is_up(link) ? "up" : "down";
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", mk_link_state_name(to_mk_link(dev)));
}
static DEVICE_ATTR_RO(state);

static ssize_t peer_instance_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", mk_link_peer_instance(to_mk_link(dev)));
}
static DEVICE_ATTR_RO(peer_instance);

static ssize_t mtu_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%zu\n", mk_link_mtu(to_mk_link(dev)));
}
static DEVICE_ATTR_RO(mtu);

static ssize_t epoch_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_mk_link(dev)->epoch));
}
static DEVICE_ATTR_RO(epoch);

static ssize_t doorbell_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mk_link(dev)->db->name);
}
static DEVICE_ATTR_RO(doorbell);

static struct attribute *mk_link_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_peer_instance.attr,
	&dev_attr_mtu.attr,
	&dev_attr_epoch.attr,
	&dev_attr_doorbell.attr,
	NULL
};

static const struct attribute_group mk_link_group = {
	.attrs = mk_link_attrs,
};

/* statistics/_NAME: the counter _FIELD of struct mk_link_stats. */
#define MK_LINK_STAT_ATTR(_name, _field)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",				\
			  READ_ONCE(to_mk_link(dev)->stats._field));	\
}									\
static DEVICE_ATTR_RO(_name)

MK_LINK_STAT_ATTR(tx_messages, tx_msgs);
MK_LINK_STAT_ATTR(rx_messages, rx_msgs);
MK_LINK_STAT_ATTR(tx_bytes, tx_bytes);
MK_LINK_STAT_ATTR(rx_bytes, rx_bytes);
MK_LINK_STAT_ATTR(tx_doorbells, tx_doorbells);
MK_LINK_STAT_ATTR(rx_doorbells, irqs);
MK_LINK_STAT_ATTR(tx_waits, tx_waits);
MK_LINK_STAT_ATTR(resets, resets);
MK_LINK_STAT_ATTR(malformed, violations);
MK_LINK_STAT_ATTR(dropped, dropped);

static struct attribute *mk_link_stat_attrs[] = {
	&dev_attr_tx_messages.attr,
	&dev_attr_rx_messages.attr,
	&dev_attr_tx_bytes.attr,
	&dev_attr_rx_bytes.attr,
	&dev_attr_tx_doorbells.attr,
	&dev_attr_rx_doorbells.attr,
	&dev_attr_tx_waits.attr,
	&dev_attr_resets.attr,
	&dev_attr_malformed.attr,
	&dev_attr_dropped.attr,
	NULL
};

static const struct attribute_group mk_link_stat_group = {
	.name = "statistics",
	.attrs = mk_link_stat_attrs,
};

/*
 * The attributes of every device of the mk_link class (its .dev_groups,
 * in link_open.c): the driver core creates them in device_add() and
 * removes them in device_del().
 */
const struct attribute_group *mk_link_groups[] = {
	&mk_link_group,
	&mk_link_stat_group,
	NULL
};
