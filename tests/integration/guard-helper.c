/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the exec guard's tests do that a shell cannot:
 *   guard-helper memfd-exec FILE ARGV0 ARGS...  copy FILE into a memfd and fexecve it
 *   guard-helper mmap-write FILE OFFSET TEXT   write TEXT at OFFSET through a shared mapping
 *   guard-helper time-kill PROG ARGS...    run PROG; print "killed USEC" (SIGKILL, microseconds
 *                                          from fork to death) or "exit STATUS USEC" */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int memfd_exec(char **argv) {
        int in = open(argv[0], O_RDONLY | O_CLOEXEC), fd = memfd_create("vendorban-test", MFD_CLOEXEC);
        char buf[65536];
        ssize_t n;

        if (in < 0 || fd < 0)
                return perror("open/memfd_create"), 2;
        while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(fd, buf, (size_t) n) != n)
                        return perror("write"), 2;
        close(in);
        fexecve(fd, argv + 1, environ);        /* ARGS begin with argv[0] */
        return perror("fexecve"), 126;
}

static int mmap_write(const char *file, long off, const char *text) {
        int fd = open(file, O_RDWR | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || off < 0 || off + (long) strlen(text) > st.st_size)
                return perror(file), 2;
        char *p = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return perror("mmap"), 2;
        memcpy(p + off, text, strlen(text));
        munmap(p, (size_t) st.st_size);
        close(fd);
        return 0;
}

static long long now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int time_kill(char **argv) {
        long long t0 = now_usec();
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return perror("fork"), 2;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return perror("waitpid"), 2;
        long long dt = now_usec() - t0;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                printf("killed %lld\n", dt);
        else
                printf("exit %d %lld\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), dt);
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 3 && strcmp(argv[1], "memfd-exec") == 0)
                return memfd_exec(argv + 2);
        if (argc == 5 && strcmp(argv[1], "mmap-write") == 0)
                return mmap_write(argv[2], atol(argv[3]), argv[4]);
        if (argc >= 3 && strcmp(argv[1], "time-kill") == 0)
                return time_kill(argv + 2);
        fprintf(stderr, "usage: guard-helper memfd-exec FILE ARGS... | mmap-write FILE OFFSET TEXT | time-kill PROG ARGS...\n");
        return 2;
}
