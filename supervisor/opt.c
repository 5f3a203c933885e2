/*
 * opt — the option parser (opt.h).
 */
#include "supervisor/opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/suggest.h"
#include "shared/util.h"

/* -h and --help: known to every table. */
static const struct opt_spec help_spec = { OPT_HELP, 'h', "help", false };

void
opt_init(struct opt_parser *p, const struct opt_spec *specs, size_t n, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->specs = specs;
	p->nspecs = n;
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
}

static const struct opt_spec *
find_short(const struct opt_parser *p, char c)
{
	size_t i;

	for (i = 0; i < p->nspecs; i++)
		if (p->specs[i].short_name == c)
			return &p->specs[i];
	return c == help_spec.short_name ? &help_spec : NULL;
}

/* The spec of --NAME (len bytes), exact or an unambiguous prefix. */
static int
find_long(const struct opt_spec **out, const struct opt_parser *p, const char *name,
    size_t len)
{
	const struct opt_spec *pick = NULL;
	struct buf all = BUF_INIT;
	size_t i, nprefix = 0;
	int rc;

	for (i = 0; i <= p->nspecs; i++) {
		const struct opt_spec *s = i < p->nspecs ? &p->specs[i] : &help_spec;

		if (s->long_name == NULL || strncmp(s->long_name, name, len) != 0)
			continue;
		if (s->long_name[len] == '\0') {
			*out = s;
			buf_release(&all);
			return 0;
		}
		/* Two names for one option (--no-skip, --force) are one match. */
		if (pick == NULL || pick->id != s->id)
			nprefix++;
		pick = s;
		buf_addf(&all, "%s--%s", all.len > 0 ? ", " : "", s->long_name);
	}
	if (nprefix == 1) {
		*out = pick;
		rc = 0;
	} else if (nprefix > 1) {
		rc = err_set(ERR_CONFIG, "option '%s' is ambiguous (%s)", p->name, all.ptr);
	} else {
		rc = ERR_NOTFOUND;
	}
	buf_release(&all);
	return rc;
}

static int
unknown_long(const struct opt_parser *p, const char *name, size_t len)
{
	const char **names = xcalloc(p->nspecs + 1, sizeof(*names));
	const char *near;
	char word[64];
	size_t i;

	for (i = 0; i < p->nspecs; i++)
		names[i] = p->specs[i].long_name;
	names[p->nspecs] = help_spec.long_name;
	snprintf(word, sizeof(word), "%.*s", (int)len, name);
	near = *word != '\0' ? suggest_closest(word, names, p->nspecs + 1) : NULL;
	if (near != NULL)
		err_set(ERR_CONFIG, "unknown option '%s' (did you mean '--%s'?)", p->name, near);
	else
		err_set(ERR_CONFIG, "unknown option '%s'", p->name);
	free(names);
	return ERR_CONFIG;
}

/* A value for the option just found: the rest of its word, else the next. */
static int
take_value(struct opt_item *out, struct opt_parser *p, const char *inline_value)
{
	if (inline_value != NULL) {
		out->value = inline_value;
		return 1;
	}
	if (p->i >= p->argc)
		return err_set(ERR_CONFIG, "option '%s' needs a value", p->name);
	out->value = p->argv[p->i++];
	return 1;
}

static int
next_long(struct opt_item *out, struct opt_parser *p, const char *word)
{
	const char *name = word + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *s = NULL;
	int rc;

	snprintf(p->name, sizeof(p->name), "--%.*s", (int)len, name);
	if (len == 0)   /* "--=x": no name at all, not a prefix of every one */
		return err_set(ERR_CONFIG, "unknown option '%s'", word);
	if ((rc = find_long(&s, p, name, len)) == ERR_NOTFOUND)
		return unknown_long(p, name, len);
	if (rc < 0)
		return rc;
	/* The name as the table spells it, for the messages that follow. */
	snprintf(p->name, sizeof(p->name), "--%s", s->long_name);
	out->id = s->id;
	if (!s->value) {
		if (eq != NULL)
			return err_set(ERR_CONFIG, "option '%s' takes no value", p->name);
		return 1;
	}
	return take_value(out, p, eq != NULL ? eq + 1 : NULL);
}

/* The next letter of a cluster (p->cluster, not empty). */
static int
next_short(struct opt_item *out, struct opt_parser *p)
{
	const struct opt_spec *s;
	char c = *p->cluster++;

	snprintf(p->name, sizeof(p->name), "-%c", c);
	if ((s = find_short(p, c)) == NULL) {
		p->cluster = NULL;
		return err_set(ERR_CONFIG, "unknown option '-%c'", c);
	}
	out->id = s->id;
	if (*p->cluster == '\0')
		p->cluster = NULL;
	if (!s->value)
		return 1;
	if (p->cluster != NULL) {
		/* -cFILE, -j4: the rest of the word is the value. */
		out->value = p->cluster;
		p->cluster = NULL;
		return 1;
	}
	return take_value(out, p, NULL);
}

int
opt_next(struct opt_item *out, struct opt_parser *p)
{
	const char *word;

	memset(out, 0, sizeof(*out));
	out->name = p->name;
	if (p->cluster != NULL)
		return next_short(out, p);
	if (p->rest != NULL || p->i >= p->argc)
		return 0;
	word = p->argv[p->i++];
	if (strcmp(word, "--") == 0) {
		p->rest = p->argv + p->i;
		p->nrest = p->argc - p->i;
		p->i = p->argc;
		return 0;
	}
	if (strncmp(word, "--", 2) == 0)
		return next_long(out, p, word);
	if (word[0] == '-' && word[1] != '\0') {
		p->cluster = word + 1;
		return next_short(out, p);
	}
	out->id = OPT_OPERAND;
	out->value = word;
	out->name = NULL;
	return 1;
}

int
opt_uint(uint64_t *out, const struct opt_item *it, uint64_t min, uint64_t max)
{
	const char *v = it->value;
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n < min || n > max)
		return err_set(ERR_CONFIG, "invalid %s value '%s' (a number from %llu to %llu)",
		    it->name, v, (unsigned long long)min, (unsigned long long)max);
	*out = n;
	return 0;
}

int
opt_log_level(enum log_level *out, const struct opt_item *it)
{
	if (log_parse_level(out, it->value) < 0)
		return err_set(ERR_CONFIG, "invalid %s '%s' (error, warn, info, debug or trace)",
		    it->name, it->value);
	return 0;
}
