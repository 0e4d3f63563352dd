/* Members of rendered ECS lines; see event.h. */
#define _GNU_SOURCE
#include "agent/event.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "basic/sha256.h"
#include "rules/rules.h"

/* The index past the JSON string starting at p[i] == '"', or len. */
static size_t skip_string(const char *p, size_t len, size_t i)
{
        for (i++; i < len; i++) {
                if (p[i] == '\\')
                        i++;
                else if (p[i] == '"')
                        return i + 1;
        }
        return len;
}

/* The index past the scalar starting at p[i] (a number, true, false, null). */
static size_t skip_scalar(const char *p, size_t len, size_t i)
{
        while (i < len && p[i] != ',' && p[i] != '}' && p[i] != ']')
                i++;
        return i;
}

/* In the object starting at p[start] == '{': the value of member key, when
 * it is a string or a scalar. With key NULL: the object of member 'object'
 * of the top level instead (*ret at its '{'). */
static bool find_member(const char *p, size_t len, size_t start, const char *key, bool want_object,
                        const char **ret, size_t *ret_n)
{
        size_t klen = strlen(key);
        int depth = 0;
        bool in_key = true;

        for (size_t i = start; i < len;) {
                char c = p[i];

                if (c == '"') {
                        size_t end = skip_string(p, len, i);

                        if (depth == 1 && in_key && end - i == klen + 2 && memcmp(p + i + 1, key, klen) == 0 &&
                            end < len && p[end] == ':' && end + 1 < len) {
                                size_t v = end + 1;

                                if (want_object) {
                                        if (p[v] != '{')
                                                return false;
                                        *ret = p + v;
                                        *ret_n = len - v;
                                        return true;
                                }
                                if (p[v] == '"') {
                                        size_t vend = skip_string(p, len, v);

                                        if (vend > len || vend < v + 2 || p[vend - 1] != '"')
                                                return false;
                                        *ret = p + v + 1;
                                        *ret_n = vend - v - 2;
                                        return true;
                                }
                                if (p[v] == '{' || p[v] == '[')
                                        return false;
                                *ret = p + v;
                                *ret_n = skip_scalar(p, len, v) - v;
                                return *ret_n > 0;
                        }
                        i = end;
                        continue;
                }
                if (c == '{' || c == '[') {
                        depth++;
                        in_key = true;
                } else if (c == '}' || c == ']') {
                        if (--depth == 0)
                                return false;
                } else if (c == ':')
                        in_key = false;
                else if (c == ',')
                        in_key = true;
                i++;
        }
        return false;
}

bool agent_json_member(const char *json, size_t len, const char *object, const char *key, const char **ret,
                       size_t *ret_n)
{
        const char *obj;
        size_t n;

        if (len == 0 || json[0] != '{')
                return false;
        if (!object)
                return find_member(json, len, 0, key, false, ret, ret_n);
        if (!find_member(json, len, 0, object, true, &obj, &n))
                return false;
        return find_member(obj, n, 0, key, false, ret, ret_n);
}

int agent_event_id(const char *json, size_t len, char out[AGENT_EVENT_ID_MAX])
{
        static const char hexd[] = "0123456789abcdef";
        uint8_t digest[SHA256_LEN];
        const char *id;
        size_t n;
        int r;

        if (agent_json_member(json, len, "event", "id", &id, &n) && n > 0 && n < AGENT_EVENT_ID_MAX) {
                bool ok = true;

                for (size_t i = 0; i < n && ok; i++)
                        ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
                             (id[i] >= 'A' && id[i] <= 'F') || id[i] == '-';
                if (ok) {
                        for (size_t i = 0; i < n; i++)
                                out[i] = (char) (id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
                        out[n] = '\0';
                        return 0;
                }
        }
        r = sha256_buf(json, len, digest);
        if (r < 0)
                return r;
        for (size_t i = 0; i < SHA256_LEN; i++) {
                out[2 * i] = hexd[digest[i] >> 4];
                out[2 * i + 1] = hexd[digest[i] & 15];
        }
        out[2 * SHA256_LEN] = '\0';
        return 0;
}

int agent_event_severity(const char *json, size_t len)
{
        const char *v;
        size_t n;
        int num = 0;

        if (!agent_json_member(json, len, "event", "severity", &v, &n))
                return SEVERITY_LOW;
        for (size_t i = 0; i < n && i < 4 && v[i] >= '0' && v[i] <= '9'; i++)
                num = num * 10 + (v[i] - '0');
        return num >= 99 ? SEVERITY_CRITICAL : num >= 73 ? SEVERITY_HIGH : num >= 47 ? SEVERITY_MEDIUM : SEVERITY_LOW;
}
