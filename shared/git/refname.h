/*
 * refname — git's own rules for a branch name, through libgit2
 * (git_reference_name_is_valid on "refs/heads/" + name), so that what the
 * config accepts is what git and the forge accept.
 *
 * libgit2 is initialised on first use and stays so for the life of the
 * process (git_libgit2_init costs ~6 ms cold; a balanced init/shutdown
 * around every check would pay it per name). Not thread-safe on the first
 * call; the config is loaded on one thread.
 */
#ifndef REPOCAST_REFNAME_H
#define REPOCAST_REFNAME_H

/*
 * Is name a valid branch name? Git's ref rules for refs/heads/<name>, and
 * those git adds for a branch: not starting with '-', not "HEAD" and not
 * "@" (both name the current commit), no DEL (git refuses it, libgit2 1.5
 * does not). At most 255 bytes (GitHub's limit).
 * 0, or -1 with *why (may be NULL) a static lowercase reason.
 */
int refname_check_branch(const char *name, const char **why);

#endif
