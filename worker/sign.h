/*
 * sign — the worker's commit signer (docs/signing.md): the program git
 * runs for commit.gpgsign, run the way git runs it, on the commit buffer
 * libgit2 made, giving the armored signature that goes into the commit's
 * gpgsig header.
 *
 *   ssh      PROGRAM -Y sign -n git -f KEYFILE [-U]   (-U for a "key::" key,
 *            written to a private file first, as git does: its private
 *            half is in ssh-agent)
 *   openpgp  PROGRAM --batch --no-tty --pinentry-mode error --status-fd=2 -bsau KEYID
 *   x509     PROGRAM --batch --pinentry-mode error --status-fd=2 -bsau KEYID
 *
 * The buffer is the signer's stdin, its stdout the signature; a gpg
 * signature counts only with "[GNUPG:] SIG_CREATED " on its status fd,
 * as git requires. Nothing ever asks for a passphrase: the worker has no
 * controlling terminal (its own session), the signer gets
 * SSH_ASKPASS_REQUIRE=never and no GPG_TTY, gpg's pinentry mode is
 * "error"; a key that needs one fails.
 *
 * The sync worker runs under a seccomp filter that forbids starting a
 * program (seccomp.h). So sign_prepare, called before the filter, forks a
 * stand-by child with the argv and environment already built; the child
 * waits on a pipe and execs the signer only when sign_buffer sends it the
 * word, or exits when sign_release closes the pipe unused. The child is
 * forked before the filter and never has it; the worker itself only
 * writes, reads and waits.
 */
#ifndef REPOCAST_SIGN_H
#define REPOCAST_SIGN_H

#include <stddef.h>
#include <sys/types.h>

#include "proto/msg.h"
#include "shared/buf.h"

enum sign_method { SIGN_NONE = 0, SIGN_SSH, SIGN_OPENPGP, SIGN_X509 };

struct sign {
	enum sign_method method;
	pid_t pid;            /* the stand-by child; -1 none */
	int go_fd;            /* a byte here makes it exec; closing it, exit */
	int in_fd;            /* the signer's stdin (write end) */
	int out_fd, err_fd;   /* its stdout and stderr (read ends) */
	char *tmpdir;         /* holds a "key::" key's file; removed at release */
	char *failed;         /* why sign_prepare could not ready it, reported by
	                       * sign_buffer (a commit needs it; a no-op does not) */
	const char *program;  /* for messages; borrowed from the JOB */
};

/* Set s to "nothing to sign" (descriptors -1): before any sign_release. */
void sign_init(struct sign *s);
/*
 * Ready s for job's sign{method, key, program}; SIGN_NONE when the JOB
 * signs nothing. Before seccomp_apply (it forks). A program that cannot
 * be found or a bad method is kept in s->failed for sign_buffer. 0, or
 * -1 with err_last set (no pipe, no fork). s needs no sign_init first.
 */
int sign_prepare(struct sign *s, const struct msg_job *job);
/*
 * Sign data: the stand-by child execs the signer, gets data on its stdin;
 * out receives its stdout (the armored signature). Once per struct sign.
 * Blocks until the signer exits. 0, or ERR_AUTH with err_last "cannot
 * sign the commit with PROGRAM: <its stderr, trimmed>".
 */
int sign_buffer(struct buf *out, struct sign *s, const char *data, size_t len);
/* Close the pipes, reap the child (it exits if never used), remove the
 * key file. Accepts an initialised or released s. */
void sign_release(struct sign *s);

#endif
