/* signcfg — see signcfg.h. */
#include "shared/git/signcfg.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/util.h"

static const char *const mode_names[] = { "git", "none", "ssh", "openpgp", "x509" };
/* gpg.format's values, indexed like the methods from SIGNCFG_SSH on. */
static const char *const format_names[] = { "ssh", "openpgp", "x509" };
static const char *const default_programs[] = { "ssh-keygen", "gpg", "gpgsm" };

int
signcfg_mode_parse(enum signcfg_mode *out, const char *s, const char **why)
{
	size_t i;

	if (strcmp(s, "false") == 0) {
		*out = SIGNCFG_OFF;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum signcfg_mode)(SIGNCFG_SSH + i);
			return 0;
		}
	if (why != NULL)
		*why = "expected ssh, openpgp, x509 or false";
	return -1;
}

const char *
signcfg_mode_name(enum signcfg_mode m)
{
	return (size_t)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "none";
}

void
signcfg_release(struct signcfg *s)
{
	if (s == NULL)
		return;
	free(s->key);
	free(s->program);
	memset(s, 0, sizeof(*s));
	s->method = SIGNCFG_OFF;
}

/* A string setting of gc, or NULL when unset. ERR_FAIL on a read error. */
static int
get_str(char **out, git_config *gc, const char *name)
{
	git_buf b = GIT_BUF_INIT;
	int rc;

	*out = NULL;
	if (gc == NULL)
		return 0;
	rc = git_config_get_string_buf(&b, gc, name);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return err_git(ERR_CONFIG, "git config %s", name);
	*out = xstrdup(b.ptr);
	git_buf_dispose(&b);
	return 0;
}

/*
 * git's ssh key forms: "key::<public key>" and (deprecated) a bare
 * "ssh-..." public key are literals, anything else a file path: "~/" is
 * $HOME's, a relative path the working directory's.
 */
static char *
ssh_key(const char *k)
{
	const char *home;
	char cwd[4096];

	if (strncmp(k, "key::", 5) == 0)
		return xstrdup(k);
	if (strncmp(k, "ssh-", 4) == 0)
		return xasprintf("key::%s", k);
	if (strncmp(k, "~/", 2) == 0 && (home = getenv("HOME")) != NULL && *home != '\0')
		return xasprintf("%s/%s", home, k + 2);
	if (k[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		return xasprintf("%s/%s", cwd, k);
	return xstrdup(k);
}

static int
open_config(git_config **out, const char *gitconfig)
{
	git_config *live = NULL;
	int rc;

	*out = NULL;
	rc = gitconfig != NULL ? git_config_open_ondisk(&live, gitconfig) :
	    git_config_open_default(&live);
	/* No config file at all is an empty config. */
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot read the git config");
	rc = git_config_snapshot(out, live);
	git_config_free(live);
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot read the git config");
	return 0;
}

int
signcfg_resolve(struct signcfg *out, enum signcfg_mode mode, const char *key,
    const char *committer, const char *gitconfig)
{
	git_config *gc = NULL;
	char *format = NULL, *gkey = NULL, *prog = NULL, *name = NULL;
	int on = 0, rc;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->method = SIGNCFG_OFF;
	out->from = mode == SIGNCFG_GIT ? "git config" : "repocast.commit";
	if (mode == SIGNCFG_OFF)
		return 0;
	git_libgit2_init();
	if ((rc = open_config(&gc, gitconfig)) < 0)
		goto out;
	if (mode == SIGNCFG_GIT) {
		rc = gc != NULL ? git_config_get_bool(&on, gc, "commit.gpgsign") : GIT_ENOTFOUND;
		if (rc == GIT_ENOTFOUND || (rc == 0 && !on)) {
			rc = 0;
			goto out;
		}
		if (rc < 0) {
			rc = err_git(ERR_CONFIG, "git config commit.gpgsign");
			goto out;
		}
		if ((rc = get_str(&format, gc, "gpg.format")) < 0)
			goto out;
		mode = SIGNCFG_OPENPGP;
		if (format != NULL) {
			for (i = 0; i < ARRAY_SIZE(format_names); i++)
				if (strcmp(format, format_names[i]) == 0)
					break;
			if (i == ARRAY_SIZE(format_names)) {
				rc = err_set(ERR_CONFIG, "git config gpg.format: '%s' is not openpgp, "
				    "ssh or x509", format);
				goto out;
			}
			mode = (enum signcfg_mode)(SIGNCFG_SSH + i);
		}
	}
	if (key == NULL || *key == '\0') {
		if ((rc = get_str(&gkey, gc, "user.signingkey")) < 0)
			goto out;
		key = gkey != NULL && *gkey != '\0' ? gkey : NULL;
	}
	/* gpg.program is git's older name of gpg.openpgp.program. */
	name = xasprintf("gpg.%s.program", format_names[mode - SIGNCFG_SSH]);
	if ((rc = get_str(&prog, gc, name)) < 0)
		goto out;
	if (prog == NULL && mode == SIGNCFG_OPENPGP && (rc = get_str(&prog, gc, "gpg.program")) < 0)
		goto out;
	if (mode == SIGNCFG_SSH && key == NULL) {
		rc = err_set(ERR_CONFIG, "signing with ssh needs a key: set repocast.commit.key "
		    "or git's user.signingkey");
		goto out;
	}
	out->method = mode;
	if (mode == SIGNCFG_SSH)
		out->key = ssh_key(key);
	else
		out->key = xstrdup(key != NULL ? key : committer != NULL ? committer : "");
	out->program = prog != NULL && *prog != '\0' ? prog :
	    xstrdup(default_programs[mode - SIGNCFG_SSH]);
	if (out->program != prog)
		free(prog);
	prog = NULL;
	rc = 0;
out:
	free(name);
	free(prog);
	free(gkey);
	free(format);
	git_config_free(gc);
	git_libgit2_shutdown();
	return rc;
}
