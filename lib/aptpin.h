/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The APT preferences file that pins banned package names away:
 * ROOT/etc/apt/preferences.d/vendorban.pref, owned by vendorban alone. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define APTPIN_DIR "/etc/apt/preferences.d"
#define APTPIN_FILE "vendorban.pref"

/* A Debian package name ([a-z0-9][a-z0-9+.-]+), or such a name with '*'
 * wildcards in it (APT takes globs in Package: lines), but not '*' alone. */
bool aptpin_name_is_valid(const char *name);

/* Write the pin file for names (sorted and deduplicated here), one stanza
 * each, "Pin-Priority: -1", with ban_info (may be NULL; control characters
 * become spaces) in each Explanation line. The file is replaced atomically
 * (temporary file, fsync, rename, fsync of the directory), mode 0644; the
 * directory is created if missing. n == 0 removes the file. Returns 1 if
 * the file was written or removed, 0 if it already had that content,
 * -EINVAL (nothing written) if a name is not valid, or another errno. */
int aptpin_write(const char *root, const char *const *names, size_t n, const char *ban_info);

/* Remove the pin file. 1 if removed, 0 if there was none. */
int aptpin_remove(const char *root);
