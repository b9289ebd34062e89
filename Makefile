# SPDX-License-Identifier: MIT
# mailsleuth - plain GNU make.
#   make                      build ./mailsleuth
#   make test                 unit + golden tests (last line: "N passed, N failed")
#   make SANITIZE=address,undefined test
#   make DEVELOPER=1          warnings are errors
#   make install PREFIX=/usr/local DESTDIR=
#   make deps                 install the Debian build dependencies (apt-get)
#   make deps-browser         optional: chromium, to render the HTML report in a test
#   make fuzz                 libFuzzer targets (clang)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC      ?= cc
PKGS    := libpcre2-8 libzstd libarchive libcjson sqlite3 zlib liblzma
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT     ?= -O3
CFLAGS  ?= $(OPT) -g
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wvla -Wundef -Wno-unused-parameter -Wno-format-nonliteral
ifeq ($(DEVELOPER),1)
WARN    += -Werror
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -pthread -MMD -MP
LDLIBS  := $(PKG_LIBS) -lbz2 -pthread -lm

# Sanitizer builds live in their own tree so they never mix with plain objects.
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
B   := build-san
BIN := build-san/mailsleuth
else
B   := build
BIN := mailsleuth
endif

LIBDIRS := util parser input store report ingest cmd
LIB_SRC := $(filter-out cmd/main.c,$(wildcard $(addsuffix /*.c,$(LIBDIRS))))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
MAIN_OBJ := $(B)/cmd/main.o
TEST_SRC := $(wildcard tests/unit/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)

all: $(BIN)

# The compiler and flags of the objects in $(B): rewritten (so everything is
# rebuilt) only when they change, e.g. OPT=-O2 or CC=clang after a default build.
FLAGS_STAMP := $(B)/.cflags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS)' > $@

$(B)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libmailsleuth.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(B)/libmailsleuth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/unit_tests: $(TEST_OBJ) $(B)/libmailsleuth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench/gen: bench/gen.c
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o $@ $<

# bench/run: generate ~1 GB once (bench/data/), time ingest and reports, check the truth.
#   make bench BENCH_ARGS='--size 50M --runs 1'
bench: $(BIN) bench/gen
	bench/run $(BENCH_ARGS)

# optional tools bench/run uses when present (peer, timing); never needed to build
bench-deps:
	apt-get install -y --no-install-recommends time pflogsumm zstd gzip sqlite3

test: $(BIN) $(B)/unit_tests
	@MAILSLEUTH=$(BIN) UNIT=$(B)/unit_tests bash tests/run.sh

deps:
	apt-get update
	apt-get install -y --no-install-recommends build-essential pkg-config \
	    libpcre2-dev libzstd-dev libarchive-dev libcjson-dev libsqlite3-dev zlib1g-dev liblzma-dev libbz2-dev \
	    sqlite3 zstd xz-utils bzip2 lz4 gzip time python3 tzdata

# optional: tests/golden/report-html-chromium renders the HTML report headless
deps-browser:
	apt-get update
	apt-get install -y --no-install-recommends chromium

install: mailsleuth
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPDIR)
	install -m 0755 mailsleuth $(DESTDIR)$(BINDIR)/mailsleuth
	install -m 0644 docs/mailsleuth.1 $(DESTDIR)$(MANDIR)/man1/mailsleuth.1
	install -m 0644 docs/mailsleuth.bash-completion $(DESTDIR)$(COMPDIR)/mailsleuth

FUZZ_CC ?= clang
# Library objects are built once with coverage + ASan + UBSan (UB aborts) into
# build/fuzz/obj/ and archived, so a target links only the objects it needs.
FUZZ_B  := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) $(PKG_CFLAGS) -pthread
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_B)/obj/%.o)
FUZZ_TARGETS := $(patsubst fuzz/%.c,$(FUZZ_B)/%,$(wildcard fuzz/fuzz_*.c))
fuzz: $(FUZZ_TARGETS)
$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_B)/libfuzz.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_B)/libfuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_B)/libfuzz.a $(LDLIBS)

clean:
	rm -rf build build-san mailsleuth bench/gen

.PHONY: all test deps deps-browser install clean fuzz bench bench-deps FORCE
FORCE:

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
