/* PLACEHOLDER: replaced by the worker implementation (issue 3). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "repocast-worker: not implemented yet\n");
	return 2;
}
