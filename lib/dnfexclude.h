/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnf's excludepkgs for blocked rpm packages: the names vendorban adds to
 * the [main] excludepkgs of ROOT/etc/dnf/dnf.conf, and only those (the
 * admin's own names, other settings and comments stay as they are). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DNFEXCLUDE_DIR "/etc/dnf"
#define DNFEXCLUDE_FILE "dnf.conf"
/* The comment line recording what vendorban added, right above the key. */
#define DNFEXCLUDE_MARK "# vendorban-excludepkgs: "

/* An rpm package name, or one with globs (dnf takes them): no blank,
 * comma, control character or '/'; not empty, not "*" alone. */
bool dnfexclude_name_is_valid(const char *name);

/* Pure: the text of dnf.conf (len bytes, may be 0) with vendorban's
 * names set to names (sorted and deduplicated here; n == 0 takes them
 * all out again): the names recorded by the DNFEXCLUDE_MARK line are
 * taken out of [main]'s excludepkgs (or exclude) value, names added, the
 * mark rewritten above it; a missing [main] or key is added. *ret is
 * NUL-terminated. -EINVAL if a name is not valid or the text holds a NUL. */
int dnfexclude_edit(const char *text, size_t len, const char *const *names, size_t n, char **ret,
                    size_t *ret_len);

/* Apply dnfexclude_edit to ROOT/etc/dnf/dnf.conf, replaced atomically
 * (mode kept, 0644 if new). 1 if written, 0 if it already said this,
 * -ENOENT if ROOT has no /etc/dnf (no dnf: nothing to exclude from),
 * other negative errno. */
int dnfexclude_write(const char *root, const char *const *names, size_t n);
