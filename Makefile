# Rose Ash: `make run` to try it, `make test` to check it. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Development: embedded defaults (SQLite, local-memory cache, in-process tasks) unless the
# environment names real services. Sites reach each other over loopback with the right Host.
DEV_ENV := DEBUG=$${DEBUG:-true} ROSEASH_PORT=$(PORT) ROSEASH_INTERNAL_URL=http://127.0.0.1:$(PORT)

.PHONY: install run test lint worker beat bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "Rose Ash: http://localhost:$(PORT)/ and http://{blog,market,cart,events,account,federation}.localhost:$(PORT)/"
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

worker: install
	$(DEV_ENV) $(BIN)/celery -A roseash worker -Q default,fetch,inbox,delivery,mail --loglevel=info

beat: install
	$(DEV_ENV) $(BIN)/celery -A roseash beat --loglevel=info --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache
