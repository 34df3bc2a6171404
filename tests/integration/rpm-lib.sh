# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# rpm helpers for the integration tests, sourced after lib.sh: real .rpm
# files built with rpmbuild at test time, installed with rpm --root into a
# root from vb_tmproot. Debian's rpm keeps its database in ~/.rpmdb by
# default; vb_rpm_setup points HOME at $VB_TMP with an .rpmmacros that puts
# the database where RPM hosts have it (/var/lib/rpm, inside the root).

# vb_rpm_setup: HOME=$VB_TMP/rpmhome with %_dbpath /var/lib/rpm and an
# rpmbuild tree under $VB_TMP. Needs rpm and rpmbuild.
vb_rpm_setup() {
        if ! command -v rpm >/dev/null || ! command -v rpmbuild >/dev/null; then
                vb_fail "rpm and rpmbuild are missing (scripts/install-deps installs them)"
        fi
        export HOME=$VB_TMP/rpmhome
        mkdir -p "$HOME" "$VB_TMP/rpmbuild"
        cat >"$HOME/.rpmmacros" <<MACROS
%_dbpath /var/lib/rpm
%_topdir $VB_TMP/rpmbuild
%_tmppath $VB_TMP
%debug_package %{nil}
%__os_install_post %{nil}
MACROS
}

# vb_rpm_arch: rpm's architecture of this machine (x86_64, aarch64, ...).
vb_rpm_arch() {
        rpm --eval '%{_arch}'
}

# vb_build_rpm NAME VERSION-RELEASE VENDOR PACKAGER [FILE...]: build a real
# binary .rpm with rpmbuild -bb and print its path. FILE as for
# vb_build_deb: "/p" an ELF (copy of /bin/true, 0755), "/p=TEXT" a text
# file. An empty VENDOR or PACKAGER leaves the tag out.
vb_build_rpm() {
        local name=$1 vr=$2 vendor=$3 packager=$4
        shift 4
        local d src f path
        d=$(mktemp -d "$VB_TMP/rpm.XXXXXX")
        src=$d/payload
        mkdir -p "$src"
        local -a files=()
        for f in "$@"; do
                case $f in
                /*=*)
                        path=${f%%=*}
                        mkdir -p "$src$(dirname "$path")"
                        printf '%s\n' "${f#*=}" >"$src$path"
                        chmod 0644 "$src$path"
                        ;;
                /*)
                        path=$f
                        mkdir -p "$src$(dirname "$path")"
                        cp /bin/true "$src$path"
                        chmod 0755 "$src$path"
                        ;;
                *) vb_fail "vb_build_rpm: payload path must be absolute: $f" ;;
                esac
                files+=("$path")
        done
        {
                printf 'Name: %s\nVersion: %s\nRelease: %s\n' "$name" "${vr%-*}" "${vr##*-}"
                printf 'Summary: vendorban integration test fixture (%s)\nLicense: none\n' "$name"
                [ -z "$vendor" ] || printf 'Vendor: %s\n' "$vendor"
                [ -z "$packager" ] || printf 'Packager: %s\n' "$packager"
                printf 'AutoReqProv: no\n\n%%description\nBuilt by the vendorban integration tests; not real software.\n\n'
                printf '%%install\nmkdir -p %%{buildroot}\ncp -a %s/. %%{buildroot}/\n\n' "$src"
                printf '%%files\n%%defattr(-,root,root)\n'
                printf '%s\n' "${files[@]}"
        } >"$d/$name.spec"
        rpmbuild -bb --quiet --define "_rpmdir $d/out" --define "_build_id_links none" "$d/$name.spec" \
                >"$d/rpmbuild.log" 2>&1 || { cat "$d/rpmbuild.log" >&2; vb_fail "rpmbuild failed for $name"; }
        local out
        out=$(find "$d/out" -name "$name-$vr.*.rpm" | head -n 1)
        [ -n "$out" ] || { cat "$d/rpmbuild.log" >&2; vb_fail "rpmbuild made no $name-$vr rpm"; }
        printf '%s\n' "$out"
}

# vb_rpm ROOT ARGS...: rpm against ROOT (database ROOT/var/lib/rpm).
vb_rpm() {
        local root=$1
        shift
        rpm --root "$root" --dbpath /var/lib/rpm "$@"
}

# vb_rpm_initdb ROOT: an empty rpm database in ROOT/var/lib/rpm.
vb_rpm_initdb() {
        mkdir -p "$1/var/lib/rpm"
        vb_rpm "$1" --initdb || vb_fail "rpm --initdb in $1 failed"
}

# vb_rpm_install ROOT RPM: rpm -i RPM into ROOT (no dependencies, no
# scriptlets: the root has no shell); fails the test on error.
vb_rpm_install() {
        local root=$1 pkg=$2
        if ! vb_rpm "$root" -i --nodeps --noscripts --notriggers "$pkg" >"$VB_TMP/rpm.log" 2>&1; then
                cat "$VB_TMP/rpm.log" >&2
                vb_fail "rpm -i $pkg into $root failed"
        fi
}
