/*
 * pathcheck — git's rules for a .git component, and what repocast writes
 * where. See pathcheck.h.
 */
#include "shared/pathcheck.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/utf8.h"
#include "shared/util.h"

static int
why_fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

static bool
is_sep(char ch)
{
	return ch == '/' || ch == '\\';
}

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Does s[0..len) start with the lowercase ASCII word, in any case? */
static bool
starts_nocase(const char *s, size_t len, const char *word)
{
	size_t i, n = strlen(word);

	if (len < n)
		return false;
	for (i = 0; i < n; i++)
		if (lower(s[i]) != word[i])
			return false;
	return true;
}

/*
 * NTFS: ".git" or "git~1" followed by nothing but spaces and dots, or by
 * an alternate data stream (':'), which still names the directory.
 */
static bool
is_ntfs_dotgit(const char *s, size_t len)
{
	size_t i, n;

	if (starts_nocase(s, len, ".git"))
		n = 4;
	else if (starts_nocase(s, len, "git~1"))
		n = 5;
	else
		return false;
	for (i = n; i < len; i++) {
		if (s[i] == ':')
			return true;
		if (s[i] != ' ' && s[i] != '.')
			return false;
	}
	return true;
}

/* The code point at s (n bytes left) into *cp; its length, 0 when invalid. */
static size_t
utf8_next(uint32_t *cp, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = utf8_seq_len(s, n), i;

	if (k == 0)
		return 0;
	if (k == 1) {
		*cp = u[0];
		return 1;
	}
	*cp = u[0] & (0xff >> (k + 1));
	for (i = 1; i < k; i++)
		*cp = (*cp << 6) | (u[i] & 0x3f);
	return k;
}

/* The code points HFS+ leaves out when it compares names. */
static bool
hfs_ignorable(uint32_t cp)
{
	return (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff;
}

/*
 * HFS+: ".git" once the ignorable code points are dropped, ASCII compared
 * without case. Invalid UTF-8 is not a name HFS+ would fold: no match.
 */
static bool
is_hfs_dotgit(const char *s, size_t len)
{
	static const char want[] = ".git";
	size_t i = 0, k, matched = 0;
	uint32_t cp;

	while (i < len) {
		if ((k = utf8_next(&cp, s + i, len - i)) == 0)
			return false;
		i += k;
		if (hfs_ignorable(cp))
			continue;
		if (cp > 0x7f || matched == 4 || lower((char)cp) != want[matched])
			return false;
		matched++;
	}
	return matched == 4;
}

bool
pathcheck_is_dotgit(const char *comp, size_t len)
{
	size_t i;

	if (is_ntfs_dotgit(comp, len))
		return true;
	/* Pure ASCII: HFS+ folds nothing the NTFS rule has not seen. */
	for (i = 0; i < len; i++)
		if ((unsigned char)comp[i] >= 0x80)
			return is_hfs_dotgit(comp, len);
	return false;
}

static bool
is_dotdot(const char *s, size_t len)
{
	return len == 2 && s[0] == '.' && s[1] == '.';
}

static bool
has_drive(const char *s)
{
	return ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) && s[1] == ':';
}

/*
 * The components of path split on '/' and '\': 0, or -1 with *why for a
 * ".." or a .git (and, when strict, an empty or "." component).
 */
static int
check_components(const char *path, bool strict, const char **why)
{
	const char *p = path, *comp = path;

	for (;; p++) {
		size_t len;

		if (*p != '\0' && !is_sep(*p))
			continue;
		len = (size_t)(p - comp);
		if (is_dotdot(comp, len))
			return why_fail(why, "path must not contain a '..' segment");
		if (pathcheck_is_dotgit(comp, len))
			return why_fail(why, "path must not contain a '.git' segment (git's rules:"
			    " any case, trailing dots or spaces, 'git~1', ignorable code points)");
		if (strict && len == 0)
			return why_fail(why, "path must not contain an empty segment");
		if (strict && len == 1 && comp[0] == '.')
			return why_fail(why, "path must not contain a '.' segment");
		if (*p == '\0')
			return 0;
		comp = p + 1;
	}
}

/* Both path rules: the strict one adds no empty and no "." segment. */
static int
check_path(const char *path, bool strict, const char **why)
{
	const char *p;

	if (path == NULL || *path == '\0')
		return why_fail(why, "path must not be empty");
	if (is_sep(path[0]) || has_drive(path))
		return why_fail(why, "path must be relative");
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return why_fail(why, "path must not contain control characters");
	return check_components(path, strict, why);
}

int
pathcheck_path(const char *path, const char **why)
{
	return check_path(path, false, why);
}

int
pathcheck_tree_path(const char *path, const char **why)
{
	return check_path(path, true, why);
}

int
pathcheck_name(const char *name, const char **why)
{
	const char *p, *seg;

	if (name == NULL || *name == '\0')
		return why_fail(why, "empty name");
	if (strcmp(name, ".") == 0)
		return why_fail(why, "name '.'");
	if (strchr(name, '/') != NULL)
		return why_fail(why, "name with a '/'");
	for (p = seg = name;; p++) {
		if (*p != '\0' && *p != '\\')
			continue;
		if (is_dotdot(seg, (size_t)(p - seg)))
			return why_fail(why, "name '..'");
		if (pathcheck_is_dotgit(seg, (size_t)(p - seg)))
			return why_fail(why, "a '.git' name");
		if (*p == '\0')
			return 0;
		seg = p + 1;
	}
}

int
pathcheck_symlink(const char *path, const char *target, size_t len, const char **why)
{
	const char *p, *comp;
	long depth = 0;
	size_t i;

	if (len == 0)
		return why_fail(why, "the link is empty");
	if (memchr(target, '\0', len) != NULL)
		return why_fail(why, "the link holds a NUL byte");
	if (is_sep(target[0]) || (len >= 2 && has_drive(target)))
		return why_fail(why, "the link is an absolute path");
	/* Directories above the link: the components of path but its last. */
	for (p = comp = path; *p != '\0'; p++)
		if (*p == '/') {
			if (p > comp && !(p - comp == 1 && comp[0] == '.'))
				depth++;
			comp = p + 1;
		}
	for (i = 0, comp = target;; i++) {
		size_t n;

		if (i < len && !is_sep(target[i]))
			continue;
		n = (size_t)(target + i - comp);
		if (is_dotdot(comp, n)) {
			if (--depth < 0)
				return why_fail(why, "the link points outside the repository");
		} else if (pathcheck_is_dotgit(comp, n)) {
			return why_fail(why, "the link points into a '.git' directory");
		} else if (n > 0 && !(n == 1 && comp[0] == '.')) {
			depth++;
		}
		if (i >= len)
			return 0;
		comp = target + i + 1;
	}
}

/* ---- the cache directory ---- */

/* Is the absolute, normalised abs one of the refused directories? */
static bool
is_system_dir(const char *abs)
{
	static const char *const trees[] = {
		"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
		"/sbin", "/sys", "/usr",
	};
	static const char *const tops[] = {
		"/", "/home", "/media", "/mnt", "/opt", "/run", "/srv", "/tmp", "/var", "/var/tmp",
	};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(tops); i++)
		if (strcmp(abs, tops[i]) == 0)
			return true;
	for (i = 0; i < ARRAY_SIZE(trees); i++) {
		n = strlen(trees[i]);
		if (strncmp(abs, trees[i], n) == 0 && (abs[n] == '\0' || abs[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Append the components of rel to the absolute, normalised out, folding
 * "." and ".." (".." at "/" stays at "/").
 */
static void
append_normalised(struct buf *out, const char *rel)
{
	const char *p = rel, *comp = rel;

	for (;; p++) {
		size_t n;

		if (*p != '\0' && *p != '/')
			continue;
		n = (size_t)(p - comp);
		if (is_dotdot(comp, n)) {
			char *slash = strrchr(out->ptr, '/');

			buf_setlen(out, slash != NULL && slash > out->ptr ?
			    (size_t)(slash - out->ptr) : 1);
		} else if (n > 0 && !(n == 1 && comp[0] == '.')) {
			if (out->len > 1)
				buf_addch(out, '/');
			buf_add(out, comp, n);
		}
		if (*p == '\0')
			return;
		comp = p + 1;
	}
}

/*
 * dir made absolute with its longest existing prefix resolved (realpath)
 * and the rest folded lexically, into out.
 */
static void
resolve_dir(struct buf *out, const char *dir)
{
	struct buf full = BUF_INIT;
	char *real = NULL, *cut;
	char cwd[PATH_MAX];

	if (dir[0] != '/') {
		buf_addstr(&full, getcwd(cwd, sizeof(cwd)) != NULL ? cwd : "/");
		buf_addch(&full, '/');
	}
	buf_addstr(&full, dir);
	/* The longest prefix (at a '/') that exists. */
	for (cut = full.ptr + full.len;;) {
		char save = *cut;

		*cut = '\0';
		real = realpath(full.ptr[0] != '\0' ? full.ptr : "/", NULL);
		*cut = save;
		if (real != NULL || cut == full.ptr)
			break;
		while (cut > full.ptr && *--cut != '/')
			;
	}
	buf_setlen(out, 0);
	buf_addstr(out, "/");
	append_normalised(out, real != NULL ? real : "/");
	append_normalised(out, cut);
	free(real);
	buf_release(&full);
}

int
pathcheck_cache_dir(const char *dir, const char **why)
{
	struct buf abs = BUF_INIT;
	struct stat st;
	bool sys;

	if (dir == NULL || *dir == '\0')
		return why_fail(why, "must not be empty");
	resolve_dir(&abs, dir);
	sys = is_system_dir(abs.ptr);
	buf_release(&abs);
	if (sys)
		return why_fail(why, "is a system directory (a cache directory must be one of"
		    " your own)");
	if (stat(dir, &st) < 0)
		return 0;  /* created later, with mode 0700 */
	if (!S_ISDIR(st.st_mode))
		return why_fail(why, "is not a directory");
	if (st.st_uid != geteuid())
		return why_fail(why, "is owned by another user (a cache directory must be"
		    " owned by you)");
	if (st.st_mode & S_IWOTH)
		return why_fail(why, "is writable by every user (chmod o-w it, or choose"
		    " another)");
	return 0;
}
