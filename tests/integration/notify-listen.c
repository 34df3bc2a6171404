/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: a stand-in for systemd's end of the sd_notify protocol.
 *
 *   notify-listen PATH [TIMEOUT_SECONDS]
 *
 * Binds a unix datagram socket at PATH ("@name" for the abstract namespace)
 * and prints every datagram it receives to stdout, one "KEY=value" assignment
 * per line, flushed at once; after a datagram holding WATCHDOG=1, one more line
 * WATCHDOG_AT_USEC=<CLOCK_REALTIME microseconds> says when it arrived (compare
 * with bash's $EPOCHREALTIME). Passed file descriptors are closed. Exits 0 after
 * TIMEOUT_SECONDS (default 300) or on SIGTERM/SIGINT, removing PATH; exits 1
 * on a setup error. Owns nothing but its socket. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred */
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

static long long now_msec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_passed_fds(struct msghdr *mh)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int fds[64];
                if (n > 64)
                        n = 64;
                memcpy(fds, CMSG_DATA(c), n * sizeof(int));
                for (size_t i = 0; i < n; i++)
                        close(fds[i]);
        }
}

/* Print a datagram: its newline-separated assignments, one per line. */
static void print_datagram(const char *buf, size_t len)
{
        size_t start = 0;

        for (size_t i = 0; i <= len; i++) {
                if (i < len && buf[i] != '\n')
                        continue;
                if (i > start) {
                        fwrite(buf + start, 1, i - start, stdout);
                        fputc('\n', stdout);
                }
                start = i + 1;
        }
        fflush(stdout);
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;
        long timeout_sec = 300;
        int fd, one = 1;

        if (argc < 2 || argc > 3) {
                fprintf(stderr, "usage: %s PATH [TIMEOUT_SECONDS]\n", argv[0]);
                return 1;
        }
        if (argc == 3) {
                char *end;
                timeout_sec = strtol(argv[2], &end, 10);
                if (*argv[2] == '\0' || *end != '\0' || timeout_sec <= 0) {
                        fprintf(stderr, "notify-listen: bad timeout '%s'\n", argv[2]);
                        return 1;
                }
        }
        const char *path = argv[1];
        size_t plen = strlen(path);
        if (plen == 0 || plen >= sizeof(sa.sun_path)) {
                fprintf(stderr, "notify-listen: socket path too long or empty\n");
                return 1;
        }
        memcpy(sa.sun_path, path, plen);
        if (path[0] == '@')
                sa.sun_path[0] = '\0';
        salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '@' ? 0 : 1));

        struct sigaction act = { .sa_handler = on_signal };
        sigemptyset(&act.sa_mask);
        sigaction(SIGTERM, &act, NULL);
        sigaction(SIGINT, &act, NULL);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                perror("notify-listen: socket");
                return 1;
        }
        /* Accept credentials like systemd does, so senders that attach them work. */
        (void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
        if (path[0] != '@')
                (void)unlink(path);
        if (bind(fd, (struct sockaddr *)&sa, salen) < 0) {
                fprintf(stderr, "notify-listen: bind %s: %s\n", path, strerror(errno));
                close(fd);
                return 1;
        }

        long long deadline = now_msec() + timeout_sec * 1000LL;
        while (!stop) {
                long long left = deadline - now_msec();
                if (left <= 0)
                        break;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("notify-listen: poll");
                        break;
                }
                if (r == 0)
                        continue;

                char buf[4096];
                union {
                        struct cmsghdr align;
                        char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 64)];
                } control;
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        perror("notify-listen: recvmsg");
                        break;
                }
                close_passed_fds(&mh);
                print_datagram(buf, (size_t)n);
                if (memmem(buf, (size_t)n, "WATCHDOG=1", 10)) {
                        struct timespec ts;
                        clock_gettime(CLOCK_REALTIME, &ts);
                        printf("WATCHDOG_AT_USEC=%lld\n", (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
                        fflush(stdout);
                }
        }

        close(fd);
        if (path[0] != '@')
                (void)unlink(path);
        return 0;
}
