/*
 * utf8 — text from repositories, workers and the forge is bytes; the
 * reports (JSON, XML, HTML) need UTF-8. Only invalid sequences are
 * replaced, each by U+FFFD, so valid text around a bad byte survives.
 */
#ifndef REPOCAST_UTF8_H
#define REPOCAST_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/buf.h"

/* Are the n bytes of s well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF)? */
bool utf8_valid(const char *s, size_t n);
/* The length of the valid sequence at s (1..4 bytes, at most n), or 0
 * when the bytes there are not one. */
size_t utf8_seq_len(const char *s, size_t n);
/* Append the n bytes of s to out with each invalid sequence (a maximal
 * bad prefix, as Unicode recommends) replaced by U+FFFD. */
void utf8_sanitize(struct buf *out, const char *s, size_t n);

#endif
