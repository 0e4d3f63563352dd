# The expectations on the findings of the mount and argv scenario of
# test-audit-mounts-live.sh, shared with test-audit-mounts.sh, which checks the
# committed captures (tests/data/audit/mounts-*.log) the same way.
#   check_mounts SET FINDINGS: SET is dw (the rules `driftwatch audit-rules`
#   prints) or stig (tests/data/audit/rules/30-stig.rules); FINDINGS is the
#   JSON Lines output of `driftwatch audit --format json`.

check_mounts() {
        local set=$1 file=$2 got want
        q() { jq -c "$@" "$file"; }
        show() { echo "--- findings:" >&2; jq -c '[.event.kind, .rule.id, .file.path, .driftwatch.audit.mount.flags, .driftwatch.quality]' "$file" >&2; }
        # Every mount finding, in order: [rule, target, operation, flags, key].
        got=$(q -s '[.[] | select(.rule.id | startswith("DW-AUD-MOUNT-")) | select(.event.kind == "alert")
                | [.rule.id, .file.path, .driftwatch.audit.mount.operation, .driftwatch.audit.mount.flags,
                   .driftwatch.audit.key]]')
        if [ "$set" = dw ]; then
                want='[["DW-AUD-MOUNT-BIND","/usr/local","bind","MS_RDONLY|MS_BIND","dw-mount"],'
                want+='["DW-AUD-MOUNT-REMOUNT-RW","/usr/local","remount-rw","MS_REMOUNT|MS_BIND|MS_RELATIME","dw-mount"],'
                want+='["DW-AUD-MOUNT-UMOUNT","/usr/local","umount","0","dw-mount"],'
                want+='["DW-AUD-MOUNT-UMOUNT","/usr/local","umount","0","dw-mount"],'
                want+='["DW-AUD-MOUNT-NEW","/boot","mount","MS_RDONLY","dw-mount"],'
                want+='["DW-AUD-MOUNT-UMOUNT","/boot","umount","MNT_DETACH","dw-mount"],'
                want+='["DW-AUD-MOUNT-MOVE","/usr/local","move",null,"dw-mount"],'
                want+='["DW-AUD-MOUNT-SETATTR","/usr/local","setattr","AT_RECURSIVE","dw-mount"],'
                want+='["DW-AUD-MOUNT-MOVE","/usr/local","move",null,"dw-mount"]]'
        else
                # 30-stig.rules logs mount(2) only.
                want='[["DW-AUD-MOUNT-BIND","/usr/local","bind","MS_RDONLY|MS_BIND","export"],'
                want+='["DW-AUD-MOUNT-REMOUNT-RW","/usr/local","remount-rw","MS_REMOUNT|MS_BIND|MS_RELATIME","export"],'
                want+='["DW-AUD-MOUNT-NEW","/boot","mount","MS_RDONLY","export"]]'
        fi
        [ "$got" = "$want" ] || { show; fail "$set: mount alerts
  got  $got
  want $want"; }
        # Each names the process and, for the bind, the source directory.
        got=$(q -s '[.[] | select(.rule.id == "DW-AUD-MOUNT-BIND") | [.process.name, (.driftwatch.audit.mount.source | endswith("/ro")),
                .user.audit.id, .driftwatch.audit.syscall]]')
        [ "$got" = '[["mount",true,"4242","mount"]]' ] || fail "$set: the bind's process and source: $got"

        # The SSH keys under /root (a tmpfs in the scenario's namespace) are not
        # watched by either rule set: with execve logged (dw), cp's and tee's
        # arguments name the files, at lower confidence; without (stig), nothing.
        got=$(q -s -c '[.[] | select(.file.path // "" | startswith("/root/.ssh/")) | select(.event.kind == "alert")
                | [.rule.id, .file.path, .process.name, .event.action, (.driftwatch.quality | index("inferred-from-argv") != null)]]
                | sort')
        if [ "$set" = dw ]; then
                want='[["DW-AUD-SSH-KEYS","/root/.ssh/authorized_keys","cp","file-modified",true],'
                want+='["DW-AUD-SSH-KEYS","/root/.ssh/rc","tee","file-modified",true]]'
        else
                want='[]'
        fi
        [ "$got" = "$want" ] || { show; fail "$set: writes inferred from argv: $got (want $want)"; }

        # The sudoers.d file is watched by both: cp's write is one alert from its
        # PATH record, never doubled by the inferred one.
        got=$(q -s -c '[.[] | select(.file.path // "" | test("^/etc/sudoers.d/driftwatch-argv-.*[.]test$"))
                | select(.process.name == "cp")
                | [.rule.id, .event.kind, (.driftwatch.quality | index("inferred-from-argv") != null)]]')
        [ "$got" = '[["DW-AUD-SUDOERS","alert",false]]' ] || { show; fail "$set: cp into sudoers.d: $got"; }
}
