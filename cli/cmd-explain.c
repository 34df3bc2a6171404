/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl explain PACKAGE|PATH": evaluate one package (from the
 * root's dpkg database) or one file (hashed in place) and say why it is
 * allowed, flagged or blocked. Read-only: no ledger, no journal. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dpkg.h"
#include "engine.h"
#include "filescan.h"
#include "report.h"
#include "util.h"

/* What was evaluated; strings borrowed for the time of the printing. */
struct explain {
        const char *subject;            /* "package" or "file" */
        const char *name;               /* package name or path inside the root */
        const char *version, *arch;     /* packages; may be NULL */
        const char *sha256;             /* files; NULL if not hashed */
        const char *note;               /* e.g. "symlink, not followed"; may be NULL */
        bool installed;
        int64_t since;                  /* install time or ctime; 0 if not installed */
        struct vb_decision d;
};

static void filescan_freep(struct vb_filescan **s) {
        if (*s)
                filescan_free(*s);
}

static void print_phase_json(struct vb_json *j, const struct vb_phase *ph) {
        char date[11];

        json_key(j, "phase");
        if (!ph) {
                json_null(j);
                return;
        }
        date_format(ph->from, date);
        json_object_begin(j);
        json_kv_string(j, "from", date);
        json_kv_string(j, "applies_to", applies_to_string(ph->applies_to));
        json_kv_string(j, "action", verdict_to_string(ph->action));
        json_kv_string(j, "reason", ph->reason);
        json_object_end(j);
}

static void print_json(const struct explain *e, const struct vb_policy *p) {
        const struct vb_decision *d = &e->d;
        struct vb_json j;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_kv_string(&j, "subject", e->subject);
        json_kv_string(&j, "name", e->name);
        json_kv_string(&j, "version", e->version);
        json_kv_string(&j, "arch", e->arch);
        json_kv_string(&j, "sha256", e->sha256);
        json_kv_bool(&j, "installed", e->installed);
        json_kv_time(&j, "installed_at", e->since * 1000000);
        json_kv_string(&j, "verdict", verdict_to_string(d->verdict));
        json_kv_string(&j, "ban", d->ban ? d->ban->id : NULL);
        json_kv_string(&j, "vendor", d->ban ? d->ban->vendor : NULL);
        json_kv_string(&j, "authority", d->ban ? d->ban->authority : NULL);
        json_kv_bool(&j, "exempt", d->exempt);
        print_phase_json(&j, d->phase);
        json_key(&j, "indicators");
        json_array_begin(&j);
        for (size_t i = 0; i < d->n_matches && i < VB_MATCHES_MAX; i++) {
                json_object_begin(&j);
                json_kv_string(&j, "kind", indicator_kind_to_string(d->matches[i].kind));
                json_kv_string(&j, "pattern", d->matches[i].pattern);
                json_kv_string(&j, "value", d->matches[i].value);
                json_object_end(&j);
        }
        json_array_end(&j);
        json_kv_uint(&j, "indicators_total", d->n_matches);
        json_kv_string(&j, "action", report_action(d, p->config.mode, true));
        json_object_end(&j);
        json_finish(&j);
}

static void print_ban(const struct vb_decision *d) {
        const struct vb_ban *b = d->ban;
        char date[11];

        printf("ban:       %s (%s)\n", b->id, b->vendor);
        printf("authority: %s\n", b->authority ?: "-");
        if (b->reference)
                printf("reference: %s\n", b->reference);
        if (d->phase) {
                date_format(d->phase->from, date);
                printf("phase:     since %s, applies to %s: %s%s%s\n", date,
                       applies_to_string(d->phase->applies_to), verdict_to_string(d->phase->action),
                       d->phase->reason ? " \u2014 " : "", d->phase->reason ?: "");
        } else if (!d->exempt)
                printf("phase:     none in force for this subject (yet)\n");
        printf("matched:\n");
        for (size_t i = 0; i < d->n_matches && i < VB_MATCHES_MAX; i++) {
                char buf[4096];

                printf("  %-10s %s  (matched \"%s\")\n", indicator_kind_to_string(d->matches[i].kind),
                       d->matches[i].pattern, cli_safe(d->matches[i].value ?: "", buf, sizeof buf));
        }
        if (d->n_matches > VB_MATCHES_MAX)
                printf("  ... and %zu more\n", d->n_matches - VB_MATCHES_MAX);
        if (d->exempt) {
                const char *sep = ": ";

                printf("exempt:    yes, allowed by an exemption of ban %s", b->id);
                for (size_t i = 0; i < b->exempt_packages.n; i++, sep = ", ")
                        printf("%spackage %s", sep, b->exempt_packages.v[i]);
                for (size_t i = 0; i < b->exempt_paths.n; i++, sep = ", ")
                        printf("%spath %s", sep, b->exempt_paths.v[i]);
                putchar('\n');
        }
        for (size_t i = 0; i < b->alternatives.n; i++)
                printf("%s %s\n", i == 0 ? "instead:  " : "          ", b->alternatives.v[i]);
}

static void print_human(const struct explain *e, const struct vb_policy *p) {
        const struct vb_decision *d = &e->d;
        char when[32] = "", buf[4096];

        if (e->since > 0)
                cli_format_sec(e->since, when, sizeof when);
        printf("%s %s%s%s%s%s: ", e->subject, cli_safe(e->name, buf, sizeof buf), e->arch ? ":" : "", e->arch ?: "",
               e->version ? " " : "", e->version ?: "");
        if (strcmp(e->subject, "package") == 0 && e->installed)
                printf("installed %s\n", when);
        else if (strcmp(e->subject, "package") == 0)
                printf("not installed: no package of that name in the package database; judged by its name "
                       "alone\n");
        else if (e->installed)
                printf("present, changed %s%s\n", when, e->note ?: "");
        else
                printf("not present\n");
        if (e->sha256)
                printf("sha256:    %s\n", e->sha256);
        if (!d->ban) {
                printf(e->installed ? "allowed: matches no ban\n" : "allowed by name: the name matches no ban\n");
                return;
        }
        printf("verdict:   %s \u2014 %s (%s mode)\n", verdict_to_string(d->verdict),
               report_action(d, p->config.mode, true), mode_to_string(p->config.mode));
        print_ban(d);
}

static int finish(const struct vb_cli *cli, const struct explain *e, const struct vb_policy *p) {
        if (cli->json)
                print_json(e, p);
        else
                print_human(e, p);
        return e->d.verdict == VB_VERDICT_ALLOW ? CLI_EXIT_OK : CLI_EXIT_FOUND;
}

static int hash_file(const char *host, const struct vb_policy *p, struct vb_file_content *ret) {
        _cleanup_(filescan_freep) struct vb_filescan *fs = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = open(host, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return cli_error_errno(-errno, "failed to open %s", host);
        r = filescan_new_for_policy(p, &fs);
        if (r < 0)
                return cli_error_errno(r, "failed to set up the file scanner");
        r = filescan_fd(fs, fd, ret);
        if (r < 0)
                return cli_error_errno(r, "failed to read %s", host);
        return 0;
}

static int explain_file(const struct vb_cli *cli, const struct vb_policy *p, const char *path, int64_t now) {
        _cleanup_free_ char *host = path_under_root(cli->root, path);
        struct vb_file_content content = {};
        struct explain e = { .subject = "file", .name = path };
        struct vb_file f = { .path = path, .first_seen = now };
        struct stat st;
        int r;

        if (!host)
                return cli_error_errno(-ENOMEM, "failed to build the path of %s", path);
        if (lstat(host, &st) < 0) {
                if (errno != ENOENT)
                        return cli_error_errno(-errno, "failed to stat %s", host);
        } else {
                e.installed = true;
                e.since = f.first_seen = st.st_ctime;
                if (S_ISREG(st.st_mode)) {
                        r = hash_file(host, p, &content);
                        if (r != 0)
                                return r;
                        f.sha256 = e.sha256 = content.sha256;
                        f.is_elf = content.is_elf;
                        f.marker_hits = content.marker_hits;
                        f.marker_words = content.marker_words;
                } else
                        e.note = S_ISLNK(st.st_mode) ? " (symlink, not followed)" : " (not a regular file)";
        }
        engine_evaluate_file(p, &f, now, &e.d);
        return finish(cli, &e, p);
}

/* The installed entry for name (and arch, if given) in the dpkg database. */
static const struct vb_dpkg_package *dpkg_find(const struct vb_dpkg_db *db, const char *name, const char *arch) {
        for (size_t i = 0; db && i < db->n; i++) {
                const struct vb_dpkg_package *dp = &db->pkgs[i];

                if (strcmp(dp->name, name) != 0 || !dpkg_package_has_files(dp))
                        continue;
                if (!arch || (dp->arch && strcmp(dp->arch, arch) == 0))
                        return dp;
        }
        return NULL;
}

static int explain_package(const struct vb_cli *cli, const struct vb_policy *p, const char *arg, int64_t now) {
        _cleanup_free_ char *admindir = path_under_root(cli->root, p->config.dpkg_admin_dir);
        _cleanup_free_ char *name = strndup(arg, strcspn(arg, ":"));
        const char *arch = strchr(arg, ':') ? strchr(arg, ':') + 1 : NULL;
        _cleanup_(dpkg_db_freep) struct vb_dpkg_db *db = NULL;
        _cleanup_(strv_clear) struct vb_strv files = {};
        const struct vb_dpkg_package *dp;
        struct vb_diag diag = {};
        int64_t mtime = 0;
        int r;

        if (!admindir || !name)
                return cli_error_errno(-ENOMEM, "failed to explain %s", arg);
        if (name[0] == '\0' || (arch && arch[0] == '\0'))
                return cli_usage_error("explain: '%s' is not NAME or NAME:ARCH", arg);
        r = dpkg_db_read(admindir, &db, &diag);
        if (r == -ENOENT)
                fprintf(stderr, "vendorbanctl: no dpkg database in %s, evaluating the name alone\n", admindir);
        else if (r < 0) {
                if (diag.n > 0)
                        diag_print(&diag, stderr);
                return diag.n > 0 ? CLI_EXIT_ERROR : cli_error_errno(r, "failed to read the dpkg database %s", admindir);
        }

        dp = dpkg_find(r < 0 ? NULL : db, name, arch);
        if (dp) {
                r = dpkg_list_read(admindir, dp->name, dp->arch, &files, &mtime, &diag);
                if (r < 0 && r != -ENOENT) {
                        if (diag.n > 0)
                                diag_print(&diag, stderr);
                        return diag.n > 0 ? CLI_EXIT_ERROR : cli_error_errno(r, "failed to read the file list of %s", arg);
                }
        }

        struct vb_package pkg = {
                .name = name,
                .arch = dp ? dp->arch : arch,
                .version = dp && dp->version ? dp->version : "",
                .maintainer = dp ? dp->maintainer : NULL,
                .original_maintainer = dp ? dp->original_maintainer : NULL,
                .vendor = dp ? dp->vendor : NULL,
                .files = (const char *const *) files.v,
                .n_files = files.n,
                .installed_at = mtime > 0 ? mtime : now,
        };
        struct explain e = {
                .subject = "package", .name = name, .version = dp ? dp->version : NULL, .arch = pkg.arch,
                .installed = dp != NULL, .since = dp ? pkg.installed_at : 0,
        };
        engine_evaluate_package(p, &pkg, now, &e.d);
        return finish(cli, &e, p);
}

int cmd_explain(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        int64_t now = now_sec();
        int r;

        if (argv[0][0] == '\0')
                return cli_usage_error("explain: empty argument");
        if (argv[0][0] != '/' && strchr(argv[0], '/'))
                return cli_usage_error("explain: '%s' is a relative path; give the absolute path of the file "
                                       "inside the root (e.g. /opt/kaspersky/kesl/bin/kesl), or a package NAME",
                                       argv[0]);
        r = cli_policy_load(cli, &p);
        if (r != 0)
                return r;
        if (argv[0][0] == '/')
                return explain_file(cli, p, argv[0], now);
        return explain_package(cli, p, argv[0], now);
}
