# The RPM package for Fedora/RHEL image mode: contrib/rpm/driftwatch.spec
# built with `rpmbuild -bb` (Debian's rpm package) from a tarball of the
# source tree (the files git knows), then installed with `rpm -i --root`
# into a throwaway root under $T, where the binary runs.
#
# What this cannot check on Debian:
#   - BuildRequires: they name Fedora packages and pkgconfig() provides that
#     no Debian package carries, so the build runs with --nodeps, against
#     Debian's libraries. A missing or misnamed BuildRequires shows on Fedora
#     only.
#   - Fedora's macros: Debian's rpm has no %cmake, %_unitdir, %_docdir or
#     %systemd_post. tests/e2e/rpm-fedora.macros stands in for them (the
#     systemd ones as a marker line the test reads back from the
#     scriptlets), so the spec is built and its scriptlets name the right
#     units, but what Fedora's macros expand to (presets, restarts) is not run.
#   - Fedora's compiler flags, debuginfo split and brp checks (the test
#     builds without optimisation and without a debuginfo package).
#   - The Requires/Recommends of libraries loaded on first use name sonames
#     (libcrypto.so.3()(64bit), ...): that Fedora's packages provide them,
#     and that the automatic requirements rpm finds name Fedora's libraries.
#
# Cost: about 35 s of CPU, most of it the compiler; labelled `package`.
source "$(dirname "$0")/lib.sh"

command -v rpmbuild >/dev/null || skip "rpmbuild is not installed (scripts/deps.sh pkg installs rpm)"
source "$(dirname "$0")/lib-pkg.sh"
spec=$SRC/contrib/rpm/driftwatch.spec
[ "$(rpmspec -q --qf '%{VERSION}\n' --srpm "$spec" 2>/dev/null)" = "$VERSION" ] ||
        fail "the spec's Version is not CMake's project version $VERSION"

top=$T/rpmbuild
mkdir -p "$top/SOURCES"
pkg_source_tree "$T/src/driftwatch-$VERSION"
tar -C "$T/src" -czf "$top/SOURCES/driftwatch-$VERSION.tar.gz" "driftwatch-$VERSION"

rpmbuild -bb --nodeps --load "$(dirname "$0")/rpm-fedora.macros" \
        --define "_topdir $top" --define 'debug_package %{nil}' --define 'optflags -O0' \
        --define "_smp_mflags -j$(nproc)" "$spec" >"$T/build.log" 2>&1 ||
        { tail -40 "$T/build.log"; fail "rpmbuild -bb failed"; }
rpm=$(find "$top/RPMS" -name "driftwatch-$VERSION-1*.rpm")
[ -n "$rpm" ] && [ -f "$rpm" ] || fail "no package in $top/RPMS"

# Requirements: what the binary and the module link (rpm's ELF dependency
# generator), libcrypto named by hand.
rpm -qp --requires "$rpm" >"$T/requires" 2>/dev/null
for dep in 'libsqlite3.so.0()(64bit)' 'libjansson.so.4()(64bit)' 'libyaml-0.so.2()(64bit)' \
           'libostree-1.so.1()(64bit)' 'libcrypto.so.3()(64bit)'; do
        grep -qxF "$dep" "$T/requires" || { cat "$T/requires"; fail "the package does not require $dep"; }
done

# The files.
rpm -qlp "$rpm" >"$T/files" 2>/dev/null
for f in /usr/bin/driftwatch /usr/lib64/driftwatch/driftwatch-ostree.so \
         /usr/share/driftwatch/rules/default.yaml /usr/share/driftwatch/audit/plugins.d/driftwatch.conf \
         /usr/share/doc/driftwatch/agent.md /usr/share/licenses/driftwatch/LICENSE \
         /usr/lib/systemd/system/driftwatch-agent.service /usr/lib/systemd/system/driftwatch-scan.timer; do
        grep -qxF "$f" "$T/files" || fail "not in the package: $f"
done
# Man pages, compressed as the distribution's brp-compress does (Debian's rpm: not).
grep -qxE '/usr/share/man/man1/driftwatch-scan\.1(\.gz|\.xz|\.bz2)?' "$T/files" ||
        fail "not in the package: driftwatch-scan(1)"

# The scriptlets hand the agent and the timer to the systemd macros (presets
# decide; nothing is enabled by the package itself).
rpm -qp --scripts "$rpm" >"$T/scripts" 2>/dev/null
for m in systemd_post systemd_preun systemd_postun_with_restart; do
        grep -qx "echo \"$m driftwatch-agent.service driftwatch-scan.timer\"" "$T/scripts" ||
                { cat "$T/scripts"; fail "the scriptlets do not call %$m on the agent and the timer"; }
done
! grep -q 'systemctl.*enable' "$T/scripts" || fail "a scriptlet enables a unit"

# Installed into a throwaway root (its own rpm database, no scriptlets: they
# would talk to this machine's systemd), and run from there.
R=$T/root
rpm --root "$R" --initdb
rpm -i --root "$R" --nodeps --noscripts "$rpm" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "rpm -i failed"; }
rpm --root "$R" -q driftwatch >/dev/null || fail "driftwatch is not in the throwaway root's rpm database"
pkg_run_unpacked "$R"
grep -qx 'ExecStart=/usr/bin/driftwatch agent' "$R/usr/lib/systemd/system/driftwatch-agent.service" ||
        fail "the packaged agent unit does not run /usr/bin/driftwatch agent"
