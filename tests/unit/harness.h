/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared Check harness: every test file defines test_suite() and never
 * main(); helpers for temporary directories and files. */
#pragma once

#include <check.h>

Suite *test_suite(void);

/* A fresh directory under $TMPDIR (or /tmp); removed by tmpdir_remove(). */
char *tmpdir_make(void);
void tmpdir_remove(char *dir);          /* rm -r, then free(dir) */

/* Write content to DIR/RELPATH, creating parent directories. */
void write_file(const char *dir, const char *relpath, const char *content);
