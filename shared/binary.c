/*
 * binary — git's binary rule. See binary.h.
 */
#include "shared/binary.h"

#include <string.h>

bool
binary_detect(const void *data, size_t len)
{
	if (len > BINARY_SNIFF)
		len = BINARY_SNIFF;
	return len > 0 && memchr(data, '\0', len) != NULL;
}
