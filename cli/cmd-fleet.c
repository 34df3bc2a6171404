/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 'vendorbanctl fleet report': reads the compliance summaries in a
 * collector's journal (sd-journal) into lib/fleet.c and prints one row per
 * host as text, JSON or CSV. Owns the options, the enrolled-keys directory
 * and the cursor file; the logic is in lib/fleet.c. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
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

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

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

/* Entries are read in batches; their signatures (the costly part: an
 * Ed25519 verification each) are checked on every CPU, then the batch is
 * taken in journal order. */
#define BATCH 2048
#define THREADS_MAX 16

struct batch {
        struct vb_fleet_entry e[BATCH];
        char *owned[BATCH][_VB_SF_MAX + 4];     /* copies behind e[i]'s strings */
        char boot[BATCH][33];
        bool valid[BATCH];
        size_t n;
};

struct verifier {
        struct batch *b;
        size_t first, step;
};

/* A copy of FIELD's value in the current entry, or NULL. */
static char *entry_field(sd_journal *j, const char *field) {
        const void *d;
        size_t l, n = strlen(field);

        if (sd_journal_get_data(j, field, &d, &l) < 0 || l <= n)
                return NULL;
        return strndup((const char *) d + n + 1, l - n - 1);
}

static void *verify_some(void *userdata) {
        struct verifier *v = userdata;

        for (size_t i = v->first; i < v->b->n; i += v->step)
                v->b->valid[i] = fleet_entry_valid(&v->b->e[i]);
        return NULL;
}

static void batch_verify(struct batch *b) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t n = cpus < 1 ? 1 : cpus > THREADS_MAX ? THREADS_MAX : (size_t) cpus;
        struct verifier v[THREADS_MAX];
        pthread_t t[THREADS_MAX];
        size_t started = 0;

        if (b->n < 64)
                n = 1;
        for (size_t i = 0; i < n; i++)
                v[i] = (struct verifier) { .b = b, .first = i, .step = n };
        for (size_t i = 1; i < n; i++)
                if (pthread_create(&t[i], NULL, verify_some, &v[i]) == 0)
                        started = i;
                else
                        break;
        /* Any share whose thread did not start is done here. */
        for (size_t i = started + 1; i < n; i++)
                verify_some(&v[i]);
        verify_some(&v[0]);
        for (size_t i = 1; i <= started; i++)
                pthread_join(t[i], NULL);
}

static int batch_flush(struct vb_fleet *f, struct batch *b) {
        int r = 0;

        batch_verify(b);
        for (size_t i = 0; i < b->n; i++) {
                int k = fleet_add_checked(f, &b->e[i], b->valid[i]);
                if (k == -ENOMEM)
                        r = k;
                /* -EINVAL: no usable _MACHINE_ID; such an entry names no host. */
                for (size_t x = 0; x < _VB_SF_MAX + 4; x++)
                        free(b->owned[i][x]);
        }
        b->n = 0;
        return r;
}

static void batch_take(struct batch *b, sd_journal *j, uint64_t realtime, uint64_t monotonic, sd_id128_t boot) {
        size_t i = b->n++;
        char **o = b->owned[i];
        struct vb_fleet_entry *e = &b->e[i];

        *e = (struct vb_fleet_entry) { .realtime = realtime, .monotonic = monotonic, .boot_id = b->boot[i] };
        sd_id128_to_string(boot, b->boot[i]);
        e->machine_id = o[_VB_SF_MAX] = entry_field(j, "_MACHINE_ID");
        e->hostname = o[_VB_SF_MAX + 1] = entry_field(j, "_HOSTNAME");
        e->signature = o[_VB_SF_MAX + 2] = entry_field(j, VB_SUMMARY_SIGNATURE_FIELD);
        o[_VB_SF_MAX + 3] = NULL;
        for (size_t k = 0; k < _VB_SF_MAX; k++)
                e->values[k] = o[k] = entry_field(j, summary_field_names[k]);
}

/* One journal file of the collector, read on its own: sd-journal's
 * interleaving of many files, each holding many hosts and boots, cannot
 * resume from one cursor (seeking by a cursor of one boot skips the entries
 * of other boots in other files). Each file is identified by the cursor of
 * its first summary entry and resumed after the last one read. */
struct jfile {
        char *path;
        char *head;             /* cursor of its first summary entry */
        uint64_t head_realtime;
        char *last;             /* cursor of the last summary entry read, or NULL */
};

static int cmp_jfile(const void *a, const void *b) {
        const struct jfile *x = a, *y = b;
        return x->head_realtime < y->head_realtime ? -1 : x->head_realtime > y->head_realtime;
}

static int open_one(const char *path, sd_journal **ret) {
        const char *paths[] = { path, NULL };
        int r = sd_journal_open_files(ret, paths, 0);
        if (r >= 0)
                r = sd_journal_add_match(*ret, "MESSAGE_ID=" VB_MID_SUMMARY, 0);
        return r;
}

/* The files of DIR, oldest first, with where the last run stopped in each
 * (positions: "HEAD LAST" lines). */
static int list_files(const char *dir, const char *positions, struct jfile **ret, size_t *ret_n) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct jfile *v = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (!((len > 8 && strcmp(de->d_name + len - 8, ".journal") == 0) ||
                      (len > 9 && strcmp(de->d_name + len - 9, ".journal~") == 0)))
                        continue;
                _cleanup_(sd_journal_closep) sd_journal *j = NULL;
                struct jfile f = {};
                if (asprintf(&f.path, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                if (open_one(f.path, &j) < 0 || sd_journal_next(j) <= 0 || sd_journal_get_cursor(j, &f.head) < 0 ||
                    sd_journal_get_realtime_usec(j, &f.head_realtime) < 0) {
                        free(f.path);
                        free(f.head);
                        continue; /* no summary in it, or unreadable: nothing to report from it */
                }
                /* Where the last run stopped in this file. */
                size_t hl = strlen(f.head);
                for (const char *p = positions; p && *p;) {
                        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
                        if ((size_t) (end - p) > hl + 1 && strncmp(p, f.head, hl) == 0 && p[hl] == ' ')
                                f.last = strndup(p + hl + 1, (size_t) (end - p) - hl - 1);
                        p = nl ? nl + 1 : NULL;
                }
                struct jfile *nv = realloc(v, (n + 1) * sizeof *nv);
                if (!nv)
                        return -ENOMEM;
                v = nv;
                v[n++] = f;
        }
        if (n > 1)
                qsort(v, n, sizeof *v, cmp_jfile);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int read_file(struct vb_fleet *f, const struct fleet_opts *o, struct batch *b, struct jfile *jf) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        int r = open_one(jf->path, &j);

        if (r < 0)
                return r;
        bool current = false;   /* positioned on an entry not read yet */
        if (jf->last) {
                r = sd_journal_seek_cursor(j, jf->last);
                if (r >= 0) {
                        r = sd_journal_next(j);
                        current = r > 0 && sd_journal_test_cursor(j, jf->last) <= 0; /* that one is gone */
                }
        } else if (o->since_usec > 0)
                r = sd_journal_seek_realtime_usec(j, (uint64_t) o->since_usec);
        if (r < 0)
                return r;
        while (current || (r = sd_journal_next(j)) > 0) {
                current = false;
                uint64_t realtime, monotonic;
                sd_id128_t boot;
                if (sd_journal_get_realtime_usec(j, &realtime) < 0 ||
                    sd_journal_get_monotonic_usec(j, &monotonic, &boot) < 0)
                        continue;
                if (o->since_usec > 0 && realtime < (uint64_t) o->since_usec)
                        continue;
                batch_take(b, j, realtime, monotonic, boot);
                if (b->n == BATCH && (r = batch_flush(f, b)) < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = batch_flush(f, b);
        if (r < 0)
                return r;
        char *cursor = NULL;
        /* At the end, sd-journal stays on the last entry read. */
        if (sd_journal_get_cursor(j, &cursor) >= 0) {
                free(jf->last);
                jf->last = cursor;
        }
        return 0;
}

static int read_journal(struct vb_fleet *f, const struct fleet_opts *o, const char *resume, char **ret_positions) {
        _cleanup_free_ struct batch *b = calloc(1, sizeof *b);
        struct jfile *files = NULL;
        size_t n = 0;
        int r;

        if (!b)
                return cli_error_errno(-ENOMEM, "reading %s", o->journal_dir);
        r = list_files(o->journal_dir, resume, &files, &n);
        if (r < 0)
                return cli_error_errno(r, "cannot read the journal directory %s", o->journal_dir);
        char *buf = NULL;
        size_t size = 0;
        FILE *pos = open_memstream(&buf, &size);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0) {
                        r = read_file(f, o, b, &files[i]);
                        if (r < 0)
                                cli_error_errno(r, "reading %s", files[i].path);
                }
                if (pos && files[i].last)
                        fprintf(pos, "%s %s\n", files[i].head, files[i].last);
                free(files[i].path);
                free(files[i].head);
                free(files[i].last);
        }
        free(files);
        if (!pos || fclose(pos) != 0) {
                free(buf);
                return cli_error_errno(-ENOMEM, "reading %s", o->journal_dir);
        }
        if (r < 0) {
                free(buf);
                return CLI_EXIT_ERROR;
        }
        *ret_positions = buf;
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
                r = save_state(&f, o.cursor_file, cursor);
                if (r != 0)
                        return CLI_EXIT_ERROR;
        }
        fleet_finish(&f, o.now_usec, o.stale_after_usec);
        return fleet_print(&f, o.format == FMT_JSON ? "json" : o.format == FMT_CSV ? "csv" : "text");
}
