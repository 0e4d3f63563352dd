# driftwatch posture, systemd units (DW-POS-UNIT-*), on fixture roots built
# here: an image-mode root with every bad setting planted, its clean twin
# (no alert), the bad root without /usr/etc (nothing "added" is judged),
# hostile unit files; and two oracles on every fixture:
# - systemd-analyze verify --root=ROOT UNIT: every unit it loads, our parser
#   reads (no DW-POS-CONFIG-INVALID for it), and the one it refuses for its
#   syntax ([Unit without the bracket), we refuse too;
# - systemd-delta, run in a private mount namespace with the fixture's
#   /etc/systemd/system and /usr/lib/systemd/system bound over the host's (and
#   nothing at the other prefixes): its [OVERRIDDEN] and [EXTENDED] lines name
#   exactly the units and drop-ins we report as unit-overridden and
#   unit-extended.
# And this machine's real / exits 0 or 1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posture-lib.sh"

# vendor ROOT: what an image ships in /usr/lib/systemd/system, the programs
# the units run, and the targets systemd-analyze verify needs.
vendor() {
        local r=$1 t
        mkdir -p "$r/usr/lib/systemd/system" "$r/usr/bin" "$r/usr/sbin" "$r/usr/etc/systemd/system" \
                 "$r/etc/systemd/system" "$r/usr/lib/bootc"
        for t in sysinit basic shutdown multi-user default; do
                printf '[Unit]\nDescription=%s\n' "$t" >"$r/usr/lib/systemd/system/$t.target"
        done
        printf '[Unit]\nDescription=ssh\n[Service]\nExecStart=/usr/sbin/sshd -D\n' \
                >"$r/usr/lib/systemd/system/ssh.service"
        printf '[Unit]\nDescription=cron\n[Service]\nExecStart=/usr/sbin/cron -f\n' \
                >"$r/usr/lib/systemd/system/cron.service"
        for p in usr/bin/true usr/sbin/sshd usr/sbin/cron; do
                printf '#!/bin/sh\n' >"$r/$p"
                chmod 755 "$r/$p"
        done
}

# clean ROOT: an image-mode root whose /etc units raise nothing: a unit the
# image enables too, a drop-in that only adds an environment variable, a timer,
# a full unit overriding the image's cron.service with the same command.
clean() {
        local r=$1
        vendor "$r"
        mkdir -p "$r/etc/systemd/system/multi-user.target.wants" "$r/etc/systemd/system/ssh.service.d" \
                 "$r/usr/etc/systemd/system/multi-user.target.wants"
        printf '[Unit]\nDescription=ok\n[Service]\nExecStart=/usr/bin/true\nWorkingDirectory=/var/lib/ok\n' \
                >"$r/etc/systemd/system/ok.service"
        printf '[Unit]\nDescription=ok timer\n[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n' \
                >"$r/etc/systemd/system/ok.timer"
        ln -s /etc/systemd/system/ok.service "$r/etc/systemd/system/multi-user.target.wants/ok.service"
        ln -s /etc/systemd/system/ok.service "$r/usr/etc/systemd/system/multi-user.target.wants/ok.service"
        printf '[Service]\nEnvironment=LANG=C.UTF-8\n' >"$r/etc/systemd/system/ssh.service.d/10-env.conf"
        printf '[Unit]\nDescription=cron\n[Service]\nExecStart=/usr/sbin/cron -f -L 15\n' \
                >"$r/etc/systemd/system/cron.service"
        ln -s /dev/null "$r/etc/systemd/system/masked.service"
}

ok=$T/ok
clean "$ok"
expect_area "$ok" ^DW-POS-UNIT- </dev/null
any "$T/out" 'select(.driftwatch.posture.setting == "ExecStart") | .event.kind == "state" and
        .file.path == "/etc/systemd/system/ok.service" and .driftwatch.posture.source.line == 4' ||
        fail "the ExecStart line of ok.service is not stated with its line"
any "$T/out" '.event.action == "unit-timer" and .driftwatch.posture.value == "ok.service"' ||
        fail "the timer's service is not stated"
any "$T/out" '.event.action == "unit-masked"' || fail "the masked unit is not stated"

# The bad root: each DW-POS-UNIT alert planted once.
bad=$T/bad
clean "$bad"
s=$bad/etc/systemd/system
mkdir -p "$bad/tmp" "$s/ssh.service.d" "$bad/etc/systemd/system-generators" "$bad/etc/systemd/user/default.target.wants" \
         "$bad/home/alice/.config/systemd/user/default.target.wants"
printf '#!/bin/sh\n' >"$bad/tmp/evil"
chmod 755 "$bad/tmp/evil"
# ExecStart from /tmp, with systemd's prefixes; a timer activating it; an enabling link the image lacks.
printf '[Unit]\nDescription=evil\n[Service]\nExecStart=-+/tmp/evil --daemon\n' >"$s/evil.service"
printf '[Unit]\nDescription=evil timer\n[Timer]\nOnBootSec=1min\nUnit=evil.service\n' >"$s/evil.timer"
ln -s /etc/systemd/system/evil.service "$s/multi-user.target.wants/evil.service"
# LD_PRELOAD from /dev/shm through Environment=, a shell running a script from /var/tmp.
printf '[Unit]\nDescription=env\n[Service]\nEnvironment="LD_PRELOAD=/dev/shm/x.so" FOO=1\nExecStart=/usr/bin/true\n' \
        >"$s/env.service"
printf '[Unit]\nDescription=sh\n[Service]\nExecStart=/bin/sh -c "/var/tmp/.x/run >/dev/null"\n' >"$s/shell.service"
# A drop-in replacing the image unit's command.
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/sshd -D -o PermitRootLogin=yes\n' >"$s/ssh.service.d/50-override.conf"
# A generator; a user unit enabled for every user; one enabled in a home.
printf '#!/bin/sh\n' >"$bad/etc/systemd/system-generators/persist"
chmod 755 "$bad/etc/systemd/system-generators/persist"
printf '[Service]\nExecStart=/usr/bin/true\n' >"$bad/etc/systemd/user/u.service"
ln -s ../u.service "$bad/etc/systemd/user/default.target.wants/u.service"
printf '[Service]\nExecStart=/usr/bin/true\n' >"$bad/home/alice/.config/systemd/user/a.service"
ln -s ../a.service "$bad/home/alice/.config/systemd/user/default.target.wants/a.service"
# What systemd ignores ("Assignment outside of section", "Missing '='") does not hide the rest.
printf 'Stray=1\n[Unit]\nDescription=lenient\nno equals sign here\n[Service]\nExecStart=/tmp/evil\n' \
        >"$s/lenient.service"
bad_alerts="\
DW-POS-UNIT-ENABLED-ADDED medium /etc/systemd/system/multi-user.target.wants/evil.service
DW-POS-UNIT-EXEC-OVERRIDE high /etc/systemd/system/ssh.service.d/50-override.conf
DW-POS-UNIT-GENERATOR high /etc/systemd/system-generators/persist
DW-POS-UNIT-USER medium /etc/systemd/user/default.target.wants/u.service
DW-POS-UNIT-USER medium /home/alice/.config/systemd/user/default.target.wants/a.service
DW-POS-UNIT-WRITABLE-EXEC high /etc/systemd/system/env.service
DW-POS-UNIT-WRITABLE-EXEC high /etc/systemd/system/evil.service
DW-POS-UNIT-WRITABLE-EXEC high /etc/systemd/system/evil.timer
DW-POS-UNIT-WRITABLE-EXEC high /etc/systemd/system/lenient.service
DW-POS-UNIT-WRITABLE-EXEC high /etc/systemd/system/shell.service
"
printf "%s" "$bad_alerts" | expect_area "$bad" ^DW-POS-UNIT- || exit 1
any "$T/out" 'select(.rule.id == "DW-POS-UNIT-EXEC-OVERRIDE") | .driftwatch.posture.source.line == 3' ||
        fail "the replacing ExecStart is not located at its line"
any "$T/out" 'select(.rule.id == "DW-POS-UNIT-WRITABLE-EXEC" and .file.path == "/etc/systemd/system/lenient.service")
        | .driftwatch.posture.source.line == 6' || fail "the lenient unit's ExecStart is not at line 6"

# The same without /usr/etc: nothing is judged "added", and that is said once.
flat=$T/flat
cp -a "$bad" "$flat"
rm -rf "${flat:?}/usr/etc"
# (the enabling links of /etc are judged against the image only)
printf "%s" "$bad_alerts" | grep -v "ENABLED-ADDED\|USER medium /etc" | expect_area "$flat" ^DW-POS-UNIT- || exit 1
[ "$(jq -r 'select(.event.action == "not-image-mode" and .rule.id == "DW-POS-UNIT-STATE") | .rule.id' "$T/out" |
        wc -l)" -eq 1 ] || fail "the root not being image-mode is not said exactly once"

# Hostile: binary garbage, a section header left open, 2 MiB, a symlink out of the root.
hostile=$T/hostile
clean "$hostile"
h=$hostile/etc/systemd/system
head -c 4096 /usr/bin/ls >"$h/garbage.service"
printf '[Unit\nDescription=x\n[Service]\nExecStart=/usr/bin/true\n' >"$h/open.service"
head -c $((2 << 20)) /dev/zero | tr '\0' 'a' >"$h/big.service"
printf '[Service]\nExecStart=/tmp/outside\n' >"$T/outside.conf"
mkdir -p "$h/ok.service.d"
ln -s "$T/outside.conf" "$h/ok.service.d/outside.conf"
start=$(date +%s%N)
expect_area "$hostile" ^DW-POS-UNIT- <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/systemd/system/big.service
DW-POS-CONFIG-INVALID medium /etc/systemd/system/garbage.service
DW-POS-CONFIG-INVALID medium /etc/systemd/system/ok.service.d/outside.conf
DW-POS-CONFIG-INVALID medium /etc/systemd/system/open.service
EOF
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "the hostile units took more than 5 s"
# 2,000 drop-ins in one directory: refused by count, naming it.
many=$T/many
clean "$many"
mkdir -p "$many/etc/systemd/system/ok.service.d"
for i in $(seq 1 2000); do : >"$many/etc/systemd/system/ok.service.d/$i.conf"; done
expect_area "$many" ^DW-POS-UNIT- <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/systemd/system/ok.service.d
EOF

# --- Oracle 1: systemd-analyze verify --root on every unit of every fixture.
if ! command -v systemd-analyze >/dev/null; then
        skip "systemd-analyze (systemd) is not installed: the unit syntax oracle cannot run"
fi
verified=0
for root in "$ok" "$bad" "$hostile"; do
        "$DW" posture --root "$root" --format json >"$T/out" 2>/dev/null || true
        for f in "$root"/etc/systemd/system/*.service "$root"/etc/systemd/system/*.timer; do
                [ -f "$f" ] && [ ! -L "$f" ] || continue
                name=${f##*/}
                [ "$name" = big.service ] && continue   # over our 1 MiB limit on purpose
                path=/etc/systemd/system/$name
                ours=accepted
                any "$T/out" "select(.rule.id == \"DW-POS-CONFIG-INVALID\") | .file.path == \"$path\"" && ours=refused
                if systemd-analyze verify --man=no --root="$root" "$name" >"$T/verify" 2>&1; then
                        [ "$ours" = accepted ] || fail "systemd-analyze verify accepts $root$path, we refuse it"
                        verified=$((verified + 1))
                elif grep -q "Invalid section header\|Bad message" "$T/verify"; then
                        [ "$ours" = refused ] || fail "systemd-analyze verify refuses $root$path's syntax, we read it"
                fi
        done
done
[ "$verified" -ge 8 ] || fail "systemd-analyze verify accepted only $verified fixture units"

# --- Oracle 2: systemd-delta on the fixtures' /etc vs /usr/lib.
if ! command -v systemd-delta >/dev/null || ! command -v unshare >/dev/null; then
        skip "systemd-delta or unshare is missing: the override oracle cannot run"
fi
mkdir -p "$T/empty"
for root in "$ok" "$bad"; do
        if ! unshare -m --propagation private sh -c '
                set -e
                mount --bind "$1/etc/systemd/system" /etc/systemd/system
                mount --bind "$1/usr/lib/systemd/system" /usr/lib/systemd/system
                for d in /run/systemd/system /usr/local/lib/systemd/system /usr/local/share/systemd/system; do
                        [ ! -d "$d" ] || mount --bind "$2" "$d"
                done
                systemd-delta --no-pager --type=overridden,extended systemd/system' sh "$root" "$T/empty" \
                >"$T/delta" 2>"$T/delta.err"; then
                cat "$T/delta.err"
                skip "cannot bind the fixture over /etc/systemd/system in a private mount namespace"
        fi
        sed -n 's/^\[OVERRIDDEN\] *\([^ ]*\) .*/overridden \1/p; s/^\[EXTENDED\] *[^ ]* → \(.*\)/extended \1/p' \
                "$T/delta" | LC_ALL=C sort >"$T/delta.want"
        [ -s "$T/delta.want" ] || { cat "$T/delta"; fail "systemd-delta listed nothing for $root"; }
        "$DW" posture --root "$root" --format json >"$T/out" 2>/dev/null || true
        jq -r 'select(.event.action == "unit-overridden" or .event.action == "unit-extended") |
                "\(.event.action | ltrimstr("unit-")) \(.file.path)"' "$T/out" | LC_ALL=C sort >"$T/delta.got"
        diff -u "$T/delta.want" "$T/delta.got" || fail "overrides differ from systemd-delta's for $root"
done

posture_of_slash
any "$T/out" '.rule.id == "DW-POS-IMAGE"' || fail "no host image record on /"
echo PASS
