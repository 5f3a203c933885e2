/*
 * value — syntax of config values: durations, sizes, repository
 * names, branch names (libgit2's ref rules, shared/git/refname.h), paths
 * (shared/pathcheck.h: no '..', no .git by git's own rules) and emails.
 */
#include <stdint.h>
#include <string.h>

#include "shared/git/refname.h"
#include "shared/pathcheck.h"
#include "supervisor/config/internal.h"

int
cfg_parse_duration(uint64_t *ms, const char *s)
{
	uint64_t total = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*s != '\0') {
		uint64_t v = 0, mul;
		int digits = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (v > (UINT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		if (digits == 0)
			return -1;
		if (strncmp(s, "ms", 2) == 0) {
			mul = 1;
			s += 2;
		} else if (*s == 's') {
			mul = 1000;
			s++;
		} else if (*s == 'm') {
			mul = 60 * 1000;
			s++;
		} else if (*s == 'h') {
			mul = 3600 * 1000;
			s++;
		} else {
			return -1;
		}
		if (v > (UINT64_MAX - total) / mul)
			return -1;
		total += v * mul;
	}
	*ms = total;
	return 0;
}

int
cfg_parse_size(uint64_t *bytes, const char *s)
{
	static const char units[] = "kmgt";
	const char *unit;
	uint64_t v = 0, mul = 1;
	int digits = 0;

	if (s == NULL)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (digits == 0)
		return -1;
	/* k, m, g, t (either case): 2^10, 2^20, 2^30, 2^40. */
	if (*s != '\0' && (unit = strchr(units, *s | 0x20)) != NULL) {
		mul = (uint64_t)1 << (10 * (unit - units + 1));
		s++;
	}
	if (mul > 1 && *s == 'i')
		s++;
	if (*s == 'B' || *s == 'b')
		s++;
	if (*s != '\0')
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*bytes = v * mul;
	return 0;
}

static int
why_fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

static int
is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '_' || ch == '.' || ch == '-';
}

static int
is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

int
cfg_check_repo(const char *s, const char **why)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (slash == NULL || strchr(slash + 1, '/') != NULL)
		return why_fail(why, "invalid repository: expected owner/name");
	if (!is_alnum(s[0]) || !is_alnum(slash[1]))
		return why_fail(why, "invalid repository: owner and name must start with a letter"
		    " or digit");
	for (p = s; *p != '\0'; p++)
		if (p != slash && !is_word_char(*p))
			return why_fail(why, "invalid repository: only letters, digits, '_', '.'"
			    " and '-' are allowed in owner/name");
	return 0;
}

int
cfg_check_branch(const char *s, const char **why)
{
	return refname_check_branch(s, why);
}

int
cfg_check_path(const char *s, const char **why)
{
	return pathcheck_path(s, why);
}

int
cfg_check_email(const char *s, const char **why)
{
	const char *at = strchr(s, '@'), *p, *dot;
	size_t len = strlen(s);

	if (len == 0 || len > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL)
		return why_fail(why, "invalid email address");
	for (p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch <= 0x20 || ch == 0x7f || strchr("<>()[]\\,;:\"", ch) != NULL)
			return why_fail(why, "invalid email address");
	}
	dot = strchr(at + 1, '.');
	if (dot == NULL || at[1] == '.' || s[len - 1] == '.' || strstr(at, "..") != NULL ||
	    at - s > 64)
		return why_fail(why, "invalid email address");
	return 0;
}

/* ---- the loader's own checks (internal.h) ---- */

int
cfg_check_text(const char *s, const char **why)
{
	(void)s;
	(void)why;
	return 0;
}

/* Non-empty, and no byte below lowest nor DEL (else msg). */
static int
check_plain(const char *s, const char **why, unsigned char lowest,
    const char *msg)
{
	if (*s == '\0')
		return why_fail(why, "must not be empty");
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < lowest || *s == 0x7f)
			return why_fail(why, msg);
	return 0;
}

/* One-line identifiers: non-empty, no control characters. */
int
cfg_check_word(const char *s, const char **why)
{
	return check_plain(s, why, 0x20, "must not contain control characters");
}

/* Module versions, URLs: non-empty, no spaces, no control characters. */
int
cfg_check_token(const char *s, const char **why)
{
	return check_plain(s, why, 0x21,
	    "must not contain spaces or control characters");
}

int
cfg_check_size(const char *s, const char **why)
{
	uint64_t b;

	if (cfg_parse_size(&b, s) < 0) {
		*why = "expected a size like 512M, 2G, 100k or a number of bytes";
		return -1;
	}
	return 0;
}

