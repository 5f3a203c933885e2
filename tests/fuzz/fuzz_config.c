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
	int wrong = 0;

	if (cfg_load_mem(&c, "fuzz.yaml", (const char *)data, size, &errs) == 0) {
		/* A load that succeeds yields a config and no error. */
		if (c == NULL || errs.n != 0) {
			wrong = 1;
		} else {
			order = xcalloc(c->ngroups + 1, sizeof(*order));
			cfg_group_order(order, c);
			free(order);
		}
	} else if (c != NULL || errs.n == 0) {
		/* A load that fails yields no config and says why. */
		wrong = 1;
	}
	cfg_free(c);
	cfg_errors_release(&errs);
	return wrong;
}

FUZZ_ENTRY(config)
