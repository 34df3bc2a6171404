/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/fleet-report's generator: HOSTS hosts x DAYS days of signed
 * compliance summaries (PER_DAY a day) as a journal export stream on stdout,
 * in time order, the way systemd-journal-remote receives them. Uses the
 * real lib/summary.c canonical form and Ed25519 keys, one per host.
 * 2% of the hosts are not compliant, 5% stay on the old policy after day
 * 20, 1% stop reporting after day 25, 0.1% are clones of another host.
 *   gen-fleet HOSTS DAYS PER_DAY START_EPOCH_SECONDS [FIRST_DAY] > stream.export
 * FIRST_DAY (default 0) skips the days before it (to append a day later). */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

static void hexid(unsigned seed, unsigned salt, char out[33]) {
        uint64_t a = seed * 0x9E3779B97F4A7C15ULL ^ salt, b = (a + salt) * 0xC2B2AE3D27D4EB4FULL;
        snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, a, b);
}

int main(int argc, char **argv) {
        if (argc != 5 && argc != 6) {
                fprintf(stderr, "usage: gen-fleet HOSTS DAYS PER_DAY START_EPOCH_SECONDS [FIRST_DAY]\n");
                return 2;
        }
        unsigned hosts = (unsigned) atoi(argv[1]), days = (unsigned) atoi(argv[2]), per_day = (unsigned) atoi(argv[3]);
        int64_t start = atoll(argv[4]);
        unsigned first_day = argc == 6 ? (unsigned) atoi(argv[5]) : 0;
        EVP_PKEY **keys = calloc(hosts, sizeof *keys);
        char (*pub)[65] = calloc(hosts, 65);
        const char *d_old = "1111111111111111111111111111111111111111111111111111111111111111";
        const char *d_new = "2222222222222222222222222222222222222222222222222222222222222222";

        for (unsigned h = 0; h < hosts; h++) {
                /* The same key for a host in every run (a day appended later). */
                unsigned char seed[32], raw[32];
                size_t len = sizeof raw;
                for (size_t i = 0; i < 32; i++)
                        seed[i] = (unsigned char) ((h * 2654435761u) >> (i % 4 * 8)) ^ (unsigned char) (i * 37 + 11);
                keys[h] = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
                if (!keys[h] || EVP_PKEY_get_raw_public_key(keys[h], raw, &len) != 1)
                        return 1;
                for (size_t i = 0; i < 32; i++)
                        sprintf(pub[h] + 2 * i, "%02x", raw[i]);
        }
        EVP_MD_CTX *md;
        for (unsigned d = first_day; d < days; d++)
                for (unsigned s = 0; s < per_day; s++)
                        for (unsigned h = 0; h < hosts; h++) {
                                if (h % 100 == 7 && d > 25)
                                        continue; /* stale */
                                unsigned id = h % 1000 == 999 ? h - 1 : h; /* clones share a machine-id */
                                int64_t t = (start + (int64_t) d * 86400 + (int64_t) s * (86400 / per_day)) * 1000000 +
                                            (int64_t) h * 4000;
                                struct vb_summary sum = { .time_usec = t, .reason = s == 0 ? "timer" : "scan",
                                                          .mode = "enforce", .release = "0.1.0",
                                                          .last_scan_usec = t - 1000 };
                                hexid(id, 1, sum.machine);
                                snprintf(sum.host, sizeof sum.host, "host-%05u", h);
                                snprintf(sum.policy_digest, sizeof sum.policy_digest, "%s",
                                         d >= 20 && h % 20 != 3 ? d_new : d_old);
                                struct vb_summary_ban *b = summary_add_ban(&sum, "kaspersky", "57bfd63b532f");
                                if (!b)
                                        return 1;
                                b->blocked = h % 50 == 1;
                                b->flagged = h % 50 == 2;
                                struct vb_strv v = {};
                                char *canonical = NULL, boot[33];
                                size_t len, siglen = 64;
                                unsigned char sig[64];
                                if (summary_values(&sum, pub[h], &v) < 0 ||
                                    summary_canonical((const char *const *) v.v, &canonical, &len) < 0 ||
                                    !(md = EVP_MD_CTX_new()) ||
                                    EVP_DigestSignInit(md, NULL, NULL, NULL, keys[h]) != 1 ||
                                    EVP_DigestSign(md, sig, &siglen, (unsigned char *) canonical, len) != 1)
                                        return 1;
                                hexid(h, 2, boot);
                                printf("__REALTIME_TIMESTAMP=%" PRId64 "\n__MONOTONIC_TIMESTAMP=%" PRId64
                                       "\n_BOOT_ID=%s\n_MACHINE_ID=%s\n_HOSTNAME=%s\nPRIORITY=6\n"
                                       "SYSLOG_IDENTIFIER=vendorband\nMESSAGE_ID=" VB_MID_SUMMARY
                                       "\nMESSAGE=Compliance summary (%s)\n",
                                       t, t - start * 1000000 + 1000000, boot, sum.machine, sum.host, sum.reason);
                                for (size_t i = 0; i < _VB_SF_MAX; i++)
                                        printf("%s=%s\n", summary_field_names[i], v.v[i]);
                                printf(VB_SUMMARY_SIGNATURE_FIELD "=");
                                for (size_t i = 0; i < 64; i++)
                                        printf("%02x", sig[i]);
                                printf("\n\n");
                                EVP_MD_CTX_free(md);
                                free(canonical);
                                strv_clear(&v);
                                summary_clear(&sum);
                        }
        return fflush(stdout) == 0 ? 0 : 1;
}
