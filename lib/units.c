/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stopping and masking systemd units (see units.h): through systemd's D-Bus
 * API on a running host, else by writing the mask symlink ourselves. Touches
 * no file in ROOT/etc/systemd/system but UNIT symlinks to /dev/null. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include "units.h"
#include "util.h"

#define UNIT_DIR "/etc/systemd/system"
#define UNIT_NAME_MAX 255

static const char *const unit_suffixes[] = {
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap", ".timer", ".path", ".slice", ".scope",
};

bool units_name_is_valid(const char *unit) {
        if (!unit || unit[0] == '\0' || strlen(unit) > UNIT_NAME_MAX)
                return false;
        for (const char *c = unit; *c; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@", *c))
                        return false;

        size_t l = strlen(unit);
        for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++) {
                size_t sl = strlen(unit_suffixes[i]);
                if (l > sl && strcmp(unit + l - sl, unit_suffixes[i]) == 0)
                        return true;
        }
        return false;
}

static bool root_is_host(const char *root) {
        return !root || root[0] == '\0' || strcmp(root, "/") == 0;
}

bool units_systemd_running(const char *root) {
        struct stat st;

        return root_is_host(root) && lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* Call a method of systemd's manager on the system bus; the reply is
 * dropped. A D-Bus error comes back as a negative errno. */
static int manager_call(const char *method, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_call_methodv(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", method, &error, &reply, types, ap);
        va_end(ap);
        return r < 0 ? r : 0;
}

/* 1 if dfd/unit is a symlink to /dev/null, 0 if something else is there,
 * -ENOENT if nothing is. */
static int mask_check_at(int dfd, const char *unit) {
        char target[sizeof("/dev/null")];
        ssize_t l = readlinkat(dfd, unit, target, sizeof target);

        if (l < 0)
                return errno == EINVAL ? 0 : -errno;    /* EINVAL: not a symlink */
        return (size_t) l == strlen("/dev/null") && memcmp(target, "/dev/null", (size_t) l) == 0;
}

static int mask_on_disk(const char *root, const char *unit) {
        _cleanup_close_ int dfd = -1;
        int r;

        r = mkdir_open_in_root(root, UNIT_DIR, O_PATH, &dfd);
        if (r < 0)
                return r;
        if (symlinkat("/dev/null", dfd, unit) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        r = mask_check_at(dfd, unit);
        if (r < 0)
                return r;
        return r ? 0 : -EEXIST;
}

int units_mask(const char *root, const char *unit, bool runtime_systemd) {
        int r;

        if (!units_name_is_valid(unit))
                return -EINVAL;
        if (!runtime_systemd)
                return mask_on_disk(root, unit);
        if (!root_is_host(root))
                return -EINVAL;

        /* force=false: never replace a real unit file or another symlink,
         * exactly as on disk (a forced mask could not be undone). */
        r = manager_call("MaskUnitFiles", "asbb", 1, unit, 0, 0);
        if (r < 0)
                return r;
        return manager_call("Reload", NULL);
}

/* 1 if ROOT/etc/systemd/system/UNIT is a mask (then *ret_dfd, if given,
 * is that directory), 0 if nothing is there, -EEXIST if something else is. */
static int mask_state(const char *root, const char *unit, int *ret_dfd) {
        _cleanup_close_ int dfd = open_in_root(root, UNIT_DIR, O_PATH | O_DIRECTORY);
        int r;

        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        r = mask_check_at(dfd, unit);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (r == 0)
                return -EEXIST;
        if (ret_dfd)
                *ret_dfd = TAKE_FD(dfd);
        return 1;
}

static int unmask_on_disk(const char *root, const char *unit) {
        _cleanup_close_ int dfd = -1;
        int r = mask_state(root, unit, &dfd);

        if (r <= 0)
                return r;
        if (unlinkat(dfd, unit, 0) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int units_unmask(const char *root, const char *unit) {
        int r;

        if (!units_name_is_valid(unit))
                return -EINVAL;
        if (!units_systemd_running(root))
                return unmask_on_disk(root, unit);

        /* Check first: UnmaskUnitFiles quietly skips a file that is not a
         * mask, and we report that as -EEXIST on disk too. */
        r = mask_state(root, unit, NULL);
        if (r <= 0)
                return r;
        r = manager_call("UnmaskUnitFiles", "asb", 1, unit, 0);
        if (r < 0)
                return r;
        return manager_call("Reload", NULL);
}

bool units_is_masked(const char *root, const char *unit) {
        return units_name_is_valid(unit) && mask_state(root, unit, NULL) > 0;
}

int units_stop(const char *unit) {
        if (!units_name_is_valid(unit))
                return -EINVAL;
        if (!units_systemd_running(NULL))
                return -EOPNOTSUPP;
        return manager_call("StopUnit", "ss", unit, "replace");
}
