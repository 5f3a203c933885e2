#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

START_TEST(test_buf_add)
{
	struct buf b = BUF_INIT;

	ck_assert_str_eq(b.ptr, "");
	buf_addstr(&b, "abc");
	buf_addch(&b, 'd');
	buf_addf(&b, "-%d-%s", 42, "x");
	ck_assert_str_eq(b.ptr, "abcd-42-x");
	ck_assert_uint_eq(b.len, 9);
	buf_consume(&b, 2);
	ck_assert_str_eq(b.ptr, "cd-42-x");
	buf_reset(&b);
	ck_assert_str_eq(b.ptr, "");
	buf_release(&b);
	ck_assert_ptr_eq(b.ptr, buf_empty);
}
END_TEST

START_TEST(test_buf_large_printf)
{
	struct buf b = BUF_INIT;
	char big[5000];
	size_t len;
	char *s;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_addf(&b, "<%s>", big);
	ck_assert_uint_eq(b.len, sizeof(big) + 1);
	ck_assert_int_eq(b.ptr[0], '<');
	ck_assert_int_eq(b.ptr[b.len - 1], '>');
	s = buf_detach(&b, &len);
	ck_assert_uint_eq(len, sizeof(big) + 1);
	ck_assert_ptr_eq(b.ptr, buf_empty);
	free(s);
}
END_TEST

START_TEST(test_buf_files)
{
	char dir[] = "/tmp/repocast-buf-XXXXXX";
	struct buf b = BUF_INIT, r = BUF_INIT;
	char *path;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/f", dir);
	buf_addstr(&b, "hello\n");
	ck_assert_int_eq(buf_write_file_atomic(&b, path), 0);
	ck_assert_int_eq(buf_read_file(&r, path), 0);
	ck_assert_str_eq(r.ptr, "hello\n");
	unlink(path);
	ck_assert_int_eq(buf_read_file(&r, path), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot open"));
	rmdir(dir);
	free(path);
	buf_release(&b);
	buf_release(&r);
}
END_TEST

START_TEST(test_err_wrap)
{
	ck_assert_int_eq(err_set(ERR_NOTFOUND, "no such repo '%s'", "a/b"), ERR_NOTFOUND);
	err_wrap("cannot sync '%s'", "a/b");
	ck_assert_str_eq(err_last(), "cannot sync 'a/b': no such repo 'a/b'");
	ck_assert_int_eq(err_code(), ERR_NOTFOUND);
	ck_assert_str_eq(err_name(err_code()), "notfound");
	err_clear();
	ck_assert_str_eq(err_last(), "");
}
END_TEST

Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_add);
	tcase_add_test(tc, test_buf_large_printf);
	tcase_add_test(tc, test_buf_files);
	tcase_add_test(tc, test_err_wrap);
	suite_add_tcase(s, tc);
	return s;
}
