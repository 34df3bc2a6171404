/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may read the state: the state directory and the ledger shared
 * read-only with the auditor group; the quarantine stays root's alone. */
#pragma once

#include <sys/types.h>

/* The gid of group name. -ENOENT: no such group; -EINVAL: name empty. */
int ledger_access_group(const char *name, gid_t *ret);

/* Give state_dir to root:gid mode 0750 and the ledger db with its -wal and
 * -shm to root:gid mode 0640 (a missing -wal or -shm is fine). Call as root
 * after the ledger is open. Errors: the first failing chown/chmod's -errno. */
int ledger_access_share(const char *state_dir, const char *db, gid_t gid);
