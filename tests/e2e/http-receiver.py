#!/usr/bin/env python3
"""A receiver for the agent's https:// output in the tests: the two HTTP
protocols SIEMs take events by, to the documented request and response
formats, and nothing more (python3's standard library only).

There is no Elasticsearch, OpenSearch or Splunk in Debian, so the tests
cannot run the real ones; this speaks their documented wire formats:

  Elasticsearch / OpenSearch bulk API, POST /_bulk or /INDEX/_bulk
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html,
     https://opensearch.org/docs/latest/api-reference/document-apis/bulk/):
    request NDJSON, an action line then a source line; the response is
      {"took": MS, "errors": BOOL, "items": [{"create": {"_index": I, "_id": ID,
        "status": 201, "result": "created", "_version": 1}} | {"create": {...,
        "status": 409|429|400, "error": {"type": T, "reason": R}}}, ...]}
    one item per action, in the request's order; HTTP 200 even when items
    failed. A "create" of an _id already there fails with 409
    version_conflict_engine_exception; a rejected item with 429
    es_rejected_execution_exception; a document that does not map with 400
    mapper_parsing_exception.
  Splunk HTTP Event Collector, POST /services/collector[/event]
    (https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector,
     https://docs.splunk.com/Documentation/Splunk/latest/Data/TroubleshootHTTPEventCollector,
     https://docs.splunk.com/Documentation/Splunk/latest/Data/AboutHECIDXAck):
    "Authorization: Splunk TOKEN"; the body is event objects one after the
    other ({"time":..,"host":..,"sourcetype":..,"event":{...}}); answers
    200 {"text":"Success","code":0} (plus "ackId":N with indexer
    acknowledgement, for requests with an X-Splunk-Request-Channel header),
    401 {"text":"Token is required","code":2}, 403 {"text":"Invalid token",
    "code":4}, 400 {"text":"Invalid data format","code":6,
    "invalid-event-number":N} (nothing of that request is kept), 503
    {"text":"Server is busy","code":9}; POST /services/collector/ack with
    {"acks":[N,..]} answers {"acks":{"N":true|false}}.

Faults the tests ask for (options): the first N requests answered 429 or 503
(with Retry-After), left hanging, or items refused per item: a first 429 for
every K-th document, a 400 for every M-th, always.

Usage: http-receiver.py --port-file F --out F [--tls CERT KEY] [--token T]
  [--fail-first N --fail-status 429|503 [--retry-after S]] [--hang-first N]
  [--item-429-every K] [--item-400-every M] [--hec-ack]
It listens on 127.0.0.1 (port 0: one the kernel picks, written to the port
file), appends each accepted document (its source, one compact JSON line) to
--out, and logs one line per request on stderr (and "bulk N actions" for each
_bulk request, "hec hosts A,B" the "host" fields of each HEC request).
"""

import argparse
import hashlib
import os
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time

lock = threading.Lock()
state = {"requests": 0, "ids": set(), "seen": set(), "ack_id": 0}


def bucket(doc_id, every):
    """Whether doc_id falls in every-th bucket (stable for an id)."""
    if not every:
        return False
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % every == 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + (fmt % args) + "\n")

    def reply(self, status, obj, headers=()):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        opts = self.server.opts
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            state["requests"] += 1
            n = state["requests"]
        if n <= opts.hang_first:
            time.sleep(3600)
            return
        if n <= opts.hang_first + opts.fail_first:
            headers = [("Retry-After", str(opts.retry_after))] if opts.retry_after is not None else []
            if opts.fail_status == 503 and self.path.startswith("/services/collector"):
                return self.reply(503, {"text": "Server is busy", "code": 9}, headers)
            return self.reply(opts.fail_status, {"error": {"type": "es_rejected_execution_exception",
                                                           "reason": "rejected execution"}, "status": opts.fail_status},
                              headers)
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/_bulk"):
            return self.bulk(body)
        if path == "/services/collector/ack":
            return self.hec_ack(body)
        if path in ("/services/collector", "/services/collector/event"):
            return self.hec(body)
        return self.reply(404, {"error": "no such endpoint", "status": 404})

    def bulk(self, body):
        opts = self.server.opts
        lines = body.decode().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) % 2:
            return self.reply(400, {"error": {"type": "illegal_argument_exception",
                                              "reason": "The bulk request must be terminated by a newline"},
                                    "status": 400})
        items, errors, accepted = [], False, []
        start = time.monotonic()
        with lock:
            for i in range(0, len(lines), 2):
                action = json.loads(lines[i])
                (op, meta), = action.items()
                doc_id = meta.get("_id")
                index = meta.get("_index", "driftwatch")
                item = {"_index": index, "_id": doc_id}
                first = doc_id not in state["seen"]
                state["seen"].add(doc_id)
                if op != "create" or doc_id is None:
                    item.update(status=400, error={"type": "action_request_validation_exception",
                                                   "reason": "expected create with an _id"})
                elif bucket(doc_id, opts.item_400_every):
                    item.update(status=400, error={"type": "mapper_parsing_exception",
                                                   "reason": "failed to parse field [driftwatch]"})
                elif first and bucket(doc_id, opts.item_429_every):
                    item.update(status=429, error={"type": "es_rejected_execution_exception",
                                                   "reason": "rejected execution of coordinating operation"})
                elif doc_id in state["ids"]:
                    item.update(status=409, error={"type": "version_conflict_engine_exception",
                                                   "reason": "[%s]: version conflict, document already exists" %
                                                             doc_id})
                else:
                    json.loads(lines[i + 1])
                    state["ids"].add(doc_id)
                    accepted.append(lines[i + 1])
                    item.update(status=201, result="created", _version=1)
                errors = errors or item["status"] >= 300
                items.append({op: item})
            self.store(accepted)
        sys.stderr.write("receiver: bulk %d actions\n" % len(items))
        self.reply(200, {"took": int((time.monotonic() - start) * 1000), "errors": errors, "items": items})

    def hec(self, body):
        opts = self.server.opts
        auth = self.headers.get("Authorization")
        if not auth:
            return self.reply(401, {"text": "Token is required", "code": 2})
        if auth != "Splunk " + (opts.token or ""):
            return self.reply(403, {"text": "Invalid token", "code": 4})
        text, events, hosts, pos = body.decode(), [], set(), 0
        decoder = json.JSONDecoder()
        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos >= len(text):
                break
            try:
                obj, pos = decoder.raw_decode(text, pos)
            except ValueError:
                return self.reply(400, {"text": "Invalid data format", "code": 6, "invalid-event-number": len(events)})
            if not isinstance(obj, dict) or "event" not in obj:
                return self.reply(400, {"text": "Event field is required", "code": 12,
                                        "invalid-event-number": len(events)})
            ev = obj["event"]
            hosts.add(str(obj.get("host", "")))
            doc_id = ev.get("event", {}).get("id", "") if isinstance(ev, dict) else ""
            if bucket(doc_id, opts.item_400_every):
                return self.reply(400, {"text": "Invalid data format", "code": 6, "invalid-event-number": len(events)})
            events.append(json.dumps(ev, separators=(",", ":")))
        if not events:
            return self.reply(400, {"text": "No data", "code": 5})
        sys.stderr.write("receiver: hec hosts %s\n" % ",".join(sorted(hosts)))
        with lock:
            self.store(events)
            reply = {"text": "Success", "code": 0}
            if opts.hec_ack and self.headers.get("X-Splunk-Request-Channel"):
                reply["ackId"] = state["ack_id"]
                state["ack_id"] += 1
        self.reply(200, reply)

    def hec_ack(self, body):
        acks = json.loads(body or b"{}").get("acks", [])
        with lock:
            self.reply(200, {"acks": {str(a): 0 <= a < state["ack_id"] for a in acks}})

    def store(self, docs):
        if docs:
            with open(self.server.opts.out, "a") as f:
                for d in docs:
                    f.write(d + "\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--token")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=429)
    p.add_argument("--retry-after", type=int)
    p.add_argument("--hang-first", type=int, default=0)
    p.add_argument("--item-429-every", type=int, default=0)
    p.add_argument("--item-400-every", type=int, default=0)
    p.add_argument("--hec-ack", action="store_true")
    opts = p.parse_args()
    srv = Server(("127.0.0.1", opts.port), Handler)
    srv.opts = opts
    if opts.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls[0], opts.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(opts.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(opts.port_file + ".tmp", opts.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
