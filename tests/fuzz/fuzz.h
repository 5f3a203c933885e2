/*
 * Fuzz target glue. A target file tests/fuzz/fuzz_<name>.c defines
 *     int fuzz_<name>(const uint8_t *data, size_t size)
 * and ends with FUZZ_ENTRY(<name>). The plain replay driver (make check)
 * calls fuzz_<name> over tests/fuzz/corpus/<name>/; `make fuzz` builds the
 * same file with FUZZ_LIBFUZZER defined, which adds libFuzzer's entry point.
 */
#ifndef REPOCAST_FUZZ_H
#define REPOCAST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_LIBFUZZER
#define FUZZ_ENTRY(n) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ \
		return fuzz_##n(data, size); \
	}
#else
#define FUZZ_ENTRY(n)
#endif

#endif
