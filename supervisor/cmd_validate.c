/* PLACEHOLDER: replaced by the module that implements 'repocast validate'. */
#include <stdio.h>

#include "supervisor/cmd.h"

const char cmd_validate_usage[] = "usage: repocast validate (not implemented yet)\n";

int
cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "repocast: 'validate' is not implemented yet\n");
	return EXIT_USAGE;
}
