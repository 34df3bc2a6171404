/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container image (OCI image layout directory or `docker save` tarball)
 * unpacked layer by layer into a private directory, for scanning as a root. */
#pragma once

#include <stddef.h>

struct vb_image;

/* Unpack the image at path. On failure err says why (naming the file);
 * -EBADMSG when some entries could not be unpacked safely (the image is
 * then not scanned: an incomplete scan would hide what it skipped). */
int image_open(const char *path, struct vb_image **ret, char *err, size_t err_size);
/* Removes the unpacked files. */
struct vb_image *image_free(struct vb_image *img);
static inline void image_freep(struct vb_image **img) {
        image_free(*img);
}
const char *image_root(const struct vb_image *img);
size_t image_layers(const struct vb_image *img);
