# driftwatch container digests without --pods: the containers of a real
# podman storage (the local engine). One container made from a tag (a
# mutable tag), one from the image's digest (pinned); the digest driftwatch
# reports is the one `podman images` shows, the id the one `podman ps` shows;
# an approved list with that digest approves both, one with another digest for
# the repository gives DW-CTR-DIGEST-DIFFERS for both.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
command -v jq >/dev/null || skip "jq is not installed"
podman_setup

pm_image_busybox localhost/dw-dg:1
digest=$(pm image inspect --format '{{.Digest}}' localhost/dw-dg:1)
case $digest in sha256:????????????????????????????????????????????????????????????????) ;;
        *) fail "podman gives the image no manifest digest: '$digest'" ;; esac
pm_run dw-tag localhost/dw-dg:1 sh -c :
pm_run dw-pin "localhost/dw-dg@$digest" sh -c :
id_tag=$(pm inspect --format '{{.Id}}' dw-tag)

S=$PM_DIR/storage
run 1 "$DW" container digests --storage-root "$S" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
[ "$(jq -r '[.rule.id, .container.name, .container.id, .container.runtime, .container.image.name,
            .container.image.hash.all[0]] | join(" ")' "$T/out")" = \
  "DW-CTR-MUTABLE-TAG dw-tag $id_tag podman localhost/dw-dg $digest" ] || { cat "$T/out"; fail "local engine findings"; }

echo "localhost/dw-dg@$digest" >"$T/approved.txt"
run 1 "$DW" container digests --storage-root "$S" --approved "$T/approved.txt" --format json
drop_summary "$T/out"
[ "$(jq -r .rule.id "$T/out")" = DW-CTR-MUTABLE-TAG ] || { cat "$T/out"; fail "the approved digest is not approved"; }

echo "localhost/dw-dg@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" >"$T/other.txt"
run 1 "$DW" container digests --storage-root "$S" --approved "$T/other.txt" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.rule.id == "DW-CTR-DIGEST-DIFFERS") | .container.name' "$T/out" | sort | tr '\n' ' ')" = \
  "dw-pin dw-tag " ] || { cat "$T/out"; fail "another approved digest"; }

# A directory that holds no storage: one line naming it, exit 2.
run 2 "$DW" container digests --storage-root "$T/nothing"
expect_one_error_line "$T/nothing"
echo PASS
