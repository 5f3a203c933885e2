# repocast — one GNU Makefile.
#
#   make            build build/repocast, build/repocast-worker and its git
#                   plugin build/repocast-worker-git.so
#   make check      install missing Debian packages, build, run every test
#   make check-symbols  every exported symbol carries its module's prefix
#   make demo       install, build, run a real fan-out sync against a loopback forge
#   make bench      micro and end-to-end benchmarks (perf/); BENCHTIME=200ms|2s|100x,
#                   BENCH=names
#   make bench-baseline  the micro benchmarks (COUNT=5 runs each) into
#                   perf/baseline.txt
#   make bench-compare   the same runs against perf/baseline.txt: median,
#                   min, max and change per benchmark (perf/compare.sh)
#   make perf-check callgrind instruction counts of the micro benchmarks
#                   against perf/baseline.json, failing beyond 5 % (CI)
#   make perf-baseline   measure and write perf/baseline.json
#   make fuzz       libFuzzer targets (clang), run for FUZZTIME seconds each over
#                   the committed corpus (FUZZ=name... picks some); new inputs
#                   land in build-fuzz/corpus/ (keep the useful ones with:
#                   build-fuzz/fuzz_X -merge=1 tests/fuzz/corpus/X build-fuzz/corpus/X)
#   make fuzz-smoke every fuzz target for 60 s (CI)
#   make install    PREFIX=/usr/local DESTDIR= (also BINDIR, LIBEXECDIR,
#                   MANDIR, DOCDIR, BASHCOMPDIR, ZSHCOMPDIR); the worker's
#                   directory, LIBEXECDIR, is compiled into repocast
#   make uninstall  the same variables: removes what install put
#   make deb        a Debian package in build/deb/ (docs/install.md)
#   make clean
#
# Knobs: V=1 (echo commands), CI=true (-Werror), SANITIZE=address,undefined
# (separate build dir), CC, CFLAGS, LDFLAGS.

.SUFFIXES:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

VERSION := 0.1.0
PKGS := libgit2 msgpack yaml-0.1 libcurl jansson zlib libcrypto

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat-security -Wvla
ifeq ($(CI),true)
WARN += -Werror
endif

ifneq ($(SANITIZE),)
O := build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O := build
SANFLAGS :=
endif

# Recursively expanded on purpose: pkg-config runs only when a recipe needs
# it, after `make deps` has had its chance to install the packages.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WORKER_LIBS = $(shell pkg-config --libs msgpack 2>/dev/null)
PLUGIN_LIBS = $(shell pkg-config --libs libgit2 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

ALL_CPPFLAGS = -D_GNU_SOURCE -DREPOCAST_VERSION='"$(VERSION)"' -DREPOCAST_LIBEXECDIR='"$(LIBEXECDIR)"' -I. $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -pthread -MMD -MP
ALL_LDFLAGS = $(SANFLAGS) -pthread $(LDFLAGS)

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/repocast
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/repocast
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh's own default; Debian's is /usr/share/zsh/vendor-completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions

# Sources are found by folder: a new module needs no Makefile edit. What
# links libgit2 is in a git/ folder (shared/git/, worker/git/); everything
# else of the worker and of shared/ must not call libgit2.
LIB_SRC := $(sort $(wildcard shared/*.c shared/git/*.c proto/*.c))
SUP_SRC := $(sort $(filter-out supervisor/main.c,$(wildcard supervisor/*.c supervisor/*/*.c)))
WRK_SRC := $(sort $(filter-out worker/main.c,$(wildcard worker/*.c worker/git/*.c)))
TEST_SRC := $(sort $(filter-out tests/check_main.c,$(wildcard tests/check_*.c)))
BENCH_SRC := $(sort $(wildcard perf/bench_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# The worker is two files (docs/architecture.md). repocast-worker does not
# link libgit2: mapping it (BIND_NOW, 18 more libraries) costs more than a
# whole no-op worker. The code that calls libgit2, shared/git/ and
# worker/git/, is repocast-worker-git.so, which the worker dlopen()s from
# its own directory only for a job that touches a repository. The plugin
# resolves the rest (msg_*, err_*, buf_*, worker_*, ...) against the
# executable, which is linked -rdynamic from every worker-core object (not
# from an archive, so nothing the plugin needs is left out), so each exists
# once. A worker file outside a git/ folder that calls libgit2 fails the
# worker's link on the git_* symbols. The archives below still hold every
# object: the supervisor, the tests, benchmarks and fuzz targets link them
# statically.
PLUGIN_SRC := $(sort $(wildcard shared/git/*.c worker/git/*.c))
WORKER_CORE_SRC := $(filter-out $(PLUGIN_SRC),$(LIB_SRC) $(WRK_SRC))

# The object of each source; the plugin's are position-independent, under
# $(O)/pic (also in the archives: one compile serves both).
obj = $(foreach f,$(1),$(if $(filter $(f),$(PLUGIN_SRC)),$(O)/pic/$(f:.c=.o),$(O)/$(f:.c=.o)))

LIB_A := $(O)/librepocast.a
SUP_A := $(O)/libsupervisor.a
WRK_A := $(O)/libworker.a
REPOCAST := $(O)/repocast
WORKER := $(O)/repocast-worker
PLUGIN := $(O)/repocast-worker-git.so
CHECK_BIN := $(O)/tests/check_all
REPLAY_BIN := $(O)/tests/fuzz_replay
# The same driver over one target that answers wrong or crashes on demand,
# so that a test can see the driver fail (tests/integration/fuzz_replay.sh).
REPLAY_SELFTEST := $(O)/tests/fuzz_replay_selftest
BENCH_BIN := $(O)/perf/bench
# The worker with test-only fault hooks (worker/fault.c): the worker's own
# sources compiled again with -DREPOCAST_TEST_HOOKS. The release worker has
# no fault code.
# It loads the same plugin, copied next to it.
HOOK_OBJ := $(patsubst %.c,$(O)/hooks/%.o,worker/main.c $(filter worker/%,$(WORKER_CORE_SRC)))
TEST_BINS := $(O)/tests/bin/repocast-worker-test $(O)/tests/bin/repocast-worker-git.so

all: $(REPOCAST) $(WORKER) $(PLUGIN)

# Objects depend on the flags they were built with (PREFIX is compiled in as
# the worker's LIBEXECDIR): a changed flag rebuilds, an unchanged one does not.
$(O)/BUILD-FLAGS: FORCE
	@mkdir -p $(@D)
	@echo '$(subst ','\'',$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS))' > $@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

FORCE:

$(O)/%.o: %.c $(O)/BUILD-FLAGS
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/pic/%.o: %.c $(O)/BUILD-FLAGS
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRC))
$(SUP_A): $(call obj,$(SUP_SRC))
$(WRK_A): $(call obj,$(WRK_SRC))
$(LIB_A) $(SUP_A) $(WRK_A):
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(REPOCAST): $(O)/supervisor/main.o $(SUP_A) $(LIB_A)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(WORKER): $(O)/worker/main.o $(call obj,$(WORKER_CORE_SRC))
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $^ $(WORKER_LIBS) -lm

$(PLUGIN): $(call obj,$(PLUGIN_SRC))
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -shared -o $@ $^ $(PLUGIN_LIBS)

# Unit tests: tests/check_<name>.c exports Suite *<name>_suite(void); the
# runner's suite list is generated from the file names.
$(O)/tests/suites.inc: $(TEST_SRC) Makefile
	@mkdir -p $(@D)
	$(call say,GEN,$@)for f in $(TEST_SRC); do \
		n=$${f#tests/check_}; echo "SUITE($${n%.c})"; done > $@.tmp && mv $@.tmp $@

$(O)/tests/check_main.o: $(O)/tests/suites.inc
$(O)/tests/check_%.o: ALL_CPPFLAGS += -I$(O)/tests $(CHECK_CFLAGS)
# Suites, fuzz targets and benchmarks are found by name, not by header.
$(O)/tests/%.o $(O)/perf/%.o: WARN += -Wno-missing-prototypes
$(O)/tests/check_main.o: ALL_CPPFLAGS += -I$(O)/tests $(CHECK_CFLAGS)

# The benchmark harness's -benchtime parser is tested too (check_bench.c).
$(CHECK_BIN): $(O)/tests/check_main.o $(call obj,$(TEST_SRC)) $(O)/perf/bench_time.o $(SUP_A) $(WRK_A) $(LIB_A)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lm

# The fault-injecting test worker's objects, rebuilt like the others when
# the flags change.
$(O)/hooks/%.o: %.c $(O)/BUILD-FLAGS
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(ALL_CPPFLAGS) -DREPOCAST_TEST_HOOKS $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/bin/repocast-worker-test: $(HOOK_OBJ) $(call obj,$(filter-out worker/%,$(WORKER_CORE_SRC)))
	@mkdir -p $(@D)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $^ $(WORKER_LIBS) -lm

$(O)/tests/bin/repocast-worker-git.so: $(PLUGIN)
	@mkdir -p $(@D)
	$(call say,CP,$@)cp $< $@

# Fuzz targets are replayed over their corpus by a plain driver in every
# `make check`; `make fuzz` builds the libFuzzer versions with clang.
$(O)/tests/fuzz_targets.inc: $(FUZZ_SRC) Makefile
	@mkdir -p $(@D)
	$(call say,GEN,$@)for f in $(FUZZ_SRC); do \
		n=$${f#tests/fuzz/fuzz_}; echo "TARGET($${n%.c})"; done > $@.tmp && mv $@.tmp $@

$(O)/tests/fuzz/replay_main.o: $(O)/tests/fuzz_targets.inc
$(O)/tests/fuzz/replay_main.o: ALL_CPPFLAGS += -I$(O)/tests

$(REPLAY_BIN): $(O)/tests/fuzz/replay_main.o $(call obj,$(FUZZ_SRC)) $(SUP_A) $(WRK_A) $(LIB_A)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/tests/fuzz/replay_selftest.o: tests/fuzz/replay_main.c tests/fuzz/selftest/fuzz_targets.inc $(O)/BUILD-FLAGS
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CPPFLAGS) -Itests/fuzz/selftest $(ALL_CFLAGS) -c -o $@ $<

$(REPLAY_SELFTEST): $(O)/tests/fuzz/replay_selftest.o $(O)/tests/fuzz/selftest/selftest.o $(LIB_A)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BENCH_BIN): $(O)/perf/bench_main.o $(call obj,$(BENCH_SRC)) $(SUP_A) $(WRK_A) $(LIB_A)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

.PHONY: all deps build-tests check test check-symbols demo bench fuzz fuzz-smoke install uninstall deb clean \
	valgrind bench-baseline bench-compare perf-check perf-baseline FORCE

deps:
	$(Q)sh mk/deps.sh

build-tests: all $(CHECK_BIN) $(REPLAY_BIN) $(REPLAY_SELFTEST) $(TEST_BINS) $(BENCH_BIN)

# `make check` = deps + build + the whole suite; `make test` skips deps.
check: deps
	$(Q)$(MAKE) --no-print-directory build-tests
	$(Q)$(MAKE) --no-print-directory test

test: check-symbols
	$(Q)O=$(O) sh tests/run.sh

# Every exported symbol carries its module's prefix (mk/symbols.sh).
check-symbols: all
	$(Q)sh mk/symbols.sh $(O) $(LIB_SRC) $(SUP_SRC) $(WRK_SRC) supervisor/main.c worker/main.c

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) sh examples/demo.sh

# The benchmarks' baselines are Debian packages too (GNU parallel).
bench:
	$(Q)sh mk/deps.sh parallel
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(Q)O=$(O) sh perf/run.sh

# Micro benchmarks only: the end-to-end ones compare within one run.
# (build-tests builds the bench binary: tests/integration/bench_tools.sh)
COUNT ?= 5
bench-baseline: $(BENCH_BIN)
	$(Q)$(BENCH_BIN) -count $(COUNT) $(if $(BENCHTIME),-benchtime $(BENCHTIME)) $(BENCH) >perf/baseline.txt.new && \
		mv perf/baseline.txt.new perf/baseline.txt && echo "wrote perf/baseline.txt"

bench-compare: $(BENCH_BIN)
	$(Q)test -s perf/baseline.txt || { echo "no perf/baseline.txt: make bench-baseline" >&2; exit 2; }
	$(Q)$(BENCH_BIN) -count $(COUNT) $(if $(BENCHTIME),-benchtime $(BENCHTIME)) $(BENCH) >$(O)/perf/compare.txt
	$(Q)sh perf/compare.sh perf/baseline.txt $(O)/perf/compare.txt

perf-check: $(BENCH_BIN)
	$(Q)O=$(O) sh perf/perfcheck.sh check

perf-baseline: $(BENCH_BIN)
	$(Q)O=$(O) sh perf/perfcheck.sh baseline

valgrind: build-tests
	$(Q)CK_FORK=no valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--track-fds=no $(CHECK_BIN)

# `make fuzz`: each libFuzzer target (FUZZ=name... picks some) for FUZZTIME
# seconds over its committed corpus (and tests/fuzz/<name>.dict, when there
# is one); new inputs go to build-fuzz/corpus/<name>/,
# a crashing input to build-fuzz/crashes/<name>/, and the run stops there
# with a non-zero status. `make fuzz-smoke` is the same, 60 s each, what CI
# runs (.ci/run).
FUZZTIME ?= 60
FUZZ_CC ?= clang
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ ?= $(FUZZ_NAMES)
fuzz: deps
	$(Q)for n in $(FUZZ); do [ -f tests/fuzz/fuzz_$$n.c ] || \
		{ echo "no fuzz target '$$n' (have: $(FUZZ_NAMES))" >&2; exit 2; }; done
	$(Q)$(MAKE) --no-print-directory CC=$(FUZZ_CC) O=build-fuzz \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DFUZZ_LIBFUZZER" \
		build-fuzz/librepocast.a build-fuzz/libsupervisor.a build-fuzz/libworker.a \
		$(patsubst %,build-fuzz/tests/fuzz/fuzz_%.o,$(FUZZ))
	$(Q)for n in $(FUZZ); do \
		$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o build-fuzz/fuzz_$$n \
			build-fuzz/tests/fuzz/fuzz_$$n.o build-fuzz/libsupervisor.a \
			build-fuzz/libworker.a build-fuzz/librepocast.a \
			$$(pkg-config --libs $(PKGS)) -lm || exit 1; \
		mkdir -p tests/fuzz/corpus/$$n build-fuzz/corpus/$$n build-fuzz/crashes/$$n; \
		echo "fuzzing $$n for $(FUZZTIME)s (new inputs: build-fuzz/corpus/$$n)"; \
		dict=; [ ! -f tests/fuzz/$$n.dict ] || dict=-dict=tests/fuzz/$$n.dict; \
		./build-fuzz/fuzz_$$n -max_total_time=$(FUZZTIME) -max_len=65536 -timeout=10 \
			-print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$n/ $$dict \
			build-fuzz/corpus/$$n tests/fuzz/corpus/$$n || \
			{ echo "fuzz $$n: failed; the input is in build-fuzz/crashes/$$n/" >&2; exit 1; }; \
	done

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZTIME=60

# What `make install` puts where, one SOURCE|DEST|MODE a word; `make
# uninstall` removes exactly these files, then the directories that are
# repocast's own when they are left empty (docs/install.md).
INSTALL_MAP = \
	$(REPOCAST)|$(BINDIR)/repocast|755 \
	$(WORKER)|$(LIBEXECDIR)/repocast-worker|755 \
	$(PLUGIN)|$(LIBEXECDIR)/repocast-worker-git.so|644 \
	man/repocast.1|$(MANDIR)/man1/repocast.1|644 \
	man/repocast-config.5|$(MANDIR)/man5/repocast-config.5|644 \
	contrib/completions/repocast.bash|$(BASHCOMPDIR)/repocast|644 \
	contrib/completions/_repocast|$(ZSHCOMPDIR)/_repocast|644 \
	README.md|$(DOCDIR)/README.md|644 \
	examples/sync.yaml|$(DOCDIR)/examples/sync.yaml|644 \
	examples/demo.yaml|$(DOCDIR)/examples/demo.yaml|644 \
	contrib/systemd/repocast.service|$(DOCDIR)/examples/systemd/repocast.service|644 \
	contrib/systemd/repocast.timer|$(DOCDIR)/examples/systemd/repocast.timer|644 \
	contrib/github-actions/repocast.yml|$(DOCDIR)/examples/github-actions/repocast.yml|644
OWN_DIRS = $(DOCDIR)/examples/systemd $(DOCDIR)/examples/github-actions \
	$(DOCDIR)/examples $(DOCDIR) $(LIBEXECDIR)

install: all
	$(Q)for e in $(foreach e,$(INSTALL_MAP),'$(e)'); do \
		src=$${e%%|*}; rest=$${e#*|}; dst=$${rest%|*}; mode=$${rest##*|}; \
		install -d "$(DESTDIR)$$(dirname "$$dst")" && \
		install -m "$$mode" "$$src" "$(DESTDIR)$$dst" || exit 1; \
		printf '  %-7s %s\n' INSTALL "$(DESTDIR)$$dst"; \
	done

uninstall:
	$(Q)for e in $(foreach e,$(INSTALL_MAP),'$(e)'); do \
		rest=$${e#*|}; dst=$${rest%|*}; rm -f "$(DESTDIR)$$dst" || exit 1; \
	done
	$(Q)for d in $(OWN_DIRS); do \
		[ ! -d "$(DESTDIR)$$d" ] || rmdir "$(DESTDIR)$$d" 2>/dev/null || \
		echo "uninstall: keeping $(DESTDIR)$$d: not empty"; \
	done

# The Debian package (debian/), built in a copy of the tree under build/deb/
# and checked by lintian (mk/deb.sh).
deb:
	$(Q)sh mk/deps.sh build-essential dpkg-dev debhelper lintian cpio libgit2-dev libmsgpack-dev libyaml-dev \
		libcurl4-openssl-dev libjansson-dev libssl-dev check pkg-config
	$(Q)sh mk/deb.sh $(VERSION)

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(O) -name '*.d' 2>/dev/null)
