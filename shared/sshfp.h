/*
 * sshfp — the SHA256 fingerprint of an SSH public key, as `ssh-keygen -l`
 * prints it ("SHA256:" and the unpadded base64 of the SHA-256 of the key
 * blob), for a report to say which key signed without holding the key.
 *
 * Only public halves are read: a "key::<public key>" literal, a public
 * key file, the ".pub" beside a private key file, or else the public blob
 * that an OpenSSH-format private key file stores in the clear before its
 * (possibly encrypted) private part. The file's bytes are wiped after.
 */
#ifndef REPOCAST_SSHFP_H
#define REPOCAST_SSHFP_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of data into out (32 bytes). */
void sshfp_sha256(unsigned char out[32], const void *data, size_t len);

/*
 * The fingerprint of key: "key::<type> <base64> [comment]" or a file path.
 * *out "SHA256:..." (caller frees), or -1 (ERR_NOTFOUND for a missing
 * file) with err_last set.
 */
int sshfp_key(char **out, const char *key);

#endif
