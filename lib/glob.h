/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glob matching for names and paths: "*" and "?" and "[...]" as fnmatch(3);
 * in paths "*" stops at "/" and "**" matches any number of directories. */
#pragma once

#include <stdbool.h>

/* Name glob (no path semantics). casefold: ASCII case-insensitive. */
bool glob_match_name(const char *pattern, const char *name, bool casefold);

/* Path glob. "/opt/kaspersky/" followed by "**" matches every path below /opt/kaspersky
 * but not /opt/kaspersky itself; "/a/ ** /b" (no spaces) matches /a/b and /a/x/y/b. */
bool glob_match_path(const char *pattern, const char *path);
