# driftwatch posture, persistence outside systemd units: cron, anacron and at
# (DW-POS-CRON-*, DW-POS-AT-JOB), the dynamic linker and login shells
# (DW-POS-LD-*, DW-POS-SHELL-*), NetworkManager dispatcher scripts
# (DW-POS-NM-*). For each area an image-mode fixture root with the bad
# settings planted, a clean twin with no alert, the bad root without /usr/etc
# (nothing judged "added"), hostile input; and the oracles on every fixture:
# - ldconfig -r ROOT -N -X -v (glibc): each library directory it reads from (its built-in trusted directories aside)
#   ld.so.conf and its include globs ("DIR: (from FILE:LINE)") is one we state
#   with the same file and line, and we state no other existing directory;
# - run-parts --list (debianutils): the names of /etc/cron.d and
#   /etc/cron.daily it would take are exactly those we do not report as
#   ignored (symlinks aside: run-parts would follow them out of the fixture).
# And this machine's real / exits 0 or 1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posture-lib.sh"

# ship ROOT PATH...: the image ships these /etc files as they are now.
ship() {
        local r=$1 p
        shift
        for p in "$@"; do
                mkdir -p "$(dirname "$r/usr$p")"
                cp -a "$r$p" "$r/usr$p"
        done
}

# clean ROOT: an image-mode root with cron, linker, shell and dispatcher
# files that raise nothing, all shipped by the image.
clean() {
        local r=$1
        mkdir -p "$r/usr/etc" "$r/usr/lib/bootc" "$r/etc/cron.d" "$r/etc/cron.daily" "$r/etc/ld.so.conf.d" "$r/etc/profile.d" \
                 "$r/root" "$r/etc/NetworkManager/dispatcher.d/pre-up.d" "$r/usr/local/lib" "$r/opt/lib"
        cat >"$r/etc/crontab" <<'EOF'
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
25 6	* * *	root	test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }
EOF
        printf '30 3 * * 0 root test -e /run/systemd/system || /usr/lib/e2fsprogs/e2scrub_all_cron\n' \
                >"$r/etc/cron.d/e2scrub_all"
        printf '#!/bin/sh\nexec /usr/libexec/dpkg/dpkg-db-backup\n' >"$r/etc/cron.daily/dpkg"
        chmod 755 "$r/etc/cron.daily/dpkg"
        printf 'SHELL=/bin/sh\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n' >"$r/etc/anacrontab"
        printf 'include /etc/ld.so.conf.d/*.conf\n' >"$r/etc/ld.so.conf"
        printf '# libc default configuration\n/usr/local/lib\n' >"$r/etc/ld.so.conf.d/libc.conf"
        printf '/opt/lib\n' >"$r/etc/ld.so.conf.d/opt.conf"
        printf 'PATH="/usr/local/bin:/usr/bin:/bin"\nexport PATH\n' >"$r/etc/profile"
        printf 'export LANG=C.UTF-8\n' >"$r/etc/profile.d/lang.sh"
        printf '[ -z "$PS1" ] && return\n' >"$r/etc/bash.bashrc"
        printf 'LANG=C.UTF-8\n' >"$r/etc/environment"
        printf 'export PATH=/root/bin:$PATH\n. /etc/bash.bashrc\n' >"$r/root/.bashrc"
        printf '#!/bin/sh\nexit 0\n' >"$r/etc/NetworkManager/dispatcher.d/01-ifupdown"
        chmod 755 "$r/etc/NetworkManager/dispatcher.d/01-ifupdown"
        ship "$r" /etc/crontab /etc/cron.d/e2scrub_all /etc/cron.daily/dpkg /etc/anacrontab /etc/ld.so.conf \
                /etc/ld.so.conf.d/libc.conf /etc/ld.so.conf.d/opt.conf /etc/profile.d/lang.sh \
                /etc/NetworkManager/dispatcher.d/01-ifupdown
}

areas='^DW-POS-(CRON|AT|LD|SHELL|NM)-'
ok=$T/ok
clean "$ok"
# A README in cron.d (a dot: cron and run-parts skip it) is stated, not read.
printf 'not a crontab\n' >"$ok/etc/cron.d/README.md"
expect_area "$ok" "$areas" </dev/null
any "$T/out" '.event.action == "cron-entry" and .file.path == "/etc/crontab" and .driftwatch.posture.source.line == 3
        and (.driftwatch.posture.value | startswith("17 * * * * root cd /"))' ||
        fail "the /etc/crontab entry is not stated with its schedule, user and line"
any "$T/out" '.event.action == "cron-ignored" and .file.path == "/etc/cron.d/README.md"' ||
        fail "cron.d/README.md is not stated as ignored"
any "$T/out" '.event.action == "ld-directory" and .driftwatch.posture.value == "/usr/local/lib" and
        .file.path == "/etc/ld.so.conf.d/libc.conf" and .driftwatch.posture.source.line == 2' ||
        fail "the ld.so.conf.d directory is not stated with its include file and line"
any "$T/out" '.event.action == "nm-script" and (.driftwatch.posture.value | test("uid 0 .*mode 0755"))' ||
        fail "the dispatcher script's owner and mode are not stated"

# --- The bad root: every alert of the areas planted.
bad=$T/bad
clean "$bad"
mkdir -p "$bad/var/spool/cron/crontabs" "$bad/var/spool/cron/atjobs" "$bad/tmp/lib"
printf '@reboot root /tmp/.x/run\n' >"$bad/etc/cron.d/evil"
printf 'PATH=/var/tmp/bin:/usr/bin\n* * * * * root helper\n' >"$bad/etc/cron.d/pathy"
printf '* * * *\n' >"$bad/etc/cron.d/broken"
printf '@reboot root /tmp/ignored\n' >"$bad/etc/cron.d/ignored.dpkg-old"
ln -s /dev/shm/x "$bad/etc/cron.daily/zz-evil"
printf '*/10 * * * * python3 -u /var/tmp/x.py\n' >"$bad/var/spool/cron/crontabs/root"
printf '#!/bin/sh\n/tmp/x\n' >"$bad/var/spool/cron/atjobs/a0001801a1b2c3"
printf '/usr/lib/libevil.so # hide\n' >"$bad/etc/ld.so.preload"
printf '/tmp/lib\n' >"$bad/etc/ld.so.conf.d/evil.conf"
printf 'LD_PRELOAD=/usr/lib/libevil.so\n' >>"$bad/etc/environment"
printf 'export PATH=/tmp/bin:$PATH\n' >"$bad/etc/profile.d/evil.sh"
printf 'source /home/u/.x\n' >>"$bad/etc/bash.bashrc"
printf '. "/var/tmp/.rc"\n' >>"$bad/root/.bashrc"
d=$bad/etc/NetworkManager/dispatcher.d
printf '#!/bin/sh\n' >"$d/10-user"
chown 1000:1000 "$d/10-user"
chmod 755 "$d/10-user"
printf '#!/bin/sh\n' >"$d/20-world"
chmod 777 "$d/20-world"
ln -s /tmp/x "$d/pre-up.d/10-link"
bad_alerts="\
DW-POS-AT-JOB medium /var/spool/cron/atjobs/a0001801a1b2c3
DW-POS-CONFIG-INVALID medium /etc/cron.d/broken
DW-POS-CRON-ADDED medium /etc/cron.d/broken
DW-POS-CRON-ADDED medium /etc/cron.d/evil
DW-POS-CRON-ADDED medium /etc/cron.d/pathy
DW-POS-CRON-ADDED medium /etc/cron.daily/zz-evil
DW-POS-CRON-REBOOT medium /etc/cron.d/evil
DW-POS-CRON-ROOT low /var/spool/cron/crontabs/root
DW-POS-CRON-WRITABLE high /etc/cron.d/evil
DW-POS-CRON-WRITABLE high /etc/cron.d/pathy
DW-POS-CRON-WRITABLE high /etc/cron.daily/zz-evil
DW-POS-CRON-WRITABLE high /var/spool/cron/crontabs/root
DW-POS-LD-ADDED medium /etc/ld.so.conf.d/evil.conf
DW-POS-LD-PRELOAD high /etc/ld.so.preload
DW-POS-LD-WRITABLE high /etc/ld.so.conf.d/evil.conf
DW-POS-NM-ADDED medium /etc/NetworkManager/dispatcher.d/10-user
DW-POS-NM-ADDED medium /etc/NetworkManager/dispatcher.d/20-world
DW-POS-NM-ADDED medium /etc/NetworkManager/dispatcher.d/pre-up.d/10-link
DW-POS-NM-UNSAFE high /etc/NetworkManager/dispatcher.d/10-user
DW-POS-NM-UNSAFE high /etc/NetworkManager/dispatcher.d/20-world
DW-POS-NM-UNSAFE high /etc/NetworkManager/dispatcher.d/pre-up.d/10-link
DW-POS-SHELL-ADDED medium /etc/profile.d/evil.sh
DW-POS-SHELL-ENV high /etc/bash.bashrc
DW-POS-SHELL-ENV high /etc/environment
DW-POS-SHELL-ENV high /etc/profile.d/evil.sh
DW-POS-SHELL-ENV high /root/.bashrc
"
printf "%s" "$bad_alerts" | expect_area "$bad" "$areas" || exit 1
any "$T/out" 'select(.rule.id == "DW-POS-CRON-REBOOT") | .driftwatch.posture.source.line == 1' ||
        fail "@reboot is not located at its line"
any "$T/out" 'select(.rule.id == "DW-POS-CONFIG-INVALID") | .message | test("line 1")' ||
        fail "the refused crontab line is not named"
any "$T/out" '.event.action == "cron-ignored" and .file.path == "/etc/cron.d/ignored.dpkg-old"' ||
        fail "cron.d/ignored.dpkg-old is not stated as ignored"

# Without /usr/etc nothing is "added", and that is said once per area.
flat=$T/flat
cp -a "$bad" "$flat"
rm -rf "${flat:?}/usr/etc"
printf "%s" "$bad_alerts" | grep -v -- '-ADDED ' | expect_area "$flat" "$areas" || exit 1
[ "$(jq -r 'select(.event.action == "not-image-mode") | .rule.id' "$T/out" | LC_ALL=C sort | tr '\n' ' ')" = \
  "DW-POS-CRON-STATE DW-POS-LD-STATE DW-POS-NM-STATE DW-POS-SHELL-STATE " ] ||
        fail "the root not being image-mode is not said once per area"
# A /usr/etc that no ostree or bootc marker backs (npm drops its npmrc there)
# makes no image either.
npm=$T/npm
cp -a "$bad" "$npm"
rm -rf "${npm:?}/usr/lib/bootc"
printf "%s" "$bad_alerts" | grep -v -- '-ADDED ' | expect_area "$npm" "$areas" || exit 1

# --- Hostile input: binary garbage, 2 MiB, an include loop, 2,000 cron.d files.
hostile=$T/hostile
clean "$hostile"
head -c 4096 /usr/bin/ls >"$hostile/etc/crontab"
head -c 4096 /usr/bin/ls >"$hostile/etc/ld.so.preload"
head -c 4096 /usr/bin/ls >"$hostile/etc/environment"
head -c $((2 << 20)) /dev/zero | tr '\0' '#' >"$hostile/etc/anacrontab"
printf 'include /etc/ld.so.conf\n' >"$hostile/etc/ld.so.conf.d/loop.conf"
ship "$hostile" /etc/ld.so.conf.d/loop.conf
start=$(date +%s%N)
expect_area "$hostile" "$areas" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/anacrontab
DW-POS-CONFIG-INVALID medium /etc/crontab
DW-POS-CONFIG-INVALID medium /etc/environment
DW-POS-CONFIG-INVALID medium /etc/ld.so.conf
DW-POS-CONFIG-INVALID medium /etc/ld.so.preload
EOF
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "the hostile files took more than 5 s"
any "$T/out" 'select(.rule.id == "DW-POS-CONFIG-INVALID" and .file.path == "/etc/ld.so.conf") |
        .message | test("loop")' || fail "the include loop is not named"
any "$T/out" 'select(.rule.id == "DW-POS-CONFIG-INVALID" and .file.path == "/etc/anacrontab") |
        .message | test("too large")' || fail "the 2 MiB anacrontab is not refused by size"
many=$T/many
clean "$many"
for i in $(seq 1 2000); do printf '@daily root /bin/true\n' >"$many/etc/cron.d/job$i"; done
expect_area "$many" "$areas" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/cron.d
EOF

# --- Oracle 1: ldconfig reads the same library directories from the same lines.
if ! command -v ldconfig >/dev/null; then
        skip "ldconfig (libc-bin) is not installed: the ld.so.conf oracle cannot run"
fi
for root in "$ok" "$bad"; do
        mkdir -p "$root/var/cache/ldconfig"
        ldconfig -r "$root" -N -X -v 2>/dev/null |
                sed -n 's|^\(/[^:]*\): (from \(.*\):\([0-9]*\))$|\1 \2 \3|p' |
                grep -v ' <builtin> ' | LC_ALL=C sort >"$T/ld.want"
        [ -s "$T/ld.want" ] || fail "ldconfig read no directory of $root"
        "$DW" posture --root "$root" --format json >"$T/out" 2>/dev/null || true
        jq -r 'select(.event.action == "ld-directory") |
                "\(.driftwatch.posture.value) \(.file.path) \(.driftwatch.posture.source.line)"' "$T/out" |
                while read -r dir file line; do
                        [ ! -d "$root$dir" ] || echo "$dir $file $line"
                done | LC_ALL=C sort >"$T/ld.got"
        diff -u "$T/ld.want" "$T/ld.got" || fail "library directories differ from ldconfig's for $root"
done

# --- Oracle 2: run-parts takes exactly the names we do not call ignored.
if ! command -v run-parts >/dev/null; then
        skip "run-parts (debianutils) is not installed: the cron naming oracle cannot run"
fi
for root in "$ok" "$bad"; do
        "$DW" posture --root "$root" --format json >"$T/out" 2>/dev/null || true
        for dir in /etc/cron.d /etc/cron.daily; do
                run-parts --list "$root$dir" 2>/dev/null | sed "s|^$root||" | LC_ALL=C sort >"$T/rp.want"
                # (symlinks left out: run-parts follows them on the host, out of the fixture)
                find "$root$dir" -mindepth 1 -maxdepth 1 ! -name '.*' ! -type l | sed "s|^$root||" | LC_ALL=C sort |
                        while read -r f; do
                                any "$T/out" ".event.action == \"cron-ignored\" and .file.path == \"$f\"" || echo "$f"
                        done >"$T/rp.got"
                diff -u "$T/rp.want" "$T/rp.got" || fail "run-parts takes other names of $root$dir than we do"
        done
done

posture_of_slash
echo PASS
