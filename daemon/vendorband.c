/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorband: parse the options, build the manager, run the loop. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "manager.h"

struct options {
        const char *root;
        const char *config;
        bool check;
};

static void help(void) {
        printf("Usage: vendorband [OPTIONS]\n"
               "\n"
               "Keep software from banned vendors off this machine. Watches the dpkg database and the\n"
               "configured paths, evaluates every install against the bans (vendorban-ban.conf(5)),\n"
               "records findings in the ledger (/var/lib/vendorban/vendorban.db) and the journal.\n"
               "Runs in the foreground; meant to be started by systemd (Type=notify).\n"
               "\n"
               "Options:\n"
               "  -r, --root=DIR      Resolve every path under DIR (default /)\n"
               "  -c, --config=FILE   Main configuration, a path inside the root\n"
               "                      (default /etc/vendorban/vendorban.conf)\n"
               "  -n, --check         Load and validate the policy, print \"configuration OK\", exit\n"
               "  -h, --help          Show this help\n"
               "      --version       Show the version\n"
               "\n"
               "Signals: SIGHUP reloads the policy (a broken policy is reported and the previous one\n"
               "stays in force); SIGTERM and SIGINT exit cleanly. Started with a broken policy, it\n"
               "runs the last one it compiled (kept in the ledger), and says so.\n"
               "\n"
               "Exit status: 0 on a clean exit, 1 on a failure to start (the reason is logged).\n"
               "See also: vendorbanctl(8), vendorban.conf(5), journalctl -u vendorband\n");
}

static int parse_argv(int argc, char **argv, struct options *o) {
        static const struct option longopts[] = {
                { "root", required_argument, NULL, 'r' },
                { "config", required_argument, NULL, 'c' },
                { "check", no_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "r:c:nh", longopts, NULL)) >= 0)
                switch (c) {
                case 'r': o->root = optarg; break;
                case 'c': o->config = optarg; break;
                case 'n': o->check = true; break;
                case 'h': help(); return 0;
                case 'V': printf("vendorband %s\n", VB_VERSION); return 0;
                default:
                        fprintf(stderr, "Try 'vendorband --help'.\n");
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "vendorband: unexpected argument '%s'\nTry 'vendorband --help'.\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int check_only(const struct options *o) {
        struct vb_policy *p = NULL;
        struct vb_diag diag = {};
        int r = policy_load(o->root, o->config, &p, &diag);

        if (r < 0) {
                diag_print(&diag, stderr);
                return r;
        }
        printf("configuration OK: %zu ban(s), mode %s\n", p->n_bans, mode_to_string(p->config.mode));
        policy_free(p);
        return 0;
}

static int run(int argc, char **argv) {
        _cleanup_(manager_freep) struct vb_manager *m = NULL;
        struct options o = { .root = "/" };
        int r;

        r = parse_argv(argc, argv, &o);
        if (r <= 0)
                return r;
        if (o.check)
                return check_only(&o);

        journal_setup("vendorband", false);
        r = manager_new(o.root, o.config, &m);
        if (r < 0) {
                fprintf(stderr, "vendorband: failed to set up: %s\n", strerror(-r));
                return r;
        }
        r = manager_startup(m);
        if (r < 0)
                return r;
        r = manager_run(m);
        if (r < 0)
                journal_event(VB_MID_DAEMON, 3, NULL, "Event loop failed: %s", strerror(-r));
        return r;
}

int main(int argc, char **argv) {
        return run(argc, argv) < 0 ? 1 : 0;
}
