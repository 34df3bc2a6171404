/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding and stopping the processes that run a package's binaries, judged
 * by what they run: their executable and every executable mapping (the
 * loader launching a file, a deleted file, a memfd). Owns no state: it
 * reads /proc and signals through pidfds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* One file a process runs: its executable or an executable mapping. */
struct vb_proc_file {
        const char *path;       /* as the kernel names it, " (deleted)" stripped; "/memfd:NAME" for a memfd */
        bool deleted;           /* unlinked (or a memfd) */
        bool is_exe;            /* /proc/PID/exe */
        bool is_memfd;
        int fd;                 /* open read-only on the very file (through /proc/PID/exe or map_files) */
        struct stat st;
};

/* Call cb for the executable of pid, then for each executable file
 * mapping, once per file (device and inode). With under (a host path, ""
 * or NULL for all), mappings elsewhere are skipped unopened, except
 * memfds; the executable is always passed.
 * cb returns 0 to go on, > 0 to stop (returned), < 0 for an error
 * (returned). A process that is gone or a file that cannot be opened (a
 * kernel thread, no CAP_SYS_ADMIN for map_files) is skipped: returns 0. */
int proc_foreach_exec_file(pid_t pid, const char *under, int (*cb)(const struct vb_proc_file *f, void *userdata),
                           void *userdata);

/* Every process that runs one of paths (absolute paths inside root, NULL,
 * "" or "/" = the host) as its executable or as an executable mapping:
 * by name (also once deleted), by inode (a hard link, a bind mount, a file
 * still open from an old version is not), or a memfd with the same content
 * as one of them. Our own process and pid 1 never match. On success
 * *ret_pids (free() it; NULL when none) holds *ret_n pids in /proc order. */
int proc_find_running(const char *root, const char *const *paths, size_t n, pid_t **ret_pids, size_t *ret_n);

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
