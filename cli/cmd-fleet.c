/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 'vendorbanctl fleet report': reads the compliance summaries in a
 * collector's journal (sd-journal) into lib/fleet.c and prints one row per
 * host as text, JSON or CSV. Owns the options, the enrolled-keys directory
 * and the cursor file; the logic is in lib/fleet.c. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "cli.h"
#include "fleet.h"
#include "summary.h"

#define DEFAULT_STALE_USEC (26LL * 3600 * 1000000) /* a day between summaries, and some slack */

enum { FMT_TEXT, FMT_JSON, FMT_CSV };

struct fleet_opts {
        const char *journal_dir;
        const char *enrolled_dir;
        const char *cursor_file;
        int64_t since_usec;
        int64_t stale_after_usec;
        int64_t now_usec;
        int format;
};

static void fleet_help(void) {
        fputs("Usage: vendorbanctl fleet report --journal-dir DIR [OPTIONS]\n"
              "\n"
              "One row per host from the vendorban compliance summaries that\n"
              "systemd-journal-remote gathered into DIR (see vendorban-fleet(7)).\n"
              "\n"
              "  --journal-dir DIR       the collector's journal directory (required)\n"
              "  --since TIME            only summaries from TIME on (YYYY-MM-DD,\n"
              "                          YYYY-MM-DDTHH:MM:SS[Z] in UTC, or @SECONDS)\n"
              "  --stale-after DURATION  flag hosts with no trusted summary for longer\n"
              "                          (90s, 30m, 26h, 7d; default 26h)\n"
              "  --enrolled-keys DIR     files named MACHINE-ID holding each host's public\n"
              "                          key (hex); without it the first key seen per\n"
              "                          machine-id is trusted\n"
              "  --cursor-file FILE      resume after the entry where the last run with\n"
              "                          this FILE stopped, with its hosts and keys\n"
              "  --now TIME              judge staleness as of TIME instead of now\n"
              "  --json | --csv          machine-readable output\n"
              "\n"
              "Exit status: 0 every host compliant, verified, fresh and on the newest\n"
              "policy; 1 some host is not; 2 error.\n",
              stdout);
}

static int parse_opts(const struct vb_cli *cli, int argc, char **argv, struct fleet_opts *o) {
        enum { A_DIR = 0x100, A_SINCE, A_STALE, A_JSON, A_CSV, A_KEYS, A_CURSOR, A_NOW, A_ROOT, A_CONFIG };
        static const struct option opts[] = {
                { "journal-dir", required_argument, NULL, A_DIR },
                { "since", required_argument, NULL, A_SINCE },
                { "stale-after", required_argument, NULL, A_STALE },
                { "enrolled-keys", required_argument, NULL, A_KEYS },
                { "cursor-file", required_argument, NULL, A_CURSOR },
                { "now", required_argument, NULL, A_NOW },
                { "json", no_argument, NULL, A_JSON },
                { "csv", no_argument, NULL, A_CSV },
                { "root", required_argument, NULL, A_ROOT },
                { "config", required_argument, NULL, A_CONFIG },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *o = (struct fleet_opts) { .stale_after_usec = DEFAULT_STALE_USEC, .now_usec = now_usec(),
                                   .format = cli->json ? FMT_JSON : FMT_TEXT };
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) >= 0) {
                switch (c) {
                case A_DIR: o->journal_dir = optarg; break;
                case A_KEYS: o->enrolled_dir = optarg; break;
                case A_CURSOR: o->cursor_file = optarg; break;
                case A_JSON: o->format = FMT_JSON; break;
                case A_CSV: o->format = FMT_CSV; break;
                case A_ROOT: case A_CONFIG: break; /* no meaning here: the journal is named by --journal-dir */
                case A_SINCE:
                        if (fleet_parse_time(optarg, &o->since_usec) < 0)
                                return cli_usage_error("--since: not a time: '%s' (YYYY-MM-DD, "
                                                       "YYYY-MM-DDTHH:MM:SSZ or @SECONDS)", optarg);
                        break;
                case A_NOW:
                        if (fleet_parse_time(optarg, &o->now_usec) < 0)
                                return cli_usage_error("--now: not a time: '%s'", optarg);
                        break;
                case A_STALE:
                        if (fleet_parse_duration(optarg, &o->stale_after_usec) < 0)
                                return cli_usage_error("--stale-after: not a duration: '%s' (90s, 30m, 26h, 7d)",
                                                       optarg);
                        break;
                case 'h': fleet_help(); return -1;
                case ':': return cli_usage_error("option '%s' requires an argument", argv[optind - 1]);
                default: return cli_usage_error("fleet: unrecognized option '%s'", argv[optind - 1]);
                }
        }
        if (optind >= argc || strcmp(argv[optind], "report") != 0)
                return cli_usage_error("fleet: the only command is 'fleet report --journal-dir DIR'");
        if (optind + 1 < argc)
                return cli_usage_error("fleet report: unexpected argument '%s'", argv[optind + 1]);
        if (!o->journal_dir)
                return cli_usage_error("fleet report: --journal-dir DIR is required");
        return 0;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int load_enrolled(struct vb_fleet *f, const char *dir) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return cli_error_errno(-errno, "--enrolled-keys %s", dir);
        while ((de = readdir(d))) {
                char key[80] = "", machine[64];
                if (de->d_name[0] == '.')
                        continue;
                snprintf(machine, sizeof machine, "%.*s", (int) strcspn(de->d_name, "."), de->d_name);
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        return cli_error_errno(-ENOMEM, "enrolled keys");
                _cleanup_fclose_ FILE *in = fopen(path, "re");
                if (!in)
                        return cli_error_errno(-errno, "%s", path);
                if (!fgets(key, sizeof key, in))
                        key[0] = '\0';
                key[strcspn(key, " \t\r\n")] = '\0';
                if (fleet_enroll(f, machine, key) < 0) {
                        fprintf(stderr, "vendorbanctl: %s:1: expected the public key of machine '%s' as 64 hex "
                                "digits (file named by the machine-id)\n", path, machine);
                        return CLI_EXIT_ERROR;
                }
        }
        return 0;
}

/* The value of FIELD in the current entry as a NUL-terminated copy in buf. */
static const char *entry_field(sd_journal *j, const char *field, char *buf, size_t size) {
        const void *d;
        size_t l, n = strlen(field);

        if (sd_journal_get_data(j, field, &d, &l) < 0 || l <= n || l - n - 1 >= size)
                return NULL;
        memcpy(buf, (const char *) d + n + 1, l - n - 1);
        buf[l - n - 1] = '\0';
        return buf;
}

static int read_journal(struct vb_fleet *f, const struct fleet_opts *o, const char *resume, char **ret_cursor) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        static char vals[_VB_SF_MAX + 4][1024];
        bool skip_first = false;
        int r;

        r = sd_journal_open_directory(&j, o->journal_dir, 0);
        if (r < 0)
                return cli_error_errno(r, "cannot open the journal directory %s", o->journal_dir);
        r = sd_journal_add_match(j, "MESSAGE_ID=" VB_MID_SUMMARY, 0);
        if (r < 0)
                return cli_error_errno(r, "sd_journal_add_match");
        if (resume) {
                r = sd_journal_seek_cursor(j, resume);
                skip_first = true;
        } else if (o->since_usec > 0)
                r = sd_journal_seek_realtime_usec(j, (uint64_t) o->since_usec);
        if (r < 0)
                return cli_error_errno(r, "cannot seek in %s", o->journal_dir);
        while ((r = sd_journal_next(j)) > 0) {
                if (skip_first) {
                        skip_first = false;
                        if (sd_journal_test_cursor(j, resume) > 0)
                                continue;
                }
                struct vb_fleet_entry e = {};
                sd_id128_t boot;
                char boot_s[33];
                if (sd_journal_get_realtime_usec(j, &e.realtime) < 0 ||
                    sd_journal_get_monotonic_usec(j, &e.monotonic, &boot) < 0)
                        continue;
                if (o->since_usec > 0 && e.realtime < (uint64_t) o->since_usec)
                        continue;
                sd_id128_to_string(boot, boot_s);
                e.boot_id = boot_s;
                e.machine_id = entry_field(j, "_MACHINE_ID", vals[_VB_SF_MAX], sizeof vals[0]);
                e.hostname = entry_field(j, "_HOSTNAME", vals[_VB_SF_MAX + 1], sizeof vals[0]);
                e.signature = entry_field(j, VB_SUMMARY_SIGNATURE_FIELD, vals[_VB_SF_MAX + 2], sizeof vals[0]);
                for (size_t i = 0; i < _VB_SF_MAX; i++)
                        e.values[i] = entry_field(j, summary_field_names[i], vals[i], sizeof vals[i]);
                r = fleet_add(f, &e);
                if (r == -ENOMEM)
                        return cli_error_errno(r, "reading %s", o->journal_dir);
                /* -EINVAL: no usable _MACHINE_ID; such an entry names no host. */
        }
        if (r < 0)
                return cli_error_errno(r, "reading %s", o->journal_dir);
        char *cursor = NULL;
        if (sd_journal_previous(j) > 0 && sd_journal_get_cursor(j, &cursor) >= 0)
                *ret_cursor = cursor;
        return 0;
}

static int load_state(struct vb_fleet *f, const char *path, char **ret_cursor) {
        _cleanup_fclose_ FILE *in = fopen(path, "re");
        unsigned line = 0;

        if (!in)
                return errno == ENOENT ? 0 : cli_error_errno(-errno, "--cursor-file %s", path);
        int r = fleet_load(f, in, ret_cursor, &line);
        if (r == -EBADMSG) {
                fprintf(stderr, "vendorbanctl: %s:%u: not a vendorban fleet state line; move the file aside to "
                        "read the journal from its start\n", path, line);
                return CLI_EXIT_ERROR;
        }
        return r < 0 ? cli_error_errno(r, "%s", path) : 0;
}

static int save_state(const struct vb_fleet *f, const char *path, const char *cursor) {
        _cleanup_free_ char *tmp = NULL;

        if (asprintf(&tmp, "%s.tmp", path) < 0)
                return cli_error_errno(-ENOMEM, "%s", path);
        FILE *out = fopen(tmp, "we");
        if (!out)
                return cli_error_errno(-errno, "%s", tmp);
        int r = fleet_save(f, cursor, out);
        if ((fflush(out) != 0 || fsync(fileno(out)) < 0) && r >= 0)
                r = -errno;
        if (fclose(out) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return cli_error_errno(r, "cannot write %s", path);
        }
        return 0;
}

int cmd_fleet(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(fleet_free) struct vb_fleet f = {};
        _cleanup_free_ char *resume = NULL, *cursor = NULL;
        struct fleet_opts o;
        int r;

        r = parse_opts(cli, argc, argv, &o);
        if (r != 0)
                return r < 0 ? CLI_EXIT_OK : r;
        if (o.cursor_file) {
                r = load_state(&f, o.cursor_file, &resume);
                if (r != 0)
                        return CLI_EXIT_ERROR;
        }
        if (o.enrolled_dir) {
                r = load_enrolled(&f, o.enrolled_dir);
                if (r != 0)
                        return CLI_EXIT_ERROR;
        }
        r = read_journal(&f, &o, resume, &cursor);
        if (r != 0)
                return CLI_EXIT_ERROR;
        if (o.cursor_file) {
                /* Saved before the flags are settled: they depend on --now. */
                r = save_state(&f, o.cursor_file, cursor ? cursor : resume);
                if (r != 0)
                        return CLI_EXIT_ERROR;
        }
        fleet_finish(&f, o.now_usec, o.stale_after_usec);
        return fleet_print(&f, o.format == FMT_JSON ? "json" : o.format == FMT_CSV ? "csv" : "text");
}
