/*
 * signcfg: repocast.commit.sign's values, and the method, key and program
 * resolved from repocast's settings or, when they say nothing, from git's
 * config (commit.gpgsign, gpg.format, user.signingkey, gpg.program,
 * gpg.<format>.program): one file named for the test, and the default
 * set through HOME.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/git/signcfg.h"
#include "shared/util.h"

static char dir[64];
static char *gitcfg, *home;

/* Each test its own directory, and HOME as it was after (CK_FORK=no runs
 * every test in one process). */
static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_signcfg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	gitcfg = xasprintf("%s/.gitconfig", dir);
	home = xstrdup_or_null(getenv("HOME"));
}

static void
teardown(void)
{
	unlink(gitcfg);
	free(gitcfg);
	rmdir(dir);
	if (home != NULL)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	free(home);
}

static void
write_cfg(const char *text)
{
	FILE *f = fopen(gitcfg, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_mode_parse)
{
	enum signcfg_mode m;
	const char *why = NULL;

	ck_assert_int_eq(signcfg_mode_parse(&m, "ssh", NULL), 0);
	ck_assert_int_eq(m, SIGNCFG_SSH);
	ck_assert_int_eq(signcfg_mode_parse(&m, "openpgp", NULL), 0);
	ck_assert_int_eq(m, SIGNCFG_OPENPGP);
	ck_assert_int_eq(signcfg_mode_parse(&m, "x509", NULL), 0);
	ck_assert_int_eq(m, SIGNCFG_X509);
	ck_assert_int_eq(signcfg_mode_parse(&m, "false", NULL), 0);
	ck_assert_int_eq(m, SIGNCFG_OFF);
	ck_assert_int_eq(signcfg_mode_parse(&m, "gpg", &why), -1);
	ck_assert_str_eq(why, "expected ssh, openpgp, x509 or false");
	ck_assert_int_eq(signcfg_mode_parse(&m, "SSH", NULL), -1);
	ck_assert_int_eq(signcfg_mode_parse(&m, "", NULL), -1);
	ck_assert_str_eq(signcfg_mode_name(SIGNCFG_SSH), "ssh");
	ck_assert_str_eq(signcfg_mode_name(SIGNCFG_X509), "x509");
	ck_assert_str_eq(signcfg_mode_name(SIGNCFG_OFF), "none");
}
END_TEST

/* repocast's own settings: a method given needs no commit.gpgsign. */
START_TEST(test_repocast_settings)
{
	struct signcfg s;

	write_cfg("[user]\n\tsigningkey = /git/key\n[gpg \"ssh\"]\n\tprogram = /opt/ssh-keygen\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_SSH, "/keys/bot", "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_SSH);
	ck_assert_str_eq(s.key, "/keys/bot");
	ck_assert_str_eq(s.program, "/opt/ssh-keygen");   /* git's program still applies */
	ck_assert_str_eq(s.from, "repocast.commit");
	signcfg_release(&s);
	/* no key: git's user.signingkey */
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_SSH, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_str_eq(s.key, "/git/key");
	signcfg_release(&s);
	/* openpgp with no key anywhere: the committer, as git does */
	write_cfg("");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_OPENPGP, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_OPENPGP);
	ck_assert_str_eq(s.key, "A <a@x>");
	ck_assert_str_eq(s.program, "gpg");
	signcfg_release(&s);
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_X509, "0x1234", "A <a@x>", gitcfg), 0);
	ck_assert_str_eq(s.program, "gpgsm");
	ck_assert_str_eq(s.key, "0x1234");
	signcfg_release(&s);
	/* ssh with no key anywhere: the setting's error */
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_SSH, NULL, "A <a@x>", gitcfg), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "signing with ssh needs a key: set repocast.commit.key or "
	    "git's user.signingkey");
	ck_assert_int_eq(s.method, SIGNCFG_OFF);
	signcfg_release(&s);
	/* false: off, whatever git says */
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = /k\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_OFF, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_OFF);
	ck_assert_ptr_null(s.key);
	signcfg_release(&s);
}
END_TEST

/* Nothing in repocast's settings: git's config, as git reads it. */
START_TEST(test_git_config)
{
	struct signcfg s;
	char *want;

	/* no commit.gpgsign, or false: unsigned */
	write_cfg("[user]\n\tsigningkey = /k\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_OFF);
	ck_assert_str_eq(s.from, "git config");
	signcfg_release(&s);
	write_cfg("[commit]\n\tgpgsign = no\n[user]\n\tsigningkey = /k\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_OFF);
	signcfg_release(&s);
	/* gpgsign alone: openpgp, the committer's key, gpg.program */
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = gpg2\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_OPENPGP);
	ck_assert_str_eq(s.key, "A <a@x>");
	ck_assert_str_eq(s.program, "gpg2");
	signcfg_release(&s);
	/* gpg.openpgp.program wins over gpg.program */
	write_cfg("[commit]\n\tgpgsign = 1\n[gpg]\n\tprogram = gpg2\n[gpg \"openpgp\"]\n"
	    "\tprogram = /usr/local/bin/gpg\n[user]\n\tsigningKey = ABCD1234\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_str_eq(s.program, "/usr/local/bin/gpg");
	ck_assert_str_eq(s.key, "ABCD1234");
	signcfg_release(&s);
	/* ssh: a key file ("~/" is HOME's, relative is the cwd's), literals */
	setenv("HOME", "/home/bot", 1);
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n"
	    "\tsigningkey = ~/.ssh/id_ed25519\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_SSH);
	ck_assert_str_eq(s.key, "/home/bot/.ssh/id_ed25519");
	ck_assert_str_eq(s.program, "ssh-keygen");
	signcfg_release(&s);
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n"
	    "\tsigningkey = keys/bot\n[gpg \"ssh\"]\n\tprogram = /opt/bin/ssh-keygen\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	{
		char cwd[4096];

		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		want = xasprintf("%s/keys/bot", cwd);
	}
	ck_assert_str_eq(s.key, want);
	ck_assert_str_eq(s.program, "/opt/bin/ssh-keygen");
	free(want);
	signcfg_release(&s);
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n"
	    "\tsigningkey = \"key::ssh-ed25519 AAAAC3 bot\"\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_str_eq(s.key, "key::ssh-ed25519 AAAAC3 bot");
	signcfg_release(&s);
	/* git's deprecated bare literal becomes a key:: one */
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n"
	    "\tsigningkey = ssh-ed25519 AAAAC3\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_str_eq(s.key, "key::ssh-ed25519 AAAAC3");
	signcfg_release(&s);
	/* x509 */
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = x509\n[gpg \"x509\"]\n"
	    "\tprogram = smimesign\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), 0);
	ck_assert_int_eq(s.method, SIGNCFG_X509);
	ck_assert_str_eq(s.program, "smimesign");
	ck_assert_str_eq(s.key, "A <a@x>");
	signcfg_release(&s);
	/* errors: a format git does not know, ssh with no key, a bad bool */
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = pgp\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "git config gpg.format: 'pgp' is not openpgp, ssh or x509");
	signcfg_release(&s);
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), ERR_CONFIG);
	signcfg_release(&s);
	write_cfg("[commit]\n\tgpgsign = maybe\n");
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", gitcfg), ERR_CONFIG);
	ck_assert_msg(strstr(err_last(), "git config commit.gpgsign") != NULL, "%s", err_last());
	signcfg_release(&s);
}
END_TEST

/* No file named: libgit2's default set, found through HOME as git finds it. */
START_TEST(test_default_config_home)
{
	struct signcfg s;

	setenv("HOME", dir, 1);
	unsetenv("XDG_CONFIG_HOME");
	write_cfg("[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n"
	    "\tsigningkey = /keys/from-home\n");
	/* libgit2 reads HOME when it is initialised: this process is a fork of
	 * the runner, so set its search path to be sure */
	git_libgit2_init();
	ck_assert_int_eq(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, dir),
	    0);
	ck_assert_int_eq(signcfg_resolve(&s, SIGNCFG_GIT, NULL, "A <a@x>", NULL), 0);
	ck_assert_int_eq(s.method, SIGNCFG_SSH);
	ck_assert_str_eq(s.key, "/keys/from-home");
	signcfg_release(&s);
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, NULL);
	git_libgit2_shutdown();
}
END_TEST

Suite *
signcfg_suite(void)
{
	Suite *s = suite_create("signcfg");
	TCase *tc = tcase_create("signcfg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_mode_parse);
	tcase_add_test(tc, test_repocast_settings);
	tcase_add_test(tc, test_git_config);
	tcase_add_test(tc, test_default_config_home);
	suite_add_tcase(s, tc);
	return s;
}
