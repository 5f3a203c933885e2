/*
 * refname — branch names by libgit2's rules. See refname.h.
 */
#include "shared/git/refname.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "shared/util.h"

static int
why_fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return -1;
}

int
refname_check_branch(const char *name, const char **why)
{
	static bool ready;
	char buf[sizeof("refs/heads/") + 256];
	size_t len = strlen(name);
	int valid = 0;

	if (len == 0)
		return why_fail(why, "invalid branch name: must not be empty");
	if (len > 255)
		return why_fail(why, "invalid branch name: longer than 255 bytes");
	if (name[0] == '-')
		return why_fail(why, "invalid branch name: must not start with '-'");
	if (strcmp(name, "HEAD") == 0 || strcmp(name, "@") == 0)
		return why_fail(why, "invalid branch name: 'HEAD' and '@' name the current commit");
	/* git refuses DEL as it refuses the other controls; libgit2 1.5 lets it by. */
	if (strchr(name, 0x7f) != NULL)
		return why_fail(why, "invalid branch name: must not contain control characters");
	/* libgit2 reports an invalid name through its error state: it must be set up. */
	if (!ready) {
		if (git_libgit2_init() < 0)
			BUG("cannot initialise libgit2");
		ready = true;
	}
	snprintf(buf, sizeof(buf), "refs/heads/%s", name);
	if (git_reference_name_is_valid(&valid, buf) < 0 || !valid)
		return why_fail(why, "invalid branch name: git refuses it (git check-ref-format"
		    " rules: no '..', '//', '@{', spaces, controls or any of ~ ^ : ? * [ \\; no"
		    " component starting with '.' or ending in '.lock'; not ending in '/' or '.')");
	return 0;
}
