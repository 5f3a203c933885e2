/*
 * Fuzz target glue. A target file tests/fuzz/fuzz_<name>.c defines
 *     int fuzz_<name>(const uint8_t *data, size_t size)
 * and ends with FUZZ_ENTRY(<name>). The plain replay driver (make check)
 * calls fuzz_<name> over tests/fuzz/corpus/<name>/; `make fuzz` builds the
 * same file with FUZZ_LIBFUZZER defined, which adds libFuzzer's entry point.
 *
 * A target returns 0, or non-zero for a wrong answer it can tell (an
 * invariant of the code under test that does not hold for this input).
 * The replay driver fails on a non-zero answer and names the input;
 * under libFuzzer, whose entry point must return 0, a non-zero answer
 * aborts, so the fuzzer keeps the input as a crash.
 */
#ifndef REPOCAST_FUZZ_H
#define REPOCAST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef FUZZ_LIBFUZZER
#define FUZZ_ENTRY(n) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		if (fuzz_##n(data, size) != 0) \
			abort(); \
		return 0; \
	}
#else
#define FUZZ_ENTRY(n)
#endif

#endif
