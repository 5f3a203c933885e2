#include <check.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "worker/symtab.h"

/* ---- a made-up ELF file: section headers, .symtab, .strtab ---- */

struct elf {
	Elf64_Sym *sym;
	size_t nsym, capsym;
	char *str;
	size_t strlen_, capstr;
	int no_nul_at_end;        /* the last name runs to the table's end */
	uint64_t symtab_size;     /* 0: the symbols' own size */
};

static void
elf_init(struct elf *e)
{
	memset(e, 0, sizeof(*e));
	util_grow((void **)&e->str, &e->capstr, 1, 1);
	e->str[0] = '\0';
	e->strlen_ = 1;
	util_grow((void **)&e->sym, &e->capsym, 1, sizeof(*e->sym));
	memset(&e->sym[0], 0, sizeof(e->sym[0]));  /* symbol 0 is the null one */
	e->nsym = 1;
}

static void
elf_release(struct elf *e)
{
	free(e->sym);
	free(e->str);
}

static void
elf_sym(struct elf *e, const char *name, uint64_t value, uint64_t size, int bind, int type,
    uint16_t shndx)
{
	size_t len = strlen(name) + 1;
	Elf64_Sym *s;

	util_grow((void **)&e->sym, &e->capsym, e->nsym + 1, sizeof(*e->sym));
	s = &e->sym[e->nsym++];
	memset(s, 0, sizeof(*s));
	s->st_name = (uint32_t)e->strlen_;
	s->st_value = value;
	s->st_size = size;
	s->st_info = (unsigned char)ELF64_ST_INFO(bind, type);
	s->st_shndx = shndx;
	util_grow((void **)&e->str, &e->capstr, e->strlen_ + len, 1);
	memcpy(e->str + e->strlen_, name, len);
	e->strlen_ += len;
}

#define FN(e, name, value, size) elf_sym((e), (name), (value), (size), STB_GLOBAL, STT_FUNC, 1)

/* Write e to dir/name: the path (caller frees). */
static char *
elf_write(struct elf *e, const char *dir, const char *name)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh[3];
	size_t strsize = e->strlen_ - (e->no_nul_at_end ? 1 : 0);
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_DYN;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shoff = sizeof(eh);
	memset(sh, 0, sizeof(sh));
	sh[1].sh_type = SHT_SYMTAB;
	sh[1].sh_link = 2;
	sh[1].sh_entsize = sizeof(Elf64_Sym);
	sh[1].sh_offset = sizeof(eh) + sizeof(sh);
	sh[1].sh_size = e->symtab_size ? e->symtab_size : e->nsym * sizeof(Elf64_Sym);
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = sh[1].sh_offset + e->nsym * sizeof(Elf64_Sym);
	sh[2].sh_size = strsize;
	ck_assert_uint_eq(fwrite(&eh, sizeof(eh), 1, f), 1);
	ck_assert_uint_eq(fwrite(sh, sizeof(sh), 1, f), 1);
	ck_assert_uint_eq(fwrite(e->sym, sizeof(Elf64_Sym), e->nsym, f), e->nsym);
	ck_assert_uint_eq(fwrite(e->str, 1, strsize, f), strsize);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void
free_names(char **name, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(name[i]);
}

/* got is want, or both are NULL. */
static void
ck_name(const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "named '%s', not NULL", got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0, "named '%s', not '%s'",
		    got ? got : "(null)", want);
}

/* The choice between symbols that contain an address. */
START_TEST(test_name_rules)
{
	static const uint64_t addr[] = {
		0x0fff, 0x1000, 0x1045, 0x1045, 0x1060, 0x2008, 0x3000, 0x3001, 0x4002,
		0x4008, 0x5000, 0x6000, 0x7000, 0x8000, 0x9008, 0xa000,
	};
	static const char *const want[] = {
		NULL, "outer", "inner", "inner", "outer", "glob", "zero", NULL, "fn4",
		"data_obj", NULL, NULL, NULL, NULL, "after_bad_name", "fn",
	};
	char *name[ARRAY_SIZE(addr)], *dir, *path;
	struct elf e;
	size_t i;

	ck_assert_int_eq(tmpdir_make(&dir, "repocast-symtab-"), 0);
	elf_init(&e);
	/* Nested: the one starting last. */
	FN(&e, "outer", 0x1000, 0x100);
	FN(&e, "inner", 0x1040, 0x10);
	/* Aliases: the global one, wherever the local one is in the table. */
	elf_sym(&e, "loc_alias", 0x2000, 0x10, STB_LOCAL, STT_FUNC, 1);
	FN(&e, "glob", 0x2000, 0x10);
	elf_sym(&e, "weak_alias", 0x2000, 0x10, STB_WEAK, STT_FUNC, 1);
	/* Size 0: its own address only. */
	FN(&e, "zero", 0x3000, 0);
	/* A function before any other symbol (dladdr's kind), which names
	 * what no function covers. */
	elf_sym(&e, "data_obj", 0x4000, 0x10, STB_GLOBAL, STT_OBJECT, 2);
	FN(&e, "fn4", 0x4000, 0x4);
	/* Not names: undefined, TLS, a local object, an absolute symbol. */
	elf_sym(&e, "undef", 0x5000, 0x10, STB_GLOBAL, STT_FUNC, SHN_UNDEF);
	elf_sym(&e, "tls", 0x6000, 0x10, STB_GLOBAL, STT_TLS, 3);
	elf_sym(&e, "local_obj", 0x7000, 0x10, STB_LOCAL, STT_OBJECT, 2);
	elf_sym(&e, "abs", 0x8000, 0x10, STB_GLOBAL, STT_NOTYPE, SHN_ABS);
	/* A name offset past the string table is skipped, not read. */
	FN(&e, "bad_name", 0x9000, 0x100);
	e.sym[e.nsym - 1].st_name = 1u << 30;
	FN(&e, "after_bad_name", 0x9000, 0x10);
	/* Global aliases: the one that looks public (fewest leading
	 * underscores, then the shortest). */
	FN(&e, "__libc_fn", 0xa000, 0x10);
	FN(&e, "fn64", 0xa000, 0x10);
	FN(&e, "fn", 0xa000, 0x10);
	FN(&e, "_fn", 0xa000, 0x10);
	path = elf_write(&e, dir, "rules.so");
	ck_assert_int_eq(symtab_name(name, path, addr, ARRAY_SIZE(addr)), 0);
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		ck_name(name[i], want[i]);
	free_names(name, ARRAY_SIZE(addr));
	/* No address: nothing to name, not an error. */
	ck_assert_int_eq(symtab_name(name, path, addr, 0), 0);
	free(path);
	elf_release(&e);
	tmpdir_remove(dir);
	free(dir);
}
END_TEST

/* A local object with a name of 66,000 bytes: the string table is past
 * 64 KiB, and its names are read one by one, not the table whole. */
static void
add_filler(struct elf *e)
{
	char *big = xmalloc(66001);

	memset(big, 'x', 66000);
	big[66000] = '\0';
	elf_sym(e, big, 0x500000, 0x10, STB_LOCAL, STT_OBJECT, 2);
	free(big);
}

/* Symbols read in chunks of 1024; names in reads of 128 bytes, or the
 * string table whole when it is up to 64 KiB: both ways the same names. */
START_TEST(test_chunks_and_long_names)
{
	char n127[128], n128[129], n129[130], *name[6], *dir, *path;
	uint64_t addr[6];
	struct elf e;
	size_t i;
	int big;

	ck_assert_int_eq(tmpdir_make(&dir, "repocast-symtab-"), 0);
	memset(n127, 'a', 127);
	n127[127] = '\0';
	memset(n128, 'b', 128);
	n128[128] = '\0';
	memset(n129, 'c', 129);
	n129[129] = '\0';
	for (big = 0; big <= 1; big++) {
		elf_init(&e);
		FN(&e, n127, 0x100, 0x10);
		/* 3000 more: f<i> is symbol 2 + i (after the null one and
		 * n127), at 0x10000 + 16 i: f1021 ends the first chunk,
		 * f1022 starts the next. */
		for (i = 0; i < 3000; i++) {
			char s[32];

			snprintf(s, sizeof(s), "f%zu", i);
			FN(&e, s, 0x10000 + i * 16, 16);
		}
		FN(&e, n128, 0x90000, 0x10);
		FN(&e, n129, 0x91000, 0x10);
		if (big)
			add_filler(&e);
		ck_assert(big ? e.strlen_ > (64u << 10) : e.strlen_ <= (64u << 10));
		path = elf_write(&e, dir, big ? "big.so" : "small.so");
		addr[0] = 0x100;
		addr[1] = 0x10000 + 1021 * 16;
		addr[2] = 0x10000 + 1022 * 16;
		addr[3] = 0x10000 + 2999 * 16;
		addr[4] = 0x90000;
		addr[5] = 0x91000;
		ck_assert_int_eq(symtab_name(name, path, addr, 6), 0);
		ck_name(name[0], n127);
		ck_name(name[1], "f1021");
		ck_name(name[2], "f1022");
		ck_name(name[3], "f2999");
		ck_name(name[4], n128);
		ck_name(name[5], n129);
		free_names(name, 6);
		free(path);
		elf_release(&e);

		/* The last name without its NUL: cut at the table's end. */
		elf_init(&e);
		if (big)
			add_filler(&e);
		FN(&e, "first", 0x100, 0x10);
		FN(&e, "last_unterminated", 0x200, 0x10);
		e.no_nul_at_end = 1;
		path = elf_write(&e, dir, big ? "cut-big.so" : "cut.so");
		addr[0] = 0x100;
		addr[1] = 0x200;
		ck_assert_int_eq(symtab_name(name, path, addr, 2), 0);
		ck_name(name[0], "first");
		ck_name(name[1], "last_unterminated");
		free_names(name, 2);
		free(path);
		elf_release(&e);
	}
	tmpdir_remove(dir);
	free(dir);
}
END_TEST

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Bad files: the error names the file and the cause; no name is left set. */
START_TEST(test_bad_files)
{
	static const uint64_t addr[] = { 0x100 };
	char *name[1], *dir, *path;
	struct elf e;
	Elf64_Ehdr eh;

	ck_assert_int_eq(tmpdir_make(&dir, "repocast-symtab-"), 0);
	path = xasprintf("%s/missing.so", dir);
	name[0] = (char *)"x";
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_ptr_null(name[0]);
	ck_assert_msg(strstr(err_last(), "cannot open '") != NULL && strstr(err_last(), path),
	    "%s", err_last());
	free(path);

	path = xasprintf("%s/text.so", dir);
	{
		char text[100];

		memset(text, '#', sizeof(text));
		write_file(path, text, sizeof(text));
	}
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "not an ELF64 file of this machine") != NULL, "%s",
	    err_last());
	free(path);

	path = xasprintf("%s/short.so", dir);
	write_file(path, ELFMAG, SELFMAG);
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "truncated ELF file") != NULL, "%s", err_last());
	free(path);

	/* An ELF header alone, its section headers past the end. */
	elf_init(&e);
	FN(&e, "f", 0x100, 0x10);
	path = elf_write(&e, dir, "noshdr.so");
	{
		FILE *f = fopen(path, "rb");

		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fread(&eh, sizeof(eh), 1, f), 1);
		fclose(f);
	}
	write_file(path, &eh, sizeof(eh));
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "truncated ELF file") != NULL, "%s", err_last());
	free(path);

	/* The symbol section's size at the limit (256 MiB) is taken and
	 * read (the file is short: truncated); one byte more is refused. */
	e.symtab_size = 256u << 20;
	path = elf_write(&e, dir, "max.so");
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "truncated ELF file") != NULL, "%s", err_last());
	free(path);
	e.symtab_size = (256u << 20) + 1;
	path = elf_write(&e, dir, "over.so");
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "symbol table too large") != NULL, "%s", err_last());
	ck_assert_ptr_null(name[0]);
	free(path);
	elf_release(&e);
	tmpdir_remove(dir);
	free(dir);
}
END_TEST

/* A file with sections but no symbol table. */
START_TEST(test_no_symbol_table)
{
	static const uint64_t addr[] = { 0x100 };
	char *name[1], *dir, *path;
	Elf64_Ehdr eh;
	Elf64_Shdr sh[2];
	char img[sizeof(eh) + sizeof(sh)];

	ck_assert_int_eq(tmpdir_make(&dir, "repocast-symtab-"), 0);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 2;
	eh.e_shoff = sizeof(eh);
	memset(sh, 0, sizeof(sh));
	sh[1].sh_type = SHT_PROGBITS;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), sh, sizeof(sh));
	path = xasprintf("%s/nosyms.so", dir);
	write_file(path, img, sizeof(img));
	ck_assert_int_eq(symtab_name(name, path, addr, 1), -1);
	ck_assert_msg(strstr(err_last(), "no symbol table") != NULL, "%s", err_last());
	ck_assert_ptr_null(name[0]);
	free(path);
	tmpdir_remove(dir);
	free(dir);
}
END_TEST

static __attribute__((noinline)) int
check_symtab_marker_a(int x)
{
	return x * 5 + 2;
}

static __attribute__((noinline)) int
check_symtab_marker_b(int x)
{
	return x * 7 + 3;
}

/* The test program's own file: its static functions, from .symtab. */
START_TEST(test_own_file)
{
	struct link_map *lm = NULL;
	Dl_info info;
	uint64_t addr[3], a, b;
	char *name[3];

	ck_assert_int_eq(check_symtab_marker_a(1) + check_symtab_marker_b(1), 17);
	ck_assert_int_ne(dladdr1((void *)check_symtab_marker_a, &info, (void **)&lm,
	    RTLD_DL_LINKMAP), 0);
	a = (uint64_t)((uintptr_t)check_symtab_marker_a - lm->l_addr);
	b = (uint64_t)((uintptr_t)check_symtab_marker_b - lm->l_addr);
	addr[0] = a < b ? a : b;
	addr[1] = addr[0] + 1;
	addr[2] = a < b ? b : a;
	ck_assert_int_eq(symtab_name(name, "/proc/self/exe", addr, 3), 0);
	ck_name(name[0], a < b ? "check_symtab_marker_a" : "check_symtab_marker_b");
	ck_name(name[1], name[0]);
	ck_name(name[2], a < b ? "check_symtab_marker_b" : "check_symtab_marker_a");
	free_names(name, 3);
}
END_TEST

/* Addresses out of order are the caller's bug: abort, saying so (in a
 * child: the suite also runs unforked, under valgrind). */
START_TEST(test_unsorted_is_a_bug)
{
	static const uint64_t addr[] = { 0x200, 0x100 };
	char *name[2], err[512];
	size_t got;
	ssize_t n;
	int fd[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		symtab_name(name, "/proc/self/exe", addr, 2);
		_exit(0);
	}
	close(fd[1]);
	/* To the end: closed early, the pipe would kill the child first. */
	for (got = 0; (n = read(fd[0], err + got, sizeof(err) - 1 - got)) > 0; )
		got += (size_t)n;
	err[got] = '\0';
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	ck_assert_msg(strstr(err, "addresses not in ascending order") != NULL, "%s", err);
}
END_TEST

Suite *
symtab_suite(void)
{
	Suite *s = suite_create("symtab");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_name_rules);
	tcase_add_test(tc, test_chunks_and_long_names);
	tcase_add_test(tc, test_own_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_no_symbol_table);
	tcase_add_test(tc, test_unsorted_is_a_bug);
	suite_add_tcase(s, tc);
	return s;
}
