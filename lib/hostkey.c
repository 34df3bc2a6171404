/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's Ed25519 key (see hostkey.h). Owns the key file in the state
 * directory; nothing else reads or writes it. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hostkey.h"
#include "util.h"

struct vb_hostkey {
        EVP_PKEY *pkey;
        char pub_hex[VB_HOSTKEY_PUB_HEX];
};

static int hex_decode(const char *hex, unsigned char *out, size_t len) {
        if (!hex || strlen(hex) != 2 * len)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                unsigned v = 0;
                for (int k = 0; k < 2; k++) {
                        char c = hex[2 * i + k];
                        v <<= 4;
                        if (c >= '0' && c <= '9')
                                v |= (unsigned) (c - '0');
                        else if (c >= 'a' && c <= 'f')
                                v |= (unsigned) (c - 'a' + 10);
                        else
                                return -EBADMSG;
                }
                out[i] = (unsigned char) v;
        }
        return 0;
}

static int fill_public(struct vb_hostkey *k) {
        unsigned char raw[32];
        size_t len = sizeof raw;

        if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 || len != sizeof raw)
                return -EBADMSG;
        hex_encode(raw, len, k->pub_hex);
        return 0;
}

static int load(const char *path, struct vb_hostkey *k) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if (st.st_mode & 077)
                return -EPERM;
        FILE *f = fdopen(fd, "re");
        if (!f)
                return -errno;
        fd = -1;
        k->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!k->pkey || EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_ED25519)
                return -EBADMSG;
        return fill_public(k);
}

static int create(const char *dir, const char *path, struct vb_hostkey *k) {
        _cleanup_free_ char *tmp = NULL;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
        int r = 0;

        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k->pkey) != 1)
                r = -EIO;
        EVP_PKEY_CTX_free(ctx);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s/.%s.tmp", dir, VB_HOSTKEY_FILE) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "we");
        if (!f) {
                r = -errno;
                close(fd);
                (void) unlink(tmp);
                return r;
        }
        if (PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
                r = -EIO;
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = r < 0 ? r : -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        /* link(), not rename(): a key made meanwhile by another process wins. */
        if (r == 0 && link(tmp, path) < 0)
                r = -errno;
        (void) unlink(tmp);
        if (r < 0)
                return r;
        return fill_public(k);
}

int hostkey_load_or_create(const char *dir, struct vb_hostkey **ret, int *ret_created) {
        struct vb_hostkey *k = calloc(1, sizeof *k);
        _cleanup_free_ char *path = NULL;
        int r, created = 0;

        if (!k)
                return -ENOMEM;
        if (asprintf(&path, "%s/%s", dir, VB_HOSTKEY_FILE) < 0) {
                free(k);
                return -ENOMEM;
        }
        r = load(path, k);
        if (r == -ENOENT) {
                r = create(dir, path, k);
                created = r >= 0;
                if (r == -EEXIST) { /* lost a race: use the winner's key */
                        EVP_PKEY_free(k->pkey);
                        k->pkey = NULL;
                        r = load(path, k);
                        created = 0;
                }
        }
        if (r < 0) {
                hostkey_free(k);
                return r;
        }
        if (ret_created)
                *ret_created = created;
        *ret = k;
        return 0;
}

void hostkey_free(struct vb_hostkey *k) {
        if (!k)
                return;
        EVP_PKEY_free(k->pkey);
        free(k);
}

const char *hostkey_public_hex(const struct vb_hostkey *k) {
        return k->pub_hex;
}

int hostkey_sign(const struct vb_hostkey *k, const void *msg, size_t len, char sig_hex[static VB_HOSTKEY_SIG_HEX]) {
        unsigned char sig[64];
        size_t siglen = sizeof sig;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int r = 0;

        if (!md)
                return -ENOMEM;
        if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) != 1 ||
            EVP_DigestSign(md, sig, &siglen, msg, len) != 1 || siglen != sizeof sig)
                r = -EIO;
        EVP_MD_CTX_free(md);
        if (r == 0)
                hex_encode(sig, sizeof sig, sig_hex);
        return r;
}

int hostkey_verify(const char *pub_hex, const void *msg, size_t len, const char *sig_hex) {
        unsigned char pub[32], sig[64];
        int r;

        if (hex_decode(pub_hex, pub, sizeof pub) < 0 || hex_decode(sig_hex, sig, sizeof sig) < 0)
                return -EBADMSG;
        EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, sizeof pub);
        if (!pkey)
                return -EBADMSG;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (!md) {
                EVP_PKEY_free(pkey);
                return -ENOMEM;
        }
        r = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
                            EVP_DigestVerify(md, sig, sizeof sig, msg, len) == 1
                    ? 0
                    : -EBADMSG;
        EVP_MD_CTX_free(md);
        EVP_PKEY_free(pkey);
        return r;
}
