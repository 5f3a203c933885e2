#include "shared/rusage.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"

static uint64_t
tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

void
rusage_from_sys(struct rusage_sample *out, const struct rusage *ru)
{
	out->utime_us = tv_us(&ru->ru_utime);
	out->stime_us = tv_us(&ru->ru_stime);
	out->maxrss_kib = (uint64_t)ru->ru_maxrss;
	out->minflt = (uint64_t)ru->ru_minflt;
	out->majflt = (uint64_t)ru->ru_majflt;
	out->nvcsw = (uint64_t)ru->ru_nvcsw;
	out->nivcsw = (uint64_t)ru->ru_nivcsw;
	out->inblock = (uint64_t)ru->ru_inblock;
	out->oublock = (uint64_t)ru->ru_oublock;
}

/* Parse the decimal number at s (leading blanks allowed, then digits, then
 * blanks or the end of the line). -1 when there is none or it overflows. */
static int
parse_u64(uint64_t *out, const char *s, const char **end)
{
	uint64_t v = 0;
	int digits = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		digits++;
	}
	if (digits == 0)
		return -1;
	*out = v;
	*end = s;
	return 0;
}

int
rusage_parse_io(struct rusage_io *out, const char *text)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "rchar", offsetof(struct rusage_io, rchar) },
		{ "wchar", offsetof(struct rusage_io, wchar) },
		{ "read_bytes", offsetof(struct rusage_io, read_bytes) },
		{ "write_bytes", offsetof(struct rusage_io, write_bytes) },
	};
	const char *line = text, *end;
	size_t i, n;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	while (*line != '\0') {
		n = strcspn(line, "\n");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t len = strlen(fields[i].name);

			if (n <= len || strncmp(line, fields[i].name, len) != 0 ||
			    line[len] != ':')
				continue;
			if (parse_u64(&v, line + len + 1, &end) < 0 ||
			    (*end != '\n' && *end != '\0'))
				return err_set(ERR_PROTO, "bad value for '%s' in /proc io",
				    fields[i].name);
			memcpy((char *)out + fields[i].off, &v, sizeof(v));
		}
		line += n;
		if (*line == '\n')
			line++;
	}
	return 0;
}

int
rusage_read_io(struct rusage_io *out, pid_t pid)
{
	struct buf b = BUF_INIT;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/proc/%ld/io", (long)pid);
	rc = buf_read_file(&b, path);
	if (rc == 0)
		rc = rusage_parse_io(out, b.ptr);
	buf_release(&b);
	return rc;
}

int
rusage_parse_status_kib(uint64_t *kib, const char *text, const char *field)
{
	size_t len = strlen(field);
	const char *line = text, *end;

	while (*line != '\0') {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			if (parse_u64(kib, line + len + 1, &end) < 0 ||
			    strncmp(end, " kB", 3) != 0)
				return err_set(ERR_PROTO, "bad value for '%s' in /proc status",
				    field);
			return 0;
		}
		line += strcspn(line, "\n");
		if (*line == '\n')
			line++;
	}
	return err_set(ERR_NOTFOUND, "no '%s' in /proc status", field);
}

uint64_t
rusage_self_vm_hwm(void)
{
	struct buf b = BUF_INIT;
	uint64_t kib = 0;

	if (buf_read_file(&b, "/proc/self/status") == 0 &&
	    rusage_parse_status_kib(&kib, b.ptr, "VmHWM") != 0)
		kib = 0;
	buf_release(&b);
	return kib;
}
