/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl scan --image PATH": unpack a container image (image.c)
 * and scan it as a root with the host's policy (or --policy-root's). Audit
 * only: nothing is recorded and nothing acted on; the output and the exit
 * status (1 if banned software is in the image) are the result, for a CI
 * pipeline. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image.h"

int cmd_scan_image(const struct vb_cli *cli) {
        _cleanup_(image_freep) struct vb_image *img = NULL;
        struct vb_cli sub = *cli;
        char err[1024];
        int r;

        if (cli->root && strcmp(cli->root, "/") != 0 && !cli->policy_root)
                sub.policy_root = cli->root;    /* --root names where the policy is */
        r = image_open(cli->image, &img, err, sizeof err);
        if (r < 0) {
                if (err[0])
                        fprintf(stderr, "vendorbanctl: cannot scan the image: %s\n", err);
                else
                        cli_error_errno(r, "cannot scan the image %s", cli->image);
                return CLI_EXIT_ERROR;
        }
        if (!cli->json)
                printf("image %s: %zu layers unpacked\n", cli->image, image_layers(img));
        sub.image = NULL;
        sub.image_label = cli->image;
        sub.root = image_root(img);
        if (!sub.policy_root)
                sub.policy_root = "/";
        return cmd_scan(&sub, 0, NULL);
}
