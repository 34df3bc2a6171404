/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Standard output through a pager, as systemctl does it: only when stdout
 * is a terminal, never with --no-pager, $VENDORBAN_PAGER or $PAGER naming
 * the pager ("cat" or empty: none), less with LESS=FRXMK by default. Owns
 * the pager's pid from cli_pager_open() to cli_pager_close(). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static pid_t pager_pid;

static const char *pager_command(void) {
        const char *p = getenv("VENDORBAN_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (!p)
                p = "less";
        if (p[0] == '\0' || strcmp(p, "cat") == 0)
                return NULL;
        return p;
}

void cli_pager_open(const struct vb_cli *cli) {
        const char *cmd = pager_command();
        int fds[2];
        pid_t pid;

        if (cli->no_pager || cli->json || pager_pid > 0 || !cmd || !isatty(STDOUT_FILENO))
                return;
        fflush(stdout);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(127);
                setenv("LESS", getenv("LESS") ?: "FRXMK", 1);
                execl("/bin/sh", "sh", "-c", cmd, (char *) NULL);
                _exit(127);
        }
        close(fds[0]);
        /* The pager may quit before we are done: a write then fails with
         * EPIPE instead of killing us, and cli_pager_close() forgives it. */
        signal(SIGPIPE, SIG_IGN);
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                close(fds[1]);
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        close(fds[1]);
        pager_pid = pid;
}

bool cli_pager_close(void) {
        if (pager_pid <= 0)
                return false;
        fflush(stdout);
        clearerr(stdout);
        close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
        return true;
}
