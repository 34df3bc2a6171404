/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hints for policy file errors: what a libconfig syntax error most likely
 * means (a bare word where a string belongs, an unclosed quote), and the
 * known key nearest to an unknown one. Pure functions over text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* For a syntax error libconfig reports at line err_line of text: true and a
 * hint in buf, with *ret_line the line to report (an unclosed quote is
 * reported where it opens); false if there is nothing better to say. */
bool policy_syntax_hint(const char *text, int err_line, int *ret_line, char *buf, size_t size);

/* The key of keys (NULL-terminated) nearest to name (edit distance at most
 * 2, or a third of its length), or NULL. */
const char *policy_nearest_key(const char *name, const char *const *keys);
