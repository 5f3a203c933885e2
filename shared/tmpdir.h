/*
 * tmpdir — private temporary directories: created 0700 under $TMPDIR (or
 * /tmp) and removed with everything in them, even what a command left
 * unwritable. Used by the worker for checkouts and by the supervisor for a
 * run's scratch directory (which it removes after the run, so a worker that
 * died before cleaning up leaves nothing behind).
 */
#ifndef REPOCAST_TMPDIR_H
#define REPOCAST_TMPDIR_H

/* Create $TMPDIR/<prefix>XXXXXX. 0 with *dir set (caller frees), or -1. */
int tmpdir_make(char **dir, const char *prefix);
/* Remove dir and its contents; best effort, never follows symlinks. */
void tmpdir_remove(const char *dir);
/*
 * Remove the directories $TMPDIR/<prefix><PID>-* whose process PID is
 * gone (what a killed owner left; tmpdir_make with such a prefix made
 * them). Returns how many were removed.
 */
int tmpdir_remove_stale(const char *prefix);

#endif
