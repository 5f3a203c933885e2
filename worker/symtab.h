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
 *
 * A worker's profile holds a few dozen distinct addresses per object, and
 * the object's table thousands of symbols: symtab_name names the
 * addresses in one pass over the symbols (read in chunks), with no table
 * built or sorted, then reads the names it found (a small string table
 * whole, a big one name by name). Its cost is one read of the symbol
 * section, not a sort of it.
 */
#ifndef REPOCAST_SYMTAB_H
#define REPOCAST_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Name the n addresses vaddr[] (ascending; equal neighbours allowed) from
 * the function symbols of the ELF file at path (.symtab, else .dynsym):
 * name[i] is set to the function that contains vaddr[i], or NULL when
 * none does. When several do: the one starting last (the innermost);
 * of aliases a global one before a local one, then the one that looks
 * most public (fewest leading underscores, then the shortest: malloc,
 * not __libc_malloc). A symbol of size 0 contains its own address only.
 * Where no function does, a symbol dladdr would name it after (exported,
 * of another type). Each name is the caller's to free. 0, or -1 with
 * err_last set and every name[i] NULL (not an ELF64 file of this
 * machine's byte order, no symbols, an I/O error). Reads the file with
 * pread: the headers, the symbol section, then the names.
 */
int symtab_name(char **name, const char *path, const uint64_t *vaddr, size_t n);

#endif
