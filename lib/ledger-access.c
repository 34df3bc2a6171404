/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may read the state: the state directory (0750) and the ledger with its
 * WAL files (0640) belong to root and the auditor group; nothing else here. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger-access.h"
#include "util.h"

int ledger_access_group(const char *name, gid_t *ret) {
        struct group gr, *res = NULL;
        char buf[4096];
        int r;

        if (!name || !*name)
                return -EINVAL;
        r = getgrnam_r(name, &gr, buf, sizeof buf, &res);
        if (r != 0)
                return -r;
        if (!res)
                return -ENOENT;
        *ret = res->gr_gid;
        return 0;
}

/* path's file to group gid and mode; a symlink is refused by O_NOFOLLOW.
 * Through an O_PATH descriptor only: closing a real descriptor of the
 * ledger or its -shm would drop every POSIX lock SQLite holds on it in
 * this process (the -shm's "dead man switch" among them), and the next
 * connection would then truncate a -shm that is mapped here (SIGBUS). */
static int share_one(const char *path, bool dir, mode_t mode, gid_t gid, bool may_miss) {
        _cleanup_close_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
        char proc[64];
        struct stat st;

        if (fd < 0)
                return may_miss && errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
                return -EBADFD;
        if (st.st_gid != gid && fchownat(fd, "", (uid_t) -1, gid, AT_EMPTY_PATH) < 0)
                return -errno;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        if ((st.st_mode & 07777) != mode && chmod(proc, mode) < 0)
                return -errno;
        return 0;
}

int ledger_access_share(const char *state_dir, const char *db, gid_t gid) {
        static const char *const suffixes[] = { "", "-wal", "-shm" };
        int r;

        r = share_one(state_dir, true, 0750, gid, false);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s%s", db, suffixes[i]) < 0)
                        return -ENOMEM;
                r = share_one(p, false, 0640, gid, i > 0);
                if (r < 0)
                        return r;
        }
        return 0;
}
