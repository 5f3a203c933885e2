/*
 * fold — folded stacks (see fold.h): an open-addressing hash table over
 * an array of stacks.
 */
#include "shared/fold.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

void
fold_init(struct fold *f)
{
	memset(f, 0, sizeof(*f));
}

void
fold_release(struct fold *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		free(f->v[i].stack);
	free(f->v);
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

/* FNV-1a */
static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void
rehash(struct fold *f)
{
	size_t i, k, n = f->nslots ? f->nslots * 2 : 64;

	free(f->slots);
	f->slots = xcalloc(n, sizeof(*f->slots));
	f->nslots = n;
	for (i = 0; i < f->n; i++) {
		const char *s = f->v[i].stack;

		k = hash(s, strlen(s)) & (n - 1);
		while (f->slots[k] != 0)
			k = (k + 1) & (n - 1);
		f->slots[k] = i + 1;
	}
}

void
fold_add(struct fold *f, const char *stack, size_t len, uint64_t count)
{
	size_t k;

	if (count == 0)
		return;
	/* Load factor under 1/2; the table indexes v, so sorting v rebuilds it. */
	if ((f->n + 1) * 2 > f->nslots)
		rehash(f);
	k = hash(stack, len) & (f->nslots - 1);
	while (f->slots[k] != 0) {
		struct fold_stack *s = &f->v[f->slots[k] - 1];

		if (strncmp(s->stack, stack, len) == 0 && s->stack[len] == '\0') {
			s->count += count;
			f->total += count;
			return;
		}
		k = (k + 1) & (f->nslots - 1);
	}
	util_grow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v));
	f->v[f->n].stack = xstrndup(stack, len);
	f->v[f->n].count = count;
	f->slots[k] = ++f->n;
	f->total += count;
}

static int
cmp_stack(const void *a, const void *b)
{
	return strcmp(((const struct fold_stack *)a)->stack, ((const struct fold_stack *)b)->stack);
}

void
fold_sort(struct fold *f)
{
	if (f->n == 0)
		return;
	qsort(f->v, f->n, sizeof(*f->v), cmp_stack);
	f->nslots /= 2;  /* rehash doubles it back */
	rehash(f);
}

int
fold_add_line(struct fold *f, const char *line, size_t len)
{
	size_t end = len, sp, j;
	uint64_t count = 0;

	while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r'))
		end--;
	sp = end;
	while (sp > 0 && line[sp - 1] != ' ')
		sp--;
	if (sp == 0)
		return err_set(ERR_FAIL, "no count after the stack");
	if (sp == end)
		return err_set(ERR_FAIL, "no count after the stack");
	for (j = sp; j < end; j++) {
		if (line[j] < '0' || line[j] > '9')
			return err_set(ERR_FAIL, "the count '%.*s' is not a number",
			    (int)(end - sp), line + sp);
		if (count > (UINT64_MAX - 9) / 10)
			return err_set(ERR_FAIL, "the count '%.*s' is too large",
			    (int)(end - sp), line + sp);
		count = count * 10 + (uint64_t)(line[j] - '0');
	}
	if (count == 0)
		return err_set(ERR_FAIL, "a count of 0");
	if (sp == 1)
		return err_set(ERR_FAIL, "an empty stack");
	fold_add(f, line, sp - 1, count);
	return 0;
}

int
fold_add_text(struct fold *f, const char *text, size_t len)
{
	size_t i = 0, lineno = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;

		lineno++;
		if (end > i && fold_add_line(f, text + i, end - i) < 0) {
			char *why = xstrdup(err_last());  /* err_set overwrites it */
			int rc = err_set(ERR_FAIL, "line %zu: %s", lineno, why);

			free(why);
			return rc;
		}
		i = end + 1;
	}
	return 0;
}

void
fold_write(struct buf *out, struct fold *f)
{
	size_t i;

	fold_sort(f);
	for (i = 0; i < f->n; i++)
		buf_addf(out, "%s %llu\n", f->v[i].stack, (unsigned long long)f->v[i].count);
}

void
fold_frame_clean(struct buf *out, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (name == NULL || *name == '\0') {
		buf_addstr(out, "[unknown]");
		return;
	}
	for (; *p; p++)
		buf_addch(out, *p == ';' ? ':' : *p < 0x20 || *p == 0x7f ? '?' : *p);
}

/* One frame line of perf script: "\t  addr sym+0x1f (dso)". */
static void
perf_frame(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, sym, symend, dso, dsoend;
	char *name;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < len && s[i] != ' ')  /* the address */
		i++;
	while (i < len && s[i] == ' ')
		i++;
	sym = i;
	/* The dso is the last parenthesised part. */
	dsoend = len;
	while (dsoend > sym && s[dsoend - 1] == ' ')
		dsoend--;
	dso = dsoend;
	if (dsoend > sym && s[dsoend - 1] == ')') {
		while (dso > sym && s[dso - 1] != '(')
			dso--;
	}
	symend = dso > sym && dso < dsoend ? dso - 1 : dsoend;
	while (symend > sym && s[symend - 1] == ' ')
		symend--;
	/* sym+0x1f: the offset goes (one name per function). */
	for (i = symend; i > sym; i--)
		if (s[i - 1] == '+') {
			if (i + 1 < symend && s[i] == '0' && s[i + 1] == 'x')
				symend = i - 1;
			break;
		}
	if (symend > sym && !(symend - sym == 9 && memcmp(s + sym, "[unknown]", 9) == 0)) {
		name = xstrndup(s + sym, symend - sym);
	} else if (dso < dsoend && dsoend - dso > 1) {
		const char *d = s + dso, *base = d;
		size_t dl = dsoend - 1 - dso, k;

		for (k = 0; k < dl; k++)
			if (d[k] == '/')
				base = d + k + 1;
		dl -= (size_t)(base - d);
		if (dl > 2 && base[0] == '[' && base[dl - 1] == ']')
			name = xstrndup(base, dl);  /* [kernel.kallsyms], [unknown] */
		else
			name = xasprintf("[%.*s]", (int)dl, base);
	} else {
		name = xstrdup("[unknown]");
	}
	fold_frame_clean(out, name);
	free(name);
}

uint64_t
fold_add_perf_script(struct fold *f, const char *text, size_t len)
{
	struct buf stack = BUF_INIT, fr = BUF_INIT;
	const char **lines = NULL;
	size_t *lens = NULL, nl = 0, cap = 0, capl = 0, i = 0, k;
	char *comm = NULL;
	uint64_t samples = 0;

	for (;;) {
		const char *e = i < len ? memchr(text + i, '\n', len - i) : NULL;
		size_t end = i >= len ? len : e ? (size_t)(e - text) : len;
		int blank = end == i;

		if (i < len && !blank && (text[i] == '\t' || text[i] == ' ')) {
			if (comm != NULL) {
				util_grow((void **)&lines, &cap, nl + 1, sizeof(*lines));
				util_grow((void **)&lens, &capl, nl + 1, sizeof(*lens));
				lines[nl] = text + i;
				lens[nl++] = end - i;
			}
		} else {
			/* A header or the end of a sample: flush the one before. */
			if (comm != NULL) {
				buf_reset(&stack);
				fold_frame_clean(&stack, comm);
				for (k = nl; k > 0; k--) {
					buf_reset(&fr);
					perf_frame(&fr, lines[k - 1], lens[k - 1]);
					buf_addch(&stack, ';');
					buf_add(&stack, fr.ptr, fr.len);
				}
				fold_add(f, stack.ptr, stack.len, 1);
				samples++;
				free(comm);
				comm = NULL;
				nl = 0;
			}
			if (i < len && !blank) {
				/* "comm" or "comm  pid/tid ...": the first word is comm
				 * (-F comm first; a comm with spaces keeps its first word). */
				size_t w = i;

				while (w < end && text[w] != ' ' && text[w] != '\t')
					w++;
				comm = xstrndup(text + i, w - i);
			}
		}
		if (i >= len)
			break;
		i = end + 1;
	}
	free(lines);
	free(lens);
	buf_release(&stack);
	buf_release(&fr);
	return samples;
}
