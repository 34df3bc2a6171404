/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reader for the dpkg database: status, the pending journal in updates/,
 * and info/PKG[:ARCH].list. Input is untrusted: bad or truncated content is
 * an error naming the file and line, never a crash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

struct vb_dpkg_package {
        char *name;
        char *arch;                     /* may be NULL (rare: very old entries) */
        char *version;                  /* may be NULL for not-installed entries */
        char *maintainer;               /* may be NULL */
        char *original_maintainer;      /* may be NULL */
        char *vendor;                   /* "Vendor:" field if present, else NULL */
        char *status;                   /* "install ok installed" */
        bool multi_arch_same;           /* Multi-Arch: same -> info file is NAME:ARCH.list */
        bool damaged;                   /* the stanza had an error (reported in diag): only the
                                         * fields that were well formed are set; judge it anyway */
};

struct vb_dpkg_db {
        struct vb_dpkg_package *pkgs;
        size_t n;
};

/* Read ADMINDIR/status, then apply every ADMINDIR/updates/NNNN file in
 * numeric order (a later stanza replaces the earlier one for the same
 * name and arch; no arch equals ""). Names in updates/ that are not all
 * digits (tmp.i) are ignored. admindir is a host path (root already applied).
 * One bad record never hides the rest: a bad stanza (in status or updates/)
 * is reported in diag and kept as damaged if it names a package; an
 * unreadable updates/ file is reported and skipped. The result is then 0
 * with the rest of the database, so the caller must look at diag.
 * -ENOENT (with diag) without status; -EAGAIN if an updates/ file vanished
 * while reading (dpkg checkpointed it into status): read again; other
 * negative errno (with diag) if status cannot be read. */
int dpkg_db_read(const char *admindir, struct vb_dpkg_db **ret, struct vb_diag *diag);

/* Parse one control stanza stream (status file format) from a buffer;
 * "file" only names it in errors. Used for status, updates/ and the
 * control fields of a .deb. Appends every stanza that names a package.
 *
 * Format: "Field: value" lines (names case-insensitive; only the first
 * line of a kept field's value is kept, trimmed), continuation lines start
 * with a space or tab, stanzas are separated by empty lines (lines of only
 * blanks between stanzas are skipped too). Like dpkg, no limit on the
 * number of fields or the length of a value. Each of these is an error
 * with file:line in diag: a line that is neither a field nor a
 * continuation, a continuation starting a stanza, an empty field name or
 * one with blanks, a duplicated field we keep, a stanza without Package,
 * a Status that is not "WANT EFLAG STATE" with known words, a NUL byte, a
 * last line without newline (truncated file). The first error of a stanza
 * is reported; the stanza is still read for its well-formed fields and
 * appended with damaged set if it has a Package. Status is checked when
 * present but not required here (a .deb's control has none); dpkg_db_read
 * requires it in every stanza of status and updates/. A stored Status has
 * its three words separated by single spaces. Returns 0, -EINVAL if
 * anything was reported (what could be read is appended all the same), or
 * -ENOMEM (nothing appended). */
int dpkg_parse_buffer(const char *buf, size_t len, const char *file, struct vb_dpkg_db *db,
                      struct vb_diag *diag);

void dpkg_db_free(struct vb_dpkg_db *db);
static inline void dpkg_db_freep(struct vb_dpkg_db **db) {
        dpkg_db_free(*db);
}

/* True if the status says the package's files are (or may be) on disk:
 * installed, half-configured, unpacked, half-installed, triggers-*. */
bool dpkg_package_has_files(const struct vb_dpkg_package *p);

/* Read the file list of a package: info/NAME:ARCH.list, else info/NAME.list.
 * Paths are returned as listed (absolute, inside the root), without the
 * "/." line; *ret_files is always overwritten (empty if nothing was read),
 * not freed first, and the caller frees it. ret_mtime (may be NULL) gets
 * the list's mtime in seconds (the install time). -ENOENT (no diag) if no
 * list; -EINVAL (no diag) for a name or arch that is empty or holds '/' or
 * ':'. A relative path line, a NUL byte or a missing final newline is
 * reported with file:line in diag and that line skipped: the result is
 * then -EINVAL with *ret_files holding every good line. */
int dpkg_list_read(const char *admindir, const char *name, const char *arch, struct vb_strv *ret_files,
                   int64_t *ret_mtime, struct vb_diag *diag);

/* "kesl:amd64.list" or "kesl.list" -> name "kesl", arch "amd64" or NULL.
 * -EINVAL if the file name is not a .list with a non-empty name (and arch
 * after a ':'). ret_arch may be NULL. */
int dpkg_list_name_parse(const char *filename, char **ret_name, char **ret_arch);
