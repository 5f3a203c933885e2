/*
 * plugin — finding and loading repocast-worker-git.so (see plugin.h). Part
 * of the worker executable, not of the plugin.
 */
#include "worker/plugin.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

char *
plugin_path(void)
{
	char self[PATH_MAX];
	char *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return xstrdup(PLUGIN_FILE);  /* no /proc: the dlopen error will say */
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	return xasprintf("%s/%s", self, PLUGIN_FILE);
}

int
plugin_open(const struct plugin_ops **out, const char *path)
{
	const struct plugin_ops *ops;
	const char *why;
	void *h;

	*out = NULL;
	/* A path with a slash: dlopen must not search the library path. */
	if (strchr(path, '/') == NULL)
		return err_set(ERR_FAIL, "cannot load '%s': not a path", path);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		return err_set(ERR_FAIL, "cannot load '%s': %s", path, why ? why : "unknown error");
	}
	ops = dlsym(h, PLUGIN_SYMBOL);
	if (ops == NULL) {
		err_set(ERR_FAIL, "cannot load '%s': it has no '%s'", path, PLUGIN_SYMBOL);
		goto fail;
	}
	if (ops->abi != PLUGIN_ABI || ops->version == NULL ||
	    strcmp(ops->version, REPOCAST_VERSION) != 0) {
		err_set(ERR_FAIL, "cannot load '%s': it is from repocast %s (plugin ABI %d), "
		    "the worker is %s (ABI %d)", path, ops->version ? ops->version : "?",
		    ops->abi, REPOCAST_VERSION, PLUGIN_ABI);
		goto fail;
	}
	*out = ops;
	return 0;
fail:
	dlclose(h);
	return ERR_FAIL;
}

int
plugin_load(const struct plugin_ops **out)
{
	char *path = plugin_path();
	int rc = plugin_open(out, path);

	free(path);
	return rc;
}
