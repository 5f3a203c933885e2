/*
 * binary — git's rule for binary content: a NUL byte in the first 8000
 * bytes (git's buffer_is_binary uses FIRST_FEW_BYTES = 8000).
 */
#ifndef REPOCAST_BINARY_H
#define REPOCAST_BINARY_H

#include <stdbool.h>
#include <stddef.h>

#define BINARY_SNIFF 8000

/*
 * Is data binary: a NUL byte within its first BINARY_SNIFF bytes? len may
 * be 0 (an empty file is text). Pure, allocation-free (one memchr).
 */
bool binary_detect(const void *data, size_t len);

#endif
