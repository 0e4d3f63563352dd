# driftwatch scan, the main job, on a host root without an image-mode
# deployment: the first run records a baseline of /usr, /boot and /etc in the
# state directory and says so; later runs check against it.
source "$(dirname "$0")/lib.sh"

R=$T/host
S=$T/state
mkdir -p "$R"/usr/bin "$R"/boot "$R"/etc/sudoers.d "$R"/etc/systemd/system "$R"/var/tmp "$R"/home/user
printf 'ls\n' >"$R/usr/bin/ls"
printf 'vmlinuz\n' >"$R/boot/vmlinuz-6.1"
printf 'root:x:0:0::/root:/bin/bash\n' >"$R/etc/passwd"
signed_policy "$R"      # scan runs posture too: a host whose policy raises nothing

run 0 "$DW" scan --root "$R" --state-dir "$S"
grep -q '^no baseline yet: recorded ' "$T/out" || { cat "$T/out"; fail "first scan did not say it recorded a baseline"; }
[ -f "$S/baseline.db" ] || fail "no baseline in the state directory"
run 0 "$DW" baseline show "$S/baseline.db" --format json
drop_summary "$T/out"
[ "$(jq -c .paths "$T/out")" = '["/usr","/boot","/etc"]' ] || fail "scan baseline paths: $(jq -c .paths "$T/out")"

run 0 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_summary "$T/out"
drop_posture "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "unchanged host reported drift"; }

# Drift outside the scanned places is not reported; inside it is.
printf 'junk\n' >"$R/var/tmp/junk"
printf 'junk\n' >"$R/home/user/junk"
run 0 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_summary "$T/out"
drop_posture "$T/out"
printf '[Service]\nExecStart=/tmp/x\n' >"$R/etc/systemd/system/evil.service"
printf 'evil\n' >>"$R/boot/vmlinuz-6.1"
run 1 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_summary "$T/out"
drop_posture "$T/out"
expect_findings "$T/out" <<'EOF'
file-added "/etc/systemd/system/evil.service" -
file-modified "/boot/vmlinuz-6.1" size,mtime,content
EOF
jq -se 'any(.[]; .rule.id == "DW-FIM-SYSTEMD" and (.threat.technique.id | index("T1543.002")))' "$T/out" >/dev/null ||
        fail "systemd unit drop not tagged with T1543.002"
jq -se 'any(.[]; .rule.id == "DW-FIM-BOOT" and .driftwatch.severity == "high" and (.driftwatch.controls | index("SI-7")))' \
        "$T/out" >/dev/null || fail "/boot change not high with SI-7"

# scan's posture step alerts on that unit on every run (DW-POS-UNIT-WRITABLE-EXEC,
# the same as driftwatch posture): what follows is about the baseline, on a host
# without it.
jq -se 'any(.[]; .rule.id == "DW-POS-UNIT-WRITABLE-EXEC")' "$T/out.all" >/dev/null ||
        fail "scan did not run posture on the unit running from /tmp"
rm -f "${R:?}/etc/systemd/system/evil.service"

# A state directory that cannot be created is an error naming it.
printf 'x' >"$T/file"
run 2 "$DW" scan --root "$R" --state-dir "$T/file/state"
expect_one_error_line "$T/file/state"
# The baseline's own fate (a fresh state directory): recording it is an event,
# losing or replacing it an alert, each reported once.
S2=$T/state2
run 0 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
[ "$(jq -r '[.rule.id, .event.kind] | join(" ")' "$T/out")" = "DW-FIM-BASELINE-RECORDED event" ] ||
        { cat "$T/out"; fail "recording the baseline is not one JSON event"; }
[ -f "$S2/baseline.record" ] || fail "the state directory does not remember its baseline"
run 0 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "an unchanged host with its own baseline reported something"; }

rm -f "${S2:?}/baseline.db"
run 1 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
[ "$(jq -r '[.rule.id, .event.kind, .driftwatch.severity] | join(" ")' "$T/out")" = \
  "DW-FIM-BASELINE-MISSING alert critical
DW-FIM-BASELINE-RECORDED event low" ] || { cat "$T/out"; fail "a deleted baseline was not an alert"; }
jq -se '.[0] | (.threat.technique.id | index("T1565.001")) and (.driftwatch.controls | index("AU-9"))' "$T/out" \
        >/dev/null || fail "DW-FIM-BASELINE-MISSING lacks T1565.001 or AU-9"
run 0 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "the missing baseline was reported twice"; }

mkdir -p "$T/other/etc"
printf 'other\n' >"$T/other/etc/x"
run 0 "$DW" baseline create --from "dir:$T/other" --out "$T/other.db"
cp "$T/other.db" "$S2/baseline.db"
run 1 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
jq -se '.[0].rule.id == "DW-FIM-BASELINE-REPLACED" and .[0].event.kind == "alert"' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "a replaced baseline was not an alert"; }
run 1 "$DW" scan --root "$R" --state-dir "$S2" --format json
drop_summary "$T/out"
drop_posture "$T/out"
if jq -se 'any(.[]; .rule.id == "DW-FIM-BASELINE-REPLACED")' "$T/out" >/dev/null; then
        fail "the replaced baseline was reported twice"
fi

# A baseline edited in place (its digest no longer matches): an alert the SIEM
# sees, and the run fails, since nothing can be checked against it.
S3=$T/state3
run 0 "$DW" -q scan --root "$R" --state-dir "$S3" --format json
drop_summary "$T/out"
sqlite3 "$S3/baseline.db" "UPDATE entries SET size = size + 1 WHERE path = CAST('/etc/passwd' AS BLOB)"
run 2 "$DW" -q scan --root "$R" --state-dir "$S3" --format json
drop_summary "$T/out"
jq -se 'length == 1 and .[0].rule.id == "DW-FIM-BASELINE-REPLACED" and .[0].event.kind == "alert"' "$T/out" \
        >/dev/null || { cat "$T/out"; fail "an edited baseline was not an alert"; }
expect_one_error_line "$S3/baseline.db"
echo PASS
