/*
 * prtext — the text of a sync pull request and its branch name (DESIGN §3),
 * written and read back.
 *
 * Branch names are go-broadcast's, so either tool recognises the other's
 * branches: "<prefix>-<scope>-<YYYYMMDD>-<HHMMSS>-<sha7>" in UTC, where
 * scope is the target repository's name with every run of characters
 * outside [A-Za-z0-9_-] turned into '-' (trimmed; "unknown" when empty) and
 * a name is a sync branch only when all of
 * ^<prefix>-([A-Za-z0-9_-]+)-(\d{8})-(\d{6})-([A-Fa-f0-9]+)$ matches.
 *
 * The PR title is "[Sync] Update project files from source repository
 * (<sha7>)". The body lists the changes and ends with one line
 * "<!-- repocast-metadata {json} -->" holding the source repo, branch and
 * FULL commit, the target repo and branch, the config digest and the file
 * list (the JSON never contains '<' or '>', so the comment cannot end early
 * and no file name can fake a block; the last block in a body wins). Read
 * back, it is what discovery compares. go-broadcast's YAML block
 * "<!-- go-broadcast-metadata\nsync_metadata:\n  source_repo: ...\n-->"
 * (and its older "go-broadcast:metadata" / "go-broadcast metadata" markers)
 * is read too.
 *
 * Everything here is pure string work: no I/O, no clock.
 */
#ifndef REPOCAST_PRTEXT_H
#define REPOCAST_PRTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "shared/buf.h"

/* GitHub rejects longer PR bodies. */
#define PRTEXT_BODY_MAX 65536
/* Files listed in the visible part of the body; the rest are counted. */
#define PRTEXT_LIST_MAX 50

/* One changed file, as the worker reported it. */
struct prtext_change {
	const char *path;
	const char *status;          /* "added", "modified", "deleted" ... */
};

/* A module directory synced at a version (docs/modules.md). */
struct prtext_module {
	const char *dir;             /* source directory */
	const char *dest;
	const char *version;         /* the tag; NULL: the branch head */
	const char *commit;          /* full id of the commit its files came from */
};

/* What the body is built from (all borrowed). */
struct prtext_in {
	const char *source_repo;     /* "owner/name" */
	const char *source_branch;
	const char *source_commit;   /* full 40-hex id */
	const char *target_repo;
	const char *target_branch;   /* the PR's base */
	const char *config_digest;
	const struct prtext_change *files;
	size_t nfiles;
	const char *note;            /* a paragraph after the summary, or NULL */
	const struct prtext_module *modules;  /* listed, and "modules" in the block */
	size_t nmodules;
};

enum prtext_origin { PRTEXT_REPOCAST = 1, PRTEXT_GO_BROADCAST = 2 };

struct prtext_file {
	char *path;
	char *status;                /* NULL for go-broadcast entries */
};

/* A metadata block read back (everything owned; release with prtext_meta_release). */
struct prtext_meta {
	enum prtext_origin origin;
	int version;                 /* repocast block version; 0 for go-broadcast */
	char *source_repo;
	char *source_branch;         /* NULL for go-broadcast */
	char *source_commit;         /* as written: compare full ids only */
	char *target_repo;
	char *target_branch;         /* NULL for go-broadcast */
	char *config_digest;         /* NULL for go-broadcast */
	char *sync_commit;           /* go-broadcast only */
	struct prtext_file *files;
	size_t nfiles;
	size_t file_count;           /* files changed, >= nfiles when truncated */
	bool files_truncated;
};

/* A parsed sync branch name. */
struct prtext_branch {
	char scope[128];
	char commit[41];             /* the short (or longer) hex as written */
	time_t when;                 /* UTC */
};

/*
 * "[Sync] Update project files from source repository (<sha7>)" into out
 * (appended). ERR_CONFIG when commit is shorter than 7 hex digits.
 */
int prtext_title(struct buf *out, const char *commit);

/* The scope segment for a target "owner/name" (appended to out). */
void prtext_scope(struct buf *out, const char *target_repo);

/*
 * "<prefix>-<scope>-<YYYYMMDD>-<HHMMSS>-<sha7>" for when (UTC), appended
 * to out. ERR_CONFIG for an empty prefix or one with characters outside
 * [A-Za-z0-9/_-] ("invalid branch prefix 'x'"), or a commit shorter than 7
 * hex digits.
 */
int prtext_branch(struct buf *out, const char *prefix, const char *target_repo,
    time_t when, const char *commit);

/*
 * Parse name as a sync branch of prefix. 0 with *out filled; ERR_NOTFOUND
 * when name is not one (a hand-made branch that only shares the prefix, a
 * bad date or time, a scope longer than out->scope).
 */
int prtext_branch_parse(struct prtext_branch *out, const char *name,
    const char *prefix);

/*
 * Build the PR body into out (appended). At most max bytes are written (0:
 * PRTEXT_BODY_MAX): past PRTEXT_LIST_MAX files, or when space runs out,
 * the visible list ends with "...and N more"; when the metadata's file list
 * would not fit it is dropped and "files_truncated": true recorded (the
 * count and commits always stay). ERR_LIMIT when even that does not fit,
 * ERR_CONFIG when a required field is missing.
 */
int prtext_body(struct buf *out, const struct prtext_in *in, size_t max);

/*
 * Find and parse the metadata block of a PR body: the repocast block when
 * present, else go-broadcast's. 0 with *out filled; ERR_NOTFOUND when the
 * body has neither; ERR_PROTO for a block that is there but malformed
 * ("bad repocast-metadata block: ..."). out is zeroed first, release it in
 * every case.
 */
int prtext_meta_parse(struct prtext_meta *out, const char *body);
void prtext_meta_release(struct prtext_meta *m);

/*
 * True when a and b are the same FULL commit id: both 40 (or, for SHA-256
 * repositories, 64) hex digits and equal ignoring case. Short ids never
 * match anything, not even themselves.
 */
bool prtext_commit_eq(const char *a, const char *b);

#endif
