/*
 * Fuzz the readers of text anyone can write on GitHub: a PR body's metadata
 * blocks (repocast JSON, go-broadcast YAML), sync branch names, Link headers
 * and API error bodies. None may crash, leak or read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/prtext.h"
#include "tests/fuzz/fuzz.h"

int fuzz_prtext(const uint8_t *data, size_t size);

int
fuzz_prtext(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct prtext_meta m;
	struct prtext_branch br;
	struct buf b = BUF_INIT;
	char *next;
	int wrong = 0;

	/* A metadata block that parses names its source commit. */
	if (prtext_meta_parse(&m, s) == 0 && m.source_commit == NULL)
		wrong = 1;
	prtext_meta_release(&m);
	prtext_branch_parse(&br, s, "chore/sync-files");
	next = api_link_next(s);
	free(next);
	api_error_format(&b, 422, (const char *)data, size);
	buf_release(&b);
	free(s);
	return wrong;
}

FUZZ_ENTRY(prtext)
