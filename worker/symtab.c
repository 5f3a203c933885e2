/*
 * symtab — an ELF64 function symbol reader (see symtab.h): the section
 * headers, the first SHT_SYMTAB (else SHT_DYNSYM), read with pread in
 * chunks; each STT_FUNC symbol is matched against the sorted addresses
 * by binary search, and only the names found are read from the string
 * table (all of it in one read when it is small).
 */
#include "worker/symtab.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

/* Sections larger than this are refused (a corrupt header, not a program). */
#define SYMTAB_MAX_SECTION (256u << 20)
/* Symbols read per pread (24 KiB). */
#define SYMTAB_CHUNK 1024
/* The first read of a name; a longer one is read again, whole. */
#define SYMTAB_NAME_READ 128
/* A string table up to this size is read whole, in one pread, rather
 * than a read per name (a stripped library's .dynstr: libc's is 32 KiB). */
#define SYMTAB_STR_WHOLE (64u << 10)

/* Where the names are: the file's string table, or a copy of it. */
struct strtab {
	int fd;
	uint64_t off, size;
	char *whole;              /* NULL: read each name from the file */
	const char *path;
};

/*
 * How good a symbol is as a name for an address it contains: a function
 * before any other symbol (what dladdr would say: an exported symbol of
 * any type but TLS, not absolute).
 */
enum rank { RANK_NONE, RANK_OTHER, RANK_FUNC };

/* Aliases kept per address (more, at one address, are not looked at). */
#define SYMTAB_ALIASES 4

/* The symbols chosen so far for one address: equally good aliases. */
struct best {
	uint64_t start;
	uint32_t name[SYMTAB_ALIASES];  /* offsets in the string table */
	unsigned char nname;
	unsigned char local;      /* they are local symbols */
	unsigned char rank;       /* enum rank; RANK_NONE: nothing yet */
};

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

/* The first i with v[i] >= x. */
static size_t
lower_bound(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The rank of s as a name: a defined function of the file, else what
 * dladdr would name an address after (a global or weak symbol, not TLS,
 * not absolute), else none.
 */
static enum rank
rank_of(const Elf64_Sym *s, uint64_t strsize)
{
	int type = ELF64_ST_TYPE(s->st_info);

	/* Offset 0 is the empty name. */
	if (s->st_name == 0 || s->st_name >= strsize || s->st_value == 0 ||
	    s->st_shndx == SHN_UNDEF)
		return RANK_NONE;
	if (type == STT_FUNC)
		return RANK_FUNC;
	if (ELF64_ST_BIND(s->st_info) != STB_LOCAL && type != STT_TLS && type != STT_SECTION &&
	    type != STT_FILE && s->st_shndx != SHN_ABS)
		return RANK_OTHER;
	return RANK_NONE;
}

/*
 * Compare s (of rank r) with b as a name for an address both contain: the
 * better rank, then the later start (the innermost), then a global name
 * before a local one. 1 better, 0 as good (an alias), -1 worse.
 */
static int
compare(const struct best *b, const Elf64_Sym *s, enum rank r)
{
	int local = ELF64_ST_BIND(s->st_info) == STB_LOCAL;

	if (r != b->rank)
		return r > b->rank ? 1 : -1;
	if (s->st_value != b->start)
		return s->st_value > b->start ? 1 : -1;
	if (local != b->local)
		return local ? -1 : 1;
	return 0;
}

static void
match(struct best *best, const uint64_t *vaddr, size_t n, const Elf64_Sym *s, enum rank r)
{
	/* A symbol of size 0 holds its own address only. */
	uint64_t end = s->st_value + (s->st_size ? s->st_size : 1);
	size_t i;

	if (end < s->st_value)
		end = UINT64_MAX;
	for (i = lower_bound(vaddr, n, s->st_value); i < n && vaddr[i] < end; i++) {
		struct best *b = &best[i];
		int c = compare(b, s, r);

		if (c < 0)
			continue;
		if (c > 0) {
			b->start = s->st_value;
			b->local = ELF64_ST_BIND(s->st_info) == STB_LOCAL;
			b->rank = (unsigned char)r;
			b->nname = 0;
		}
		if (b->nname < SYMTAB_ALIASES)
			b->name[b->nname++] = s->st_name;
	}
}

/* The NUL-terminated name at off of the string table (a name that runs
 * off the table's end is cut there). */
static int
read_name(char **out, const struct strtab *st, uint32_t off)
{
	uint64_t left = st->size - off;
	size_t want = left < SYMTAB_NAME_READ ? (size_t)left : SYMTAB_NAME_READ;
	char *s;

	*out = NULL;
	if (st->whole != NULL) {
		*out = xstrndup(st->whole + off, (size_t)left);
		return 0;
	}
	s = xmalloc(want + 1);
	for (;;) {
		if (read_at(st->fd, s, want, st->off + off, st->path) < 0) {
			free(s);
			return -1;
		}
		s[want] = '\0';
		if (strlen(s) < want || want == left)
			break;
		/* Longer than read: the rest of the table, at most. */
		want = (size_t)left;
		free(s);
		s = xmalloc(want + 1);
	}
	*out = s;
	return 0;
}

/* How public a name looks: its leading underscores, fewer first. */
static size_t
underscores(const char *s)
{
	size_t k = 0;

	while (s[k] == '_')
		k++;
	return k;
}

/*
 * The name of b: of its aliases the one that looks most public (fewest
 * leading underscores: malloc, not __libc_malloc; then the shortest:
 * glob, not glob64; then the first in the table).
 */
static int
pick_name(char **out, const struct strtab *st, const struct best *b)
{
	size_t j;

	*out = NULL;
	for (j = 0; j < b->nname; j++) {
		char *s;

		if (j > 0 && b->name[j] == b->name[0])
			continue;
		if (read_name(&s, st, b->name[j]) < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		if (*out == NULL || underscores(s) < underscores(*out) ||
		    (underscores(s) == underscores(*out) && strlen(s) < strlen(*out))) {
			free(*out);
			*out = s;
		} else {
			free(s);
		}
	}
	return 0;
}

int
symtab_name(char **name, const char *path, const uint64_t *vaddr, size_t n)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *tab = NULL, *str;
	Elf64_Sym *chunk = NULL;
	struct best *best = NULL;
	struct strtab st = { -1, 0, 0, NULL, NULL };
	size_t i, nsyms, at;
	int fd, rc = -1;

	for (i = 0; i < n; i++) {
		name[i] = NULL;
		if (i > 0 && vaddr[i] < vaddr[i - 1])
			BUG("symtab_name: addresses not in ascending order");
	}
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
	best = xcalloc(n ? n : 1, sizeof(*best));
	chunk = xmalloc(SYMTAB_CHUNK * sizeof(*chunk));
	for (at = 0; at < nsyms && n > 0; ) {
		size_t k = nsyms - at < SYMTAB_CHUNK ? nsyms - at : SYMTAB_CHUNK;

		if (read_at(fd, chunk, k * sizeof(*chunk), tab->sh_offset + at * sizeof(*chunk),
		    path) < 0)
			goto out;
		for (i = 0; i < k; i++) {
			enum rank r = rank_of(&chunk[i], str->sh_size);

			if (r != RANK_NONE)
				match(best, vaddr, n, &chunk[i], r);
		}
		at += k;
	}
	st.fd = fd;
	st.off = str->sh_offset;
	st.size = str->sh_size;
	st.path = path;
	for (i = 0; i < n && best[i].rank == RANK_NONE; i++)
		;
	if (i < n && st.size <= SYMTAB_STR_WHOLE) {
		st.whole = xmalloc((size_t)st.size + 1);
		if (read_at(fd, st.whole, (size_t)st.size, st.off, path) < 0)
			goto out;
		st.whole[st.size] = '\0';
	}
	for (i = 0; i < n; i++) {
		if (best[i].rank == RANK_NONE)
			continue;
		/* Neighbours in one function share its name: one read. */
		if (i > 0 && name[i - 1] != NULL && best[i - 1].start == best[i].start &&
		    best[i - 1].name[0] == best[i].name[0]) {
			name[i] = xstrdup(name[i - 1]);
			continue;
		}
		if (pick_name(&name[i], &st, &best[i]) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		for (i = 0; i < n; i++) {
			free(name[i]);
			name[i] = NULL;
		}
	free(st.whole);
	free(chunk);
	free(best);
	free(sh);
	close(fd);
	return rc;
}
