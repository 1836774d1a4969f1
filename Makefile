# gatekeeper - build, test, demo, bench.
#   make          build build/gatekeeper and build/libgatekeeper.a
#   make check    install missing deps, build, run every test
#   make quick    the unit tests that need no PostgreSQL server and no git,
#                 and the fuzz regression inputs (seconds; no deps step)
#   make asan     build with ASan+UBSan and run the whole suite with leak detection
#   make asan-unit  the same build, only the unit tests (a quicker sanitizer loop)
#   make fuzz     build the libFuzzer targets with clang and run each SECONDS=N
#   make valgrind run every end-to-end case's gatekeeper under valgrind
#                 (build-valgrind/)
#   make demo     install missing deps, build, run lint, check, drift and gate
#                 on the demo project (PostgreSQL clusters started and removed)
#   make bench    speed against the named peers (prints ratios)
#   make install  copy build/gatekeeper to $(DESTDIR)$(PREFIX)/bin, with its
#                 manual page and bash, zsh and fish completions
#   make image-test  build the GitHub Action's image from the Dockerfile's steps
#                 in a debootstrap chroot and run the action on the demo (root)

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
OPT     ?= -O2 -g
PKGS    := libpq libgit2 jansson yaml-0.1 libcrypto
WARN    := -std=c11 -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE -Iinclude -Isrc
CFLAGS  += $(WARN) $(OPT) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += -lpg_query $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
# libxml2 is the tests' and fuzz targets' only: they check the JUnit report
# against XSDs and the XML writer against libxml2's own (the program
# writes XML itself, see src/report/xstream.h).
CHECK_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
CHECK_LDLIBS := $(shell pkg-config --libs libxml-2.0 2>/dev/null)
TEST_LDLIBS := $(shell pkg-config --libs cmocka 2>/dev/null) $(CHECK_LDLIBS)
# The lint takes each parse tree before libpg_query packs it (see
# src/sql/parse.c): the program defines the two functions the library packs
# with, and exports them so that the library's calls reach them.
TAKE_TREE := -Wl,--export-dynamic-symbol=pg_query__parse_result__get_packed_size \
	     -Wl,--export-dynamic-symbol=pg_query__parse_result__pack

LIB_SRCS  := $(filter-out %_test.c,$(wildcard src/*/*.c src/*/*/*.c))
TEST_SRCS := $(wildcard src/*/*_test.c src/*/*/*_test.c)
CMD_SRCS  := $(wildcard cmd/gatekeeper/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/test/%)
# Fuzz targets: fuzz/<name>.c each.  In every build they are linked with
# fuzz/main.c, which replays files (make check runs testdata/fuzz/<name>/);
# `make fuzz` links them with libFuzzer instead (FUZZ_MAIN empty).
FUZZ_SRCS := $(filter-out fuzz/main.c fuzz/util.c,$(wildcard fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_MAIN ?= fuzz/main.c
SECONDS   ?= 10

.PHONY: all deps check quick unit e2e asan asan-unit fuzz fuzz-bins valgrind demo bench install image-test clean
all: $(BUILD)/gatekeeper $(BUILD)/libgatekeeper.a $(TEST_BINS) $(FUZZ_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libgatekeeper.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/gatekeeper: $(CMD_OBJS) $(BUILD)/libgatekeeper.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(TAKE_TREE) -o $@ $(CMD_OBJS) $(BUILD)/libgatekeeper.a $(LDLIBS)

# A unit test links the library; tests of the CLI's own files also link cmd objects.
# Compiled and linked in one step, so its dependency file names the binary
# (-MF, -MT): a header the test includes (a *_test_support.h) rebuilds it.
$(BUILD)/test/%: %.c $(BUILD)/libgatekeeper.a $(filter-out $(BUILD)/obj/cmd/gatekeeper/main.o,$(CMD_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -MF $@.d -MT $@ -DGK_SOURCE_DIR='"$(CURDIR)"' -o $@ $< \
		$(filter-out $(BUILD)/obj/cmd/gatekeeper/main.o,$(CMD_OBJS)) $(BUILD)/libgatekeeper.a $(LDLIBS) $(TEST_LDLIBS) $(TAKE_TREE)

$(BUILD)/fuzz/%: fuzz/%.c fuzz/util.c fuzz/fuzz.h $(FUZZ_MAIN) $(BUILD)/libgatekeeper.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -MF $@.d -MT $@ $(LDFLAGS) $(TAKE_TREE) -o $@ $< fuzz/util.c $(FUZZ_MAIN) $(BUILD)/libgatekeeper.a $(LDLIBS) $(CHECK_LDLIBS)

fuzz-bins: $(FUZZ_BINS)

deps:
	@ci/install-deps.sh

unit: all
	@ci/run-unit.sh $(BUILD)

e2e: all
	@ci/run-e2e.sh $(BUILD)

check: deps
	@$(MAKE) --no-print-directory all
	@ci/run-tests.sh $(BUILD)

# A test source that needs a PostgreSQL server or git says so on a line
# "/* test needs: postgres git */" (ci/run-unit.sh; make check fails a test
# without that line that starts either).  Only the others are built here.
QUICK_BINS := $(patsubst %.c,$(BUILD)/test/%,$(shell grep -L '^/\* test needs: ' $(TEST_SRCS)))
quick: $(BUILD)/libgatekeeper.a $(QUICK_BINS) $(FUZZ_BINS)
	@ci/run-tests.sh --quick $(BUILD)

# GK_SQL_MAX_DEPTH: a tenth of the statement depth limit, the scale of
# ci/run-asan.sh's end-to-end inputs (see src/sql/sql.h).
ASAN_OPT     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DGK_SQL_MAX_DEPTH=30000
ASAN_LDFLAGS := -fsanitize=address,undefined
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="$(ASAN_OPT)" LDFLAGS="$(ASAN_LDFLAGS)" all
	@ci/run-asan.sh build-asan

asan-unit:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="$(ASAN_OPT)" LDFLAGS="$(ASAN_LDFLAGS)" all
	@ci/run-asan.sh --unit build-asan

# libFuzzer needs clang (ci/install-deps.sh installs it); the library is
# instrumented into build-fuzz/, corpora and crash files stay there.
fuzz: deps
	@ci/run-fuzz.sh $(SECONDS)

# Its own build, with the depth limit of make asan (the same scale of the
# pathological inputs, see ci/valgrind-e2e.sh).
valgrind:
	@$(MAKE) --no-print-directory BUILD=build-valgrind OPT="-O2 -g -DGK_SQL_MAX_DEPTH=30000" all
	@ci/valgrind-e2e.sh build-valgrind

demo: deps
	@$(MAKE) --no-print-directory all
	@ci/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD)

# The manual page and the completions are written by the binary from the
# option tables that make its --help (cmd/gatekeeper/cmd_help.c), so they
# cannot drift from it; testdata/e2e/make-install checks them.
DOCS := $(BUILD)/doc/gatekeeper.1 $(BUILD)/doc/gatekeeper.bash $(BUILD)/doc/_gatekeeper $(BUILD)/doc/gatekeeper.fish

$(BUILD)/doc/gatekeeper.1: $(BUILD)/gatekeeper
	@mkdir -p $(dir $@)
	$(BUILD)/gatekeeper help --man >$@.tmp && mv $@.tmp $@
$(BUILD)/doc/gatekeeper.bash: $(BUILD)/gatekeeper
	@mkdir -p $(dir $@)
	$(BUILD)/gatekeeper completion bash >$@.tmp && mv $@.tmp $@
$(BUILD)/doc/_gatekeeper: $(BUILD)/gatekeeper
	@mkdir -p $(dir $@)
	$(BUILD)/gatekeeper completion zsh >$@.tmp && mv $@.tmp $@
$(BUILD)/doc/gatekeeper.fish: $(BUILD)/gatekeeper
	@mkdir -p $(dir $@)
	$(BUILD)/gatekeeper completion fish >$@.tmp && mv $@.tmp $@

install: $(BUILD)/gatekeeper $(DOCS)
	install -D -m 0755 $(BUILD)/gatekeeper $(DESTDIR)$(PREFIX)/bin/gatekeeper
	install -D -m 0644 $(BUILD)/doc/gatekeeper.1 $(DESTDIR)$(PREFIX)/share/man/man1/gatekeeper.1
	install -D -m 0644 $(BUILD)/doc/gatekeeper.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gatekeeper
	install -D -m 0644 $(BUILD)/doc/_gatekeeper $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_gatekeeper
	install -D -m 0644 $(BUILD)/doc/gatekeeper.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/gatekeeper.fish

# Too slow for make check (a Debian root, a build, a replay): see ci/image-test.sh.
image-test:
	@ci/image-test.sh

clean:
	rm -rf build build-asan build-fuzz build-valgrind

# The headers each object, test and fuzz target was built from (-MMD above).
-include $(shell find $(BUILD)/obj $(BUILD)/test $(BUILD)/fuzz -name '*.d' 2>/dev/null)
