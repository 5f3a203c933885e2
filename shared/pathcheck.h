/*
 * pathcheck — which paths repocast writes into a repository, and which
 * directory it keeps its cache in (docs/SECURITY.md). One rule for the
 * config checker, the planner and the worker, so that what `validate`
 * accepts is what a sync would write and a worker refuses what a
 * supervisor should never have sent.
 *
 * A component is "a .git" by git's own rules (its path.c and utf8.c,
 * is_ntfs_dotgit and is_hfs_dotgit), checked on every platform because a
 * target repository is checked out on all of them:
 *   - ".git" in any case, followed by nothing but spaces and dots
 *     (".GIT", ".git ", ".git.", ".git. ."): Windows drops those;
 *   - "git~1" in any case, likewise: the NTFS 8.3 short name of ".git";
 *   - ".git" with an NTFS alternate data stream (".git::$INDEX_ALLOCATION");
 *   - ".git" with Unicode code points that HFS+ ignores anywhere in it
 *     (U+200C..U+200F, U+202A..U+202E, U+206A..U+206F, U+FEFF).
 * Both '/' and '\' separate components (Windows reads a backslash as a
 * separator), so "..\.." and "sub\.git\config" are refused too.
 *
 * Pure string checks except pathcheck_cache_dir, which looks at the file
 * system. Every function is safe to call from either process.
 */
#ifndef REPOCAST_PATHCHECK_H
#define REPOCAST_PATHCHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Is comp[0..len) (one component, no separator in it) a .git, as above? */
bool pathcheck_is_dotgit(const char *comp, size_t len);

/*
 * A path in a config (a src or a dest): not empty, relative (no leading
 * '/' or '\', no drive letter "C:"), no control characters, no ".."
 * component and no .git component. "." and empty components are allowed
 * (the planner drops "./" and trailing slashes). 0, or -1 with *why (may
 * be NULL) a static lowercase reason.
 */
int pathcheck_path(const char *path, const char **why);

/*
 * A path a worker writes into a tree (a manifest entry, a delete or prune
 * path): pathcheck_path, and no empty or "." component (so no leading,
 * doubled or trailing '/'). 0, or -1 with *why.
 */
int pathcheck_tree_path(const char *path, const char **why);

/*
 * One entry name of a tree read from a repository: not empty, not "." or
 * "..", no '/', no .git (and no ".." or .git between backslashes). 0, or
 * -1 with *why.
 */
int pathcheck_name(const char *name, const char **why);

/*
 * Does a symlink at path (a tree path) whose target is the len bytes of
 * target stay inside the repository? Outside: an empty target, a NUL in
 * it, an absolute target ('/', '\', a drive letter), one that climbs
 * above the root with "..", or one that goes through a .git component.
 * 0 inside, -1 outside with *why.
 */
int pathcheck_symlink(const char *path, const char *target, size_t len, const char **why);

/*
 * May dir hold repocast's cache (mirrors, API cache, skip cache)? Refused:
 * "/", a system tree (/bin /boot /dev /etc /lib /lib32 /lib64 /libx32
 * /proc /sbin /sys /usr or below), a shared top directory itself (/home
 * /media /mnt /opt /run /srv /tmp /var /var/tmp); and, when dir exists,
 * anything but a directory owned by the effective user and not writable
 * by others. The longest existing prefix is resolved (symlinks followed)
 * before the comparison. A relative dir is taken from the current
 * directory. 0, or -1 with *why.
 */
int pathcheck_cache_dir(const char *dir, const char **why);

#endif
