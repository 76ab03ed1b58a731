# Two commands set everything up on a fresh machine: `make run` (the demo) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= $(CURDIR)/demo.sqlite3
DEMO_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(DEMO_DB) CELERY_BROKER_URL=
TEST_ENV := SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	ALLOWED_HOSTS=testserver,127.0.0.1,localhost \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/idadmin} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15} \
	SECURE_SSL_REDIRECT=0 LOG_FORMAT=text

# The suite runs on two processes (pytest-xdist); `make test PYTEST_ARGS="tests/tenants -x"` runs a part.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: run manage test install install-dev clean bench fuzz

$(BIN)/python:
	@echo "First run: creating .venv and installing the packages (about a minute; later runs skip this)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	@echo "Installing the project's packages into .venv..."
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	@echo "Preparing the demo database (demo.sqlite3)..."
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C to stop). Sign in at http://127.0.0.1:8000/console/ with the e-mail and password above."
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Any manage.py command against the demo database, e.g. `make manage CMD="seed_demo --json"` or
# `make manage CMD=createsuperuser` (a staff account for /admin/).
CMD ?= help
manage: install
	@$(DEMO_ENV) $(BIN)/python manage.py $(CMD)

# axe-core (the browser tests' accessibility check) from npm, pinned by package-lock.json.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test: install-dev node_modules/axe-core/axe.min.js
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The hostile-input fuzzer against a live server, bigger than the suite's run (FUZZ_EXAMPLES per target);
# counts of inputs and 5xx answers land in tests/artifacts/fuzz-summary.json.
FUZZ_EXAMPLES ?= 5000
fuzz: install-dev
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s tests/scim/test_live_fuzz.py

clean:
	rm -rf $(VENV) demo.sqlite3 staticfiles

# The SCIM benchmark (bench/README.md): seeds its own database (idadmin_bench, dropped and refilled),
# then serves it with gunicorn and measures each scenario. BENCH_USERS=1000000 BENCH_ORGS=1000 for the full size.
BENCH_USERS ?= 200000
BENCH_ORGS ?= 200
bench: install-dev
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/idadmin_bench} $(BIN)/python -m bench seed \
		--users $(BENCH_USERS) --orgs $(BENCH_ORGS) --interleave --reset
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/idadmin_bench} $(BIN)/python -m bench run
