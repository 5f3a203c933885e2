/*
 * sync_job — one target's messages: JOB/CRED/MANIFEST out, WANT answered
 * with BLOBS, FILES/RESULT/ERROR/LOG in.
 */
#include "supervisor/sync/job.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/pool/pool.h"

void
sync_job_init(struct sync_job *s)
{
	memset(s, 0, sizeof(*s));
	s->send = pool_send;
	msg_init(&s->job, MSG_JOB);
	buf_init(&s->warnings, 0);
}

static void
sync_job_reset(struct sync_job *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	s->nfiles = 0;
	s->has_result = false;
	buf_reset(&s->warnings);
	s->blobs_sent = s->blob_bytes_sent = 0;
}

void
sync_job_release(struct sync_job *s)
{
	size_t i;

	sync_job_reset(s);
	free(s->files);
	for (i = 0; i < s->nentries; i++)
		free(s->entries[i].path);
	free(s->entries);
	for (i = 0; i < s->nown; i++)
		buf_release(&s->own[i].data);
	free(s->own);
	msg_release(&s->job);
	buf_release(&s->warnings);
	free(s->repo);
	memset(s, 0, sizeof(*s));
}

void
sync_job_add_entry(struct sync_job *s, const char *path, uint32_t mode, const char *oid,
    bool binary, bool transform)
{
	struct msg_manifest_entry *e;

	ALLOC_GROW(s->entries, s->nentries + 1, s->entries_cap);
	e = &s->entries[s->nentries++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->mode = mode;
	memcpy(e->oid, oid, 40);
	e->oid[40] = '\0';
	e->binary = binary;
	e->transform = transform;
}

void
sync_job_add_blob(struct sync_job *s, const char *oid, const void *data, size_t len)
{
	struct sync_job_blob *b;
	size_t i;

	for (i = 0; i < s->nown; i++)
		if (strcmp(s->own[i].oid, oid) == 0)
			return;
	ALLOC_GROW(s->own, s->nown + 1, s->own_cap);
	b = &s->own[s->nown++];
	memcpy(b->oid, oid, 40);
	b->oid[40] = '\0';
	buf_init(&b->data, len);
	buf_add(&b->data, data, len);
}

int
sync_job_start(struct sync_job *s, struct pool_job *j)
{
	struct msg m;
	size_t i, k;
	int rc;

	sync_job_reset(s);
	s->attempts++;
	/* The worker takes CRED before JOB (worker/main.c). */
	if (s->token != NULL) {
		msg_init(&m, MSG_CRED);
		m.u.cred.token = (char *)s->token;
		rc = s->send(j, &m);
		if (rc < 0)
			return rc;
	}
	if ((rc = s->send(j, &s->job)) < 0)
		return rc;
	for (i = 0; i < s->nentries; i += k) {
		k = s->nentries - i < SYNC_JOB_MANIFEST_BATCH ? s->nentries - i :
		    SYNC_JOB_MANIFEST_BATCH;
		msg_init(&m, MSG_MANIFEST);
		m.u.manifest.entries = s->entries + i;
		m.u.manifest.n = k;
		if ((rc = s->send(j, &m)) < 0)
			return rc;
	}
	msg_init(&m, MSG_MANIFEST_END);
	m.u.count.count = s->nentries;
	return s->send(j, &m);
}

static const struct sync_job_blob *
sync_job_own(const struct sync_job *s, const char *oid)
{
	size_t i;

	for (i = 0; i < s->nown; i++)
		if (strcmp(s->own[i].oid, oid) == 0)
			return &s->own[i];
	return NULL;
}

/* Is oid one the manifest names? A worker asks for nothing else. */
static bool
sync_job_listed(const struct sync_job *s, const char *oid)
{
	size_t i;

	for (i = 0; i < s->nentries; i++)
		if (memcmp(s->entries[i].oid, oid, 40) == 0)
			return true;
	return false;
}

static int
sync_job_flush_blobs(struct sync_job *s, struct pool_job *j, struct msg_blob *items, size_t n,
    git_odb_object **objs)
{
	struct msg m;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	msg_init(&m, MSG_BLOBS);
	m.u.blobs.items = items;
	m.u.blobs.n = n;
	rc = s->send(j, &m);
	for (i = 0; i < n; i++) {
		s->blob_bytes_sent += items[i].len;
		git_odb_object_free(objs[i]);
		objs[i] = NULL;
	}
	s->blobs_sent += n;
	return rc;
}

static int
sync_job_want(struct sync_job *s, struct pool_job *j, const struct msg_want *w)
{
	struct msg_blob *items;
	git_odb_object **objs;
	size_t i, n = 0, bytes = 0;
	int rc = 0;

	items = xcalloc(w->n + 1, sizeof(*items));
	objs = xcalloc(w->n + 1, sizeof(*objs));
	for (i = 0; i < w->n && rc == 0; i++) {
		const struct sync_job_blob *own = sync_job_own(s, w->oids[i]);
		const void *data;
		size_t len;
		git_oid id;

		if (!sync_job_listed(s, w->oids[i])) {
			rc = err_set(ERR_PROTO, "worker wants blob %s, which is not in its manifest",
			    w->oids[i]);
			break;
		}
		if (own != NULL) {
			data = own->data.ptr;
			len = own->data.len;
		} else {
			if (git_oid_fromstr(&id, w->oids[i]) < 0 ||
			    git_odb_read(&objs[n], s->odb, &id) < 0) {
				rc = err_git(ERR_FAIL, "cannot read source blob %s", w->oids[i]);
				break;
			}
			data = git_odb_object_data(objs[n]);
			len = git_odb_object_size(objs[n]);
		}
		if (n > 0 && bytes + len > SYNC_JOB_BLOBS_MAX) {
			/* Keep the object just read: move it to the front after the flush. */
			git_odb_object *keep = objs[n];

			objs[n] = NULL;
			rc = sync_job_flush_blobs(s, j, items, n, objs);
			objs[0] = keep;
			n = 0;
			bytes = 0;
			if (rc < 0)
				break;
		}
		memcpy(items[n].oid, w->oids[i], 41);
		items[n].data = data;
		items[n].len = len;
		bytes += len;
		n++;
	}
	if (rc == 0)
		rc = sync_job_flush_blobs(s, j, items, n, objs);
	for (i = 0; i < w->n + 1; i++)
		git_odb_object_free(objs[i]);
	free(objs);
	free(items);
	return rc;
}

int
sync_job_message(struct sync_job *s, struct pool_job *j, const struct msg *m)
{
	struct msg reply;
	size_t i;

	switch (m->type) {
	case MSG_PHASE:
		return 0;
	case MSG_WANT:
		return sync_job_want(s, j, &m->u.want);
	case MSG_WANT_END:
		msg_init(&reply, MSG_BLOBS_END);
		return s->send(j, &reply);
	case MSG_FILES:
		for (i = 0; i < m->u.files.n; i++) {
			ALLOC_GROW(s->files, s->nfiles + 1, s->files_cap);
			s->files[s->nfiles].path = xstrdup(m->u.files.items[i].path);
			s->files[s->nfiles].status = m->u.files.items[i].status;
			s->nfiles++;
		}
		return 0;
	case MSG_LOG:
		if (m->u.log.level <= LOG_WARN)
			buf_addf(&s->warnings, "%s%s", s->warnings.len ? "; " : "", m->u.log.text);
		log_msg(m->u.log.level < LOG_INFO ? (enum log_level)m->u.log.level : LOG_DEBUG,
		    "%s: %s", s->repo, m->u.log.text);
		return 0;
	case MSG_RESULT:
		/* The pool keeps the result in the record (record.h). */
		if (s->has_result)
			return err_set(ERR_PROTO, "second RESULT from the worker of '%s'", s->repo);
		s->has_result = true;
		return 0;
	case MSG_ERROR:
		return 0;     /* the pool records it as the cause */
	default:
		return err_set(ERR_PROTO, "unexpected '%s' from the worker of '%s'",
		    msg_type_name(m->type), s->repo);
	}
}
