#!/bin/bash
# Regenerates examples/findings/*.jsonl: one real finding of every rule id the
# built-in rules define, taken from what the end-to-end suite makes driftwatch
# print. Usage:
#   examples/generate-findings.sh BUILD_DIR [RAW_DIR]
# BUILD_DIR is a build with the tests, configured with
# -DDW_RELEASE_BINARY=BUILD_DIR/driftwatch so that its cases carry the
# "release" label (tests/CMakeLists.txt). The suite's cases ("release",
# "sanitize" and "oracle": all but the package builds) run with DW_SAMPLE_DIR
# set, under which tests/e2e/lib.sh has each JSON run's stdout copied (and
# the tests that run a binary the wrapper cannot see keep their output with
# sample_keep) (RAW_DIR, default a scratch directory; an existing RAW_DIR with
# captures is only read again, the suite not rerun). Of every rule id the
# shortest finding is kept after what differs from run to run is made stable:
# scratch, build and source paths, this machine's host name and machine id,
# times of the run itself, inode numbers, rule.reference (as installed in
# /usr), event ids (a digest of the rest).
# Then the scenarios no test makes (below) run, and each finding goes to
# examples/findings/<capability>.jsonl (event.dataset without "driftwatch."),
# sorted by rule id. tests/e2e/test-examples.sh checks that every rule id has
# a sample. Takes several minutes and every core: run it on an idle machine.
set -euo pipefail
BUILD=$(realpath "${1:?usage: generate-findings.sh BUILD_DIR [RAW_DIR]}")
DW=$BUILD/driftwatch
[ -x "$DW" ] || { echo "generate-findings: no driftwatch in '$BUILD'" >&2; exit 2; }
cd "$(dirname "$0")/.."
top=$PWD
W=$(mktemp -d /tmp/dw-samples.XXXXXX)
trap 'rm -rf "${W:?}"' EXIT
RAW=${2:-$W/raw}
mkdir -p "$RAW"

if [ -z "$(find "$RAW" -maxdepth 1 -name '*.jsonl' -print -quit)" ]; then
        (cd "$BUILD" && ctest -N -L release | grep -q 'Total Tests: [1-9]') || {
                echo "generate-findings: '$BUILD' has no release tests: configure it with -DDW_TESTS=ON -DDW_RELEASE_BINARY=$BUILD/driftwatch" >&2
                exit 2
        }
        rc=0
        (cd "$BUILD" && DW_SAMPLE_DIR=$RAW ctest -L 'release|sanitize|oracle' -j "$(($(nproc) + 1))" --output-on-failure) \
                >"$W/ctest.log" 2>&1 || rc=$?
        grep -E '^[0-9]+% tests passed|\(Failed\)|\(Timeout\)' "$W/ctest.log" >&2 || true
        [ "$rc" = 0 ] || echo "generate-findings: some cases failed; their findings are used all the same" >&2
fi

# Scenarios of rules no end-to-end case triggers yet, run here on the binary
# (their output joins the suite's).
S=$W/scenarios
mkdir -p "$S/layers" "$S/root/etc"
: >"$RAW/generate.jsonl"
run() { "$DW" --quiet --rules-dir "$S/layers" "$@" --format json >>"$RAW/generate.jsonl" || [ $? = 1 ]; }
# DW-FIM-ALLOW-UNUSED: an allowlist entry of check that matches nothing.
printf 'x\n' >"$S/root/etc/a"
printf 'version: 1\nallow:\n  - path: /etc/retired.conf\n    owner: ops\n    reason: host role retired\n    expires: 2099-01-01\n' \
        >"$S/allow.yaml"
"$DW" --quiet baseline create --from "dir:$S/root" --out "$S/b.db"
run check --baseline "$S/b.db" --root "$S/root" --allowlist "$S/allow.yaml"
# DW-MNT-USR-RW-IMAGE: the mount table of an ostree host with /usr writable.
printf '%s\n' '22 1 0:20 / / rw,relatime shared:1 - overlay overlay rw' \
        '23 22 253:0 / /sysroot ro,relatime shared:2 - xfs /dev/vda3 rw' \
        '24 22 253:0 /ostree/deploy/os/deploy/0c1d.0/usr /usr rw,relatime shared:3 - xfs /dev/vda3 rw' >"$S/mountinfo"
run mounts --mountinfo "$S/mountinfo" --state "$S/mounts.db"

mkdir -p examples/findings
rm -f examples/findings/*.jsonl
awk -f tests/e2e/rule-ids.awk rules/default.yaml >"$W/defined"
python3 - "$RAW" "$top" "$BUILD" "$(hostname)" "$(cat /etc/machine-id 2>/dev/null || true)" "$W/defined" <<'PY'
import glob, hashlib, json, os, re, sys, time

raw, top, build, host, machine_id, defined = sys.argv[1:7]
defined = set(open(defined).read().split())
now = time.time()
TIME = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?")
STABLE_TIME = ("2026-01-01", "00:00:00")

def stable_text(line):
    line = re.sub(re.escape(raw) + r"/bin/[^/\"]+/driftwatch", "/usr/bin/driftwatch", line)
    line = line.replace(build + "/", "/usr/src/driftwatch/build/").replace(top + "/", "/usr/src/driftwatch/")
    line = re.sub(r"/(tmp|dev/shm)/dw-e2e\.[A-Za-z0-9]{6}", r"/\1/dw-e2e", line)
    line = re.sub(r"/tmp/(tmp|dw-samples)\.[A-Za-z0-9]{6,10}", r"/tmp/\1", line)
    if machine_id:
        line = line.replace(machine_id, "0123456789abcdef0123456789abcdef")
    return line

def of_this_run(m):
    """Whether a time in text is one of the generation run (within 3 days)."""
    try:
        t = time.mktime(time.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return False
    return now - 3 * 86400 < t < now + 86400

def stable_time(m):
    if not of_this_run(m):
        return m.group(0)
    sep = m.group(0)[10]
    frac = m.group(3) or ""
    return STABLE_TIME[0] + sep + STABLE_TIME[1] + ("." + "0" * (len(frac) - 1) if frac else "")

def stable(v, inodes):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "inode" and isinstance(x, (str, int)):
                x = inodes.setdefault(x, str(1000001 + len(inodes)))
            elif k == "duration" and isinstance(x, int):
                x = 0
            else:
                x = stable(x, inodes)
            out[k] = x
        return out
    if isinstance(v, list):
        return [stable(x, inodes) for x in v]
    if isinstance(v, str):
        if host and v == host:
            return "host.example"
        return TIME.sub(stable_time, v)
    return v

best = {}
for f in sorted(glob.glob(os.path.join(raw, "*.jsonl"))):
    for line in open(f, errors="replace"):
        try:
            doc = json.loads(stable_text(line))
        except ValueError:
            continue            # a line a copier cut short
        if not isinstance(doc, dict) or not isinstance(doc.get("event"), dict) or \
           not isinstance(doc.get("rule"), dict) or doc["rule"].get("id") not in defined:
            continue            # not a finding (baseline show's records), or of a test's own rules
        doc = stable(doc, {})
        # The reference as a package installed in /usr makes it (a build's own
        # prefix, or a capture of an older format, says nothing of the rule).
        doc["rule"]["reference"] = "file:///usr/share/doc/driftwatch/rules.md#" + doc["rule"]["id"].lower()
        if isinstance(doc["event"].get("id"), str):
            rest = dict(doc, event={k: v for k, v in doc["event"].items() if k != "id"})
            doc["event"]["id"] = hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()[:32]
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        rid = doc["rule"]["id"]
        if rid not in best or (len(text), text) < (len(best[rid]), best[rid]):
            best[rid] = text

files = {}
for rid in sorted(best):
    dataset = json.loads(best[rid])["event"].get("dataset") or "driftwatch.other"
    files.setdefault(dataset.split(".", 1)[-1], []).append(best[rid])
for cap, lines in sorted(files.items()):
    with open(os.path.join("examples/findings", cap + ".jsonl"), "w") as out:
        out.write("".join(l + "\n" for l in lines))
print("%d rule ids with a sample, in %d files" % (len(best), len(files)), file=sys.stderr)
PY
missing=$(comm -23 <(awk -f tests/e2e/rule-ids.awk rules/default.yaml | LC_ALL=C sort -u) \
                   <(cat examples/findings/*.jsonl | jq -r '.rule.id' | LC_ALL=C sort -u))
[ -z "$missing" ] || echo "generate-findings: no sample of:" $missing >&2
