/*
 * gitdata: the bodies of the Git Data API requests a commit through the
 * API sends (base64 blobs, a tree with deletions, a commit with its
 * people) and the reading of an answer's sha.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "supervisor/github/api.h"
#include "supervisor/github/gitdata.h"

#include "httpstub.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define REF(sha) "{\"ref\":\"refs/heads/b\",\"object\":{\"sha\":\"" sha "\",\"type\":\"commit\"}}"

static struct api *
mkapi(struct stub *s, struct fake_clock *f)
{
	struct api_opts o;
	struct api *a = NULL;

	api_opts_init(&o);
	o.base_url = s->url;
	o.now_ms = fake_now;
	o.wall_ms = fake_wall;
	o.sleep_ms = fake_sleep;
	o.arg = f;
	ck_assert_msg(api_new(&a, &o, "tok") == 0, "%s", err_last());
	return a;
}

/* Run gitdata_ref_set(exists) against script; returns its code. */
static int
ref_set(struct stub *s, const struct stub_resp *script, size_t n, bool exists, bool *created)
{
	struct fake_clock f = { 0 };
	struct api *a;
	int rc;

	stub_start(s, script, n);
	a = mkapi(s, &f);
	rc = gitdata_ref_set(created, a, "acme/api", "b", SHA_A, exists);
	api_free(a);
	return rc;
}

START_TEST(test_gitdata_base64)
{
	/* RFC 4648 section 10 */
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
	};
	const unsigned char bin[] = { 0x00, 0xff, 0xfe, 0x80 };
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		buf_reset(&b);
		buf_addstr(&b, "<");
		gitdata_base64(&b, in[i], strlen(in[i]));
		ck_assert_str_eq(b.ptr + 1, out[i]);
		ck_assert_uint_eq(b.len, 1 + strlen(out[i]));
	}
	buf_reset(&b);
	gitdata_base64(&b, bin, sizeof(bin));
	ck_assert_str_eq(b.ptr, "AP/+gA==");
	buf_release(&b);
}
END_TEST

START_TEST(test_gitdata_tree_body)
{
	static const char base[] = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
	static const char blob[] = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
	const struct gitdata_entry e[] = {
		{ "old.txt", 0100644, NULL },
		{ "bin/run \"x\".sh", 0100755, blob },
		{ "link", 0120000, blob },
	};
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *j, *t;

	gitdata_tree_body(&b, base, e, 3);
	j = json_loads(b.ptr, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s", b.ptr);
	ck_assert_str_eq(json_string_value(json_object_get(j, "base_tree")), base);
	t = json_object_get(j, "tree");
	ck_assert_uint_eq(json_array_size(t), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 0), "path")),
	    "old.txt");
	ck_assert(json_is_null(json_object_get(json_array_get(t, 0), "sha")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "path")),
	    "bin/run \"x\".sh");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "mode")),
	    "100755");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 1), "sha")), blob);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 2), "mode")),
	    "120000");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(t, 2), "type")),
	    "blob");
	json_decref(j);
	/* no entries: the base tree alone */
	buf_reset(&b);
	gitdata_tree_body(&b, base, NULL, 0);
	ck_assert_str_eq(b.ptr, "{\"base_tree\":\"4b825dc642cb6eb9a060e54bf8d69288fbee4904\","
	    "\"tree\":[]}");
	buf_release(&b);
}
END_TEST

START_TEST(test_gitdata_commit_body)
{
	const struct gitdata_person au = { "Sync \"Bot\"", "bot@example.com",
		"2024-01-01T12:00:00+01:00" };
	const struct gitdata_person co = { "Sync Bot", "bot@example.com", NULL };
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *j;

	gitdata_commit_body(&b, "sync: files\n\nbody\n", "t1", "p1", &au, &co);
	j = json_loads(b.ptr, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s", b.ptr);
	ck_assert_str_eq(json_string_value(json_object_get(j, "message")), "sync: files\n\nbody\n");
	ck_assert_str_eq(json_string_value(json_object_get(j, "tree")), "t1");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "parents")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "parents"), 0)), "p1");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "author"), "name")),
	    "Sync \"Bot\"");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "author"), "date")),
	    "2024-01-01T12:00:00+01:00");
	ck_assert_ptr_null(json_object_get(json_object_get(j, "committer"), "date"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "committer"),
	    "email")), "bot@example.com");
	json_decref(j);
	buf_release(&b);
}
END_TEST

START_TEST(test_gitdata_sha_parse)
{
	static const char ok[] = "{\"url\":\"x\",\"sha\":\"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\"}";
	static const char *const bad[] = {
		"{}", "{\"sha\":null}", "{\"sha\":\"e69de29\"}",
		"{\"sha\":\"E69DE29BB2D1D6434B8B29AE775AD8C2E48C5391\"}",
		"{\"sha\":\"e69de29bb2d1d6434b8b29ae775ad8c2e48c539g\"}", "not json",
	};
	char sha[41];
	size_t i;

	ck_assert_int_eq(gitdata_sha_parse(sha, ok, strlen(ok), "blob"), 0);
	ck_assert_str_eq(sha, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(gitdata_sha_parse(sha, bad[i], strlen(bad[i]), "tree"), ERR_PROTO);
		ck_assert_msg(strncmp(err_last(), "bad tree from the github api: ", 30) == 0,
		    "%s: %s", bad[i], err_last());
		ck_assert_str_eq(sha, "");
	}
}
END_TEST

START_TEST(test_gitdata_ref_create)
{
	static const struct stub_resp script[] = { { 201, NULL, REF(SHA_A), 0, 0 } };
	struct stub s;
	bool created = false;

	ck_assert_int_eq(ref_set(&s, script, 1, false, &created), 0);
	ck_assert(created);
	ck_assert_uint_eq(s.nreqs, 1);
	ck_assert_str_eq(s.reqs[0].method, "POST");
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api/git/refs");
	ck_assert_str_eq(s.reqs[0].body, "{\"ref\":\"refs/heads/b\",\"sha\":\"" SHA_A "\"}");
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_exists)
{
	/* a forced push replaces a branch it finds: a create that finds one
	 * becomes the forced update */
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Reference already exists\"}", 0, 0 },
		{ 200, NULL, REF(SHA_A), 0, 0 },
	};
	struct stub s;
	bool created = true;

	ck_assert_int_eq(ref_set(&s, script, 2, false, &created), 0);
	ck_assert(!created);
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[1].method, "PATCH");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/git/refs/heads/b");
	ck_assert_str_eq(s.reqs[1].body, "{\"sha\":\"" SHA_A "\",\"force\":true}");
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_gone)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Reference does not exist\"}", 0, 0 },
		{ 201, NULL, REF(SHA_A), 0, 0 },
	};
	struct stub s;
	bool created = false;

	ck_assert_int_eq(ref_set(&s, script, 2, true, &created), 0);
	ck_assert(created);
	ck_assert_str_eq(s.reqs[0].method, "PATCH");
	ck_assert_str_eq(s.reqs[1].method, "POST");
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_lost_done)
{
	/* the answer is lost; the ref already names the commit: no resend */
	static const struct stub_resp script[] = {
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 200, NULL, REF(SHA_A), 0, 0 },
	};
	struct stub s;

	ck_assert_int_eq(ref_set(&s, script, 2, true, NULL), 0);
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[1].method, "GET");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/git/ref/heads/b");
	ck_assert_ptr_null(strstr(s.reqs[1].headers, "If-None-Match"));
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_lost_resend)
{
	/* lost, and the ref still names another commit: sent again */
	static const struct stub_resp script[] = {
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 200, NULL, REF(SHA_B), 0, 0 },
		{ 200, NULL, REF(SHA_A), 0, 0 },
	};
	struct stub s;

	ck_assert_int_eq(ref_set(&s, script, 3, true, NULL), 0);
	ck_assert_uint_eq(s.nreqs, 3);
	ck_assert_str_eq(s.reqs[2].method, "PATCH");
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_lost_always)
{
	static const struct stub_resp script[] = {
		{ 0, NULL, NULL, STUB_DROP, 0 }, { 200, NULL, REF(SHA_B), 0, 0 },
		{ 0, NULL, NULL, STUB_DROP, 0 }, { 200, NULL, REF(SHA_B), 0, 0 },
		{ 0, NULL, NULL, STUB_DROP, 0 }, { 200, NULL, REF(SHA_B), 0, 0 },
		{ 200, NULL, REF(SHA_A), 0, 0 },
	};
	struct stub s;

	ck_assert_int_eq(ref_set(&s, script, 7, true, NULL), ERR_NET);
	ck_assert_uint_eq(s.nreqs, 6);   /* three sends at most */
	ck_assert_str_eq(err_last(), "cannot point branch 'b' of 'acme/api' at " SHA_A
	    ": the answer to the update was lost");
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_ref_refused)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Object does not exist\"}", 0, 0 },
	};
	struct stub s;

	ck_assert_int_eq(ref_set(&s, script, 1, true, NULL), ERR_FAIL);
	ck_assert_uint_eq(s.nreqs, 1);
	ck_assert_msg(strstr(err_last(), "422 Object does not exist") != NULL, "%s", err_last());
	stub_stop(&s);
}
END_TEST

START_TEST(test_gitdata_create_retried)
{
	/* blobs and commits are their content: a 502 is sent again */
	static const struct stub_resp script[] = {
		{ 502, NULL, "{\"message\":\"Bad Gateway\"}", 0, 0 },
		{ 201, NULL, "{\"sha\":\"" SHA_B "\"}", 0, 0 },
		{ 201, NULL, "{\"sha\":\"" SHA_A "\"}", 0, 0 },
	};
	const struct gitdata_person p = { "Bot", "bot@x", NULL };
	struct fake_clock f = { 0 };
	struct stub s;
	struct api *a;
	char sha[41];

	stub_start(&s, script, 3);
	a = mkapi(&s, &f);
	ck_assert_int_eq(gitdata_blob_create(sha, a, "acme/api", "hi\n", 3), 0);
	ck_assert_str_eq(sha, SHA_B);
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/git/blobs");
	ck_assert_str_eq(s.reqs[1].body, "{\"encoding\":\"base64\",\"content\":\"aGkK\"}");
	ck_assert_int_eq(gitdata_commit_create(sha, a, "acme/api", "m\n", SHA_B, SHA_A, &p, &p),
	    0);
	ck_assert_str_eq(sha, SHA_A);
	ck_assert_str_eq(s.reqs[2].target, "/repos/acme/api/git/commits");
	api_free(a);
	stub_stop(&s);
}
END_TEST

Suite *
gitdata_suite(void)
{
	Suite *s = suite_create("gitdata");
	TCase *tc = tcase_create("bodies");

	tcase_add_test(tc, test_gitdata_base64);
	tcase_add_test(tc, test_gitdata_tree_body);
	tcase_add_test(tc, test_gitdata_commit_body);
	tcase_add_test(tc, test_gitdata_sha_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("requests");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_gitdata_ref_create);
	tcase_add_test(tc, test_gitdata_ref_exists);
	tcase_add_test(tc, test_gitdata_ref_gone);
	tcase_add_test(tc, test_gitdata_ref_lost_done);
	tcase_add_test(tc, test_gitdata_ref_lost_resend);
	tcase_add_test(tc, test_gitdata_ref_lost_always);
	tcase_add_test(tc, test_gitdata_ref_refused);
	tcase_add_test(tc, test_gitdata_create_retried);
	suite_add_tcase(s, tc);
	return s;
}
