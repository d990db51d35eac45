# CSO Recruit — developer commands. `make demo` to try it, `make test` to test it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install assets demo run test lint worker beat messages migrate bench clean

help:
	@echo "make demo    – install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make test    – run the test suite (SQLite unless DATABASE_URL is set)"
	@echo "make worker  – Celery worker (needs CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0)"
	@echo "make beat    – Celery beat (periodic reminders)"
	@echo "make lint    – ruff"
	@echo "make bench   – report render time and memory, page speed against the admin (bench/)"

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) assets

# Front-end assets come from npm packages (package.json), never from a CDN. Without npm the app
# still runs, unstyled, and says so.
assets:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -d node_modules/bootstrap ] || [ package.json -nt node_modules/.package-lock.json ]; then \
	    npm install --no-audit --no-fund --silent; fi; \
	else echo "npm not found: pages will be unstyled (Bootstrap comes from npm)."; fi

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: install messages
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 — log in with one of the demo logins above."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

run: migrate
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Tests run on every core (pytest-xdist); the tests that start a real Celery worker share one group
# so that two of them never consume each other's tasks on the same Redis database.
PYTEST_WORKERS ?= auto
test: install messages
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A cso_recruit worker -l info -Q celery,reports --max-tasks-per-child=50

beat: install
	$(BIN)/celery -A cso_recruit beat -l info

bench: install messages
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/pages_bench.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
