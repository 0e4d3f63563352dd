# The systemd units (contrib/systemd) as CMake's install rules install them:
# into a prefix under $T, with the binary's path under that prefix
# substituted (as for the auditd plugin's configuration), then
#   systemd-analyze verify      every unit: no error, no warning (with the
#                               installed man pages on MANPATH, so the
#                               Documentation= pages are looked up too)
#   systemd-analyze security    --offline=yes: the agent's service must not
#                               score worse than 2.1 (docs/agent.md says why
#                               that is the floor for a daemon that reads the
#                               whole filesystem), the scan's not worse than 1.2
# The agent's service with the bootc image's drop-in (contrib/bootc) is
# verified and scored as well.
# The install is of this test's build directory (the one $DW is in); nothing
# is built again.
source "$(dirname "$0")/lib.sh"

AGENT_MAX=2.1
SCAN_MAX=1.2

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (Debian package systemd)"
command -v man >/dev/null || skip "man-db is not installed (scripts/deps.sh check installs it)"
BUILD=$(dirname "$(realpath "$DW")")
SRC_DIR=$(realpath "$(dirname "$0")/../..")
[ -f "$BUILD/cmake_install.cmake" ] || fail "'$BUILD' is no CMake build directory"

P=$T/prefix
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "cmake --install failed"; }
U=$P/lib/systemd/system
units=(driftwatch-agent.service driftwatch-scan.service driftwatch-scan.timer)
for u in "${units[@]}"; do
        [ -f "$U/$u" ] || fail "not installed: lib/systemd/system/$u"
done
grep -qx "ExecStart=$P/bin/driftwatch agent" "$U/driftwatch-agent.service" ||
        fail "the agent's ExecStart does not name the installed binary: $(grep ExecStart= "$U/driftwatch-agent.service")"
grep -qx "ExecStart=$P/bin/driftwatch scan --format json" "$U/driftwatch-scan.service" ||
        fail "the scan's ExecStart does not name the installed binary"
! grep -q /usr/bin/driftwatch "$U"/* || fail "a unit still names /usr/bin/driftwatch"
[ ! -e "$P/etc" ] || fail "the install enabled something under etc/"

# verify: its exit status, and not a line on either stream (unknown keys are
# only warned about).
verify() {
        local rc=0
        MANPATH=$P/share/man systemd-analyze verify "$@" >"$T/verify.out" 2>&1 || rc=$?
        [ "$rc" -eq 0 ] && [ ! -s "$T/verify.out" ]
}
verify "${units[@]/#/$U/}" || { cat "$T/verify.out"; fail "systemd-analyze verify found problems in the units"; }
# ... and it does see a mistake (a misspelt key) in a copy.
mkdir "$T/bad"
sed 's/^ProtectSystem=/ProtectSystems=/' "$U/driftwatch-agent.service" >"$T/bad/driftwatch-agent.service"
! verify "$T/bad/driftwatch-agent.service" || fail "systemd-analyze verify did not notice a misspelt key"

# score UNIT MAX: the overall exposure level of UNIT, at most MAX.
score() {
        local got
        systemd-analyze security --offline=yes "$1" >"$T/security.out" 2>&1 ||
                { cat "$T/security.out"; fail "systemd-analyze security failed on $(basename "$1")"; }
        got=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$T/security.out")
        [ -n "$got" ] || { cat "$T/security.out"; fail "no exposure level for $(basename "$1")"; }
        awk -v g="$got" -v m="$2" 'BEGIN { exit !(g + 0 <= m + 0) }' || {
                grep '✗' "$T/security.out"
                fail "$(basename "$1") scores $got, worse than $2"
        }
        echo "$(basename "$1"): exposure $got (at most $2)"
}
score "$U/driftwatch-agent.service" "$AGENT_MAX"
score "$U/driftwatch-scan.service" "$SCAN_MAX"

# The agent with contrib/bootc's drop-in: verify loads the drop-in from the
# unit's directory; the sandbox stays as it is.
B=$T/bootc
mkdir -p "$B/driftwatch-agent.service.d"
cp "$U/driftwatch-agent.service" "$B/"
sed "s|/usr/bin/driftwatch|$P/bin/driftwatch|" "$SRC_DIR/contrib/bootc/driftwatch-agent-bootc.conf" \
        >"$B/driftwatch-agent.service.d/bootc.conf"
verify "$B/driftwatch-agent.service" || { cat "$T/verify.out"; fail "systemd-analyze verify found problems in the bootc drop-in"; }
echo 'Bogus=1' >>"$B/driftwatch-agent.service.d/bootc.conf"
! verify "$B/driftwatch-agent.service" || fail "systemd-analyze verify did not read the bootc drop-in"
sed -i '$d' "$B/driftwatch-agent.service.d/bootc.conf"
score "$B/driftwatch-agent.service" "$AGENT_MAX"
