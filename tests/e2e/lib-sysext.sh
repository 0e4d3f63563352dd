# Sourced (after lib.sh) by the tests that merge real extensions with
# systemd-sysext: the tools they need, and the host's identification as
# systemd-sysext reads it ($id, $ver) for the extension-release files.
command -v systemd-sysext >/dev/null || skip "systemd-sysext is not installed"
command -v mksquashfs >/dev/null || skip "mksquashfs (package squashfs-tools) is not installed"
command -v jq >/dev/null || skip "jq is not installed"
[ "$(id -u)" -eq 0 ] || skip "merging extensions needs root"

id=$(. /etc/os-release 2>/dev/null || . /usr/lib/os-release; echo "${ID:-}")
ver=$(. /etc/os-release 2>/dev/null || . /usr/lib/os-release; echo "${VERSION_ID:-}")
[ -n "$id" ] || skip "the host's os-release has no ID"
