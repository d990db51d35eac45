# CSO Recruit — developer commands. `make demo` to try it, `make test` to test it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Development targets run with DEBUG on (settings default it off); `make serve`/`make up` turn it off.
DEV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}

.PHONY: help install assets demo run test lint worker beat messages migrate bench clean serve up

help:
	@echo "make demo    – install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make test    – run the test suite (SQLite unless DATABASE_URL is set)"
	@echo "make worker  – Celery worker (needs CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0)"
	@echo "make beat    – Celery beat (periodic reminders)"
	@echo "make serve   – as in production: DEBUG off, gunicorn, collected static files (http://127.0.0.1:8000)"
	@echo "make up      – as in production: web, worker and beat together (needs DATABASE_URL, CELERY_BROKER_URL)"
	@echo "make lint    – ruff, and the app graph (import-linter)"
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
	$(DEV) $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: install messages
	$(DEV) $(BIN)/python manage.py migrate --noinput

# PORT=8731 make demo serves elsewhere than 8000.
demo: migrate
	$(DEV) SITE_URL=$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}} $(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$${PORT:-8000} — log in with one of the demo logins above."
	$(DEV) SITE_URL=$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}} $(BIN)/python manage.py runserver 127.0.0.1:$${PORT:-8000}

run: migrate
	$(DEV) SITE_URL=$${SITE_URL:-http://127.0.0.1:$${PORT:-8000}} $(BIN)/python manage.py runserver 127.0.0.1:$${PORT:-8000}

# Tests run on every core (pytest-xdist); the tests that start a real Celery worker share one group
# so that two of them never consume each other's tasks on the same Redis database.
PYTEST_WORKERS ?= auto
test: install messages
	$(DEV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --cov --cov-report=term $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

worker: install
	$(DEV) $(BIN)/celery -A cso_recruit worker -l info -Q celery,reports --max-tasks-per-child=50

beat: install
	$(DEV) $(BIN)/celery -A cso_recruit beat -l info

bench: install messages
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/pages_bench.py
	$(BIN)/python bench/load_bench.py

# As in production (README, "Running as in production"): DEBUG off, migrations, static files collected
# with hashed names and .gz variants, then gunicorn (cso_recruit/gunicorn_conf.py: PORT,
# WEB_CONCURRENCY, GUNICORN_THREADS). For use on this machine over plain http: without
# DJANGO_SECRET_KEY (environment or .env) a random key is made for this run only, and
# DJANGO_SECURE_SSL_REDIRECT defaults to 0.
is_set = { test -n "$${$(1):-}" || grep -qs '^$(1)=.' .env; }
define as_production
export DJANGO_DEBUG=0; \
if ! $(call is_set,DJANGO_SECURE_SSL_REDIRECT); then export DJANGO_SECURE_SSL_REDIRECT=0; \
  echo "note: DJANGO_SECURE_SSL_REDIRECT=0 (plain http on this machine; set it to 1 behind https)"; fi; \
if ! $(call is_set,DJANGO_SECRET_KEY); then \
  echo "warning: DJANGO_SECRET_KEY is not set: using a random key for this run only (local use)" >&2; \
  DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))'); \
  export DJANGO_SECRET_KEY; fi; \
$(BIN)/python manage.py migrate --noinput && $(BIN)/python manage.py collectstatic --noinput -v 0
endef

serve: install messages
	@$(as_production) && exec $(BIN)/gunicorn --config python:cso_recruit.gunicorn_conf cso_recruit.wsgi

up: install messages
	@$(call is_set,DATABASE_URL) || { echo "make up needs DATABASE_URL (PostgreSQL), e.g." \
	  "postgres://postgres@127.0.0.1:5432/cso_recruit" >&2; exit 2; }
	@$(call is_set,CELERY_BROKER_URL) || { echo "make up needs CELERY_BROKER_URL (Redis), e.g." \
	  "redis://127.0.0.1:6379/0" >&2; exit 2; }
	@$(as_production) && PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start -f Procfile -p $${PORT:-8000}

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
