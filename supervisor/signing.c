/* signing — see signing.h. */
#include "supervisor/signing.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/sshfp.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/report/report.h"

/* A literal ssh key shows as "key::<type>": the key itself is public, but a
 * report has no use for its bytes. */
static char *
shown_key(const struct signcfg *h)
{
	if (h->method == SIGNCFG_SSH && strncmp(h->key, "key::", 5) == 0)
		return xasprintf("key::%.*s", (int)strcspn(h->key + 5, " \t\n"), h->key + 5);
	return xstrdup(h->key);
}

int
signing_resolve(struct signing *out, const struct cfg *c, const char *name, const char *email)
{
	enum signcfg_mode mode = c != NULL ? c->rc.commit_sign : SIGNCFG_GIT;
	const char *key = c != NULL ? c->rc.commit_key : NULL;
	char *committer = xasprintf("%s <%s>", name, email);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = signcfg_resolve(&out->how, mode, key, committer, NULL);
	free(committer);
	if (rc < 0) {
		if (c != NULL && c->rc.commit_sign_pos.line > 0)
			err_wrap("%s:%d:%d: repocast.commit.sign", c->path, c->rc.commit_sign_pos.line,
			    c->rc.commit_sign_pos.col);
		return rc == ERR_CONFIG ? rc : ERR_CONFIG;
	}
	if (out->how.method == SIGNCFG_OFF)
		return 0;
	/* The API makes its own commit from the parts: a signature over the
	 * worker's commit would not be carried, so refuse rather than push
	 * unsigned what the settings asked to sign. */
	if (c != NULL && c->rc.commit_via_api) {
		rc = err_set(ERR_CONFIG, "%s:%d:%d: repocast.commit.via: api does not carry a "
		    "signature of the commit (%s asks for one): GitHub signs the commits a "
		    "GitHub App makes through the API itself; use via: push to sign them, or "
		    "sign: false", c->path, c->rc.commit_via_pos.line, c->rc.commit_via_pos.col,
		    c->rc.commit_sign_pos.line > 0 ? "repocast.commit.sign" :
		    "git's commit.gpgsign");
		signing_release(out);
		return rc;
	}
	out->shown = shown_key(&out->how);
	/* A key file that is not there yet fails the targets that commit
	 * (cause signing), not the run: the report just has no fingerprint. */
	if (out->how.method == SIGNCFG_SSH && sshfp_key(&out->fingerprint, out->how.key) < 0)
		err_clear();
	return 0;
}

void
signing_release(struct signing *s)
{
	if (s == NULL)
		return;
	signcfg_release(&s->how);
	free(s->shown);
	free(s->fingerprint);
	s->shown = s->fingerprint = NULL;
}

int
signing_on(const struct signing *s)
{
	return s->how.method == SIGNCFG_SSH || s->how.method == SIGNCFG_OPENPGP ||
	    s->how.method == SIGNCFG_X509;
}

void
signing_borrow(const struct signing *s, struct msg_job *job)
{
	if (!signing_on(s))
		return;
	job->sign_method = (char *)signcfg_mode_name(s->how.method);
	job->sign_key = s->how.key;
	job->sign_program = s->how.program;
}

void
signing_to_job(const struct signing *s, struct msg_job *job)
{
	if (!signing_on(s))
		return;
	job->sign_method = xstrdup(signcfg_mode_name(s->how.method));
	job->sign_key = xstrdup(s->how.key);
	job->sign_program = xstrdup(s->how.program);
}

void
signing_to_report(const struct signing *s, struct report_run *run)
{
	if (!signing_on(s))
		return;
	run->signing.method = xstrdup(signcfg_mode_name(s->how.method));
	run->signing.key = xstrdup_or_null(s->shown);
	run->signing.fingerprint = xstrdup_or_null(s->fingerprint);
	run->signing.from = xstrdup(s->how.from);
}

char *
signing_describe(const struct signing *s)
{
	if (!signing_on(s))
		return xasprintf("off (%s)", s->how.from != NULL ? s->how.from : "git config");
	return xasprintf("%s, key %s%s%s%s, program %s, from %s",
	    signcfg_mode_name(s->how.method), s->shown,
	    s->fingerprint != NULL ? " (" : "", s->fingerprint != NULL ? s->fingerprint : "",
	    s->fingerprint != NULL ? ")" : "", s->how.program, s->how.from);
}
