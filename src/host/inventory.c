/* The extension images of a host or an offline root; see inventory.h. */
#define _GNU_SOURCE
#include "inventory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "basic/error.h"
#include "basic/fd-util.h"
#include "basic/hex.h"
#include "basic/strv.h"
#include "host/fs-reader.h"
#include "host/layers.h"
#include "host/libmount-dl.h"

/* systemd's search paths, in precedence order within each class: the first
 * image of a name wins and the others are shadowed (image_discover() in
 * src/shared/discover-image.c). Sources:
 *   - v252 (this distribution): the image_search_path table of
 *     src/shared/discover-image.c, seen as the strings of
 *     libsystemd-shared-252.so in this order, and systemd-sysext(8) of v252
 *     ("/etc/extensions/, /run/extensions/, /var/lib/extensions/,
 *     /usr/lib/extensions/ and /usr/local/lib/extensions/").
 *   - main (commit 004b600d49bd): src/shared/discover-image.c:56-82:
 *     sysext drops /usr/local/lib/extensions and /usr/lib/extensions (an
 *     extension below /usr would overlay itself, lines 70-73), and confext
 *     (v254 and later) searches /run/confexts, /var/lib/confexts,
 *     /usr/local/lib/confexts, /usr/lib/confexts; portables are the same
 *     five in both (lines 64-68).
 * /etc and /run hold symlinks to images by convention; /var/lib is the main
 * place. /run is a tmpfs that systemd-soft-reboot(8) keeps: an image there
 * outlives a soft reboot, not a reboot. */
const struct search_dir search_dirs[] = {
        { "/etc/extensions", IMAGE_SYSEXT, "reboot", false, NULL },
        { "/run/extensions", IMAGE_SYSEXT, "soft-reboot", false, NULL },
        { "/var/lib/extensions", IMAGE_SYSEXT, "reboot", false, NULL },
        { "/usr/local/lib/extensions", IMAGE_SYSEXT, "image", true, "read by systemd-sysext up to v253" },
        { "/usr/lib/extensions", IMAGE_SYSEXT, "image", true, "read by systemd-sysext up to v253" },
        { "/run/confexts", IMAGE_CONFEXT, "soft-reboot", false, "systemd-confext, v254 and later" },
        { "/var/lib/confexts", IMAGE_CONFEXT, "reboot", false, "systemd-confext, v254 and later" },
        { "/usr/local/lib/confexts", IMAGE_CONFEXT, "image", true, "systemd-confext, v254 and later" },
        { "/usr/lib/confexts", IMAGE_CONFEXT, "image", true, "systemd-confext, v254 and later" },
        { "/etc/portables", IMAGE_PORTABLE, "reboot", false, NULL },
        { "/run/portables", IMAGE_PORTABLE, "soft-reboot", false, NULL },
        { "/var/lib/portables", IMAGE_PORTABLE, "reboot", false, NULL },
        { "/usr/local/lib/portables", IMAGE_PORTABLE, "image", true, NULL },
        { "/usr/lib/portables", IMAGE_PORTABLE, "image", true, NULL },
};
const size_t n_search_dirs = ARRAY_SIZE(search_dirs);

const char *const sidecar_suffix[_SIDECAR_MAX] = {
        [SIDECAR_ROOTHASH] = ".roothash",
        [SIDECAR_USRHASH] = ".usrhash",
        [SIDECAR_ROOTHASH_P7S] = ".roothash.p7s",
        [SIDECAR_USRHASH_P7S] = ".usrhash.p7s",
        [SIDECAR_VERITY] = ".verity",
};

const char *image_class_name(enum image_class c)
{
        return c == IMAGE_SYSEXT ? "sysext" : c == IMAGE_CONFEXT ? "confext" : "portable";
}

/* Opens rel below rootfd with symlinks resolved as if rootfd were "/"
 * (openat2 RESOLVE_IN_ROOT): an absolute symlink in an offline root points
 * into that root, never out of it. Without openat2, symlinks are refused
 * (open_beneath). Returns an fd or -errno. */
static int open_in_root(int rootfd, const char *rel, int flags)
{
        struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC),
                                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        int fd;

        while (*rel == '/')
                rel++;
        fd = (int) syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
        if (fd >= 0)
                return fd;
        if (errno != ENOSYS && errno != EPERM)
                return -errno;
        return open_beneath(rootfd, rel, flags);
}

static void image_release(struct inv_image *im)
{
        free(im->name);
        free(im->entry);
        free(im->path);
        free(im->roothash);
        os_release_free(im->release);
        free(im->release_file);
        free(im->release_note);
        free(im->error_reason);
        ddi_free(im->ddi);
        verity_sig_result_release(&im->sig);
        free(im->sig_error);
        free(im->verity_error);
}

struct inventory *inventory_free(struct inventory *inv)
{
        size_t i;

        if (!inv)
                return NULL;
        for (i = 0; i < inv->n_images; i++)
                image_release(&inv->images[i]);
        free(inv->images);
        free(inv->dirs);
        os_release_free(inv->host_release);
        free(inv->usr_verity_reason);
        for (i = 0; i < inv->n_attached; i++)
                free(inv->attached[i]);
        free(inv->attached);
        strv_release(&inv->merged_gone[0]);
        strv_release(&inv->merged_gone[1]);
        free(inv->require_signature_reason);
        free(inv);
        return NULL;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void names_free(char **v, size_t n)
{
        while (n > 0)
                free(v[--n]);
        free(v);
}

/* The names in the directory fd (consumed), sorted, without "." and "..";
 * -E2BIG past max. */
static int list_dir(int fd, size_t max, char ***ret, size_t *ret_n)
{
        DIR *d = fdopendir(fd);
        char **v = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;

        if (!d) {
                r = negative_errno();
                close(fd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                char **nv;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (n >= max) {
                        r = -E2BIG;
                        break;
                }
                nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv || !(nv[n] = strdup(de->d_name))) {
                        v = nv ?: v;
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                n++;
        }
        if (r == 0 && errno)
                r = negative_errno();
        closedir(d);
        if (r < 0) {
                names_free(v, n);
                return r;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_names);
        *ret = v;
        *ret_n = n;
        return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_sidecar(const char *name)
{
        size_t i;

        for (i = 0; i < _SIDECAR_MAX; i++)
                if (ends_with(name, sidecar_suffix[i]))
                        return true;
        return false;
}

static int set_error(struct inv_image *im, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(struct inv_image *im, int r, const char *fmt, ...)
{
        va_list ap;

        if (im->error)
                return 0;
        im->error = r;
        va_start(ap, fmt);
        if (vasprintf(&im->error_reason, fmt, ap) < 0)
                im->error_reason = NULL;
        va_end(ap);
        return 0;
}

#define STRICT_XATTR "user.extension-release.strict"

/* Whether a user.extension-release.strict value lets systemd use a file
 * whose name differs from the image's: it parses it as a boolean
 * (parse_boolean) and takes the file only when that is false. */
static bool strict_value_off(const char *v, size_t n)
{
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(no); i++)
                if (strlen(no[i]) == n && strncasecmp(v, no[i], n) == 0)
                        return true;
        return false;
}

/* systemd's fallback when extension-release.NAME is missing (os-util.c,
 * open_extension_release): each regular extension-release.* file of the
 * directory whose suffix is a valid image name is a candidate when it carries
 * user.extension-release.strict=false; exactly one candidate is used, two or
 * more are refused as ambiguous, none means no extension-release. */
struct release_pick {
        char file[300];                 /* the (first) candidate */
        unsigned relaxed;               /* candidates */
        unsigned strict;                /* other extension-release.* files */
};

static bool release_name_ok(const char *entry)
{
        const char *n = entry + strlen("extension-release.");
        const char *p;

        if (strncmp(entry, "extension-release.", strlen("extension-release.")) != 0 || !*n ||
            strncmp(n, ".#", 2) == 0 || strlen(entry) >= sizeof(((struct release_pick *) 0)->file))
                return false;
        for (p = n; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static void release_pick_add(struct release_pick *p, const char *entry, bool relaxed)
{
        if (!relaxed) {
                p->strict++;
                return;
        }
        if (p->relaxed++ == 0)
                snprintf(p->file, sizeof(p->file), "%s", entry);
}

/* After the candidates: 1 when p->file is to be read (its note set), 0 when
 * nothing is (release_error and the note say why). */
static int release_pick_done(struct inv_image *im, const struct release_pick *p)
{
        if (p->relaxed == 1) {
                im->release_note = strdup("the file's name differs from the image's; " STRICT_XATTR
                                          "=0 on it lets systemd use it");
                return 1;
        }
        im->release_error = -ENOENT;
        if (p->relaxed > 1) {
                im->release_error = -ENOTUNIQ;
                if (asprintf(&im->release_note, "%u files of other names carry " STRICT_XATTR "=0: systemd "
                             "refuses the ambiguity", p->relaxed) < 0)
                        im->release_note = NULL;
        } else if (p->strict)
                im->release_note = strdup("only files of other names, without " STRICT_XATTR "=0: systemd "
                                          "ignores them");
        return 0;
}

static const char *release_dir(enum image_class c)
{
        return c == IMAGE_CONFEXT ? "etc/extension-release.d" : "usr/lib/extension-release.d";
}

static int parse_release(struct inv_image *im, const char *text, size_t len)
{
        int r = os_release_parse(text, len, &im->release);

        if (r < 0)
                im->release_error = r;
        return r == -ENOMEM ? r : 0;
}

/* A directory image: its extension-release through open_beneath (no
 * symlink followed inside the image). When the file of the image's name is
 * missing, systemd's fallback (struct release_pick) with the files' xattrs. */
static int read_release_dir(struct inv_image *im, int imgfd)
{
        _cleanup_(freep) char *rel = NULL, *text = NULL;
        _cleanup_(closep) int dfd = -1;
        struct release_pick pick = { .relaxed = 0 };
        size_t len = 0, n = 0, i;
        char **names = NULL;
        int r;

        if (im->class == IMAGE_PORTABLE) {
                static const char *const osrel[] = { "usr/lib/os-release", "etc/os-release" };

                for (i = 0; i < ARRAY_SIZE(osrel); i++) {
                        r = read_file_beneath(imgfd, osrel[i], RELEASE_MAX_BYTES, &text, &len);
                        if (r != -ENOENT)
                                break;
                }
                if (r < 0) {
                        im->release_error = r;
                        return 0;
                }
                im->release_file = strdup(osrel[i]);
                return parse_release(im, text, len);
        }
        if (asprintf(&rel, "%s/extension-release.%s", release_dir(im->class), im->name) < 0)
                return -ENOMEM;
        r = read_file_beneath(imgfd, rel, RELEASE_MAX_BYTES, &text, &len);
        if (r >= 0) {
                im->release_file = TAKE_PTR(rel);
                return parse_release(im, text, len);
        }
        if (r != -ENOENT) {
                im->release_error = r;
                im->release_file = TAKE_PTR(rel);
                return 0;
        }
        dfd = open_beneath(imgfd, release_dir(im->class), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || list_dir(dfd, 64, &names, &n) < 0) {
                im->release_error = -ENOENT;
                return 0;
        }
        for (i = 0, r = 0; i < n && r >= 0; i++) {
                _cleanup_(closep) int fd = -1;
                _cleanup_(freep) char *path = NULL;
                char v[16];
                ssize_t k;

                if (!release_name_ok(names[i]))
                        continue;
                if (asprintf(&path, "%s/%s", release_dir(im->class), names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                fd = open_regular_beneath(imgfd, path, NULL);
                if (fd < 0)
                        continue;               /* not a regular file: not a candidate */
                k = fgetxattr(fd, STRICT_XATTR, v, sizeof(v));
                release_pick_add(&pick, names[i], k >= 0 && strict_value_off(v, (size_t) k));
        }
        names_free(names, n);
        if (r < 0)
                return r;
        if (release_pick_done(im, &pick) > 0) {
                _cleanup_(closep) int fd = -1;

                free(rel);      /* the name the image asked for, not there */
                rel = NULL;
                if (asprintf(&rel, "%s/%s", release_dir(im->class), pick.file) < 0)
                        return -ENOMEM;
                fd = open_regular_beneath(imgfd, rel, NULL);
                r = fd < 0 ? fd : read_fd_all(fd, RELEASE_MAX_BYTES, &text, &len);
                im->release_error = r < 0 ? r : 0;
                im->release_file = TAKE_PTR(rel);
                if (r >= 0)
                        return parse_release(im, text, len);
        }
        return 0;
}

struct fs_pick {
        struct fs_reader *rd;
        const char *dir;
        struct release_pick pick;
        int error;
};

static int fs_pick_release(const char *name, enum fs_entry_type type, void *userdata)
{
        struct fs_pick *fp = userdata;
        _cleanup_(freep) char *path = NULL, *v = NULL;
        size_t n = 0;
        int r;

        if (type != FS_ENTRY_REGULAR || !release_name_ok(name))
                return 0;
        if (asprintf(&path, "%s/%s", fp->dir, name) < 0)
                return (fp->error = -ENOMEM);
        r = fs_reader_get_xattr(fp->rd, path, STRICT_XATTR, 16, &v, &n);
        if (r < 0 && r != -ENODATA && r != -E2BIG)
                return (fp->error = r); /* unreadable, or (erofs) not read: not judged */
        release_pick_add(&fp->pick, name, r >= 0 && strict_value_off(v, n));
        return 0;
}

/* A filesystem image, through the userspace reader. */
static int read_release_fs(struct inv_image *im, int fd, uint64_t offset, uint64_t size, enum fs_type type,
                           bool usr_partition)
{
        /* A DDI's usr partition is mounted on /usr: its paths lack "/usr". */
        const char *rdir = release_dir(im->class) + (usr_partition && im->class != IMAGE_CONFEXT ? 4 : 0);
        _cleanup_(fs_reader_freep) struct fs_reader *rd = NULL;
        _cleanup_(freep) char *path = NULL, *text = NULL;
        size_t len = 0;
        int r, k;

        r = fs_reader_open(fd, offset, size, type, &rd);
        if (r == -EOPNOTSUPP)
                return set_error(im, r, "%s image: uses a feature the userspace reader does not read "
                                        "(a compressed erofs, an unknown incompatible feature)", fs_type_name(type));
        if (r < 0)
                return set_error(im, r, "not a valid %s image: %s", fs_type_name(type),
                                 r == -EBADMSG ? "corrupt or truncated" : strerror(-r));
        if (im->class == IMAGE_PORTABLE) {
                const char *file = usr_partition ? "/lib/os-release" : "/usr/lib/os-release";

                r = fs_reader_read_file(rd, file, RELEASE_MAX_BYTES, &text, &len);
                if (r == -ENOENT && !usr_partition)
                        r = fs_reader_read_file(rd, file = "/etc/os-release", RELEASE_MAX_BYTES, &text, &len);
                im->release_file = strdup(file + 1);
                if (r < 0) {
                        im->release_error = r;
                        return 0;
                }
                return parse_release(im, text, len);
        }
        if (asprintf(&path, "/%s/extension-release.%s", rdir, im->name) < 0)
                return -ENOMEM;
        r = fs_reader_read_file(rd, path, RELEASE_MAX_BYTES, &text, &len);
        if (r == -ENOENT) {
                char dir[64];
                struct fs_pick fp = { .rd = rd, .dir = dir };

                snprintf(dir, sizeof(dir), "/%s", rdir);
                k = fs_reader_list(rd, dir, 64, fs_pick_release, &fp);
                if (fp.error == -ENOMEM)
                        return -ENOMEM;
                if (fp.error) {
                        if (asprintf(&im->release_note, "the image's " STRICT_XATTR " attributes could not be "
                                     "read (%s): files of other names not judged", strerror(-fp.error)) < 0)
                                im->release_note = NULL;
                } else if (k >= 0 && release_pick_done(im, &fp.pick) > 0) {
                        free(path);
                        if (asprintf(&path, "%s/%s", dir, fp.pick.file) < 0)
                                return -ENOMEM;
                        r = fs_reader_read_file(rd, path, RELEASE_MAX_BYTES, &text, &len);
                } else if (k >= 0)
                        r = im->release_error;  /* -ENOENT, or -ENOTUNIQ: refused */
        }
        im->release_file = strdup(path + 1);
        if (r < 0) {
                im->release_error = r;
                if (r == -EBADMSG)
                        set_error(im, r, "not a valid %s image: corrupt or truncated", fs_type_name(type));
                return 0;
        }
        return parse_release(im, text, len);
}

/* Which sidecars lie beside the image, and its root hash (.roothash, else
 * .usrhash) and signature through verity_sidecar_read() into *sc. */
static int read_sidecars(struct inv_image *im, int dirfd, struct verity_sidecar *sc)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(freep) char *base = NULL;
        size_t i;
        int r;

        base = strndup(im->entry, strlen(im->entry) - strlen(".raw"));
        if (!base)
                return -ENOMEM;
        for (i = 0; i < _SIDECAR_MAX; i++) {
                _cleanup_(freep) char *name = NULL;
                struct stat st;

                if (asprintf(&name, "%s%s", base, sidecar_suffix[i]) < 0)
                        return -ENOMEM;
                im->sidecars[i] = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        }
        r = verity_sidecar_read(dirfd, im->entry, sc, &err);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && !(im->roothash = strdup(sc->root_hash)))
                return -ENOMEM;
        return 0;
}

static const char *form_of(mode_t m)
{
        return S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : S_ISCHR(m) ? "char-device" :
               S_ISBLK(m) ? "block-device" : S_ISLNK(m) ? "symlink" : "other";
}

/* What one collection run shares: the options and the trusted
 * certificates, loaded on the first signature to check. */
struct collect {
        const char *root;
        struct inventory_options opt;
        const volatile sig_atomic_t *cancel;
        bool trust_tried;
        struct verity_trust *trust;
        int trust_error;
        char *trust_reason;
};

static int collect_trust(struct collect *c, const struct verity_trust **ret)
{
        if (!c->trust_tried) {
                _cleanup_(dw_error_release) struct dw_error err = { 0 };

                c->trust_tried = true;
                c->trust_error = verity_trust_load(c->root, NULL, 0, &c->trust, &err);
                if (c->trust_error < 0 && !(c->trust_reason = strdup(dw_error_reason(&err))))
                        return -ENOMEM;
        }
        if (c->trust_error < 0)
                return c->trust_error;
        *ret = c->trust;
        return 0;
}

/* The root hash signature of im: der over roothash (bare images), or the
 * DDI's signature partition. A check that cannot run is recorded. */
static int check_signature(struct collect *c, struct inv_image *im, const char *roothash, const uint8_t *der,
                           size_t len)
{
        const struct verity_trust *t = NULL;
        int r;

        if (im->ddi ? !im->ddi->sig : !der || len == 0) {
                im->sig = (struct verity_sig_result) { .status = VERITY_SIG_NONE };
                im->sig_checked = true;
                return 0;
        }
        r = collect_trust(c, &t);
        if (r >= 0)
                r = im->ddi ? ddi_signature_check(im->ddi, t, &im->sig) :
                              verity_signature_check(t, roothash, der, len, &im->sig);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return asprintf(&im->sig_error, "cannot check the signature: %s",
                                c->trust_reason ?: strerror(-r)) < 0 ? -ENOMEM : 0;
        im->sig_checked = true;
        return 0;
}

/* --verify-verity: the hash tree at hash_offset of hash_fd (with its
 * superblock) over [offset, offset + size) of fd. */
static int verify_tree(struct collect *c, struct inv_image *im, int fd, uint64_t offset, uint64_t size, int hash_fd,
                       uint64_t hash_offset, const char *roothash)
{
        struct verity_params p = { .superblock = true, .cancel = c->cancel };
        int r = verity_verify(fd, offset, size, hash_fd, hash_offset, roothash, &p, &im->verity);

        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r < 0)
                return asprintf(&im->verity_error, "cannot verify the hash tree: %s",
                                r == -EINVAL ? "the root hash is not 64 hex digits (SHA-256)" :
                                r == -EOPNOTSUPP ? "its superblock names a hash other than sha256" :
                                strerror(-r)) < 0 ? -ENOMEM : 0;
        im->verity_checked = true;
        return 0;
}

/* A bare squashfs or erofs image: the signature of its sidecar root hash,
 * and with --verify-verity the .verity sidecar's hash tree. */
static int read_bare_verity(struct collect *c, struct inv_image *im, int fd, int dirfd,
                            const struct verity_sidecar *sc)
{
        _cleanup_(freep) char *name = NULL;
        _cleanup_(closep) int hfd = -1;
        struct stat st;
        int r;

        if (!sc->root_hash)
                return 0;
        r = check_signature(c, im, sc->root_hash, sc->signature, sc->signature_len);
        if (r < 0 || !c->opt.verify_verity || !im->sidecars[SIDECAR_VERITY])
                return r;
        if (asprintf(&name, "%.*s.verity", (int) (strlen(im->entry) - strlen(".raw")), im->entry) < 0)
                return -ENOMEM;
        hfd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (hfd < 0 || fstat(hfd, &st) < 0)
                return asprintf(&im->verity_error, "cannot open '%s': %s", name, strerror(errno)) < 0 ? -ENOMEM : 0;
        if (!S_ISREG(st.st_mode))
                return asprintf(&im->verity_error, "'%s' is not a regular file", name) < 0 ? -ENOMEM : 0;
        return verify_tree(c, im, fd, 0, UINT64_MAX, hfd, 0, sc->root_hash);
}

/* A GPT disk image read by ddi_read(): the root hash of its partition
 * UUIDs, the signature partition, the hash tree (--verify-verity) and the
 * extension-release of its usr (or root) partition. */
static int read_ddi(struct collect *c, struct inv_image *im, int fd)
{
        const struct ddi *d = im->ddi;
        enum fs_type type = FS_UNKNOWN;
        int r;

        if (d->roothash[0] && !im->roothash && !(im->roothash = strdup(d->roothash)))
                return -ENOMEM;
        if (d->signature && !d->sig) {
                im->sig = (struct verity_sig_result) { .status = VERITY_SIG_INVALID };
                im->sig_checked = true;
                if (!(im->sig.reason = strdup(d->signature_error ?: "the signature partition is malformed")))
                        return -ENOMEM;
        } else if (d->signature || d->roothash[0]) {
                r = check_signature(c, im, NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        if (c->opt.verify_verity && d->data && d->verity && d->roothash[0]) {
                r = verify_tree(c, im, fd, d->data->offset, d->data->size, fd, d->verity->offset, d->roothash);
                if (r < 0)
                        return r;
        }
        if (!d->data)
                return set_error(im, -ENOMEDIUM, "no usr or root partition for %s", d->arch ?: "this architecture");
        r = fs_probe(fd, d->data->offset, d->data->size, &type);
        if (r < 0)
                return set_error(im, r, "cannot read: %s", strerror(-r));
        if (type == FS_UNKNOWN) {
                im->release_error = -EOPNOTSUPP;
                return asprintf(&im->release_note, "its %s partition is neither squashfs nor erofs: not read",
                                d->data->type->name) < 0 ? -ENOMEM : 0;
        }
        return read_release_fs(im, fd, d->data->offset, d->data->size, type, d->data->type->designator == DPS_USR);
}

static int read_image(struct collect *c, struct inv_image *im, int rootfd, int dirfd, struct hasher *h)
{
        _cleanup_(verity_sidecar_release) struct verity_sidecar sc = { 0 };
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        const volatile sig_atomic_t *cancel = c->cancel;
        _cleanup_(closep) int pfd = -1, fd = -1;
        struct stat st;
        enum fs_type type = FS_UNKNOWN;
        int r;

        /* O_PATH first: a FIFO or device is looked at, never opened. */
        pfd = open_in_root(rootfd, im->path, O_PATH);
        if (pfd < 0)
                return set_error(im, pfd, "cannot open: %s", pfd == -ELOOP ? "too many levels of symbolic links"
                                                                              : strerror(-pfd));
        if (fstat(pfd, &st) < 0)
                return set_error(im, negative_errno(), "cannot stat: %s", strerror(errno));
        im->has_stat = true;
        im->size = (uint64_t) st.st_size;
        im->mtime = (int64_t) st.st_mtime;
        if (S_ISDIR(st.st_mode)) {
                im->form = "directory";
                im->has_stat = true;
                im->size = 0;
                fd = fd_reopen(pfd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return set_error(im, fd, "cannot open: %s", strerror(-fd));
                return read_release_dir(im, fd);
        }
        if (!S_ISREG(st.st_mode)) {
                im->form = form_of(st.st_mode);
                return set_error(im, -EMEDIUMTYPE, "a %s, not a regular file or directory: not read",
                                 im->form);
        }
        fd = fd_reopen(pfd, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return set_error(im, fd, "cannot open: %s", strerror(-fd));
        r = read_sidecars(im, dirfd, &sc);
        if (r < 0)
                return r;
        r = hasher_fd(h, fd, im->size, cancel, im->sha256, NULL);
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r < 0)
                set_error(im, r, "cannot read: %s", strerror(-r));
        else
                im->hashed = true;
        r = ddi_read(fd, im->path, NULL, &im->ddi, &err);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 || r != -EMEDIUMTYPE) {
                im->form = "ddi";
                return r >= 0 ? read_ddi(c, im, fd) : set_error(im, r, "%s", dw_error_reason(&err));
        }
        r = fs_probe(fd, 0, im->size, &type);
        if (r < 0)
                return set_error(im, r, "cannot read: %s", strerror(-r));
        if (type != FS_UNKNOWN) {
                im->form = fs_type_name(type);
                r = read_release_fs(im, fd, 0, im->size, type, false);
                return r < 0 ? r : read_bare_verity(c, im, fd, dirfd, &sc);
        }
        im->form = "unknown";
        return set_error(im, -EMEDIUMTYPE, "neither a squashfs or erofs image nor a GPT disk image");
}

/* The mount table, or NULL (libmount missing, /proc not mounted): then the
 * merged state comes from systemd's markers alone. */
static struct libmnt_table *mount_table(void)
{
        const struct libmount_api *mnt;

        return libmount_load(&mnt) < 0 ? NULL : mnt->new_table_from_file("/proc/self/mountinfo");
}

static void mount_table_free(struct libmnt_table *tb)
{
        const struct libmount_api *mnt;

        if (tb && libmount_load(&mnt) >= 0)
                mnt->unref_table(tb);
}

/* Which images systemd-sysext and systemd-confext merged into the
 * hierarchies now: the names in the overlay's lowerdir= (host/layers.h:
 * /run/systemd/sysext/extensions/NAME/usr, .../confexts/NAME/etc) and in the
 * marker the merge leaves in the hierarchy (/usr/.systemd-sysext/extensions,
 * /etc/.systemd-confext/confexts). Kept apart from the image reading so the
 * mount table reader of `driftwatch mounts` can take its place. */
static bool strv_has(const struct strv *v, const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < v->n; i++)
                if (strlen(v->v[i]) == n && strncmp(v->v[i], s, n) == 0)
                        return true;
        return false;
}

static int push_name(struct strv *v, const char *s, size_t n)
{
        _cleanup_(freep) char *name = NULL;

        if (n == 0 || n > 255 || strv_has(v, s, n) || v->n >= INVENTORY_MAX_IMAGES)
                return 0;
        name = strndup(s, n);
        return name ? strv_push(v, name) : -ENOMEM;
}

/* The names of the extensions of class c merged now: the NAME of every
 * extension lowerdir of class c of the overlays on the class's hierarchies,
 * and the names in the marker the merge leaves in each hierarchy, one a
 * line. */
static int merged_names(struct libmnt_table *tb, enum image_class c, struct strv *ret)
{
        static const char *const sysext_targets[] = { "/usr", "/opt" }, *const confext_targets[] = { "/etc" };
        static const char *const sysext_markers[] = { "/usr/.systemd-sysext/extensions",
                                                      "/opt/.systemd-sysext/extensions" };
        static const char *const confext_markers[] = { "/etc/.systemd-confext/confexts" };
        const char *const *targets = c == IMAGE_CONFEXT ? confext_targets : sysext_targets;
        const char *const *markers = c == IMAGE_CONFEXT ? confext_markers : sysext_markers;
        size_t n = c == IMAGE_CONFEXT ? 1 : 2, i;
        const struct libmount_api *mnt = NULL;
        int r = 0;

        if (tb && libmount_load(&mnt) < 0)
                tb = NULL;      /* not reached: the table came from libmount */
        for (i = 0; tb && i < n && r >= 0; i++) {
                struct libmnt_fs *fs = mnt->table_find_target(tb, targets[i], MNT_ITER_BACKWARD);
                const char *opts = fs ? mnt->fs_get_fs_options(fs) : NULL, *type = fs ? mnt->fs_get_fstype(fs) : NULL;
                _cleanup_(freep) char *lower = NULL, *dir = NULL;
                char *value = NULL;
                const char *p;
                size_t vlen = 0;

                if (!type || strcmp(type, "overlay") != 0 || !opts ||
                    mnt->optstr_get_option(opts, "lowerdir", &value, &vlen) != 0 || !value)
                        continue;
                lower = strndup(value, vlen);
                dir = malloc(vlen + 1);
                if (!lower || !dir)
                        return -ENOMEM;
                for (p = lower; *p && r >= 0;) {
                        const char *name = NULL;
                        size_t len = 0;
                        bool confext = false;

                        layers_lowerdir_next(&p, dir);
                        if (layers_lowerdir_kind(dir, &name, &len, &confext) == LOWERDIR_EXTENSION &&
                            confext == (c == IMAGE_CONFEXT))
                                r = push_name(ret, name, len);
                }
        }
        for (i = 0; i < n && r >= 0; i++) {
                _cleanup_(freep) char *text = NULL;
                size_t len = 0;
                const char *p;

                if (read_file(markers[i], 64 << 10, &text, &len) < 0)
                        continue;
                for (p = text; *p && r >= 0; p += strcspn(p, "\n"), p += *p == '\n')
                        r = push_name(ret, p, strcspn(p, "\n"));
        }
        return r;
}

/* Marks the images merged now; names merged with no image left on a search
 * path go to inv->merged_gone. Portable images are attached, not merged. */
static int mark_merged(struct inventory *inv)
{
        static const enum image_class classes[] = { IMAGE_SYSEXT, IMAGE_CONFEXT };
        struct libmnt_table *tb = mount_table();
        size_t k, i, j;
        int r = 0;

        for (i = 0; i < inv->n_images; i++)
                inv->images[i].merged = inv->images[i].class == IMAGE_PORTABLE ? -1 : 0;
        for (k = 0; k < ARRAY_SIZE(classes) && r >= 0; k++) {
                _cleanup_(strv_release) struct strv names = { 0 };

                r = merged_names(tb, classes[k], &names);
                for (j = 0; j < names.n && r >= 0; j++) {
                        bool found = false;

                        for (i = 0; i < inv->n_images; i++) {
                                struct inv_image *im = &inv->images[i];

                                /* a dangling symlink is no image of that name */
                                if (im->class == classes[k] && im->shadowed_by < 0 && im->error != -ENOENT &&
                                    strcmp(im->name, names.v[j]) == 0) {
                                        im->merged = 1;
                                        found = true;
                                }
                        }
                        if (!found)
                                r = strv_push(&inv->merged_gone[k], names.v[j]);
                }
        }
        mount_table_free(tb);
        return r;
}

/* Whether a kernel command line (what) asks for a verity-protected /usr or
 * root: usrhash=, roothash=, systemd.verity_*_data=. */
static bool cmdline_verity(struct inventory *inv, const char *cmdline, const char *what)
{
        static const char *const words[] = { "usrhash=", "roothash=", "systemd.verity_usr_data=",
                                              "systemd.verity_root_data=" };
        size_t i;

        for (i = 0; cmdline && i < ARRAY_SIZE(words); i++)
                if (strstr(cmdline, words[i])) {
                        inv->usr_verity = 1;
                        if (asprintf(&inv->usr_verity_reason, "%s has %s", what, words[i]) < 0)
                                inv->usr_verity_reason = NULL;
                        return true;
                }
        return false;
}

/* An offline root: the command line its image gives the kernel
 * (/etc/kernel/cmdline, else /usr/lib/kernel/cmdline, as kernel-install and
 * ukify read them). Nothing else of an offline root says how it will boot. */
static void detect_root_verity(struct inventory *inv, int rootfd)
{
        static const char *const files[] = { "etc/kernel/cmdline", "usr/lib/kernel/cmdline" };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_(freep) char *text = NULL, *what = NULL;
                size_t len = 0;

                if (read_file_beneath(rootfd, files[i], 64 << 10, &text, &len) < 0)
                        continue;
                if (asprintf(&what, "the root's /%s", files[i]) < 0)
                        return;
                if (cmdline_verity(inv, text, what))
                        return;
                inv->usr_verity = 0;
                return;
        }
}

/* Whether /usr is verity-protected: the kernel command line asks for it,
 * /usr or / is a dm-verity device, or the root is composefs with verity. */
static void detect_usr_verity(struct inventory *inv)
{
        _cleanup_(freep) char *cmdline = NULL;
        struct libmnt_table *tb;
        const struct libmount_api *mnt = NULL;
        size_t len = 0, i;
        static const char *const targets[] = { "/usr", "/" };

        if (read_file("/proc/cmdline", 64 << 10, &cmdline, &len) >= 0 &&
            cmdline_verity(inv, cmdline, "the kernel command line"))
                return;
        tb = mount_table();
        if (tb && libmount_load(&mnt) < 0)
                tb = NULL;      /* not reached: the table came from libmount */
        for (i = 0; tb && i < ARRAY_SIZE(targets); i++) {
                struct libmnt_fs *fs = mnt->table_find_target(tb, targets[i], MNT_ITER_BACKWARD);
                const char *src = fs ? mnt->fs_get_source(fs) : NULL, *type = fs ? mnt->fs_get_fstype(fs) : NULL;
                const char *opts = fs ? mnt->fs_get_fs_options(fs) : NULL;

                if (!fs)
                        continue;
                if ((type && strcmp(type, "composefs") == 0) ||
                    (src && strcmp(src, "composefs") == 0 && opts && strstr(opts, "verity"))) {
                        inv->usr_verity = 1;
                        if (asprintf(&inv->usr_verity_reason, "%s is composefs with verity", targets[i]) < 0)
                                inv->usr_verity_reason = NULL;
                        break;
                }
                if (src && (strncmp(src, "/dev/mapper/", 12) == 0 || strncmp(src, "/dev/dm-", 8) == 0)) {
                        char uuidpath[64];
                        _cleanup_(freep) char *uuid = NULL;
                        struct stat st;

                        if (stat(src, &st) < 0)
                                continue;
                        snprintf(uuidpath, sizeof(uuidpath), "/sys/dev/block/%u:%u/dm/uuid", major(st.st_rdev),
                                 minor(st.st_rdev));
                        if (read_file(uuidpath, 4096, &uuid, &len) >= 0 && strncmp(uuid, "CRYPT-VERITY", 12) == 0) {
                                inv->usr_verity = 1;
                                if (asprintf(&inv->usr_verity_reason, "%s is on dm-verity (%s)", targets[i], src) < 0)
                                        inv->usr_verity_reason = NULL;
                                break;
                        }
                }
        }
        mount_table_free(tb);
        if (inv->usr_verity < 0)
                inv->usr_verity = 0;
}

/* Whether an image policy string (systemd.image-policy(7): rules
 * "PARTITION=FLAG+FLAG" joined by ':', an empty PARTITION the default)
 * allows the root and usr partitions of an extension only when signed: no
 * "unprotected", "verity" (unsigned verity), "encrypted" or "open" for
 * either. The shorthands "*" (all allowed) and "-"/"~" (nothing used) do not
 * require a signature. */
static bool policy_requires_signature(const char *policy, size_t len)
{
        static const char *const parts[] = { "root", "usr" };
        static const char *const weak[] = { "unprotected", "verity", "encrypted", "open" };
        size_t k, i;

        for (k = 0; k < ARRAY_SIZE(parts); k++) {
                const char *rule = NULL, *dflt = NULL, *p = policy, *end = policy + len, *flags;
                size_t n;

                while (p < end) {
                        const char *stop = memchr(p, ':', (size_t) (end - p)) ?: end;
                        const char *eq = memchr(p, '=', (size_t) (stop - p));

                        if (eq && (size_t) (eq - p) == strlen(parts[k]) && strncmp(p, parts[k], (size_t) (eq - p)) == 0)
                                rule = eq + 1;
                        else if (eq && eq == p)
                                dflt = eq + 1;
                        p = stop + (stop < end);
                }
                flags = rule ?: dflt;
                if (!flags)
                        return false;
                n = strcspn(flags, ": \t\n\"'");
                if (!memmem(flags, n, "signed", 6))
                        return false;
                for (i = 0; i < ARRAY_SIZE(weak); i++) {
                        const char *w = memmem(flags, n, weak[i], strlen(weak[i]));

                        if (w && (w == flags || w[-1] == '+' || w[-1] == '=') &&
                            (w + strlen(weak[i]) == flags + n || w[strlen(weak[i])] == '+'))
                                return false;
                }
        }
        return true;
}

/* Whether the root's systemd-sysext or systemd-confext runs with an image
 * policy that wants signed images: an --image-policy= (systemd v254 and
 * later) in the ExecStart= of the service or one of its drop-ins. systemd
 * has no kernel command line switch for it; sysext's default policy
 * (image_policy_sysext) takes unsigned images. */
static int detect_image_policy(struct inventory *inv, int rootfd)
{
        static const char *const units[] = { "systemd-sysext.service", "systemd-confext.service" };
        static const char *const dirs[] = { "etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system" };
        size_t u, d, i;

        for (u = 0; u < ARRAY_SIZE(units); u++)
                for (d = 0; d < ARRAY_SIZE(dirs); d++) {
                        _cleanup_(freep) char *dropins = NULL;
                        char **names = NULL;
                        size_t n = 0;
                        int fd;

                        if (asprintf(&dropins, "%s/%s.d", dirs[d], units[u]) < 0)
                                return -ENOMEM;
                        fd = open_in_root(rootfd, dropins, O_RDONLY | O_DIRECTORY);
                        if (fd >= 0 && list_dir(fd, 256, &names, &n) < 0)
                                n = 0;
                        for (i = 0; i <= n; i++) {
                                _cleanup_(freep) char *path = NULL, *text = NULL;
                                const char *p;
                                size_t len = 0;

                                if (i < n && !ends_with(names[i], ".conf"))
                                        continue;
                                if ((i < n ? asprintf(&path, "%s/%s", dropins, names[i]) :
                                             asprintf(&path, "%s/%s", dirs[d], units[u])) < 0) {
                                        names_free(names, n);
                                        return -ENOMEM;
                                }
                                if (read_file_beneath(rootfd, path, 64 << 10, &text, &len) < 0)
                                        continue;
                                for (p = text; (p = strstr(p, "--image-policy=")); p += 15)
                                        if (policy_requires_signature(p + 15, strcspn(p + 15, " \t\n\"'"))) {
                                                inv->require_signature = true;
                                                free(inv->require_signature_reason);
                                                if (asprintf(&inv->require_signature_reason,
                                                             "/%s runs %s with --image-policy=%.*s", path, units[u],
                                                             (int) strcspn(p + 15, " \t\n\"'"), p + 15) < 0)
                                                        inv->require_signature_reason = NULL;
                                        }
                        }
                        names_free(names, n);
                }
        return 0;
}

static int read_attached(struct inventory *inv, int rootfd)
{
        static const char *const dirs[] = { "/etc/systemd/system.attached", "/run/systemd/system.attached" };
        size_t i, j;

        for (i = 0; i < ARRAY_SIZE(dirs); i++) {
                char **names = NULL;
                size_t n = 0;
                int fd = open_in_root(rootfd, dirs[i], O_RDONLY | O_DIRECTORY);

                if (fd < 0 || list_dir(fd, INVENTORY_MAX_ATTACHED, &names, &n) < 0)
                        continue;
                for (j = 0; j < n && inv->n_attached < INVENTORY_MAX_ATTACHED; j++) {
                        char **v, *p;

                        if (names[j][0] == '.')
                                continue;
                        v = realloc(inv->attached, (inv->n_attached + 1) * sizeof(*v));
                        if (!v || asprintf(&p, "%s/%s", dirs[i], names[j]) < 0) {
                                inv->attached = v ?: inv->attached;
                                names_free(names, n);
                                return -ENOMEM;
                        }
                        inv->attached = v;
                        inv->attached[inv->n_attached++] = p;
                }
                names_free(names, n);
        }
        return 0;
}

static int read_host_release(struct inventory *inv, int rootfd)
{
        static const char *const files[] = { "/etc/os-release", "/usr/lib/os-release" };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_(closep) int pfd = open_in_root(rootfd, files[i], O_PATH);
                _cleanup_(closep) int fd = -1;
                _cleanup_(freep) char *text = NULL;
                struct stat st;
                size_t len = 0;

                if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                fd = fd_reopen(pfd, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || read_fd_all(fd, RELEASE_MAX_BYTES, &text, &len) < 0)
                        continue;
                if (os_release_parse(text, len, &inv->host_release) == -ENOMEM)
                        return -ENOMEM;
                inv->host_release_file = files[i];
                return 0;
        }
        return 0;
}

static int add_image(struct inventory *inv, size_t dir, const char *entry, struct inv_image **ret)
{
        const struct search_dir *sd = &search_dirs[dir];
        struct inv_image *v, *im;
        size_t n;

        if (inv->n_images >= INVENTORY_MAX_IMAGES)
                return -E2BIG;
        v = realloc(inv->images, (inv->n_images + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        inv->images = v;
        im = &v[inv->n_images];
        *im = (struct inv_image) { .class = sd->class, .dir = dir, .shadowed_by = -1, .merged = -1 };
        n = strlen(entry);
        if (ends_with(entry, ".raw"))
                n -= 4;
        im->entry = strdup(entry);
        im->name = strndup(entry, n);
        if (asprintf(&im->path, "%s/%s", sd->path, entry) < 0)
                im->path = NULL;
        if (!im->entry || !im->name || !im->path) {
                image_release(im);
                return -ENOMEM;
        }
        inv->n_images++;
        *ret = im;
        return 0;
}

/* Whether dir/name (below rootfd) is a regular file: an image only when *.raw. */
static bool ignored_file(int rootfd, const char *dir, const char *name)
{
        _cleanup_(freep) char *path = NULL;
        _cleanup_(closep) int fd = -1;
        struct stat st;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return false;
        fd = open_in_root(rootfd, path, O_PATH);
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int scan_dir(struct inventory *inv, size_t dir, int rootfd, struct hasher *h, struct collect *c,
                    char **ret_reason)
{
        const struct search_dir *sd = &search_dirs[dir];
        struct search_dir_state *ds = &inv->dirs[dir];
        _cleanup_(closep) int dfd = -1;
        char **names = NULL;
        size_t n = 0, i;
        struct stat st;
        int r;

        dfd = open_in_root(rootfd, sd->path, O_RDONLY | O_DIRECTORY);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0) {
                ds->error = dfd;
                return 0;
        }
        if (fstat(dfd, &st) < 0)
                return negative_errno();
        ds->exists = true;
        ds->uid = st.st_uid;
        ds->mode = st.st_mode;
        ds->writable_by_others = st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH));
        r = list_dir(fcntl(dfd, F_DUPFD_CLOEXEC, 3), INVENTORY_MAX_ENTRIES, &names, &n);
        if (r < 0) {
                if (ret_reason && asprintf(ret_reason, "cannot list '%s': %s", sd->path,
                                           r == -E2BIG ? "more than 4096 entries" : strerror(-r)) < 0)
                        *ret_reason = NULL;
                return r;
        }
        for (i = 0; i < n && r >= 0; i++) {
                struct inv_image *im;

                if (c->cancel && *c->cancel) {
                        r = -ECANCELED;
                        break;
                }
                if (names[i][0] == '.' || is_sidecar(names[i]))
                        continue;
                /* systemd takes directories, *.raw files and block devices; other
                 * regular files it ignores, and so does the inventory. A symlink
                 * is looked at where it leads inside the root, never outside. */
                if (!ends_with(names[i], ".raw") && ignored_file(rootfd, sd->path, names[i]))
                        continue;
                r = add_image(inv, dir, names[i], &im);
                if (r >= 0)
                        r = read_image(c, im, rootfd, dfd, h);
        }
        names_free(names, n);
        return r;
}

static void mark_shadowed(struct inventory *inv)
{
        size_t i, j;

        for (i = 0; i < inv->n_images; i++)
                for (j = 0; j < i; j++)
                        /* a dangling symlink is skipped by systemd: it wins nothing */
                        if (inv->images[j].class == inv->images[i].class && inv->images[j].shadowed_by < 0 &&
                            inv->images[j].error != -ENOENT &&
                            strcmp(inv->images[j].name, inv->images[i].name) == 0) {
                                inv->images[i].shadowed_by = (ssize_t) j;
                                break;
                        }
}

static void collect_release(struct collect *c)
{
        verity_trust_free(c->trust);
        free(c->trust_reason);
}

int inventory_collect(const char *root, const volatile sig_atomic_t *cancel, struct inventory **ret,
                      char **ret_reason)
{
        return inventory_collect_opt(root, NULL, cancel, ret, ret_reason);
}

int inventory_collect_opt(const char *root, const struct inventory_options *opt, const volatile sig_atomic_t *cancel,
                          struct inventory **ret, char **ret_reason)
{
        _cleanup_(collect_release) struct collect c = { .root = root, .cancel = cancel };
        _cleanup_(inventory_freep) struct inventory *inv = NULL;
        _cleanup_(hasher_freep) struct hasher *h = NULL;
        _cleanup_(closep) int rootfd = -1;
        struct stat a, b;
        size_t i;
        int r;

        if (opt)
                c.opt = *opt;
        inv = calloc(1, sizeof(*inv));
        if (!inv)
                return -ENOMEM;
        inv->usr_verity = -1;
        inv->dirs = calloc(n_search_dirs, sizeof(*inv->dirs));
        if (!inv->dirs)
                return -ENOMEM;
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return negative_errno();
        /* The live host is root "/" itself, not a copy of it. */
        inv->live = fstat(rootfd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        r = hasher_new(&h);
        if (r < 0)
                return r;
        r = read_host_release(inv, rootfd);
        if (r < 0)
                return r;
        for (i = 0; i < n_search_dirs; i++) {
                r = scan_dir(inv, i, rootfd, h, &c, ret_reason);
                if (r < 0)
                        return r;
        }
        mark_shadowed(inv);
        r = detect_image_policy(inv, rootfd);
        if (r < 0)
                return r;
        r = read_attached(inv, rootfd);
        if (r < 0)
                return r;
        if (inv->live) {
                r = mark_merged(inv);
                if (r < 0)
                        return r;
                detect_usr_verity(inv);
        } else {
                detect_root_verity(inv, rootfd);
        }
        *ret = TAKE_PTR(inv);
        return 0;
}
