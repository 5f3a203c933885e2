/*
 * symtab — an ELF64 function symbol reader (see symtab.h): the section
 * headers, the first SHT_SYMTAB (else SHT_DYNSYM) and its string table,
 * read with pread; the STT_FUNC symbols sorted by address.
 */
#include "worker/symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

struct sym {
	uint64_t addr, size;
	uint32_t name;            /* offset in strtab */
};

struct symtab {
	struct sym *v;
	size_t n;
	char *strtab;
	size_t strsize;
};

/* Sections larger than this are refused (a corrupt header, not a program). */
#define SYMTAB_MAX_SECTION (256u << 20)

static int
read_at(int fd, void *dst, size_t n, uint64_t off, const char *path)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)dst + got, n - got, (off_t)(off + got));

		if (r < 0)
			return err_sys(ERR_FAIL, "cannot read '%s'", path);
		if (r == 0)
			return err_set(ERR_FAIL, "cannot read '%s': truncated ELF file", path);
		got += (size_t)r;
	}
	return 0;
}

static int
cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int
symtab_load(struct symtab **out, const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *tab = NULL, *str;
	Elf64_Sym *syms = NULL;
	struct symtab *t = NULL;
	size_t i, nsyms;
	int fd, rc = -1;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(ERR_FAIL, "cannot open '%s'", path);
	if (read_at(fd, &eh, sizeof(eh), 0, path) < 0)
		goto out;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB :
	    ELFDATA2MSB) || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0) {
		err_set(ERR_FAIL, "cannot read '%s': not an ELF64 file of this machine", path);
		goto out;
	}
	sh = xcalloc(eh.e_shnum, sizeof(*sh));
	if (read_at(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff, path) < 0)
		goto out;
	for (i = 0; i < eh.e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			tab = &sh[i];
	for (i = 0; tab == NULL && i < eh.e_shnum; i++)
		if (sh[i].sh_type == SHT_DYNSYM)
			tab = &sh[i];
	if (tab == NULL || tab->sh_link >= eh.e_shnum || tab->sh_entsize != sizeof(Elf64_Sym)) {
		err_set(ERR_FAIL, "cannot read '%s': no symbol table", path);
		goto out;
	}
	str = &sh[tab->sh_link];
	if (tab->sh_size > SYMTAB_MAX_SECTION || str->sh_size > SYMTAB_MAX_SECTION ||
	    str->sh_size == 0) {
		err_set(ERR_FAIL, "cannot read '%s': symbol table too large", path);
		goto out;
	}
	nsyms = tab->sh_size / sizeof(Elf64_Sym);
	syms = xmalloc(nsyms ? nsyms * sizeof(*syms) : 1);
	t = xcalloc(1, sizeof(*t));
	t->strtab = xmalloc(str->sh_size + 1);
	t->strsize = str->sh_size;
	if (read_at(fd, syms, nsyms * sizeof(*syms), tab->sh_offset, path) < 0 ||
	    read_at(fd, t->strtab, str->sh_size, str->sh_offset, path) < 0)
		goto out;
	t->strtab[str->sh_size] = '\0';
	t->v = xcalloc(nsyms ? nsyms : 1, sizeof(*t->v));
	for (i = 0; i < nsyms; i++) {
		if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC || syms[i].st_shndx == SHN_UNDEF ||
		    syms[i].st_value == 0 || syms[i].st_name >= t->strsize)
			continue;
		t->v[t->n].addr = syms[i].st_value;
		t->v[t->n].size = syms[i].st_size;
		t->v[t->n].name = syms[i].st_name;
		t->n++;
	}
	qsort(t->v, t->n, sizeof(*t->v), cmp_sym);
	*out = t;
	t = NULL;
	rc = 0;
out:
	symtab_free(t);
	free(syms);
	free(sh);
	close(fd);
	return rc;
}

const char *
symtab_find(const struct symtab *t, uint64_t vaddr)
{
	size_t lo = 0, hi, best;

	if (t == NULL || t->n == 0)
		return NULL;
	hi = t->n;
	/* The last symbol starting at or before vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	best = lo - 1;
	/* Aliases share an address: any that covers vaddr will do. */
	while (best > 0 && t->v[best - 1].addr == t->v[best].addr &&
	    vaddr >= t->v[best].addr + t->v[best].size)
		best--;
	if (vaddr >= t->v[best].addr + (t->v[best].size ? t->v[best].size : 1))
		return NULL;
	return t->strtab + t->v[best].name;
}

size_t
symtab_count(const struct symtab *t)
{
	return t ? t->n : 0;
}

void
symtab_free(struct symtab *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t->strtab);
	free(t);
}
