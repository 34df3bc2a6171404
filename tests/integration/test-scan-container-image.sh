#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl scan --image` reads a container image without Docker: an
# OCI image layout directory and a `docker save` tarball (hand-made, and
# made by skopeo from the OCI layout), applied layer by layer with
# whiteouts. A Kaspersky package installed in a lower layer and a loose
# banned file are found (exit 1, as a CI pipeline needs); a banned file
# deleted by a later layer's whiteout is not; a clean image exits 0;
# nothing is recorded. A hostile layer (a path with "..", a symlink out of
# the image) is refused with exit 2 and writes nothing outside. --root
# with no policy of its own says so; --policy-root supplies one.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

policy=$(vb_tmproot)   # supplies the policy (--policy-root)

# layer_tar DIR OUT: a gzip'ed tar of DIR's contents, as image builders make them.
layer_tar() {
        tar --sort=name --owner=0 --group=0 --numeric-owner -C "$1" -czf "$2" .
}
# blob FILE LAYOUT: move FILE into LAYOUT/blobs/sha256/ and print its digest.
blob() {
        local sum
        sum=$(sha256sum "$1" | cut -d' ' -f1)
        mkdir -p "$2/blobs/sha256"
        mv "$1" "$2/blobs/sha256/$sum"
        printf 'sha256:%s\n' "$sum"
}
# oci_image LAYOUT LAYER-DIR...: an OCI image layout of the given layers.
oci_image() {
        local layout=$1 d digests=() sizes=() cfg man i
        shift
        mkdir -p "$layout"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
        for d in "$@"; do
                layer_tar "$d" "$VB_TMP/layer.tgz"
                sizes+=("$(stat -c %s "$VB_TMP/layer.tgz")")
                digests+=("$(blob "$VB_TMP/layer.tgz" "$layout")")
        done
        printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$VB_TMP/cfg.json"
        cfg=$(blob "$VB_TMP/cfg.json" "$layout")
        {
                printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                printf '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[' \
                        "$cfg" "$(stat -c %s "$layout/blobs/sha256/${cfg#sha256:}")"
                for i in "${!digests[@]}"; do
                        [ "$i" -eq 0 ] || printf ','
                        printf '{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}' \
                                "${digests[$i]}" "${sizes[$i]}"
                done
                printf ']}'
        } >"$VB_TMP/manifest.json"
        local msize
        msize=$(stat -c %s "$VB_TMP/manifest.json")
        man=$(blob "$VB_TMP/manifest.json" "$layout")
        printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"test"}}]}' \
                "$man" "$msize" >"$layout/index.json"
}

vb_step "layer 1: a root with kesl installed by dpkg, and a banned file a later layer deletes"
l1=$(vb_tmproot)
vb_dpkg_install "$l1" "$(vb_build_fake_kesl kesl)"
rm -rf "$l1/etc/vendorban" "$l1/var/lib/vendorban"     # an image has no vendorban of its own
mkdir -p "$l1/opt/kaspersky/old" "$l1/opt/vendor-tool"
cp /bin/true "$l1/opt/kaspersky/old/kav-deleted-later"
cp /bin/true "$l1/opt/vendor-tool/tool"
vb_step "layer 2: a loose banned file, a whiteout of the deleted one, an opaque whiteout"
l2=$(mktemp -d "$VB_TMP/l2.XXXXXX")
mkdir -p "$l2/opt/kaspersky/new" "$l2/opt/kaspersky/old" "$l2/opt/vendor-tool"
cp /bin/true "$l2/opt/kaspersky/new/kav-loose"
: >"$l2/opt/kaspersky/old/.wh.kav-deleted-later"
: >"$l2/opt/vendor-tool/.wh..wh..opq"
oci=$VB_TMP/oci
oci_image "$oci" "$l1" "$l2"

vb_step "scan --image OCI-LAYOUT: kesl and the loose file found (exit 1), the whited-out file not"
vb_run "$VB_CTL" --policy-root "$policy" --json scan --image "$oci"
vb_expect_rc 1
cp "$VB_OUT" "$VB_TMP/oci.json"
vb_jq_assert "$VB_TMP/oci.json" '.image == $i and .recorded == false and .packages_scanned == 1' \
        "the result does not name the image, or recorded, or packages_scanned != 1" --arg i "$oci"
vb_jq_assert "$VB_TMP/oci.json" 'any(.findings[]; .subject == "package" and .package == "kesl" and .verdict == "block"
        and .action == "would-block")' "kesl is not found in the image"
vb_jq_assert "$VB_TMP/oci.json" 'any(.findings[]; .path == "/opt/kaspersky/new/kav-loose")' "the loose file is not found"
vb_jq_assert "$VB_TMP/oci.json" 'all(.findings[]; (.path // "") | test("kav-deleted-later") | not)' \
        "a file deleted by a whiteout was reported"
[ ! -e "$policy/var/lib/vendorban/vendorban.db" ] || vb_fail "an image scan wrote a ledger"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$oci"
vb_expect_rc 1
grep -q '2 layers unpacked' "$VB_OUT" || vb_fail "the text output does not say how many layers were unpacked"

vb_step "scan --image of a hand-made docker save tarball"
ds=$(mktemp -d "$VB_TMP/dsave.XXXXXX")
mkdir -p "$ds/aaa" "$ds/bbb"
tar --owner=0 --group=0 -C "$l1" -cf "$ds/aaa/layer.tar" .
tar --owner=0 --group=0 -C "$l2" -cf "$ds/bbb/layer.tar" .
printf '[{"Config":"cfg.json","RepoTags":["test:1"],"Layers":["aaa/layer.tar","bbb/layer.tar"]}]' >"$ds/manifest.json"
printf '{}' >"$ds/cfg.json"
tar -C "$ds" -cf "$VB_TMP/docker-save.tar" .
vb_run "$VB_CTL" --policy-root "$policy" --json scan --image "$VB_TMP/docker-save.tar"
vb_expect_rc 1
vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl") and any(.findings[]; .path == "/opt/kaspersky/new/kav-loose")
        and all(.findings[]; (.path // "") | test("kav-deleted-later") | not)' "the docker save tarball scan is wrong"

if command -v skopeo >/dev/null; then
        vb_step "scan --image of a docker-archive made by skopeo from the OCI layout"
        skopeo --insecure-policy copy --quiet "oci:$oci:test" "docker-archive:$VB_TMP/skopeo.tar:test:1" ||
                vb_fail "skopeo could not convert the OCI layout"
        vb_run "$VB_CTL" --policy-root "$policy" --json scan --image "$VB_TMP/skopeo.tar"
        vb_expect_rc 1
        vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl") and any(.findings[]; .path == "/opt/kaspersky/new/kav-loose")' \
                "the skopeo docker-archive scan is wrong"
fi

vb_step "a clean image exits 0"
clean=$(mktemp -d "$VB_TMP/clean.XXXXXX")
mkdir -p "$clean/var/lib/dpkg/info" "$clean/opt/tool"
: >"$clean/var/lib/dpkg/status"
cp /bin/true "$clean/opt/tool/tool"
oci_image "$VB_TMP/oci-clean" "$clean"
vb_run "$VB_CTL" --policy-root "$policy" --json scan --image "$VB_TMP/oci-clean"
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.findings == []' "a clean image has findings"

vb_step "hostile layers: a symlink out of the image is never written through; '..' paths are refused (exit 2)"
evil=$(mktemp -d "$VB_TMP/evil.XXXXXX")
mkdir -p "$evil/src/opt"
ln -s /tmp "$evil/src/opt/out"
tar -C "$evil/src" -cf "$evil/l1.tar" .
mkdir -p "$evil/src2/opt/out"
printf 'x\n' >"$evil/src2/opt/out/escaped-$$"
tar -C "$evil/src2" -cf "$evil/l2.tar" .
printf 'y\n' >"$evil/dotdot-$$"
tar -P -C "$evil" -cf "$evil/l3.tar" --transform 's,^,../../,' "dotdot-$$"
mkdir -p "$evil/img"
cp "$evil/l1.tar" "$evil/l2.tar" "$evil/img/"
printf '[{"Config":"c.json","Layers":["l1.tar","l2.tar"]}]' >"$evil/img/manifest.json"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$evil/img"
vb_expect_rc 0
[ ! -e "/tmp/escaped-$$" ] || { rm -f "/tmp/escaped-$$"; vb_fail "a layer wrote through a symlink out of the image"; }
cp "$evil/l3.tar" "$evil/img/l1.tar"
printf '[{"Config":"c.json","Layers":["l1.tar"]}]' >"$evil/img/manifest.json"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$evil/img"
vb_expect_rc 2
grep -q 'path leaves the image' "$VB_ERR" || vb_fail "a '..' path is not reported: $(cat "$VB_ERR")"
printf '[{"Config":"c.json","Layers":["../../etc/passwd"]}]' >"$evil/img/manifest.json"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$evil/img"
vb_expect_rc 2
grep -q 'not a relative path inside the image' "$VB_ERR" || vb_fail "a manifest layer path out of the image is accepted"
printf 'not json' >"$evil/img/manifest.json"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$evil/img"
vb_expect_rc 2
grep -q 'manifest.json: not valid JSON' "$VB_ERR" || vb_fail "a broken manifest.json is not named: $(cat "$VB_ERR")"
vb_run "$VB_CTL" --policy-root "$policy" scan --image "$VB_TMP/nonexistent"
vb_expect_rc 2

vb_step "--root of a tree without a policy of its own: said plainly; --policy-root supplies one, nothing written"
bare=$(mktemp -d "$VB_TMP/bare.XXXXXX")
cp -a "$l1/." "$bare/"
vb_run "$VB_CTL" --root "$bare" --policy-root "$policy" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" '.recorded == false and any(.findings[]; .package == "kesl")' "--policy-root scan is wrong"
[ ! -e "$bare/var/lib/vendorban" ] || vb_fail "a scan with another root's policy wrote into the scanned root"
vb_run "$VB_CTL" --root "$bare" scan
grep -q "has no vendorban policy of its own" "$VB_ERR" || vb_fail "a root without policy is not said so: $(cat "$VB_ERR")"

vb_step "all checks passed"
