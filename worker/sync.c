/* PLACEHOLDER: replaced by the sync engine (issue 4). */
#include "shared/err.h"
#include "worker/worker.h"

int
sync_job(struct worker *w)
{
	err_set(ERR_FAIL, "sync jobs are not implemented yet");
	worker_error(w, ERR_FAIL);
	return ERR_FAIL;
}
