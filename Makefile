# Anticafe: `make run` (install, migrate, seed demo data, serve) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
VENDOR := anticafe/static/vendor
# pytest workers; the PostgreSQL server and Chromium start once per worker
PYTEST_WORKERS ?= 2

.PHONY: install vendor translations run serve migrate seed test test-fast test-clock lint bench clean

install: $(VENV)/.installed node_modules/.installed vendor translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end packages come from the npm registry and are served by the app (never from a CDN).
vendor: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/@picocss/pico/css/pico.min.css $(VENDOR)/
	cp node_modules/@zxing/browser/umd/zxing-browser.min.js $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/fonts
	cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf $(VENDOR)/fonts/
	# The brand's type (SIL OFL 1.1): Unbounded for headings, Onest for text; Cyrillic and Latin subsets.
	for w in 400 700 800; do for s in cyrillic latin; do \
	  cp node_modules/@fontsource/unbounded/files/unbounded-$$s-$$w-normal.woff2 $(VENDOR)/fonts/; done; done
	for w in 400 600 700; do for s in cyrillic latin; do \
	  cp node_modules/@fontsource/onest/files/onest-$$s-$$w-normal.woff2 $(VENDOR)/fonts/; done; done

translations: $(VENV)/.installed
	$(FLASK) i18n compile

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: seed
	@echo "Anticafe at http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m ruff check anticafe tests bench
	$(FLASK) i18n check
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# SQLite only, no browser: a quick loop while developing.
test-fast: install
	ANTICAFE_TEST_DBS=sqlite $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not browser"

# The fast suite again with the app's clock (anticafe/clock.py) at a hard moment: by default 23:30 venue time
# on New Year's Eve; `make test-clock CLOCK=2028-02-29T00:30` for a leap day just after midnight.
CLOCK ?= 2026-12-31T23:30
test-clock: install
	ANTICAFE_NOW=$(CLOCK) ANTICAFE_TEST_DBS=sqlite $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not browser" -q

lint: install
	$(PY) -m ruff check anticafe tests bench
	$(VENV)/bin/lint-imports

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
