/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One pass over a file's bytes: sha256, ELF magic and marker search (see
 * filescan.h). The scanner owns its buffer, digest context and (unless
 * shared) the markers' automaton; scanning a file allocates nothing. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "filescan.h"
#include "match-policy.h"
#include "util.h"

struct vb_filescan {
        EVP_MD_CTX *ctx;
        EVP_MD *md;                     /* fetched once (OpenSSL 3) */
        struct vb_marker_automaton *markers; /* a reference, NULL: no markers */
        unsigned char *buf;             /* VB_FILESCAN_BUFSIZE */
};

/* The state of one file's scan. */
struct scan {
        struct vb_file_content c;
        unsigned char head[4];
        size_t head_len;
        uint32_t state;                 /* the automaton's, carried across reads */
};

void filescan_free(struct vb_filescan *s) {
        if (!s)
                return;
        marker_automaton_unref(s->markers);
        free(s->buf);
        EVP_MD_CTX_free(s->ctx);
        EVP_MD_free(s->md);
        free(s);
}

static void filescan_freep(struct vb_filescan **s) {
        filescan_free(*s);
}

static int filescan_alloc(struct vb_filescan **ret) {
        _cleanup_(filescan_freep) struct vb_filescan *s = calloc(1, sizeof *s);

        if (!s)
                return -ENOMEM;
        s->buf = malloc(VB_FILESCAN_BUFSIZE);
        s->ctx = EVP_MD_CTX_new();
        s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
        if (!s->buf || !s->ctx || !s->md)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}

int filescan_new_shared(const struct vb_marker_automaton *markers, struct vb_filescan **ret) {
        int r = filescan_alloc(ret);

        if (r >= 0)
                (*ret)->markers = marker_automaton_ref(markers);
        return r;
}

int filescan_new_for_policy(const struct vb_policy *p, struct vb_filescan **ret) {
        if (p->index)
                return filescan_new_shared(p->index->markers, ret);
        return filescan_new(p->markers, p->n_markers, ret);
}

int filescan_new(const char *const *markers, size_t n_markers, struct vb_filescan **ret) {
        _cleanup_(filescan_freep) struct vb_filescan *s = NULL;
        int r;

        if (n_markers > VB_MARKERS_MAX || (n_markers > 0 && !markers))
                return -EINVAL;
        r = filescan_alloc(&s);
        if (r < 0)
                return r;
        if (n_markers > 0) {
                r = marker_automaton_new(markers, n_markers, &s->markers);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static int scan_begin(struct vb_filescan *s, struct scan *sc) {
        *sc = (struct scan) {};
        if (EVP_DigestInit_ex(s->ctx, s->md, NULL) != 1)
                return -EIO;
        return 0;
}

/* Hash a chunk and note the first four bytes of the file. */
static int scan_update(struct vb_filescan *s, struct scan *sc, const unsigned char *p, size_t len) {
        if (len > 0 && EVP_DigestUpdate(s->ctx, p, len) != 1)
                return -EIO;
        sc->c.size += len;
        while (sc->head_len < sizeof sc->head && len > 0) {
                sc->head[sc->head_len++] = *p++;
                len--;
        }
        return 0;
}

/* True while the file is ELF or too short to tell yet. */
static bool scan_maybe_elf(const struct scan *sc) {
        return memcmp(sc->head, "\177ELF", sc->head_len) == 0;
}

static void scan_markers(struct vb_filescan *s, struct scan *sc, const unsigned char *p, size_t len) {
        sc->state = marker_automaton_feed(s->markers, sc->state, p, len, sc->c.marker_words);
}

static int scan_end(struct vb_filescan *s, struct scan *sc, struct vb_file_content *ret) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;

        if (EVP_DigestFinal_ex(s->ctx, md, &md_len) != 1 || md_len != 32)
                return -EIO;
        hex_encode(md, md_len, sc->c.sha256);
        sc->c.is_elf = sc->head_len == sizeof sc->head && scan_maybe_elf(sc);
        if (!sc->c.is_elf)
                memset(sc->c.marker_words, 0, sizeof sc->c.marker_words);
        *ret = sc->c;
        return 0;
}

static ssize_t read_retry(int fd, void *buf, size_t len) {
        ssize_t k;

        do
                k = read(fd, buf, len);
        while (k < 0 && errno == EINTR);
        return k < 0 ? -errno : k;
}

int filescan_fd(struct vb_filescan *s, int fd, struct vb_file_content *ret) {
        struct scan sc;
        int r;

        r = scan_begin(s, &sc);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t k = read_retry(fd, s->buf, VB_FILESCAN_BUFSIZE);
                if (k < 0)
                        return (int) k;
                if (k == 0)
                        break;
                r = scan_update(s, &sc, s->buf, k);
                if (r < 0)
                        return r;
                /* The automaton's state carries matches across reads. */
                if (scan_maybe_elf(&sc) && s->markers)
                        scan_markers(s, &sc, s->buf, k);
        }
        return scan_end(s, &sc, ret);
}

int filescan_buffer(struct vb_filescan *s, const void *buf, size_t len, struct vb_file_content *ret) {
        struct scan sc;
        int r;

        if (!buf && len > 0)
                return -EINVAL;
        r = scan_begin(s, &sc);
        if (r < 0)
                return r;
        r = scan_update(s, &sc, buf, len);
        if (r < 0)
                return r;
        if (sc.head_len == sizeof sc.head && scan_maybe_elf(&sc) && s->markers)
                scan_markers(s, &sc, buf, len);
        return scan_end(s, &sc, ret);
}
