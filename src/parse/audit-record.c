/* The auditd record parser; see audit-record.h and docs/internals/audit.md.
 * One forward pass over the line, no allocation, no copy: fields are offsets. */
#include "audit-record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hex.h"

#define GS '\x1d'       /* ENRICHED separator */

/* Record type names (linux/audit.h for the kernel's, libaudit for user
 * space's), sorted by name for bsearch. */
static const struct type_name {
        const char *name;
        int type;
} type_names[] = {
        { "ACCT_LOCK", 1135 },
        { "ACCT_UNLOCK", 1136 },
        { "ADD_GROUP", 1116 },
        { "ADD_USER", 1114 },
        { "ANOM_ABEND", 1701 },
        { "ANOM_ACCESS_FS", 2111 },
        { "ANOM_ADD_ACCT", 2114 },
        { "ANOM_AMTU_FAIL", 2107 },
        { "ANOM_CREAT", 1703 },
        { "ANOM_CRYPTO_FAIL", 2110 },
        { "ANOM_DEL_ACCT", 2115 },
        { "ANOM_EXEC", 2112 },
        { "ANOM_LINK", 1702 },
        { "ANOM_LOGIN_ACCT", 2103 },
        { "ANOM_LOGIN_FAILURES", 2100 },
        { "ANOM_LOGIN_LOCATION", 2104 },
        { "ANOM_LOGIN_ROOT", 2119 },
        { "ANOM_LOGIN_SERVICE", 2118 },
        { "ANOM_LOGIN_SESSIONS", 2102 },
        { "ANOM_LOGIN_TIME", 2101 },
        { "ANOM_MAX_DAC", 2105 },
        { "ANOM_MAX_MAC", 2106 },
        { "ANOM_MK_EXEC", 2113 },
        { "ANOM_MOD_ACCT", 2116 },
        { "ANOM_ORIGIN_FAILURES", 2120 },
        { "ANOM_PROMISCUOUS", 1700 },
        { "ANOM_RBAC_FAIL", 2108 },
        { "ANOM_RBAC_INTEGRITY_FAIL", 2109 },
        { "ANOM_ROOT_TRANS", 2117 },
        { "ANOM_SESSION", 2121 },
        { "AVC", 1400 },
        { "AVC_PATH", 1402 },
        { "BPF", 1334 },
        { "BPRM_FCAPS", 1321 },
        { "CAPSET", 1322 },
        { "CHGRP_ID", 1119 },
        { "CHUSER_ID", 1125 },
        { "CONFIG_CHANGE", 1305 },
        { "CRED_ACQ", 1103 },
        { "CRED_DISP", 1104 },
        { "CRED_REFR", 1110 },
        { "CRYPTO_FAILURE_USER", 2405 },
        { "CRYPTO_IKE_SA", 2408 },
        { "CRYPTO_IPSEC_SA", 2409 },
        { "CRYPTO_KEY_USER", 2404 },
        { "CRYPTO_LOGIN", 2402 },
        { "CRYPTO_LOGOUT", 2403 },
        { "CRYPTO_PARAM_CHANGE_USER", 2401 },
        { "CRYPTO_REPLAY_USER", 2406 },
        { "CRYPTO_SESSION", 2407 },
        { "CRYPTO_TEST_USER", 2400 },
        { "CWD", 1307 },
        { "DAC_CHECK", 1118 },
        { "DAEMON_ABORT", 1202 },
        { "DAEMON_ACCEPT", 1207 },
        { "DAEMON_CLOSE", 1208 },
        { "DAEMON_CONFIG", 1203 },
        { "DAEMON_END", 1201 },
        { "DAEMON_ERR", 1209 },
        { "DAEMON_RECONFIG", 1204 },
        { "DAEMON_RESUME", 1206 },
        { "DAEMON_ROTATE", 1205 },
        { "DAEMON_START", 1200 },
        { "DEL_GROUP", 1117 },
        { "DEL_USER", 1115 },
        { "DEV_ALLOC", 2307 },
        { "DEV_DEALLOC", 2308 },
        { "DM_CTRL", 1338 },
        { "DM_EVENT", 1339 },
        { "EOE", 1320 },
        { "EVENT_LISTENER", 1335 },
        { "EXECVE", 1309 },
        { "FANOTIFY", 1331 },
        { "FD_PAIR", 1317 },
        { "FEATURE_CHANGE", 1328 },
        { "FS_RELABEL", 2309 },
        { "GRP_AUTH", 1126 },
        { "GRP_CHAUTHTOK", 1133 },
        { "GRP_MGMT", 1132 },
        { "INTEGRITY_DATA", 1800 },
        { "INTEGRITY_EVM_XATTR", 1806 },
        { "INTEGRITY_HASH", 1803 },
        { "INTEGRITY_METADATA", 1801 },
        { "INTEGRITY_PCR", 1804 },
        { "INTEGRITY_POLICY_RULE", 1807 },
        { "INTEGRITY_RULE", 1805 },
        { "INTEGRITY_STATUS", 1802 },
        { "IPC", 1303 },
        { "IPC_SET_PERM", 1311 },
        { "KERNEL", 2000 },
        { "KERNEL_OTHER", 1316 },
        { "KERN_MODULE", 1330 },
        { "LABEL_LEVEL_CHANGE", 2304 },
        { "LABEL_OVERRIDE", 2303 },
        { "LOGIN", 1006 },
        { "MAC_CALIPSO_ADD", 1418 },
        { "MAC_CALIPSO_DEL", 1419 },
        { "MAC_CHECK", 1134 },
        { "MAC_CIPSOV4_ADD", 1407 },
        { "MAC_CIPSOV4_DEL", 1408 },
        { "MAC_CONFIG_CHANGE", 1405 },
        { "MAC_IPSEC_ADDSA", 1411 },
        { "MAC_IPSEC_ADDSPD", 1413 },
        { "MAC_IPSEC_DELSA", 1412 },
        { "MAC_IPSEC_DELSPD", 1414 },
        { "MAC_IPSEC_EVENT", 1415 },
        { "MAC_MAP_ADD", 1409 },
        { "MAC_MAP_DEL", 1410 },
        { "MAC_POLICY_LOAD", 1403 },
        { "MAC_STATUS", 1404 },
        { "MAC_UNLBL_ALLOW", 1406 },
        { "MAC_UNLBL_STCADD", 1416 },
        { "MAC_UNLBL_STCDEL", 1417 },
        { "MMAP", 1323 },
        { "MQ_GETSETATTR", 1315 },
        { "MQ_NOTIFY", 1314 },
        { "MQ_OPEN", 1312 },
        { "MQ_SENDRECV", 1313 },
        { "NETFILTER_CFG", 1325 },
        { "NETFILTER_PKT", 1324 },
        { "OBJ_PID", 1318 },
        { "OPENAT2", 1337 },
        { "PATH", 1302 },
        { "PROCTITLE", 1327 },
        { "REPLACE", 1329 },
        { "ROLE_ASSIGN", 2301 },
        { "ROLE_MODIFY", 2311 },
        { "ROLE_REMOVE", 2302 },
        { "SECCOMP", 1326 },
        { "SELINUX_ERR", 1401 },
        { "SERVICE_START", 1130 },
        { "SERVICE_STOP", 1131 },
        { "SOCKADDR", 1306 },
        { "SOCKETCALL", 1304 },
        { "SOFTWARE_UPDATE", 1138 },
        { "SYSCALL", 1300 },
        { "SYSTEM_BOOT", 1127 },
        { "SYSTEM_RUNLEVEL", 1129 },
        { "SYSTEM_SHUTDOWN", 1128 },
        { "TEST", 1120 },
        { "TIME_ADJNTPVAL", 1333 },
        { "TIME_INJOFFSET", 1332 },
        { "TRUSTED_APP", 1121 },
        { "TTY", 1319 },
        { "URINGOP", 1336 },
        { "USER", 1005 },
        { "USER_ACCT", 1101 },
        { "USER_AUTH", 1100 },
        { "USER_AVC", 1107 },
        { "USER_CHAUTHTOK", 1108 },
        { "USER_CMD", 1123 },
        { "USER_DEVICE", 1137 },
        { "USER_END", 1106 },
        { "USER_ERR", 1109 },
        { "USER_LABELED_EXPORT", 2305 },
        { "USER_LOGIN", 1112 },
        { "USER_LOGOUT", 1113 },
        { "USER_MAC_CONFIG_CHANGE", 2312 },
        { "USER_MAC_POLICY_LOAD", 2310 },
        { "USER_MAC_STATUS", 2313 },
        { "USER_MGMT", 1102 },
        { "USER_ROLE_CHANGE", 2300 },
        { "USER_SELINUX_ERR", 1122 },
        { "USER_START", 1105 },
        { "USER_TTY", 1124 },
        { "USER_UNLABELED_EXPORT", 2306 },
        { "USYS_CONFIG", 1111 },
        { "VIRT_CONTROL", 2500 },
        { "VIRT_CREATE", 2504 },
        { "VIRT_DESTROY", 2505 },
        { "VIRT_INTEGRITY_CHECK", 2503 },
        { "VIRT_MACHINE_ID", 2502 },
        { "VIRT_MIGRATE_IN", 2506 },
        { "VIRT_MIGRATE_OUT", 2507 },
        { "VIRT_RESOURCE", 2501 },
};

struct key {
        const char *s;
        size_t n;
};

static int cmp_type_name(const void *k, const void *e)
{
        const struct key *key = k;
        const char *name = ((const struct type_name *) e)->name;
        size_t m = strlen(name);
        int c = memcmp(key->s, name, key->n < m ? key->n : m);

        if (c != 0)
                return c;
        return key->n < m ? -1 : key->n > m;
}

static const struct {
        const char *name;
        size_t len;
        int type;
} hot_types[] = {
        { "SYSCALL", 7, AUDIT_TYPE_SYSCALL },     { "PATH", 4, AUDIT_TYPE_PATH }, { "CWD", 3, AUDIT_TYPE_CWD },
        { "PROCTITLE", 9, AUDIT_TYPE_PROCTITLE }, { "EXECVE", 6, AUDIT_TYPE_EXECVE }, { "EOE", 3, AUDIT_TYPE_EOE },
};

int audit_type_from_name(const char *s, size_t n)
{
        struct key k = { s, n };
        const struct type_name *t;
        uint64_t v;
        size_t i;

        /* The types of nearly every record, without the search. */
        for (i = 0; i < sizeof(hot_types) / sizeof(hot_types[0]); i++)
                if (n == hot_types[i].len && memcmp(s, hot_types[i].name, n) == 0)
                        return hot_types[i].type;
        /* UNKNOWN[1420]: a type this auditd had no name for; numeric types as
         * in kernel messages (type=1400). */
        if (n > 9 && memcmp(s, "UNKNOWN[", 8) == 0 && s[n - 1] == ']' &&
            audit_parse_u64((struct audit_str) { s + 8, n - 9 }, 10, &v) >= 0 && v <= 65535)
                return (int) v;
        if (n > 0 && n <= 5 && s[0] >= '0' && s[0] <= '9' && audit_parse_u64((struct audit_str) { s, n }, 10, &v) >= 0)
                return (int) v;
        t = bsearch(&k, type_names, sizeof(type_names) / sizeof(type_names[0]), sizeof(type_names[0]),
                    cmp_type_name);
        return t ? t->type : AUDIT_TYPE_UNKNOWN;
}

const char *audit_type_to_name(int type)
{
        size_t i;

        for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (type_names[i].type == type)
                        return type_names[i].name;
        return NULL;
}

size_t audit_str_to_cstr(char *dst, size_t size, struct audit_str s)
{
        size_t n = s.s ? strnlen(s.s, s.len) : 0;

        if (n >= size)
                n = size - 1;
        if (n)
                memcpy(dst, s.s, n);
        dst[n] = '\0';
        return n;
}

bool audit_str_eq(struct audit_str s, const char *lit)
{
        size_t n = strlen(lit);

        return s.len == n && memcmp(s.s, lit, n) == 0;
}

/* Digit values plus one (0: not a digit), for bases up to 16. */
static const unsigned char digit_table[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
        ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int digit_value(char c, unsigned base)
{
        unsigned d = digit_table[(unsigned char) c];

        return d && d <= base ? (int) d - 1 : -1;
}

int audit_parse_u64(struct audit_str s, unsigned base, uint64_t *ret)
{
        uint64_t v = 0, limit;
        unsigned last;
        size_t i;
        int d;

        if (s.len == 0 || s.len > 64)
                return -EBADMSG;
        /* Up to 19 decimal, 21 octal or 15 hex digits cannot overflow: the
         * common case (every number in a log) needs no check per digit. */
        if ((base == 10 && s.len <= 19) || (base == 16 && s.len <= 15) || (base == 8 && s.len <= 21)) {
                for (i = 0; i < s.len; i++) {
                        d = digit_value(s.s[i], base);
                        if (d < 0)
                                return -EBADMSG;
                        v = v * base + (uint64_t) d;
                }
                *ret = v;
                return 0;
        }
        limit = UINT64_MAX / base;
        last = (unsigned) (UINT64_MAX % base);
        for (i = 0; i < s.len; i++) {
                d = digit_value(s.s[i], base);
                if (d < 0 || v > limit || (v == limit && (unsigned) d > last))
                        return -EBADMSG;
                v = v * base + (uint64_t) d;
        }
        *ret = v;
        return 0;
}

int audit_parse_i64(struct audit_str s, int64_t *ret)
{
        bool neg = s.len > 0 && s.s[0] == '-';
        uint64_t v;
        int r;

        if (neg) {
                s.s++;
                s.len--;
        }
        r = audit_parse_u64(s, 10, &v);
        if (r < 0)
                return r;
        if (v > (uint64_t) INT64_MAX + neg)
                return -EBADMSG;
        *ret = neg ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

bool audit_is_hex(const char *s, size_t n)
{
        return n % 2 == 0 && hex_valid(s, n, false);
}

int audit_unhex(const char *s, size_t n, char *out)
{
        return hex_decode(s, n, out);
}

enum audit_value_kind audit_value_decode(const char *line, const struct audit_field *f, char *out,
                                         struct audit_str *ret)
{
        struct audit_str v = audit_field_raw(line, f);

        *ret = v;
        if (f->flags & AUDIT_FIELD_QUOTED)
                return AUDIT_VALUE_TEXT;
        if (audit_str_eq(v, "(null)") || audit_str_eq(v, "(none)")) {
                ret->len = 0;
                return AUDIT_VALUE_NULL;
        }
        if (audit_str_eq(v, "?")) {
                ret->len = 0;
                return AUDIT_VALUE_UNSET;
        }
        /* One pass: a non-hex digit stops it and the value is text. */
        if (v.len && v.len % 2 == 0 && audit_unhex(v.s, v.len, out) >= 0) {
                *ret = (struct audit_str) { out, v.len / 2 };
                return AUDIT_VALUE_HEX;
        }
        return AUDIT_VALUE_TEXT;
}

const struct audit_field *audit_fields_find(const char *line, const struct audit_field *fields, size_t n,
                                            const char *name, bool enriched)
{
        size_t len = strlen(name), i;

        for (i = 0; i < n; i++) {
                const struct audit_field *f = &fields[i];

                if (f->name_len == len && !(f->flags & AUDIT_FIELD_ENRICHED) == !enriched &&
                    memcmp(line + f->name, name, len) == 0)
                        return f;
        }
        return NULL;
}

/* Cursor over the header: bounded, never reads past end. */
static bool take(const char **p, const char *end, const char *lit, size_t n)
{
        if ((size_t) (end - *p) < n || memcmp(*p, lit, n) != 0)
                return false;
        *p += n;
        return true;
}

static void skip_spaces(const char **p, const char *end)
{
        while (*p < end && **p == ' ')
                (*p)++;
}

static const char *token_end(const char *p, const char *end)
{
        while (p < end && *p != ' ')
                p++;
        return p;
}

static bool take_number(const char **p, const char *end, size_t max_digits, uint64_t *ret, size_t *ret_digits)
{
        const char *s = *p;

        while (*p < end && **p >= '0' && **p <= '9' && (size_t) (*p - s) < max_digits)
                (*p)++;
        if (*p == s)
                return false;
        if (ret_digits)
                *ret_digits = (size_t) (*p - s);
        return audit_parse_u64((struct audit_str) { s, (size_t) (*p - s) }, 10, ret) >= 0;
}

/* Bytes that end an unquoted value: a space, the ENRICHED separator. */
static bool ends_value(char c)
{
        return c == ' ' || c == GS;
}

/* The bytes where the scan of a name or an unquoted value stops to look:
 * its end (a space, the ENRICHED separator, '=' after a name) and a quote,
 * which may close msg='...'. One table lookup per byte. */
static const bool stops_name[256] = { [' '] = true, [GS] = true, ['='] = true, ['\''] = true };
static const bool stops_value[256] = { [' '] = true, [GS] = true, ['\''] = true };

/* Inside msg='...', a quote followed by a boundary closes it; a quote
 * elsewhere (o'neil) is part of the value. */
static bool closes_nested(const char *p, const char *end)
{
        return *p == '\'' && (p + 1 == end || ends_value(p[1]));
}

static void parse_fields(struct audit_record *r, const char *p, const char *end)
{
        const char *line = r->line;
        size_t container = SIZE_MAX;
        bool enriched = false;
        const char *gs = memchr(p, GS, (size_t) (end - p));     /* the ENRICHED part, if any */

        r->n_fields = 0;
        if (!gs)
                gs = end;
        while (p < end) {
                const char *name, *eq, *v, *q;
                uint16_t flags;
                size_t vlen;

                if (*p == ' ') {
                        p++;
                        continue;
                }
                if (*p == GS || (container != SIZE_MAX && closes_nested(p, end))) {
                        if (container != SIZE_MAX) {
                                r->fields[container].value_len = (uint32_t) (p - line - r->fields[container].value);
                                if (*p == GS) {
                                        r->fields[container].flags |= AUDIT_FIELD_UNTERMINATED;
                                        r->flags |= AUDIT_RECORD_UNTERMINATED;
                                }
                                container = SIZE_MAX;
                        }
                        if (*p == GS)
                                enriched = true;
                        p++;
                        continue;
                }

                name = p;
                for (;;) {
                        while (p < end && !stops_name[(unsigned char) *p])
                                p++;
                        /* A quote stops a name only where it closes msg='...'. */
                        if (p < end && *p == '\'' && !(container != SIZE_MAX && closes_nested(p, end))) {
                                p++;
                                continue;
                        }
                        break;
                }
                if (p == end || *p != '=' || p == name || p - name > UINT16_MAX) {
                        /* A word that is not key=value: skip it. */
                        if (p == name)
                                p++;
                        continue;
                }
                flags = (uint16_t) ((container != SIZE_MAX ? AUDIT_FIELD_NESTED : 0) |
                                    (enriched ? AUDIT_FIELD_ENRICHED : 0));
                eq = p++;
                if (p < end && *p == '"') {
                        v = p + 1;
                        q = memchr(v, '"', (size_t) (end - v));
                        flags |= AUDIT_FIELD_QUOTED;
                        if (!q) {
                                q = end;
                                flags |= AUDIT_FIELD_UNTERMINATED;
                                r->flags |= AUDIT_RECORD_UNTERMINATED;
                        }
                        vlen = (size_t) (q - v);
                        p = q < end ? q + 1 : end;
                } else if (p < end && *p == '\'' && container == SIZE_MAX && !enriched) {
                        /* msg='...': the container, then its fields. Its length is
                         * known when the closing quote is. */
                        v = p + 1;
                        vlen = (size_t) (end - v);
                        flags |= AUDIT_FIELD_CONTAINER;
                        p++;
                        container = r->n_fields;
                } else if (p < end && *p == '{' && enriched) {
                        /* ENRICHED SADDR={ fam=inet laddr=... }. */
                        v = p;
                        q = memchr(v, '}', (size_t) (end - v));
                        p = q ? q + 1 : end;
                        vlen = (size_t) (p - v);
                } else {
                        v = p;
                        if (container == SIZE_MAX) {
                                /* Outside msg='...' only a space or the separator ends
                                 * it: memchr over long hex values, the separator's
                                 * position known once per line. */
                                const char *sp;

                                if (gs < p)     /* past a separator: is there another? */
                                        gs = memchr(p, GS, (size_t) (end - p)) ?: end;
                                sp = memchr(p, ' ', (size_t) (gs - p));
                                p = sp ? sp : gs;
                                vlen = (size_t) (p - v);
                                goto add;
                        }
                        for (;;) {
                                while (p < end && !stops_value[(unsigned char) *p])
                                        p++;
                                if (p < end && *p == '\'' && !(container != SIZE_MAX && closes_nested(p, end))) {
                                        p++;
                                        continue;
                                }
                                break;
                        }
                        vlen = (size_t) (p - v);
                }
        add:
                if (r->n_fields >= AUDIT_RECORD_MAX_FIELDS) {
                        r->flags |= AUDIT_RECORD_FIELDS_TRUNCATED;
                        container = SIZE_MAX;
                        continue;
                }
                r->fields[r->n_fields++] = (struct audit_field) {
                        .name = (uint32_t) (name - line),
                        .name_len = (uint16_t) (eq - name),
                        .value = (uint32_t) (v - line),
                        .value_len = (uint32_t) vlen,
                        .flags = flags,
                };
        }
        if (container != SIZE_MAX) {
                r->fields[container].flags |= AUDIT_FIELD_UNTERMINATED;
                r->flags |= AUDIT_RECORD_UNTERMINATED;
        }
}

int audit_record_parse(const char *line, size_t len, struct audit_record *ret)
{
        const char *p = line, *end = line + len, *node = NULL, *type, *q;
        size_t node_len = 0, digits;
        uint64_t sec, frac, serial;
        int t;

        if (len > AUDIT_RECORD_MAX_LEN)
                return -E2BIG;
        if (p < end && end[-1] == '\r')
                end--;
        skip_spaces(&p, end);
        if (take(&p, end, "node=", 5)) {
                node = p;
                p = token_end(p, end);
                node_len = (size_t) (p - node);
                skip_spaces(&p, end);
        }
        if (!take(&p, end, "type=", 5))
                return -EBADMSG;
        type = p;
        p = token_end(p, end);
        if (p == type || p - type > 64)
                return -EBADMSG;
        q = p;
        skip_spaces(&p, end);
        (void) take(&p, end, "msg=", 4);
        if (!take(&p, end, "audit(", 6) || !take_number(&p, end, 20, &sec, NULL) || !take(&p, end, ".", 1) ||
            !take_number(&p, end, 9, &frac, &digits) || !take(&p, end, ":", 1) ||
            !take_number(&p, end, 20, &serial, NULL) || !take(&p, end, ")", 1))
                return -EBADMSG;
        (void) take(&p, end, ":", 1);
        t = audit_type_from_name(type, (size_t) (q - type));

        /* Milliseconds from however many fraction digits were written. */
        for (; digits < 3; digits++)
                frac *= 10;
        for (; digits > 3; digits--)
                frac /= 10;

        ret->line = line;
        ret->len = len;
        ret->type = t;
        ret->flags = 0;
        ret->node = (uint32_t) (node ? node - line : 0);
        ret->node_len = (uint32_t) node_len;
        ret->type_name = (uint32_t) (type - line);
        ret->type_len = (uint32_t) (q - type);
        ret->sec = sec;
        ret->msec = (uint32_t) frac;
        ret->serial = serial;
        parse_fields(ret, p, end);
        return 0;
}
