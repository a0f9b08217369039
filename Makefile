# Earshot — build, install and uninstall the service.
#   make                      release build of earshot, earshotd, earshot-train
#   sudo make install         binaries, systemd units (earshot.service, and earshot@.service for one earshotd
#                             per microphone), journal catalog, default config (only if absent),
#                             default model, hook examples, the demo recording and the documentation
#                             (README.md and the documents it links to); then journalctl --update-catalog and
#                             systemctl daemon-reload (when systemd runs and DESTDIR is empty)
#   sudo make uninstall       removes all of that except /etc/earshot (your config) and /var/lib/earshot, and
#                             except files the Debian package owns (`dpkg -S`), if it is installed too
#   make test                 scripts/test.sh (set-up + the whole test suite)
#   make deb                  scripts/package-deb.sh: dist/earshot_<version>_<arch>.deb for boxes without a
#                             Swift toolchain (the Swift runtime linked in; apt install ./dist/earshot_*.deb)
# Variables: PREFIX (/usr/local), DESTDIR (staging root for packaging), SYSCONFDIR (/etc),
#   UNITDIR (/etc/systemd/system for PREFIX=/usr/local, else $(PREFIX)/lib/systemd/system),
#   CATALOGDIR (/usr/lib/systemd/catalog), SCRATCH (.build), BINSRC (where the built binaries are;
#   set it together with NOBUILD=1 to install binaries built elsewhere, e.g. a debug build in tests),
#   MULTICALL (empty: the three programs are installed as built; earshot-multicall: that one binary, the three
#   in one, is built and installed once, as BINDIR/earshot with earshotd and earshot-train hard links to it —
#   what scripts/package-deb.sh ships, so the Swift runtime linked in is on disk once).

PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc
UNITDIR    ?= $(if $(filter /usr/local,$(PREFIX)),/etc/systemd/system,$(PREFIX)/lib/systemd/system)
CATALOGDIR ?= /usr/lib/systemd/catalog
BINDIR     := $(PREFIX)/bin
DATADIR    := $(PREFIX)/share/earshot
DOCDIR     := $(PREFIX)/share/doc/earshot
SWIFT      ?= swift
SCRATCH    ?= .build
BINSRC     ?= $(SCRATCH)/release
NOBUILD    ?=
MULTICALL  ?=
INSTALL    ?= install

BINARIES := earshot earshotd earshot-train
MODEL    := models/earshot-default.safetensors
UNIT     := systemd/earshot.service
INSTANCE := systemd/instance.sed
CATALOG  := systemd/earshot.catalog
CONFIG   := config/earshot.yaml
HOOKS    := $(wildcard config/hooks/*.sh)
# The demo recording (12 s, 200 KB: one gunshot event), for checking detection on the box; its sources and their
# licences are in demo/README.md, installed with the documentation.
DEMO     := demo/demo-gunshots.flac
# The README (the unit's and the journal catalog's documentation page) and every document it links to, installed
# into DOCDIR at the same paths relative to it, so that its links work there; config/earshot.yaml joins them (the
# copy in DATADIR, as shipped).
DOCS     := README.md BENCHMARKS.md models/README.md models/EXPERIMENTS.md config/hooks/README.md \
            reports/latest/report.md $(wildcard reports/latest/*.svg) $(wildcard docs/benchmarks/*.md) \
            demo/README.md

.PHONY: all build install uninstall test deb clean

all: build

build:
ifeq ($(NOBUILD),)
ifeq ($(MULTICALL),)
	$(SWIFT) build -c release --scratch-path $(SCRATCH) --product earshot
	$(SWIFT) build -c release --scratch-path $(SCRATCH) --product earshotd
	$(SWIFT) build -c release --scratch-path $(SCRATCH) --product earshot-train
else
	$(SWIFT) build -c release --scratch-path $(SCRATCH) --product $(MULTICALL)
endif
endif

install: build
	@for f in $(UNIT) $(INSTANCE) $(CATALOG) $(CONFIG) $(DEMO) $(DOCS); do \
	  test -f "$$f" || { echo "make install: $$f is missing from the checkout" >&2; exit 1; }; done
	$(INSTALL) -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(DATADIR)/hooks' '$(DESTDIR)$(UNITDIR)' \
	  '$(DESTDIR)$(CATALOGDIR)' '$(DESTDIR)$(SYSCONFDIR)/earshot' '$(DESTDIR)$(DOCDIR)'
ifeq ($(MULTICALL),)
	for b in $(BINARIES); do $(INSTALL) -m 0755 '$(BINSRC)'/$$b '$(DESTDIR)$(BINDIR)'/$$b || exit 1; done
else
	$(INSTALL) -m 0755 '$(BINSRC)/$(MULTICALL)' '$(DESTDIR)$(BINDIR)/earshot'
	for b in $(filter-out earshot,$(BINARIES)); do ln -f '$(DESTDIR)$(BINDIR)/earshot' '$(DESTDIR)$(BINDIR)'/$$b || exit 1; done
endif
	sed -e 's|/usr/local/bin/earshotd|$(BINDIR)/earshotd|g' -e 's|/usr/local/share/earshot|$(DATADIR)|g' \
	  -e 's|/usr/local/share/doc/earshot|$(DOCDIR)|g' \
	  $(UNIT) > '$(DESTDIR)$(UNITDIR)/earshot.service'
	sed -f $(INSTANCE) '$(DESTDIR)$(UNITDIR)/earshot.service' > '$(DESTDIR)$(UNITDIR)/earshot@.service'
	chmod 0644 '$(DESTDIR)$(UNITDIR)/earshot.service' '$(DESTDIR)$(UNITDIR)/earshot@.service'
	sed -e 's|/usr/local/share/doc/earshot|$(DOCDIR)|g' $(CATALOG) > '$(DESTDIR)$(CATALOGDIR)/earshot.catalog'
	chmod 0644 '$(DESTDIR)$(CATALOGDIR)/earshot.catalog'
	sed -e 's|as shipped (/usr/local/share/earshot/|as shipped ($(DATADIR)/|' $(CONFIG) > '$(DESTDIR)$(DATADIR)/earshot.yaml'
	chmod 0644 '$(DESTDIR)$(DATADIR)/earshot.yaml'
	for f in $(DOCS); do $(INSTALL) -D -m 0644 $$f '$(DESTDIR)$(DOCDIR)'/$$f || exit 1; done
	$(INSTALL) -D -m 0644 '$(DESTDIR)$(DATADIR)/earshot.yaml' '$(DESTDIR)$(DOCDIR)/$(CONFIG)'
	@if [ -e '$(DESTDIR)$(SYSCONFDIR)/earshot/earshot.yaml' ]; then \
	  echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/earshot/earshot.yaml (the new default is in $(DATADIR)/earshot.yaml)"; \
	else $(INSTALL) -m 0644 '$(DESTDIR)$(DATADIR)/earshot.yaml' '$(DESTDIR)$(SYSCONFDIR)/earshot/earshot.yaml'; fi
	@if [ -f $(MODEL) ]; then $(INSTALL) -m 0644 $(MODEL) '$(DESTDIR)$(DATADIR)/earshot-default.safetensors'; \
	else echo "make install: WARNING: $(MODEL) not found — train one (earshot-train) or set model: in the config" >&2; fi
	for h in $(HOOKS); do $(INSTALL) -m 0755 $$h '$(DESTDIR)$(DATADIR)/hooks/' || exit 1; done
	$(INSTALL) -m 0644 $(DEMO) '$(DESTDIR)$(DATADIR)/demo-gunshots.flac'
	$(INSTALL) -m 0644 config/hooks/README.md '$(DESTDIR)$(DATADIR)/hooks/README.md'
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	  echo "journalctl --update-catalog && systemctl daemon-reload"; \
	  journalctl --update-catalog && systemctl daemon-reload; \
	  echo "Installed. Next: edit $(SYSCONFDIR)/earshot/earshot.yaml (earshot devices; earshot check-config), then"; \
	  echo "  systemctl enable --now earshot && journalctl -u earshot -f"; \
	  echo "  (several microphones: /etc/earshot/NAME.yaml each, systemctl enable --now earshot@NAME)"; \
	fi

# The Debian package that owns path $(1) in the root uninstalled from (DESTDIR, else /), as `dpkg -S` knows it;
# fails when none does (or there is no dpkg). `make uninstall` leaves such files alone: after the .deb was
# installed over a `make install`, they are the package's (QA 7 finding 10: the journal catalog went missing).
dpkg_owner = dpkg --root='$(or $(DESTDIR),/)' -S "$(1)" 2>/dev/null | sed -n '1s/:.*//p' | grep .

# Every earshotd, as packaging/debian/prerm finds them: earshot.service, each earshot@NAME loaded (running or
# not) and each enabled but not loaded (its symlink in /etc/systemd/system/*.wants). One unit at a time, so a
# unit file already gone does not keep the others running.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then units=earshot.service; \
	  for u in $$(systemctl list-units --all --plain --no-legend 'earshot@*.service' 2>/dev/null | cut -d' ' -f1) \
	           $$(ls /etc/systemd/system/*.wants 2>/dev/null | grep '^earshot@.*\.service$$'); do \
	    case " $$units " in *" $$u "*) ;; *) units="$$units $$u" ;; esac; \
	  done; \
	  for u in $$units; do echo "systemctl disable --now $$u"; systemctl disable --now "$$u" || true; done; fi
	@for p in $(addprefix $(BINDIR)/,$(BINARIES)) $(UNITDIR)/earshot.service $(UNITDIR)/earshot@.service \
	          $(CATALOGDIR)/earshot.catalog $(DATADIR) $(DOCDIR); do \
	  if owner=$$($(call dpkg_owner,$$p)); then \
	    echo "keeping $(DESTDIR)$$p: the Debian package $$owner owns it (apt remove $$owner removes it)"; \
	  else echo "rm -rf $(DESTDIR)$$p"; rm -rf "$(DESTDIR)$$p"; fi; \
	done
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then journalctl --update-catalog; systemctl daemon-reload; fi
	@echo "Kept $(DESTDIR)$(SYSCONFDIR)/earshot (config) and /var/lib/earshot* (clips, metrics); remove them by hand if wanted."
	@if owner=$$($(call dpkg_owner,/usr/lib/systemd/system/earshot.service)); then \
	  echo "The Debian package $$owner is installed: its units and /usr/bin programs are now the ones in force."; \
	  echo "  If detectors were stopped above, start the package's: systemctl enable --now earshot (earshot@NAME each)"; fi

test:
	bash scripts/test.sh

deb:
	bash scripts/package-deb.sh

clean:
	rm -rf $(SCRATCH)
