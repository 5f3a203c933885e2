/*
 * signing — the supervisor's half of commit signing (docs/signing.md):
 * resolve once per run how commits are signed (shared/git/signcfg.h:
 * repocast.commit, else git's config), then hand the method, the key's
 * name and the program to every JOB that commits, and say in the report
 * and in `repocast diagnose` which method and key (its fingerprint or id,
 * never the key) a run used.
 */
#ifndef REPOCAST_SIGNING_H
#define REPOCAST_SIGNING_H

#include "proto/msg.h"
#include "shared/git/signcfg.h"

struct cfg;
struct report_run;

struct signing {
	struct signcfg how;        /* method SIGNCFG_OFF: unsigned */
	char *shown;               /* the key as a report shows it (path, id,
	                            * "key::<type>" for a literal) */
	char *fingerprint;         /* ssh: "SHA256:..." when readable, else NULL */
};

/*
 * Resolve from c's repocast.commit (c may be NULL: git's config alone);
 * name and email are the committer's (openpgp/x509's key id when none is
 * set). 0, or ERR_CONFIG with err_last naming the setting (with the
 * config's file:line:col when it came from there).
 */
int signing_resolve(struct signing *out, const struct cfg *c, const char *name,
    const char *email);
void signing_release(struct signing *s);
/* Is anything signed? */
int signing_on(const struct signing *s);
/* Set job's sign{method, key, program} to heap copies (msg_release frees). */
void signing_to_job(const struct signing *s, struct msg_job *job);
/* The same, borrowed from s (for a message that is sent and not released). */
void signing_borrow(const struct signing *s, struct msg_job *job);
/* run.signing of the report (copies). */
void signing_to_report(const struct signing *s, struct report_run *run);
/* "ssh key /path (SHA256:...), from git config" or "off": one line. Caller frees. */
char *signing_describe(const struct signing *s);

#endif
