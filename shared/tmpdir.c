#include "shared/tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
tmpdir_remove_stale(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	size_t n = strlen(prefix);
	struct dirent *e;
	char *end, *path;
	long pid;
	int removed = 0;
	DIR *d;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if ((d = opendir(tmp)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, n) != 0)
			continue;
		pid = strtol(e->d_name + n, &end, 10);
		if (end == e->d_name + n || *end != '-' || pid <= 0)
			continue;
		/* A live process (or one we may not signal) keeps its directory. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", tmp, e->d_name);
		tmpdir_remove(path);
		free(path);
		removed++;
	}
	closedir(d);
	return removed;
}
