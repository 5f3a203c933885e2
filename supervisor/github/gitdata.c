/* gitdata — see gitdata.h. */
#include "supervisor/github/gitdata.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/github.h"

/* Sends of one ref update at most (a lost answer, then a resend or two). */
#define GITDATA_REF_SENDS 3

void
gitdata_base64(struct buf *out, const void *data, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i, o;
	char *d;

	buf_grow(out, (len + 2) / 3 * 4 + 1);
	d = out->ptr + out->len;
	for (i = 0, o = 0; i + 2 < len; i += 3) {
		d[o++] = tab[p[i] >> 2];
		d[o++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		d[o++] = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		d[o++] = tab[p[i + 2] & 63];
	}
	if (i < len) {
		d[o++] = tab[p[i] >> 2];
		if (i + 1 < len) {
			d[o++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			d[o++] = tab[(p[i + 1] & 15) << 2];
		} else {
			d[o++] = tab[(p[i] & 3) << 4];
			d[o++] = '=';
		}
		d[o++] = '=';
	}
	buf_setlen(out, out->len + o);
}

int
gitdata_sha_parse(char sha[41], const char *json, size_t len, const char *what)
{
	json_error_t je;
	const char *s;
	json_t *j;
	int rc = 0;

	sha[0] = '\0';
	if ((j = json_loadb(json, len, 0, &je)) == NULL)
		return err_set(ERR_PROTO, "bad %s from the github api: %s", what, je.text);
	s = json_string_value(json_object_get(j, "sha"));
	if (s == NULL || strlen(s) != 40 || strspn(s, "0123456789abcdef") != 40)
		rc = err_set(ERR_PROTO, "bad %s from the github api: no 40-digit hex \"sha\"", what);
	else
		memcpy(sha, s, 41);
	json_decref(j);
	return rc;
}

/* Append s as a JSON string (quotes included). */
static void
add_json_str(struct buf *out, const char *s)
{
	json_t *v = json_string(s != NULL ? s : "");
	char *t = v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	json_decref(v);
	buf_addstr(out, t != NULL ? t : "\"\"");
	free(t);
}

void
gitdata_tree_body(struct buf *out, const char *base_tree, const struct gitdata_entry *e,
    size_t n)
{
	size_t i;

	buf_addf(out, "{\"base_tree\":\"%s\",\"tree\":[", base_tree);
	for (i = 0; i < n; i++) {
		buf_addstr(out, i > 0 ? ",{\"path\":" : "{\"path\":");
		add_json_str(out, e[i].path);
		/* A deletion: mode and type of a blob, "sha": null (GitHub's rule). */
		buf_addf(out, ",\"mode\":\"%06o\",\"type\":\"blob\",\"sha\":", e[i].mode);
		if (e[i].sha != NULL)
			buf_addf(out, "\"%s\"}", e[i].sha);
		else
			buf_addstr(out, "null}");
	}
	buf_addstr(out, "]}");
}

static void
add_person(struct buf *out, const char *key, const struct gitdata_person *p)
{
	buf_addf(out, ",\"%s\":{\"name\":", key);
	add_json_str(out, p->name);
	buf_addstr(out, ",\"email\":");
	add_json_str(out, p->email);
	if (p->date != NULL) {
		buf_addstr(out, ",\"date\":");
		add_json_str(out, p->date);
	}
	buf_addch(out, '}');
}

void
gitdata_commit_body(struct buf *out, const char *message, const char *tree,
    const char *parent, const struct gitdata_person *author,
    const struct gitdata_person *committer)
{
	buf_addstr(out, "{\"message\":");
	add_json_str(out, message);
	buf_addf(out, ",\"tree\":\"%s\",\"parents\":[\"%s\"]", tree, parent);
	add_person(out, "author", author);
	add_person(out, "committer", committer);
	buf_addch(out, '}');
}

/* POST body to path; the answer's sha into sha. */
static int
post_sha(char sha[41], struct api *a, const char *repo, const char *what, const char *path,
    const struct buf *body, unsigned flags)
{
	struct api_response r;
	int rc;

	api_response_init(&r);
	rc = api_request(&r, a, API_POST, path, body->ptr, flags);
	if (rc == 0)
		rc = gitdata_sha_parse(sha, r.body.ptr, r.body.len, what);
	if (rc != 0)
		err_wrap("cannot create the %s in '%s'", what, repo);
	api_response_release(&r);
	return rc;
}

int
gitdata_blob_create(char sha[41], struct api *a, const char *repo, const void *data,
    size_t len)
{
	struct buf path = BUF_INIT, body = BUF_INIT;
	int rc;

	buf_addf(&path, "/repos/%s/git/blobs", repo);
	buf_init(&body, (len + 2) / 3 * 4 + 48);
	buf_addstr(&body, "{\"encoding\":\"base64\",\"content\":\"");
	gitdata_base64(&body, data, len);
	buf_addstr(&body, "\"}");
	rc = post_sha(sha, a, repo, "blob", path.ptr, &body, 0);
	buf_release(&body);
	buf_release(&path);
	return rc;
}

int
gitdata_tree_create(char sha[41], struct api *a, const char *repo, const char *base_tree,
    const struct gitdata_entry *e, size_t n)
{
	struct buf path = BUF_INIT, body = BUF_INIT;
	int rc;

	buf_addf(&path, "/repos/%s/git/trees", repo);
	gitdata_tree_body(&body, base_tree, e, n);
	rc = post_sha(sha, a, repo, "tree", path.ptr, &body, 0);
	buf_release(&body);
	buf_release(&path);
	return rc;
}

int
gitdata_commit_create(char sha[41], struct api *a, const char *repo, const char *message,
    const char *tree, const char *parent, const struct gitdata_person *author,
    const struct gitdata_person *committer)
{
	struct buf path = BUF_INIT, body = BUF_INIT;
	int rc;

	buf_addf(&path, "/repos/%s/git/commits", repo);
	gitdata_commit_body(&body, message, tree, parent, author, committer);
	/* A resend after a lost answer makes a second commit no ref names:
	 * harmless, so the client's retries may resend. */
	rc = post_sha(sha, a, repo, "commit", path.ptr, &body, API_CREATE);
	buf_release(&body);
	buf_release(&path);
	return rc;
}

/* GitHub's 422 message ("Reference already exists"), or "". */
static void
answer_message(char *out, size_t len, const struct api_response *r)
{
	json_error_t je;
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, &je);
	const char *m = json_string_value(json_object_get(j, "message"));

	snprintf(out, len, "%s", m != NULL ? m : "");
	json_decref(j);
}

/* Where the branch points now (uncached): 0 with sha, ERR_NOTFOUND, or an error. */
static int
ref_read(char sha[41], struct api *a, const char *repo, const char *branch)
{
	struct api_response r;
	struct buf path = BUF_INIT;
	int rc;

	buf_addf(&path, "/repos/%s/git/ref/heads/", repo);
	api_escape(&path, branch, true);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path.ptr, NULL, API_NOCACHE);
	if (rc == 0)
		rc = github_ref_parse(NULL, sha, r.body.ptr, r.body.len);
	api_response_release(&r);
	buf_release(&path);
	return rc;
}

int
gitdata_ref_set(bool *created, struct api *a, const char *repo, const char *branch,
    const char *sha, bool exists)
{
	struct api_response r;
	struct buf path = BUF_INIT, body = BUF_INIT;
	char msg[128], now[41];
	int sends, rc = ERR_FAIL;

	if (created != NULL)
		*created = false;
	for (sends = 0; sends < GITDATA_REF_SENDS; sends++) {
		buf_reset(&path);
		buf_reset(&body);
		if (exists) {
			buf_addf(&path, "/repos/%s/git/refs/heads/", repo);
			api_escape(&path, branch, true);
			buf_addf(&body, "{\"sha\":\"%s\",\"force\":true}", sha);
		} else {
			buf_addf(&path, "/repos/%s/git/refs", repo);
			buf_addstr(&body, "{\"ref\":");
			{
				char *ref = xasprintf("refs/heads/%s", branch);

				add_json_str(&body, ref);
				free(ref);
			}
			buf_addf(&body, ",\"sha\":\"%s\"}", sha);
		}
		api_response_init(&r);
		rc = api_request(&r, a, exists ? API_PATCH : API_POST, path.ptr, body.ptr,
		    API_ONCE);
		if (rc == 0) {
			api_response_release(&r);
			if (created != NULL)
				*created = !exists;
			break;
		}
		answer_message(msg, sizeof(msg), &r);
		if (r.status == 422 && !exists && strcmp(msg, "Reference already exists") == 0) {
			/* a forced push replaces a branch it finds: so does this */
			api_response_release(&r);
			exists = true;
			continue;
		}
		if (r.status == 422 && exists && strcmp(msg, "Reference does not exist") == 0) {
			api_response_release(&r);
			exists = false;
			continue;
		}
		if (!r.maybe_done) {
			api_response_release(&r);
			break;
		}
		api_response_release(&r);
		/* The answer was lost: where does the branch point now? */
		log_info("%s: the answer to the update of branch '%s' was lost; reading it back",
		    repo, branch);
		if (ref_read(now, a, repo, branch) == 0 && strcmp(now, sha) == 0) {
			if (created != NULL)
				*created = !exists;
			rc = 0;
			break;
		}
		err_clear();
		rc = err_set(ERR_NET, "the answer to the update was lost");
	}
	if (rc != 0)
		err_wrap("cannot point branch '%s' of '%s' at %s", branch, repo, sha);
	buf_release(&body);
	buf_release(&path);
	return rc;
}
