#!/usr/bin/env python3
# The check of tests/e2e/test-siem-mappings.sh: every field of every event in
# the JSON Lines files given is mapped in contrib/elasticsearch's index
# template with a type that fits its values (string: keyword, text, wildcard;
# integer: long; an RFC 3339 time: date; true/false: boolean; any scalar
# under a flattened object), has values of one type only across all the
# documents (an integer in one and a string in another is refused: the
# index takes the first and rejects the other), and is named in
# contrib/splunk/fields.conf as Splunk's indexed JSON extraction names it
# (arrays as "name{}").
#   siem-check.py CONTRIB_DIR PROBE_UNMAPPED PROBE_TYPES FILE...
# The two probes must be refused: the first holds a field no mapping names,
# the second one field with an integer in one line and a string in another.
# Lines without an "event" object (baseline show's records) are not events
# and are left out. Prints "N documents, M distinct fields mapped".
import fnmatch
import json
import re
import sys

contrib, probe_unmapped, probe_types = sys.argv[1:4]
files = sys.argv[4:]
def no_duplicate_keys(pairs):
    """A key given twice in one object: JSON parsers keep one of them, silently."""
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        sys.exit("contrib/elasticsearch/driftwatch-template.json names %s twice in one object" % ", ".join(twice))
    return dict(pairs)


template = json.load(open(contrib + "/elasticsearch/driftwatch-template.json"), object_pairs_hook=no_duplicate_keys)
mappings = template["template"]["mappings"]["properties"]
stanzas = re.findall(r"^\[([^\]]+)\]", open(contrib + "/splunk/fields.conf").read(), re.M)
exact = {s for s in stanzas if not s.startswith("sourcetype::")}
wild = [s.split("::", 2)[2] for s in stanzas if s.startswith("sourcetype::driftwatch:ecs::")]
props = open(contrib + "/splunk/props.conf").read()
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
# The kinds one field may mix: a time is a string to a keyword field.
CLASS = {"string": "string", "time": "string", "integer": "integer", "float": "float", "boolean": "boolean"}


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


def objects(v, es):
    """The elasticsearch path of every object under v."""
    if isinstance(v, dict):
        yield es
        for k, x in v.items():
            yield from objects(x, es + [k])
    elif isinstance(v, list):
        for x in v:
            yield from objects(x, es)


def es_type(path):
    m = {"properties": mappings}
    for k in path:
        if m.get("type") == "flattened":
            return "flattened"
        m = m.get("properties", {}).get(k)
        if m is None:
            return None
    return m.get("type", "object")


def problems(doc, where):
    """(field, what is wrong, an example) of each field of doc without a fitting mapping."""
    for path, name, v in leaves(doc, [], ""):
        t, k = es_type(path), kind(v)
        dotted = ".".join(path)
        if t is None:
            yield dotted, "not in the index template", where
        elif t != "flattened" and t not in FITS[k]:
            yield dotted, "a %s value mapped as %s" % (k, t), "%r (%s)" % (v, where)
        if name not in exact and not any(fnmatch.fnmatchcase(name, w) for w in wild):
            yield name, "not in contrib/splunk/fields.conf", where


class Types:
    """The kinds of value each field had, and where each was first seen."""

    def __init__(self):
        self.seen = {}

    def add(self, doc, where):
        for path, _, v in leaves(doc, [], ""):
            self.seen.setdefault(".".join(path), {}).setdefault(CLASS[kind(v)], (where, v))
        for path in objects(doc, []):
            if path:
                self.seen.setdefault(".".join(path), {}).setdefault("object", (where, None))

    def problems(self):
        for field, kinds in sorted(self.seen.items()):
            if len(kinds) > 1:
                yield "%s: values of %d types: %s" % (field, len(kinds), "; ".join(
                    "%s %s (%s)" % (k, "" if v is None else repr(v), w) for k, (w, v) in sorted(kinds.items())))


def events(path):
    for i, line in enumerate(open(path), 1):
        doc = json.loads(line)
        if "event" in doc:       # baseline show's records are not events
            yield "%s:%d" % (path, i), doc


# The checker's own checks first.
if not any(f == "driftwatch.unmapped_probe" for w, d in events(probe_unmapped) for f, _, _ in problems(d, w)):
    sys.exit("the checker accepted a field no mapping names")
probe = Types()
for where, d in events(probe_types):
    probe.add(d, where)
if not any(p.startswith("event.action:") for p in probe.problems()):
    sys.exit("the checker accepted a field with values of two types")

bad, types, n = {}, Types(), 0
for f in files:
    for where, doc in events(f):
        n += 1
        for field, what, example in problems(doc, where):
            bad.setdefault("%s: %s" % (field, what), example)
        types.add(doc, where)
report = ["%s, e.g. %s" % p for p in sorted(bad.items())] + list(types.problems())
if report:
    print("\n".join(report))
    sys.exit("%d fields emitted without a fitting mapping or with values of two types" % len(report))
fields = [f for f, kinds in types.seen.items() if set(kinds) != {"object"}]
print("%d documents, %d distinct fields mapped" % (n, len(fields)))
