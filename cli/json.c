/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small streaming JSON writer for vendorbanctl's --json output: compact,
 * one document per run, strings escaped so the output is always valid JSON
 * whatever bytes a file name or a policy marker holds. Owns no state beyond
 * the struct vb_json the caller passes in. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Where escaped bytes go: a FILE, or a bounded buffer (snprintf-like). */
struct sink {
        FILE *f;
        char *buf;
        size_t size;
        size_t len;             /* bytes produced so far (may exceed size) */
};

static void sink_put(struct sink *k, const char *p, size_t n) {
        if (k->f)
                fwrite(p, 1, n, k->f);
        else if (k->len < k->size) {
                size_t room = k->size - k->len;
                memcpy(k->buf + k->len, p, n < room ? n : room);
        }
        k->len += n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if the byte at s does
 * not start one: overlong forms, surrogates, code points past U+10FFFF and
 * truncated sequences are all invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t n) {
        unsigned char c = s[0];
        uint32_t cp, min;
        size_t len;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf) {
                len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
                len = 3, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4, cp = c & 0x07, min = 0x10000;
        } else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

static void escape_to(struct sink *k, const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;
        size_t i = 0;

        while (i < len) {
                unsigned char c = s[i];
                size_t n = utf8_valid_len(s + i, len - i);
                char esc[8];

                if (c == '"' || c == '\\') {
                        esc[0] = '\\', esc[1] = (char) c;
                        sink_put(k, esc, 2);
                        i++;
                } else if (n == 0 || c < 0x20 || c == 0x7f) {
                        /* a control character, or a byte that is not UTF-8 */
                        snprintf(esc, sizeof esc, "\\u%04x", c);
                        sink_put(k, esc, 6);
                        i++;
                } else {
                        sink_put(k, str + i, n);
                        i += n;
                }
        }
}

size_t json_escape(const char *s, size_t len, char *buf, size_t size) {
        struct sink k = { .buf = buf, .size = size };

        escape_to(&k, s, len);
        if (size > 0)
                buf[k.len < size ? k.len : size - 1] = '\0';
        return k.len;
}

void cli_format_sec(int64_t sec, char *buf, size_t size) {
        time_t t = (time_t) sec;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "%" PRId64, sec);
}

void cli_format_usec(int64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        int64_t frac = usec % 1000000;
        struct tm tm;
        char date[24];

        if (frac < 0)
                frac += 1000000, t--;
        if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                snprintf(buf, size, "%" PRId64, usec);
                return;
        }
        snprintf(buf, size, "%s.%06" PRId64 "Z", date, frac);
}

void json_init(struct vb_json *j, FILE *f) {
        *j = (struct vb_json) { .f = f };
}

/* Before any value: the comma between siblings, unless it follows a key. */
static void value_prefix(struct vb_json *j) {
        if (j->after_key)
                j->after_key = false;
        else if (j->count[j->depth] > 0)
                fputc(',', j->f);
        j->count[j->depth]++;
}

static void open_container(struct vb_json *j, char c) {
        value_prefix(j);
        fputc(c, j->f);
        if (j->depth + 1 < JSON_DEPTH_MAX)
                j->depth++;
        j->count[j->depth] = 0;
}

static void close_container(struct vb_json *j, char c) {
        fputc(c, j->f);
        if (j->depth > 0)
                j->depth--;
}

void json_object_begin(struct vb_json *j) {
        open_container(j, '{');
}

void json_object_end(struct vb_json *j) {
        close_container(j, '}');
}

void json_array_begin(struct vb_json *j) {
        open_container(j, '[');
}

void json_array_end(struct vb_json *j) {
        close_container(j, ']');
}

void json_key(struct vb_json *j, const char *key) {
        json_string(j, key);
        fputc(':', j->f);
        j->after_key = true;
}

void json_string_len(struct vb_json *j, const char *s, size_t len) {
        struct sink k = { .f = j->f };

        value_prefix(j);
        fputc('"', j->f);
        escape_to(&k, s, len);
        fputc('"', j->f);
}

void json_string(struct vb_json *j, const char *s) {
        if (!s)
                json_null(j);
        else
                json_string_len(j, s, strlen(s));
}

void json_int(struct vb_json *j, int64_t v) {
        value_prefix(j);
        fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct vb_json *j, uint64_t v) {
        value_prefix(j);
        fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct vb_json *j, bool v) {
        value_prefix(j);
        fputs(v ? "true" : "false", j->f);
}

void json_null(struct vb_json *j) {
        value_prefix(j);
        fputs("null", j->f);
}

int json_finish(struct vb_json *j) {
        fputc('\n', j->f);
        if (fflush(j->f) != 0 || ferror(j->f))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

void json_kv_string(struct vb_json *j, const char *key, const char *s) {
        json_key(j, key);
        json_string(j, s);
}

void json_kv_int(struct vb_json *j, const char *key, int64_t v) {
        json_key(j, key);
        json_int(j, v);
}

void json_kv_uint(struct vb_json *j, const char *key, uint64_t v) {
        json_key(j, key);
        json_uint(j, v);
}

void json_kv_bool(struct vb_json *j, const char *key, bool v) {
        json_key(j, key);
        json_bool(j, v);
}

void json_kv_null(struct vb_json *j, const char *key) {
        json_key(j, key);
        json_null(j);
}

void json_kv_time(struct vb_json *j, const char *key, int64_t usec) {
        char buf[32];

        json_key(j, key);
        if (usec == 0) {
                json_null(j);
                return;
        }
        cli_format_usec(usec, buf, sizeof buf);
        json_string(j, buf);
}

void json_kv_strv(struct vb_json *j, const char *key, const struct vb_strv *v) {
        json_key(j, key);
        json_array_begin(j);
        for (size_t i = 0; i < v->n; i++)
                json_string(j, v->v[i]);
        json_array_end(j);
}
