/*
 * repolist — the --repos file of `repocast run`.
 *
 * A repos file lists one repository a line; blank lines and lines whose
 * first non-blank character is '#' are ignored. An entry is
 *   - a local path (absolute, or relative to the current directory),
 *   - a file://, http:// or https:// git URL,
 *   - owner/name, resolved against git_url: <git_url>/owner/name.git,
 *   - none: or none:NAME, no repository at all (the command runs in an
 *     empty directory; for measuring the pool itself).
 * Each entry gets a display name (owner/name, or the last path component
 * without .git) which must be unique in the file: it names the log file.
 */
#ifndef REPOCAST_REPOLIST_H
#define REPOCAST_REPOLIST_H

#include <stddef.h>
#include <stdint.h>

#include "shared/strv.h"
#include "supervisor/shard.h"

struct repolist_entry {
	char *spec;   /* the line as written (trimmed) */
	char *name;   /* display name: owner/name or the entry's base name */
	char *url;    /* what the worker fetches: absolute path, URL, or "none:" */
	char *branch; /* the branch to check out (a config target's); NULL: the default */
	int line;
};

struct repolist {
	struct repolist_entry *v;
	size_t n, cap;
};

/*
 * Parse text (the contents of the file called name) into l, appending.
 * git_url may be NULL (then owner/name entries are errors). 0, or
 * ERR_CONFIG with err_last holding one "NAME:LINE: message" line per bad
 * line (nothing appended then).
 */
int repolist_parse(struct repolist *l, const char *name, const char *text, const char *git_url);
/* Read path and parse it; ERR_NOTFOUND when missing; ERR_CONFIG when empty. */
int repolist_load(struct repolist *l, const char *path, const char *git_url);
/*
 * Append owner/name (a repository the API named) fetched from
 * <git_url>/owner/name.git, unless an entry of that name is already in l
 * (compared case-insensitively, as GitHub compares names): then 1, nothing
 * added. 0 when added.
 */
int repolist_add_repo(struct repolist *l, const char *full_name, const char *git_url);
void repolist_release(struct repolist *l);
/* Keep only the entries whose name is in names (--only-failed), in their
 * order; the others are freed. Returns how many are left. */
size_t repolist_keep(struct repolist *l, const struct strv *names);
/* Keep only the entries of shard s (--shard; by display name, shard.h),
 * in their order. Returns how many are left. */
size_t repolist_keep_shard(struct repolist *l, const struct shard *s);

#endif
