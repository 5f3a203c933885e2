/*
 * prom — placeholder while this format's writer is built (issue 9): it
 * writes an empty file. Replaced before issue 9 is closed.
 */
#include "shared/util.h"
#include "supervisor/report/report.h"

void
report_prom(struct buf *out, const struct report_in *in)
{
	UNUSED(out);
	UNUSED(in);
}
