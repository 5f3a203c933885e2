/*
 * cause — the pool's causes of a worker's end: the name of a signal, and
 * which causes are worth a retry. Part of the pool module (pool.h).
 */
#include "supervisor/pool/pool.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
pool_signal_cause(char *buf, size_t n, int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(buf, n, "signal:%s", abbrev);
	else
		snprintf(buf, n, "signal:%d", sig);
	return buf;
}

bool
pool_cause_transient(const char *cause, bool command_failed)
{
	if (cause == NULL || command_failed)
		return false;
	return strcmp(cause, "timeout") == 0 || strcmp(cause, "network") == 0 ||
	    strncmp(cause, "signal:", 7) == 0;
}
