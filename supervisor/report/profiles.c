/*
 * profiles — per-target folded files and the run's profile (see
 * profiles.h).
 */
#include "supervisor/report/profiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/report/flame.h"

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *
profiles_target_path(const struct record *rec)
{
	size_t n;

	if (rec->log_path == NULL)
		return NULL;
	n = strlen(rec->log_path);
	if (n > 4 && strcmp(rec->log_path + n - 4, ".log") == 0)
		n -= 4;
	return xasprintf("%.*s.folded", (int)n, rec->log_path);
}

int
profiles_store(struct record *rec, const struct msg_profile *p)
{
	struct buf b = BUF_INIT;
	char *path;
	size_t i;
	int fd, rc = 0;

	rec->profile.samples += p->samples;
	rec->profile.lost += p->lost;
	if (p->perf != NULL) {
		free(rec->profile.perf);
		rec->profile.perf = xstrdup(p->perf);
	}
	path = profiles_target_path(rec);
	if (path == NULL)
		return 0;
	for (i = 0; i < p->nstacks; i++) {
		/* A stack or a count the worker got wrong is left out, not written:
		 * the file stays one that fold_add_text reads. */
		struct fold one;
		char *line = xasprintf("%s %s", p->stacks[i].key, p->stacks[i].value);

		fold_init(&one);
		if (strchr(p->stacks[i].key, '\n') == NULL &&
		    fold_add_line(&one, line, strlen(line)) == 0) {
			buf_addstr(&b, line);
			buf_addch(&b, '\n');
		}
		fold_release(&one);
		free(line);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = err_sys(ERR_FAIL, "cannot write '%s'", path);
		goto out;
	}
	if (write_all(fd, b.ptr, b.len) < 0)
		rc = err_sys(ERR_FAIL, "cannot write '%s'", path);
	close(fd);
	if (rc == 0)
		rec->profile.folded = true;
out:
	free(path);
	buf_release(&b);
	return rc;
}

int
profiles_collect(const char *dir, const struct record *recs, size_t n)
{
	struct fold all;
	struct buf b = BUF_INIT, sub = BUF_INIT;
	struct flame_opts fo;
	uint64_t lost = 0;
	char *path;
	size_t i;
	int rc = 0;

	fold_init(&all);
	for (i = 0; i < n; i++) {
		char *p;

		lost += recs[i].profile.lost;
		if (!recs[i].profile.folded || (p = profiles_target_path(&recs[i])) == NULL)
			continue;
		buf_reset(&b);
		if (buf_read_file(&b, p) < 0 || fold_add_text(&all, b.ptr, b.len) < 0)
			log_warn("--profile: %s: %s", p, err_last());
		free(p);
	}
	buf_reset(&b);
	fold_write(&b, &all);
	path = xasprintf("%s/%s", dir, PROFILES_FOLDED);
	rc = buf_write_file_atomic(&b, path);
	free(path);
	if (rc < 0)
		goto out;
	memset(&fo, 0, sizeof(fo));
	fo.title = "repocast --profile: every worker";
	buf_addf(&sub, "%llu ms of CPU over %zu target%s, %llu samples lost",
	    (unsigned long long)all.total, n, n == 1 ? "" : "s", (unsigned long long)lost);
	fo.subtitle = sub.ptr;
	fo.standalone = true;
	buf_reset(&b);
	flame_svg(&b, &all, &fo);
	path = xasprintf("%s/%s", dir, PROFILES_SVG);
	rc = buf_write_file_atomic(&b, path);
	free(path);
out:
	fold_release(&all);
	buf_release(&b);
	buf_release(&sub);
	return rc;
}

int
profiles_load(struct fold *f, const char *dir)
{
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/%s", dir, PROFILES_FOLDED);
	int rc;

	fold_init(f);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = 0;
	} else if (buf_read_file(&b, path) < 0) {
		rc = -1;
	} else if (fold_add_text(f, b.ptr, b.len) < 0) {
		char *why = xstrdup(err_last());  /* err_set overwrites it */

		rc = err_set(ERR_FAIL, "%s: %s", path, why);
		free(why);
	} else {
		rc = 1;
	}
	free(path);
	buf_release(&b);
	return rc;
}
