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
#include "supervisor/github/gitdata.h"

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
	return s;
}
