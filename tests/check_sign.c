/*
 * sign: the worker's signer run on a buffer, with stand-in programs (shell
 * scripts) for ssh-keygen and gpg: the argv git uses, the buffer on
 * stdin, the signature from stdout; gpg's signature counts only with
 * SIG_CREATED on its status fd; a failure's message is the signer's
 * stderr, trimmed, without gpg's status lines; an unused signer exits
 * when released; a missing program fails at sign time, not before.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "worker/sign.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_sign.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* A stand-in signer: the shell script body, as an executable file. */
static char *
script(const char *name, const char *body)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(p, 0755), 0);
	return p;
}

static void
job_for(struct msg_job *j, const char *method, const char *key, const char *program)
{
	memset(j, 0, sizeof(*j));
	j->sign_method = (char *)method;
	j->sign_key = (char *)key;
	j->sign_program = (char *)program;
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_read_file(&b, path), 0);
	return buf_detach(&b, NULL);
}

START_TEST(test_ssh_argv_and_stdin)
{
	char *args = xasprintf("%s/args", dir), *in = xasprintf("%s/in", dir);
	char *body = xasprintf("echo \"$@\" > %s; cat > %s; echo '-----BEGIN SSH SIGNATURE-----'; "
	    "echo 'U1NI'; printf -- '-----END SSH SIGNATURE-----\\r\\n'", args, in);
	char *prog = script("ssh-keygen", body), *got;
	struct msg_job j;
	struct sign s;
	struct buf sig = BUF_INIT;

	job_for(&j, "ssh", "/keys/bot", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(s.method, SIGN_SSH);
	ck_assert_int_gt(s.pid, 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "tree 1\n\nmsg\n", 12), 0);
	/* CRs are stripped from the line ends, as git does */
	ck_assert_str_eq(sig.ptr, "-----BEGIN SSH SIGNATURE-----\nU1NI\n"
	    "-----END SSH SIGNATURE-----\n");
	got = slurp(args);
	ck_assert_str_eq(got, "-Y sign -n git -f /keys/bot\n");
	free(got);
	got = slurp(in);
	ck_assert_str_eq(got, "tree 1\n\nmsg\n");
	free(got);
	sign_release(&s);
	buf_release(&sig);
	free(prog);
	free(body);
	free(args);
	free(in);
}
END_TEST

/* A "key::" literal goes to a private file, with -U, removed at release. */
START_TEST(test_ssh_literal_key)
{
	char *args = xasprintf("%s/args", dir);
	char *body = xasprintf("echo \"$@\" > %s; f=$6; cat \"$f\" >> %s; cat > /dev/null; "
	    "echo sig", args, args);
	char *prog = script("ssh-keygen", body), *got, *keyfile;
	struct msg_job j;
	struct sign s;
	struct buf sig = BUF_INIT;

	job_for(&j, "ssh", "key::ssh-ed25519 AAAA bot", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_ptr_nonnull(s.tmpdir);
	keyfile = xasprintf("%s/signing-key.pub", s.tmpdir);
	ck_assert_int_eq(sign_buffer(&sig, &s, "x", 1), 0);
	got = slurp(args);
	ck_assert_msg(strstr(got, "-Y sign -n git -f ") == got && strstr(got, " -U\n") != NULL,
	    "%s", got);
	ck_assert_msg(strstr(got, "ssh-ed25519 AAAA bot\n") != NULL, "%s", got);
	free(got);
	ck_assert_int_eq(access(keyfile, F_OK), 0);
	sign_release(&s);
	ck_assert_int_ne(access(keyfile, F_OK), 0);
	free(keyfile);
	buf_release(&sig);
	free(prog);
	free(body);
	free(args);
}
END_TEST

START_TEST(test_gpg)
{
	char *args = xasprintf("%s/args", dir);
	char *ok = xasprintf("echo \"$@\" > %s; cat > /dev/null; "
	    "echo '[GNUPG:] KEY_CONSIDERED ABCD 2' >&2; "
	    "echo '[GNUPG:] SIG_CREATED D 22 8 00 1700000000 ABCD' >&2; echo PGPSIG", args);
	char *prog = script("gpg", ok), *got;
	char *nosig = script("gpg-nosig", "cat > /dev/null; echo PGPSIG");
	struct msg_job j;
	struct sign s;
	struct buf sig = BUF_INIT;

	job_for(&j, "openpgp", "ABCD", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "data", 4), 0);
	ck_assert_str_eq(sig.ptr, "PGPSIG\n");
	got = slurp(args);
	ck_assert_str_eq(got, "--batch --no-tty --pinentry-mode error --status-fd=2 -bsau ABCD\n");
	free(got);
	sign_release(&s);
	/* x509: gpgsm's arguments */
	job_for(&j, "x509", "0x1234", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "data", 4), 0);
	got = slurp(args);
	ck_assert_str_eq(got, "--batch --pinentry-mode error --status-fd=2 -bsau 0x1234\n");
	free(got);
	sign_release(&s);
	/* exit 0 and a signature, but no SIG_CREATED: refused, as git does */
	job_for(&j, "openpgp", "ABCD", nosig);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "data", 4), ERR_AUTH);
	ck_assert_uint_eq(sig.len, 0);
	sign_release(&s);
	buf_release(&sig);
	free(prog);
	free(nosig);
	free(ok);
	free(args);
}
END_TEST

START_TEST(test_failure_message)
{
	char *prog = script("gpg", "cat > /dev/null; echo '[GNUPG:] INV_SGNR 9 X' >&2; "
	    "printf '\\n  gpg: skipped \"X\": No secret key  \\r\\n\\n' >&2; "
	    "echo 'gpg: signing failed: No secret key' >&2; "
	    "echo '[GNUPG:] FAILURE sign 17' >&2; exit 2");
	char *quiet = script("quiet", "exec 0<&-; exit 1");
	char *big = script("big", "cat > /dev/null; i=0; while [ $i -lt 300 ]; do "
	    "echo \"line $i of a long complaint\" >&2; i=$((i+1)); done; exit 1");
	struct msg_job j;
	struct sign s;
	struct buf sig = BUF_INIT;

	job_for(&j, "openpgp", "X", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "data", 4), ERR_AUTH);
	sign_release(&s);
	ck_assert_msg(strstr(err_last(), "gpg: skipped \"X\": No secret key; gpg: signing failed: "
	    "No secret key") != NULL, "%s", err_last());
	ck_assert_msg(strstr(err_last(), "GNUPG") == NULL, "%s", err_last());
	/* it reads nothing (a write of 1 MiB meets a closed pipe: EPIPE, no
	 * SIGPIPE, no hang) and says nothing */
	job_for(&j, "ssh", "/k", quiet);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	{
		char *mb = calloc(1, 1 << 20);

		ck_assert_int_eq(sign_buffer(&sig, &s, mb, 1 << 20), ERR_AUTH);
		free(mb);
	}
	ck_assert_msg(strstr(err_last(), ": it failed and said nothing") != NULL, "%s", err_last());
	sign_release(&s);
	job_for(&j, "ssh", "/k", big);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "data", 4), ERR_AUTH);
	ck_assert_uint_lt(strlen(err_last()), 1024 + 200);
	ck_assert_msg(strstr(err_last(), "...") != NULL, "%s", err_last());
	sign_release(&s);
	buf_release(&sig);
	free(prog);
	free(quiet);
	free(big);
}
END_TEST

START_TEST(test_not_ready)
{
	char *prog = script("never", "touch ran");
	struct msg_job j;
	struct sign s;
	struct buf sig = BUF_INIT;
	char *ran = xasprintf("%s/ran", dir);
	pid_t pid;
	int st;

	/* nothing to sign */
	job_for(&j, NULL, NULL, NULL);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(s.method, SIGN_NONE);
	ck_assert_int_eq(s.pid, -1);
	sign_release(&s);
	/* readied, never used: the stand-by child exits, the program never ran */
	job_for(&j, "ssh", "/k", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	pid = s.pid;
	ck_assert_int_gt(pid, 0);
	sign_release(&s);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), -1);   /* reaped by release */
	ck_assert_int_ne(access(ran, F_OK), 0);
	ck_assert_int_ne(access("ran", F_OK), 0);
	/* a program not installed: reported when a commit needs signing */
	job_for(&j, "ssh", "/k", "repocast-no-such-signer");
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(s.pid, -1);
	ck_assert_int_eq(sign_buffer(&sig, &s, "x", 1), ERR_AUTH);
	ck_assert_str_eq(err_last(), "cannot sign the commit: cannot find the signing program "
	    "'repocast-no-such-signer'");
	sign_release(&s);
	job_for(&j, "pgp", "/k", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "x", 1), ERR_AUTH);
	ck_assert_str_eq(err_last(), "cannot sign the commit: unknown signing method 'pgp'");
	sign_release(&s);
	job_for(&j, "ssh", "", prog);
	ck_assert_int_eq(sign_prepare(&s, &j), 0);
	ck_assert_int_eq(sign_buffer(&sig, &s, "x", 1), ERR_AUTH);
	ck_assert_str_eq(err_last(), "cannot sign the commit: no signing key given");
	sign_release(&s);
	buf_release(&sig);
	free(ran);
	free(prog);
}
END_TEST

Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_ssh_argv_and_stdin);
	tcase_add_test(tc, test_ssh_literal_key);
	tcase_add_test(tc, test_gpg);
	tcase_add_test(tc, test_failure_message);
	tcase_add_test(tc, test_not_ready);
	suite_add_tcase(s, tc);
	return s;
}
