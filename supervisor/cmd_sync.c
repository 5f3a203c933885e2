/* PLACEHOLDER: replaced by the module that implements 'repocast sync'. */
#include <stdio.h>

#include "supervisor/cmd.h"

const char cmd_sync_usage[] = "usage: repocast sync (not implemented yet)\n";

int
cmd_sync(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "repocast: 'sync' is not implemented yet\n");
	return EXIT_USAGE;
}
