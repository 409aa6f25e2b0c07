# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)


.PHONY: run worker serve serve-prod install messages makemessages setup test test-fast lint format check bench bench-export bench-classroom bench-cluster clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(MANAGE) compilemessages --ignore=.venv -v0

makemessages: install
	$(MANAGE) makemessages -l nb -l en --ignore=.venv --ignore=staticfiles --no-obsolete

setup: messages
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) create_signing_key
	$(MANAGE) load_programme
	$(MANAGE) seed_demo

run: setup
	@echo "Serving on http://127.0.0.1:8000/ — e-mails (sign-up verification links) are printed below."
	@echo "The background worker (attestation PDFs, e-mails) runs beside the server and stops with it."
	$(MANAGE) db_worker --no-startup-delay --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

worker: install
	$(MANAGE) db_worker

# Production (see README): the environment must hold the production settings' variables.
# Several of these can run behind a load balancer: they keep no state of their own.
serve-prod: install
	DJANGO_SETTINGS_MODULE=lms.settings.production $(MANAGE) check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=lms.settings.production $(MANAGE) compilemessages --ignore=.venv -v0
	DJANGO_SETTINGS_MODULE=lms.settings.production $(MANAGE) collectstatic --no-input -v0
	DJANGO_SETTINGS_MODULE=lms.settings.production $(MANAGE) migrate --no-input -v0
	DJANGO_SETTINGS_MODULE=lms.settings.production $(BIN)/gunicorn lms.wsgi:application \
		--bind $${BIND:-127.0.0.1:8000} --workers $${WEB_CONCURRENCY:-3} --access-logfile -

test: messages
	DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check $$(git ls-files '*.html')

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml $$(git ls-files '*.html')

# Every benchmark in one go (attestation issue, export, classroom, status API, learner pages), each
# printing one line `name: ratio R (goal G) ...` or `name: errors E of N (goal 0) ...`, repeated at
# the end. PostgreSQL: DATABASE_URL's server, else a throw-away cluster (the export is skipped, with
# the reason, when neither is possible).
bench: install
	$(BIN)/python benchmarks/run_all.py

# Needs DATABASE_URL pointing at a PostgreSQL server (it compares with COPY ... TO STDOUT).
bench-export: install
	DJANGO_SETTINGS_MODULE=lms.settings.test $(BIN)/python benchmarks/attestation_export.py

# 50 learners reading at once on the embedded SQLite default, served by gunicorn.
bench-classroom: install
	$(BIN)/python benchmarks/classroom_sqlite.py

# Two gunicorn instances on one PostgreSQL (DATABASE_URL's server, else a throw-away cluster) and one
# Redis (REDIS_URL, else a private redis-server): 50 concurrent passes of one prescriber's quiz give
# one attestation, 200 learners reading at once get no 5xx.
bench-cluster: install
	$(BIN)/python benchmarks/cluster_pg_redis.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
