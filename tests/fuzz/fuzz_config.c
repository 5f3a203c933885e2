/*
 * Fuzz target: cfg_load_mem over arbitrary bytes. A valid config must
 * survive the execution-order pass; an invalid one must come back with at
 * least one error and no config. Crashes, leaks and sanitizer reports are
 * the findings.
 */
#include <stdint.h>
#include <stdlib.h>

#include "shared/util.h"
#include "supervisor/config/config.h"
#include "tests/fuzz/fuzz.h"

int fuzz_config(const uint8_t *data, size_t size);

int
fuzz_config(const uint8_t *data, size_t size)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	size_t *order;

	if (cfg_load_mem(&c, "fuzz.yaml", (const char *)data, size, &errs) == 0) {
		if (c == NULL || errs.n != 0)
			abort();
		order = xcalloc(c->ngroups + 1, sizeof(*order));
		cfg_group_order(c, order);
		free(order);
		cfg_free(c);
	} else if (c != NULL || errs.n == 0) {
		abort();
	}
	cfg_errors_release(&errs);
	return 0;
}

FUZZ_ENTRY(config)
