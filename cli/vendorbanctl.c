/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorbanctl: option parsing, the verb table and the setup every verb
 * shares (policy, ledger path). Owns the parsed options; the verbs live in
 * cmd-*.c and get the options passed in. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "journal.h"
#include "util.h"

#ifndef VB_VERSION
#define VB_VERSION "unknown"
#endif

enum {
        ARG_ROOT = 0x100,
        ARG_CONFIG,
        ARG_JSON,
        ARG_VERSION,
};

static const struct option options[] = {
        { "root", required_argument, NULL, ARG_ROOT },
        { "config", required_argument, NULL, ARG_CONFIG },
        { "json", no_argument, NULL, ARG_JSON },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        {}
};

struct verb {
        const char *name;
        int (*run)(const struct vb_cli *cli, int argc, char **argv);
        int min_args, max_args;         /* positional arguments after the verb; -1 = any */
        bool own_options;               /* the verb parses the options after it (fleet) */
};

static const struct verb verbs[] = {
        { "scan", cmd_scan, 0, 0 },
        { "findings", cmd_findings, 0, 0 },
        { "status", cmd_status, 0, 0 },
        { "policy", cmd_policy, 1, -1 },
        { "explain", cmd_explain, 1, 1 },
        { "quarantine", cmd_quarantine, 1, 2 },
        { "apt-hook", cmd_apthook, 0, 0 },
        { "fleet", cmd_fleet, 0, -1, true },
        { "metrics", cmd_metrics, 0, 0 },
};

static void help(void) {
        fputs("Usage: vendorbanctl [OPTIONS] COMMAND [ARGS]\n"
              "\n"
              "Query and control vendorban, which keeps software from banned vendors\n"
              "(first: Kaspersky) off this machine. The ban definitions are data in\n"
              "/etc/vendorban/bans.d; vendorband(8) watches the machine, vendorbanctl\n"
              "scans on demand and explains the verdicts.\n"
              "\n"
              "Commands:\n"
              "  scan                    Scan the installed dpkg packages and the watched\n"
              "                          paths now; record every flag/block finding in the\n"
              "                          ledger and the journal. Creates the state directory\n"
              "                          and the ledger if missing.\n"
              "  findings                List the findings recorded in the ledger, newest\n"
              "                          first.\n"
              "  status                  Show whether vendorband runs, the mode, the policy\n"
              "                          (and whether the ledger holds it compiled) and the\n"
              "                          ledger counts.\n"
              "  policy check [FILE...]  Validate the configured policy, or each FILE (a ban\n"
              "                          file or a main config, host paths); errors are\n"
              "                          printed as file:line: message.\n"
              "  policy show             Show the policy as loaded: mode, watched paths, each\n"
              "                          ban with its phases, indicators and exemptions.\n"
              "  explain PACKAGE|PATH    Explain the verdict for a package (NAME or NAME:ARCH,\n"
              "                          looked up in the dpkg database) or a file (an\n"
              "                          absolute path inside the root): the ban, the phase\n"
              "                          in force and every indicator that matched.\n"
              "  quarantine list         List the files enforcement moved into the\n"
              "                          quarantine: original path, owner, mode, sha256,\n"
              "                          and what became of each.\n"
              "  quarantine restore ID   Put quarantined file ID back where it was, with its\n"
              "                          content, owner and mode (needs root). Refuses to\n"
              "                          overwrite a file now at that path. When nothing of\n"
              "                          its finding stays quarantined, its units are\n"
              "                          unmasked and its APT pin is dropped.\n"
              "  apt-hook                APT's DPkg::Pre-Install-Pkgs hook (protocol version\n"
              "                          3, on stdin; set up by /etc/apt/apt.conf.d/\n"
              "                          50vendorban). Refuses (exit 1, so APT aborts) a\n"
              "                          .deb the policy blocks in enforce mode; in audit\n"
              "                          mode only warns. On an error, apt_hook_on_error in\n"
              "                          the config decides (default: allow, exit 0).\n"
              "  fleet report --journal-dir DIR [--since T] [--stale-after D]\n"
              "               [--enrolled-keys DIR] [--cursor-file FILE] [--json|--csv]\n"
              "                          One row per host from the signed compliance\n"
              "                          summaries a systemd-journal-remote collector\n"
              "                          gathered (vendorban-fleet(7)); 'fleet --help'.\n"
              "  metrics                 The Prometheus text format for node-exporter's\n"
              "                          textfile collector: per-ban counts, compliance,\n"
              "                          guard state, last scan time, policy age.\n"              "\n"
              "Options (before or after COMMAND):\n"
              "  --root DIR              Resolve every path under DIR instead of / (a mounted\n"
              "                          image, a test root).\n"
              "  --config FILE           The main configuration, an absolute path inside the\n"
              "                          root (default " VB_DEFAULT_CONFIG ").\n"
              "  --json                  Print one JSON object instead of text (documented in\n"
              "                          the README).\n"
              "  -h, --help              Show this help and exit.\n"
              "  --version               Show the version and exit.\n"
              "\n"
              "Exit status:\n"
              "  0  Success: nothing banned found (scan), verdict allow (explain).\n"
              "  1  Banned software found (scan), verdict flag or block (explain).\n"
              "  2  Error: bad usage, broken policy, I/O or database error.\n"
              "\n"
              "Files (all under --root):\n"
              "  " VB_DEFAULT_CONFIG "      main configuration\n"
              "  /etc/vendorban/bans.d/*.conf       ban definitions, one per file\n"
              "  /var/lib/vendorban/" VB_STORE_FILE "    ledger (SQLite; state_dir in the config)\n"
              "  /var/lib/vendorban/quarantine/     quarantined files, named by sha256\n"
              "  /var/lib/dpkg/                     dpkg database (dpkg_admin_dir)\n"
              "  " CLI_PID_FILE "      vendorband's pid (status)\n"
              "\n"
              "See also: vendorband(8), journalctl(1): journalctl VENDORBAN_BAN=kaspersky\n",
              stdout);
}

int cli_error_errno(int r, const char *fmt, ...) {
        va_list ap;

        fputs("vendorbanctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(r < 0 ? -r : r));
        return CLI_EXIT_ERROR;
}

int cli_usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("vendorbanctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'vendorbanctl --help'.\n", stderr);
        return CLI_EXIT_ERROR;
}

/* Parse options from argv (argv[0] is skipped). permute=false stops at the
 * first non-option (the verb). Returns 0 with optind at the first
 * positional argument, or CLI_EXIT_ERROR after printing the error. */
static int parse_options(struct vb_cli *cli, int argc, char **argv, bool permute) {
        int c;

        optind = 0;     /* glibc: full reinitialization */
        opterr = 0;
        while ((c = getopt_long(argc, argv, permute ? ":h" : "+:h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_ROOT:
                        cli->root = optarg;
                        break;
                case ARG_CONFIG:
                        if (optarg[0] != '/')
                                return cli_usage_error("--config must be an absolute path inside the root: %s",
                                                       optarg);
                        cli->config = optarg;
                        break;
                case ARG_JSON:
                        cli->json = true;
                        break;
                case 'h':
                        cli->help = true;
                        break;
                case ARG_VERSION:
                        cli->version = true;
                        break;
                case ':':
                        return cli_usage_error("option '%s' requires an argument", argv[optind - 1]);
                default:
                        if (optopt > 0 && optopt < 0x80)
                                return cli_usage_error("invalid option -- '%c'", optopt);
                        return cli_usage_error("unrecognized option '%s'", argv[optind - 1]);
                }
        }
        return 0;
}

int cli_policy_load(const struct vb_cli *cli, struct vb_policy **ret) {
        struct vb_diag diag = {};
        int r;

        r = policy_load(cli->root, cli->config, ret, &diag);
        if (r < 0) {
                if (diag.n > 0)
                        diag_print(&diag, stderr);
                else
                        cli_error_errno(r, "failed to load the policy %s", cli->config ?: VB_DEFAULT_CONFIG);
                return CLI_EXIT_ERROR;
        }
        return CLI_EXIT_OK;
}

char *cli_db_path(const struct vb_cli *cli, const struct vb_policy *p) {
        return cli_db_path_in(cli, p->config.state_dir);
}

char *cli_db_path_in(const struct vb_cli *cli, const char *state_dir) {
        _cleanup_free_ char *dir = path_under_root(cli->root, state_dir);
        char *path;

        if (!dir || asprintf(&path, "%s/%s", dir, VB_STORE_FILE) < 0)
                return NULL;
        return path;
}

int cli_ledger_locate(const struct vb_cli *cli, struct vb_policy **ret_policy, char **ret_db) {
        int r = cli_policy_load(cli, ret_policy);

        *ret_db = r == 0 ? cli_db_path(cli, *ret_policy) : cli_db_path_in(cli, CLI_STATE_DIR_DEFAULT);
        if (!*ret_db)
                return cli_error_errno(-ENOMEM, "failed to build the ledger path");
        if (r != 0)
                fprintf(stderr, "vendorbanctl: warning: the policy is broken (see above); reading the ledger "
                        "in the default state directory: %s\n", *ret_db);
        return r;
}

int cli_store_open_ro(const char *db_path, struct vb_store **ret) {
        struct stat st;

        *ret = NULL;
        if (stat(db_path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        return store_open(db_path, true, ret);
}

static bool is_control(char c) {
        return (unsigned char) c < 0x20 || c == 0x7f;
}

void cli_sanitize(char *s) {
        for (; s && *s; s++)
                if (is_control(*s))
                        *s = '?';
}

const char *cli_safe(const char *s, char *buf, size_t size) {
        const char *p = s;

        while (p && *p && !is_control(*p))
                p++;
        if (!p || !*p)
                return s;
        snprintf(buf, size, "%s", s);
        cli_sanitize(buf);
        return buf;
}

size_t cli_policy_indicators(const struct vb_policy *p) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_bans; i++)
                for (size_t k = 0; k < _VB_IND_MAX; k++)
                        n += p->bans[i].match[k].n;
        return n;
}

static const struct verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return &verbs[i];
        return NULL;
}

static int check_root(const char *root) {
        struct stat st;

        if (stat(root, &st) < 0)
                return cli_error_errno(-errno, "--root %s", root);
        if (!S_ISDIR(st.st_mode))
                return cli_error_errno(-ENOTDIR, "--root %s", root);
        return 0;
}

static int run(int argc, char **argv) {
        struct vb_cli cli = { .root = "/" };
        const struct verb *v;
        int r, sub_argc;
        char **sub_argv;

        r = parse_options(&cli, argc, argv, false);
        if (r != 0)
                return r;
        if (!cli.help && !cli.version && optind >= argc)
                return cli_usage_error("missing command");
        if (cli.help || cli.version)
                goto early;

        v = verb_find(argv[optind]);
        if (!v)
                return cli_usage_error("unknown command '%s'", argv[optind]);

        /* Options may follow the verb too: parse the rest the same way. */
        sub_argc = argc - optind;
        sub_argv = argv + optind;
        if (v->own_options) {
                journal_setup("vendorbanctl", false);
                return v->run(&cli, sub_argc, sub_argv);
        }
        r = parse_options(&cli, sub_argc, sub_argv, true);
        if (r != 0)
                return r;
        if (cli.help || cli.version)
                goto early;
        sub_argc -= optind;
        sub_argv += optind;
        if (sub_argc < v->min_args)
                return cli_usage_error("%s: missing argument", v->name);
        if (v->max_args >= 0 && sub_argc > v->max_args)
                return cli_usage_error("%s: unexpected argument '%s'", v->name, sub_argv[v->max_args]);

        r = check_root(cli.root);
        if (r != 0)
                return r;
        journal_setup("vendorbanctl", false);
        return v->run(&cli, sub_argc, sub_argv);

early:
        if (cli.help)
                help();
        else
                printf("vendorbanctl %s\n", VB_VERSION);
        return CLI_EXIT_OK;
}

int main(int argc, char **argv) {
        int r = run(argc, argv);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "vendorbanctl: write error on standard output: %s\n", strerror(errno));
                return CLI_EXIT_ERROR;
        }
        return r;
}
