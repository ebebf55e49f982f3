# Installs mvx like any other tool:
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [PROFILE=release]
#   make uninstall [PREFIX=/usr/local] [DESTDIR=]
#
# PREFIX/bin:            mvx, mvx-cc, cargo-mvx
# PREFIX/lib/mvx:        libmvx_preload.so, libmvx_heappad.so, libmvx_sync.a and .so (the runtime), the clang
#                        plugins libmvx_pragma.so, libmvx_autosync.so, libmvx_layout.so and libmvx_stackpad.so (where LLVM 19 was found)
# PREFIX/include:        mvx.h
# PREFIX/lib/pkgconfig:  mvx.pc (pkg-config --cflags --libs mvx)
# PREFIX/share:          man pages (man1) and bash, zsh and fish completions
#
# mvx and mvx-cc find their libraries relative to their own directory (bin/../lib/mvx), so the
# tree can be moved as a whole. PROFILE=debug installs cargo's debug build (the tests do, to
# avoid a release build); CARGO_TARGET_DIR is honoured.

PREFIX ?= /usr/local
DESTDIR ?=
PROFILE ?= release
CARGO ?= cargo
CARGO_TARGET_DIR ?= target

ifeq ($(PROFILE),debug)
CARGO_PROFILE := --profile dev
else
CARGO_PROFILE := --profile $(PROFILE)
endif

BUILD := $(CARGO_TARGET_DIR)/$(PROFILE)
ROOT := $(DESTDIR)$(PREFIX)
BINDIR := $(ROOT)/bin
LIBDIR := $(ROOT)/lib/mvx
INCLUDEDIR := $(ROOT)/include
PKGCONFIGDIR := $(ROOT)/lib/pkgconfig
MANDIR := $(ROOT)/share/man/man1
BASH_COMPLETIONS := $(ROOT)/share/bash-completion/completions
ZSH_COMPLETIONS := $(ROOT)/share/zsh/site-functions
FISH_COMPLETIONS := $(ROOT)/share/fish/vendor_completions.d

PACKAGES := -p mvx-monitor -p mvx-preload -p mvx-heappad -p mvx-c-shim -p mvx-llvm-pass -p cargo-mvx
BINARIES := mvx mvx-cc cargo-mvx
LIBRARIES := libmvx_preload.so libmvx_heappad.so libmvx_sync.a libmvx_sync.so
PLUGINS := libmvx_pragma.so libmvx_autosync.so libmvx_layout.so libmvx_stackpad.so
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

all: build

build:
	$(CARGO) build $(CARGO_PROFILE) $(PACKAGES)

install: build
	install -d $(BINDIR) $(LIBDIR) $(INCLUDEDIR) $(PKGCONFIGDIR) $(MANDIR) \
		$(BASH_COMPLETIONS) $(ZSH_COMPLETIONS) $(FISH_COMPLETIONS)
	install -m 755 $(addprefix $(BUILD)/,$(BINARIES)) $(BINDIR)/
	install -m 644 $(addprefix $(BUILD)/,$(LIBRARIES)) $(LIBDIR)/
	@for p in $(PLUGINS); do \
		if [ -f $(BUILD)/$$p ]; then install -m 644 $(BUILD)/$$p $(LIBDIR)/; \
		else echo "make: $$p was not built (no llvm-config-19): mvx-cc will not work"; fi; \
	done
	install -m 644 c-shim/include/mvx.h $(INCLUDEDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' c-shim/mvx.pc.in > $(PKGCONFIGDIR)/mvx.pc
	chmod 644 $(PKGCONFIGDIR)/mvx.pc
	$(BUILD)/mvx man $(MANDIR)
	$(BUILD)/mvx completions bash > $(BASH_COMPLETIONS)/mvx
	$(BUILD)/mvx completions zsh > $(ZSH_COMPLETIONS)/_mvx
	$(BUILD)/mvx completions fish > $(FISH_COMPLETIONS)/mvx.fish

uninstall:
	rm -f $(addprefix $(BINDIR)/,$(BINARIES))
	rm -f $(addprefix $(LIBDIR)/,$(LIBRARIES) $(PLUGINS))
	-rmdir $(LIBDIR) 2>/dev/null
	rm -f $(INCLUDEDIR)/mvx.h $(PKGCONFIGDIR)/mvx.pc
	rm -f $(MANDIR)/mvx.1 $(MANDIR)/mvx-*.1
	rm -f $(BASH_COMPLETIONS)/mvx $(ZSH_COMPLETIONS)/_mvx $(FISH_COMPLETIONS)/mvx.fish

.PHONY: all build install uninstall
