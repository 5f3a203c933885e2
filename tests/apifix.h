/*
 * apifix — an api client for the unit suites of supervisor/github/api*.c:
 * pointed at a scripted loopback stub (httpstub.h), on its fake clock,
 * with a test token. Header-only, like httpstub.h; everything is static.
 */
#ifndef REPOCAST_TESTS_APIFIX_H
#define REPOCAST_TESTS_APIFIX_H

#include <check.h>

#include "shared/err.h"
#include "supervisor/github/api.h"

#include "httpstub.h"

#define TOKEN "ghp_testtoken0123456789"

/* A client of s's URL on f's clock; o NULL: the defaults; cache NULL: none. */
__attribute__((unused)) static struct api *
mkapi(struct stub *s, struct fake_clock *f, struct api_opts *o, const char *cache)
{
	struct api_opts d;
	struct api *a = NULL;

	if (o == NULL) {
		api_opts_init(&d);
		o = &d;
	}
	o->base_url = s->url;
	o->cache_dir = cache;
	o->now_ms = fake_now;
	o->wall_ms = fake_wall;
	o->sleep_ms = fake_sleep;
	o->arg = f;
	ck_assert_msg(api_new(&a, o, TOKEN) == 0, "%s", err_last());
	return a;
}

#endif
