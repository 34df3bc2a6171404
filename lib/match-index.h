/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One list of patterns compiled for lookup: patterns grouped by their literal
 * prefix in a hash table, so a subject only meets the patterns whose prefix
 * it starts with (a literal pattern is its own prefix: a hash set). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum vb_match_mode {
        VB_MATCH_EQUAL,         /* the whole string (strcmp, or strcasecmp with casefold) */
        VB_MATCH_NAME,          /* glob_match_name() */
        VB_MATCH_PATH,          /* glob_match_path() */
};

struct vb_match_index;

/* Compile list (borrowed: it must outlive the index). An empty list gives
 * an index that matches nothing. */
int match_index_new(const struct vb_strv *list, enum vb_match_mode mode, bool casefold,
                    struct vb_match_index **ret);
void match_index_free(struct vb_match_index *m);

/* The indices into the list of every pattern that matches subject, in
 * ascending order, into ret[0..max). Returns how many match, which may be
 * more than max (then only the first max found are stored, not sorted). */
size_t match_index_find(const struct vb_match_index *m, const char *subject, uint32_t *ret, size_t max);

/* Does any pattern match subject? */
bool match_index_any(const struct vb_match_index *m, const char *subject);
