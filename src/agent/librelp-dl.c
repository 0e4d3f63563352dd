/* librelp loaded on first use; see librelp-dl.h. */
#include "agent/librelp-dl.h"

#include <pthread.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

/* The ABI the headers describe (librelp 1.x: soname 0). */
#define LIBRELP_SONAME "librelp.so.0"

struct librelp librelp;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, librelp.name)

static void load(void)
{
        const struct dl_symbol symbols[] = {
                SYM(relpEngineConstruct),
                SYM(relpEngineDestruct),
                SYM(relpEngineSetDbgprint),
                SYM(relpEngineSetOnErr),
                SYM(relpEngineSetOnAuthErr),
                SYM(relpEngineSetOnGenericErr),
                SYM(relpEngineSetTLSLibByName),
                SYM(relpEngineSetEnableCmd),
                SYM(relpEngineCltConstruct),
                SYM(relpEngineCltDestruct),
                SYM(relpCltConnect),
                SYM(relpCltSendSyslog),
                SYM(relpCltSetTimeout),
                SYM(relpCltSetConnTimeout),
                SYM(relpCltSetWindowSize),
                SYM(relpCltSetUsrPtr),
                SYM(relpCltEnableTLS),
                SYM(relpCltSetCACert),
                SYM(relpCltSetOwnCert),
                SYM(relpCltSetPrivKey),
                SYM(relpCltSetAuthMode),
                SYM(relpCltAddPermittedPeer),
                SYM(relpCltHintBurstBegin),
                SYM(relpCltHintBurstEnd),
        };

        load_error = dlopen_symbols(LIBRELP_SONAME, symbols, ARRAY_SIZE(symbols));
}

int librelp_load(void)
{
        pthread_once(&load_once, load);
        return load_error;
}
