/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The string names of the policy's enums, as written in files, the ledger,
 * the journal and --json output. */
#include "policy.h"

const char *verdict_to_string(enum vb_verdict v) {
        switch (v) {
        case VB_VERDICT_ALLOW: return "allow";
        case VB_VERDICT_FLAG: return "flag";
        case VB_VERDICT_BLOCK: return "block";
        }
        return "unknown";
}

const char *mode_to_string(enum vb_mode m) {
        return m == VB_MODE_ENFORCE ? "enforce" : "audit";
}

const char *applies_to_string(enum vb_applies a) {
        switch (a) {
        case VB_APPLIES_NEW_INSTALLS: return "new-installs";
        case VB_APPLIES_EXISTING: return "existing";
        case VB_APPLIES_ALL: return "all";
        }
        return "unknown";
}

const char *indicator_kind_to_string(enum vb_indicator_kind k) {
        static const char *const names[_VB_IND_MAX] = {
                [VB_IND_PACKAGE] = "package",
                [VB_IND_MAINTAINER] = "maintainer",
                [VB_IND_PATH] = "path",
                [VB_IND_UNIT] = "unit",
                [VB_IND_SHA256] = "sha256",
                [VB_IND_MARKER] = "marker",
        };
        return (unsigned) k < _VB_IND_MAX ? names[k] : "unknown";
}
