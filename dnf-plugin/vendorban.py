# SPDX-License-Identifier: GPL-2.0-or-later
# vendorban's dnf plugin: a thin shim. Just before rpm runs a transaction
# (pre_transaction: the packages are downloaded and tested), it hands every
# package the transaction brings in to `vendorbanctl rpm-hook`, which makes
# the decision in C, as the APT hook does. A refusal (exit 1) stops dnf:
# nothing of the transaction is installed.
"""vendorban: refuse packages from banned vendors before rpm installs them."""

import logging
import os
import subprocess

import dnf
import dnf.exceptions
import dnf.transaction

HEADER = "VENDORBAN-RPM-HOOK 1\n"
ACTIONS = {
    dnf.transaction.PKG_INSTALL: "install",
    dnf.transaction.PKG_UPGRADE: "upgrade",
    dnf.transaction.PKG_DOWNGRADE: "downgrade",
    dnf.transaction.PKG_REINSTALL: "reinstall",
}
LOGGER = logging.getLogger("dnf.plugin.vendorban")


def _field(value):
    """A protocol field: no tab, newline or other control character."""
    text = "" if value is None else str(value)
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def _evr(pkg):
    evr = "%s-%s" % (pkg.version, pkg.release)
    return "%s:%s" % (pkg.epoch, evr) if pkg.epoch else evr


def _local_file(pkg):
    try:
        path = pkg.localPkg()
    except Exception:  # pylint: disable=broad-except
        return ""
    return path if path and os.path.isabs(path) and os.path.isfile(path) else ""


class VendorBan(dnf.Plugin):
    """Hands the transaction to vendorbanctl rpm-hook."""

    name = "vendorban"

    def __init__(self, base, cli):
        super().__init__(base, cli)
        self.command = "/usr/sbin/vendorbanctl"
        self.timeout = 300
        self.allow_on_error = True

    def config(self):
        conf = self.read_config(self.base.conf)
        if conf.has_section("main"):
            if conf.has_option("main", "command"):
                self.command = conf.get("main", "command")
            if conf.has_option("main", "timeout"):
                self.timeout = conf.getint("main", "timeout")
            if conf.has_option("main", "on_error"):
                self.allow_on_error = conf.get("main", "on_error").strip() != "refuse"

    def _request(self):
        lines = [HEADER]
        for tsi in self.base.transaction:
            action = ACTIONS.get(tsi.action)
            if action is None:
                continue
            pkg = tsi.pkg
            fields = ["PKG", action, pkg.name, _evr(pkg), pkg.arch, pkg.vendor, pkg.packager, _local_file(pkg)]
            lines.append("\t".join(_field(f) for f in fields) + "\n")
        return lines

    def _argv(self):
        argv = [self.command]
        # Judge an install into another root by that root's own policy, if it has one.
        root = self.base.conf.installroot or "/"
        if os.path.realpath(root) != "/" and os.path.isfile(os.path.join(root, "etc/vendorban/vendorban.conf")):
            argv += ["--root", root]
        return argv + ["rpm-hook"]

    def _fault(self, what):
        if self.allow_on_error:
            LOGGER.warning("vendorban: %s; allowing the transaction (on_error = allow)", what)
            return
        raise dnf.exceptions.Error("vendorban: %s; refusing the transaction (on_error = refuse)" % what)

    def pre_transaction(self):
        # dnf only logs (and goes on after) an exception that is not a
        # dnf.exceptions.Error: every fault here goes through _fault.
        try:
            self._check()
        except dnf.exceptions.Error:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            self._fault("the plugin failed: %r" % (exc,))

    def _check(self):
        lines = self._request()
        if len(lines) == 1:
            return
        try:
            proc = subprocess.run(self._argv(), input="".join(lines).encode("utf-8", "replace"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=self.timeout,
                                  check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            self._fault("cannot run %s rpm-hook: %s" % (self.command, exc))
            return
        said = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode == 1:
            raise dnf.exceptions.Error(said or "vendorban refused the transaction")
        if proc.returncode != 0:
            self._fault("%s rpm-hook failed (exit status %d): %s" % (self.command, proc.returncode, said))
            return
        for line in said.splitlines():
            LOGGER.warning("%s", line)
