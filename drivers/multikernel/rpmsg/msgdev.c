// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/multikernel/msg: typed messages from userspace. The ABI is
 * <uapi/linux/multikernel/msg.h>; what it means,
 * Documentation/multikernel/userspace.rst.
 *
 * One misc device for every peer instance, mode 0600: each message's
 * header names its instance. A client of the typed messages like the
 * kernel's own users: it sends with msgchan.c (mk_msg_send(),
 * mk_msg_reply()), calls with mk_msg_call_status(), and receives through
 * the sinks of msgdev_sub.c into the queues of msgdev_queue.c.
 *
 * Everything from userspace is checked before anything is allocated or
 * sent: the header first, then the payload's length against what the
 * link to the instance carries (mk_msg_max_payload()), then it is copied
 * into a buffer of that length. Nothing is sent on any error.
 *
 * Types reserved for the kernel (below MK_MSG_USER, and
 * MK_MSG_IPI_COMPAT: its messages name page frames that the receiving
 * kernel maps) cannot be sent, called, subscribed to or answered from
 * here (-EPERM) unless the module parameter allow_reserved is set.
 */

#define pr_fmt(fmt) "mk_msgdev: " fmt

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/multikernel/messages.h>
#include <linux/multikernel/msg.h>
#include <asm/ioctls.h>

#include "mk_rpmsg.h"
#include "msgdev.h"

/* The ABI: natural alignment, no padding, one size on 32 and 64 bits. */
static_assert(sizeof(struct mk_msg_hdr) == 32);
static_assert(sizeof(struct mk_msg_sub) == 16);
static_assert(sizeof(struct mk_msg_call) == 64);
static_assert(sizeof(struct mk_msg_stats) == 24);

static bool allow_reserved;
module_param(allow_reserved, bool, 0644);
MODULE_PARM_DESC(allow_reserved,
		 "Let /dev/multikernel/msg send, call, subscribe to and answer the types reserved for the kernel (default 0)");

/* Whether userspace may not touch the messages of @type. */
static bool mk_msgdev_reserved(u32 type)
{
	if (READ_ONCE(allow_reserved))
		return false;
	return type < MK_MSG_USER || type == MK_MSG_IPI_COMPAT;
}

/* The typed messages' errors as the ABI names them. */
static int mk_msgdev_errno(int ret)
{
	switch (ret) {
	case -ENODEV:		/* no link to the instance, or it is down */
	case -ENOTCONN:
		return -EPIPE;
	default:
		return ret;
	}
}

/*
 * The largest payload of a message to (or, @incoming, from) @instance, or
 * -EPIPE if no link to it is up.
 */
static ssize_t mk_msgdev_max(int instance, bool incoming)
{
	ssize_t max = mk_msg_max_payload(instance, incoming);

	return max < 0 ? -EPIPE : max;
}

/* Files -------------------------------------------------------------------- */

static int mk_msgdev_open(struct inode *inode, struct file *file)
{
	struct mk_msgdev_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mk_msgdev_file_init(f);
	file->private_data = f;
	/* Datagrams: no file position, no pread()/pwrite(). */
	return stream_open(inode, file);
}

static int mk_msgdev_release(struct inode *inode, struct file *file)
{
	struct mk_msgdev_file *f = file->private_data;

	/* First no sink reaches it, then its queue is answered and freed. */
	mk_msgdev_unsubscribe_all(f);
	mk_msgdev_file_release(f);
	kfree(f);
	return 0;
}

static ssize_t mk_msgdev_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *pos)
{
	struct mk_msgdev_file *f = file->private_data;
	struct mk_msgdev_msg *q;
	struct mk_msg_hdr h;
	ssize_t ret;
	size_t size;

	for (;;) {
		if (mutex_lock_interruptible(&f->read_lock))
			return -ERESTARTSYS;
		q = mk_msgdev_peek(f);
		if (q)
			break;
		mutex_unlock(&f->read_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(f->wq, mk_msgdev_readable(f));
		if (ret)
			return ret;
	}
	/* Whole messages only: a short buffer leaves it queued. */
	size = sizeof(h) + q->len;
	ret = -EMSGSIZE;
	if (count < size)
		goto out;
	memset(&h, 0, sizeof(h));
	h.instance = q->instance;
	h.type = q->type;
	h.subtype = q->subtype;
	h.len = q->len;
	h.id = q->id;
	h.flags = q->flags;
	ret = -EFAULT;
	if (copy_to_user(ubuf, &h, sizeof(h)))
		goto out;
	if (q->len && copy_to_user(ubuf + sizeof(h), q->buf->data, q->len))
		goto out;
	mk_msgdev_consume(f, q);
	ret = size;
out:
	mutex_unlock(&f->read_lock);
	return ret;
}

/* A header that write() may send, or -EINVAL / -EPERM. */
static int mk_msgdev_check_hdr(const struct mk_msg_hdr *h, size_t count)
{
	if (count - sizeof(*h) != h->len)
		return -EINVAL;
	if (h->flags & ~MK_MSG_F_RESPONSE)
		return -EINVAL;
	if (h->flags & MK_MSG_F_RESPONSE) {
		/* What mk_msg_call() returns: 0 with a payload, or -errno. */
		if (!mk_msg_status_ok(h->status) || (h->status && h->len))
			return -EINVAL;
	} else if (h->id || h->status) {
		return -EINVAL;
	}
	return mk_msgdev_reserved(h->type) ? -EPERM : 0;
}

static ssize_t mk_msgdev_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *pos)
{
	struct mk_msgdev_file *f = file->private_data;
	long timeout = file->f_flags & O_NONBLOCK ? 0 : MAX_SCHEDULE_TIMEOUT;
	struct mk_msgdev_msg *held = NULL;
	void *payload = NULL;
	struct mk_msg_hdr h;
	ssize_t max;
	int ret;

	if (count < sizeof(h))
		return -EINVAL;
	if (copy_from_user(&h, ubuf, sizeof(h)))
		return -EFAULT;
	ret = mk_msgdev_check_hdr(&h, count);
	if (ret)
		return ret;
	/* Only a request this descriptor read, and only once. */
	if (h.flags & MK_MSG_F_RESPONSE) {
		held = mk_msgdev_take_held(f, &h);
		if (!held)
			return -EINVAL;
	}
	max = mk_msgdev_max(h.instance, false);
	if (max < 0)
		ret = max;
	else if (h.len > (size_t)max)
		ret = -EMSGSIZE;
	/* Bounded by the link's MTU, checked above. */
	if (!ret && h.len) {
		payload = kvmalloc(h.len, GFP_KERNEL);
		if (!payload)
			ret = -ENOMEM;
		else if (copy_from_user(payload, ubuf + sizeof(h), h.len))
			ret = -EFAULT;
	}
	if (!ret && held)
		ret = mk_msg_reply(h.instance, h.id, h.type, h.subtype, h.status,
				   payload, h.len, timeout);
	else if (!ret)
		ret = mk_msg_send(h.instance, h.type, h.subtype, payload, h.len,
				  timeout);
	ret = mk_msgdev_errno(ret);
	kvfree(payload);
	/* A link that is gone takes the request with it; else try again. */
	if (held)
		mk_msgdev_put_held(f, held, !ret || ret == -EPIPE);
	if (ret)
		return ret;
	return count;
}

static __poll_t mk_msgdev_poll(struct file *file, poll_table *wait)
{
	struct mk_msgdev_file *f = file->private_data;
	__poll_t mask;

	poll_wait(file, &f->wq, wait);
	mask = mk_msg_poll_writable(file, wait);
	if (mk_msgdev_readable(f))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* ioctl -------------------------------------------------------------------- */

static int mk_msgdev_sub(struct mk_msgdev_file *f, unsigned int cmd,
			 const void __user *arg)
{
	struct mk_msg_sub sub;

	if (copy_from_user(&sub, arg, sizeof(sub)))
		return -EFAULT;
	if ((sub.flags & ~(MK_MSG_SUB_ANY_SUBTYPE | MK_MSG_SUB_REQUESTS)) ||
	    sub.reserved)
		return -EINVAL;
	/* One that allow_reserved let in may always go. */
	if (cmd == MK_MSG_IOC_UNSUBSCRIBE)
		return mk_msgdev_unsubscribe(f, &sub);
	if (mk_msgdev_reserved(sub.type))
		return -EPERM;
	return mk_msgdev_subscribe(f, &sub);
}

static int mk_msgdev_call(struct mk_msg_call __user *ucall)
{
	void *req = NULL, *resp = NULL;
	struct mk_msg_call c;
	ssize_t max, back;
	u32 resp_len = 0;
	int status = 0;
	int ret;

	if (copy_from_user(&c, ucall, sizeof(c)))
		return -EFAULT;
	if (c.hdr.id || c.hdr.flags || c.hdr.status || c.timeout_ms < 0)
		return -EINVAL;
	if (mk_msgdev_reserved(c.hdr.type))
		return -EPERM;
	max = mk_msgdev_max(c.hdr.instance, false);
	back = mk_msgdev_max(c.hdr.instance, true);
	if (max < 0 || back < 0)
		return -EPIPE;
	if (c.hdr.len > (size_t)max)
		return -EMSGSIZE;
	if (c.hdr.len) {
		req = vmemdup_user(u64_to_user_ptr(c.req), c.hdr.len);
		if (IS_ERR(req))
			return PTR_ERR(req);
	}
	/* No response is longer than what the link carries back. */
	resp_len = min_t(size_t, c.resp_size, back);
	if (resp_len) {
		resp = kvmalloc(resp_len, GFP_KERNEL);
		ret = -ENOMEM;
		if (!resp)
			goto out;
	}
	ret = mk_msg_call_status(c.hdr.instance, c.hdr.type, c.hdr.subtype, req,
				 c.hdr.len, resp, &resp_len,
				 msecs_to_jiffies(c.timeout_ms), true, &status);
	ret = mk_msgdev_errno(ret);
	/* -EMSGSIZE: resp_len says how long the response was. */
	if (ret && ret != -EMSGSIZE)
		goto out;
	if (!ret && resp_len &&
	    copy_to_user(u64_to_user_ptr(c.resp), resp, resp_len)) {
		ret = -EFAULT;
		goto out;
	}
	if (put_user(resp_len, &ucall->resp_len) ||
	    (!ret && put_user(status, &ucall->status)))
		ret = -EFAULT;
out:
	kvfree(resp);
	kvfree(req);
	return ret;
}

static long mk_msgdev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct mk_msgdev_file *f = file->private_data;
	void __user *argp = (void __user *)arg;
	struct mk_msg_stats st;

	switch (cmd) {
	case MK_MSG_IOC_SUBSCRIBE:
	case MK_MSG_IOC_UNSUBSCRIBE:
		return mk_msgdev_sub(f, cmd, argp);
	case MK_MSG_IOC_CALL:
		return mk_msgdev_call(argp);
	case MK_MSG_IOC_STATS:
		mk_msgdev_stats(f, &st);
		return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
	case FIONREAD:
		return put_user((int)mk_msgdev_next_size(f), (int __user *)argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mk_msgdev_fops = {
	.owner = THIS_MODULE,
	.open = mk_msgdev_open,
	.release = mk_msgdev_release,
	.read = mk_msgdev_read,
	.write = mk_msgdev_write,
	.poll = mk_msgdev_poll,
	.unlocked_ioctl = mk_msgdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice mk_msgdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mk_msg",
	.nodename = "multikernel/msg",
	.mode = 0600,
	.fops = &mk_msgdev_fops,
};

/**
 * mk_msgdev_init() - register /dev/multikernel/msg
 *
 * Built in (the module is never unloaded): never unregistered.
 *
 * Context: process context (module init).
 * Without it the kernel's users of the typed messages still work: a
 * failure is only logged.
 */
void mk_msgdev_init(void)
{
	int ret = misc_register(&mk_msgdev);

	if (ret)
		pr_err("cannot register /dev/multikernel/msg: %d\n", ret);
}
