# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Two workers (one per core here), each with its own database; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
# Keep compiled bytecode (__pycache__, ignored by git) even where the shell says not to: the
# suite starts dozens of Python processes (workers, servers, CLI runs), and each would compile
# the app and pytest would rewrite every test module again (about 0.5 s of CPU per process).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test e2e lint format bench install clean-db vendor translations compile-translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-install when pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[serve]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,serve,redis]'
	@touch $@ $(VENV)/.installed-app

install: $(VENV)/.installed-app

# Third-party browser assets from npm (package.json), copied into static/vendor/ (gitignored):
# the QR decoder the scanner page uses where the browser has no BarcodeDetector.
static/vendor/jsQR.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --silent && mkdir -p static/vendor && cp node_modules/jsqr/dist/jsQR.js $@; \
	else \
		echo "npm not found: the scanner page will rely on the browser's BarcodeDetector (install Node.js for the fallback decoder)"; \
	fi

vendor: static/vendor/jsQR.js

# Languages (conference/i18n.py): the French and German catalogues are kept in the repository as
# .po files; their compiled .mo files are built here, never committed.
TRANSLATIONS := conference/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed-app
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $*
compile-translations: $(MO_FILES)

## translations: extract the strings of the code and templates, and update the catalogues
## (then translate what is new or fuzzy in $(TRANSLATIONS)/{fr,de}/LC_MESSAGES/messages.po)
translations: $(VENV)/.installed-app
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -d $(TRANSLATIONS) -i $(TRANSLATIONS)/messages.pot

# FLASK_RUN_HOST/PORT tell `flask run` where to listen and the development configuration where
# links in mail, feeds and badges point (PUBLIC_BASE_URL, unless it is set).
RUN_ENV := CONFERENCE_ENV=development FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT)

## run: install, migrate the SQLite default, seed the demo and serve on http://127.0.0.1:5000
## (HOST=... PORT=... to serve elsewhere; links follow)
run: $(VENV)/.installed-app vendor compile-translations
	$(RUN_ENV) $(BIN)/flask --app conference db upgrade
	$(RUN_ENV) $(BIN)/flask --app conference demo
	@echo
	@echo "  Serving the demo on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo
	$(RUN_ENV) $(BIN)/flask --app conference run

# Real client parsers the tests check our output with (ical.js reads feeds as Thunderbird does).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
	@touch $@

## test: install the test dependencies and run the whole suite (DATABASE_URL selects PostgreSQL)
test: $(VENV)/.installed-test vendor compile-translations tests/js/node_modules/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## e2e: only the browser journeys and accessibility checks (needs /usr/bin/chromium)
e2e: $(VENV)/.installed-test vendor compile-translations
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

## lint: style, format, and the direction of imports (contracts in pyproject.toml, docs/architecture.md)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-db:
	rm -f instance/conference.sqlite3*

## bench: time what users feel on the shared workload (w400 and w5000, or WORKLOAD=file.json);
## prints a table and writes bench/results/<date>-<commit>.json. DATABASE_URL runs it on PostgreSQL.
bench: $(VENV)/.installed-test compile-translations
	$(BIN)/python -m bench.run $(if $(WORKLOAD),--workload $(WORKLOAD),)
	$(MAKE) bench-load
	$(MAKE) bench-proxy
	$(BIN)/python -m bench.agenda_stress $(if $(DATABASE_URL),--database-url $(DATABASE_URL))
	$(BIN)/python -m bench.memory $(if $(DATABASE_URL),--database-url $(DATABASE_URL))
	$(if $(filter postgres%,$(DATABASE_URL)),$(MAKE) bench-chaos)

## bench-chaos (part of `make bench` on PostgreSQL): the registration rush with 4 workers while
## one is SIGKILLed every 4 s and PostgreSQL restarts once; mail really sent and counted (needs
## root for pg_ctlcluster; restarts the local cluster). CHAOS_ARGS: e.g. --attendees 300
CHAOS_ARGS ?=
.PHONY: bench-chaos
bench-chaos: $(VENV)/.installed-test
	$(BIN)/python -m bench.chaos --database-url $(or $(DATABASE_URL),postgresql://postgres@127.0.0.1:5432/test) $(if $(REDIS_URL),--redis-url $(REDIS_URL)) $(CHAOS_ARGS)

# --- Security and reliability (issue #9) -------------------------------------------------------
.PHONY: bench-load bench-proxy audit lock
LOAD_ARGS ?=

## bench-load (part of `make bench`): 1,500 attendees registering and booking in 60 s, then 2,000 entrance scans in
## 10 minutes from 6 scanners, against gunicorn (2 workers) on 127.0.0.1; p50/p95/p99 and the
## invariants (exit 1 on a violation). DATABASE_URL: a PostgreSQL server to use (a fresh
## database is created there and dropped); LOAD_ARGS: e.g. --scan-seconds 120
bench-load: $(VENV)/.installed-app
	$(BIN)/python -m bench.load $(if $(DATABASE_URL),--database-url $(DATABASE_URL)) $(LOAD_ARGS)

## bench-proxy (part of `make bench`): the documented production shape, gunicorn
## (deploy/gunicorn.conf.py) behind nginx (deploy/nginx.conf, needs /usr/sbin/nginx) on loopback
## ports: forwarded headers, 16 slow clients of each kind (a normal request must take < 1 s),
## 40 kept-alive connections reused around gunicorn's keep-alive timeout (0 drops). Exit 1 on a
## failure; gunicorn alone is measured too, for comparison. PROXY_ARGS: e.g. --workers 4
PROXY_ARGS ?=
bench-proxy: $(VENV)/.installed-app
	$(BIN)/python -m bench.proxy_check $(PROXY_ARGS)
## deploy-check: run the reference deployment of docs/deployment.md (gunicorn 4 workers, task
## worker, Redis) against DATABASE_URL, which it EMPTIES, and check mail, limits, jobs, backups
.PHONY: deploy-check
deploy-check: $(VENV)/.installed-test
	$(BIN)/python -m bench.deploy_check --database-url $(DATABASE_URL) --wipe

## audit: bandit on the code (fails on a high-severity finding) and pip-audit on the pinned
## runtime dependencies (needs PyPI's vulnerability data: see docs/security.md)
audit: $(VENV)/.installed-test
	$(BIN)/bandit -r conference -lll -q
	$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip

## lock: pin the runtime dependencies again into requirements.lock (from a clean venv)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[serve]'
	{ echo "# Runtime dependencies of conference (pip install -e '.[serve]'), pinned: audited by"; \
	  echo "# 'make audit' (pip-audit -r requirements.lock). Refresh: make lock."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .venv-lock
