/* The extension images of a host or an offline root: every sysext, confext
 * and portable image on systemd's search paths, what each is (directory,
 * squashfs, erofs, disk image), its SHA-256, sidecars and extension-release
 * fields read without mounting it, which image of a name wins, and on the
 * live host which ones are merged now. Collection only: the findings are
 * capability/inventory.c's. docs/internals/host.md has the contract. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "basic/macros.h"
#include "basic/sha256.h"
#include "basic/strv.h"
#include "host/ddi.h"
#include "host/release.h"
#include "host/verity-sig.h"
#include "host/verity.h"

#define INVENTORY_MAX_ENTRIES 4096      /* per search directory */
#define INVENTORY_MAX_IMAGES 4096       /* in all */
#define INVENTORY_MAX_ATTACHED 4096     /* portable units attached */

enum image_class {
        IMAGE_SYSEXT,
        IMAGE_CONFEXT,
        IMAGE_PORTABLE,
};

const char *image_class_name(enum image_class c);

/* One directory systemd searches, in precedence order within its class. */
struct search_dir {
        const char *path;
        enum image_class class;
        const char *lifetime;           /* "reboot" (on disk), "soft-reboot" (/run), "image" (/usr) */
        bool vendor;                    /* below /usr: part of the OS image, not writable on an image-mode host */
        const char *note;               /* which systemd reads it, when not every one */
};

extern const struct search_dir search_dirs[];
extern const size_t n_search_dirs;

struct search_dir_state {
        bool exists;
        int error;                      /* -errno opening it (not -ENOENT) */
        uid_t uid;
        mode_t mode;
        bool writable_by_others;        /* owned by a user other than root, or group/other writable */
};

enum image_sidecar {
        SIDECAR_ROOTHASH,
        SIDECAR_USRHASH,
        SIDECAR_ROOTHASH_P7S,
        SIDECAR_USRHASH_P7S,
        SIDECAR_VERITY,
        _SIDECAR_MAX,
};

extern const char *const sidecar_suffix[_SIDECAR_MAX];

struct inv_image {
        char *name;
        char *entry;                    /* the file or directory name in its search directory */
        enum image_class class;
        size_t dir;                     /* index in search_dirs */
        char *path;                     /* absolute, below the root */
        const char *form;               /* directory, squashfs, erofs, ddi, unknown, fifo, ... */
        bool has_stat;
        uint64_t size;
        int64_t mtime;
        bool hashed;
        uint8_t sha256[SHA256_LEN];
        bool sidecars[_SIDECAR_MAX];
        char *roothash;                 /* of the .roothash (or .usrhash) sidecar, hex */
        struct os_release *release;
        char *release_file;             /* inside the image */
        char *release_note;             /* how the file was chosen when its name differs */
        int release_error;              /* -errno reading it: -ENOENT none, -EFBIG too large, ... */
        int error;                      /* -errno reading the image itself; 0: read */
        char *error_reason;             /* one line, for the finding */
        ssize_t shadowed_by;            /* index of the image of the same name and class that wins, or -1 */
        int merged;                     /* 1, 0; -1: not known (offline root) */
        /* A GPT disk image (form "ddi"): its partitions, verity partitions and
         * signature JSON; NULL for other forms or when the GPT is unreadable. */
        struct ddi *ddi;
        /* The root hash signature (a DDI's signature partition, a bare image's
         * .roothash.p7s / .usrhash.p7s) checked against the root's verity.d;
         * sig_checked false: no root hash to check a signature of. */
        bool sig_checked;
        struct verity_sig_result sig;
        char *sig_error;                /* the check could not run (no libcrypto, verity.d unreadable) */
        /* --verify-verity: the hash tree against the root hash. */
        bool verity_checked;
        struct verity_result verity;
        char *verity_error;             /* the verification could not run: why */
};

struct inventory {
        bool live;                      /* the running host (root "/"): mount table and /run markers read */
        struct search_dir_state *dirs;  /* n_search_dirs of them */
        struct inv_image *images;
        size_t n_images;
        struct os_release *host_release;
        const char *host_release_file;  /* "/etc/os-release" or "/usr/lib/os-release"; NULL: none */
        int usr_verity;                 /* 1, 0; -1: not known (an offline root without a kernel cmdline file) */
        char *usr_verity_reason;
        struct strv merged_gone[2];     /* sysext [0], confext [1] names merged now with no image on a search path */
        char **attached;                /* portable units attached: absolute paths */
        size_t n_attached;
        bool require_signature;         /* systemd-sysext/confext run with an image policy that wants signed images */
        char *require_signature_reason;
};

struct inventory_options {
        bool verify_verity;             /* verify each hash tree (DDI verity partition, bare .verity sidecar) */
};

/* Reads the inventory of root ("/" for this host; else an offline root,
 * every path resolved beneath it, symlinks included). -ECANCELED when cancel
 * is raised; an image that cannot be read is recorded with its error, not a
 * failure of the whole. On failure *ret_reason (if given) says why. */
int inventory_collect(const char *root, const volatile sig_atomic_t *cancel, struct inventory **ret,
                      char **ret_reason);
/* The same with options (NULL: none). The trusted certificates (verity.d
 * below root) are loaded once, when the first signature is checked. */
int inventory_collect_opt(const char *root, const struct inventory_options *opt, const volatile sig_atomic_t *cancel,
                          struct inventory **ret, char **ret_reason);
struct inventory *inventory_free(struct inventory *inv);
DEFINE_FREEP(struct inventory, inventory_free)
