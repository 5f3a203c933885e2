/*
 * pathcheck: git's .git rules (case, trailing dots and spaces, NTFS 8.3
 * and alternate streams, HFS+ ignorable code points), config paths, tree
 * paths and names, symlink targets, the cache directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/pathcheck.h"
#include "shared/util.h"

struct pcase {
	const char *s;
	bool bad;
};

/* One component: is it a .git? */
static const struct pcase dotgit[] = {
	{ ".git", true },
	{ ".GIT", true },
	{ ".Git", true },
	{ ".git ", true },              /* Windows drops trailing spaces */
	{ ".git.", true },              /* and dots */
	{ ".git. . ", true },
	{ "git~1", true },              /* the NTFS 8.3 short name */
	{ "GIT~1", true },
	{ "Git~1.", true },
	{ ".git::$INDEX_ALLOCATION", true }, /* an NTFS alternate data stream */
	{ ".git:x", true },
	{ ".g\xe2\x80\x8cit", true },   /* U+200C ZERO WIDTH NON-JOINER (HFS+) */
	{ "\xe2\x80\x8d.git", true },   /* U+200D */
	{ ".gi\xe2\x80\x8et", true },   /* U+200E */
	{ ".git\xe2\x80\x8f", true },   /* U+200F */
	{ ".\xe2\x80\xaaGIT", true },   /* U+202A */
	{ ".g\xe2\x80\xaeit", true },   /* U+202E */
	{ ".g\xe2\x81\xaai\xe2\x81\xaft", true }, /* U+206A, U+206F */
	{ ".git\xef\xbb\xbf", true },   /* U+FEFF */
	{ ".gitignore", false },
	{ ".github", false },
	{ ".gitmodules", false },
	{ "git", false },
	{ ".gi", false },
	{ "git~2", false },
	{ "git~1x", false },
	{ ".git x", false },
	{ "x.git", false },
	{ ".g\xe2\x80\x8bit", false },  /* U+200B is not ignorable */
	{ ".g\xc3\xaft", false },       /* ".gït" */
	{ ".git\xff", false },          /* invalid UTF-8: no HFS+ fold */
	{ "", false },
};

START_TEST(test_pathcheck_dotgit)
{
	const struct pcase *c = &dotgit[_i];

	ck_assert_msg(pathcheck_is_dotgit(c->s, strlen(c->s)) == c->bad, "'%s': expected %s",
	    c->s, c->bad ? "a .git" : "not a .git");
}
END_TEST

/* A config src or dest. */
static const struct pcase paths[] = {
	{ "README.md", false },
	{ ".github/workflows/ci.yml", false },
	{ "./docs/x", false },
	{ "docs/", false },
	{ ".", false },
	{ "a\\b", false },              /* a backslash inside a name is fine */
	{ ".gitignore", false },
	{ "sub/.github", false },
	{ "", true },
	{ "/etc/passwd", true },
	{ "\\etc", true },
	{ "C:/x", true },
	{ "c:\\x", true },
	{ "..", true },
	{ "../x", true },
	{ "a/../b", true },
	{ "..\\..", true },
	{ "a\\..\\b", true },
	{ ".git", true },
	{ ".git/hooks/pre-commit", true },
	{ ".GIT/config", true },
	{ "sub/.git/config", true },
	{ "sub\\.git\\config", true },
	{ ".git ", true },
	{ ".git./x", true },
	{ "GIT~1/config", true },
	{ "x/.g\xe2\x80\x8cit/hooks", true },
	{ "a\tb", true },
	{ "a\x7f", true },
};

START_TEST(test_pathcheck_path)
{
	const struct pcase *c = &paths[_i];
	const char *why = NULL;

	ck_assert_msg((pathcheck_path(c->s, &why) < 0) == c->bad, "'%s': expected %s", c->s,
	    c->bad ? "refused" : "accepted");
	if (c->bad)
		ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_pathcheck_tree_path)
{
	const char *why = NULL;

	ck_assert_int_eq(pathcheck_tree_path("a/b.txt", &why), 0);
	ck_assert_int_eq(pathcheck_tree_path(".github/x.yml", &why), 0);
	ck_assert_int_eq(pathcheck_tree_path("./a", &why), -1);
	ck_assert_str_eq(why, "path must not contain a '.' segment");
	ck_assert_int_eq(pathcheck_tree_path("a//b", &why), -1);
	ck_assert_str_eq(why, "path must not contain an empty segment");
	ck_assert_int_eq(pathcheck_tree_path("a/", &why), -1);
	ck_assert_int_eq(pathcheck_tree_path("/a", &why), -1);
	ck_assert_str_eq(why, "path must be relative");
	ck_assert_int_eq(pathcheck_tree_path("x/.Git/hooks/post-checkout", &why), -1);
	ck_assert(strstr(why, "'.git' segment") != NULL);
	ck_assert_int_eq(pathcheck_tree_path("x/../y", &why), -1);
	ck_assert_str_eq(why, "path must not contain a '..' segment");
}
END_TEST

/* A name read from a tree object. */
static const struct pcase names[] = {
	{ "README", false },
	{ ".github", false },
	{ "a\\b", false },
	{ "dir name with spaces", false },
	{ "", true },
	{ ".", true },
	{ "..", true },
	{ "a/b", true },
	{ ".git", true },
	{ ".GIT", true },
	{ ".git ", true },
	{ "git~1", true },
	{ ".g\xef\xbb\xbfit", true },
	{ "..\\x", true },
	{ "x\\.git", true },
	{ "x\\..", true },
};

START_TEST(test_pathcheck_name)
{
	const struct pcase *c = &names[_i];

	ck_assert_msg((pathcheck_name(c->s, NULL) < 0) == c->bad, "'%s': expected %s", c->s,
	    c->bad ? "refused" : "accepted");
}
END_TEST

struct lcase {
	const char *path, *target;
	bool bad;
};

static const struct lcase links[] = {
	{ "a", "b", false },
	{ "dir/a", "../b", false },
	{ "dir/sub/a", "../../b", false },
	{ "dir/a", "./b/../c", false },
	{ "dir/a", "sub/../../x", false },
	{ "a", ".gitignore", false },
	{ "a", "../../../etc/passwd", true },
	{ "a", "..", true },
	{ "dir/a", "../../b", true },
	{ "dir/a", "x/../../../y", true },
	{ "dir/a", "..\\..\\b", true },
	{ "a", "/etc/shadow", true },
	{ "a", "\\\\server\\share", true },
	{ "a", "C:\\Windows", true },
	{ "a", ".git/hooks/pre-commit", true },
	{ "a", "sub/.GIT", true },
	{ "a", "", true },
};

START_TEST(test_pathcheck_symlink)
{
	const struct lcase *c = &links[_i];
	const char *why = NULL;

	ck_assert_msg((pathcheck_symlink(c->path, c->target, strlen(c->target), &why) < 0) ==
	    c->bad, "'%s' -> '%s': expected %s", c->path, c->target,
	    c->bad ? "outside" : "inside");
	if (c->bad)
		ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_pathcheck_symlink_nul)
{
	const char *why = NULL;

	ck_assert_int_eq(pathcheck_symlink("a", "b\0/etc", 6, &why), -1);
	ck_assert_str_eq(why, "the link holds a NUL byte");
}
END_TEST

START_TEST(test_pathcheck_cache_dir)
{
	static const char *const refused[] = {
		"/", "/etc", "/etc/", "/etc/repocast", "/usr/lib/x", "/proc/self", "/tmp",
		"/var", "/home", "/tmp/../etc", "//etc", "/./usr",
	};
	char tmpl[] = "/tmp/pathcheck-XXXXXX";
	char *dir, *sub, *file, *link;
	const char *why = NULL;
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		why = NULL;
		ck_assert_msg(pathcheck_cache_dir(refused[i], &why) < 0, "'%s' accepted",
		    refused[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(pathcheck_cache_dir("", &why), -1);
	dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	ck_assert_int_eq(pathcheck_cache_dir(dir, &why), 0);
	sub = xasprintf("%s/not/yet/there", dir);
	ck_assert_int_eq(pathcheck_cache_dir(sub, &why), 0);
	/* A directory everyone may write to. */
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(pathcheck_cache_dir(dir, &why), -1);
	ck_assert(strstr(why, "writable by every user") != NULL);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	/* A file is no directory. */
	file = xasprintf("%s/file", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(pathcheck_cache_dir(file, &why), -1);
	ck_assert_str_eq(why, "is not a directory");
	/* A symlink to /etc is /etc. */
	link = xasprintf("%s/etc", dir);
	ck_assert_int_eq(symlink("/etc", link), 0);
	ck_assert_int_eq(pathcheck_cache_dir(link, &why), -1);
	ck_assert(strstr(why, "system directory") != NULL);
	free(sub);
	sub = xasprintf("%s/etc/repocast", dir);
	ck_assert_int_eq(pathcheck_cache_dir(sub, &why), -1);
	/* A directory owned by someone else: root gives one away, others find one. */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(pathcheck_cache_dir(dir, &why), -1);
		ck_assert(strstr(why, "owned by another user") != NULL);
		ck_assert_int_eq(chown(dir, 0, 0), 0);
	} else {
		ck_assert_int_eq(pathcheck_cache_dir("/var/cache", &why), -1);
		ck_assert(strstr(why, "owned by another user") != NULL);
	}
	unlink(link);
	unlink(file);
	rmdir(dir);
	free(link);
	free(file);
	free(sub);
}
END_TEST

Suite *
pathcheck_suite(void)
{
	Suite *s = suite_create("pathcheck");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_pathcheck_dotgit, 0, (int)ARRAY_SIZE(dotgit));
	tcase_add_loop_test(tc, test_pathcheck_path, 0, (int)ARRAY_SIZE(paths));
	tcase_add_test(tc, test_pathcheck_tree_path);
	tcase_add_loop_test(tc, test_pathcheck_name, 0, (int)ARRAY_SIZE(names));
	tcase_add_loop_test(tc, test_pathcheck_symlink, 0, (int)ARRAY_SIZE(links));
	tcase_add_test(tc, test_pathcheck_symlink_nul);
	suite_add_tcase(s, tc);
	tc = tcase_create("cache_dir");
	tcase_add_test(tc, test_pathcheck_cache_dir);
	suite_add_tcase(s, tc);
	return s;
}
