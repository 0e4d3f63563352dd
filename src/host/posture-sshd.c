/* Posture: sshd's effective configuration, computed as OpenSSH 9.2's sshd
 * computes it (servconf.c), for user root and the --ssh-user name.
 *
 * sshd reads /etc/ssh/sshd_config twice. The first pass (no connection)
 * applies the directives outside Match blocks and inside "Match all"; the
 * second pass (the connection: user, host, address, ...) applies only the
 * directives of the Match blocks that match it; a value the second pass set
 * replaces the first pass's (copy_set_server_options), for the keywords a
 * Match block may hold. Within a pass the first value obtained wins, except
 * AllowUsers / AllowGroups / DenyUsers / DenyGroups, which accumulate, and
 * AuthorizedKeysFile, whose first line wins with all its files. Include
 * globs (relative to /etc/ssh) are expanded in lexical order and read in
 * place; an included file cannot change the includer's Match state, and a
 * file included from a Match block that does not apply never matches. The
 * values are judged (alerts DW-POS-SSH-*), and on an image-mode root
 * compared with what the image's own /usr/etc/ssh configuration gives. Every
 * path is read beneath the root. docs/posture.md, docs/internals/host.md. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "parse/sshd-config.h"

#define SSHD_MAIN "/etc/ssh/sshd_config"
#define SSHD_DIR "/etc/ssh"
#define SSHD_MAX_DEPTH 16               /* servconf.c SERVCONF_MAX_DEPTH */
#define SSHD_MAX_FILES 256              /* distinct files read */
#define SSHD_MAX_PARSES 4096            /* files parsed in one pass (a file included twice is parsed twice) */
#define SSHD_MAX_GLOB 1024              /* names one Include pattern expands to */
#define SSHD_ACCOUNTS_MAX ((size_t) 4 << 20)    /* /etc/passwd, /etc/group */

enum kind {
        K_OTHER,                        /* known, not judged (HostKey, Port, Subsystem, ...) */
        K_INCLUDE,
        K_MATCH,
        K_MULTI,                        /* one word out of a table */
        K_INT,
        K_LIST,                         /* every word of every active line (AllowUsers, ...) */
        K_FILES,                        /* every word of the first active line (AuthorizedKeysFile) */
        K_WORD,                         /* the first word */
        K_COMMAND,                      /* the rest of the line: an absolute path or "none" */
        K_REST,                         /* the rest of the line (ForceCommand) */
        K_USERENV,                      /* "yes", "no" or a pattern list */
};

struct state {
        const char *key;                /* as written (case as the table says) */
        const char *canon;              /* as reported */
        int rank;                       /* higher: weaker */
};

static const struct state flag_states[] = {
        { "yes", "yes", 1 }, { "no", "no", 0 }, { NULL, NULL, 0 },
};
static const struct state root_states[] = {
        { "without-password", "prohibit-password", 2 }, { "prohibit-password", "prohibit-password", 2 },
        { "forced-commands-only", "forced-commands-only", 1 }, { "yes", "yes", 3 }, { "no", "no", 0 },
        { NULL, NULL, 0 },
};
static const struct state gateway_states[] = {
        { "clientspecified", "clientspecified", 1 }, { "yes", "yes", 2 }, { "no", "no", 0 }, { NULL, NULL, 0 },
};
static const struct state fwd_states[] = {
        { "yes", "yes", 2 }, { "all", "yes", 2 }, { "no", "no", 0 }, { "remote", "remote", 1 },
        { "local", "local", 1 }, { NULL, NULL, 0 },
};
static const struct state tunnel_states[] = {   /* strcmp, not strcasecmp (servconf.c sPermitTunnel) */
        { "no", "no", 0 }, { "point-to-point", "point-to-point", 1 }, { "ethernet", "ethernet", 1 },
        { "yes", "yes", 2 }, { NULL, NULL, 0 },
};
static const struct state log_states[] = {      /* log.c log_levels; lower rank: fewer records */
        { "QUIET", "QUIET", 7 }, { "FATAL", "FATAL", 6 }, { "ERROR", "ERROR", 5 }, { "INFO", "INFO", 4 },
        { "VERBOSE", "VERBOSE", 3 }, { "DEBUG", "DEBUG1", 2 }, { "DEBUG1", "DEBUG1", 2 },
        { "DEBUG2", "DEBUG2", 1 }, { "DEBUG3", "DEBUG3", 0 }, { NULL, NULL, 0 },
};

enum setting {
        S_ROOT, S_PASSWORD, S_EMPTY, S_KBD, S_PUBKEY, S_KEYS_FILE, S_KEYS_CMD, S_KEYS_CMD_USER, S_PRINCIPALS,
        S_CA_KEYS, S_PAM, S_USER_ENV, S_ALLOW_USERS, S_ALLOW_GROUPS, S_DENY_USERS, S_DENY_GROUPS, S_FORCE,
        S_GATEWAY, S_TCP_FWD, S_X11, S_TUNNEL, S_LOG, S_MAX_AUTH, S_CIPHERS, S_MACS, S_KEX, S__MAX
};

enum weaken {
        W_NONE,                         /* not compared */
        W_RANK,                         /* a higher rank is weaker */
        W_DIFF,                         /* any difference is an alert (a new trust source, a lifted restriction) */
        W_MORE,                         /* a larger number is weaker */
};

struct setting_info {
        const char *name;
        enum kind kind;
        const struct state *states;
        const char *def;                /* Debian 12's OpenSSH 9.2 compiled-in default (sshd -T); NULL: not reported unset */
        bool match;                     /* may be set in a Match block (copied by copy_set_server_options) */
        bool nocase;                    /* states compared case-insensitively */
        enum weaken weaken;
};

static const struct setting_info settings[S__MAX] = {
        [S_ROOT] = { "PermitRootLogin", K_MULTI, root_states, "prohibit-password", true, true, W_RANK },
        [S_PASSWORD] = { "PasswordAuthentication", K_MULTI, flag_states, "yes", true, true, W_RANK },
        [S_EMPTY] = { "PermitEmptyPasswords", K_MULTI, flag_states, "no", true, true, W_RANK },
        [S_KBD] = { "KbdInteractiveAuthentication", K_MULTI, flag_states, "yes", true, true, W_RANK },
        [S_PUBKEY] = { "PubkeyAuthentication", K_MULTI, flag_states, "yes", true, true, W_NONE },
        [S_KEYS_FILE] = { "AuthorizedKeysFile", K_FILES, NULL, ".ssh/authorized_keys .ssh/authorized_keys2", true,
                          false, W_DIFF },
        [S_KEYS_CMD] = { "AuthorizedKeysCommand", K_COMMAND, NULL, "none", true, false, W_DIFF },
        [S_KEYS_CMD_USER] = { "AuthorizedKeysCommandUser", K_WORD, NULL, "none", true, false, W_DIFF },
        [S_PRINCIPALS] = { "AuthorizedPrincipalsFile", K_WORD, NULL, "none", true, false, W_DIFF },
        [S_CA_KEYS] = { "TrustedUserCAKeys", K_WORD, NULL, "none", true, false, W_DIFF },
        [S_PAM] = { "UsePAM", K_MULTI, flag_states, "no", false, true, W_NONE },
        [S_USER_ENV] = { "PermitUserEnvironment", K_USERENV, NULL, "no", false, false, W_DIFF },
        [S_ALLOW_USERS] = { "AllowUsers", K_LIST, NULL, "", true, false, W_DIFF },
        [S_ALLOW_GROUPS] = { "AllowGroups", K_LIST, NULL, "", true, false, W_DIFF },
        [S_DENY_USERS] = { "DenyUsers", K_LIST, NULL, "", true, false, W_DIFF },
        [S_DENY_GROUPS] = { "DenyGroups", K_LIST, NULL, "", true, false, W_DIFF },
        [S_FORCE] = { "ForceCommand", K_REST, NULL, "none", true, false, W_DIFF },
        [S_GATEWAY] = { "GatewayPorts", K_MULTI, gateway_states, "no", true, true, W_RANK },
        [S_TCP_FWD] = { "AllowTcpForwarding", K_MULTI, fwd_states, "yes", true, true, W_RANK },
        [S_X11] = { "X11Forwarding", K_MULTI, flag_states, "no", true, true, W_RANK },
        [S_TUNNEL] = { "PermitTunnel", K_MULTI, tunnel_states, "no", true, false, W_RANK },
        [S_LOG] = { "LogLevel", K_MULTI, log_states, "INFO", true, true, W_RANK },
        [S_MAX_AUTH] = { "MaxAuthTries", K_INT, NULL, "6", true, false, W_MORE },
        [S_CIPHERS] = { "Ciphers", K_WORD, NULL, NULL, false, false, W_NONE },
        [S_MACS] = { "MACs", K_WORD, NULL, NULL, false, false, W_NONE },
        [S_KEX] = { "KexAlgorithms", K_WORD, NULL, NULL, false, false, W_NONE },
};

struct keyword {
        const char *name;               /* lowercase */
        int setting;                    /* -1: not judged */
        enum kind kind;                 /* for setting -1: K_OTHER, K_INCLUDE or K_MATCH */
        bool match;                     /* SSHCFG_MATCH: allowed in a Match block */
};

/* servconf.c keywords[] of OpenSSH 9.2p1 as Debian 12 builds it (PAM,
 * GSSAPI with Debian's key exchange patch, Kerberos), aliases included. */
static const struct keyword keywords[] = {
        { "usepam", S_PAM, 0, false },
        { "pamauthenticationviakbdint", -1, K_OTHER, false },
        { "port", -1, K_OTHER, false },
        { "hostkey", -1, K_OTHER, false },
        { "hostdsakey", -1, K_OTHER, false },
        { "hostkeyagent", -1, K_OTHER, false },
        { "pidfile", -1, K_OTHER, false },
        { "modulifile", -1, K_OTHER, false },
        { "serverkeybits", -1, K_OTHER, false },
        { "logingracetime", -1, K_OTHER, false },
        { "keyregenerationinterval", -1, K_OTHER, false },
        { "permitrootlogin", S_ROOT, 0, true },
        { "syslogfacility", -1, K_OTHER, false },
        { "loglevel", S_LOG, 0, true },
        { "logverbose", -1, K_OTHER, true },
        { "rhostsauthentication", -1, K_OTHER, false },
        { "rhostsrsaauthentication", -1, K_OTHER, true },
        { "hostbasedauthentication", -1, K_OTHER, true },
        { "hostbasedusesnamefrompacketonly", -1, K_OTHER, true },
        { "hostbasedacceptedalgorithms", -1, K_OTHER, true },
        { "hostbasedacceptedkeytypes", -1, K_OTHER, true },
        { "hostkeyalgorithms", -1, K_OTHER, false },
        { "rsaauthentication", -1, K_OTHER, true },
        { "pubkeyauthentication", S_PUBKEY, 0, true },
        { "pubkeyacceptedalgorithms", -1, K_OTHER, true },
        { "pubkeyacceptedkeytypes", -1, K_OTHER, true },
        { "pubkeyauthoptions", -1, K_OTHER, true },
        { "dsaauthentication", S_PUBKEY, 0, false },
        { "kerberosauthentication", -1, K_OTHER, true },
        { "kerberosorlocalpasswd", -1, K_OTHER, false },
        { "kerberosticketcleanup", -1, K_OTHER, false },
        { "kerberosgetafstoken", -1, K_OTHER, false },
        { "kerberostgtpassing", -1, K_OTHER, false },
        { "afstokenpassing", -1, K_OTHER, false },
        { "gssapiauthentication", -1, K_OTHER, true },
        { "gssapicleanupcredentials", -1, K_OTHER, false },
        { "gssapistrictacceptorcheck", -1, K_OTHER, false },
        { "gssapikeyexchange", -1, K_OTHER, false },
        { "gssapistorecredentialsonrekey", -1, K_OTHER, false },
        { "gssapikexalgorithms", -1, K_OTHER, false },
        { "passwordauthentication", S_PASSWORD, 0, true },
        { "kbdinteractiveauthentication", S_KBD, 0, true },
        { "challengeresponseauthentication", S_KBD, 0, true },
        { "skeyauthentication", S_KBD, 0, true },
        { "checkmail", -1, K_OTHER, false },
        { "listenaddress", -1, K_OTHER, false },
        { "addressfamily", -1, K_OTHER, false },
        { "printmotd", -1, K_OTHER, false },
        { "printlastlog", -1, K_OTHER, false },
        { "ignorerhosts", -1, K_OTHER, true },
        { "ignoreuserknownhosts", -1, K_OTHER, false },
        { "x11forwarding", S_X11, 0, true },
        { "x11displayoffset", -1, K_OTHER, true },
        { "x11uselocalhost", -1, K_OTHER, true },
        { "xauthlocation", -1, K_OTHER, false },
        { "strictmodes", -1, K_OTHER, false },
        { "permitemptypasswords", S_EMPTY, 0, true },
        { "permituserenvironment", S_USER_ENV, 0, false },
        { "uselogin", -1, K_OTHER, false },
        { "compression", -1, K_OTHER, false },
        { "rekeylimit", -1, K_OTHER, true },
        { "tcpkeepalive", -1, K_OTHER, false },
        { "keepalive", -1, K_OTHER, false },
        { "allowtcpforwarding", S_TCP_FWD, 0, true },
        { "allowagentforwarding", -1, K_OTHER, true },
        { "allowusers", S_ALLOW_USERS, 0, true },
        { "denyusers", S_DENY_USERS, 0, true },
        { "allowgroups", S_ALLOW_GROUPS, 0, true },
        { "denygroups", S_DENY_GROUPS, 0, true },
        { "ciphers", S_CIPHERS, 0, false },
        { "macs", S_MACS, 0, false },
        { "protocol", -1, K_OTHER, false },
        { "gatewayports", S_GATEWAY, 0, true },
        { "subsystem", -1, K_OTHER, false },
        { "maxstartups", -1, K_OTHER, false },
        { "persourcemaxstartups", -1, K_OTHER, false },
        { "persourcenetblocksize", -1, K_OTHER, false },
        { "maxauthtries", S_MAX_AUTH, 0, true },
        { "maxsessions", -1, K_OTHER, true },
        { "banner", -1, K_OTHER, true },
        { "usedns", -1, K_OTHER, false },
        { "verifyreversemapping", -1, K_OTHER, false },
        { "reversemappingcheck", -1, K_OTHER, false },
        { "clientaliveinterval", -1, K_OTHER, true },
        { "clientalivecountmax", -1, K_OTHER, true },
        { "authorizedkeysfile", S_KEYS_FILE, 0, true },
        { "authorizedkeysfile2", -1, K_OTHER, true },
        { "useprivilegeseparation", -1, K_OTHER, false },
        { "acceptenv", -1, K_OTHER, true },
        { "setenv", -1, K_OTHER, true },
        { "permittunnel", S_TUNNEL, 0, true },
        { "permittty", -1, K_OTHER, true },
        { "permituserrc", -1, K_OTHER, true },
        { "match", -1, K_MATCH, true },
        { "permitopen", -1, K_OTHER, true },
        { "permitlisten", -1, K_OTHER, true },
        { "forcecommand", S_FORCE, 0, true },
        { "chrootdirectory", -1, K_OTHER, true },
        { "hostcertificate", -1, K_OTHER, false },
        { "revokedkeys", -1, K_OTHER, true },
        { "trustedusercakeys", S_CA_KEYS, 0, true },
        { "authorizedprincipalsfile", S_PRINCIPALS, 0, true },
        { "kexalgorithms", S_KEX, 0, false },
        { "include", -1, K_INCLUDE, true },
        { "ipqos", -1, K_OTHER, true },
        { "authorizedkeyscommand", S_KEYS_CMD, 0, true },
        { "authorizedkeyscommanduser", S_KEYS_CMD_USER, 0, true },
        { "authorizedprincipalscommand", -1, K_OTHER, true },
        { "authorizedprincipalscommanduser", -1, K_OTHER, true },
        { "versionaddendum", -1, K_OTHER, false },
        { "authenticationmethods", -1, K_OTHER, true },
        { "streamlocalbindmask", -1, K_OTHER, true },
        { "streamlocalbindunlink", -1, K_OTHER, true },
        { "allowstreamlocalforwarding", -1, K_OTHER, true },
        { "fingerprinthash", -1, K_OTHER, false },
        { "disableforwarding", -1, K_OTHER, true },
        { "exposeauthinfo", -1, K_OTHER, true },
        { "rdomain", -1, K_OTHER, true },
        { "casignaturealgorithms", -1, K_OTHER, true },
        { "securitykeyprovider", -1, K_OTHER, false },
        { "requiredrsasize", -1, K_OTHER, true },
        { "channeltimeout", -1, K_OTHER, true },
        { "unusedconnectiontimeout", -1, K_OTHER, true },
        { "debianbanner", -1, K_OTHER, false },
};

/* The connection the second pass is made for (sshd -T -C): NULL / -1 is
 * "not given", which no criterion on it matches (test mode). */
struct sshd_conn {
        const char *user, *host, *addr, *laddr, *rdomain;
        int lport;
};

struct value {
        bool set;
        char *v;
        const char *file;               /* owned by the file cache */
        unsigned line;
};

struct opts {
        struct value s[S__MAX];
};

struct cfile {
        char *path;
        struct sshd_config *cfg;
};

struct include_item {
        char *selector;
        struct cfile *file;             /* NULL: the pattern matched nothing */
};

struct accounts {
        bool loaded, exists;
        struct strv groups;             /* of the user the connection names */
};

struct sshd_eval {
        struct posture *pc;
        const char *prefix;             /* "" for /etc, "/usr" for the image's /usr/etc */
        struct cfile **files;
        size_t n_files;
        struct include_item *incl;
        size_t n_incl;
        const struct cfile *stack[SSHD_MAX_DEPTH + 2];
        unsigned parses;
        /* the first error: sshd would refuse the configuration */
        char *err_file, *err_reason;
};

struct pass {
        struct sshd_eval *x;
        const struct sshd_conn *ci;     /* NULL: the first pass */
        struct opts *o;
        struct accounts *acct;
};

#define SSHCFG_NEVERMATCH 0x04
#define SSHCFG_MATCH_ONLY 0x08

static void opts_release(struct opts *o)
{
        size_t i;

        for (i = 0; i < S__MAX; i++)
                free(o->s[i].v);
        *o = (struct opts) { 0 };
}

static void eval_release(struct sshd_eval *x)
{
        size_t i;

        for (i = 0; i < x->n_files; i++) {
                free(x->files[i]->path);
                sshd_config_free(x->files[i]->cfg);
                free(x->files[i]);
        }
        free(x->files);
        for (i = 0; i < x->n_incl; i++)
                free(x->incl[i].selector);
        free(x->incl);
        free(x->err_file);
        free(x->err_reason);
}

_printf_(4, 5) static int fail(struct sshd_eval *x, const char *file, unsigned line, const char *fmt, ...)
{
        _cleanup_(freep) char *what = NULL;
        va_list ap;
        int r;

        if (x->err_file)
                return -EBADMSG;
        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        x->err_file = strdup(file);
        if (!x->err_file)
                return -ENOMEM;
        if ((line ? asprintf(&x->err_reason, "line %u: %s", line, what)
                  : asprintf(&x->err_reason, "%s", what)) < 0) {
                x->err_reason = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/* ---- Patterns (match.c, addr.c) ---- */

/* match_pattern(): '*' and '?' wildcards; iterative, linear in practice. */
static bool match_pattern(const char *s, const char *p)
{
        const char *star = NULL, *back = NULL;

        while (*s) {
                if (*p == '*') {
                        star = ++p;
                        back = s;
                } else if (*p && (*p == '?' || *p == *s)) {
                        p++;
                        s++;
                } else if (star) {
                        p = star;
                        s = ++back;
                } else {
                        return false;
                }
        }
        while (*p == '*')
                p++;
        return !*p;
}

/* match_pattern_list(): 1 a pattern matches, -1 a negated one does, 0 none. */
static int match_list(const char *s, const char *list, bool dolower)
{
        bool positive = false;
        const char *p = list;

        while (*p) {
                char sub[1024];
                bool neg = *p == '!';
                size_t n = 0;

                if (neg)
                        p++;
                for (; *p && *p != ',' && n < sizeof(sub) - 1; p++, n++)
                        sub[n] = dolower ? (char) tolower((unsigned char) *p) : *p;
                if (n >= sizeof(sub) - 1)
                        return 0;       /* a subpattern too long: no match */
                if (*p == ',')
                        p++;
                sub[n] = '\0';
                if (match_pattern(s, sub)) {
                        if (neg)
                                return -1;
                        positive = true;
                }
        }
        return positive;
}

struct xaddr {
        int af;
        unsigned char a[16];
};

static int addr_parse(const char *s, struct xaddr *ret)
{
        if (inet_pton(AF_INET, s, ret->a) == 1)
                ret->af = AF_INET;
        else if (inet_pton(AF_INET6, s, ret->a) == 1)
                ret->af = AF_INET6;
        else
                return -1;
        return 0;
}

/* addr_pton_cidr(): 0, -1 not an address (a wildcard pattern then), -2 a
 * bad mask or host bits set. */
static int addr_parse_cidr(const char *s, struct xaddr *ret, unsigned *ret_len)
{
        char buf[64], *slash, *end;
        unsigned long len = 999;
        size_t i, max;

        if (strlen(s) >= sizeof(buf))
                return -1;
        strcpy(buf, s);
        slash = strchr(buf, '/');
        if (slash) {
                *slash++ = '\0';
                len = strtoul(slash, &end, 10);
                if (*slash < '0' || *slash > '9' || *end || len > 128)
                        return -1;
        }
        if (addr_parse(buf, ret) < 0)
                return -1;
        max = ret->af == AF_INET ? 32 : 128;
        if (!slash)
                len = max;
        if (len > max)
                return -2;
        for (i = len; i < max; i++)
                if (ret->a[i / 8] & (0x80 >> (i % 8)))
                        return -2;
        *ret_len = (unsigned) len;
        return 0;
}

/* addr_match_list(): 1, 0, -1 a negated entry matched, -2 a bad entry. */
static int addr_match_list(const char *addr, const char *list)
{
        _cleanup_(freep) char *copy = strdup(list);
        struct xaddr a = { 0 }, net;
        char *p, *cp;
        unsigned len, i;
        int ret = 0;

        if (!copy)
                return -2;
        if (addr && addr_parse(addr, &a) < 0)
                return 0;
        for (p = copy; (cp = strsep(&p, ","));) {
                bool neg = *cp == '!', found = false;
                int r;

                if (neg)
                        cp++;
                if (!*cp)
                        return -2;
                r = addr_parse_cidr(cp, &net, &len);
                if (r == -2)
                        return -2;
                if (r == 0) {
                        if (addr && a.af == net.af) {
                                found = true;
                                for (i = 0; i < len; i++)
                                        if ((a.a[i / 8] ^ net.a[i / 8]) & (0x80 >> (i % 8)))
                                                found = false;
                        }
                } else if (addr && match_pattern(addr, cp)) {
                        found = true;
                }
                if (found) {
                        if (neg)
                                return -1;
                        ret = 1;
                }
        }
        return ret;
}

/* a2port(): 0..65535, -1 otherwise (service names are not looked up). */
static int a2port(const char *s)
{
        char *end;
        long v;

        if (!*s || !isdigit((unsigned char) *s))
                return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        return errno || *end || v > 65535 ? -1 : (int) v;
}

/* ---- The root's accounts, for Match Group (getpwnam + getgrouplist) ---- */

static int load_accounts(struct sshd_eval *x, const char *user, struct accounts *ret)
{
        _cleanup_(freep) char *pw = NULL, *gr = NULL;
        char *line, *p;
        size_t len;
        long gid = -1;
        int r;

        ret->loaded = true;
        r = posture_read(x->pc, "/etc/passwd", SSHD_ACCOUNTS_MAX, &pw, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* no user: Match Group does not match (as getpwnam failing) */
        for (p = pw; (line = strsep(&p, "\n"));) {
                char *name = strsep(&line, ":");

                if (line && strcmp(name, user) == 0 && strsep(&line, ":") && strsep(&line, ":") && line) {
                        gid = strtol(line, NULL, 10);
                        ret->exists = true;
                        break;
                }
        }
        if (!ret->exists)
                return 0;
        r = posture_read(x->pc, "/etc/group", SSHD_ACCOUNTS_MAX, &gr, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        for (p = gr; (line = strsep(&p, "\n"));) {
                char *name = strsep(&line, ":"), *g, *members, *m;
                bool member;

                if (!line || !strsep(&line, ":") || !(g = strsep(&line, ":")))
                        continue;
                members = line ? line : (char *) "";
                member = *g && strtol(g, NULL, 10) == gid;
                while (!member && (m = strsep(&members, ",")))
                        member = strcmp(m, user) == 0;
                if (member && strv_push(&ret->groups, name) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* ga_match_pattern_list(): a group of the user matches and none is negated. */
static int match_group(struct pass *ps, const char *list)
{
        bool found = false;
        size_t i;
        int r;

        if (!ps->acct->loaded) {
                r = load_accounts(ps->x, ps->ci->user, ps->acct);
                if (r < 0)
                        return r;
        }
        for (i = 0; i < ps->acct->groups.n; i++)
                switch (match_list(ps->acct->groups.v[i], list, false)) {
                case -1:
                        return 0;
                case 1:
                        found = true;
                }
        return found;
}

/* match_cfg_line(): 1 the block applies, 0 not, or -EBADMSG (reported). */
static int match_line(struct pass *ps, const struct cfile *f, const struct sshd_directive *d,
                      const struct sshd_conn *ci)
{
        _cleanup_(freep) char *copy = strdup(d->rest);
        char *cp = copy, *attrib, *arg;
        unsigned n = 0;
        int result = 1, r;

        if (!copy)
                return -ENOMEM;
        while ((attrib = sshd_strdelim(&cp)) && *attrib) {
                if (*attrib == '#')
                        break;
                n++;
                if (strcasecmp(attrib, "all") == 0) {
                        if (n > 1 || ((arg = sshd_strdelim(&cp)) && *arg && *arg != '#'))
                                return fail(ps->x, f->path, d->line, "'all' cannot be combined with other Match "
                                            "attributes");
                        return 1;
                }
                arg = sshd_strdelim(&cp);
                if (!arg || !*arg || *arg == '#')
                        return fail(ps->x, f->path, d->line, "missing Match criteria for %.64s", attrib);
                if (strcasecmp(attrib, "user") == 0) {
                        if (!ci || !ci->user || match_list(ci->user, arg, false) != 1)
                                result = 0;
                } else if (strcasecmp(attrib, "group") == 0) {
                        if (!ci || !ci->user) {
                                result = 0;
                                continue;
                        }
                        r = match_group(ps, arg);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                result = 0;
                } else if (strcasecmp(attrib, "host") == 0) {
                        _cleanup_(freep) char *host = ci && ci->host ? strdup(ci->host) : NULL;
                        char *h;

                        if (!host) {
                                result = 0;
                                continue;
                        }
                        for (h = host; *h; h++)
                                *h = (char) tolower((unsigned char) *h);
                        if (match_list(host, arg, true) != 1)
                                result = 0;
                } else if (strcasecmp(attrib, "address") == 0 || strcasecmp(attrib, "localaddress") == 0) {
                        const char *a = !ci ? NULL : attrib[0] == 'a' || attrib[0] == 'A' ? ci->addr : ci->laddr;

                        r = addr_match_list(a, arg);
                        if (r == -2 || (!a && r != 0))
                                return fail(ps->x, f->path, d->line, "invalid Match %.64s argument '%.64s'",
                                            attrib, arg);
                        if (r != 1)
                                result = 0;
                } else if (strcasecmp(attrib, "localport") == 0) {
                        int port = a2port(arg);

                        if (port < 0)
                                return fail(ps->x, f->path, d->line, "invalid LocalPort '%.64s' on Match line", arg);
                        if (!ci || ci->lport < 0 || port != ci->lport)
                                result = 0;
                } else if (strcasecmp(attrib, "rdomain") == 0) {
                        if (!ci || !ci->rdomain || match_list(ci->rdomain, arg, false) != 1)
                                result = 0;
                } else {
                        return fail(ps->x, f->path, d->line, "unsupported Match attribute %.64s", attrib);
                }
        }
        if (n == 0)
                return fail(ps->x, f->path, d->line, "one or more attributes required for Match");
        return result;
}

/* ---- Files and includes ---- */

/* An /etc path as the configuration being read sees it: /usr/etc/... for the image's. */
static int map_path(struct sshd_eval *x, const char *path, char **ret)
{
        if (*x->prefix && strncmp(path, "/etc/", 5) == 0)
                return asprintf(ret, "%s%s", x->prefix, path) < 0 ? -ENOMEM : 0;
        return (*ret = strdup(path)) ? 0 : -ENOMEM;
}

static int load_file(struct sshd_eval *x, const char *path, struct cfile **ret)
{
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        struct cfile *f, **v;
        size_t i, len = 0;
        int r;

        for (i = 0; i < x->n_files; i++)
                if (strcmp(x->files[i]->path, path) == 0) {
                        *ret = x->files[i];
                        return 0;
                }
        if (x->n_files >= SSHD_MAX_FILES)
                return fail(x, path, 0, "more than %d configuration files included", SSHD_MAX_FILES);
        f = calloc(1, sizeof(*f));
        v = f ? reallocarray(x->files, x->n_files + 1, sizeof(*v)) : NULL;
        if (!v) {
                free(f);
                return -ENOMEM;
        }
        x->files = v;
        x->files[x->n_files++] = f;
        f->path = strdup(path);
        if (!f->path)
                return -ENOMEM;
        r = posture_read(x->pc, path, SSHD_CONFIG_MAX_BYTES, &text, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(x, path, 0, "%s", posture_read_error(r));
        r = sshd_config_parse(text, len, &f->cfg, &msg);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(x, path, 0, "%s", msg ? msg : strerror(-r));
        *ret = f;
        return 0;
}

static bool has_glob(const char *s)
{
        return strpbrk(s, "*?[") != NULL;
}

/* glob(3) of the absolute pattern beneath the root: each component with a
 * wildcard matched against its directory's names (fnmatch, a leading '.'
 * only by a '.'), the results in strcmp order, as sshd sees them (glob
 * sorts, and sshd does not set a locale). */
static int glob_beneath(struct sshd_eval *x, const char *pattern, struct strv *ret)
{
        _cleanup_(strv_release) struct strv cur = { 0 }, next = { 0 };
        _cleanup_(freep) char *copy = strdup(pattern);
        char *p, *comp;
        size_t i, k;
        int r;

        if (!copy || strv_push(&cur, "") < 0)
                return -ENOMEM;
        for (p = copy; (comp = strsep(&p, "/"));) {
                if (!*comp)
                        continue;
                for (i = 0; i < cur.n; i++) {
                        _cleanup_(freep) char *path = NULL;

                        if (!has_glob(comp)) {
                                if (asprintf(&path, "%s/%s", cur.v[i], comp) < 0 || strv_push(&next, path) < 0)
                                        return -ENOMEM;
                                continue;
                        }
                        {
                                _cleanup_(strv_release) struct strv names = { 0 };

                                r = posture_list(x->pc, *cur.v[i] ? cur.v[i] : "/", "", &names);
                                if (r == -E2BIG)
                                        return fail(x, *cur.v[i] ? cur.v[i] : "/", 0, "more than %d names in the "
                                                    "directory of an Include pattern", POSTURE_MAX_DROPINS);
                                if (r < 0)
                                        continue;       /* not a directory, unreadable: no match, as glob */
                                for (k = 0; k < names.n; k++) {
                                        if (fnmatch(comp, names.v[k], FNM_PERIOD) != 0)
                                                continue;
                                        if (next.n >= SSHD_MAX_GLOB)
                                                return fail(x, pattern, 0, "an Include pattern matching more than "
                                                            "%d names", SSHD_MAX_GLOB);
                                        free(path);
                                        path = NULL;
                                        if (asprintf(&path, "%s/%s", cur.v[i], names.v[k]) < 0 ||
                                            strv_push(&next, path) < 0)
                                                return -ENOMEM;
                                }
                        }
                }
                strv_release(&cur);
                cur = next;
                next = (struct strv) { 0 };
        }
        for (i = 0; i < cur.n; i++) {
                r = posture_exists(x->pc, cur.v[i]);
                if (r < 0 && r != -ENOMEM)
                        r = 0;
                if (r < 0)
                        return r;
                if (r > 0 && strv_push(&next, cur.v[i]) < 0)
                        return -ENOMEM;
        }
        for (i = 1; i < next.n; i++)    /* insertion sort: a glob gives few names */
                for (k = i; k > 0 && strcmp(next.v[k - 1], next.v[k]) > 0; k--) {
                        char *t = next.v[k];

                        next.v[k] = next.v[k - 1];
                        next.v[k - 1] = t;
                }
        *ret = next;
        next = (struct strv) { 0 };
        return 0;
}

static int parse_file(struct pass *ps, const struct cfile *f, int flags, int *active, int depth);

static int add_include(struct sshd_eval *x, const char *selector, struct cfile *f)
{
        struct include_item *v;

        if (x->n_incl >= SSHD_MAX_PARSES)
                return fail(x, selector, 0, "more than %d Include patterns and files", SSHD_MAX_PARSES);
        v = reallocarray(x->incl, x->n_incl + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        x->incl = v;
        x->incl[x->n_incl] = (struct include_item) { .selector = strdup(selector), .file = f };
        if (!x->incl[x->n_incl].selector)
                return -ENOMEM;
        x->n_incl++;
        return 0;
}

static int include_one(struct pass *ps, const char *arg, int *flags, int *active, int depth)
{
        struct sshd_eval *x = ps->x;
        _cleanup_(freep) char *sel = NULL, *mapped = NULL;
        _cleanup_(strv_release) struct strv names = { 0 };
        int oactive = *active, sub = (*flags & SSHCFG_MATCH_ONLY) ? SSHCFG_MATCH_ONLY
                                                                : oactive ? 0 : SSHCFG_NEVERMATCH;
        bool found = false;
        size_t i, n;
        int r;

        if (*arg != '/' && *arg != '~' ? asprintf(&sel, SSHD_DIR "/%s", arg) < 0
                                       : asprintf(&sel, "%s%s", *arg == '~' ? "/" : "", arg) < 0)
                return -ENOMEM;
        /* The cache of patterns already expanded (sshd's include list):
         * the same files again, read as they were the first time. */
        n = x->n_incl;
        for (i = 0; i < n; i++) {
                if (strcmp(x->incl[i].selector, sel) != 0)
                        continue;
                found = true;
                if (x->incl[i].file) {
                        r = parse_file(ps, x->incl[i].file, sub, active, depth + 1);
                        if (r < 0)
                                return r;
                }
                *active = oactive;
        }
        if (found)
                return 0;
        r = map_path(x, sel, &mapped);
        r = r ?: glob_beneath(x, mapped, &names);
        if (r < 0)
                return r;
        if (names.n == 0)
                return add_include(x, sel, NULL);
        for (i = 0; i < names.n; i++) {
                struct cfile *inc;

                r = load_file(x, names.v[i], &inc);
                if (r < 0)
                        return r;
                r = parse_file(ps, inc, sub, active, depth + 1);
                if (r < 0)
                        return r;
                *active = oactive;
                r = add_include(x, sel, inc);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct keyword *lookup(const char *name)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(keywords); i++)
                if (strcasecmp(keywords[i].name, name) == 0)
                        return &keywords[i];
        return NULL;
}

static const struct state *find_state(const struct state *t, const char *s, bool nocase)
{
        for (; t->key; t++)
                if (nocase ? strcasecmp(t->key, s) == 0 : strcmp(t->key, s) == 0)
                        return t;
        return NULL;
}

static char *join_args(const struct sshd_directive *d)
{
        return strv_join(&(const struct strv) { .v = d->args, .n = d->n_args }, " ");
}

/* One judged directive: checked as sshd checks it (in every pass, active or
 * not), then set when active and not yet set (appended for lists). */
static int set_value(struct pass *ps, const struct cfile *f, const struct sshd_directive *d, enum setting s,
                     bool active)
{
        const struct setting_info *si = &settings[s];
        struct value *v = &ps->o->s[s];
        _cleanup_(freep) char *value = NULL;
        const char *rest = d->rest + strspn(d->rest, " \t\r\n");

        switch (si->kind) {
        case K_MULTI: {
                const struct state *st = find_state(si->states, d->args[0], si->nocase);

                if (!st)
                        return fail(ps->x, f->path, d->line, "unsupported %s value \"%.64s\"", si->name, d->args[0]);
                value = strdup(st->canon);
                break;
        }
        case K_INT: {
                char *end;
                long n;

                errno = 0;
                n = strtol(d->args[0], &end, 10);
                if (errno || *end || n < 0 || n > INT_MAX || end == d->args[0])
                        return fail(ps->x, f->path, d->line, "%s integer value \"%.64s\" invalid", si->name,
                                    d->args[0]);
                value = strdup(d->args[0]);
                break;
        }
        case K_COMMAND:
                if (*rest != '/' && strcasecmp(rest, "none") != 0)
                        return fail(ps->x, f->path, d->line, "%s must be an absolute path", si->name);
                value = strdup(rest);
                break;
        case K_REST:
                value = strdup(rest);
                break;
        case K_LIST:
        case K_FILES:
                value = join_args(d);
                break;
        default:
                value = strdup(d->args[0]);
                break;
        }
        if (!value)
                return -ENOMEM;
        if (si->kind != K_LIST && si->kind != K_FILES && si->kind != K_COMMAND && si->kind != K_REST &&
            d->n_args > 1)
                return fail(ps->x, f->path, d->line, "keyword %s extra arguments at end of line", d->keyword);
        if (!active)
                return 0;
        if (si->kind == K_LIST && v->set) {
                _cleanup_(freep) char *old = v->v;

                v->v = NULL;
                if (asprintf(&v->v, "%s %s", old, value) < 0)
                        return -ENOMEM;
                return 0;
        }
        /* AuthorizedKeysCommand is kept when AuthorizedPrincipalsCommand set it first: sshd's own quirk
         * (both test authorized_keys_command) does not reach the keywords judged here. */
        if (v->set)
                return 0;
        *v = (struct value) { .set = true, .v = TAKE_PTR(value), .file = f->path, .line = d->line };
        return 0;
}

static int process(struct pass *ps, const struct cfile *f, const struct sshd_directive *d, int *flags, int *active,
                   int depth)
{
        const struct keyword *kw = lookup(d->keyword);
        size_t i;
        int r;

        if (!kw)
                return fail(ps->x, f->path, d->line, "bad configuration option: %.64s", d->keyword);
        if (!*active && !kw->match) {
                if (!ps->ci)
                        return fail(ps->x, f->path, d->line, "directive '%.64s' is not allowed within a Match block",
                                    d->keyword);
                return 0;       /* the second pass: applied in the first */
        }
        if (kw->setting >= 0)
                return set_value(ps, f, d, (enum setting) kw->setting, *active);
        switch (kw->kind) {
        case K_INCLUDE:
                for (i = 0; i < d->n_args; i++) {
                        if (!*d->args[i])
                                return fail(ps->x, f->path, d->line, "keyword Include empty argument");
                        r = include_one(ps, d->args[i], flags, active, depth);
                        if (r < 0)
                                return r;
                }
                return 0;
        case K_MATCH:
                r = match_line(ps, f, d, (*flags & SSHCFG_NEVERMATCH) ? NULL : ps->ci);
                if (r < 0)
                        return r;
                *active = (*flags & SSHCFG_NEVERMATCH) ? 0 : r;
                *flags &= ~SSHCFG_MATCH_ONLY;
                return 0;
        default:
                return 0;
        }
}

static int parse_file(struct pass *ps, const struct cfile *f, int flags, int *active, int depth)
{
        struct sshd_eval *x = ps->x;
        size_t i;
        int r;

        if (x->pc->cancel && *x->pc->cancel)
                return -ECANCELED;
        for (i = 0; i < (size_t) depth && i < ARRAY_SIZE(x->stack); i++)
                if (x->stack[i] == f)
                        return fail(x, f->path, 0, "included from itself (an Include loop)");
        if (depth > SSHD_MAX_DEPTH)
                return fail(x, f->path, 0, "Include nested deeper than %d", SSHD_MAX_DEPTH);
        if (++x->parses > SSHD_MAX_PARSES)
                return fail(x, f->path, 0, "more than %d files read through Include", SSHD_MAX_PARSES);
        x->stack[depth] = f;
        for (i = 0; i < f->cfg->n; i++) {
                r = process(ps, f, &f->cfg->v[i], &flags, active, depth);
                if (r < 0)
                        return r;
        }
        x->stack[depth] = NULL;
        return 0;
}

/* parse_server_config(): one pass over the main file. */
static int run_pass(struct sshd_eval *x, const struct cfile *main_file, const struct sshd_conn *ci,
                    struct accounts *acct, struct opts *o)
{
        struct pass ps = { .x = x, .ci = ci, .o = o, .acct = acct };
        int active = ci ? 0 : 1;

        x->parses = 0;
        return parse_file(&ps, main_file, ci ? SSHCFG_MATCH_ONLY : 0, &active, 0);
}

/* The effective values for one user: the first pass, with what the second
 * pass set replacing it for the keywords a Match block may hold. */
static int effective(struct sshd_eval *x, const struct cfile *main_file, const struct opts *first,
                     const struct sshd_conn *ci, struct opts *ret)
{
        _cleanup_(opts_release) struct opts second = { 0 };
        struct accounts acct = { 0 };
        size_t i;
        int r;

        r = run_pass(x, main_file, ci, &acct, &second);
        strv_release(&acct.groups);
        if (r < 0)
                return r;
        for (i = 0; i < S__MAX; i++) {
                const struct value *v = settings[i].match && second.s[i].set ? &second.s[i] : &first->s[i];

                if (v->set) {
                        ret->s[i] = *v;
                        ret->s[i].v = strdup(v->v);
                        if (!ret->s[i].v)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* ---- Judging ---- */

static const char *value_of(const struct opts *o, enum setting s)
{
        return o->s[s].set ? o->s[s].v : settings[s].def ? settings[s].def : "";
}

static bool is(const struct opts *o, enum setting s, const char *v)
{
        return strcmp(value_of(o, s), v) == 0;
}

struct alerted {
        struct strv keys;               /* "RULE\tFILE\tLINE" already reported */
};

static int alert(struct posture *pc, struct alerted *done, const char *rule, const char *action,
                 const struct value *v, const char *setting, const char *value, const char *message)
{
        _cleanup_(freep) char *key = NULL;
        size_t i;

        if (asprintf(&key, "%s\t%s\t%u\t%s", rule, v->file ? v->file : "", v->line, setting) < 0)
                return -ENOMEM;
        for (i = 0; i < done->keys.n; i++)
                if (strcmp(done->keys.v[i], key) == 0)
                        return 0;
        if (strv_push(&done->keys, key) < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = true, .check = "sshd", .action = action,
                .file = v->file ? v->file : SSHD_MAIN, .line = v->line, .setting = setting, .value = value,
                .message = message,
        });
}

/* A place any local user (or a service) can write: where a key or a
 * program named by the configuration must never be. */
static bool writable_prefix(const char *path)
{
        static const char *const places[] = { "/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run" };
        size_t i, n;

        for (i = 0; i < ARRAY_SIZE(places); i++) {
                n = strlen(places[i]);
                if (strncmp(path, places[i], n) == 0 && (path[n] == '/' || !path[n]))
                        return true;
        }
        return false;
}

/* Whether the absolute path (below the root) or a directory above it can be
 * written by someone other than root: not root's, group- or world-writable
 * (a sticky directory excepted: the file's own owner is checked then).
 * Returns the path that is, or NULL. */
static const char *user_writable(struct posture *pc, const char *path, char *buf, size_t size)
{
        size_t n = strlen(path);

        if (n + 1 > size)
                return NULL;
        memcpy(buf, path, n + 1);
        while (n > 1) {
                struct stat st;
                const char *rel = buf + strspn(buf, "/");
                _cleanup_(closep) int fd = open_beneath(pc->rootfd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);

                if (fd >= 0 && fstat(fd, &st) == 0) {
                        bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);

                        if (st.st_uid != 0 || (!sticky_dir && (st.st_mode & (S_IWGRP | S_IWOTH))))
                                return buf;
                }
                while (n > 1 && buf[n - 1] != '/')
                        n--;
                if (n > 1)
                        n--;
                buf[n] = '\0';
        }
        return NULL;
}

/* The fixed part of a path with %-tokens: up to the component holding the first '%'. */
static void fixed_part(const char *path, char *buf, size_t size)
{
        const char *pct = strchr(path, '%');
        size_t n = pct ? (size_t) (pct - path) : strlen(path);

        if (pct)
                while (n > 0 && path[n - 1] != '/')
                        n--;
        if (n >= size)
                n = size - 1;
        memcpy(buf, path, n);
        buf[n] = '\0';
        while (n > 1 && buf[n - 1] == '/')
                buf[--n] = '\0';
}

static int judge_path(struct posture *pc, struct alerted *done, const struct opts *o, enum setting s,
                      const char *path, const char *user)
{
        char fixed[PATH_MAX], buf[PATH_MAX];
        _cleanup_(freep) char *message = NULL;
        const char *w = NULL;

        if (path[0] != '/')
                return 0;       /* below the user's home (or "none") */
        fixed_part(path, fixed, sizeof(fixed));
        if (!fixed[0] || strcmp(fixed, "/") == 0)
                return 0;
        if (writable_prefix(fixed))
                w = fixed;
        else
                w = user_writable(pc, fixed, buf, sizeof(buf));
        if (!w)
                return 0;
        if (asprintf(&message, "sshd %s for user %s names %s, and %s can be written by others than root: "
                               "whoever writes there decides who logs in", settings[s].name, user, path, w) < 0)
                return -ENOMEM;
        return alert(pc, done, "DW-POS-SSH-KEYS-WRITABLE", "sshd-keys-writable", &o->s[s], settings[s].name,
                     value_of(o, s), message);
}

/* The value sshd would have anyway: no keys command, or only the default
 * per-user files (a drop-in that restates them changes nothing). */
static bool default_keys(enum setting s, const char *value)
{
        _cleanup_(freep) char *copy = strdup(value);
        char *p = copy, *word;

        if (s == S_KEYS_CMD)
                return strcasecmp(value, "none") == 0;
        if (!copy)
                return false;
        while ((word = strsep(&p, " ")))
                if (*word && strcmp(word, ".ssh/authorized_keys") != 0 && strcmp(word, ".ssh/authorized_keys2") != 0 &&
                    strcmp(word, "%h/.ssh/authorized_keys") != 0 && strcmp(word, "%h/.ssh/authorized_keys2") != 0)
                        return false;
        return true;
}

static int judge(struct posture *pc, struct alerted *done, const struct opts *o, const char *user)
{
        _cleanup_(freep) char *message = NULL;
        bool root = strcmp(user, "root") == 0;
        static const enum setting paths[] = { S_KEYS_FILE, S_KEYS_CMD, S_PRINCIPALS, S_CA_KEYS };
        size_t i;
        int r = 0;

        if (root && is(o, S_ROOT, "yes")) {
                r = alert(pc, done, "DW-POS-SSH-ROOT-LOGIN", "sshd-root-login", &o->s[S_ROOT], "PermitRootLogin",
                          "yes", "sshd lets root log in with any method (PermitRootLogin yes)");
                if (r >= 0 && (is(o, S_PASSWORD, "yes") || (is(o, S_KBD, "yes") && is(o, S_PAM, "yes")))) {
                        enum setting s = is(o, S_PASSWORD, "yes") ? S_PASSWORD : S_KBD;

                        if (asprintf(&message, "sshd accepts a password for root (PermitRootLogin yes, %s yes%s)",
                                     settings[s].name, s == S_KBD ? " through PAM" : "") < 0)
                                return -ENOMEM;
                        r = alert(pc, done, "DW-POS-SSH-PASSWORD-ROOT", "sshd-root-password", &o->s[s],
                                  settings[s].name, "yes", message);
                }
        }
        if (r >= 0 && is(o, S_EMPTY, "yes")) {
                free(message);
                if (asprintf(&message, "sshd lets accounts with an empty password log in (PermitEmptyPasswords yes, "
                                       "user %s)", user) < 0)
                        return -ENOMEM;
                r = alert(pc, done, "DW-POS-SSH-EMPTY-PASSWORDS", "sshd-empty-passwords", &o->s[S_EMPTY],
                          "PermitEmptyPasswords", "yes", message);
        }
        if (r >= 0 && !is(o, S_USER_ENV, "no")) {
                free(message);
                if (asprintf(&message, "sshd reads ~/.ssh/environment and environment= in authorized_keys "
                                       "(PermitUserEnvironment %s): LD_PRELOAD for every login", value_of(o, S_USER_ENV)) < 0)
                        return -ENOMEM;
                r = alert(pc, done, "DW-POS-SSH-USER-ENV", "sshd-user-environment", &o->s[S_USER_ENV],
                          "PermitUserEnvironment", value_of(o, S_USER_ENV), message);
        }
        if (r >= 0 && (is(o, S_LOG, "QUIET") || is(o, S_LOG, "FATAL") || is(o, S_LOG, "ERROR"))) {
                free(message);
                if (asprintf(&message, "sshd logs no logins (LogLevel %s, user %s)", value_of(o, S_LOG), user) < 0)
                        return -ENOMEM;
                r = alert(pc, done, "DW-POS-SSH-LOGLEVEL", "sshd-log-level", &o->s[S_LOG], "LogLevel",
                          value_of(o, S_LOG), message);
        }
        for (i = 0; r >= 0 && i < ARRAY_SIZE(paths); i++) {
                _cleanup_(freep) char *copy = strdup(value_of(o, paths[i]));
                char *p = copy, *word;

                if (!copy)
                        return -ENOMEM;
                while (r >= 0 && (word = strsep(&p, " \t"))) {
                        if (*word)
                                r = judge_path(pc, done, o, paths[i], word, user);
                        if (paths[i] == S_KEYS_CMD)
                                break;  /* the program, not its arguments */
                }
        }
        for (i = 0; r >= 0 && i < 2; i++) {
                enum setting s = i == 0 ? S_KEYS_FILE : S_KEYS_CMD;
                const struct value *v = &o->s[s];
                int ships;

                if (!v->set || !v->file || strcmp(v->file, SSHD_MAIN) == 0 || strncmp(v->file, "/usr/", 5) == 0 ||
                    default_keys(s, v->v))
                        continue;
                ships = posture_image_ships(pc, v->file, NULL);
                if (ships == 1)
                        continue;       /* the image's own drop-in: compared below */
                free(message);
                if (asprintf(&message, "sshd %s for user %s is set by the drop-in %s: %s", settings[s].name, user,
                             v->file, v->v) < 0)
                        return -ENOMEM;
                r = alert(pc, done, "DW-POS-SSH-KEYS-DROPIN", "sshd-keys-dropin", v, settings[s].name, v->v, message);
        }
        return r;
}

static int rank_of(enum setting s, const char *v)
{
        const struct state *st = find_state(settings[s].states, v, true);

        return st ? st->rank : 0;
}

/* What /etc weakened compared with the image's own configuration. */
static int compare(struct posture *pc, struct alerted *done, const struct opts *etc, const struct opts *image,
                   const char *user)
{
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < S__MAX; i++) {
                const struct setting_info *si = &settings[i];
                const char *now = value_of(etc, i), *was = value_of(image, i);
                const struct value *v = &etc->s[i];
                _cleanup_(freep) char *message = NULL;
                bool weaker;

                if (si->weaken == W_NONE || strcmp(now, was) == 0 || (v->file && strncmp(v->file, "/usr/", 5) == 0))
                        continue;
                if (si->weaken == W_RANK)
                        weaker = rank_of(i, now) > rank_of(i, was);
                else if (si->weaken == W_MORE)
                        weaker = strtol(now, NULL, 10) > strtol(was, NULL, 10);
                else
                        weaker = true;
                if (!weaker)
                        continue;
                if (asprintf(&message, "sshd %s for user %s is %s%s%s where the image's configuration gives %s%s",
                             si->name, user, *now ? now : "(none)", v->set ? "" : " (unset in /etc: the default)",
                             "", *was ? was : "(none)", image->s[i].set ? "" : " (its default)") < 0)
                        return -ENOMEM;
                r = alert(pc, done, "DW-POS-SSH-WEAKENED", "sshd-weakened", v, si->name, now, message);
        }
        return r;
}

static int report_state(struct posture *pc, const struct opts *o, const char *user)
{
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < S__MAX; i++) {
                const struct value *v = &o->s[i];
                _cleanup_(freep) char *setting = NULL, *message = NULL;
                const char *value = value_of(o, i);

                if (!v->set && !settings[i].def)
                        continue;
                if (asprintf(&setting, "%s (user %s)", settings[i].name, user) < 0 ||
                    asprintf(&message, "sshd %s %s for user %s%s", settings[i].name, *value ? value : "(none)", user,
                             v->set ? "" : " (default)") < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-SSH-STATE", .check = "sshd", .action = "sshd-setting", .file = v->file,
                        .line = v->line, .setting = setting, .value = value, .message = message,
                });
        }
        return r;
}

/* The whole configuration under x->prefix ("" or "/usr"), both passes, for
 * each user: ret_opts[u] (file names pointing into x's cache). 1 done, 0
 * no sshd_config, or -errno; a configuration sshd would refuse is reported
 * (DW-POS-CONFIG-INVALID) and gives 0 too. */
static int evaluate(struct sshd_eval *x, const struct sshd_conn *conns, size_t n, struct opts *ret_opts)
{
        _cleanup_(opts_release) struct opts first = { 0 };
        _cleanup_(freep) char *main_path = NULL;
        struct cfile *main_file;
        size_t u;
        int r;

        if (asprintf(&main_path, "%s" SSHD_MAIN, x->prefix) < 0)
                return -ENOMEM;
        r = posture_exists(x->pc, main_path);
        if (r <= 0)
                return r;
        r = load_file(x, main_path, &main_file);
        r = r ?: run_pass(x, main_file, NULL, NULL, &first);
        for (u = 0; r >= 0 && u < n; u++)
                r = effective(x, main_file, &first, &conns[u], &ret_opts[u]);
        if (r == -EBADMSG && x->err_file) {
                r = posture_invalid(x->pc, "sshd", x->err_file, x->err_reason);
                return r < 0 ? r : 0;
        }
        return r < 0 ? r : 1;
}

int posture_sshd_spec(const char *spec, char **ret_why)
{
        _cleanup_(freep) char *copy = spec ? strdup(spec) : NULL;
        char *p, *item;

        if (!spec)
                return 0;
        if (!copy)
                return -ENOMEM;
        for (p = copy; (item = strsep(&p, ","));) {
                if (strncmp(item, "addr=", 5) == 0 || strncmp(item, "host=", 5) == 0 ||
                    strncmp(item, "laddr=", 6) == 0 || strncmp(item, "rdomain=", 8) == 0)
                        continue;
                if (strncmp(item, "lport=", 6) == 0 && a2port(item + 6) >= 0)
                        continue;
                return asprintf(ret_why, "invalid connection specification '%s' (host=, addr=, laddr=, lport=, "
                                         "rdomain=)", item) < 0 ? -ENOMEM : -EINVAL;
        }
        return 0;
}

static void conn_from_spec(char *spec, struct sshd_conn *c)
{
        char *item;

        while (spec && (item = strsep(&spec, ","))) {
                if (strncmp(item, "addr=", 5) == 0)
                        c->addr = item + 5;
                else if (strncmp(item, "host=", 5) == 0)
                        c->host = item + 5;
                else if (strncmp(item, "laddr=", 6) == 0)
                        c->laddr = item + 6;
                else if (strncmp(item, "rdomain=", 8) == 0)
                        c->rdomain = item + 8;
                else if (strncmp(item, "lport=", 6) == 0)
                        c->lport = a2port(item + 6);
        }
}

int posture_check_sshd(struct posture *pc)
{
        _cleanup_(freep) char *spec = pc->ssh_connection ? strdup(pc->ssh_connection) : NULL;
        struct sshd_eval xe = { .pc = pc, .prefix = "" }, xi = { .pc = pc, .prefix = "/usr" };
        struct opts etc[2] = { 0 }, image[2] = { 0 };
        struct sshd_conn conns[2] = { { .user = "root", .lport = -1 }, { .user = NULL, .lport = -1 } };
        struct alerted done = { 0 };
        size_t n = 1, u;
        int r, ships;

        if (pc->ssh_connection && !spec)
                return -ENOMEM;
        conn_from_spec(spec, &conns[0]);
        if (pc->ssh_user && strcmp(pc->ssh_user, "root") != 0) {
                conns[1] = conns[0];
                conns[1].user = pc->ssh_user;
                n = 2;
        }
        r = evaluate(&xe, conns, n, etc);
        if (r == 0 && posture_exists(pc, SSHD_MAIN) == 0)
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-SSH-STATE", .check = "sshd", .action = "sshd-absent",
                        .file = SSHD_MAIN, .message = "no " SSHD_MAIN ": sshd is not configured here",
                });
        if (r <= 0)
                goto out;
        for (u = 0; r >= 0 && u < n; u++)
                r = report_state(pc, &etc[u], conns[u].user);
        for (u = 0; r >= 0 && u < n; u++)
                r = judge(pc, &done, &etc[u], conns[u].user);
        if (r < 0)
                goto out;
        ships = posture_image_ships(pc, SSHD_MAIN, NULL);
        if (ships == -ENODATA) {
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-SSH-STATE", .check = "sshd", .action = "sshd-no-image",
                        .file = SSHD_MAIN, .setting = "image", .value = "none",
                        .message = "not an image-mode root (no /usr/etc): sshd's values are not compared with an "
                                   "image's configuration",
                });
                goto out;
        }
        if (ships != 1) {
                r = ships < 0 ? ships : 0;
                goto out;
        }
        r = evaluate(&xi, conns, n, image);
        for (u = 0; r > 0 && u < n; u++)
                r = compare(pc, &done, &etc[u], &image[u], conns[u].user) ?: 1;
out:
        for (u = 0; u < 2; u++) {
                opts_release(&etc[u]);
                opts_release(&image[u]);
        }
        strv_release(&done.keys);
        eval_release(&xe);
        eval_release(&xi);
        return r < 0 ? r : 0;
}
