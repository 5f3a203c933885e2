/*
 * symtab — function names of one ELF file, for --profile's symbols
 * (worker/profile.h).
 *
 * dladdr knows only the dynamic symbol table: the worker's and the git
 * plugin's static functions, and everything of a library that is not
 * exported, would be named after the nearest exported symbol or not at
 * all. So the profiler reads the file's own .symtab (kept by the
 * unstripped build; the Debian package strips it, and then .dynsym is
 * what is left, which is what dladdr would say). Addresses are the file's
 * virtual addresses: a loaded object's pc minus its link_map's l_addr.
 */
#ifndef REPOCAST_SYMTAB_H
#define REPOCAST_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

struct symtab;

/*
 * Read the function symbols of the ELF file at path (.symtab, else
 * .dynsym). 0 with *out set (free with symtab_free); -1 with err_last
 * set (not an ELF64 file of this machine's byte order, no symbols, an
 * I/O error).
 */
int symtab_load(struct symtab **out, const char *path);
/*
 * The function containing vaddr (borrowed, valid until symtab_free), or
 * NULL when none does.
 */
const char *symtab_find(const struct symtab *t, uint64_t vaddr);
/* The number of function symbols read. */
size_t symtab_count(const struct symtab *t);
void symtab_free(struct symtab *t);

#endif
