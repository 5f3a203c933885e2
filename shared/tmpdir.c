#include "shared/tmpdir.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

int
tmpdir_make(char **dir, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	char *d;

	d = xasprintf("%s/%sXXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", prefix);
	if (mkdtemp(d) == NULL) {
		err_sys(ERR_FAIL, "cannot create a temporary directory '%s'", d);
		free(d);
		*dir = NULL;
		return -1;
	}
	*dir = d;
	return 0;
}

static int
unlock_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	/* A command may leave directories unwritable; removal needs them writable. */
	if (type == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
tmpdir_remove(const char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, unlock_dir, 16, FTW_PHYS);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
