/*
 * utf8 — see utf8.h.
 */
#include "shared/utf8.h"

/*
 * The sequence at p: its length when valid, else 0 with *bad the length
 * of its maximal subpart (the lead byte and the continuation bytes that
 * could still have followed it), which one U+FFFD replaces (Unicode 3.9,
 * "U+FFFD substitution of maximal subparts").
 */
static size_t
seq(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	*bad = 1;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates and
	 * code points above U+10FFFF (Unicode table 3-7). */
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return 0;
		*bad = i + 1;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

size_t
utf8_seq_len(const char *s, size_t n)
{
	size_t bad;

	return n == 0 ? 0 : seq((const unsigned char *)s, n, &bad);
}

bool
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq_len(s + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

void
utf8_sanitize(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, k, bad;

	while (i < n) {
		if ((k = seq(p + i, n - i, &bad)) > 0) {
			i += k;
			continue;
		}
		buf_add(out, s + start, i - start);
		buf_addstr(out, "\xEF\xBF\xBD");
		i += bad;
		start = i;
	}
	buf_add(out, s + start, n - start);
}
