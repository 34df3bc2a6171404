/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fault injection for the exec guard's integration tests, kept out of the
 * public guard.h: environment variables read once when the guard starts.
 * Never set them outside tests. */
#pragma once

/* A path inside the root: the first exec of it freezes the fanotify thread
 * (before it answers) until the loop abandons it, as a thread stuck in the
 * kernel would be ("a frozen guard thread is recovered"). */
#define VB_GUARD_TEST_FREEZE_ENV "VENDORBAN_TEST_GUARD_FREEZE"
/* "MS:PATH": hashing PATH (inside the root) first waits MS milliseconds,
 * as a read from a slow or hung file system would ("a busy hasher"). */
#define VB_GUARD_TEST_HASH_DELAY_ENV "VENDORBAN_TEST_GUARD_HASH_DELAY"
