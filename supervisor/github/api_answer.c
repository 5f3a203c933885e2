/*
 * api_answer — what the api module (api.h) reads from an answer, without
 * I/O: the Link header's next page, an error body as one line of text.
 */
#include "supervisor/github/api.h"

#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "shared/util.h"

char *
api_link_next(const char *link)
{
	const char *p = link, *u, *ue;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return NULL;
		u = p + 1;
		if ((ue = strchr(u, '>')) == NULL)
			return NULL;
		p = ue + 1;
		/* Parameters up to the next top-level comma. */
		while (*p != '\0' && *p != ',') {
			const char *name, *val;
			size_t nn, vn;

			while (*p == ' ' || *p == '\t' || *p == ';')
				p++;
			name = p;
			nn = strcspn(p, "=;,");
			p += nn;
			while (nn > 0 && (name[nn - 1] == ' ' || name[nn - 1] == '\t'))
				nn--;
			if (*p != '=')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '"') {
				val = ++p;
				vn = strcspn(p, "\"");
				p += vn;
				if (*p == '"')
					p++;
			} else {
				val = p;
				vn = strcspn(p, ";, \t");
				p += vn;
			}
			if (nn == 3 && strncasecmp(name, "rel", 3) == 0) {
				/* rel may list several space-separated types. */
				const char *t = val, *end = val + vn;

				while (t < end) {
					size_t tn = 0;

					while (t < end && *t == ' ')
						t++;
					while (t + tn < end && t[tn] != ' ')
						tn++;
					if (tn == 4 && strncasecmp(t, "next", 4) == 0)
						return xstrndup(u, (size_t)(ue - u));
					t += tn;
				}
			}
			while (*p != '\0' && *p != ';' && *p != ',')
				p++;
		}
	}
	return NULL;
}

static const char *
reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "HTTP error";
}

static void
add_clean(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		buf_addch(out, (unsigned char)s[i] < ' ' ? ' ' : s[i]);
}

static void
add_error_item(struct buf *out, json_t *e)
{
	const char *m, *res, *field, *code;

	if (json_is_string(e)) {
		buf_addstr(out, json_string_value(e));
		return;
	}
	if (!json_is_object(e))
		return;
	if ((m = json_string_value(json_object_get(e, "message"))) != NULL) {
		buf_addstr(out, m);
		return;
	}
	res = json_string_value(json_object_get(e, "resource"));
	field = json_string_value(json_object_get(e, "field"));
	code = json_string_value(json_object_get(e, "code"));
	buf_addf(out, "%s%s%s: %s", res ? res : "", res && field ? "." : "",
	    field ? field : "", code ? code : "error");
}

void
api_error_format(struct buf *out, long status, const char *body, size_t len)
{
	json_t *j = NULL, *errs;
	const char *msg = NULL;
	size_t start = out->len, i;

	if (len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (j != NULL && json_is_object(j))
		msg = json_string_value(json_object_get(j, "message"));
	if (msg == NULL) {
		buf_addf(out, "%ld %s", status, reason(status));
		if (len > 0) {
			buf_addstr(out, ": ");
			add_clean(out, body, len < 200 ? len : 200);
		}
		goto out;
	}
	buf_addf(out, "%ld %s", status, msg);
	errs = json_object_get(j, "errors");
	if (json_is_array(errs) && json_array_size(errs) > 0) {
		buf_addstr(out, ": ");
		for (i = 0; i < json_array_size(errs); i++) {
			if (i > 0)
				buf_addstr(out, "; ");
			add_error_item(out, json_array_get(errs, i));
		}
	}
out:
	/* Server text ends up in err_last: keep it on one line. */
	for (i = start; i < out->len; i++)
		if (out->ptr[i] == '\n' || out->ptr[i] == '\r')
			out->ptr[i] = ' ';
	json_decref(j);
}
