/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's Ed25519 signing key (libcrypto): made once in the state
 * directory (mode 0600), then loaded; signing and verifying with hex keys. */
#pragma once

#include <stddef.h>

#define VB_HOSTKEY_FILE "host-key.pem"
#define VB_HOSTKEY_PUB_HEX 65           /* 32 bytes in hex, NUL */
#define VB_HOSTKEY_SIG_HEX 129          /* 64 bytes in hex, NUL */

struct vb_hostkey;

/* Load DIR/host-key.pem, or make a new key there (mode 0600, written to a
 * temporary file and renamed) if there is none. A key file that is not a
 * private Ed25519 key in PEM, or that others may read or write, is refused
 * (-EBADMSG, -EPERM) and left as it is. ret_created (may be NULL) says
 * whether the key was made now. */
int hostkey_load_or_create(const char *dir, struct vb_hostkey **ret, int *ret_created);
void hostkey_free(struct vb_hostkey *k);
static inline void hostkey_freep(struct vb_hostkey **k) {
        hostkey_free(*k);
}

/* The public key, 64 lower-case hex digits. */
const char *hostkey_public_hex(const struct vb_hostkey *k);

/* Sign msg: 128 hex digits into sig_hex. */
int hostkey_sign(const struct vb_hostkey *k, const void *msg, size_t len, char sig_hex[static VB_HOSTKEY_SIG_HEX]);

/* Verify sig_hex over msg with the public key pub_hex: 0 if valid,
 * -EBADMSG if not (or if either is not well-formed hex of the right size). */
int hostkey_verify(const char *pub_hex, const void *msg, size_t len, const char *sig_hex);
