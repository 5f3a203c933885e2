/*
 * watchdog — sampling of the jobs' processes through /proc (watchdog.h).
 */
#include "supervisor/pool/watchdog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

/* Read a small /proc file into buf (NUL-terminated): its length, or -1. */
static ssize_t
read_small(char *buf, size_t size, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * /proc/PID/stat: "pid (comm) state ppid pgrp session ... num_threads"
 * (proc(5); num_threads is field 20). comm may hold spaces and ')': the
 * fields start after the last ')'. 0, or -1 for a line that is not one.
 */
static int
parse_stat(pid_t *sid, uint64_t *threads, const char *line)
{
	const char *p = strrchr(line, ')');
	unsigned long long v;
	int field;
	char *end;

	if (p == NULL)
		return -1;
	p++;
	/* Field 3 (state) follows the ')'; count up to 20. */
	for (field = 3; field <= 20; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		if (field == 6 || field == 20) {
			errno = 0;
			v = strtoull(p, &end, 10);
			if (end == p || errno != 0)
				return -1;
			if (field == 6)
				*sid = (pid_t)v;
			else
				*threads = v;
		}
		p += strcspn(p, " ");
	}
	return 0;
}

/* /proc/PID/statm: "size resident shared ..." in pages. */
static int
parse_statm(uint64_t *anon_pages, const char *line)
{
	unsigned long long size, resident, shared;

	if (sscanf(line, "%llu %llu %llu", &size, &resident, &shared) != 3)
		return -1;
	*anon_pages = resident > shared ? resident - shared : 0;
	return 0;
}

static struct watchdog_job *
find_job(struct watchdog_job *jobs, size_t n, pid_t sid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jobs[i].sid == sid && sid > 0)
			return &jobs[i];
	return NULL;
}

int
watchdog_scan(struct watchdog_job *jobs, size_t n, const char *proc_root)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), threads = 0, pages;
	struct watchdog_job *j;
	struct dirent *de;
	char path[4096], line[1024];
	pid_t sid = 0;
	size_t i;
	DIR *d;

	for (i = 0; i < n; i++) {
		jobs[i].memory = jobs[i].tasks = 0;
		jobs[i].npids = 0;
	}
	if ((d = opendir(proc_root)) == NULL)
		return err_sys(ERR_FAIL, "cannot read '%s'", proc_root);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/stat", proc_root, de->d_name);
		/* A process that ended since readdir is simply not counted. */
		if (read_small(line, sizeof(line), path) < 0 || parse_stat(&sid, &threads, line) < 0)
			continue;
		if ((j = find_job(jobs, n, sid)) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s/statm", proc_root, de->d_name);
		if (read_small(line, sizeof(line), path) < 0 || parse_statm(&pages, line) < 0)
			pages = 0;
		j->memory += pages * page;
		j->tasks += threads > 0 ? threads : 1;
		if (j->npids == j->cap) {
			j->cap = j->cap ? 2 * j->cap : 16;
			j->pids = xrealloc(j->pids, j->cap * sizeof(*j->pids));
		}
		j->pids[j->npids++] = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return 0;
}

void
watchdog_kill(const struct watchdog_job *j)
{
	size_t i;

	/* The group first: it cannot fork any more once it is all killed. */
	if (j->sid > 0)
		kill(-j->sid, SIGKILL);
	for (i = 0; i < j->npids; i++)
		if (j->pids[i] > 0)
			kill(j->pids[i], SIGKILL);
}

void
watchdog_job_release(struct watchdog_job *j)
{
	if (j == NULL)
		return;
	free(j->pids);
	j->pids = NULL;
	j->npids = j->cap = 0;
}
