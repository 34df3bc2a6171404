/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stopping and masking systemd units, and undoing the mask. Owns one kind
 * of file: the mask symlink ROOT/etc/systemd/system/UNIT -> /dev/null. */
#pragma once

#include <stdbool.h>

/* A unit name we are willing to act on: no '/', characters systemd allows,
 * a non-empty prefix and a known type suffix (".service", ".socket", …). */
bool units_name_is_valid(const char *unit);

/* True if root is the host ("/", "" or NULL) and systemd runs there
 * (/run/systemd/system is a directory). */
bool units_systemd_running(const char *root);

/* Mask unit. With runtime_systemd (only for the host root) ask systemd over
 * D-Bus (MaskUnitFiles, force, then Reload). Otherwise write what
 * `systemctl mask` writes: ROOT/etc/systemd/system/UNIT -> /dev/null,
 * creating the directory if missing. Returns 0 if masked (also if it
 * already was), -EEXIST if another file or symlink is in the way, -EINVAL
 * for a bad unit name. */
int units_mask(const char *root, const char *unit, bool runtime_systemd);

/* Remove the mask symlink if it points to /dev/null, and nothing else:
 * through systemd (UnmaskUnitFiles, Reload) when units_systemd_running(root),
 * else on disk. 0 if unmasked or not masked, -EEXIST if the file there is
 * not a mask, -EINVAL for a bad unit name. */
int units_unmask(const char *root, const char *unit);

/* True if ROOT/etc/systemd/system/UNIT is a symlink to /dev/null. */
bool units_is_masked(const char *root, const char *unit);

/* Ask systemd to stop unit (StopUnit, mode "replace"); the stop job runs on
 * after we return. -EOPNOTSUPP if systemd is not running here, -ENOENT if
 * systemd does not know the unit, -EINVAL for a bad unit name. */
int units_stop(const char *unit);
