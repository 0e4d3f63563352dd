# contrib/elasticsearch's index template and contrib/splunk's field list
# against the output: every field of every finding the golden cases
# (tests/e2e/cases/*/expected.jsonl), the sample findings of examples/findings
# and a few runs emit (check, scan's first
# and second run, posture, mounts) must be mapped in the template with a type
# that fits its values (string: keyword, text, wildcard; integer: long; an
# RFC 3339 time: date; true/false: boolean; any scalar under a flattened
# object) and be named in contrib/splunk/fields.conf as Splunk's indexed JSON
# extraction names it (arrays as "name{}"). A field added to the output
# without a mapping fails here. The check is python3 (scripts/deps.sh).
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
src=$(cd "$(dirname "$0")/../.." && pwd)

R=$T/root
mkdir -p "$R/etc/ssh" "$R/usr/bin" "$T/state"
echo analysed-7 >"$R/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'PermitRootLogin no\n' >"$R/etc/ssh/sshd_config"
printf 'tool\n' >"$R/usr/bin/tool"
printf 'gone\n' >"$R/etc/old.conf"
"$DW" --quiet baseline create --from "dir:$R" --out "$T/base.db"
"$DW" --quiet scan --root "$R" --state-dir "$T/state" --format json >"$T/scan1.jsonl" || [ $? -eq 1 ]
printf 'PermitRootLogin yes\n' >"$R/etc/ssh/sshd_config"
rm "$R/etc/old.conf"
ln -s /tmp/evil "$R/usr/bin/link"
"$DW" --quiet check --baseline "$T/base.db" --root "$R" --format json >"$T/check.jsonl" || [ $? -eq 1 ]
"$DW" --quiet scan --root "$R" --state-dir "$T/state" --format json >"$T/scan2.jsonl" || [ $? -eq 1 ]
"$DW" --quiet posture --root "$R" --format json >"$T/posture.jsonl" || [ $? -eq 1 ]
"$DW" --quiet mounts --state "$T/mounts.db" --format json >"$T/mounts.jsonl" || [ $? -eq 1 ]
# The checker's own check: a field no mapping knows must be refused.
printf '%s\n' '{"@timestamp":"2026-01-01T00:00:00.000Z","event":{"kind":"event"},"driftwatch":{"unmapped_probe":1}}' \
        >"$T/probe.json"

cat >"$T/check.py" <<'PY'
import fnmatch, json, re, sys

template, fields_conf, props_conf, probe = sys.argv[1:5]
docs = sys.argv[5:]
mappings = json.load(open(template))["template"]["mappings"]["properties"]
stanzas = re.findall(r"^\[([^\]]+)\]", open(fields_conf).read(), re.M)
exact = {s for s in stanzas if not s.startswith("sourcetype::")}
wild = [s.split("::", 2)[2] for s in stanzas if s.startswith("sourcetype::driftwatch:ecs::")]
props = open(props_conf).read()
if not re.search(r"^\[driftwatch:ecs\]$", props, re.M) or not re.search(r"^INDEXED_EXTRACTIONS = json$", props, re.M):
    sys.exit("contrib/splunk/props.conf has no [driftwatch:ecs] stanza with INDEXED_EXTRACTIONS = json")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

def kind(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    return "time" if TIME.match(v) or v == "TIME" else "string"     # TIME: a golden's normalised time

FITS = {"string": {"keyword", "text", "match_only_text", "wildcard", "constant_keyword"},
        "time": {"date", "date_nanos"}, "integer": {"long", "integer", "unsigned_long"},
        "float": {"double", "float", "scaled_float"}, "boolean": {"boolean"}}

def leaves(v, es, splunk):
    """(elasticsearch path, splunk name, value) of every scalar under v."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, es + [k], splunk + ("." if splunk else "") + k)
    elif isinstance(v, list):
        for x in v:
            yield from leaves(x, es, splunk + "{}")
    elif v is not None:
        yield es, splunk, v

def es_type(path):
    m = {"properties": mappings}
    for i, k in enumerate(path):
        if m.get("type") == "flattened":
            return "flattened"
        m = m.get("properties", {}).get(k)
        if m is None:
            return None
    return m.get("type", "object")

def problems(doc):
    for path, name, v in leaves(doc, [], ""):
        t, k = es_type(path), kind(v)
        dotted = ".".join(path)
        if t is None:
            yield "%s: not in the index template" % dotted
        elif t != "flattened" and t not in FITS[k]:
            yield "%s: a %s value (%r) mapped as %s" % (dotted, k, v, t)
        if name not in exact and not any(fnmatch.fnmatchcase(name, w) for w in wild):
            yield "%s: not in contrib/splunk/fields.conf" % name

seen, bad, n = set(), set(), 0
for f in docs:
    for line in open(f):
        doc = json.loads(line)
        if "event" not in doc:
            continue            # baseline show's records are not findings
        n += 1
        for p in problems(doc):
            bad.add(p)
        seen.update(".".join(p) for p, _, _ in leaves(doc, [], ""))
probe_doc = json.loads(open(probe).read())
if not any("unmapped_probe" in p for p in problems(probe_doc)):
    sys.exit("the checker accepted a field no mapping names")
if bad:
    print("\n".join(sorted(bad)))
    sys.exit("%d fields emitted without a fitting mapping" % len(bad))
print("%d documents, %d distinct fields mapped" % (n, len(seen)))
PY
python3 "$T/check.py" "$src/contrib/elasticsearch/driftwatch-template.json" "$src/contrib/splunk/fields.conf" \
        "$src/contrib/splunk/props.conf" "$T/probe.json" "$src"/tests/e2e/cases/*/expected.jsonl \
        "$src"/examples/findings/*.jsonl "$T"/*.jsonl ||
        fail "the SIEM mappings in contrib/ do not cover the output"
# The pipeline is valid JSON with the processors docs/output.md names.
jq -e '[.processors[] | keys[0]] | index("date") != null and index("set") != null' \
        "$src/contrib/elasticsearch/driftwatch-pipeline.json" >/dev/null || fail "the ingest pipeline lost a processor"
echo PASS
