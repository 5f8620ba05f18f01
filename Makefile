# Ancha — the two commands: `make demo` and `make test`. Everything else they need, they install.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
APT_PACKAGES := fonts-noto-cjk fonts-arphic-ukai libharfbuzz-subset0 poppler-utils zbar-tools chromium
BENCH_APT_PACKAGES := libreoffice-writer-nogui
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install system-packages fonts demo lint test bench clean

# Each step that takes more than a few seconds says what it is doing, so an install never
# sits silent; steps with nothing to do pass quietly.
# `install` migrates the database too (DESIGN §4's contract for the target).
install: system-packages .venv/.installed var/fonts/.built
	@echo "==> database: applying migrations"
	@start=$$(date +%s); DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput -v0 \
		&& echo "    migrations done ($$(( $$(date +%s) - start )) s)"

# Debian packages the PDFs and the browser tests need, installed only when missing.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "==> system packages: installing $$missing (apt, a minute or two)"; \
		if [ "$$(id -u)" != 0 ]; then echo "run as root (or install: $$missing)"; exit 1; fi; \
		start=$$(date +%s); \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
			&& echo "    system packages done ($$(( $$(date +%s) - start )) s)"; \
	fi

# uv (a build tool only: it installs the same packages from the same indexes, ~5 s where pip takes
# ~45 s) is itself installed with pip; uv reads pip's configuration (find-links, indexes, constraints)
# passed on from `pip config list`, and considers every index as pip does. If uv cannot be installed
# or fails, pip does the install as before.
.venv/.installed: pyproject.toml
	@test -x $(PY) || { echo "==> python: creating .venv"; python3 -m venv .venv; }
	@echo "==> python: installing the project and its dev tools (uv, or pip if uv is unavailable)"
	@start=$$(date +%s); \
	if $(PY) -m pip install -q uv && .venv/bin/uv --version >/dev/null 2>&1; then \
		echo "    uv installed ($$(( $$(date +%s) - start )) s); installing the packages"; \
		opts=$$($(PY) -m pip config list 2>/dev/null \
			| sed -nE "s/^[^.]*\.(find-links|index-url|extra-index-url|constraint)='(.*)'$$/\1 \2/p" \
			| while read -r key values; do for v in $$values; do echo "--$$key $$v"; done; done | sort -u); \
		if .venv/bin/uv pip install -q --python $(PY) --native-tls --index-strategy unsafe-best-match \
				$$opts -e ".[dev,postgres]"; then \
			echo "    python packages done with uv ($$(( $$(date +%s) - start )) s)"; touch $@; exit 0; \
		fi; \
		echo "    uv failed; installing with pip instead (about a minute)"; \
	else echo "    uv unavailable; installing with pip instead (about a minute)"; fi; \
	$(PY) -m pip install -q --upgrade pip \
		&& $(PY) -m pip install -q --progress-bar off -e ".[dev,postgres]" \
		&& echo "    python packages done with pip ($$(( $$(date +%s) - start )) s)"
	@touch $@

# A subset of the CJK faces, built once with HarfBuzz (seconds; skipped when the source fonts'
# hashes match var/fonts/manifest.json): it makes each PDF ~2x faster and smaller.
var/fonts/.built: .venv/.installed inspection/notices/fontbuild.py
	@echo "==> fonts: building the notice font subsets"
	@$(PY) -m inspection.notices.fonts build
	@mkdir -p var/fonts && touch $@

# After a county drops its licensed letter faces into var/letter-fonts (ANCHA_LETTER_FONTS_DIR):
# cut them into the cache too (unchanged files are skipped by hash), then restart the server.
fonts: .venv/.installed
	@echo "==> fonts: building the notice font subsets and any licensed letter faces"
	@$(PY) -m inspection.notices.fonts build
	@mkdir -p var/fonts && touch var/fonts/.built

# The letters print and QR-code the address they are verified at: in the demo, the one it is served on.
demo: export ANCHA_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
demo: install
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	@echo "Ancha is at http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The import contracts in pyproject.toml (pure core, layers), before the suite.
lint: install
	.venv/bin/lint-imports --no-cache

test: install lint
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: install
	@missing=$$(for p in $(BENCH_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	$(PY) -m pip install -q -e ".[dev,postgres,bench]"
	$(PY) -m bench

clean:
	rm -rf .venv var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
