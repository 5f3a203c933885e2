/*
 * tree — manifest vs base tree, WANT selection, deletions and prune, the
 * in-memory tree, against real libgit2 repositories.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitfix.h"
#include "shared/err.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "worker/git/tree.h"

struct fx {
	char *dir;
	git_repository *r;
	git_tree *base;
};

static const struct gitfix_file base_files[] = {
	{ "a.txt", "alpha\n", 0, 0 },
	{ "docs/x.md", "x old\n", 0, 0 },
	{ "docs/y.md", "y\n", 0, 0 },
	{ "docs/sub/z.md", "z\n", 0, 0 },
	{ "old/o1.txt", "o1\n", 0, 0 },
	{ "old/deep/o2.txt", "o2\n", 0, 0 },
	{ "keep/k.txt", "k\n", 0, 0 },
	{ "run.sh", "#!/bin/sh\n", 0, 0 },
};

static void
fx_setup(struct fx *f)
{
	git_oid head;
	git_commit *c = NULL;

	git_libgit2_init();
	f->dir = gitfix_tmpdir();
	f->r = gitfix_init(f->dir, "main");
	gitfix_commit(&head, f->r, "main", base_files, ARRAY_SIZE(base_files));
	ck_assert_int_eq(git_commit_lookup(&c, f->r, &head), 0);
	ck_assert_int_eq(git_commit_tree(&f->base, c), 0);
	git_commit_free(c);
}

static void
fx_teardown(struct fx *f)
{
	git_tree_free(f->base);
	git_repository_free(f->r);
	gitfix_rmrf(f->dir);
	free(f->dir);
	git_libgit2_shutdown();
}

/* Hex blob id of data (not written). */
static void
hexof(char out[41], const char *data)
{
	git_oid id;

	ck_assert_int_eq(git_odb_hash(&id, data, strlen(data), GIT_OBJECT_BLOB), 0);
	git_oid_tostr(out, 41, &id);
}

static void
entry(struct msg_manifest_entry *e, const char *path, uint32_t mode, const char *data)
{
	memset(e, 0, sizeof(*e));
	e->path = (char *)path;
	e->mode = mode;
	hexof(e->oid, data);
}

/* The blob id at path in tree id, or "" when absent; mode in *mode. */
static const char *
at(struct fx *f, const git_oid *tree_id, const char *path, unsigned *mode)
{
	static char hex[41];
	git_tree *t = NULL;
	git_tree_entry *te = NULL;

	ck_assert_int_eq(git_tree_lookup(&t, f->r, tree_id), 0);
	hex[0] = '\0';
	if (git_tree_entry_bypath(&te, t, path) == 0) {
		git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(te));
		if (mode)
			*mode = git_tree_entry_filemode(te);
		git_tree_entry_free(te);
	}
	git_tree_free(t);
	return hex;
}

static int
file_status(const struct tree_job *tj, const char *path)
{
	size_t i;

	for (i = 0; i < tj->nfiles; i++)
		if (strcmp(tj->files[i].path, path) == 0)
			return tj->files[i].status;
	return -1;
}

START_TEST(test_tree_want_only_changed)
{
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	char (*need)[41] = NULL, hex[41];
	size_t n = 0;

	fx_setup(&f);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	entry(&e, "a.txt", 0100644, "alpha\n");           /* unchanged */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "keep/k.txt", 0100644, "y\n");          /* blob already in the repo */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "docs/x.md", 0100644, "x new\n");       /* must be fetched */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "copy/x.md", 0100644, "x new\n");       /* same blob: asked once */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_need(&need, &n, &tj), 0);
	ck_assert_uint_eq(n, 1);
	hexof(hex, "x new\n");
	ck_assert_str_eq(need[0], hex);
	free(need);
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_tree_build_delete_prune_modes)
{
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	char (*need)[41] = NULL, hex[41];
	char *del[] = { "old/", "nothing/here", "keep/gone.txt" };
	char *prune[] = { "docs" };
	struct strv dv = { del, 3 }, pv = { prune, 1 };
	git_oid nt;
	size_t n = 0, i;
	unsigned mode = 0;

	fx_setup(&f);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	entry(&e, "a.txt", 0100644, "alpha\n");
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "docs/x.md", 0100644, "x new\n");
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "run.sh", 0100755, "#!/bin/sh\n");      /* mode change only */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "link", 0120000, "a.txt");              /* new symlink */
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_need(&need, &n, &tj), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		const char *data = strcmp(need[i], (hexof(hex, "a.txt"), hex)) == 0 ? "a.txt" :
		    "x new\n";

		ck_assert_int_eq(tree_blob(&tj, need[i], data, strlen(data)), 0);
	}
	free(need);
	ck_assert_int_eq(tree_build(&nt, &tj, &dv, &pv), 0);
	ck_assert_uint_eq(tj.added, 1);
	ck_assert_uint_eq(tj.modified, 2);
	ck_assert_uint_eq(tj.unchanged, 1);
	ck_assert_uint_eq(tj.deleted, 4);  /* old/o1, old/deep/o2, docs/y, docs/sub/z */
	ck_assert_int_eq(file_status(&tj, "link"), FILE_ADDED);
	ck_assert_int_eq(file_status(&tj, "run.sh"), FILE_MODIFIED);
	ck_assert_int_eq(file_status(&tj, "docs/x.md"), FILE_MODIFIED);
	ck_assert_int_eq(file_status(&tj, "old/deep/o2.txt"), FILE_DELETED);
	ck_assert_int_eq(file_status(&tj, "docs/sub/z.md"), FILE_DELETED);
	ck_assert_int_eq(file_status(&tj, "a.txt"), -1);  /* unchanged: not listed */
	ck_assert_str_eq(at(&f, &nt, "run.sh", &mode), (hexof(hex, "#!/bin/sh\n"), hex));
	ck_assert_uint_eq(mode, 0100755);
	at(&f, &nt, "link", &mode);
	ck_assert_uint_eq(mode, 0120000);
	ck_assert_str_eq(at(&f, &nt, "old", NULL), "");      /* emptied dirs vanish */
	ck_assert_str_eq(at(&f, &nt, "docs/sub", NULL), "");
	ck_assert_str_eq(at(&f, &nt, "docs/y.md", NULL), "");
	ck_assert_str_ne(at(&f, &nt, "keep/k.txt", NULL), "");
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_tree_noop_is_base)
{
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	char (*need)[41] = NULL;
	size_t n = 9;
	git_oid nt;

	fx_setup(&f);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	entry(&e, "docs/y.md", 0100644, "y\n");
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_need(&need, &n, &tj), 0);
	ck_assert_uint_eq(n, 0);
	free(need);
	ck_assert_int_eq(tree_build(&nt, &tj, NULL, NULL), 0);
	ck_assert(git_oid_equal(&nt, git_tree_id(f.base)));
	ck_assert_uint_eq(tj.nfiles, 0);
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_tree_bad_input)
{
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	char (*need)[41] = NULL, hex[41], msg[128];
	size_t n;
	git_oid nt;

	fx_setup(&f);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	entry(&e, "../x", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	ck_assert_str_eq(err_last(), "manifest: bad path '../x': path must not contain a '..'"
	    " segment");
	entry(&e, ".git/config", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	/* git's other spellings of .git (shared/pathcheck.h) */
	entry(&e, ".GIT/config", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	entry(&e, "x/git~1/hooks/pre-commit", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	entry(&e, "x/.git. /config", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	entry(&e, "..\\x", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	entry(&e, "a//b", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	entry(&e, "x", 0100600, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), ERR_PROTO);
	ck_assert_str_eq(err_last(), "manifest: bad mode 100600 for 'x'");
	entry(&e, "q.txt", 0100644, "q\n");
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_need(&need, &n, &tj), 0);
	ck_assert_uint_eq(n, 1);
	/* Content that is not the blob asked for. */
	ck_assert_int_eq(tree_blob(&tj, need[0], "evil\n", 5), ERR_PROTO);
	snprintf(msg, sizeof(msg), "blobs: content does not match blob %s", need[0]);
	ck_assert_str_eq(err_last(), msg);
	/* A blob nobody asked for. */
	hexof(hex, "other\n");
	ck_assert_int_eq(tree_blob(&tj, hex, "other\n", 6), ERR_PROTO);
	snprintf(msg, sizeof(msg), "blobs: blob %s was not requested", hex);
	ck_assert_str_eq(err_last(), msg);
	ck_assert_int_eq(tree_blob(&tj, "xyz", "other\n", 6), ERR_PROTO);
	ck_assert_str_eq(err_last(), "blobs: bad oid 'xyz'");
	/* Never sent. */
	ck_assert_int_eq(tree_build(&nt, &tj, NULL, NULL), ERR_PROTO);
	ck_assert_str_eq(err_last(), "blobs: blob for 'q.txt' never arrived");
	free(need);
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

/*
 * A raw tree object holding the one entry name (a blob), written past
 * libgit2's tree builder, which would refuse the names under test.
 */
static void
raw_tree(git_oid *out, git_repository *r, const char *name, const git_oid *sub_tree)
{
	git_odb *odb = NULL;
	git_oid blob;
	char buf[256];
	size_t n;

	ck_assert_int_eq(git_blob_create_from_buffer(&blob, r, "x\n", 2), 0);
	n = (size_t)snprintf(buf, sizeof(buf), "%s %s", sub_tree ? "40000" : "100644", name);
	buf[n++] = '\0';
	memcpy(buf + n, (sub_tree ? sub_tree : &blob)->id, GIT_OID_RAWSZ);
	n += GIT_OID_RAWSZ;
	ck_assert_int_eq(git_repository_odb(&odb, r), 0);
	ck_assert_int_eq(git_odb_write(out, odb, buf, n, GIT_OBJECT_TREE), 0);
	git_odb_free(odb);
}

START_TEST(test_tree_hostile_base)
{
	static const char *const hostile[] = {
		".git", ".GIT", ".git ", ".git.", "git~1", ".g\xe2\x80\x8cit", "..", ".", "..\\x",
	};
	struct fx f;
	struct tree_job tj;
	git_tree *t = NULL;
	git_oid id, top;
	const char *why = NULL;
	char *bad = NULL;
	size_t i;

	fx_setup(&f);
	/* The ordinary base: clean. */
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 0);
	ck_assert_ptr_null(bad);
	tree_job_release(&tj);
	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		/* at the top, and one level down ("sub/NAME") */
		raw_tree(&id, f.r, hostile[i], NULL);
		raw_tree(&top, f.r, "sub", &id);
		ck_assert_int_eq(git_tree_lookup(&t, f.r, &top), 0);
		ck_assert_int_eq(tree_job_init(&tj, f.r, t, NULL), 0);
		ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 1);
		ck_assert_ptr_nonnull(bad);
		ck_assert_msg(strncmp(bad, "sub/", 4) == 0 && strcmp(bad + 4, hostile[i]) == 0,
		    "found '%s' for '%s'", bad, hostile[i]);
		ck_assert_ptr_nonnull(why);
		free(bad);
		tree_job_release(&tj);
		git_tree_free(t);
		ck_assert_int_eq(git_tree_lookup(&t, f.r, &id), 0);
		ck_assert_int_eq(tree_job_init(&tj, f.r, t, NULL), 0);
		ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 1);
		ck_assert_str_eq(bad, hostile[i]);
		free(bad);
		tree_job_release(&tj);
		git_tree_free(t);
	}
	/* A planted name's control characters do not reach the message. */
	raw_tree(&id, f.r, "..\\\x1b[2J", NULL);
	ck_assert_int_eq(git_tree_lookup(&t, f.r, &id), 0);
	ck_assert_int_eq(tree_job_init(&tj, f.r, t, NULL), 0);
	ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 1);
	ck_assert_str_eq(bad, "..\\?[2J");
	free(bad);
	tree_job_release(&tj);
	git_tree_free(t);
	/* Names next to those are fine. */
	raw_tree(&id, f.r, ".github", NULL);
	ck_assert_int_eq(git_tree_lookup(&t, f.r, &id), 0);
	ck_assert_int_eq(tree_job_init(&tj, f.r, t, NULL), 0);
	ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 0);
	tree_job_release(&tj);
	git_tree_free(t);
	/* No base (an empty repository): nothing to check. */
	ck_assert_int_eq(tree_job_init(&tj, f.r, NULL, NULL), 0);
	ck_assert_int_eq(tree_check_base(&bad, &why, &tj), 0);
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

START_TEST(test_tree_bad_delete_path)
{
	struct fx f;
	struct tree_job tj;
	struct strv del = { NULL, 0 };
	git_oid nt;

	fx_setup(&f);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	strv_add(&del, ".Git/config");
	ck_assert_int_eq(tree_build(&nt, &tj, &del, NULL), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "bad delete or prune path '.Git/config'"));
	strv_release(&del);
	tree_job_release(&tj);
	fx_teardown(&f);
}
END_TEST

/*
 * A blob that arrived in BLOB_CHUNKs is already in the odb (the worker's
 * write stream put it there, id checked): tree_blob_stored resolves every
 * entry using it, a transformed one from the blob read back.
 */
START_TEST(test_tree_blob_stored)
{
	static const struct transform_pair vars[] = { { "X", "42" } };
	const char *text = "v={{X}}\n";
	struct transform_spec spec;
	struct transform *xf = NULL;
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	char (*need)[41] = NULL, hex[41], msg[128];
	git_oid id, nt, want;
	size_t n;
	unsigned mode;

	fx_setup(&f);
	memset(&spec, 0, sizeof(spec));
	spec.vars = vars;
	spec.nvars = 1;
	ck_assert_int_eq(transform_new(&xf, &spec), 0);
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, xf), 0);
	entry(&e, "plain.txt", 0100644, text);
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	entry(&e, "done.txt", 0100644, text);
	e.transform = true;
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_need(&need, &n, &tj), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(git_oid_fromstr(&id, need[0]), 0);
	ck_assert(tree_wanted(&tj, &id));
	hexof(hex, "other\n");
	ck_assert_int_eq(git_oid_fromstr(&nt, hex), 0);
	ck_assert(!tree_wanted(&tj, &nt));
	/* what the write stream would have left in the mirror */
	ck_assert_int_eq(git_odb_write(&want, tj.odb, text, strlen(text), GIT_OBJECT_BLOB), 0);
	ck_assert_int_eq(tree_blob_stored(&tj, &id, strlen(text)), 0);
	ck_assert(!tree_wanted(&tj, &id));
	ck_assert_uint_eq(tj.bytes_in, strlen(text));
	/* once only */
	ck_assert_int_eq(tree_blob_stored(&tj, &id, strlen(text)), ERR_PROTO);
	snprintf(msg, sizeof(msg), "blobs: blob %s was not requested", need[0]);
	ck_assert_str_eq(err_last(), msg);
	ck_assert_int_eq(tree_build(&nt, &tj, NULL, NULL), 0);
	ck_assert_str_eq(at(&f, &nt, "plain.txt", &mode), need[0]);
	hexof(hex, "v=42\n");
	ck_assert_str_eq(at(&f, &nt, "done.txt", &mode), hex);
	free(need);
	tree_job_release(&tj);
	transform_free(xf);
	fx_teardown(&f);
}
END_TEST

/* update_refs: the base go.mod's require entry set; the errors. */
START_TEST(test_tree_set_requires)
{
	static const struct gitfix_file with_gomod[] = {
		{ "go.mod", "module x\n\nrequire github.com/a/lib v1.0.0\n", 0, 0 },
		{ "a.txt", "alpha\n", 0, 0 },
	};
	static const struct msg_kv req[] = { { "github.com/a/lib", "v1.2.0" },
		{ "github.com/b/new", "v0.1.0" } };
	const char *want = "module x\n\nrequire github.com/a/lib v1.2.0\n\n"
	    "require github.com/b/new v0.1.0\n";
	struct fx f;
	struct tree_job tj;
	struct msg_manifest_entry e;
	git_oid head, tree_id;
	git_commit *c = NULL;
	git_tree *base = NULL;
	char hex[41];

	fx_setup(&f);
	/* no go.mod in the base: refused */
	ck_assert_int_eq(tree_job_init(&tj, f.r, f.base, NULL), 0);
	ck_assert_int_eq(tree_set_requires(&tj, req, 2), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "update_refs: the target has no go.mod at its root");
	ck_assert_int_eq(tree_set_requires(&tj, req, 0), 0);  /* nothing asked: nothing */
	tree_job_release(&tj);

	gitfix_commit(&head, f.r, "main", with_gomod, ARRAY_SIZE(with_gomod));
	ck_assert_int_eq(git_commit_lookup(&c, f.r, &head), 0);
	ck_assert_int_eq(git_commit_tree(&base, c), 0);
	git_commit_free(c);
	ck_assert_int_eq(tree_job_init(&tj, f.r, base, NULL), 0);
	ck_assert_int_eq(tree_set_requires(&tj, req, 2), 0);
	ck_assert_int_eq(tree_build(&tree_id, &tj, NULL, NULL), 0);
	hexof(hex, want);
	ck_assert_str_eq(at(&f, &tree_id, "go.mod", NULL), hex);
	ck_assert_int_eq(file_status(&tj, "go.mod"), FILE_MODIFIED);
	tree_job_release(&tj);

	/* a go.mod synced from the source as well: refused */
	ck_assert_int_eq(tree_job_init(&tj, f.r, base, NULL), 0);
	entry(&e, "go.mod", 0100644, "module y\n");
	ck_assert_int_eq(tree_add(&tj, &e), 0);
	ck_assert_int_eq(tree_set_requires(&tj, req, 1), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "update_refs: go.mod is also synced from the source; it "
	    "cannot be both");
	tree_job_release(&tj);
	git_tree_free(base);
	fx_teardown(&f);
}
END_TEST

Suite *
tree_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tree_want_only_changed);
	tcase_add_test(tc, test_tree_build_delete_prune_modes);
	tcase_add_test(tc, test_tree_noop_is_base);
	tcase_add_test(tc, test_tree_bad_input);
	tcase_add_test(tc, test_tree_hostile_base);
	tcase_add_test(tc, test_tree_blob_stored);
	tcase_add_test(tc, test_tree_set_requires);
	tcase_add_test(tc, test_tree_bad_delete_path);
	suite_add_tcase(s, tc);
	return s;
}
