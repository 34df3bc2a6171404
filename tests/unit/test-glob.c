/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "harness.h"
Suite *test_suite(void) { return suite_create("glob"); }
