# The two commands: `make run` and `make test`. Everything they need is installed on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ONLY ?=

.PHONY: run test lint format bench migrate demo clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	bash bin/run

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py $(ONLY)

migrate: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput

demo: $(VENV)/.run-installed
	$(BIN)/python manage.py demo_data

clean:
	rm -rf $(VENV) var

# Front-end files are committed (decision 0090): `make vendor` refreshes them from the pinned npm
# packages of frontend/package-lock.json. Neither `make run` nor `make test` needs npm.
vendor:
	cd frontend && npm ci --no-audit --no-fund
	mkdir -p static/vendor/bootstrap tests/e2e/vendor
	cp frontend/node_modules/bootstrap/dist/css/bootstrap.min.css frontend/node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/
	cp frontend/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js frontend/node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/
	cp frontend/node_modules/bootstrap/LICENSE static/vendor/bootstrap/LICENSE
	cp frontend/node_modules/axe-core/axe.min.js frontend/node_modules/axe-core/LICENSE tests/e2e/vendor/
