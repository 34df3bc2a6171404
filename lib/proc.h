/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding and stopping the processes that run a package's binaries. Owns no
 * state: it reads /proc and signals through pidfds. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Every process whose executable (/proc/PID/exe, with a " (deleted)" suffix
 * stripped) is one of paths. paths are absolute paths inside root (the
 * package's file list); a process counts only if its executable lies under
 * root (NULL, "" or "/" = the host). Our own process and pid 1 never match.
 * Processes that vanish or whose exe cannot be read (kernel threads) are
 * skipped. On success *ret_pids (free() it; NULL when none) holds *ret_n
 * pids in /proc order. */
int proc_find_by_exe(const char *root, const char *const *paths, size_t n, pid_t **ret_pids, size_t *ret_n);

/* Stop pids: open a pidfd for each first (a pid that is gone by then is
 * skipped, so a recycled pid is never signalled), send SIGTERM, wait up to
 * grace_ms for them to exit, SIGKILL the survivors and wait up to one more
 * second. Every pid is tried; *ret_killed (may be NULL) counts the processes
 * that exited after we opened them. Returns 0, -EINVAL for pid <= 1 or our
 * own pid (nothing is signalled then), -ETIMEDOUT if some process outlived
 * SIGKILL, or the first other error met (e.g. -EPERM). */
int proc_stop(const pid_t *pids, size_t n, unsigned grace_ms, size_t *ret_killed);
