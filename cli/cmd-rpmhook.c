/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl rpm-hook": the decision behind the dnf plugin
 * (dnf-plugin/vendorban.py). Reads the packages a dnf transaction brings
 * in (rpmhook-proto.h) on stdin, judges each downloaded .rpm by its own
 * header (read by librpm), and refuses (exit 1) a banned one in enforce
 * mode, so dnf stops before rpm runs. Writes nothing but stderr and, for
 * a refusal, a journal entry; a fault follows hook_on_error. */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "engine.h"
#include "hook-refusal.h"
#include "journal.h"
#include "rpmdb.h"
#include "rpmhook-proto.h"
#include "util.h"

struct hook {
        const struct vb_policy *policy;
        int64_t now;
        unsigned errors;
        unsigned refused;
};

static void __attribute__((format(printf, 1, 2))) hook_error(const char *fmt, ...) {
        va_list ap;

        fputs("vendorban: hook error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* All of stdin, at most RPMHOOK_INPUT_MAX bytes (-E2BIG past it, after
 * reading the rest so that the writer never blocks). */
static int input_read(char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;
        bool overflow = false;
        char drop[65536];

        for (;;) {
                if (!overflow && size - len < 65536) {
                        char *b = realloc(buf, size ? size * 2 : 262144);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        size = size ? size * 2 : 262144;
                }
                ssize_t k = overflow ? read(STDIN_FILENO, drop, sizeof drop) : read(STDIN_FILENO, buf + len, size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                if (!overflow) {
                        len += (size_t) k;
                        overflow = len > RPMHOOK_INPUT_MAX;
                }
        }
        if (overflow)
                return -E2BIG;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static const struct hook_kind dnf_plugin = {
        .name = "dnf plugin", .message_id = VB_MID_DNF_REFUSED, .source = "rpm", .file_field = "VENDORBAN_RPM",
        .action_refused = "dnf-refused", .action_would_refuse = "dnf-would-refuse",
};

static void judge(struct hook *h, const struct vb_package *pkg, const char *file) {
        bool enforce = h->policy->config.mode == VB_MODE_ENFORCE;
        struct vb_decision d;
        char name[256];

        engine_evaluate_package(h->policy, pkg, h->now, &d);
        if (d.verdict == VB_VERDICT_FLAG)
                fprintf(stderr, "vendorban: note: %s matches ban %s (verdict flag): installing\n",
                        cli_safe(pkg->name, name, sizeof name), d.ban->id);
        if (d.verdict != VB_VERDICT_BLOCK)
                return;

        if (hook_refuse(&dnf_plugin, pkg, &d, file, enforce) < 0) {
                hook_error("out of memory");
                h->errors++;
        } else if (enforce)
                h->refused++;
}

/* The .rpm's own header decides; without a file, what dnf's metadata says. */
static void check_pkg(struct hook *h, const struct rpmhook_pkg *rp) {
        struct vb_rpm_package hdr = {};
        struct vb_diag diag = {};
        int r;

        struct vb_package pkg = {
                .name = rp->name, .version = rp->evr, .arch = rp->arch, .vendor = rp->vendor,
                .packager = rp->packager, .source = "rpm", .installed_at = h->now,
        };
        if (rp->file) {
                r = rpmdb_read_file(rp->file, &hdr, &diag);
                if (r < 0) {
                        if (diag.n > 0)
                                hook_error("%s: %s", diag.items[0].file, diag.items[0].message);
                        else
                                hook_error("cannot read %s: %s", rp->file, strerror(-r));
                        h->errors++;
                        return;
                }
                pkg = (struct vb_package) {
                        .name = hdr.name, .version = hdr.version, .arch = hdr.arch, .vendor = hdr.vendor,
                        .packager = hdr.packager, .source = "rpm", .installed_at = h->now,
                        .files = (const char *const *) hdr.files.v, .n_files = hdr.files.n,
                };
        }
        judge(h, &pkg, rp->file);
        rpm_package_clear(&hdr);
}

static int on_error(const struct vb_policy *p) {
        if (!p) {
                fputs("vendorban: hook error, allowing the install (the policy could not be loaded, so "
                      "hook_on_error is unknown: a broken policy always allows)\n",
                      stderr);
                return CLI_EXIT_OK;
        }
        if (p->config.apt_hook_allow_on_error) {
                fputs("vendorban: hook error, allowing the install (hook_on_error = allow)\n", stderr);
                return CLI_EXIT_OK;
        }
        fputs("vendorban: hook error, refusing the install (hook_on_error = refuse)\n", stderr);
        return CLI_EXIT_FOUND;
}

int cmd_rpmhook(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        struct rpmhook_request req = {};
        struct rpmhook_error err;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (isatty(STDIN_FILENO))
                return cli_usage_error("rpm-hook reads the packages of a dnf transaction on standard input: "
                                       "the dnf plugin (vendorban.py) runs it");
        r = input_read(&buf, &len); /* everything first: the plugin must never block writing */

        if (cli_policy_load(cli, &p) != 0)
                return on_error(NULL);
        if (r == -E2BIG) {
                hook_error("rpm hook input larger than %u bytes", RPMHOOK_INPUT_MAX);
                return on_error(p);
        }
        if (r < 0) {
                hook_error("reading the rpm hook input: %s", strerror(-r));
                return on_error(p);
        }
        r = rpmhook_parse(buf, len, &req, &err);
        if (r < 0) {
                if (r == -ENOMEM)
                        hook_error("out of memory");
                else if (err.line > 0)
                        hook_error("rpm hook input, line %u: %s", err.line, err.message);
                else
                        hook_error("rpm hook input: %s", err.message);
                return on_error(p);
        }

        struct hook h = { .policy = p, .now = now_sec() };
        for (size_t i = 0; i < req.n_pkgs; i++)
                check_pkg(&h, &req.pkgs[i]);
        rpmhook_request_clear(&req);

        if (h.refused > 0) {
                fprintf(stderr, "vendorban: %u package%s refused (enforce mode): dnf stops before rpm runs, "
                        "nothing is installed\n", h.refused, h.refused == 1 ? "" : "s");
                return CLI_EXIT_FOUND;
        }
        return h.errors > 0 ? on_error(p) : CLI_EXIT_OK;
}
