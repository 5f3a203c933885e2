/* PLACEHOLDER: replaced by the module that implements 'repocast run'. */
#include <stdio.h>

#include "supervisor/cmd.h"

const char cmd_run_usage[] = "usage: repocast run (not implemented yet)\n";

int
cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "repocast: 'run' is not implemented yet\n");
	return EXIT_USAGE;
}
