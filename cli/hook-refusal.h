/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The refusal of a blocked package by an install hook (hook-refusal.c). */
#pragma once

#include <stdbool.h>

#include "engine.h"

/* What differs between the APT hook and the dnf plugin. */
struct hook_kind {
        const char *name;               /* "APT hook", "dnf plugin": the journal message */
        const char *message_id;         /* VB_MID_APT_REFUSED, VB_MID_DNF_REFUSED */
        const char *source;             /* VENDORBAN_SOURCE: "dpkg" or "rpm" */
        const char *file_field;         /* the package file's field: "VENDORBAN_DEB", "VENDORBAN_RPM" */
        const char *action_refused;     /* VENDORBAN_ACTION in enforce mode, e.g. "apt-refused" */
        const char *action_would_refuse;/* ... in audit mode, e.g. "apt-would-refuse" */
};

/* Say that pkg (verdict block in d) is refused, or in audit mode would be:
 * one line on standard error and a journal entry. file: the .deb or .rpm,
 * may be NULL. -ENOMEM if the text could not be made (nothing said). */
int hook_refuse(const struct hook_kind *k, const struct vb_package *pkg, const struct vb_decision *d,
                const char *file, bool enforce);
