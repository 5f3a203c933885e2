/*
 * A fuzz target that exists to test the replay driver itself
 * (tests/integration/fuzz_replay.sh): an input beginning "wrong" gets a
 * wrong answer, one beginning "crash" aborts, any other input is fine.
 * It is linked only into build/tests/fuzz_replay_selftest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

int fuzz_selftest(const uint8_t *data, size_t size);

int
fuzz_selftest(const uint8_t *data, size_t size)
{
	if (size >= 5 && memcmp(data, "crash", 5) == 0)
		abort();
	return size >= 5 && memcmp(data, "wrong", 5) == 0;
}
