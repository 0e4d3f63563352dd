# The Debian package: debian/ built with `dpkg-buildpackage -us -uc -b` in a
# copy of the source tree (the files git knows, as a release tarball has
# them) under $T, then checked without installing it on this machine:
#   dpkg-deb -I   the control file: version (debian/changelog's is CMake's
#                 project version), the libraries dh_shlibdeps found (the
#                 binary's and the ostree module's), libcrypto (loaded on
#                 first use, so named by hand)
#   dpkg-deb -c   the files: binary, module, man pages, completion, rules,
#                 docs, the auditd plugin configuration, the units
#   postinst      neither the agent nor the scan's timer is enabled
#   dpkg-deb -x   into $T: the extracted binary runs, finds its ostree
#                 module and hashes a tree (libcrypto)
#   lintian       no error, no warning (overrides: debian/*.lintian-overrides)
# Build-Depends must be scripts/deps.sh `run` (less build-essential).
#
# Cost: the package is built without optimisation or debug information
# (DEB_BUILD_OPTIONS=noopt noddebs, DEB_CFLAGS_STRIP=-g) and without its test
# suite (nocheck): what is checked is the packaging, not the code. 50 to 75 s
# of CPU in all, 12 s of it lintian; labelled `package`.
source "$(dirname "$0")/lib.sh"

for tool in dpkg-buildpackage dh lintian; do
        command -v "$tool" >/dev/null ||
                skip "$tool is not installed (scripts/deps.sh pkg installs dpkg-dev, debhelper, lintian)"
done
source "$(dirname "$0")/lib-pkg.sh"
version=$VERSION
[ "$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)" = "$version" ] ||
        fail "debian/changelog's version is not CMake's project version $version"

# Build-Depends against scripts/deps.sh run.
deps_run=$(sed -n '/^run=(/,/^)/{/^run=(/d;p}' "$SRC/scripts/deps.sh" | sed -n 's/^ *\([a-z0-9][a-z0-9.+-]*\).*/\1/p' |
           grep -vx build-essential | LC_ALL=C sort)
build_deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$SRC/debian/control" | sed '$d; s/^Build-Depends://' |
             tr ',' '\n' | sed 's/(.*//; s/ //g' | grep -v '^$' | grep -vx debhelper-compat | LC_ALL=C sort)
[ -n "$deps_run" ] || fail "no packages read from scripts/deps.sh run"
diff -u <(echo "$deps_run") <(echo "$build_deps") ||
        fail "debian/control's Build-Depends (+) differ from scripts/deps.sh run (-)"

S=$T/src/driftwatch-$version
pkg_source_tree "$S"
(cd "$S" && DEB_BUILD_OPTIONS="nocheck noopt noddebs parallel=$(nproc)" DEB_CFLAGS_STRIP=-g \
        dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1 || { tail -40 "$T/build.log"; fail "dpkg-buildpackage failed"; }
deb=$T/src/driftwatch_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb"

# The control file.
dpkg-deb -f "$deb" Version | grep -qx "$version" || fail "the package's version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libsqlite3-0 libyaml-0-2 libjansson4 libostree-1-1 libssl3; do
        tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep -qx "$lib" ||
                fail "Depends does not name $lib: $depends"
done

# The files.
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/bin/driftwatch /usr/lib/$multiarch/driftwatch/driftwatch-ostree.so \
         /usr/share/man/man1/driftwatch.1.gz /usr/share/man/man1/driftwatch-scan.1.gz \
         /usr/share/bash-completion/completions/driftwatch /usr/share/zsh/site-functions/_driftwatch \
         /usr/share/driftwatch/rules/default.yaml /usr/share/driftwatch/audit/plugins.d/driftwatch.conf \
         /usr/share/doc/driftwatch/copyright /usr/share/doc/driftwatch/agent.md.gz \
         /usr/share/doc/driftwatch/examples/driftwatch.conf \
         /lib/systemd/system/driftwatch-agent.service /lib/systemd/system/driftwatch-scan.service \
         /lib/systemd/system/driftwatch-scan.timer; do
        grep -qx -- "$f" "$T/files" || fail "not in the package: $f"
done
! grep -q '^/etc/' "$T/files" || fail "the package ships files in /etc: $(grep '^/etc/' "$T/files" | head -3)"

# Installed, not enabled: dh_installsystemd --no-enable makes postinst
# re-enable a unit only when it was installed and enabled before (an upgrade)
# ("debian-installed" then "was-enabled"); without it, "was-enabled" alone is
# true on a first install and enables the unit. deb-systemd-invoke starts
# enabled units only.
dpkg-deb -e "$deb" "$T/control"
for unit in driftwatch-agent.service driftwatch-scan.timer; do
        grep -q "deb-systemd-helper debian-installed '$unit'" "$T/control/postinst" ||
                fail "postinst enables $unit on installation"
done
[ "$(grep -c 'deb-systemd-helper --quiet was-enabled' "$T/control/postinst")" -eq 2 ] ||
        fail "postinst handles units other than the agent and the timer"

# The extracted binary: its version, its ostree module found beside it, a tree hashed.
R=$T/root
dpkg-deb -x "$deb" "$R"
pkg_run_unpacked "$R"
grep -qx 'ExecStart=/usr/bin/driftwatch agent' "$R/lib/systemd/system/driftwatch-agent.service" ||
        fail "the packaged agent unit does not run /usr/bin/driftwatch agent"

lintian --fail-on error,warning "$deb" >"$T/lintian.log" 2>&1 ||
        { cat "$T/lintian.log"; fail "lintian found problems in the package"; }
