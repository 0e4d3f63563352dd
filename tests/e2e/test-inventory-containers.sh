# driftwatch inventory (and so scan) on fixture roots: container definitions
# that reach the extension search paths or /etc. A quadlet file bind-mounting
# /var/lib/extensions, one adding SYS_ADMIN with --pid=host, a rootless one in
# a home directory binding /etc, a containers-storage config.json binding
# /run/extensions: one alert each naming the file and line. A clean twin of
# every one: nothing. Bad input (binary garbage, a 10 MB line, a 100 KiB line,
# a config.json that is no JSON): one finding naming the file each, no crash.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"

# quadlets ROOT BIND CAPS ARGS HOMEBIND OCI_SOURCE OCI_CAPS
quadlets() {
        local r=$1 q=$1/etc/containers/systemd c=$1/var/lib/containers/storage/overlay-containers/0123abcd/userdata
        mkdir -p "$q/users/1000" "$r/home/alice/.config/containers/systemd" "$c" "$r/usr/lib"
        printf 'ID=testos\n' >"$r/usr/lib/os-release"
        cat >"$q/ext.container" <<EOT
[Unit]
Description=extension helper

[Container]
Image=quay.io/example/helper:1
# the bind below is the point of this file
Volume=$2:/ext:rw,Z
Volume=cache:/cache
[Install]
WantedBy=multi-user.target
EOT
        cat >"$q/users/1000/admin.container" <<EOT
[Container]
Image=quay.io/example/admin:1
AddCapability=CHOWN \\
  $3
PodmanArgs=$4
EOT
        cat >"$r/home/alice/.config/containers/systemd/web.container" <<EOT
[Container]
Image=quay.io/example/web:1
Mount=type=bind,source=$5,destination=/host-etc,ro=true
EOT
        cat >"$c/config.json" <<EOT
{"ociVersion":"1.0.0","process":{"capabilities":{"bounding":["CAP_CHOWN"$7]}},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
           {"destination":"/ext","type":"bind","source":"$6","options":["rbind","ro"]}],
 "linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"network"}]}}
EOT
}

A=$T/alert
quadlets "$A" /var/lib/extensions SYS_ADMIN "--pid host --cap-add=NET_ADMIN" /etc/ssh /run/extensions ""
run 1 "$DW" inventory --root "$A" --format json
drop_summary "$T/out"
jq -r 'select(.event.kind == "alert") | [.rule.id, .file.path] | join(" ")' "$T/out" | sort >"$T/got"
sort >"$T/want" <<'EOF'
DW-INV-CONTAINER-REACHES-EXTENSIONS /etc/containers/systemd/ext.container
DW-INV-CONTAINER-REACHES-EXTENSIONS /etc/containers/systemd/users/1000/admin.container
DW-INV-CONTAINER-REACHES-EXTENSIONS /home/alice/.config/containers/systemd/web.container
DW-INV-CONTAINER-REACHES-EXTENSIONS /var/lib/containers/storage/overlay-containers/0123abcd/userdata/config.json
EOF
diff -u "$T/want" "$T/got" || fail "container definitions: unexpected alerts"
msg() { jq -r --arg p "$1" 'select(.file.path == $p) | .message' "$T/out"; }
msg /etc/containers/systemd/ext.container | grep -qF 'line 7: Volume= binds /var/lib/extensions into the container at /ext: the sysext search path /var/lib/extensions' ||
        fail "the Volume= alert does not name the line and the search path: $(msg /etc/containers/systemd/ext.container)"
m=$(msg /etc/containers/systemd/users/1000/admin.container)
case "$m" in *"line 3: AddCapability= grants CAP_SYS_ADMIN"*"PodmanArgs=--pid=host (line 5)"*) ;;
        *) fail "the SYS_ADMIN alert does not name the lines: $m" ;; esac
msg /home/alice/.config/containers/systemd/web.container | grep -qF 'line 3: Mount= binds /etc/ssh into the container at /host-etc: /etc' ||
        fail "the rootless Mount= alert: $(msg /home/alice/.config/containers/systemd/web.container)"
msg /var/lib/containers/storage/overlay-containers/0123abcd/userdata/config.json |
        grep -qF 'mounts[1] binds /run/extensions into the container at /ext: the sysext search path /run/extensions' ||
        fail "the config.json alert does not name the mount"
jq -e 'select(.rule.id == "DW-INV-CONTAINER-REACHES-EXTENSIONS") | .driftwatch.severity == "high" and
       (.threat.technique.id | index("T1611")) and (.driftwatch.controls | index("CM-5(1)"))' "$T/out" >/dev/null ||
        fail "DW-INV-CONTAINER-REACHES-EXTENSIONS is not high with T1611 and CM-5(1)"

# The same through scan: part of the inventory it runs.
run 1 "$DW" scan --root "$A" --state-dir "$T/state" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.rule.id == "DW-INV-CONTAINER-REACHES-EXTENSIONS") | .file.path' "$T/out" | wc -l)" -eq 4 ] ||
        fail "scan does not report the container definitions"

# Other spellings of the same grants: ALL, the CAP_ prefix, --privileged, "..", a config with
# CAP_SYS_ADMIN and no mount namespace.
B=$T/other
quadlets "$B" /var/lib/../lib/extensions/ CAP_SYS_ADMIN "--privileged" / /run/extensions ',"CAP_SYS_ADMIN"'
sed -i 's/{"type":"mount"},//' "$B/var/lib/containers/storage/overlay-containers/0123abcd/userdata/config.json"
run 1 "$DW" inventory --root "$B" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.rule.id == "DW-INV-CONTAINER-REACHES-EXTENSIONS") | .file.path' "$T/out" | wc -l)" -eq 4 ] ||
        { cat "$T/out"; fail "a variant of the grants was missed"; }
jq -r .message "$T/out" | grep -qF 'runs the container --privileged' || fail "--privileged not named"
jq -r .message "$T/out" | grep -qF 'has no mount namespace' || fail "the host mount namespace not named"
jq -r .message "$T/out" | grep -qF 'holds CAP_SYS_ADMIN' || fail "the config's CAP_SYS_ADMIN not named"

# The clean twin: the same files without the reach (the host PID namespace alone is no alert).
C=$T/clean
quadlets "$C" /srv/data NET_BIND_SERVICE "--pid=host --cap-add=NET_ADMIN" /srv/www /srv/ext ""
run 0 "$DW" inventory --root "$C" --format json
drop_summary "$T/out"
[ -z "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out")" ] || { cat "$T/out"; fail "the clean twin alerted"; }

# Bad input: one finding naming the file each, the rest still read.
q=$C/etc/containers/systemd
head -c 4096 /dev/urandom >"$q/garbage.container"
printf '[Container]\nImage=x\n' >"$q/wide.container"
head -c $((10 << 20)) /dev/zero | tr '\0' 'a' >>"$q/wide.container"
{ printf '[Container]\nImage=' && head -c $((100 << 10)) /dev/zero | tr '\0' 'b' && echo; } >"$q/long.pod"
printf 'Volume=/etc:/etc\n' >"$q/nosection.container"
printf '{"mounts": [' >"$C/var/lib/containers/storage/overlay-containers/0123abcd/userdata/config.json"
run 1 "$DW" inventory --root "$C" --format json
drop_summary "$T/out"
jq -r 'select(.event.kind == "alert") | [.rule.id, .file.path] | join(" ")' "$T/out" | sort >"$T/got"
sort >"$T/want" <<'EOF'
DW-INV-CONTAINER-UNREADABLE /etc/containers/systemd/garbage.container
DW-INV-CONTAINER-UNREADABLE /etc/containers/systemd/long.pod
DW-INV-CONTAINER-UNREADABLE /etc/containers/systemd/nosection.container
DW-INV-CONTAINER-UNREADABLE /etc/containers/systemd/wide.container
DW-INV-CONTAINER-UNREADABLE /var/lib/containers/storage/overlay-containers/0123abcd/userdata/config.json
EOF
diff -u "$T/want" "$T/got" || fail "bad container definitions: unexpected findings"
jq -r .message "$T/out" | grep -qF "cannot read quadlet file '/etc/containers/systemd/wide.container': larger than 1 MiB" ||
        fail "the 10 MB file is not named as too large"
jq -r .message "$T/out" | grep -qF "'/etc/containers/systemd/long.pod': line 2: a line longer than 64 KiB" ||
        fail "the 100 KiB line is not named"
jq -r .message "$T/out" | grep -qF "'/etc/containers/systemd/nosection.container': line 1: an assignment before the first [section]" ||
        fail "an assignment outside a section is not named"
