/*
 * signcfg — how a run signs its commits (docs/signing.md): the method,
 * the key and the signing program, from repocast.commit.sign/key when the
 * config says, else from the user's git config the way git reads it
 * (commit.gpgsign, gpg.format, user.signingkey, gpg.program,
 * gpg.<format>.program) through libgit2's default config (the global,
 * XDG and system files git reads).
 *
 * What comes out names a key (a file's path, a "key::" literal public
 * key, a GPG key id): never key material. The supervisor resolves it once
 * per run and sends it in the JOB; the worker runs the program
 * (worker/sign.h).
 */
#ifndef REPOCAST_SIGNCFG_H
#define REPOCAST_SIGNCFG_H

/* repocast.commit.sign as written; 0 (absent): follow git's config. */
enum signcfg_mode {
	SIGNCFG_GIT = 0,
	SIGNCFG_OFF,          /* false */
	SIGNCFG_SSH,          /* ssh */
	SIGNCFG_OPENPGP,      /* openpgp */
	SIGNCFG_X509,         /* x509 */
};

struct signcfg {
	enum signcfg_mode method;  /* SIGNCFG_OFF: commits are not signed */
	char *key;         /* ssh: an absolute path or "key::<public key>";
	                    * openpgp/x509: the key id (git's: the committer) */
	char *program;     /* the signer: "ssh-keygen", "gpg", "gpgsm" or git's */
	const char *from;  /* "repocast.commit" or "git config" (static) */
};

/*
 * Parse a repocast.commit.sign value: "ssh", "openpgp", "x509", "false"
 * (also YAML's false). 0, or -1 with *why (may be NULL) set.
 */
int signcfg_mode_parse(enum signcfg_mode *out, const char *s, const char **why);
/* "ssh", "openpgp", "x509"; "none" for SIGNCFG_OFF, "git" for SIGNCFG_GIT. */
const char *signcfg_mode_name(enum signcfg_mode m);

/*
 * Resolve the method, key and program. mode and key are repocast's
 * (key NULL: not given); committer is "Name <email>", git's key id for
 * openpgp and x509 when no key is configured. gitconfig names one file to
 * read instead of git's default set (tests), or NULL. A relative key path
 * is made absolute against the working directory, "~/" against $HOME.
 * 0 with *out filled (release with signcfg_release); ERR_CONFIG with
 * err_last naming the setting (an ssh method with no key, a gpg.format git
 * does not know); ERR_FAIL when the git config cannot be read.
 */
int signcfg_resolve(struct signcfg *out, enum signcfg_mode mode, const char *key,
    const char *committer, const char *gitconfig);
void signcfg_release(struct signcfg *s);

#endif
