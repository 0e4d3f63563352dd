# The agent over syslog+tls:// (RFC 5425) to a real rsyslog with the ossl
# driver and a throwaway CA the test makes: findings arrive; a server
# certificate of another name, or of a CA the agent was not given, is a
# clear error naming the output, the findings stay in the spool, and a
# DW-AGENT-OUTPUT-FAILED alert goes to the other outputs; with the right
# certificate back, the next run delivers what stayed. Small: 200 findings
# (DW_SOAK=1: 20,000).
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog.sh"
source "$(dirname "$0")/agent-lib.sh"

need_rsyslog
command -v openssl >/dev/null || skip "openssl is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] || ls /usr/lib/*/rsyslog/lmnsd_ossl.so >/dev/null 2>&1 ||
        skip "rsyslog's ossl driver is not installed (Debian package rsyslog-openssl)"
if [ "${DW_SOAK:-}" = 1 ]; then N=20000; else N=200; fi

throwaway_ca "$T/pki" IP:127.0.0.1 DNS:localhost
mkdir -p "$T/wrong"
# The same CA's certificate for another name.
openssl req -newkey rsa:2048 -nodes -subj "/CN=wrong" -keyout "$T/wrong/server.key" -out "$T/wrong/server.csr" \
        2>/dev/null || fail "openssl cannot make a key"
printf 'subjectAltName=DNS:wrong.example\n' >"$T/wrong/ext.cnf"
openssl x509 -req -in "$T/wrong/server.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/wrong/ext.cnf" -out "$T/wrong/server.pem" 2>/dev/null || fail "openssl cannot sign"

port=$(free_port)
url="syslog+tls://127.0.0.1:$port?ca=$T/pki/ca.pem"
agent_audit_log "$N" "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"

# 1. The right certificate: everything arrives.
rsyslog_conf_tls "$port" "$T/received" "$T/pki/ca.pem" "$T/pki/server.pem" "$T/pki/server.key" >"$T/good.conf"
rsyslog_start "$T/good.conf"
run 0 "$DW" agent --state-dir "$T/state" --output "$url" --audit-stdin --schedule all=off --heartbeat 0 \
        <"$T/audit.log"
rsyslog_wait_lines "$T/received" "$N"
agent_messages "$T/received" "$T/got.jsonl"
diff -u <(finding_keys "$T/reference.jsonl") <(finding_keys "$T/got.jsonl") >/dev/null ||
        fail "the findings received over TLS differ from the reference"
rsyslog_stop

# 2. A certificate for another name: a clear error, the findings stay
# spooled, the alert reaches the file output.
rsyslog_conf_tls "$port" "$T/received2" "$T/pki/ca.pem" "$T/wrong/server.pem" "$T/wrong/server.key" >"$T/wrong.conf"
rsyslog_start "$T/wrong.conf"
AUDIT_SERIAL=500000 AUDIT_TIME=1800000000 agent_audit_log "$N" "$T/audit2.log"
run 0 "$DW" agent --state-dir "$T/state2" --output "$url" --output "file:$T/local.jsonl" --audit-stdin \
        --schedule all=off --heartbeat 0 <"$T/audit2.log"
grep -q "cannot connect to 'syslog+tls://127.0.0.1:$port?ca=.*': certificate verify failed: .*expected name '127.0.0.1'" \
        "$T/err" || { cat "$T/err"; fail "no clear certificate error"; }
[ ! -s "$T/received2" ] || fail "a receiver with the wrong certificate got findings"
pending=$(sqlite3 "$T/state2/agent.db" "SELECT count(*) FROM agent_pending p JOIN agent_outputs o USING (oid)
                                         WHERE o.url LIKE 'syslog+tls:%'")
[ "$pending" -ge "$N" ] || fail "only $pending events stayed spooled for the TLS output, expected $N and more"
jq -e -s 'any(.[]; .rule.id == "DW-AGENT-OUTPUT-FAILED" and (.driftwatch.error | test("certificate verify failed")))' \
        "$T/local.jsonl" >/dev/null || fail "no DW-AGENT-OUTPUT-FAILED alert with the reason in the file output"
rsyslog_stop

# 3. A CA the agent does not trust: the same.
openssl req -newkey rsa:2048 -nodes -subj "/CN=other" -keyout "$T/wrong/o.key" -out "$T/wrong/o.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/wrong/o.cnf"
openssl x509 -req -in "$T/wrong/o.csr" -CA "$T/pki/other-ca.pem" -CAkey "$T/pki/other-ca.key" -CAcreateserial \
        -days 2 -extfile "$T/wrong/o.cnf" -out "$T/wrong/o.pem" 2>/dev/null || fail "openssl cannot sign"
rsyslog_conf_tls "$port" "$T/received2" "$T/pki/other-ca.pem" "$T/wrong/o.pem" "$T/wrong/o.key" >"$T/other.conf"
rsyslog_start "$T/other.conf"
run 0 "$DW" agent --state-dir "$T/state2" --output "$url" --output "file:$T/local.jsonl" --once --schedule all=off \
        --heartbeat 0
grep -q "certificate verify failed" "$T/err" || { cat "$T/err"; fail "no certificate error for an unknown CA"; }
[ ! -s "$T/received2" ] || fail "a receiver with an untrusted certificate got findings"
rsyslog_stop

# 4. The right certificate back: what stayed is delivered.
rsyslog_conf_tls "$port" "$T/received2" "$T/pki/ca.pem" "$T/pki/server.pem" "$T/pki/server.key" >"$T/good2.conf"
rsyslog_start "$T/good2.conf"
run 0 "$DW" agent --state-dir "$T/state2" --output "$url" --output "file:$T/local.jsonl" --once --schedule all=off \
        --heartbeat 0
rsyslog_wait_lines "$T/received2" "$N"
agent_messages "$T/received2" "$T/got2.jsonl"
agent_reference "$T/audit2.log" "$T/reference2.jsonl"
missing=$(LC_ALL=C comm -23 <(finding_keys "$T/reference2.jsonl") <(finding_keys "$T/got2.jsonl" | uniq) | wc -l)
[ "$missing" -eq 0 ] || fail "$missing spooled findings did not arrive once the certificate was right"
[ "$(sqlite3 "$T/state2/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"
echo PASS
