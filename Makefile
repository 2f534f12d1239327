# Rose Ash: `make run` to try it, `make test` to check it. Both set up .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The development server's port in a new checkout. It goes into .env with the rest of the
# development settings; from then on .env decides, for make and for every command run by hand.
PORT ?= 8000

.PHONY: install run test lint worker beat bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Development: embedded defaults (SQLite, local-memory cache, in-process tasks) unless the
# environment or .env names real services. Sites reach each other over loopback with the right Host.
# Written only when missing: after that the file is the developer's.
.env:
	@printf '%s\n' \
	  '# Development settings, written by `make run`. Every command in this checkout reads them at' \
	  '# start; variables set in the environment win. Edit freely: make never rewrites this file.' \
	  'DEBUG=true' 'ROSEASH_PORT=$(PORT)' 'ROSEASH_INTERNAL_URL=http://127.0.0.1:$(PORT)' > $@
	@echo "Wrote .env: development settings for port $(PORT)."

run: install .env
	$(eval SERVE_PORT := $(shell $(BIN)/python -c 'import roseash.settings as s; print(s.ROSEASH_PORT or 8000)' 2>/dev/null))
	@if [ "$(origin PORT)" != file ] && [ "$(PORT)" != "$(SERVE_PORT)" ]; then \
	  echo "make run: PORT=$(PORT), but ROSEASH_PORT is $(SERVE_PORT) (from .env or the environment)." \
	    "Edit .env, or delete it to have it written for port $(PORT)." >&2; exit 2; fi
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "Rose Ash: http://localhost:$(SERVE_PORT)/ and http://{blog,market,cart,events,account,federation}.localhost:$(SERVE_PORT)/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(SERVE_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

worker: install .env
	$(BIN)/celery -A roseash worker -Q default,fetch,inbox,delivery,mail --loglevel=info

beat: install .env
	$(BIN)/celery -A roseash beat --loglevel=info --schedule=var/celerybeat-schedule

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache
