/*
 * cgroup — delegated cgroup v2 subtree for the jobs' limits (cgroup.h).
 */
#include "supervisor/pool/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int
write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	size_t n = strlen(text);
	ssize_t w;
	int fd, rc = 0;

	/* O_CREAT for a test's tree of plain files; cgroupfs has them all. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = err_sys(ERR_FAIL, "cannot open '%s'", path);
		goto out;
	}
	do
		w = write(fd, text, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n)
		rc = err_sys(ERR_FAIL, "cannot write '%s' to '%s'", text, path);
	close(fd);
out:
	free(path);
	return rc;
}

/* The file's text into b; ERR_NOTFOUND when it does not exist. */
static int
read_file(struct buf *b, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc;

	buf_reset(b);
	rc = access(path, F_OK) < 0 ? ERR_NOTFOUND : buf_read_file(b, path);
	free(path);
	return rc;
}

/* Whether the space-separated list holds word. */
static bool
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '+') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

/* "KEY N" in a flat-keyed file (memory.events): N, or 0. */
static uint64_t
keyed(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* The v2 path in /proc/self/cgroup's text ("0::/a/b"): borrowed into out. */
static int
self_path(struct buf *out, const char *self)
{
	const char *p = self, *e;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "0::", 3) == 0) {
			e = strchr(p, '\n');
			buf_reset(out);
			buf_add(out, p + 3, e ? (size_t)(e - p - 3) : strlen(p + 3));
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return err_set(ERR_NOTFOUND, "the process is in no cgroup v2");
}

static bool
writable(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	bool ok = access(path, W_OK) == 0;

	free(path);
	return ok;
}

/* Empty and remove the job cgroups of supervisors that are gone. */
static void
remove_stale(const char *base)
{
	struct buf procs = BUF_INIT;
	struct dirent *de;
	char *dir;
	long pid;
	DIR *d;

	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "job-%ld-", &pid) != 1 && sscanf(de->d_name,
		    "supervisor-%ld", &pid) != 1)
			continue;
		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		dir = xasprintf("%s/%s", base, de->d_name);
		if (read_file(&procs, dir, "cgroup.procs") == 0 && procs.len > 0)
			cgroup_job_kill(dir);
		if (cgroup_job_remove(dir) == 0)
			log_info("removed cgroup '%s' of a supervisor that is gone", dir);
		else
			log_debug("%s", err_last());
		free(dir);
	}
	closedir(d);
	buf_release(&procs);
}

int
cgroup_probe(struct cgroup_ctl *ctl, const char *root, const char *self_cgroup, bool check_fs)
{
	struct buf path = BUF_INIT, b = BUF_INIT;
	struct statfs sf;
	char *dir = NULL, *leaf = NULL, *pid = NULL;
	int rc = ERR_NOTFOUND;

	ctl->base = NULL;
	if (check_fs && (statfs(root, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC)) {
		err_set(ERR_NOTFOUND, "'%s' is not a cgroup2 mount", root);
		goto out;
	}
	if ((rc = self_path(&path, self_cgroup)) < 0)
		goto out;
	rc = ERR_NOTFOUND;
	if (strcmp(path.ptr, "/") == 0 || path.ptr[0] != '/') {
		err_set(ERR_NOTFOUND, "the process is in the root cgroup, which is the host's");
		goto out;
	}
	dir = xasprintf("%s%s", root, path.ptr);
	if (read_file(&b, dir, "cgroup.controllers") < 0 || !has_word(b.ptr, "memory") ||
	    !has_word(b.ptr, "pids")) {
		err_set(ERR_NOTFOUND, "cgroup '%s' offers no memory and pids controllers", dir);
		goto out;
	}
	if (access(dir, W_OK) < 0 || !writable(dir, "cgroup.procs") ||
	    !writable(dir, "cgroup.subtree_control")) {
		err_set(ERR_NOTFOUND, "cgroup '%s' is not delegated to this user", dir);
		goto out;
	}
	remove_stale(dir);
	if (read_file(&b, dir, "cgroup.subtree_control") < 0)
		goto fail;
	if (!has_word(b.ptr, "memory") || !has_word(b.ptr, "pids")) {
		/* No internal processes: the supervisor leaves for a leaf first. */
		leaf = xasprintf("%s/supervisor-%ld", dir, (long)getpid());
		if (mkdir(leaf, 0755) < 0 && errno != EEXIST) {
			err_sys(ERR_FAIL, "cannot create cgroup '%s'", leaf);
			goto fail;
		}
		pid = xasprintf("%ld", (long)getpid());
		if (write_file(leaf, "cgroup.procs", pid) < 0 ||
		    write_file(dir, "cgroup.subtree_control", "+memory +pids") < 0)
			goto fail;
	}
	ctl->base = dir;
	dir = NULL;
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	buf_release(&path);
	buf_release(&b);
	free(dir);
	free(leaf);
	free(pid);
	return rc;
}

void
cgroup_ctl_release(struct cgroup_ctl *ctl)
{
	free(ctl->base);
	ctl->base = NULL;
}

static int
write_limit(const char *dir, const char *name, uint64_t v)
{
	char text[32];

	if (v == 0)
		snprintf(text, sizeof(text), "max");
	else
		snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return write_file(dir, name, text);
}

int
cgroup_job_create(char **out, const struct cgroup_ctl *ctl, uint64_t seq, uint64_t mem,
    uint64_t pids)
{
	char *dir = xasprintf("%s/job-%ld-%llu", ctl->base, (long)getpid(),
	    (unsigned long long)seq), *swap;

	*out = NULL;
	if (mkdir(dir, 0755) < 0) {
		err_sys(ERR_FAIL, "cannot create cgroup '%s'", dir);
		free(dir);
		return -1;
	}
	if (write_limit(dir, "memory.max", mem) < 0 || write_limit(dir, "pids.max", pids) < 0) {
		rmdir(dir);
		free(dir);
		return -1;
	}
	/* Swap would let a job go past memory.max slowly instead of stopping. */
	swap = xasprintf("%s/memory.swap.max", dir);
	if (mem > 0 && access(swap, F_OK) == 0 && write_file(dir, "memory.swap.max", "0") < 0)
		log_debug("%s", err_last());
	free(swap);
	*out = dir;
	return 0;
}

int
cgroup_job_attach(const char *dir, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", (long)pid);
	return write_file(dir, "cgroup.procs", text);
}

int
cgroup_job_read(struct cgroup_stats *st, const char *dir)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (read_file(&b, dir, "memory.peak") == 0)
		st->memory_peak = strtoull(b.ptr, NULL, 10);
	if (read_file(&b, dir, "pids.peak") == 0)
		st->pids_peak = strtoull(b.ptr, NULL, 10);
	if ((rc = read_file(&b, dir, "memory.events")) == 0)
		st->oom_kills = keyed(b.ptr, "oom_kill");
	if (rc == 0 && (rc = read_file(&b, dir, "pids.events")) == 0)
		st->pids_denied = keyed(b.ptr, "max");
	buf_release(&b);
	if (rc < 0)
		return err_set(ERR_FAIL, "cannot read the events of cgroup '%s'", dir);
	return 0;
}

void
cgroup_job_kill(const char *dir)
{
	struct buf b = BUF_INIT;
	const char *p;
	char *end;
	long pid;

	if (write_file(dir, "cgroup.kill", "1") == 0)
		return;
	/* Before Linux 5.14: each process on its own. */
	if (read_file(&b, dir, "cgroup.procs") == 0) {
		for (p = b.ptr; *p != '\0'; p = end) {
			pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
		}
	}
	buf_release(&b);
}

int
cgroup_job_remove(const char *dir)
{
	if (rmdir(dir) < 0)
		return err_sys(ERR_FAIL, "cannot remove cgroup '%s'", dir);
	return 0;
}
