/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorbanctl's help texts: the whole usage (--help) and each command's
 * own (vendorbanctl COMMAND --help, and a command missing its subcommand). */
#include <string.h>

#include "cli.h"
#include "policy.h"
#include "store.h"

#define COMMON_OPTIONS \
        "Options:\n" \
        "  --root DIR              Resolve every path under DIR instead of /.\n" \
        "  --config FILE           The main configuration, an absolute path inside the\n" \
        "                          root (default " VB_DEFAULT_CONFIG ").\n" \
        "  --json                  One JSON object instead of text.\n" \
        "  --no-pager              Never pipe the output into a pager.\n" \
        "  -h, --help              Show this help and exit.\n"

struct verb_help {
        const char *verb;
        const char *text;
};

static const struct verb_help verb_helps[] = {
        { "scan",
          "Usage: vendorbanctl [OPTIONS] scan\n"
          "       vendorbanctl [OPTIONS] scan --image PATH\n"
          "\n"
          "Scan the installed packages and the watched paths now, evaluate each\n"
          "against the bans, and record every flag/block finding in the ledger and\n"
          "the journal. In enforce mode, act on blocked findings as vendorband does.\n"
          "Creates the state directory and the ledger if missing.\n"
          "\n"
          "A --root without a policy of its own (a mounted image, a container's root)\n"
          "is scanned with this host's policy, or --policy-root's; nothing is then\n"
          "written into it and nothing acted on: the output is the result.\n"
          "\n"
          "  --image PATH            Scan a container image instead: an OCI image layout\n"
          "                          directory or a docker save tarball, unpacked layer\n"
          "                          by layer into a temporary directory (no Docker).\n"
          "  --policy-root DIR       Read the policy under DIR instead.\n"
          "\n" COMMON_OPTIONS
          "\n"
          "Exit status: 0 nothing banned found, 1 banned software found, 2 error.\n" },
        { "findings",
          "Usage: vendorbanctl [OPTIONS] findings [FILTERS] [--csv]\n"
          "\n"
          "List the findings recorded in the ledger, newest first: a table that fits\n"
          "the terminal (long fields wrap; through a pager on a terminal), CSV with\n"
          "--csv, or JSON with --json. Reading needs root or the vendorban group.\n"
          "\n"
          "Filters (all must hold):\n"
          "  --since TIME            Last seen at or after TIME.\n"
          "  --until TIME            Last seen at or before TIME.\n"
          "  --ban ID                Findings of ban ID only (e.g. kaspersky).\n"
          "  --verdict VERDICT       flag, block or allow (allow: exempt matches).\n"
          "TIME is UTC: 2026-11-25, \"2026-11-25 18:00\", 2026-11-25T18:00:00Z,\n"
          "today, yesterday, now, or a span back from now: -2h, \"7d ago\" (s, m, h, d, w).\n"
          "\n"
          "  --csv                   RFC 4180 CSV with a header row, for spreadsheets.\n"
          COMMON_OPTIONS },
        { "status",
          "Usage: vendorbanctl [OPTIONS] status\n"
          "\n"
          "Show whether vendorband runs, the mode, the policy in force and where it\n"
          "came from, whether the exec guard and the APT hook are active, and the\n"
          "ledger's counts.\n"
          "\n" COMMON_OPTIONS },
        { "policy",
          "Usage: vendorbanctl [OPTIONS] policy check [FILE...]\n"
          "       vendorbanctl [OPTIONS] policy show\n"
          "\n"
          "Commands:\n"
          "  check [FILE...]         Validate the configured policy, or each FILE (a ban\n"
          "                          file or a main config, host paths). Errors are\n"
          "                          printed as file:line: message. Exit 0 if valid, 2 if not.\n"
          "  show                    Show the policy as loaded: mode, watched paths, each\n"
          "                          ban with its phases, indicators and exemptions.\n"
          "\n" COMMON_OPTIONS },
        { "explain",
          "Usage: vendorbanctl [OPTIONS] explain PACKAGE|PATH\n"
          "\n"
          "Explain the verdict for an installed package (NAME or NAME:ARCH, looked up\n"
          "in the package database; a name that is not installed is judged by its\n"
          "name alone, and said so) or a file (an absolute path inside the root): the\n"
          "ban, the phase in force and every indicator that matched. Read-only.\n"
          "\n" COMMON_OPTIONS
          "\n"
          "Exit status: 0 allowed, 1 flagged or blocked, 2 error.\n" },
        { "quarantine",
          "Usage: vendorbanctl [OPTIONS] quarantine list\n"
          "       vendorbanctl [OPTIONS] quarantine restore ID\n"
          "       vendorbanctl [OPTIONS] quarantine delete ID\n"
          "\n"
          "Commands:\n"
          "  list                    The files enforcement moved into the quarantine:\n"
          "                          original path, owner, mode, sha256, and what became\n"
          "                          of each.\n"
          "  restore ID              Put quarantined file ID back where it was, with its\n"
          "                          content, owner and mode (needs root). Refuses to\n"
          "                          overwrite a file now at that path. When nothing of\n"
          "                          its finding stays quarantined, its units are\n"
          "                          unmasked and its APT pin is dropped.\n"
          "  delete ID               Remove quarantined file ID for good (needs root);\n"
          "                          its ledger row stays, state \"deleted\". The\n"
          "                          quarantine_retention setting does this to copies\n"
          "                          older than it, at each scan and daemon rescan.\n"
          "\n"
          "Listing needs root or membership in the auditor group (vendorban).\n"
          "\n" COMMON_OPTIONS },
        { "apt-hook",
          "Usage: vendorbanctl [OPTIONS] apt-hook < APT-PROTOCOL-V3\n"
          "\n"
          "APT's DPkg::Pre-Install-Pkgs hook (protocol version 3 on standard input; set\n"
          "up by /etc/apt/apt.conf.d/50vendorban). Refuses (exit 1, so APT aborts) a\n"
          "package the policy blocks in enforce mode; in audit mode only warns. On an\n"
          "error of the hook itself, apt_hook_on_error in the config decides (default:\n"
          "allow, exit 0); a banned name or version on APT's own line is refused\n"
          "whatever that setting says.\n"
          "\n" COMMON_OPTIONS },
        { "metrics",
          "Usage: vendorbanctl [OPTIONS] metrics\n"
          "\n"
          "Print vendorban's state in the Prometheus text format, for node-exporter's\n"
          "textfile collector (vendorban-fleet(7)): findings per ban and verdict, the\n"
          "exec guard's state, the last scan's time and the policy's age.\n"
          "\n" COMMON_OPTIONS },
        { "rpm-hook",
          "Usage: vendorbanctl [OPTIONS] rpm-hook < TRANSACTION\n"
          "\n"
          "The decision behind the dnf plugin (vendorban.py): reads the packages of a\n"
          "dnf transaction on standard input, judges each .rpm by its own header, and\n"
          "refuses (exit 1, so dnf stops before rpm runs) a banned one in enforce mode,\n"
          "naming the package, its vendor and the ban's authority; in audit mode it\n"
          "only warns. A fault of the hook follows hook_on_error (apt_hook_on_error is\n"
          "its old name). Plain rpm -i bypasses dnf: vendorband catches that after the\n"
          "fact.\n"
          "\n" COMMON_OPTIONS },
};

bool cli_verb_help(const char *verb, FILE *f) {
        for (size_t i = 0; i < sizeof verb_helps / sizeof verb_helps[0]; i++)
                if (strcmp(verb_helps[i].verb, verb) == 0) {
                        fputs(verb_helps[i].text, f);
                        return true;
                }
        return false;
}

void cli_help(FILE *f) {
        fputs("Usage: vendorbanctl [OPTIONS] COMMAND [ARGS]\n"
              "\n"
              "Query and control vendorban, which keeps software from banned vendors\n"
              "(first: Kaspersky) off this machine. The ban definitions are data in\n"
              "/usr/share/vendorban/bans.d, overridden from /etc/vendorban/bans.d;\n"
              "vendorband(8) watches the machine, vendorbanctl scans on demand and\n"
              "explains the verdicts. 'vendorbanctl COMMAND --help' shows a command's own\n"
              "options.\n"
              "\n"
              "Commands:\n"
              "  scan                    Scan the installed packages and the watched paths\n"
              "                          now; record and act on every finding.\n"
              "  scan --image PATH       Scan a container image (OCI layout, docker save).\n"
              "  findings                List the findings in the ledger (filters, --csv).\n"
              "  status                  Whether vendorband runs, the mode, the policy and\n"
              "                          the ledger's counts.\n"
              "  policy check [FILE...]  Validate the policy; errors as file:line: message.\n"
              "  policy show             The policy as loaded, with each setting's file.\n"
              "  explain PACKAGE|PATH    Why a package or file is allowed, flagged or blocked.\n"
              "  quarantine list         The files enforcement moved into the quarantine.\n"
              "  quarantine restore ID   Put a quarantined file back (needs root).\n"
              "  quarantine delete ID    Remove a quarantined file for good (needs root).\n"
              "  apt-hook                APT's DPkg::Pre-Install-Pkgs hook (protocol v3).\n"
              "  rpm-hook                The decision behind the dnf plugin.\n"
              "  fleet report --journal-dir DIR\n"
              "                          One row per host from a collector's journal.\n"
              "  metrics                 Prometheus text format for node-exporter.\n"
              "\n"
              "Options (before or after COMMAND):\n"
              "  --root DIR              Resolve every path under DIR instead of / (a mounted\n"
              "                          image, a test root).\n"
              "  --config FILE           The main configuration, an absolute path inside the\n"
              "                          root (default " VB_DEFAULT_CONFIG ").\n"
              "  --json                  Print one JSON object instead of text (vendorbanctl(8)).\n"
              "  --no-pager              Never pipe the output into a pager.\n"
              "  --policy-root DIR       Read the policy under DIR (default: the root's own,\n"
              "                          or this host's for a root that has none).\n"
              "  -h, --help              Show this help and exit.\n"
              "  --version               Show the version and exit (as JSON with --json).\n"
              "\n"
              "Exit status:\n"
              "  0  Success: nothing banned found (scan), verdict allow (explain).\n"
              "  1  Banned software found (scan), verdict flag or block (explain).\n"
              "  2  Error: bad usage, broken policy, I/O or database error.\n"
              "\n"
              "Files (all under --root):\n"
              "  " VB_DEFAULT_CONFIG "      main configuration\n"
              "  /usr/share/vendorban/bans.d/*.conf  shipped ban definitions\n"
              "  /etc/vendorban/bans.d/              local bans, overrides and drop-ins\n"
              "  /var/lib/vendorban/" VB_STORE_FILE "    ledger (SQLite; state_dir in the config)\n"
              "  /var/lib/vendorban/quarantine/     quarantined files, named by sha256\n"
              "  " CLI_PID_FILE "      vendorband's pid (status)\n"
              "\n"
              "See also: vendorband(8), vendorbanctl(8), vendorban.conf(5),\n"
              "vendorban-ban.conf(5), journalctl(1): journalctl VENDORBAN_BAN=kaspersky\n",
              f);
}
