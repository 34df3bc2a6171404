/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing the times that --since and --until take, in UTC like every time
 * vendorbanctl prints: "now", "today", "yesterday", "-2h" (or "2h ago"),
 * "2026-11-25", "2026-11-25 18:00", "2026-11-25T18:00:00Z". Pure. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define USEC_PER_SEC INT64_C(1000000)
#define USEC_PER_DAY (INT64_C(86400) * USEC_PER_SEC)

/* "30s", "15m", "2h", "7d", "2w" (no sign) into microseconds. */
static int parse_span(const char *s, int64_t *ret_usec) {
        static const struct { char unit; int64_t usec; } units[] = {
                { 's', USEC_PER_SEC }, { 'm', 60 * USEC_PER_SEC }, { 'h', 3600 * USEC_PER_SEC },
                { 'd', USEC_PER_DAY }, { 'w', 7 * USEC_PER_DAY },
        };
        char *end;
        long long n;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        n = strtoll(s, &end, 10);
        while (*end == ' ')
                end++;
        if (errno != 0 || n < 0 || n > 100000 || end[0] == '\0' || end[1] != '\0')
                return -EINVAL;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
                if (units[i].unit == end[0]) {
                        *ret_usec = n * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* "YYYY-MM-DD", optionally followed by ' ' or 'T' and "HH:MM[:SS]", and an
 * optional 'Z'. */
static int parse_absolute(const char *s, int64_t *ret_usec) {
        int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
        struct tm tm = {};
        time_t t;

        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
                return -EINVAL;
        s += n;
        if (*s == ' ' || *s == 'T') {
                int m = 0;

                s++;
                if (sscanf(s, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5)
                        return -EINVAL;
                s += m;
                if (*s == ':') {
                        if (sscanf(s, ":%2d%n", &sec, &m) != 1 || m != 3)
                                return -EINVAL;
                        s += m;
                }
        }
        if (*s == 'Z')
                s++;
        if (*s != '\0')
                return -EINVAL;
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        tm = (struct tm) { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                           .tm_sec = sec };
        t = timegm(&tm);
        if (t == (time_t) -1 || tm.tm_mday != d)        /* 2026-02-31 normalized away */
                return -EINVAL;
        *ret_usec = (int64_t) t * USEC_PER_SEC;
        return 0;
}

int cli_parse_time(const char *s, int64_t now_usec, int64_t *ret_usec) {
        int64_t today = now_usec - now_usec % USEC_PER_DAY, span;
        size_t len = strlen(s);

        if (strcmp(s, "now") == 0)
                *ret_usec = now_usec;
        else if (strcmp(s, "today") == 0)
                *ret_usec = today;
        else if (strcmp(s, "yesterday") == 0)
                *ret_usec = today - USEC_PER_DAY;
        else if (s[0] == '-' && parse_span(s + 1, &span) == 0)
                *ret_usec = now_usec - span;
        else if (len > 4 && strcmp(s + len - 4, " ago") == 0) {
                char buf[32];

                if (len - 4 >= sizeof buf)
                        return -EINVAL;
                memcpy(buf, s, len - 4);
                buf[len - 4] = '\0';
                if (parse_span(buf, &span) < 0)
                        return -EINVAL;
                *ret_usec = now_usec - span;
        } else
                return parse_absolute(s, ret_usec);
        return 0;
}
