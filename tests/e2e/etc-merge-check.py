#!/usr/bin/env python3
"""Checks driftwatch's /etc merge prediction against what `ostree admin deploy`
did, path by path. Arguments: the findings (JSON Lines of etc-diff
--merge-into), config-diff's output, the deploy's exit status and stderr, the
old deployment's /etc and the new one's (or "-" when the deploy failed); or
--batch FILE with one case per line. Prints each disagreement and exits 1 if
there is any; else one line per case saying what was compared."""
import hashlib, json, os, stat, sys

def check(findings_path, cfg_path, deploy_rc, deploy_err_path, old_etc, new_etc):
    """The disagreements (a list of lines) and a summary of what was compared."""
    bad = []
    findings = [json.loads(l) for l in open(findings_path) if l.strip()]
    files = [f for f in findings if f.get("event", {}).get("action", "").startswith("file-")]
    merge = lambda f: f.get("driftwatch", {}).get("merge", {})

    # 1. The listing agrees with config-diff (as sets: ostree lists in readdir order).
    letter = {"file-added": "A", "file-removed": "D", "file-modified": "M"}
    ours = set()
    for f in files:
        if "not-in-ostree-config-diff" in f["driftwatch"].get("quality", []) or f["event"]["action"] not in letter:
            continue
        ours.add((letter[f["event"]["action"]], f["file"]["path"][len("/etc/"):]))
    theirs = set()
    for line in open(cfg_path):
        parts = line.rstrip("\n").split(None, 1)
        if len(parts) == 2:
            theirs.add((parts[0], parts[1]))
    for x in sorted(theirs - ours):
        bad.append("config-diff lists %s %s, driftwatch does not" % x)
    for x in sorted(ours - theirs):
        bad.append("driftwatch lists %s %s, config-diff does not" % x)

    # 2. The deploy fails exactly when a blocker is predicted, with ostree's message.
    blockers = [f for f in files if merge(f).get("fate") == "blocks-deploy"]
    err = open(deploy_err_path).read()
    if deploy_rc != "0":
        if not blockers:
            bad.append("the deploy failed (%s) but no change was predicted to block it" % err.strip())
        elif not any("error: " + merge(f)["reason"] in err for f in blockers):
            bad.append("the deploy failed with %r, predicted: %s" % (err.strip(), [merge(f)["reason"] for f in blockers]))
        alerts = {f["file"]["path"] for f in findings if f["event"]["action"] == "merge-blocked"}
        if alerts != {f["file"]["path"] for f in blockers}:
            bad.append("merge-blocked alerts %s differ from the blocking changes" % sorted(alerts))
    elif blockers:
        bad.append("predicted to block the deploy, which succeeded: %s" % [f["file"]["path"] for f in blockers])

    # 3. After a successful deploy, each change's fate is what happened to it.
    def entry(root, rel):
        p = os.path.join(root, rel)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            return None
        kind = stat.S_IFMT(st.st_mode)
        extra = None
        if stat.S_ISREG(st.st_mode):
            extra = hashlib.sha256(open(p, "rb").read()).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            extra = os.readlink(p)
        return (kind, stat.S_IMODE(st.st_mode) if not stat.S_ISLNK(st.st_mode) else 0, st.st_uid, st.st_gid, extra)

    if deploy_rc == "0":
        for f in files:
            rel = f["file"]["path"][len("/etc/"):]
            fate = merge(f).get("fate")
            if not rel or fate in (None, "redirected", "unknown"):
                continue
            old, new = entry(old_etc, rel), entry(new_etc, rel)
            if fate in ("carried", "carried-shadows-image-update"):
                if old != new:
                    bad.append("%s: predicted %s, but the new /etc has %s where /etc had %s" % (rel, fate, new, old))
            elif fate == "removal-applied":
                if new is not None:
                    bad.append("%s: predicted removed, the new /etc has %s" % (rel, new))
            elif fate == "dropped":
                changed = {c for c in f["driftwatch"].get("changed", []) if not c.startswith("xattr")}
                same = old is not None and old == new
                if f["event"]["action"] == "file-added":
                    carried = same and old[0] != stat.S_IFDIR
                else:
                    carried = same and changed and not ("type" in changed and old[0] == stat.S_IFDIR)
                if carried:
                    bad.append("%s: predicted dropped, but it was carried" % rel)
            elif fate == "blocks-deploy":
                bad.append("%s: predicted to block, the deploy succeeded" % rel)


    summary = "%d changes, deploy %s, %d predicted to block" % (len(files), "ok" if deploy_rc == "0" else "failed", len(blockers))
    return bad, summary

def main():
    # One case: its six paths. --batch FILE: one case per line, NAME, DESCRIPTION
    # and the six paths separated by tabs; every case reported, exit 1 if any disagrees.
    if sys.argv[1] == "--batch":
        cases = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
    else:
        cases = [["case", ""] + sys.argv[1:7]]
    failed = 0
    for c in cases:
        bad, summary = check(*c[2:8])
        if bad:
            failed += 1
            print("case %s (%s):" % (c[0], c[1]))
            for b in bad:
                print("  DISAGREE: " + b)
        else:
            print("case %s: %s" % (c[0], summary))
    print("%d of %d cases disagree" % (failed, len(cases)))
    sys.exit(1 if failed else 0)


main()
