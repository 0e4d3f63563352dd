#!/usr/bin/python3
"""Builds the audit logs bench/audit.sh reads.

  audit-log.py base CORPUS_DIR OUT RATE
      Collects every audit record of the real logs under CORPUS_DIR (*.log, *.txt and
      the records embedded in *.yaml), gathers the records of each event together, and
      renumbers the events: event k (from 0) gets the time T0 + k/RATE seconds (RATE
      events a second, to the millisecond) and the next serial of its node (serials
      count from 1 per node= prefix, as a real log's do).
      Lines that are not records (blank, comments) are skipped; records without a
      msg=audit(SECONDS.MS:SERIAL) id are skipped and listed on stderr, and so are the
      events with an AppArmor AVC record, which ausearch 3.0.9 drops as malformed
      ("Malformed event skipped, rc=9"): every tool then reports every event.

  audit-log.py replicate BASE OUT MIB RATE
      Writes whole copies of BASE (a log from `base`) to OUT until it holds at least
      MIB MiB. The events of copy c are events c*E .. c*E+E-1 of the whole log (E: the
      events in BASE), timed at RATE events a second like the base, and every serial
      moves by c times the events of its node: times move forward and serials stay
      unique and increasing per node. Only the id changes: the rest of
      each line, ENRICHED fields after 0x1D included, is copied byte for byte.

Prints one summary line on stderr. Exit status: 0 done, 2 usage or input error.
"""
import os
import re
import sys

T0_MS = 1_700_000_000_000       # 2023-11-14T22:13:20Z: the first event of the base log

# A record: optional node= prefix (group 2), the type, the id (group 3), the rest (group 4).
RECORD = re.compile(rb'^((node=\S+ )?type=\S+ msg=audit\()(\d+\.\d+:\d+)(\).*)$', re.S)
# AppArmor writes AVC records ausearch 3.0.9 cannot parse: it skips their whole event.
APPARMOR_AVC = re.compile(rb'^(?:node=\S+ )?type=AVC msg=audit\([^)]*\): apparmor=')
# In YAML test files records are indented block scalars; any other non-blank line is a
# key or a comment that starts another test case.
YAML_RECORD = re.compile(rb'^\s+((?:node=\S+ )?type=\S+ msg=.*)$', re.S)


def fail(msg):
    sys.stderr.write(f"audit-log.py: {msg}\n")
    sys.exit(2)


def sources(corpus):
    """Yields (name, [lines]): one source per log file, per directory of chunk files
    (laurel's tree/NN.txt are one run split in pieces) and per YAML test case."""
    for root, dirs, files in sorted(os.walk(corpus)):
        dirs.sort()
        chunks = sorted(f for f in files if re.fullmatch(r'\d+\.txt', f))
        if chunks:
            lines = []
            for f in chunks:
                with open(os.path.join(root, f), 'rb') as fp:
                    lines += fp.read().splitlines()
            yield os.path.relpath(root, corpus), lines
        for f in sorted(files):
            path = os.path.join(root, f)
            rel = os.path.relpath(path, corpus)
            if f in chunks or f.upper().startswith(('README', 'LICENSE')):
                continue
            if f.endswith(('.log', '.txt')):
                with open(path, 'rb') as fp:
                    yield rel, fp.read().splitlines()
            elif f.endswith('.yaml'):
                with open(path, 'rb') as fp:
                    case, lines = None, []
                    for line in fp.read().splitlines():
                        m = YAML_RECORD.match(line)
                        if m:
                            lines.append(m.group(1))
                        elif line.strip():
                            if lines:
                                yield f"{rel}:{case}", lines
                            case, lines = line.strip().decode(errors='replace'), []
                    if lines:
                        yield f"{rel}:{case}", lines


def event_ms(k, rate):
    """The time of event k (from 0) at 'rate' events a second, in ms since the epoch."""
    return T0_MS + k * 1000 // rate


def make_base(corpus, out, rate):
    events = []                 # [(node, [(prefix, suffix), ...]), ...] in order of first record
    n_records = n_sources = n_other = 0
    malformed, apparmor = [], 0

    for name, lines in sources(corpus):
        by_id = {}
        n_sources += 1
        for line in lines:
            m = RECORD.match(line)
            if m:
                node = m.group(2) or b''
                by_id.setdefault((node, m.group(3)), (node, []))[1].append((m.group(1), m.group(4), line))
                n_records += 1
            elif line.startswith((b'type=', b'node=')):
                malformed.append(f"{name}: {line[:100].decode(errors='replace')}")
            else:
                n_other += 1
        for node, records in by_id.values():
            if any(APPARMOR_AVC.match(line) for _, _, line in records):
                apparmor += 1
                n_records -= len(records)
            else:
                events.append((node, [(p, s) for p, s, _ in records]))
    if not events:
        fail(f"no audit records under '{corpus}'")

    serials = {}
    with open(out, 'wb') as fp:
        for k, (node, records) in enumerate(events):
            sec, ms = divmod(event_ms(k, rate), 1000)
            serial = serials[node] = serials.get(node, 0) + 1
            fp.write(b''.join(b'%s%d.%03d:%d%s\n' % (p, sec, ms, serial, s) for p, s in records))
    for line in malformed:
        sys.stderr.write(f"audit-log.py: skipped a record without a msg=audit id: {line}\n")
    sys.stderr.write(f"audit-log.py: base log: {n_records} records, {len(events)} events from "
                     f"{n_sources} sources ({len(serials)} nodes); skipped {apparmor} events with "
                     f"AppArmor AVC records, {len(malformed)} malformed records and {n_other} "
                     f"other lines (blank, comments)\n")


def replicate(base, out, mib, rate):
    records = []                # (prefix, node, event index in BASE, serial, suffix)
    per_node = {}               # node -> its events in BASE (its highest serial)
    index = {}                  # (node, id) -> event index, in order of first record
    with open(base, 'rb') as fp:
        for line in fp.read().splitlines():
            m = RECORD.match(line)
            if not m:
                fail(f"'{base}' holds a line that is not an audit record: {line[:100]!r}")
            node = m.group(2) or b''
            k = index.setdefault((node, m.group(3)), len(index))
            serial = int(m.group(3).split(b':')[1])
            per_node[node] = max(per_node.get(node, 0), serial)
            records.append((m.group(1), node, k, serial, m.group(4) + b'\n'))
    if not records:
        fail(f"'{base}' is empty")
    n_events = len(index)
    target = mib * 1024 * 1024
    written = copies = 0

    with open(out, 'wb', buffering=1 << 20) as fp:
        while written < target:
            first = copies * n_events
            shift = {node: copies * n for node, n in per_node.items()}
            chunk = b''.join(b'%s%d.%03d:%d%s' % (p, *divmod(event_ms(first + k, rate), 1000),
                                                  shift[node] + serial, s)
                             for p, node, k, serial, s in records)
            fp.write(chunk)
            written += len(chunk)
            copies += 1
    sys.stderr.write(f"audit-log.py: {out}: {copies} copies, {copies * len(records)} records, "
                     f"{copies * n_events} events, {written} bytes\n")


def positive(arg, what):
    if not re.fullmatch(r'[1-9][0-9]*', arg):
        fail(f"{what} must be a positive number, not '{arg}'")
    return int(arg)


def main(argv):
    if len(argv) == 5 and argv[1] == 'base':
        make_base(argv[2], argv[3], positive(argv[4], 'RATE'))
    elif len(argv) == 6 and argv[1] == 'replicate':
        replicate(argv[2], argv[3], positive(argv[4], 'MIB'), positive(argv[5], 'RATE'))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main(sys.argv)
