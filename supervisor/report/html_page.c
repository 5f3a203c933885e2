/*
 * html_page — the model of report.html (html_page.h): the counts, the
 * sums and the start order html_page_init takes from the records once, the
 * --profile flame graph and its nonce, and the top lists the charts and
 * the tables rank by. Every sort breaks its ties by the record's index.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/flame.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/profiles.h"
#include "supervisor/report/report.h"

enum record_outcome
html_outcome_of(const struct record *r)
{
	return (unsigned)r->outcome < NOUTCOMES ? r->outcome : OUTCOME_NONE;
}

const char *
html_outcome_label(const struct record *r)
{
	const char *s = record_outcome_name(html_outcome_of(r));

	return s != NULL ? s : "unknown";
}

/* Did a worker run for r (a bar on the timeline)? */
bool
html_has_bar(const struct record *r)
{
	return r->pid != 0 && r->start_us != 0 && r->end_us >= r->start_us;
}

uint64_t
html_phase_ms(const struct msg_kv *kv)
{
	char *end;
	unsigned long long v;

	/* strtoull would take "-5" as a huge number. */
	if (kv->value == NULL || kv->value[0] < '0' || kv->value[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(kv->value, &end, 10);
	return errno != 0 || end == kv->value || *end != '\0' ? 0 : (uint64_t)v;
}

/* The slot of a phase name: its own while there is room, then "other". */
size_t
html_phase_slot(struct page *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nphases; i++)
		if (strcmp(p->phases[i].name, name) == 0)
			return i;
	if (p->nphases < PHASES_MAX) {
		p->phases[p->nphases].name = name;
		return p->nphases++;
	}
	p->phases[PHASES_MAX].name = "other";
	return PHASES_MAX;
}

static int
cmp_start(const void *a, const void *b, void *arg)
{
	const struct record *recs = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (recs[i].start_us != recs[j].start_us)
		return recs[i].start_us < recs[j].start_us ? -1 : 1;
	return i < j ? -1 : i > j;
}

void
html_page_init(struct page *p, struct buf *out, const struct report_in *in)
{
	size_t i, k;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->run = in->run;
	p->recs = in->recs;
	p->n = in->n;
	p->order = xcalloc(p->n ? p->n : 1, sizeof(*p->order));
	p->idx = xcalloc(p->n ? p->n : 1, sizeof(*p->idx));
	p->hwm_at = p->n;
	p->t0 = p->run->start_us;
	p->t1 = p->run->end_us;
	for (i = 0; i < p->n; i++) {
		const struct record *r = &p->recs[i];

		p->outcomes[html_outcome_of(r)]++;
		p->failed += record_failed(r);
		p->retried += r->attempts > 1;
		p->prs += r->sync.pr != PR_NONE || r->sync.pr_url != NULL;
		p->attempts += r->attempts > 0 ? (uint64_t)r->attempts : 0;
		p->utime += r->utime_us;
		p->stime += r->stime_us;
		p->wall_sum += r->wall_us;
		if (r->vm_hwm_kib > 0 &&
		    (p->hwm_at == p->n || r->vm_hwm_kib > p->recs[p->hwm_at].vm_hwm_kib))
			p->hwm_at = i;
		for (k = 0; k < r->nphases; k++) {
			struct phase_sum *s;

			if (r->phases[k].key == NULL)
				continue;
			s = &p->phases[html_phase_slot(p, r->phases[k].key)];
			s->ms += html_phase_ms(&r->phases[k]);
			s->n++;
		}
		if (!html_has_bar(r))
			continue;
		p->order[p->nbars++] = i;
		/* A run record without times (a test's) starts at its first worker. */
		if (p->t0 == 0 || r->start_us < p->t0)
			p->t0 = r->start_us;
		if (r->end_us > p->t1)
			p->t1 = r->end_us;
	}
	if (p->t1 <= p->t0)
		p->t1 = p->t0 + 1;
	fold_init(&p->flame);
	if (in->dir != NULL && profiles_load(&p->flame, in->dir) == 1) {
		unsigned char r[16];

		/* A fresh nonce per page: markup that got into the page some
		 * other way cannot guess it. */
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			memset(r, 0, sizeof(r));
		for (k = 0; k < sizeof(r); k++)
			snprintf(p->nonce + 2 * k, 3, "%02x", r[k]);
		p->has_flame = true;
	}
	qsort_r(p->order, p->nbars, sizeof(*p->order), cmp_start, (void *)p->recs);
}

void
html_page_release(struct page *p)
{
	fold_release(&p->flame);
	free(p->order);
	free(p->idx);
}

/* The outcome's CSS class: "o<enum>", coloured both as fill and background. */
void
html_chip(struct buf *out, enum record_outcome o)
{
	buf_addf(out, "<span class=\"chip o%d\"></span>", (int)o);
}

void
html_card(struct buf *o, const char *value, const char *label)
{
	buf_addstr(o, "<div class=\"card\"><b>");
	esc(o, value);
	buf_addstr(o, "</b><span>");
	buf_addstr(o, label);     /* static text of the html*.c files, may hold markup */
	buf_addstr(o, "</span></div>\n");
}

/* ---- top lists ---- */

uint64_t
html_key_wall(const struct record *r)
{
	return r->wall_us;
}

uint64_t
html_key_cpu(const struct record *r)
{
	return r->utime_us + r->stime_us;
}

uint64_t
html_key_hwm(const struct record *r)
{
	return r->vm_hwm_kib;
}

struct top_ctx {
	const struct record *recs;
	rec_key key;
};

static int
cmp_top(const void *a, const void *b, void *arg)
{
	const struct top_ctx *c = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x = c->key(&c->recs[i]), y = c->key(&c->recs[j]);

	if (x != y)
		return x > y ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* The targets whose key is not 0, largest first, into p->idx; their count. */
size_t
html_page_top(struct page *p, rec_key key)
{
	struct top_ctx c = { p->recs, key };
	size_t i, m = 0;

	for (i = 0; i < p->n; i++)
		if (key(&p->recs[i]) > 0)
			p->idx[m++] = i;
	qsort_r(p->idx, m, sizeof(*p->idx), cmp_top, &c);
	return m;
}
