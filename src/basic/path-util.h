/* Path helpers for files a user names (state databases and the like). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Creates the missing directories above path's last component with mode
 * (like `mkdir -p "$(dirname path)"`). Returns 0 or -errno. */
int mkdir_parents(const char *path, mode_t mode);

/* Creates dir and its missing parents with mode (`mkdir -p`); 0 or -errno. */
int mkdir_p(const char *dir, mode_t mode);

/* Whether p has a ".." component (which could climb out of a root). */
bool path_has_dotdot(const char *p);

/* The lexical normal form of the absolute path p ("//", "." and ".." resolved,
 * no trailing '/') into buf; false when p is not absolute or too long. */
bool path_normalize_lexical(const char *p, char *buf, size_t size);

/* a is b or lies below it (both normalized). */
bool path_is_within(const char *a, const char *b);
