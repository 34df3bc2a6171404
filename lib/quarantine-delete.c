/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deleting quarantined copies for good: one by id (vendorbanctl quarantine
 * delete) or all older than the retention. The ledger row stays, 'deleted'. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine-internal.h"
#include "store.h"
#include "util.h"

struct qd_row {
        bool found;
        char *state, *stored_name;
        int64_t moved_usec;
};

static int qd_row_fill(const struct vb_quarantine_entry *e, void *userdata) {
        struct qd_row *row = userdata;

        row->found = true;
        row->state = strdup(e->state ?: "");
        row->stored_name = strdup(e->stored_name ?: "");
        row->moved_usec = e->moved_usec;
        return row->state && row->stored_name ? 0 : -ENOMEM;
}

static void qd_row_clear(struct qd_row *row) {
        free(row->state);
        free(row->stored_name);
}

int quarantine_delete(struct vb_store *s, const char *root, const char *qdir, int64_t id, int64_t now_usec) {
        _cleanup_(qd_row_clear) struct qd_row row = {};
        _cleanup_close_ int dfd = -EBADF;
        size_t others = 0;
        int r;

        r = store_quarantine_get(s, id, qd_row_fill, &row);
        if (r < 0)
                return r;
        if (strcmp(row.state, "quarantined") != 0)
                return store_action_failf(s, -EINVAL, "quarantine entry %lld is %s, not quarantined: nothing to "
                                          "delete", (long long) id, row.state);
        r = qr_open_qdir(s, root, qdir, &dfd);
        if (r < 0)
                return r;
        /* The ledger first: a crash after this leaves a stray copy, never a
         * 'quarantined' row without its file. */
        r = qr_set_state(s, id, "deleted", NULL, now_usec);
        if (r < 0)
                return r;
        r = store_quarantine_count_stored(s, row.stored_name, id, &others);
        if (r < 0)
                return r;
        if (others > 0)
                return 0;       /* the same content is held for another entry */
        if (unlinkat(dfd, row.stored_name, 0) < 0 && errno != ENOENT)
                return store_action_failf(s, -errno, "cannot remove %s/%s: %m", qdir, row.stored_name);
        return qr_fsync_dir(s, dfd, qdir);
}

struct qd_expired {
        int64_t cutoff;
        int64_t *ids;
        size_t n;
};

static int qd_collect(const struct vb_quarantine_entry *e, void *userdata) {
        struct qd_expired *x = userdata;

        if (e->moved_usec == 0 || e->moved_usec >= x->cutoff)
                return 0;
        int64_t *m = realloc(x->ids, (x->n + 1) * sizeof *x->ids);
        if (!m)
                return -ENOMEM;
        x->ids = m;
        x->ids[x->n++] = e->id;
        return 0;
}

int quarantine_expire(struct vb_store *s, const char *root, const char *qdir, int64_t retention_sec,
                      int64_t now_usec, size_t *ret_n) {
        struct qd_expired x = { .cutoff = now_usec - retention_sec * 1000000 };
        size_t done = 0;
        int r, first = 0;

        if (ret_n)
                *ret_n = 0;
        if (retention_sec <= 0)
                return 0;
        r = store_quarantine_foreach(s, "quarantined", qd_collect, &x);
        for (size_t i = 0; r >= 0 && i < x.n; i++) {
                int k = quarantine_delete(s, root, qdir, x.ids[i], now_usec);
                if (k < 0 && first == 0)
                        first = k;      /* go on with the others */
                else if (k >= 0)
                        done++;
        }
        free(x.ids);
        if (ret_n)
                *ret_n = done;
        return r < 0 ? r : first;
}
