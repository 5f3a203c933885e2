/* apicommit — see apicommit.h. */
#include "supervisor/github/apicommit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/git/mirror.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/gitdata.h"

struct apicommit {
	git_oid *base;                 /* blobs the base tree names, sorted */
	size_t nbase, base_cap;
	struct gitdata_entry *e;       /* changed entries, deletions first */
	char (*sha)[41];               /* their blob ids; "" for a deletion */
	size_t n, cap, sha_cap;
	git_oid *fresh;                /* blobs to create, unique */
	size_t nfresh, fresh_cap;
	uint64_t fresh_bytes;
};

static int
base_blob(const char *root, const git_tree_entry *te, void *arg)
{
	struct apicommit *ac = arg;

	UNUSED(root);
	if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
		ALLOC_GROW(ac->base, ac->nbase + 1, ac->base_cap);
		git_oid_cpy(&ac->base[ac->nbase++], git_tree_entry_id(te));
	}
	return 0;
}

static int
oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static bool
has_oid(const git_oid *v, size_t n, const git_oid *id)
{
	return n > 0 && bsearch(id, v, n, sizeof(*v), oid_cmp) != NULL;
}

static void
add_entry(struct apicommit *ac, const char *path, unsigned mode, const git_oid *id)
{
	struct gitdata_entry *e;

	ALLOC_GROW(ac->e, ac->n + 1, ac->cap);
	ALLOC_GROW(ac->sha, ac->n + 1, ac->sha_cap);
	e = &ac->e[ac->n];
	e->path = path;
	e->mode = mode;
	e->sha = NULL;          /* pointed into ac->sha once it stops moving */
	ac->sha[ac->n][0] = '\0';
	if (id != NULL)
		git_oid_tostr(ac->sha[ac->n], 41, id);
	ac->n++;
}

/* Deletions first: a file replaced by a directory of that name goes before
 * the directory's entries come. Then the blobs to create: those of the
 * changed entries the target lacks, each once, and their total size. */
static int
collect(struct apicommit *ac, git_diff *diff, git_odb *odb)
{
	size_t i, k, n = git_diff_num_deltas(diff);
	git_object_t type;
	size_t len;

	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		if (d->status == GIT_DELTA_DELETED)
			add_entry(ac, d->old_file.path, d->old_file.mode, NULL);
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const git_oid *id = &d->new_file.id;

		if (d->status == GIT_DELTA_DELETED)
			continue;
		if (d->new_file.mode == GIT_FILEMODE_COMMIT)
			return err_set(ERR_CONFIG, "'%s' is a submodule: not made through the api",
			    d->new_file.path);
		add_entry(ac, d->new_file.path, d->new_file.mode, id);
		if (has_oid(ac->base, ac->nbase, id))
			continue;
		ALLOC_GROW(ac->fresh, ac->nfresh + 1, ac->fresh_cap);
		git_oid_cpy(&ac->fresh[ac->nfresh++], id);
	}
	for (i = 0; i < ac->n; i++)
		ac->e[i].sha = ac->sha[i][0] != '\0' ? ac->sha[i] : NULL;
	/* two paths with one content: one blob */
	if (ac->nfresh > 1)
		qsort(ac->fresh, ac->nfresh, sizeof(*ac->fresh), oid_cmp);
	for (i = k = 0; i < ac->nfresh; i++)
		if (k == 0 || !git_oid_equal(&ac->fresh[k - 1], &ac->fresh[i]))
			git_oid_cpy(&ac->fresh[k++], &ac->fresh[i]);
	ac->nfresh = k;
	for (i = 0; i < ac->nfresh; i++) {
		if (git_odb_read_header(&len, &type, odb, &ac->fresh[i]) < 0)
			return err_git(ERR_FAIL, "cannot read blob %s in the mirror",
			    git_oid_tostr_s(&ac->fresh[i]));
		ac->fresh_bytes += len;
	}
	return 0;
}

static void
release(struct apicommit *ac)
{
	free(ac->base);
	free(ac->e);
	free(ac->sha);
	free(ac->fresh);
	memset(ac, 0, sizeof(*ac));
}

/* "2024-01-01T12:00:00+01:00" for a git time. */
static void
iso_time(char out[32], const git_time *t)
{
	time_t s = (time_t)t->time + (time_t)t->offset * 60;
	struct tm tm;
	int off = t->offset < 0 ? -t->offset : t->offset;
	size_t len;

	gmtime_r(&s, &tm);
	len = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + len, 32 - len, "%c%02d:%02d", t->offset < 0 ? '-' : '+', off / 60,
	    off % 60);
}

static void
person(struct gitdata_person *p, char date[32], const git_signature *s)
{
	p->name = s->name;
	p->email = s->email;
	iso_time(date, &s->when);
	p->date = date;
}

/* The limit check: 0, or ERR_LIMIT with the message. */
static int
over_limit(const struct apicommit *ac, const struct apicommit_in *in)
{
	if ((in->max_blobs == 0 || ac->nfresh <= in->max_blobs) &&
	    (in->max_bytes == 0 || ac->fresh_bytes <= in->max_bytes))
		return 0;
	return err_set(ERR_LIMIT, "the commit through the api would create %zu blobs of %llu "
	    "bytes, over repocast.commit.api_max_blobs (%llu) or api_max_bytes (%llu bytes): "
	    "nothing written (commit.via: push takes a change of any size)", ac->nfresh,
	    (unsigned long long)ac->fresh_bytes, (unsigned long long)in->max_blobs,
	    (unsigned long long)in->max_bytes);
}

/* Step 3: the calls. 0 with out->commit the commit made, or an error. */
static int
make(struct apicommit_out *out, struct api *a, const struct apicommit_in *in,
    struct apicommit *ac, git_repository *repo, git_commit *c, const git_oid *parent_tree)
{
	const char *repo_name = in->repo;
	const char *branch = in->branch;
	char *sha = out->commit;
	char tree[41], want[41], got[41], base_tree[41], parent[41], ad[32], cd[32];
	struct gitdata_person au, co;
	git_blob *b = NULL;
	size_t i;
	int rc;

	for (i = 0; i < ac->nfresh; i++) {
		if (git_blob_lookup(&b, repo, &ac->fresh[i]) < 0)
			return err_git(ERR_FAIL, "cannot read blob %s in the mirror",
			    git_oid_tostr_s(&ac->fresh[i]));
		rc = gitdata_blob_create(got, a, repo_name, git_blob_rawcontent(b),
		    (size_t)git_blob_rawsize(b));
		git_blob_free(b);
		if (rc != 0)
			return rc;
		git_oid_tostr(want, sizeof(want), &ac->fresh[i]);
		if (strcmp(got, want) != 0)
			return err_set(ERR_PROTO, "the api made blob %s of '%s' where git makes %s",
			    got, repo_name, want);
	}
	git_oid_tostr(base_tree, sizeof(base_tree), parent_tree);
	if ((rc = gitdata_tree_create(tree, a, repo_name, base_tree, ac->e, ac->n)) != 0)
		return rc;
	git_oid_tostr(want, sizeof(want), git_commit_tree_id(c));
	if (strcmp(tree, want) != 0)
		return err_set(ERR_PROTO, "the api made tree %s in '%s' where the push would "
		    "have made %s: no commit made", tree, repo_name, want);
	git_oid_tostr(parent, sizeof(parent), git_commit_parent_id(c, 0));
	person(&au, ad, git_commit_author(c));
	person(&co, cd, git_commit_committer(c));
	if ((rc = gitdata_commit_create(sha, a, repo_name, git_commit_message(c), tree,
	    parent, &au, &co)) != 0)
		return rc;
	/* A branch that is there is replaced, as the forced push replaced it. */
	if ((rc = gitdata_ref_set(&out->created, a, repo_name, branch, sha, in->exists)) != 0)
		return rc;
	out->blobs = ac->nfresh;
	out->bytes = ac->fresh_bytes;
	log_debug("%s: commit %s made through the api (%zu blobs, %zu entries), branch '%s' %s",
	    repo_name, sha, ac->nfresh, ac->n, branch, out->created ? "created" : "moved");
	return 0;
}

int
apicommit_make(struct apicommit_out *out, struct api *a, const struct apicommit_in *in)
{
	struct apicommit ac;
	struct mirror m;
	git_diff_options opts;
	git_commit *c = NULL, *parent = NULL, *head = NULL;
	git_tree *old = NULL, *new = NULL, *htree = NULL;
	git_diff *diff = NULL;
	git_odb *odb = NULL;
	git_oid id, hid;
	uint64_t t0 = util_now_ms();
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&ac, 0, sizeof(ac));
	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	if (in->commit == NULL || in->branch == NULL || git_oid_fromstr(&id, in->commit) < 0) {
		ret = err_set(ERR_PROTO, "the worker reported no commit to make through the api");
		goto out;
	}
	if (in->protect != NULL && strcmp(in->branch, in->protect) == 0) {
		ret = err_set(ERR_CONFIG, "refusing to write the base branch '%s'", in->branch);
		goto out;
	}
	if ((ret = mirror_open(&m, in->cache_dir, in->remote_url, NULL)) < 0)
		goto out;
	if (git_commit_lookup(&c, m.repo, &id) < 0 || git_commit_parentcount(c) != 1 ||
	    git_commit_parent(&parent, c, 0) < 0 || git_commit_tree(&new, c) < 0 ||
	    git_commit_tree(&old, parent) < 0 || git_repository_odb(&odb, m.repo) < 0) {
		ret = err_git(ERR_FAIL, "cannot read commit %s in the mirror", in->commit);
		goto out;
	}
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.flags |= GIT_DIFF_INCLUDE_TYPECHANGE;
	if (git_diff_tree_to_tree(&diff, m.repo, old, new, &opts) < 0) {
		ret = err_git(ERR_FAIL, "cannot compare commit %s with its base", in->commit);
		goto out;
	}
	if (git_tree_walk(old, GIT_TREEWALK_PRE, base_blob, &ac) < 0) {
		ret = err_git(ERR_FAIL, "cannot read the base tree of '%s'", in->repo);
		goto out;
	}
	/* A branch on the target has its blobs there too: a rerun sends only
	 * what changed since (the worker fetched that branch). */
	if (in->known_head != NULL && git_oid_fromstr(&hid, in->known_head) == 0 &&
	    git_commit_lookup(&head, m.repo, &hid) == 0 && git_commit_tree(&htree, head) == 0 &&
	    git_tree_walk(htree, GIT_TREEWALK_PRE, base_blob, &ac) < 0) {
		ret = err_git(ERR_FAIL, "cannot read the tree of commit %s", in->known_head);
		goto out;
	}
	err_clear();
	if (ac.nbase > 0)
		qsort(ac.base, ac.nbase, sizeof(*ac.base), oid_cmp);
	if ((ret = collect(&ac, diff, odb)) < 0 || (ret = over_limit(&ac, in)) < 0)
		goto out;
	ret = make(out, a, in, &ac, m.repo, c, git_tree_id(old));
	out->ms = util_now_ms() - t0;
out:
	if (ret < 0 && ret != ERR_LIMIT)
		err_wrap("commit through the api");
	git_odb_free(odb);
	git_diff_free(diff);
	git_tree_free(htree);
	git_commit_free(head);
	git_tree_free(new);
	git_tree_free(old);
	git_commit_free(parent);
	git_commit_free(c);
	mirror_close(&m);
	release(&ac);
	return ret;
}
