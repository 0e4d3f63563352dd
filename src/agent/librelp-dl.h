/* librelp (the RELP client of relp:// outputs) loaded on first use: a
 * driftwatch that ships nothing over RELP never maps it. */
#pragma once

#include <stddef.h>

#include <librelp.h>

struct librelp {
        relpRetVal (*relpEngineConstruct)(relpEngine_t **);
        relpRetVal (*relpEngineDestruct)(relpEngine_t **);
        relpRetVal (*relpEngineSetDbgprint)(relpEngine_t *, void (*)(char *, ...));
        relpRetVal (*relpEngineSetOnErr)(relpEngine_t *, void (*)(void *, char *, char *, relpRetVal));
        relpRetVal (*relpEngineSetOnAuthErr)(relpEngine_t *, void (*)(void *, char *, char *, relpRetVal));
        relpRetVal (*relpEngineSetOnGenericErr)(relpEngine_t *, void (*)(char *, char *, relpRetVal));
        relpRetVal (*relpEngineSetTLSLibByName)(relpEngine_t *, const char *);
        relpRetVal (*relpEngineSetEnableCmd)(relpEngine_t *, unsigned char *, relpCmdEnaState_t);
        relpRetVal (*relpEngineCltConstruct)(relpEngine_t *, relpClt_t **);
        relpRetVal (*relpEngineCltDestruct)(relpEngine_t *, relpClt_t **);
        relpRetVal (*relpCltConnect)(relpClt_t *, int, unsigned char *, unsigned char *);
        relpRetVal (*relpCltSendSyslog)(relpClt_t *, unsigned char *, size_t);
        relpRetVal (*relpCltSetTimeout)(relpClt_t *, unsigned);
        relpRetVal (*relpCltSetConnTimeout)(relpClt_t *, int);
        relpRetVal (*relpCltSetWindowSize)(relpClt_t *, int);
        relpRetVal (*relpCltSetUsrPtr)(relpClt_t *, void *);
        relpRetVal (*relpCltEnableTLS)(relpClt_t *);
        relpRetVal (*relpCltSetCACert)(relpClt_t *, char *);
        relpRetVal (*relpCltSetOwnCert)(relpClt_t *, char *);
        relpRetVal (*relpCltSetPrivKey)(relpClt_t *, char *);
        relpRetVal (*relpCltSetAuthMode)(relpClt_t *, char *);
        relpRetVal (*relpCltAddPermittedPeer)(relpClt_t *, char *);
        void (*relpCltHintBurstBegin)(relpClt_t *);
        void (*relpCltHintBurstEnd)(relpClt_t *);
};

extern struct librelp librelp;

/* Loads librelp once: 0, -ELIBACC (not installed) or -ELIBBAD. */
int librelp_load(void);
