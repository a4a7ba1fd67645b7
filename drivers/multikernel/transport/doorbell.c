// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which doorbell backend a link uses when its opener names none.
 */

#define pr_fmt(fmt) "mk_transport: " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "doorbell.h"

static char *doorbell = "";
module_param(doorbell, charp, 0444);
MODULE_PARM_DESC(doorbell,
		 "Doorbell backend of the links this kernel opens: ipi (the default where built) or poll");

/**
 * mk_doorbell_default() - this kernel's doorbell backend
 *
 * The one the "doorbell" parameter names; without it the IPI doorbell
 * where it is built, else polling. The kernel at the other end of a
 * channel must use the same.
 *
 * Return: the backend, or NULL (logged) if the parameter names none.
 */
const struct mk_doorbell_ops *mk_doorbell_default(void)
{
	const char *want = READ_ONCE(doorbell) ?: "";

#ifdef CONFIG_MULTIKERNEL_DOORBELL_IPI
	if (!*want || !strcmp(want, mk_doorbell_ipi.name))
		return &mk_doorbell_ipi;
#endif
	if (!*want || !strcmp(want, mk_doorbell_poll.name))
		return &mk_doorbell_poll;
	pr_err_once("unknown doorbell backend '%s': no link can open\n", want);
	return NULL;
}
EXPORT_SYMBOL_GPL(mk_doorbell_default);
