/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorbanctl: option parsing, the verb table and the setup every verb
 * shares (policy, ledger path). Owns the parsed options; the verbs live in
 * cmd-*.c and get the options passed in. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        ARG_NO_PAGER,
        ARG_SINCE,
        ARG_UNTIL,
        ARG_BAN,
        ARG_VERDICT,
        ARG_CSV,
        ARG_POLICY_ROOT,
        ARG_IMAGE,
};

static const struct option options[] = {
        { "root", required_argument, NULL, ARG_ROOT },
        { "config", required_argument, NULL, ARG_CONFIG },
        { "json", no_argument, NULL, ARG_JSON },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "no-pager", no_argument, NULL, ARG_NO_PAGER },
        { "since", required_argument, NULL, ARG_SINCE },
        { "until", required_argument, NULL, ARG_UNTIL },
        { "ban", required_argument, NULL, ARG_BAN },
        { "verdict", required_argument, NULL, ARG_VERDICT },
        { "csv", no_argument, NULL, ARG_CSV },
        { "policy-root", required_argument, NULL, ARG_POLICY_ROOT },
        { "image", required_argument, NULL, ARG_IMAGE },
        {}
};

/* Options only some commands take (the rest are global). */
enum {
        OPT_FILTERS = 1 << 0,   /* --since --until --ban --verdict */
        OPT_CSV = 1 << 1,
        OPT_IMAGE = 1 << 2,
};

struct verb {
        const char *name;
        int (*run)(const struct vb_cli *cli, int argc, char **argv);
        int min_args, max_args;         /* positional arguments after the verb; -1 = any */
        unsigned opts;                  /* OPT_* it accepts */
        bool subcommands;               /* argv[0] names a subcommand */
        bool own_options;               /* the verb parses the options after it (fleet) */
};

static const struct verb verbs[] = {
        { "scan", cmd_scan, 0, 0, OPT_IMAGE, false },
        { "findings", cmd_findings, 0, 0, OPT_FILTERS | OPT_CSV, false },
        { "status", cmd_status, 0, 0, 0, false },
        { "policy", cmd_policy, 1, -1, 0, true },
        { "explain", cmd_explain, 1, 1, 0, false },
        { "quarantine", cmd_quarantine, 1, 2, 0, true },
        { "apt-hook", cmd_apthook, 0, 0, 0, false },
        { "rpm-hook", cmd_rpmhook, 0, 0, 0, false },
        { "fleet", cmd_fleet, 0, -1, 0, false, true },
        { "metrics", cmd_metrics, 0, 0, 0, false },
};

int cli_error_errno(int r, const char *fmt, ...) {
        va_list ap;

        fputs("vendorbanctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(r < 0 ? -r : r));
        return CLI_EXIT_ERROR;
}

/* The command being run, for the "Try" hint of a usage error. */
static const char *usage_verb;

int cli_usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("vendorbanctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'vendorbanctl %s%s--help'.\n", usage_verb ?: "", usage_verb ? " " : "");
        return CLI_EXIT_ERROR;
}

/* Parse options from argv (argv[0] is skipped). permute=false stops at the
 * first non-option (the verb). Returns 0 with optind at the first
 * positional argument, or CLI_EXIT_ERROR after printing the error. */
static int parse_verdict(const char *s) {
        static const enum vb_verdict all[] = { VB_VERDICT_ALLOW, VB_VERDICT_FLAG, VB_VERDICT_BLOCK };

        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                if (strcmp(s, verdict_to_string(all[i])) == 0)
                        return (int) all[i];
        return -1;
}

static int parse_time_option(const char *name, const char *value, int64_t *ret) {
        if (cli_parse_time(value, now_usec(), ret) < 0)
                return cli_usage_error("%s: cannot read '%s' as a time (UTC: 2026-11-25, \"2026-11-25 18:00\", "
                                       "today, yesterday, -2h, \"7d ago\")", name, value);
        return 0;
}

static int parse_options(struct vb_cli *cli, int argc, char **argv, bool permute, unsigned *seen) {
        int c, r;

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
                case ARG_NO_PAGER:
                        cli->no_pager = true;
                        break;
                case ARG_SINCE:
                        r = parse_time_option("--since", optarg, &cli->since_usec);
                        if (r != 0)
                                return r;
                        *seen |= OPT_FILTERS;
                        break;
                case ARG_UNTIL:
                        r = parse_time_option("--until", optarg, &cli->until_usec);
                        if (r != 0)
                                return r;
                        *seen |= OPT_FILTERS;
                        break;
                case ARG_BAN:
                        cli->ban = optarg;
                        *seen |= OPT_FILTERS;
                        break;
                case ARG_VERDICT:
                        cli->verdict = parse_verdict(optarg);
                        if (cli->verdict < 0)
                                return cli_usage_error("--verdict: '%s' is none of allow, flag, block", optarg);
                        *seen |= OPT_FILTERS;
                        break;
                case ARG_CSV:
                        cli->csv = true;
                        *seen |= OPT_CSV;
                        break;
                case ARG_POLICY_ROOT:
                        cli->policy_root = optarg;
                        break;
                case ARG_IMAGE:
                        cli->image = optarg;
                        *seen |= OPT_IMAGE;
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

const char *cli_policy_root(const struct vb_cli *cli) {
        _cleanup_free_ char *conf = NULL;

        if (cli->policy_root)
                return cli->policy_root;
        if (strcmp(cli->root, "/") == 0)
                return cli->root;
        conf = path_under_root(cli->root, cli->config ?: VB_DEFAULT_CONFIG);
        if (conf && access(conf, F_OK) == 0)
                return cli->root;
        return "/";
}

bool cli_policy_is_own(const struct vb_cli *cli) {
        _cleanup_free_ char *a = realpath(cli_policy_root(cli), NULL), *b = realpath(cli->root, NULL);

        return a && b && strcmp(a, b) == 0;
}

int cli_policy_load(const struct vb_cli *cli, struct vb_policy **ret) {
        const char *proot = cli_policy_root(cli);
        struct vb_diag diag = {};
        int r;

        if (!cli->policy_root && !cli->image_label && proot != cli->root)
                fprintf(stderr, "vendorbanctl: %s has no vendorban policy of its own (no %s): using this host's; "
                        "nothing is written into it\n", cli->root, cli->config ?: VB_DEFAULT_CONFIG);
        r = policy_load(proot, cli->config, ret, &diag);
        if (r < 0) {
                if (diag.n > 0)
                        diag_print(&diag, stderr);
                else
                        cli_error_errno(r, "failed to load the policy %s", cli->config ?: VB_DEFAULT_CONFIG);
                return CLI_EXIT_ERROR;
        }
        return CLI_EXIT_OK;
}

int cli_policy_load_or_last_good(const struct vb_cli *cli, struct vb_policy **ret) {
        _cleanup_free_ char *state = NULL, *db = NULL;
        struct vb_store *store = NULL;
        struct vb_diag diag = {};
        int64_t saved = 0;
        char when[32];
        int r;

        if (cli_policy_load(cli, ret) == CLI_EXIT_OK)
                return CLI_EXIT_OK;
        state = policy_state_dir(cli_policy_root(cli), cli->config);
        db = state ? cli_db_path_in(cli, state) : NULL;
        r = db ? cli_store_open_ro(db, &store) : -ENOMEM;
        if (r >= 0 && store)
                r = store_policy_last_good(store, ret, &saved, &diag);
        else if (r >= 0)
                r = -ENOENT;
        store_free(store);
        if (r < 0)
                return CLI_EXIT_ERROR;
        cli_format_sec(saved, when, sizeof when);
        fprintf(stderr, "vendorban: the policy files are broken (see above): using the LAST-KNOWN-GOOD policy "
                "compiled at %s (digest %.16s)\n", when, (*ret)->digest);
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

        _cleanup_free_ char *state = r == 0 ? NULL : policy_state_dir(cli_policy_root(cli), cli->config);

        *ret_db = r == 0 ? cli_db_path(cli, *ret_policy) : state ? cli_db_path_in(cli, state) : NULL;
        if (!*ret_db)
                return cli_error_errno(-ENOMEM, "failed to build the ledger path");
        if (r != 0)
                fprintf(stderr, "vendorbanctl: warning: the policy is broken (see above); reading the ledger "
                        "in the state directory the main config names (or the default): %s\n", *ret_db);
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

static int print_version(const struct vb_cli *cli) {
        struct vb_json j;

        if (!cli->json) {
                printf("vendorbanctl %s\n", VB_VERSION);
                return CLI_EXIT_OK;
        }
        json_init(&j, stdout);
        json_object_begin(&j);
        json_kv_string(&j, "program", "vendorbanctl");
        json_kv_string(&j, "version", VB_VERSION);
        json_object_end(&j);
        return json_finish(&j) < 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* The options the verb does not take, by name, for the error. */
static const char *option_names(unsigned opts) {
        if (opts & OPT_FILTERS)
                return "--since/--until/--ban/--verdict";
        return opts & OPT_CSV ? "--csv" : "--image";
}

static int run(int argc, char **argv) {
        struct vb_cli cli = { .root = "/", .verdict = -1 };
        const struct verb *v;
        unsigned seen = 0;
        int r, sub_argc;
        char **sub_argv;

        r = parse_options(&cli, argc, argv, false, &seen);
        if (r != 0)
                return r;
        if (cli.version)
                return print_version(&cli);
        if (cli.help) {
                cli_help(stdout);
                return CLI_EXIT_OK;
        }
        if (optind >= argc)
                return cli_usage_error("missing command");

        v = verb_find(argv[optind]);
        if (!v)
                return cli_usage_error("unknown command '%s'", argv[optind]);

        usage_verb = v->name;
        /* Options may follow the verb too: parse the rest the same way. */
        sub_argc = argc - optind;
        sub_argv = argv + optind;
        if (v->own_options) {
                journal_setup("vendorbanctl", false);
                return v->run(&cli, sub_argc, sub_argv);
        }
        r = parse_options(&cli, sub_argc, sub_argv, true, &seen);
        if (r != 0)
                return r;
        if (cli.version)
                return print_version(&cli);
        if (cli.help) {
                if (!cli_verb_help(v->name, stdout))
                        cli_help(stdout);
                return CLI_EXIT_OK;
        }
        if (seen & ~v->opts)
                return cli_usage_error("%s does not take %s", v->name, option_names(seen & ~v->opts));
        if (cli.csv && cli.json)
                return cli_usage_error("--csv and --json exclude each other");
        sub_argc -= optind;
        sub_argv += optind;
        if (sub_argc == 0 && v->subcommands) {
                fprintf(stderr, "vendorbanctl: %s needs a command:\n\n", v->name);
                cli_verb_help(v->name, stderr);
                return CLI_EXIT_ERROR;
        }
        if (sub_argc < v->min_args)
                return cli_usage_error("%s: missing argument", v->name);
        if (v->max_args >= 0 && sub_argc > v->max_args)
                return cli_usage_error("%s: unexpected argument '%s'", v->name, sub_argv[v->max_args]);

        r = check_root(cli.root);
        if (r == 0 && cli.policy_root)
                r = check_root(cli.policy_root);
        if (r != 0)
                return r;
        journal_setup("vendorbanctl", false);
        r = v->run(&cli, sub_argc, sub_argv);
        cli_pager_close();
        return r;
}

int main(int argc, char **argv) {
        int r = run(argc, argv);

        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "vendorbanctl: write error on standard output: %s\n", strerror(errno));
                return CLI_EXIT_ERROR;
        }
        return r;
}
