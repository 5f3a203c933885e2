/*
 * sync — one target of `repocast sync`, worker side (DESIGN §3).
 *
 * Order: open + lock the target mirror, fetch the base branch (and the
 * open sync PR's branch) unless the mirror already holds the heads
 * discovery saw (JOB.base_head, existing_head), read the manifest, ask
 * for the blobs whose result can differ (WANT), take BLOBS, build the new
 * tree in memory, then decide: up_to_date, pending_current, dry_run or
 * pushed. The supervisor streams the manifest while the fetch runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/git/mirror.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "worker/git/gitsign.h"
#include "worker/git/push.h"
#include "worker/git/tree.h"
#include "worker/worker.h"

#define WANT_BATCH 4096
#define FILES_BATCH 2048
#define DIFF_CAP (256u * 1024)

struct sync_ctx {
	struct worker *w;
	const struct msg_job *job;
	struct mirror mir;
	struct transform *xf;
	git_commit *base_commit;
	git_tree *base_tree;
	git_oid base_head;
	git_oid existing_head;  /* fetched head of the open PR's branch */
	int has_existing;
	struct tree_job tj;
	int tj_ready;
	struct sync_newobj *newobj; /* new objects; owned by the odb once added */
	git_odb *odb;              /* the mirror's object database */
	int fetch_skipped;         /* the mirror already held what discovery saw */
	const char *cause;         /* a failure's own cause ("hostile_tree"), or NULL */
	uint64_t t_phase;
	/* a blob arriving in BLOB_CHUNKs, streamed into a loose object */
	git_odb *loose;            /* the mirror's loose objects alone */
	git_odb_stream *ws;        /* NULL between streamed blobs */
	git_oid ws_id;
	uint64_t ws_total, ws_off;
};

static void
sync_phase(struct sync_ctx *c, const char *name)
{
	uint64_t now = util_now_ms();

	worker_phase(c->w, name, now - c->t_phase);
	c->t_phase = now;
}

static int
sync_transform(struct sync_ctx *c)
{
	const struct msg_job *job = c->job;
	struct transform_pair *vars = NULL, *emails = NULL;
	struct transform_spec spec;
	size_t i;
	int rc;

	vars = xcalloc(job->nvars + 1, sizeof(*vars));
	emails = xcalloc(job->nemails + 1, sizeof(*emails));
	for (i = 0; i < job->nvars; i++) {
		vars[i].from = job->vars[i].key;
		vars[i].to = job->vars[i].value;
	}
	for (i = 0; i < job->nemails; i++) {
		emails[i].from = job->emails[i].key;
		emails[i].to = job->emails[i].value;
	}
	/* An absent repo_name rewrite may arrive as empty strings. */
	memset(&spec, 0, sizeof(spec));
	spec.repo_from = job->repo_from && *job->repo_from ? job->repo_from : NULL;
	spec.repo_to = job->repo_to && *job->repo_to ? job->repo_to : NULL;
	spec.repo_bare = job->repo_bare;
	spec.vars = vars;
	spec.nvars = job->nvars;
	spec.emails = emails;
	spec.nemails = job->nemails;
	rc = transform_new(&c->xf, &spec);
	free(vars);
	free(emails);
	return rc;
}

/*
 * New objects (blobs, trees, the commit) go to an in-memory store first
 * and reach the mirror as one small packfile at the end
 * (sync_newobj_persist): one loose object per blob costs a file creation
 * each, more than the rest of a small sync. The store is libgit2's mempack
 * behind a thin backend that records which ids were written: mempack's
 * own dump inserts every commit with its WHOLE tree (32 KB and 5 ms of
 * delta search for 10 changed files in a 300-file repository), where only
 * the written objects are new.
 */
struct sync_newobj {
	git_odb_backend parent;
	git_odb_backend *mp;       /* the mempack, owned */
	git_oid *ids;              /* ids written, in order */
	size_t n, cap;
};

static int
sync_newobj_read(void **data, size_t *len, git_object_t *type, git_odb_backend *b,
    const git_oid *id)
{
	git_odb_backend *mp = ((struct sync_newobj *)b)->mp;

	return mp->read(data, len, type, mp, id);
}

static int
sync_newobj_read_prefix(git_oid *out, void **data, size_t *len, git_object_t *type,
    git_odb_backend *b, const git_oid *id, size_t n)
{
	git_odb_backend *mp = ((struct sync_newobj *)b)->mp;

	return mp->read_prefix(out, data, len, type, mp, id, n);
}

static int
sync_newobj_read_header(size_t *len, git_object_t *type, git_odb_backend *b, const git_oid *id)
{
	git_odb_backend *mp = ((struct sync_newobj *)b)->mp;

	return mp->read_header(len, type, mp, id);
}

static int
sync_newobj_exists(git_odb_backend *b, const git_oid *id)
{
	git_odb_backend *mp = ((struct sync_newobj *)b)->mp;

	return mp->exists(mp, id);
}

static int
sync_newobj_write(git_odb_backend *b, const git_oid *id, const void *data, size_t len,
    git_object_t type)
{
	struct sync_newobj *no = (struct sync_newobj *)b;
	int rc;

	if (no->mp->exists(no->mp, id))
		return 0;
	if ((rc = no->mp->write(no->mp, id, data, len, type)) < 0)
		return rc;
	if (no->n == no->cap) {
		no->cap = no->cap ? 2 * no->cap : 64;
		no->ids = xrealloc(no->ids, no->cap * sizeof(*no->ids));
	}
	git_oid_cpy(&no->ids[no->n++], id);
	return 0;
}

static void
sync_newobj_free(git_odb_backend *b)
{
	struct sync_newobj *no = (struct sync_newobj *)b;

	no->mp->free(no->mp);
	free(no->ids);
	free(no);
}

static int
sync_newobj_add(struct sync_ctx *c)
{
	struct sync_newobj *no;
	git_odb *odb = NULL;
	int rc = 0;

	no = xcalloc(1, sizeof(*no));
	if (git_odb_init_backend(&no->parent, GIT_ODB_BACKEND_VERSION) < 0 ||
	    git_mempack_new(&no->mp) < 0) {
		free(no);
		return err_git(ERR_FAIL, "cannot set up the in-memory object store");
	}
	no->parent.read = sync_newobj_read;
	no->parent.read_prefix = sync_newobj_read_prefix;
	no->parent.read_header = sync_newobj_read_header;
	no->parent.exists = sync_newobj_exists;
	no->parent.write = sync_newobj_write;
	no->parent.free = sync_newobj_free;
	if (git_repository_odb(&odb, c->mir.repo) < 0 ||
	    git_odb_add_backend(odb, &no->parent, 999) < 0) {
		rc = err_git(ERR_FAIL, "cannot add the in-memory object store");
		sync_newobj_free(&no->parent);
	} else {
		no->mp->odb = odb;
		c->newobj = no;
	}
	git_odb_free(odb);
	return rc;
}

/* Write the objects the run created into the mirror as one pack. */
static int
sync_newobj_persist(struct sync_ctx *c)
{
	struct sync_newobj *no = c->newobj;
	git_packbuilder *pb = NULL;
	git_buf pack = GIT_BUF_INIT;
	git_odb *odb = NULL;
	git_odb_writepack *wp = NULL;
	git_indexer_progress st;
	size_t i;
	int rc = 0;

	if (no == NULL || no->n == 0)
		return 0;
	memset(&st, 0, sizeof(st));
	if (git_packbuilder_new(&pb, c->mir.repo) < 0) {
		rc = err_git(ERR_FAIL, "cannot pack the new objects");
		goto out;
	}
	git_packbuilder_set_threads(pb, 1);
	for (i = 0; i < no->n; i++)
		if (git_packbuilder_insert(pb, &no->ids[i], NULL) < 0) {
			rc = err_git(ERR_FAIL, "cannot pack the new objects");
			goto out;
		}
	if (git_packbuilder_write_buf(&pack, pb) < 0) {
		rc = err_git(ERR_FAIL, "cannot pack the new objects");
		goto out;
	}
	if (git_repository_odb(&odb, c->mir.repo) < 0 ||
	    git_odb_write_pack(&wp, odb, NULL, NULL) < 0 ||
	    wp->append(wp, pack.ptr, pack.size, &st) < 0 || wp->commit(wp, &st) < 0)
		rc = err_git(ERR_FAIL, "cannot store the new objects in the mirror");
out:
	if (wp != NULL)
		wp->free(wp);
	git_odb_free(odb);
	git_packbuilder_free(pb);
	git_buf_dispose(&pack);
	if (rc == 0) {
		git_mempack_reset(no->mp);
		no->n = 0;
	}
	return rc;
}

/* Does the mirror's refs/heads/<branch> hold exactly the commit hex names? */
static int
sync_mirror_has(struct sync_ctx *c, const char *branch, const char *hex)
{
	git_oid want, have;

	if (hex == NULL || strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(&want, hex) < 0)
		return 0;
	if (mirror_branch_oid(&have, &c->mir, branch) < 0) {
		err_clear();
		return 0;
	}
	return git_oid_equal(&want, &have) &&
	    git_odb_exists(c->odb, &want);
}

/*
 * Can the fetch be skipped? Only when discovery told us the base head
 * (JOB.base_head) and the mirror already holds exactly it, and the open
 * PR's branch (when there is one) at the head discovery saw. The mirror
 * alone is never trusted: without base_head the worker always fetches.
 */
static int
sync_fetch_needed(struct sync_ctx *c, const char *const *br, size_t n)
{
	const struct msg_job *job = c->job;

	if (git_repository_odb(&c->odb, c->mir.repo) < 0) {
		err_clear();
		return 1;
	}
	if (!sync_mirror_has(c, br[0], job->base_head))
		return 1;
	if (n == 2 && !sync_mirror_has(c, br[1], job->existing_head))
		return 1;
	return 0;
}

/* Fetch (unless current) and resolve the base branch and the open PR's branch. */
static int
sync_fetch(struct sync_ctx *c)
{
	const struct msg_job *job = c->job;
	const char *br[2];
	int opt[2] = { 0, 1 };
	size_t n = 1;
	int rc;

	if ((rc = mirror_open(&c->mir, job->cache_dir, job->remote_url, c->w->token)) < 0)
		return rc;
	for (size_t i = 0; i < c->mir.nrepairs; i++)
		worker_log(c->w, LOG_WARN, "%s", c->mir.repairs[i]);
	br[0] = job->base_branch;
	if (job->existing_branch != NULL && strcmp(job->existing_branch, job->base_branch) != 0)
		br[n++] = job->existing_branch;
	if (sync_fetch_needed(c, br, n)) {
		if ((rc = mirror_fetch(&c->mir, br, opt, n)) < 0)
			return rc;
	} else {
		c->fetch_skipped = 1;
	}
	if ((rc = mirror_branch_oid(&c->base_head, &c->mir, job->base_branch)) < 0)
		return err_set(ERR_NOTFOUND, "base branch '%s' not found in '%s'", job->base_branch,
		    job->target);
	if (git_commit_lookup(&c->base_commit, c->mir.repo, &c->base_head) < 0 ||
	    git_commit_tree(&c->base_tree, c->base_commit) < 0)
		return err_git(ERR_FAIL, "cannot read the head of '%s'", job->base_branch);
	if (n == 2 && mirror_branch_oid(&c->existing_head, &c->mir, job->existing_branch) == 0)
		c->has_existing = 1;
	return sync_newobj_add(c);
}

static int
sync_manifest(struct sync_ctx *c)
{
	struct msg m;
	uint64_t count = 0;
	size_t i;
	int rc;

	for (;;) {
		if ((rc = worker_recv(c->w, &m)) <= 0)
			return rc == 0 ? err_set(ERR_PROTO, "channel closed during the manifest") : rc;
		if (m.type == MSG_MANIFEST_END) {
			uint64_t want = m.u.count.count;

			msg_release(&m);
			if (want != count)
				return err_set(ERR_PROTO, "manifest: %llu entries announced, %llu received",
				    (unsigned long long)want, (unsigned long long)count);
			return 0;
		}
		if (m.type != MSG_MANIFEST) {
			rc = err_set(ERR_PROTO, "unexpected '%s' during the manifest",
			    msg_type_name(m.type));
			msg_release(&m);
			return rc;
		}
		for (i = 0; i < m.u.manifest.n; i++) {
			if ((rc = tree_add(&c->tj, &m.u.manifest.entries[i])) < 0) {
				msg_release(&m);
				return rc;
			}
			count++;
		}
		msg_release(&m);
	}
}

/*
 * The loose-object store of the mirror on its own: git_odb_open_wstream
 * on the mirror's odb would pick the in-memory store (which has no write
 * stream, so libgit2 would buffer the whole blob); the loose backend
 * deflates each slice into a temporary file as it arrives.
 */
static int
sync_loose_open(struct sync_ctx *c)
{
	git_odb_backend *be = NULL;
	char *dir;
	int rc = 0;

	if (c->loose != NULL)
		return 0;
	dir = xasprintf("%sobjects", git_repository_path(c->mir.repo));
	if (git_odb_new(&c->loose) < 0 || git_odb_backend_loose(&be, dir, -1, 0, 0, 0) < 0) {
		rc = err_git(ERR_FAIL, "cannot open the loose objects of '%s'", dir);
	} else if (git_odb_add_backend(c->loose, be, 1) < 0) {
		rc = err_git(ERR_FAIL, "cannot open the loose objects of '%s'", dir);
		be->free(be);  /* not the odb's until added */
	}
	if (rc < 0) {
		git_odb_free(c->loose);
		c->loose = NULL;
	}
	free(dir);
	return rc;
}

static void
sync_stream_drop(struct sync_ctx *c)
{
	git_odb_stream_free(c->ws);
	c->ws = NULL;
}

/*
 * One BLOB_CHUNK: the first (offset 0) opens a write stream of the
 * announced total, each next one must continue where the last ended, the
 * last finalizes it and checks the object id against the one announced
 * (which the manifest named: tree_wanted).
 */
static int
sync_chunk(struct sync_ctx *c, const struct msg_blob_chunk *k)
{
	git_oid id, got;
	int rc;

	if (git_oid_fromstr(&id, k->oid) < 0)
		return err_set(ERR_PROTO, "blob_chunk: bad oid '%s'", k->oid);
	if (k->offset == 0 && c->ws == NULL) {
		if (!tree_wanted(&c->tj, &id))
			return err_set(ERR_PROTO, "blobs: blob %s was not requested", k->oid);
		if ((rc = sync_loose_open(c)) < 0)
			return rc;
		if (git_odb_open_wstream(&c->ws, c->loose, k->total, GIT_OBJECT_BLOB) < 0) {
			c->ws = NULL;
			return err_git(ERR_FAIL, "cannot write blob %s", k->oid);
		}
		git_oid_cpy(&c->ws_id, &id);
		c->ws_total = k->total;
		c->ws_off = 0;
	} else if (c->ws == NULL || !git_oid_equal(&id, &c->ws_id) || k->offset != c->ws_off ||
	    k->total != c->ws_total) {
		return err_set(ERR_PROTO, "blob_chunk: %s at %llu of %llu out of order", k->oid,
		    (unsigned long long)k->offset, (unsigned long long)k->total);
	}
	if (k->len > 0 && git_odb_stream_write(c->ws, (const char *)k->data, k->len) < 0)
		return err_git(ERR_FAIL, "cannot write blob %s", k->oid);
	c->ws_off += k->len;
	if (!k->last)
		return 0;
	rc = git_odb_stream_finalize_write(&got, c->ws);
	sync_stream_drop(c);
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot write blob %s", k->oid);
	if (!git_oid_equal(&got, &id))
		return err_set(ERR_PROTO, "blobs: content does not match blob %s", k->oid);
	return tree_blob_stored(&c->tj, &id, k->total);
}

static int
sync_blobs(struct sync_ctx *c)
{
	char (*want)[41] = NULL;
	size_t nwant = 0, i, k;
	struct msg m;
	int rc = 0;

	tree_need(&want, &nwant, &c->tj);
	for (i = 0; i < nwant; i += k) {
		k = nwant - i < WANT_BATCH ? nwant - i : WANT_BATCH;
		msg_init(&m, MSG_WANT);
		m.u.want.oids = want + i;
		m.u.want.n = k;
		rc = worker_send(c->w, &m);
		if (rc < 0)
			goto out;
	}
	msg_init(&m, MSG_WANT_END);
	if ((rc = worker_send(c->w, &m)) < 0)
		goto out;
	for (;;) {
		if ((rc = worker_recv(c->w, &m)) <= 0) {
			if (rc == 0)
				rc = err_set(ERR_PROTO, "channel closed while waiting for blobs");
			goto out;
		}
		if (c->ws != NULL && m.type != MSG_BLOB_CHUNK) {
			rc = err_set(ERR_PROTO, "'%s' inside blob %s (%llu of %llu bytes)",
			    msg_type_name(m.type), git_oid_tostr_s(&c->ws_id),
			    (unsigned long long)c->ws_off, (unsigned long long)c->ws_total);
			msg_release(&m);
			goto out;
		}
		if (m.type == MSG_BLOBS_END) {
			msg_release(&m);
			rc = 0;
			break;
		}
		if (m.type == MSG_BLOB_CHUNK) {
			rc = sync_chunk(c, &m.u.chunk);
			msg_release(&m);
			if (rc < 0)
				goto out;
			continue;
		}
		if (m.type != MSG_BLOBS) {
			rc = err_set(ERR_PROTO, "unexpected '%s' while waiting for blobs",
			    msg_type_name(m.type));
			msg_release(&m);
			goto out;
		}
		for (i = 0; i < m.u.blobs.n; i++) {
			const struct msg_blob *b = &m.u.blobs.items[i];

			if ((rc = tree_blob(&c->tj, b->oid, b->data, b->len)) < 0)
				break;
		}
		msg_release(&m);
		if (rc < 0)
			goto out;
	}
out:
	sync_stream_drop(c);
	git_odb_free(c->loose);
	c->loose = NULL;
	free(want);
	return rc;
}

static int
sync_send_files(struct sync_ctx *c)
{
	struct msg m;
	struct msg_file *items;
	size_t i, k, j;
	int rc = 0;

	if (c->tj.nfiles == 0)
		return 0;
	items = xcalloc(FILES_BATCH, sizeof(*items));
	for (i = 0; i < c->tj.nfiles && rc == 0; i += k) {
		k = c->tj.nfiles - i < FILES_BATCH ? c->tj.nfiles - i : FILES_BATCH;
		for (j = 0; j < k; j++) {
			items[j].path = c->tj.files[i + j].path;
			items[j].status = c->tj.files[i + j].status;
		}
		msg_init(&m, MSG_FILES);
		m.u.files.items = items;
		m.u.files.n = k;
		rc = worker_send(c->w, &m);
	}
	free(items);
	return rc;
}

/*
 * The commit object (written to the mirror unless dry), parent = base head;
 * signed when the JOB says (gitsign.h). A dry run's is never signed: it is
 * not written, and asks no key for a passphrase-less preview.
 */
static int
sync_commit(git_oid *out, struct sync_ctx *c, const git_oid *tree_id, int dry)
{
	const struct msg_job *job = c->job;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_buf gb = GIT_BUF_INIT;
	const git_commit *parents[1];
	const char *name = job->author_name ? job->author_name : "repocast";
	const char *email = job->author_email ? job->author_email : "repocast@localhost";
	const char *msgtext = job->commit_message ? job->commit_message :
	    "sync: update files from the source repository\n";
	int rc = ERR_FAIL;

	parents[0] = c->base_commit;
	if (git_signature_now(&sig, name, email) < 0) {
		err_git(ERR_CONFIG, "bad commit author '%s <%s>'", name, email);
		goto out;
	}
	if (git_tree_lookup(&tree, c->mir.repo, tree_id) < 0) {
		err_git(ERR_FAIL, "cannot read the new tree");
		goto out;
	}
	if (dry) {
		if (git_commit_create_buffer(&gb, c->mir.repo, sig, sig, NULL, msgtext, tree, 1,
		    parents) < 0 || git_odb_hash(out, gb.ptr, gb.size, GIT_OBJECT_COMMIT) < 0) {
			err_git(ERR_FAIL, "cannot build the commit");
			goto out;
		}
	} else if (gitsign_commit(out, &c->cause, c->w, c->mir.repo, sig, msgtext, tree,
	    c->base_commit) < 0) {
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&gb);
	git_tree_free(tree);
	git_signature_free(sig);
	return rc;
}

/*
 * RESULT. The diffstat (and the patch) cost a read of every changed blob:
 * only a dry run asks for them (new_tree non-NULL), a push reports counts.
 */
static int
sync_result(struct sync_ctx *c, const char *outcome, const git_oid *commit,
    const char *branch, const git_oid *new_tree, int with_diff)
{
	struct msg m;
	struct buf stat = BUF_INIT, patch = BUF_INIT;
	char hex[41];
	int rc;

	msg_init(&m, MSG_RESULT);
	m.u.result.outcome = (char *)outcome;
	if (commit != NULL) {
		git_oid_tostr(hex, sizeof(hex), commit);
		m.u.result.commit = hex;
	}
	m.u.result.branch = (char *)branch;
	m.u.result.changed = c->tj.modified;
	m.u.result.added = c->tj.added;
	m.u.result.deleted = c->tj.deleted;
	m.u.result.bytes = c->tj.bytes_in;
	if (new_tree != NULL && c->tj.nfiles > 0) {
		if (tree_diff(&stat, with_diff ? &patch : NULL, DIFF_CAP, &c->tj, new_tree) < 0) {
			rc = ERR_FAIL;
			goto out;
		}
		m.u.result.diffstat = stat.ptr;
		if (with_diff)
			m.u.result.diff = patch.ptr;
	}
	rc = worker_send(c->w, &m);
out:
	buf_release(&stat);
	buf_release(&patch);
	return rc;
}

static int
sync_tree_of(git_oid *out, struct sync_ctx *c, const git_oid *commit_id)
{
	git_commit *cm = NULL;

	if (git_commit_lookup(&cm, c->mir.repo, commit_id) < 0)
		return err_git(ERR_FAIL, "cannot read commit %s of branch '%s' in the mirror of '%s'",
		    git_oid_tostr_s(commit_id), c->job->existing_branch, c->job->target);
	git_oid_cpy(out, git_commit_tree_id(cm));
	git_commit_free(cm);
	return 0;
}

/*
 * May the open PR's branch be replaced? Only when its head is the commit
 * discovery saw AND a commit repocast made: our committer identity, one
 * parent, and that parent on the base branch's history. A human commit on
 * top (or a merge) fails this, and the branch is left alone.
 */
static int
sync_ours(struct sync_ctx *c)
{
	const struct msg_job *job = c->job;
	const git_signature *who;
	git_commit *head = NULL;
	const git_oid *parent;
	git_oid seen;
	int ours = 0;

	if (job->existing_head == NULL || git_oid_fromstr(&seen, job->existing_head) < 0 ||
	    !git_oid_equal(&seen, &c->existing_head))
		return 0;
	if (git_commit_lookup(&head, c->mir.repo, &c->existing_head) < 0)
		return 0;
	who = git_commit_committer(head);
	if (git_commit_parentcount(head) == 1 && who != NULL && who->name && who->email &&
	    job->author_name && job->author_email && strcmp(who->name, job->author_name) == 0 &&
	    strcmp(who->email, job->author_email) == 0) {
		parent = git_commit_parent_id(head, 0);
		ours = git_oid_equal(parent, &c->base_head) ||
		    git_graph_descendant_of(c->mir.repo, &c->base_head, parent) == 1;
	}
	git_commit_free(head);
	return ours;
}

/*
 * A commit carries the base tree's entries on: one that holds a name git
 * refuses (a .git by its rules, "..", planted by a hostile push or a
 * broken tool) gets no commit on top, and nothing is pushed.
 */
static int
sync_check_base(struct sync_ctx *c)
{
	const char *why = NULL;
	char *bad = NULL;
	int rc;

	if ((rc = tree_check_base(&bad, &why, &c->tj)) <= 0)
		return rc;
	c->cause = "hostile_tree";
	rc = err_set(ERR_CONFIG, "refusing to commit on '%s' of '%s': its tree holds '%s' (%s),"
	    " a name git refuses", c->job->base_branch, c->job->target, bad, why);
	free(bad);
	return rc;
}

/* After the new tree exists: pick the outcome and act on it. */
static int
sync_outcome(struct sync_ctx *c, const git_oid *new_tree)
{
	const struct msg_job *job = c->job;
	git_oid ex_tree, commit;
	const char *branch;
	int reuse = 0, rc;

	if (git_oid_equal(new_tree, git_tree_id(c->base_tree)))
		return sync_result(c, "up_to_date", NULL, NULL, NULL, 0);
	if (c->has_existing) {
		if ((rc = sync_tree_of(&ex_tree, c, &c->existing_head)) < 0)
			return rc;
		if (git_oid_equal(&ex_tree, new_tree))
			return sync_result(c, "pending_current", &c->existing_head,
			    job->existing_branch, NULL, 0);
		reuse = sync_ours(c);
		if (!reuse)
			worker_log(c->w, LOG_WARN,
			    "branch '%s' has commits repocast did not make; opening '%s' instead",
			    job->existing_branch, job->sync_branch);
	}
	branch = reuse ? job->existing_branch : job->sync_branch;
	if (branch == NULL || *branch == '\0')
		return err_set(ERR_PROTO, "job: no sync branch given");
	if ((rc = sync_check_base(c)) < 0)
		return rc;
	if (strcmp(branch, job->base_branch) == 0)
		return err_set(ERR_CONFIG, "refusing to push to the base branch '%s'", branch);
	if ((rc = sync_commit(&commit, c, new_tree, job->dry_run)) < 0)
		return rc;
	sync_phase(c, "commit");
	/*
	 * The file list goes out only with a change to show (the PR body, the
	 * dry-run listing): a no-op run moves no per-file traffic.
	 */
	if ((rc = sync_send_files(c)) < 0)
		return rc;
	if (job->dry_run)
		return sync_result(c, "dry_run", &commit, branch, new_tree, job->want_diff);
	/*
	 * The new objects reach the mirror's disk before any ref of it names
	 * them (push_branch sets the branch, then pushes): a run killed at any
	 * point, or a push whose answer is lost, leaves a mirror whose refs
	 * all name objects it holds.
	 */
	if ((rc = sync_newobj_persist(c)) < 0)
		return rc;
	sync_phase(c, "cache");
	/*
	 * Through the API (repocast.commit.via: api): every object of the
	 * commit is in the mirror now, and the supervisor, once this worker
	 * has left the mirror, reads the commit from there and makes it on the
	 * target with the Git Data API (supervisor/sync/apicommit.c). No ref
	 * of the mirror names it: a commit that never reaches the target
	 * leaves the mirror as it was.
	 */
	if (job->commit_api)
		return sync_result(c, "pushed", &commit, branch, NULL, 0);
	if ((rc = push_branch(&c->mir, branch, job->base_branch, &commit)) < 0)
		return rc;
	sync_phase(c, "push");
	return sync_result(c, "pushed", &commit, branch, NULL, 0);
}

int
apply_job(struct worker *w)
{
	struct sync_ctx c;
	git_oid new_tree;
	int rc;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.job = &w->job.u.job;
	c.mir.lock_fd = -1;
	c.t_phase = util_now_ms();
	git_libgit2_init();
	/*
	 * Strict creation re-checks that every blob a new tree names exists:
	 * 7 ms for 1000 entries. tree.c already knows: each entry is the base
	 * tree's own blob, one odb_exists found, or one it wrote.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	if ((rc = sync_transform(&c)) < 0)
		goto fail;
	if ((rc = sync_fetch(&c)) < 0)
		goto fail;
	if (c.fetch_skipped)
		worker_log(w, LOG_DEBUG, "mirror already at the heads discovery saw: no fetch");
	sync_phase(&c, "fetch");
	if ((rc = tree_job_init(&c.tj, c.mir.repo, c.base_tree, c.xf)) < 0)
		goto fail;
	c.tj_ready = 1;
	if ((rc = sync_manifest(&c)) < 0)
		goto fail;
	sync_phase(&c, "manifest");
	if ((rc = sync_blobs(&c)) < 0)
		goto fail;
	sync_phase(&c, "blobs");
	if ((rc = tree_set_requires(&c.tj, c.job->go_requires, c.job->ngo_requires)) < 0)
		goto fail;
	if ((rc = tree_build(&new_tree, &c.tj, &c.job->delete_paths, &c.job->prune_dirs)) < 0)
		goto fail;
	sync_phase(&c, "tree");
	if ((rc = sync_outcome(&c, &new_tree)) < 0)
		goto fail;
	/*
	 * The result is out; what a run that pushed nothing built (the trees
	 * of a dry run) is kept for the next one: a failure only costs time.
	 */
	if (c.newobj != NULL && c.newobj->n > 0) {
		if (sync_newobj_persist(&c) < 0)
			worker_log(w, LOG_WARN, "%s", err_last());
		sync_phase(&c, "cache");
	}
	rc = 0;
	goto out;
fail:
	if (!w->cancelled && c.cause != NULL)
		worker_error_cause(w, c.cause);
	else if (!w->cancelled)
		worker_error(w, rc);
out:
	if (c.tj_ready)
		tree_job_release(&c.tj);
	git_tree_free(c.base_tree);
	git_commit_free(c.base_commit);
	transform_free(c.xf);
	git_odb_free(c.odb);
	mirror_close(&c.mir);
	git_libgit2_shutdown();
	return rc;
}
