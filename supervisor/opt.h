/*
 * opt — the one option parser of every repocast command, driven by a table
 * per command (one struct opt_spec a row), read like getopt_long: a loop
 * over opt_next and a switch on the id.
 *
 * What every command accepts alike (docs/cli.md):
 *   --name value, --name=value; -x value, -xvalue; clusters of short
 *   flags (-nj4 = -n -j 4); a long name may be shortened while it stays
 *   unambiguous (--dry = --dry-run); -h and --help (OPT_HELP); "--" ends
 *   the options; "-" is an operand. Operands may come between options
 *   (each is reported as OPT_OPERAND, in order).
 * Errors are ERR_CONFIG with err_last: "unknown option '--jbos' (did you
 * mean '--jobs'?)" (shared/suggest.h), "option '--jobs' needs a value",
 * "option '--json' takes no value", "option '--re' is ambiguous (--repos,
 * --retries)". The caller prints them with a two-line usage
 * (cmd_usage_fail, cmd.h).
 */
#ifndef REPOCAST_OPT_H
#define REPOCAST_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/log.h"

/* The ids opt_next reports of its own; a table's ids are > OPT_HELP (a
 * short option's letter reads well, 256 and up for long-only ones). */
enum {
	OPT_OPERAND = 0,     /* a word that is not an option: item.value */
	OPT_HELP = 1,        /* -h or --help */
};

struct opt_spec {
	int id;                 /* > OPT_HELP: what opt_next reports */
	char short_name;        /* 'c' for -c, or 0 */
	const char *long_name;  /* "config" for --config, or NULL */
	bool value;             /* takes a value */
};

struct opt_item {
	int id;                 /* a spec's id, OPT_OPERAND or OPT_HELP */
	const char *value;      /* the option's value or the operand; NULL for a flag */
	const char *name;       /* the option as given ("--jobs", "-j"), for messages */
};

struct opt_parser {
	const struct opt_spec *specs;
	size_t nspecs;
	int argc;
	char **argv;
	int i;                  /* the next word of argv */
	const char *cluster;    /* the rest of a cluster of short options, or NULL */
	char **rest;            /* after "--": the words left (NULL before it) */
	int nrest;
	char name[64];          /* item.name points here */
};

/* Parse argv[1..argc-1] (argv[0] is the command) with the n specs. All
 * borrowed for as long as the parser is used. */
void opt_init(struct opt_parser *p, const struct opt_spec *specs, size_t n, int argc,
    char **argv);
/*
 * The next option or operand into *out (its strings borrowed from argv, or
 * from p until the next call): 1; 0 at the end, which is the end of argv
 * or "--" (then p->rest holds the p->nrest words after it); ERR_CONFIG with
 * err_last on an unknown, ambiguous or malformed option.
 */
int opt_next(struct opt_item *out, struct opt_parser *p);

/* A number of min..max: 0, or ERR_CONFIG "invalid --jobs value 'x' (a
 * number from 1 to 4096)". */
int opt_uint(uint64_t *out, const struct opt_item *it, uint64_t min, uint64_t max);
/* A log level: 0, or ERR_CONFIG "invalid --log-level 'loud' (error, warn,
 * info, debug or trace)". */
int opt_log_level(enum log_level *out, const struct opt_item *it);

#endif
