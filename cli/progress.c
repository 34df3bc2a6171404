/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one-line progress of "vendorbanctl scan" on a terminal (standard
 * error): packages, files, bytes, rate and the time left, redrawn in place
 * and cleared at the end. Nothing when stderr is no tty or with --json. */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "scan.h"

static void human_bytes(uint64_t b, char *buf, size_t size) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double v = (double) b;
        size_t u = 0;

        while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
                v /= 1024;
                u++;
        }
        snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static void on_progress(const struct vb_scan_progress *p, void *userdata) {
        bool *shown = userdata;
        char bytes[32], rate[32], eta[32] = "";
        double secs = (double) p->elapsed_usec / 1e6;

        if (p->done) {
                if (*shown)
                        fputs("\r\033[K", stderr);
                return;
        }
        human_bytes(p->bytes, bytes, sizeof bytes);
        human_bytes(secs > 0 ? (uint64_t) ((double) p->bytes / secs) : 0, rate, sizeof rate);
        if (p->files_expected > p->files && p->files > 0 && secs > 0) {
                unsigned left = (unsigned) ((double) (p->files_expected - p->files) * secs / (double) p->files + 0.5);
                snprintf(eta, sizeof eta, ", about %u:%02u left", left / 60, left % 60);
        }
        fprintf(stderr, "\r\033[Kscanning: %zu", p->packages);
        if (p->packages_total)
                fprintf(stderr, "/%zu", p->packages_total);
        fprintf(stderr, " packages, %zu files", p->files);
        if (p->files_expected)
                fprintf(stderr, " (of ~%zu)", p->files_expected);
        fprintf(stderr, ", %s, %s/s%s", bytes, rate, eta);
        fflush(stderr);
        *shown = true;
}

void cli_progress_setup(const struct vb_cli *cli, struct vb_scan_options *o, bool *shown) {
        size_t n = 0;

        if (cli->json || !isatty(STDERR_FILENO))
                return;
        if (o->store && store_file_count(o->store, &n) >= 0)
                o->files_expected = n;
        o->progress = on_progress;
        o->progress_userdata = shown;
}
