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
#include "supervisor/sync/blobread.h"

void
sync_job_init(struct sync_job *s)
{
	memset(s, 0, sizeof(*s));
	s->send = pool_send;
	s->pending = pool_pending;
	msg_init(&s->job, MSG_JOB);
	buf_init(&s->warnings, 0);
}

static void sync_job_stream_end(struct sync_job *s);

static void
sync_job_reset(struct sync_job *s)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	s->nfiles = 0;
	s->has_result = false;
	buf_reset(&s->warnings);
	s->blobs_sent = s->blob_bytes_sent = s->chunks_sent = 0;
	s->nqueue = s->qhead = 0;
	s->want_end = s->blobs_end_sent = false;
	sync_job_stream_end(s);
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
	free(s->queue);
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

/* Check and queue the oids of one WANT. */
static int
sync_job_want(struct sync_job *s, const struct msg_want *w)
{
	size_t i;

	if (s->want_end)
		return err_set(ERR_PROTO, "WANT after WANT_END from the worker of '%s'", s->repo);
	for (i = 0; i < w->n; i++) {
		if (!sync_job_listed(s, w->oids[i]))
			return err_set(ERR_PROTO, "worker wants blob %s, which is not in its manifest",
			    w->oids[i]);
		ALLOC_GROW(s->queue, s->nqueue + 1, s->queue_cap);
		memcpy(s->queue[s->nqueue++], w->oids[i], 41);
	}
	return 0;
}

/* The size of a queued blob without reading it. */
static int
sync_job_size(uint64_t *size, const struct sync_job *s, const char *oid)
{
	const struct sync_job_blob *own = sync_job_own(s, oid);
	git_object_t type;
	git_oid id;
	size_t len;

	if (own != NULL) {
		*size = own->data.len;
		return 0;
	}
	if (git_oid_fromstr(&id, oid) < 0 || git_odb_read_header(&len, &type, s->odb, &id) < 0)
		return err_git(ERR_FAIL, "cannot read source blob %s", oid);
	*size = len;
	return 0;
}

static void
sync_job_stream_end(struct sync_job *s)
{
	blobread_free(s->cur);
	s->cur = NULL;
	s->cur_own = NULL;
	free(s->chunk);
	s->chunk = NULL;
}

/* Start sending the queue's head, a blob of size bytes, in chunks. */
static int
sync_job_stream_open(struct sync_job *s, uint64_t size)
{
	const char *oid = s->queue[s->qhead];
	uint64_t got;
	git_oid id;
	int rc;

	memcpy(s->cur_oid, oid, 41);
	s->cur_size = size;
	s->cur_off = 0;
	s->cur_own = sync_job_own(s, oid);
	if (s->cur_own == NULL) {
		if (git_oid_fromstr(&id, oid) < 0)
			return err_set(ERR_FAIL, "bad source blob id %s", oid);
		if ((rc = blobread_open(&s->cur, &got, s->src_repo, &id)) < 0)
			return err_wrap("cannot read source blob %s", oid);
		if (got != size)
			return err_set(ERR_FAIL, "source blob %s: %llu bytes, its header said %llu",
			    oid, (unsigned long long)got, (unsigned long long)size);
		log_debug("%s: blob %s (%llu bytes) read %s", s->repo, oid,
		    (unsigned long long)size, blobread_how(s->cur));
	}
	s->chunk = xmalloc(SYNC_JOB_CHUNK);
	s->qhead++;
	return 0;
}

/* The next BLOB_CHUNK of the blob being streamed. */
static int
sync_job_stream_next(struct sync_job *s, struct pool_job *j)
{
	uint64_t left = s->cur_size - s->cur_off;
	size_t want = left < SYNC_JOB_CHUNK ? (size_t)left : SYNC_JOB_CHUNK, n = 0, got;
	struct msg m;
	int rc;

	if (s->cur_own != NULL) {
		memcpy(s->chunk, s->cur_own->data.ptr + s->cur_off, want);
		n = want;
	}
	while (n < want) {
		if (blobread_read(&got, s->cur, s->chunk + n, want - n) < 0)
			return err_wrap("cannot read source blob %s", s->cur_oid);
		n += got;
	}
	msg_init(&m, MSG_BLOB_CHUNK);
	memcpy(m.u.chunk.oid, s->cur_oid, 41);
	m.u.chunk.offset = s->cur_off;
	m.u.chunk.total = s->cur_size;
	m.u.chunk.data = s->chunk;
	m.u.chunk.len = n;
	m.u.chunk.last = s->cur_off + n == s->cur_size;
	if ((rc = s->send(j, &m)) < 0)
		return rc;
	s->cur_off += n;
	s->blob_bytes_sent += n;
	s->chunks_sent++;
	if (m.u.chunk.last) {
		s->blobs_sent++;
		sync_job_stream_end(s);
	}
	return 0;
}

/*
 * One BLOBS message from the queue's head: blobs of at most
 * SYNC_JOB_BLOBS_MAX bytes, together at most that many. Stops before a
 * larger blob, or opens its stream when it is the head.
 */
static int
sync_job_batch(struct sync_job *s, struct pool_job *j)
{
	struct msg_blob items[64];
	git_odb_object *objs[64];
	size_t n = 0, i, bytes = 0;
	uint64_t size = 0;
	struct msg m;
	int rc = 0;

	while (s->qhead < s->nqueue && n < ARRAY_SIZE(items)) {
		const char *oid = s->queue[s->qhead];
		const struct sync_job_blob *own;
		git_oid id;

		if ((rc = sync_job_size(&size, s, oid)) < 0)
			break;
		if (size > SYNC_JOB_BLOBS_MAX) {
			if (n == 0)
				rc = sync_job_stream_open(s, size);
			break;
		}
		if (bytes + size > SYNC_JOB_BLOBS_MAX)
			break;
		objs[n] = NULL;
		if ((own = sync_job_own(s, oid)) != NULL) {
			items[n].data = (const unsigned char *)own->data.ptr;
			items[n].len = own->data.len;
		} else {
			if (git_oid_fromstr(&id, oid) < 0 || git_odb_read(&objs[n], s->odb, &id) < 0) {
				rc = err_git(ERR_FAIL, "cannot read source blob %s", oid);
				break;
			}
			items[n].data = git_odb_object_data(objs[n]);
			items[n].len = git_odb_object_size(objs[n]);
		}
		memcpy(items[n].oid, oid, 41);
		bytes += items[n].len;
		n++;
		s->qhead++;
	}
	if (rc == 0 && n > 0) {
		msg_init(&m, MSG_BLOBS);
		m.u.blobs.items = items;
		m.u.blobs.n = n;
		rc = s->send(j, &m);
		s->blobs_sent += n;
		s->blob_bytes_sent += bytes;
	}
	for (i = 0; i < n; i++)
		git_odb_object_free(objs[i]);
	return rc;
}

int
sync_job_writable(struct sync_job *s, struct pool_job *j)
{
	struct msg m;
	int rc;

	while (s->pending(j) < SYNC_JOB_HIGH_WATER) {
		if (s->chunk != NULL)
			rc = sync_job_stream_next(s, j);
		else if (s->qhead < s->nqueue)
			rc = sync_job_batch(s, j);
		else
			break;
		if (rc < 0)
			return rc;
	}
	if (s->qhead == s->nqueue && s->queue != NULL) {
		/* Answered: 41 bytes a blob would otherwise stay for the whole run
		 * (4 MB for 100 targets x 1000 files). */
		free(s->queue);
		s->queue = NULL;
		s->nqueue = s->qhead = s->queue_cap = 0;
	}
	if (s->chunk == NULL && s->qhead == s->nqueue && s->want_end && !s->blobs_end_sent) {
		msg_init(&m, MSG_BLOBS_END);
		s->blobs_end_sent = true;
		return s->send(j, &m);
	}
	return 0;
}

int
sync_job_message(struct sync_job *s, struct pool_job *j, const struct msg *m)
{
	size_t i;

	switch (m->type) {
	case MSG_PHASE:
		return 0;
	case MSG_WANT:
		if (sync_job_want(s, &m->u.want) < 0)
			return ERR_PROTO;
		return sync_job_writable(s, j);
	case MSG_WANT_END:
		if (s->want_end)
			return err_set(ERR_PROTO, "second WANT_END from the worker of '%s'", s->repo);
		s->want_end = true;
		return sync_job_writable(s, j);
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
