// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test controls for the typed messages and the seeds' IPI API, for the
 * scripts of a test VM: /sys/kernel/debug/multikernel/messages. Write one
 * command, then read its result from the same open file (each write
 * rewinds the file; every open has its own result):
 *
 *   call INSTANCE SUBTYPE TEXT	mk_msg_call() of MK_MSGTEST_TYPE, 10 s
 *				-> "status N\nresponse TEXT\n"
 *   calltype INSTANCE TYPE SUBTYPE TEXT
 *				the same of any type (TYPE a u32), for
 *				requests that userspace answers
 *   send INSTANCE SUBTYPE TEXT	mk_send_message() of MK_MSGTEST_TYPE
 *				-> "status N\n"
 *   ipi INSTANCE TEXT		multikernel_send_ipi_data() of
 *				MK_MSGTEST_IPI_TYPE -> "status N\n"
 *   last			what this kernel received last
 *				-> "msg_count N\nmsg_subtype S\nmsg TEXT\n"
 *				   "ipi_count M\nipi TEXT\n"
 *
 * INSTANCE is the peer as messages.c knows it (from a spawned kernel, the
 * host is 0; from the host, instance 1 is 1); SUBTYPE is a u32. TEXT is the
 * rest of the write after the single space that follows the last number,
 * spaces included, possibly empty, one trailing newline dropped; it ends at
 * a NUL byte. Numbers written are C literals (decimal, 0x..), numbers read
 * are decimal. A status is the function's return value, 0 or -errno; a
 * response, the reply's payload (none unless the status is 0); the counts,
 * how many were received since boot. A malformed command fails the write
 * with -EINVAL and a logged reason, and leaves no result to read.
 *
 * Every kernel built with this answers the requests of MK_MSGTEST_TYPE
 * with their payload prefixed by "echo:" (cut to the room the response
 * has), and keeps the first 256 bytes of the last message of
 * MK_MSGTEST_TYPE and of the last IPI data of MK_MSGTEST_IPI_TYPE it got.
 *
 * For tests only: root can make this kernel send anything to its peers.
 * Built into the kernel only (the rpmsg layer cannot be a module), so
 * nothing is ever unregistered.
 */

#define pr_fmt(fmt) "mk_msgtest: " fmt

#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/multikernel/ipi.h>
#include <linux/multikernel/messages.h>

/*
 * The test's message type. messages.h reserves no range for tests: this
 * is near the end of the user block, away from the types the mk_messages
 * KUnit suite uses in the same kernel (MK_MSG_USER to MK_MSG_USER + 7).
 */
#define MK_MSGTEST_TYPE		(MK_MSG_USER + 0xf00)
/*
 * The test's IPI type (IPI types are subtypes of MK_MSG_IPI_COMPAT, their
 * own space): not the KUnit suite's 42 and 43 nor MK_PFN_IPI_TYPE.
 */
#define MK_MSGTEST_IPI_TYPE	0x4f00U

#define MK_MSGTEST_ECHO		"echo:"
#define MK_MSGTEST_TIMEOUT	(10 * HZ)
/* Longest command a write may carry, newline included. */
#define MK_MSGTEST_CMD_MAX	4096
/* Room for the response of a call: an echo of the longest command. */
#define MK_MSGTEST_RESP_MAX	(MK_MSGTEST_CMD_MAX + 64)
/* A result: a response and its two labels, or the "last" report. */
#define MK_MSGTEST_OUT_MAX	(MK_MSGTEST_RESP_MAX + 64)
/* Bytes kept of a received payload. */
#define MK_MSGTEST_KEEP		256

/**
 * struct mk_msgtest_last - what was received last
 * @count: messages received so far
 * @subtype: the last one's subtype (its IPI type for IPI data)
 * @len: bytes in @data
 * @data: the first bytes of its payload
 */
struct mk_msgtest_last {
	unsigned int count;
	u32 subtype;
	u32 len;
	char data[MK_MSGTEST_KEEP];
};

/*
 * Handlers run in the link's receive thread and the "last" command in the
 * writer's: process context on both sides, nothing from interrupts, and
 * only short copies under the lock.
 */
static DEFINE_SPINLOCK(mk_msgtest_lock);	/* mk_msgtest_got_msg, mk_msgtest_got_ipi */
static struct mk_msgtest_last mk_msgtest_got_msg;
static struct mk_msgtest_last mk_msgtest_got_ipi;

/**
 * struct mk_msgtest_file - one open of the control file
 * @lock: protects @len and @out
 * @len: bytes in @out
 * @out: the result of the last command written through this open file
 */
struct mk_msgtest_file {
	struct mutex lock;	/* len, out */
	size_t len;
	char out[MK_MSGTEST_OUT_MAX];
};

/* Receiving ----------------------------------------------------------------- */

static void mk_msgtest_record(struct mk_msgtest_last *last, u32 subtype,
			      const void *data, size_t len)
{
	size_t keep = min_t(size_t, len, sizeof(last->data));

	spin_lock(&mk_msgtest_lock);
	last->count++;
	last->subtype = subtype;
	last->len = keep;
	if (keep)
		memcpy(last->data, data, keep);
	spin_unlock(&mk_msgtest_lock);
}

static void mk_msgtest_msg_rx(u32 msg_type, u32 subtype, void *payload,
			      u32 payload_len, void *ctx)
{
	mk_msgtest_record(&mk_msgtest_got_msg, subtype, payload, payload_len);
}

static void mk_msgtest_ipi_rx(struct mk_ipi_data *data, void *ctx)
{
	mk_msgtest_record(&mk_msgtest_got_ipi, data->type, data->buffer,
			  min_t(size_t, data->data_size, sizeof(data->buffer)));
}

/* The response: "echo:" and as much of the request as fits after it. */
static int mk_msgtest_echo(u32 msg_type, u32 subtype, void *req, u32 req_len,
			   void *resp, u32 *resp_len, void *ctx)
{
	const u32 prefix = sizeof(MK_MSGTEST_ECHO) - 1;
	u32 n;

	if (!resp || *resp_len < prefix)
		return -EMSGSIZE;
	if (req_len && !req)
		return -EINVAL;
	n = min(req_len, *resp_len - prefix);
	memcpy(resp, MK_MSGTEST_ECHO, prefix);
	if (n)
		memcpy((u8 *)resp + prefix, req, n);
	*resp_len = prefix + n;
	return 0;
}

/* Commands ------------------------------------------------------------------ */

/* The next space-separated argument of *@p, or NULL if there is none. */
static char *mk_msgtest_arg(char **p)
{
	char *arg;

	if (!*p)
		return NULL;
	*p = skip_spaces(*p);
	arg = strsep(p, " ");
	return *arg ? arg : NULL;
}

/* The next argument of *@p as a u32, named @what in the log. */
static int mk_msgtest_parse_u32(const char *cmd, const char *what, char **p,
				u32 *val)
{
	char *arg = mk_msgtest_arg(p);

	if (!arg || kstrtou32(arg, 0, val)) {
		pr_err_ratelimited("%s: %s missing or not a u32\n", cmd, what);
		return -EINVAL;
	}
	return 0;
}

/* INSTANCE, and SUBTYPE unless @subtype is NULL; what is left is TEXT. */
static int mk_msgtest_parse(const char *cmd, char **p, int *instance,
			    u32 *subtype)
{
	char *arg = mk_msgtest_arg(p);

	if (!arg || kstrtoint(arg, 0, instance)) {
		pr_err_ratelimited("%s: INSTANCE missing or not an integer\n", cmd);
		return -EINVAL;
	}
	if (!subtype)
		return 0;
	return mk_msgtest_parse_u32(cmd, "SUBTYPE", p, subtype);
}

static void mk_msgtest_status(struct mk_msgtest_file *mf, int status)
{
	mutex_lock(&mf->lock);
	mf->len = scnprintf(mf->out, sizeof(mf->out), "status %d\n", status);
	mutex_unlock(&mf->lock);
}

static int mk_msgtest_cmd_call(struct mk_msgtest_file *mf, char *args,
			       bool typed)
{
	u32 type = MK_MSGTEST_TYPE, subtype, len = MK_MSGTEST_RESP_MAX;
	const char *cmd = typed ? "calltype" : "call";
	int instance, status;
	char *text, *resp;

	if (mk_msgtest_parse(cmd, &args, &instance, typed ? NULL : &subtype))
		return -EINVAL;
	if (typed && (mk_msgtest_parse_u32(cmd, "TYPE", &args, &type) ||
		      mk_msgtest_parse_u32(cmd, "SUBTYPE", &args, &subtype)))
		return -EINVAL;
	text = args ? args : "";
	resp = kvmalloc(MK_MSGTEST_RESP_MAX, GFP_KERNEL);
	if (!resp)
		return -ENOMEM;
	status = mk_msg_call(instance, type, subtype, text, strlen(text), resp,
			     &len, MK_MSGTEST_TIMEOUT);
	if (status || len > MK_MSGTEST_RESP_MAX)
		len = 0;
	mutex_lock(&mf->lock);
	mf->len = scnprintf(mf->out, sizeof(mf->out),
			    "status %d\nresponse %.*s\n", status, (int)len, resp);
	mutex_unlock(&mf->lock);
	kvfree(resp);
	return 0;
}

static int mk_msgtest_cmd_send(struct mk_msgtest_file *mf, char *args)
{
	int instance;
	u32 subtype;
	char *text;

	if (mk_msgtest_parse("send", &args, &instance, &subtype))
		return -EINVAL;
	text = args ? args : "";
	mk_msgtest_status(mf, mk_send_message(instance, MK_MSGTEST_TYPE, subtype,
					      text, strlen(text)));
	return 0;
}

static int mk_msgtest_cmd_ipi(struct mk_msgtest_file *mf, char *args)
{
	int instance;
	char *text;

	if (mk_msgtest_parse("ipi", &args, &instance, NULL))
		return -EINVAL;
	text = args ? args : "";
	mk_msgtest_status(mf, multikernel_send_ipi_data(instance, text, strlen(text),
							MK_MSGTEST_IPI_TYPE));
	return 0;
}

static int mk_msgtest_cmd_last(struct mk_msgtest_file *mf, char *args)
{
	if (args && *skip_spaces(args)) {
		pr_err_ratelimited("last: takes no arguments\n");
		return -EINVAL;
	}
	mutex_lock(&mf->lock);
	spin_lock(&mk_msgtest_lock);
	mf->len = scnprintf(mf->out, sizeof(mf->out),
			    "msg_count %u\nmsg_subtype %u\nmsg %.*s\n"
			    "ipi_count %u\nipi %.*s\n",
			    mk_msgtest_got_msg.count, mk_msgtest_got_msg.subtype,
			    (int)mk_msgtest_got_msg.len, mk_msgtest_got_msg.data,
			    mk_msgtest_got_ipi.count,
			    (int)mk_msgtest_got_ipi.len, mk_msgtest_got_ipi.data);
	spin_unlock(&mk_msgtest_lock);
	mutex_unlock(&mf->lock);
	return 0;
}

/* debugfs ------------------------------------------------------------------- */

static int mk_msgtest_open(struct inode *inode, struct file *f)
{
	struct mk_msgtest_file *mf = kvzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	mutex_init(&mf->lock);
	f->private_data = mf;
	return 0;
}

static int mk_msgtest_release(struct inode *inode, struct file *f)
{
	struct mk_msgtest_file *mf = f->private_data;

	mutex_destroy(&mf->lock);
	kvfree(mf);
	return 0;
}

static ssize_t mk_msgtest_read(struct file *f, char __user *ubuf, size_t n,
			       loff_t *pos)
{
	struct mk_msgtest_file *mf = f->private_data;
	ssize_t ret;

	mutex_lock(&mf->lock);
	ret = simple_read_from_buffer(ubuf, n, pos, mf->out, mf->len);
	mutex_unlock(&mf->lock);
	return ret;
}

static ssize_t mk_msgtest_write(struct file *f, const char __user *ubuf,
				size_t n, loff_t *pos)
{
	struct mk_msgtest_file *mf = f->private_data;
	char *buf, *p, *cmd;
	size_t len;
	int ret;

	if (!n || n > MK_MSGTEST_CMD_MAX) {
		pr_err_ratelimited("a command is 1 to %d bytes, not %zu\n",
				   MK_MSGTEST_CMD_MAX, n);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, n);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	p = buf;
	cmd = strsep(&p, " ");
	if (!strcmp(cmd, "call")) {
		ret = mk_msgtest_cmd_call(mf, p, false);
	} else if (!strcmp(cmd, "calltype")) {
		ret = mk_msgtest_cmd_call(mf, p, true);
	} else if (!strcmp(cmd, "send")) {
		ret = mk_msgtest_cmd_send(mf, p);
	} else if (!strcmp(cmd, "ipi")) {
		ret = mk_msgtest_cmd_ipi(mf, p);
	} else if (!strcmp(cmd, "last")) {
		ret = mk_msgtest_cmd_last(mf, p);
	} else {
		pr_err_ratelimited("unknown command '%.16s' (call, calltype, send, ipi, last)\n",
				   cmd);
		ret = -EINVAL;
	}
	kfree(buf);
	/* The result is read from its beginning; a failed command has none. */
	*pos = 0;
	if (ret) {
		mutex_lock(&mf->lock);
		mf->len = 0;
		mutex_unlock(&mf->lock);
		return ret;
	}
	return n;
}

static const struct file_operations mk_msgtest_fops = {
	.owner = THIS_MODULE,
	.open = mk_msgtest_open,
	.release = mk_msgtest_release,
	.read = mk_msgtest_read,
	.write = mk_msgtest_write,
	.llseek = default_llseek,
};

/*
 * The handler lists of messages.c and compat.c are static, so registering
 * needs no other initcall first; the transport's late_initcall, linked
 * before this directory, has made the debugfs directory already.
 */
static int __init mk_msgtest_init(void)
{
	struct mk_ipi_handler *ipi;
	struct dentry *dir;
	int ret;

	ret = mk_register_req_handler(MK_MSGTEST_TYPE, mk_msgtest_echo, NULL);
	if (ret)
		goto err;
	ret = mk_register_msg_handler(MK_MSGTEST_TYPE, mk_msgtest_msg_rx, NULL);
	if (ret)
		goto err_req;
	ipi = multikernel_register_handler(mk_msgtest_ipi_rx, NULL,
					   MK_MSGTEST_IPI_TYPE);
	if (!ipi) {
		ret = -ENOMEM;
		goto err_msg;
	}
	dir = debugfs_lookup("multikernel", NULL);
	if (dir)
		dput(dir);	/* lives as long as debugfs */
	else
		dir = debugfs_create_dir("multikernel", NULL);
	debugfs_create_file("messages", 0600, dir, NULL, &mk_msgtest_fops);
	pr_info("test controls in debugfs multikernel/messages (type %#x, IPI type %#x)\n",
		MK_MSGTEST_TYPE, MK_MSGTEST_IPI_TYPE);
	return 0;

err_msg:
	mk_unregister_msg_handler(MK_MSGTEST_TYPE, mk_msgtest_msg_rx);
err_req:
	mk_unregister_req_handler(MK_MSGTEST_TYPE, mk_msgtest_echo);
err:
	pr_err("cannot register the test handlers: %d\n", ret);
	return ret;
}
late_initcall(mk_msgtest_init);
