# Strongroom build.  `make run` and `make test` are the two commands a
# newcomer needs; both install the Debian packages first (tools/deps.sh).
.DEFAULT_GOAL := build
.PHONY: deps build run test unit integration e2e fuzz fuzz-build bench check clean san

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT ?= -O1 -g
else
BUILD ?= build
OPT ?= -O2 -g
endif

CC ?= cc
CPPFLAGS += -D_GNU_SOURCE -Ilib -I/usr/include/ClearSilver -I/usr/include/mariadb -I/usr/include/modbus
CFLAGS := -std=c17 $(OPT) -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lfcgi -lneo_cgi -lneo_cs -lneo_utl -lz -lmariadb -lsodium -ljansson -lpcre2-8 -lm

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A   := $(BUILD)/libstrongroom.a
PROGS   := backoffice api enroll mailroom kiosk
FCGI    := $(PROGS:%=$(BUILD)/bin/%.fcgi)
TOOLS   := $(BUILD)/bin/strongroomctl $(BUILD)/bin/trivial.fcgi $(BUILD)/bin/ledger-torture
DAEMONS := boardd boardsim notifyd fingerd
DAEMON_BIN := $(DAEMONS:%=$(BUILD)/bin/%)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

build: $(FCGI) $(DAEMON_BIN) $(TOOLS) $(UNIT)

$(BUILD)/%.o: %.c $(wildcard lib/*.h cgi-bin/*.h daemons/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# A program is cgi-bin/<name>.c plus any cgi-bin/<name>_*.c beside it.
prog_objs = $(patsubst cgi-bin/%.c,$(BUILD)/cgi-bin/%.o,$(wildcard cgi-bin/$(1).c cgi-bin/$(1)_*.c))
$(foreach p,$(PROGS),$(eval $(BUILD)/bin/$(p).fcgi: $(call prog_objs,$(p))))
$(BUILD)/bin/%.fcgi: $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LIB_A) $(LDLIBS) -o $@

# A daemon is every .c file under daemons/<name>/; boardd also speaks
# Modbus through libmodbus and runs a thread per bus; notifyd delivers
# through libcurl; fingerd runs libfprint on a thread of its own.
daemon_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard daemons/$(1)/*.c))
$(foreach d,$(DAEMONS),$(eval $(BUILD)/bin/$(d): $(call daemon_objs,$(d)) $(LIB_A)))
$(BUILD)/bin/boardd: LDLIBS += -lmodbus -lpthread
$(BUILD)/bin/notifyd: LDLIBS += -lcurl
# fingerd drives the reader through libfprint (GLib).  GLib's headers come
# in as system headers so -Werror judges our code only.
FPRINT_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libfprint-2 2>/dev/null))
$(call daemon_objs,fingerd): CPPFLAGS += $(FPRINT_CFLAGS)
$(BUILD)/bin/fingerd: LDLIBS += $(shell pkg-config --libs libfprint-2 2>/dev/null) -lpthread
$(DAEMON_BIN):
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LIB_A) $(LDLIBS) -o $@

$(BUILD)/bin/strongroomctl: $(BUILD)/tools/strongroomctl.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The benchmark's ceiling: the smallest possible FastCGI responder.
$(BUILD)/bin/trivial.fcgi: $(BUILD)/tests/load/trivial.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -lfcgi -o $@

# The ledger's property test and posting benchmark (tests/load/ledger_torture.c).
$(BUILD)/bin/ledger-torture: $(BUILD)/tests/load/ledger_torture.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

deps:
	@tools/deps.sh

run: deps
	@$(MAKE) --no-print-directory build
	@tools/stack run

unit: build
	@tools/run-unit $(BUILD)

integration: build
	@tools/run-tests integration

e2e: build
	@tools/run-tests e2e

test: deps
	@tools/test-all

fuzz-build:
	@$(MAKE) --no-print-directory -f tests/fuzz/Makefile

fuzz: fuzz-build
	@tests/fuzz/run $(or $(FUZZ_SECONDS),60)

bench: deps
	@$(MAKE) --no-print-directory build
	@tools/bench

check: deps
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -Ilib lib cgi-bin daemons tools tests/unit
	clang-tidy --quiet $(LIB_SRC) $(wildcard cgi-bin/*.c daemons/*/*.c) tools/strongroomctl.c -- $(CPPFLAGS) $(FPRINT_CFLAGS) -std=c17

clean:
	rm -rf build build-san build-fuzz
