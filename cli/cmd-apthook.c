/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl apt-hook": APT's DPkg::Pre-Install-Pkgs hook, protocol v3
 * (policy/apt/50vendorban). Reads the stream APT writes, runs dpkg-deb
 * --field on every .deb about to be unpacked, evaluates the control fields
 * with the engine and refuses (exit 1) a banned one in enforce mode, so
 * APT aborts before dpkg runs. Writes nothing but stderr and, for a
 * refusal, a journal entry: no ledger, no policy compilation, so an
 * allowed install costs one dpkg-deb per .deb. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

#include "apthook-proto.h"
#include "cli.h"
#include "dpkg.h"
#include "engine.h"
#include "hook-refusal.h"
#include "journal.h"
#include "util.h"

#define DPKG_DEB "/usr/bin/dpkg-deb"
/* Bytes of dpkg-deb --field output we read. dpkg sets no limit on control
 * data; real packages have a few KiB (the largest in Debian < 1 MiB), so
 * this is far above any; past it, the fields read so far are judged. */
#define CONTROL_MAX (64 * 1024 * 1024)
#define STDERR_KEEP 1024                /* bytes of dpkg-deb's stderr kept for the message */
#define DPKG_DEB_TIMEOUT_MS 30000

extern char **environ;

struct hook {
        const struct vb_policy *policy;
        int64_t now;
        unsigned errors;                /* .debs (or input) we could not judge */
        unsigned refused;               /* enforce mode: banned */
};

static void __attribute__((format(printf, 1, 2))) hook_error(const char *fmt, ...) {
        va_list ap;

        fputs("vendorban: hook error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* ------------------------------------------------------------ input */

static int input_fd(int *ret) {
        const char *e = getenv("APT_HOOK_INFO_FD");
        char *end;
        long v;

        *ret = 0;
        if (!e || !*e)
                return 0;
        errno = 0;
        v = strtol(e, &end, 10);
        if (errno || *end || v < 0 || v > 1023) {
                hook_error("APT_HOOK_INFO_FD=%.32s is not a file descriptor", e);
                return -EINVAL;
        }
        *ret = (int) v;
        return 0;
}

/* Read the whole stream: APT must never block writing to us, so past
 * APTHOOK_INPUT_MAX the rest is read and dropped, and -E2BIG returned. */
static int input_read(int fd, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;
        bool overflow = false;
        char drop[65536];

        for (;;) {
                if (!overflow && size - len < 65536) {
                        size_t n = size ? size * 2 : 262144;
                        char *b = realloc(buf, n);

                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        size = n;
                }
                ssize_t k = overflow ? read(fd, drop, sizeof drop) : read(fd, buf + len, size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                if (!overflow) {
                        len += (size_t) k;
                        overflow = len > APTHOOK_INPUT_MAX;
                }
        }
        if (overflow)
                return -E2BIG;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* ------------------------------------------------------------ dpkg-deb */

struct capture {
        char *out;
        size_t out_len, out_size;
        char err[STDERR_KEEP];
        size_t err_len;
};

/* Read what is ready on fd into the capture. 0 at EOF, 1 if more may
 * come, -EFBIG past CONTROL_MAX, other negative errno. */
static int capture_read(int fd, struct capture *c, bool is_out) {
        char drop[4096];
        ssize_t k;

        if (is_out && c->out_size - c->out_len < 4096) {
                size_t n = c->out_size ? c->out_size * 2 : 16384;
                char *b = realloc(c->out, n);

                if (!b)
                        return -ENOMEM;
                c->out = b;
                c->out_size = n;
        }
        if (is_out)
                k = read(fd, c->out + c->out_len, c->out_size - c->out_len);
        else if (c->err_len < sizeof c->err - 1)
                k = read(fd, c->err + c->err_len, sizeof c->err - 1 - c->err_len);
        else
                k = read(fd, drop, sizeof drop);
        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -errno;
        if (k == 0)
                return 0;
        if (is_out) {
                c->out_len += (size_t) k;
                if (c->out_len > CONTROL_MAX)
                        return -EFBIG;
        } else if (c->err_len < sizeof c->err - 1)
                c->err_len += (size_t) k;
        return 1;
}

/* Collect the child's stdout and stderr until both close, within the
 * timeout. */
static int capture_all(int out_fd, int err_fd, struct capture *c) {
        struct pollfd pfd[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
        int64_t deadline = now_usec() + DPKG_DEB_TIMEOUT_MS * 1000LL;

        while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
                int64_t left = (deadline - now_usec()) / 1000;
                if (left <= 0)
                        return -ETIMEDOUT;
                int k = poll(pfd, 2, (int) left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                for (size_t i = 0; i < 2; i++) {
                        if (pfd[i].fd < 0 || !pfd[i].revents)
                                continue;
                        k = capture_read(pfd[i].fd, c, i == 0);
                        if (k < 0)
                                return k;
                        if (k == 0)
                                pfd[i].fd = -1;
                }
        }
        return 0;
}

static int spawn_dpkg_deb(const char *deb, int out_fd, int err_fd, pid_t *ret_pid) {
        char *const argv[] = { (char *) "dpkg-deb", (char *) "--field", (char *) deb, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        int r;

        sigemptyset(&none);
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGPIPE);
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        if ((r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
            (r = posix_spawn_file_actions_adddup2(&fa, out_fd, 1)) == 0 &&
            (r = posix_spawn_file_actions_adddup2(&fa, err_fd, 2)) == 0 &&
            (r = posix_spawnattr_setsigmask(&attr, &none)) == 0 && (r = posix_spawnattr_setsigdefault(&attr, &dfl)) == 0 &&
            (r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0)
                r = posix_spawn(ret_pid, DPKG_DEB, &fa, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

/* The first line of what dpkg-deb said, for our one-line message. */
static const char *capture_error(struct capture *c) {
        c->err[c->err_len] = '\0';
        c->err[strcspn(c->err, "\n")] = '\0';
        cli_sanitize(c->err);
        return c->err[0] ? c->err : "no message";
}

/* Run `dpkg-deb --field DEB` (argv, no shell) and return its output, the
 * control stanza. On failure the cause is printed and a negative errno
 * returned; for output past CONTROL_MAX (-EFBIG) what was read up to then
 * is returned all the same, to be judged. */
static int deb_control(const char *deb, char **ret, size_t *ret_len) {
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF, err_r = -EBADF, err_w = -EBADF;
        struct capture c = {};
        int p[2], status = 0, r;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                hook_error("cannot make a pipe for dpkg-deb: %s", strerror(-r));
                return r;
        }
        out_r = p[0], out_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                hook_error("cannot make a pipe for dpkg-deb: %s", strerror(-r));
                return r;
        }
        err_r = p[0], err_w = p[1];

        r = spawn_dpkg_deb(deb, out_w, err_w, &pid);
        if (r < 0) {
                hook_error("cannot run %s: %s", DPKG_DEB, strerror(-r));
                return r;
        }
        close(TAKE_FD(out_w));
        close(TAKE_FD(err_w));

        r = capture_all(out_r, err_r, &c);
        if (r < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r == -ETIMEDOUT)
                hook_error("dpkg-deb --field %s did not finish within %d s", deb, DPKG_DEB_TIMEOUT_MS / 1000);
        else if (r == -EFBIG)
                hook_error("the control fields of %s are larger than %d bytes", deb, CONTROL_MAX);
        else if (r < 0)
                hook_error("reading the output of dpkg-deb --field %s: %s", deb, strerror(-r));
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                hook_error("dpkg-deb cannot read %s (%s %d): %s", deb, WIFEXITED(status) ? "exit status" : "signal",
                           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), capture_error(&c));
                r = -EIO;
        }
        if (r < 0 && r != -EFBIG) {
                free(c.out);
                return r;
        }
        *ret = c.out;
        *ret_len = c.out_len;
        return r;
}

/* ------------------------------------------------------------ verdicts */

static const struct hook_kind apt_hook = {
        .name = "APT hook", .message_id = VB_MID_APT_REFUSED, .source = "dpkg", .file_field = "VENDORBAN_DEB",
        .action_refused = "apt-refused", .action_would_refuse = "apt-would-refuse",
};

static void report_block(struct hook *h, const struct vb_package *pkg, const struct vb_decision *d, const char *deb) {
        bool enforce = h->policy->config.mode == VB_MODE_ENFORCE;

        if (hook_refuse(&apt_hook, pkg, d, deb, enforce) < 0) {
                hook_error("out of memory");
                h->errors++;
        } else if (enforce)
                h->refused++;
}

/* Judge a package; true if it was refused or would be (reported). A flag
 * is noted if note is set. */
static bool judge(struct hook *h, const struct vb_package *pkg, const char *deb, bool note) {
        struct vb_decision d;

        engine_evaluate_package(h->policy, pkg, h->now, &d);
        if (d.verdict == VB_VERDICT_BLOCK) {
                report_block(h, pkg, &d, deb);
                return true;
        }
        if (d.verdict == VB_VERDICT_FLAG && note) {
                char name[256];
                fprintf(stderr, "vendorban: note: %s matches ban %s (verdict flag): installing\n",
                        cli_safe(pkg->name, name, sizeof name), d.ban->id);
        }
        return false;
}

/* The control fields of the .deb, judged; an unreadable .deb is an error,
 * and so are damaged fields that do not show a ban. */
static void check_deb(struct hook *h, const struct apthook_pkg *ap) {
        _cleanup_(dpkg_db_freep) struct vb_dpkg_db *db = NULL;
        _cleanup_free_ char *out = NULL;
        struct vb_diag diag = {};
        size_t len = 0;
        int r, k;

        k = deb_control(ap->file, &out, &len);
        if (k < 0 && k != -EFBIG) {
                h->errors++;
                return;
        }
        db = calloc(1, sizeof *db);
        if (!db) {
                hook_error("out of memory");
                h->errors++;
                return;
        }
        /* Past CONTROL_MAX the output is cut short: its whole lines are
         * still read (the stanza then counts as damaged). */
        r = dpkg_parse_buffer(out, len, ap->file, db, &diag);
        if (r == -ENOMEM) {
                hook_error("out of memory");
                h->errors++;
                return;
        }
        bool refused = false;
        for (size_t i = 0; i < db->n; i++) {
                const struct vb_dpkg_package *dp = &db->pkgs[i];
                struct vb_package pkg = {
                        .name = dp->name,
                        .arch = dp->arch ?: ap->new_arch,
                        .version = dp->version ?: ap->new_version,
                        .maintainer = dp->maintainer,
                        .original_maintainer = dp->original_maintainer,
                        .vendor = dp->vendor,
                        .installed_at = h->now,         /* a new install: the new-installs phases apply */
                };
                refused = judge(h, &pkg, ap->file, true) || refused;
        }
        if (refused || (k == 0 && r == 0 && db->n == 1))
                return;
        if (k == -EFBIG)
                ; /* reported by deb_control */
        else if (diag.n > 0)
                hook_error("bad control fields in %s:%u: %s", diag.items[0].file, diag.items[0].line,
                           diag.items[0].message);
        else
                hook_error("%s holds %zu control stanzas, expected one", ap->file, db->n);
        h->errors++;
}

/* Judge one package line: first by what APT's line says (name, version,
 * architecture), which needs no file, then by the .deb's control fields.
 * A ban shown by either is refused in enforce mode, whatever
 * apt_hook_on_error says; only what could not be read is an error. */
static void check_unpack(struct hook *h, const struct apthook_pkg *ap) {
        struct vb_package line = {
                .name = ap->name,
                .arch = ap->new_arch ?: ap->name_arch,
                .version = ap->new_version ?: "",
                .installed_at = h->now,
        };

        /* A flag is noted once: from the .deb if it is read. */
        if (judge(h, &line, ap->file ?: "(none)", ap->action != APTHOOK_UNPACK))
                return;
        if (ap->action == APTHOOK_UNPACK)
                check_deb(h, ap);
}

/* ------------------------------------------------------------ the verb */

static int on_error(const struct vb_policy *p) {
        if (!p) {
                fputs("vendorban: hook error, allowing the install (the policy could not be loaded and "
                      "the ledger holds no last-known-good one, so apt_hook_on_error is unknown: a host "
                      "that never had a good policy allows)\n",
                      stderr);
                return CLI_EXIT_OK;
        }
        if (p->config.apt_hook_allow_on_error) {
                fputs("vendorban: hook error, allowing the install (apt_hook_on_error = allow)\n", stderr);
                return CLI_EXIT_OK;
        }
        fputs("vendorban: hook error, refusing the install (apt_hook_on_error = refuse)\n", stderr);
        return CLI_EXIT_FOUND;
}

int cmd_apthook(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        struct apthook_request req = {};
        struct apthook_error err;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int fd, r;

        r = input_fd(&fd);
        if (r < 0)
                return on_error(NULL);
        if (isatty(fd))
                return cli_usage_error("apt-hook reads APT's Pre-Install-Pkgs stream (protocol version 3) on "
                                       "standard input: APT runs it, see /etc/apt/apt.conf.d/50vendorban");
        /* Read everything first: APT waits for us to take its whole stream. */
        r = input_read(fd, &buf, &len);

        if (cli_policy_load_or_last_good(cli, &p) != 0)     /* broken files: the last good policy */
                return on_error(NULL);
        if (r == -E2BIG) {
                hook_error("APT hook input larger than %u bytes", APTHOOK_INPUT_MAX);
                return on_error(p);
        }
        if (r < 0) {
                hook_error("reading the APT hook input: %s", strerror(-r));
                return on_error(p);
        }
        r = apthook_parse(buf, len, &req, &err);
        if (r == -ENOMEM) {
                hook_error("out of memory");
                return on_error(p);
        }
        struct hook h = { .policy = p, .now = now_sec() };
        if (r < 0) {
                if (err.line > 0)
                        hook_error("APT hook input, line %u: %s", err.line, err.message);
                else
                        hook_error("APT hook input: %s", err.message);
                if (req.n_bad == 0)
                        return on_error(p);
                h.errors++;     /* bad package lines: the others, and their names, still count */
        }

        for (size_t i = 0; i < req.n_pkgs; i++)
                if (req.pkgs[i].action == APTHOOK_UNPACK || req.pkgs[i].action == APTHOOK_BAD)
                        check_unpack(&h, &req.pkgs[i]);
        apthook_request_clear(&req);

        if (h.refused > 0) {
                fprintf(stderr, "vendorban: %u package%s refused (enforce mode): APT stops before dpkg runs, "
                        "nothing is installed\n", h.refused, h.refused == 1 ? "" : "s");
                return CLI_EXIT_FOUND;
        }
        return h.errors > 0 ? on_error(p) : CLI_EXIT_OK;
}
