#!/usr/bin/env python3
# Writes journal export streams (systemd's JOURNAL_EXPORT_FORMATS) of messages
# shaped as their writers log them, for tests/e2e/test-journal*.sh:
#   journal-gen.py KIND > stream      KIND: analytics, reboots, binary, clock-backwards,
#                                     future, recent-merge
#   journal-gen.py deployments FIRST COUNT > stream
#                                     COUNT rpm-ostree deployments numbered from FIRST, each
#                                     its own refspec, checksum and minute (a journal that
#                                     grows: test-agent-kill.sh)
#   journal-gen.py bulk MIB > stream  about MIB MiB of ordinary service messages with
#                                     a deployment, a merge and an audit event every
#                                     10,000 entries (bench/journal.sh)
# The fields journald adds itself (_PID, _COMM, _SYSTEMD_UNIT, _TRANSPORT,
# _BOOT_ID ...) are written too, as systemd-journal-remote keeps them.
import struct
import sys

BOOT = "5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f"
MACHINE = "0d3a8f7e6c5b4a39281706f5e4d3c2b1"
seq = 0


def ts(iso):
    import datetime
    d = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000000


def entry(out, when, fields, binary=(), boot=BOOT):
    global seq
    seq += 1
    out.write(b"__CURSOR=s=%s;i=%x\n" % (boot.encode(), seq))
    out.write(b"__REALTIME_TIMESTAMP=%d\n" % when)
    out.write(b"__MONOTONIC_TIMESTAMP=%d\n" % (seq * 1000))
    out.write(b"_BOOT_ID=%s\n_MACHINE_ID=%s\n_HOSTNAME=img-host\n" % (boot.encode(), MACHINE.encode()))
    for k, v in fields:
        out.write(("%s=%s\n" % (k, v)).encode())
    for k, v in binary:
        out.write(k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n")
    out.write(b"\n")


def logind_shutdown(out, when, verb, message, boot=BOOT):
    # systemd src/login/logind-dbus.c bus_manager_log_shutdown(): log_struct(LOG_NOTICE,
    # MESSAGE_ID SD_MESSAGE_SHUTDOWN_STR (src/systemd/sd-messages.h), "<message>.",
    # "SHUTDOWN=<log_verb>"), message and log_verb from src/login/logind-action.c
    # handle_action_data_table (systemd 3a4e3d4f): reboot :43-44, kexec :67-68, soft-reboot :79-80
    entry(out, when, [
        ("PRIORITY", "5"), ("SYSLOG_FACILITY", "4"), ("SYSLOG_IDENTIFIER", "systemd-logind"),
        ("MESSAGE_ID", "98268866d1d54a499c4e98921d93bc40"), ("MESSAGE", message + "."), ("SHUTDOWN", verb),
        ("CODE_FILE", "src/login/logind-dbus.c"), ("CODE_FUNC", "bus_manager_log_shutdown"),
        ("_TRANSPORT", "journal"), ("_PID", "812"), ("_UID", "0"), ("_COMM", "systemd-logind"),
        ("_EXE", "/usr/lib/systemd/systemd-logind"), ("_SYSTEMD_UNIT", "systemd-logind.service"),
    ], boot=boot)


def unit_starting(out, when, unit, description, boot=BOOT):
    # systemd src/core/job.c job_emit_start_message(): log_unit_struct(LOG_INFO,
    # "Starting %s...", JOB_ID, JOB_TYPE, INVOCATION_ID, MESSAGE_ID SD_MESSAGE_UNIT_STARTING_STR);
    # log_unit_struct adds UNIT= for the system manager (PID 1)
    entry(out, when, [
        ("PRIORITY", "6"), ("SYSLOG_FACILITY", "3"), ("SYSLOG_IDENTIFIER", "systemd"),
        ("MESSAGE_ID", "7d4958e842da4a758f6c1cdc7b36dcc5"), ("UNIT", unit),
        ("MESSAGE", "Starting %s - %s..." % (unit, description)), ("JOB_ID", "2841"), ("JOB_TYPE", "start"),
        ("INVOCATION_ID", "3c1d0f8e5a7b4e2f9d6c8b0a1e3f5d7c"),
        ("CODE_FILE", "src/core/job.c"), ("CODE_FUNC", "job_emit_start_message"),
        ("_TRANSPORT", "journal"), ("_PID", "1"), ("_UID", "0"), ("_COMM", "systemd"),
        ("_EXE", "/usr/lib/systemd/systemd"),
    ], boot=boot)


def service_line(out, when, text, boot=BOOT):
    entry(out, when, [("PRIORITY", "6"), ("SYSLOG_IDENTIFIER", "app"), ("_TRANSPORT", "stdout"), ("_PID", "1400"),
                      ("_COMM", "app"), ("_SYSTEMD_UNIT", "app.service"), ("MESSAGE", text)], boot=boot)


def rpm_ostree(out, when, refspec, checksum, version):
    # rpm-ostree src/daemon/rpmostree-sysroot-upgrader.cxx:1314-1323 (sd_journal_send, no PRIORITY)
    entry(out, when, [
        ("MESSAGE_ID", "9bddbda177cd44d891b1b561a8a0ce9e"),
        ("MESSAGE", "Created new deployment /ostree/deploy/rhel/deploy/%s.0" % checksum),
        ("DEPLOYMENT_PATH", "/ostree/deploy/rhel/deploy/%s.0" % checksum),
        ("DEPLOYMENT_TIMESTAMP", str(when // 1000000)),
        ("DEPLOYMENT_DEVICE", "64769"), ("DEPLOYMENT_INODE", "1837"),
        ("DEPLOYMENT_CHECKSUM", checksum), ("DEPLOYMENT_REFSPEC", refspec),
        ("DEPLOYMENT_VERSION", version), ("COMMAND_LINE", "rpm-ostree upgrade"),
        ("AGENT", "rpm-ostree"), ("AGENT_SD_UNIT", "rpm-ostreed-automatic.service"),
        ("_TRANSPORT", "journal"), ("_PID", "1712"), ("_UID", "0"), ("_COMM", "rpm-ostree"),
        ("_EXE", "/usr/bin/rpm-ostree"), ("_SYSTEMD_UNIT", "rpm-ostreed.service"),
        ("CODE_FILE", "src/daemon/rpmostree-sysroot-upgrader.cxx"), ("CODE_LINE", "1314"),
    ])


def bootc_stage(out, when, image, digest):
    # bootc crates/lib/src/deploy.rs:1021-1030 (stage(): STAGE_JOURNAL_ID through
    # tracing-journald, default field prefix "F", INFO = PRIORITY 5)
    entry(out, when, [
        ("PRIORITY", "5"), ("F_MESSAGE_ID", "8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c"),
        ("F_BOOTC_IMAGE_REFERENCE", image), ("F_BOOTC_IMAGE_TRANSPORT", "registry"),
        ("F_BOOTC_MANIFEST_DIGEST", digest),
        ("MESSAGE", "Staging image for deployment: %s (digest: %s)" % (image, digest)),
        ("TARGET", "bootc_lib::deploy"), ("CODE_FILE", "crates/lib/src/deploy.rs"), ("CODE_LINE", "1023"),
        ("SYSLOG_IDENTIFIER", "bootc"), ("_TRANSPORT", "journal"), ("_PID", "2210"), ("_UID", "0"),
        ("_COMM", "bootc"), ("_EXE", "/usr/bin/bootc"), ("_SYSTEMD_UNIT", "bootc-fetch-apply-updates.service"),
    ])


def sysext(out, when, names, hierarchy, pid, unit="systemd-sysext.service"):
    # systemd src/sysext/sysext.c merge_subprocess(), in the "(sd-merge)" child
    # forked by merge(): log_info "Using extensions '%s'." then "Merged
    # extensions into '%s'." per hierarchy (v252 and newer), PRIORITY 6
    common = [("PRIORITY", "6"), ("SYSLOG_FACILITY", "3"), ("SYSLOG_IDENTIFIER", "(sd-merge)"),
              ("CODE_FILE", "src/sysext/sysext.c"), ("CODE_FUNC", "merge_subprocess"),
              ("_TRANSPORT", "journal"), ("_PID", str(pid)), ("_UID", "0"), ("_COMM", "(sd-merge)"),
              ("_EXE", "/usr/bin/systemd-sysext"), ("_SYSTEMD_UNIT", unit)]
    entry(out, when, common + [("MESSAGE", "Using extensions '%s'." % "', '".join(names))])
    entry(out, when + 20000, common + [("MESSAGE", "Merged extensions into '%s'." % hierarchy)])


def audit(out, when, serial, type_name, type_num, message):
    # journald src/journal/journald-audit.c: one entry per record, _AUDIT_ID the serial
    entry(out, when, [("_TRANSPORT", "audit"), ("SYSLOG_FACILITY", "4"), ("SYSLOG_IDENTIFIER", "audit"),
                      ("_AUDIT_TYPE", str(type_num)), ("_AUDIT_TYPE_NAME", type_name), ("_AUDIT_ID", str(serial)),
                      ("MESSAGE", message)])


def syscall(out, when, serial, items):
    audit(out, when, serial, "SYSCALL", 1300,
          "SYSCALL arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd1c a2=241 a3=1b6 items=%d "
          "ppid=900 pid=901 auid=1000 uid=0 gid=0 euid=0 comm=\"tee\" exe=\"/usr/bin/tee\" key=\"sudoers\"" % items)


def path(out, when, serial):
    audit(out, when, serial, "PATH", 1302,
          "PATH item=0 name=\"/etc/sudoers.d/x\" inode=1234 dev=fd:00 mode=0100640 ouid=0 ogid=0 rdev=00:00 "
          "nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")


def analytics(out):
    image = "quay.io/example/rhel-bootc@sha256:" + "ab" * 32
    # Wednesday 14:00 UTC: outside the Saturday window.
    rpm_ostree(out, ts("2026-11-25T14:00:00Z"), "ostree-unverified-registry:quay.io/example/rhel-bootc:9.6-hardened",
               "c0ffee" + "0" * 58, "9.6.20261120.0")
    # an extension merged with nothing to account for it
    sysext(out, ts("2026-11-26T09:00:00Z"), ["debug-tools"], "/usr", 3001)
    # an extension merge a change ticket names
    sysext(out, ts("2026-11-26T12:00:00Z"), ["monitoring-agent", "podman"], "/usr", 3002)
    # a SYSCALL whose PATH record arrives, then one whose never does
    syscall(out, ts("2026-11-26T13:00:00Z"), 4401, 1)
    path(out, ts("2026-11-26T13:00:00Z"), 4401)
    syscall(out, ts("2026-11-26T13:00:01Z"), 4402, 1)
    syscall(out, ts("2026-11-26T13:00:02Z"), 4403, 0)          # no items: none expected
    # Saturday 03:00 UTC: inside the window; a confext merge right after it
    bootc_stage(out, ts("2026-11-28T03:00:00Z"), image, "sha256:" + "ab" * 32)
    sysext(out, ts("2026-11-28T03:05:00Z"), ["site-config"], "/etc", 3003, unit="systemd-confext.service")


def reboots(out):
    b, c, d, e = ("%032x" % (0xb007 + i) for i in range(4))
    # Thursday: a soft-reboot through logind (then PID 1's start job of its
    # service: one finding) that change ticket covers; later one started
    # directly (`systemctl soft-reboot`) that nothing covers. The boot id stays.
    logind_shutdown(out, ts("2026-11-26T10:00:00Z"), "soft-reboot", "System userspace is rebooting")
    unit_starting(out, ts("2026-11-26T10:00:01Z"), "systemd-soft-reboot.service", "System Userspace Reboot")
    service_line(out, ts("2026-11-26T10:00:30Z"), "started after the soft-reboot")
    unit_starting(out, ts("2026-11-26T15:00:00Z"), "systemd-soft-reboot.service", "System Userspace Reboot")
    # Friday: a deployment (outside the Saturday window), then the reboot into it.
    rpm_ostree(out, ts("2026-11-27T09:00:00Z"), "ostree-unverified-registry:quay.io/example/rhel-bootc:9.6",
               "d0d0" + "0" * 60, "9.6.20261127.0")
    logind_shutdown(out, ts("2026-11-27T09:02:00Z"), "reboot", "System is rebooting")
    unit_starting(out, ts("2026-11-27T09:02:01Z"), "systemd-reboot.service", "System Reboot")
    # the next boot: a kexec nothing covers
    service_line(out, ts("2026-11-27T09:03:00Z"), "first light", boot=b)
    logind_shutdown(out, ts("2026-11-27T12:00:00Z"), "kexec", "System is rebooting with kexec", boot=b)
    unit_starting(out, ts("2026-11-27T12:00:01Z"), "systemd-kexec.service", "Reboot via kexec", boot=b)
    # the boot after it ends without a word: the next boot is an unannounced reboot
    service_line(out, ts("2026-11-27T12:01:00Z"), "after kexec", boot=c)
    service_line(out, ts("2026-11-27T16:00:00Z"), "last words", boot=c)
    service_line(out, ts("2026-11-27T16:30:00Z"), "power is back", boot=d)
    # Saturday 03:00 UTC: a reboot inside the maintenance window
    logind_shutdown(out, ts("2026-11-28T03:00:00Z"), "reboot", "System is rebooting", boot=d)
    service_line(out, ts("2026-11-28T03:01:00Z"), "after the window's reboot", boot=e)


def binary(out):
    # A binary field (a MESSAGE with a newline and a NUL, as journald stores
    # such values) in the middle of a deployment entry: the rest still reads.
    rpm_ostree(out, ts("2026-11-25T14:00:00Z"), "ostree-unverified-registry:quay.io/example/bin:1", "b" * 64, "1")
    entry(out, ts("2026-11-25T14:00:01Z"), [("MESSAGE_ID", "9bddbda177cd44d891b1b561a8a0ce9e"),
                                            ("DEPLOYMENT_REFSPEC", "ostree-unverified-registry:quay.io/example/bin:2")],
          binary=[("MESSAGE", b"Created new deployment\n/ostree\x00/x"), ("DEPLOYMENT_CHECKSUM", b"c" * 64)])


def clock_backwards(out):
    rpm_ostree(out, ts("2026-11-25T14:00:00Z"), "ostree-unverified-registry:quay.io/example/a:1", "a" * 64, "1")
    rpm_ostree(out, ts("2026-11-25T12:00:00Z"), "ostree-unverified-registry:quay.io/example/a:2", "d" * 64, "2")


def future(out):
    # One ordinary message dated 2099: systemd-journal-remote, run again on the
    # same output file, finds it "from the future" and archives it, starting a
    # new file with the same sequence-number id (as journald's rotation does).
    entry(out, ts("2099-01-01T00:00:00Z"), [("PRIORITY", "6"), ("SYSLOG_IDENTIFIER", "app"),
                                            ("_TRANSPORT", "stdout"), ("MESSAGE", "last entry of this file")])


def recent_merge(out):
    # An extension merge an hour ago that nothing accounts for, and nothing after it.
    import time
    sysext(out, (int(time.time()) - 3600) * 1000000, ["debug-tools"], "/usr", 3101)


def bulk(out):
    import io
    limit = int(sys.argv[2]) << 20
    written = 0
    when = ts("2026-11-01T00:00:00Z")
    n = 0
    while written < limit:
        buf = io.BytesIO()
        for _ in range(1000):
            n += 1
            when += 50000
            if n % 10000 == 0:
                rpm_ostree(buf, when, "ostree-unverified-registry:quay.io/example/rhel-bootc:%d" % n, "%064x" % n, str(n))
                sysext(buf, when + 1000, ["tools-%d" % n], "/usr", 5000 + n % 1000)
                syscall(buf, when + 2000, n, 1)
            else:
                entry(buf, when, [("PRIORITY", "6"), ("SYSLOG_IDENTIFIER", "app"), ("_TRANSPORT", "stdout"),
                                  ("_PID", str(1000 + n % 5000)), ("_COMM", "app"), ("_SYSTEMD_UNIT", "app.service"),
                                  ("MESSAGE", "request %d served in %d ms from 10.0.%d.%d" % (n, n % 97, n % 256, n % 199))])
        data = buf.getvalue()
        out.write(data)
        written += len(data)


def deployments(out):
    first, count = int(sys.argv[2]), int(sys.argv[3])
    for n in range(first, first + count):
        rpm_ostree(out, ts("2026-11-01T00:00:00Z") + n * 60000000, "ostree-unverified-registry:quay.io/example/grow:%d" % n,
                   "%064x" % n, str(n))


{"analytics": analytics, "reboots": reboots, "binary": binary, "clock-backwards": clock_backwards, "future": future,
 "recent-merge": recent_merge, "bulk": bulk,
 "deployments": deployments}[sys.argv[1]](sys.stdout.buffer)
