/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the fuzz harnesses: a private scratch directory per process,
 * writing fuzz input into files there, and a check that aborts (so both
 * libFuzzer and the replay test report it) when an invariant breaks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch directory (under $FUZZ_SCRATCH, else /dev/shm if it can),
 * created on first use and removed at exit. */
const char *fuzz_dir(void);

/* Write exactly size bytes to fuzz_dir()/relpath, creating parent
 * directories; aborts on failure (the harness cannot go on without it). */
void fuzz_write(const char *relpath, const void *data, size_t size);

/* Remove fuzz_dir()/relpath if it exists. */
void fuzz_unlink(const char *relpath);

/* libconfig follows "@include" to any file, including devices and other
 * processes' files; a harness must stay inside its scratch directory.
 * True if data holds "@include" with a name that could leave it ('/', a
 * backslash escape, or ".."): such input is skipped, not fed to libconfig. */
bool fuzz_include_escapes(const uint8_t *data, size_t size);

#define fuzz_assert(expr)                                                                   \
        do {                                                                                \
                if (!(expr))                                                                \
                        fuzz_fail(__FILE__, __LINE__, #expr);                               \
        } while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *expr);
